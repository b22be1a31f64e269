"""Scan effects: low resolution, JPEG, a slightly turned or skewed page, uneven light, binarization.

Image stage, in the ink convention (0 = paper, 255 = ink). :class:`ScanWarp`
is the one that moves pixels: it stays small (no pixel moves more than
``max_shift``) and reports its matrix through :meth:`~.base.Transform.warp`, so
the digits' boxes follow it (:func:`~.boxes.warp_boxes`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from .base import Params, Transform, U8Array, uniform, uniforms
from .batched import Matrices
from .checks import Boxes, check_int_range, check_number, check_range

__all__ = ["Binarize", "Downscale", "Illumination", "JpegCompression", "ScanWarp"]


class Downscale(Transform):
    """Scanned at a lower resolution: shrink by ``factor`` (area average), then enlarge back.

    Parameters
    ----------
    factor:
        Size of the low-resolution copy relative to the image, ``0.2..1``; a
        number or ``(min, max)``. Default ``(0.45, 0.85)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "downscale"

    def __init__(
        self,
        factor: float | tuple[float, float] = (0.45, 0.85),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.factor = check_range(factor, "Downscale", "factor", 0.2, 1.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [{"factor": f} for f in uniform(rng, self.factor, n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        height, width = image.shape
        small = (max(1, round(width * params["factor"])), max(1, round(height * params["factor"])))
        if small == (width, height):
            return image
        low = cv2.resize(image, small, interpolation=cv2.INTER_AREA)
        return cast(U8Array, cv2.resize(low, (width, height), interpolation=cv2.INTER_LINEAR))


class JpegCompression(Transform):
    """JPEG artefacts: the picture encoded and decoded at a random ``quality``.

    Parameters
    ----------
    quality:
        JPEG quality, ``1..100`` (lower: blockier, more ringing); an int or a
        ``(min, max)`` pair of ints. Default ``(25, 85)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "jpeg"

    def __init__(
        self, quality: int | tuple[int, int] = (25, 85), *, p: float = 0.5, stage: str | None = None
    ) -> None:
        super().__init__(p=p, stage=stage)
        low, high = check_int_range(quality, "JpegCompression", "quality", 1, 100)
        self.quality = (low, high) if low != high else low
        self._bounds = (low, high)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        low, high = self._bounds
        if low == high:
            return [{"quality": low}] * n
        return [{"quality": q} for q in rng.integers(low, high + 1, n).tolist()]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        seen = cv2.bitwise_not(image)
        ok, encoded = cv2.imencode(".jpg", seen, [cv2.IMWRITE_JPEG_QUALITY, params["quality"]])
        if not ok:  # cv2 encodes every uint8 picture; kept as it was otherwise
            return image
        decoded = cast(U8Array, cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE))
        return cast(U8Array, cv2.bitwise_not(decoded))


class ScanWarp(Transform):
    """The page not quite square on the scanner: a small rotation, shear and perspective.

    The field turns about its centre; the corners are then pushed at random by
    up to ``perspective`` of the image height. The whole warp is scaled down
    until no corner (and so, for the affine part, no pixel) moves more than
    ``max_shift`` pixels, so wide fields turn less. Edges are filled by
    repeating the border.

    Parameters
    ----------
    rotate:
        Degrees, ``-5..5``; a number ``v`` means ``(-v, v)``. Default 1.
    shear:
        Degrees of horizontal shear, ``-5..5``. Default 1.
    perspective:
        Corner displacement as a fraction of the height, ``0..0.1``. Default 0.03.
    max_shift:
        Largest movement of any corner in pixels, ``0.5..4``. Default 2.
    p, stage:
        See :class:`Transform`; default ``p=0.5``; image stage only.
    """

    name = "scan_warp"
    image_only = True

    def __init__(
        self,
        rotate: float | tuple[float, float] = 1.0,
        shear: float | tuple[float, float] = 1.0,
        perspective: float = 0.03,
        max_shift: float = 2.0,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.rotate = check_range(rotate, "ScanWarp", "rotate", -5.0, 5.0, symmetric=True)
        self.shear = check_range(shear, "ScanWarp", "shear", -5.0, 5.0, symmetric=True)
        self.perspective = check_number(perspective, "ScanWarp", "perspective", 0.0, 0.1)
        self.max_shift = check_number(max_shift, "ScanWarp", "max_shift", 0.5, 4.0)

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        matrices = self._matrices(rng, (images.shape[1], images.shape[2]), len(images))
        for image, matrix in zip(images, matrices):
            image[...] = self.apply(image, {"matrix": matrix})
        return images, list(matrices)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        height, width = shape
        angles, shears = uniform(rng, self.rotate, n), uniform(rng, self.shear, n)
        jitter = rng.uniform(-1.0, 1.0, (n, 4, 2)) * self.perspective * height
        corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
        centre = np.array([width / 2, height / 2])
        out = []
        for k in range(n):
            turn, slant = math.radians(angles[k]), math.tan(math.radians(shears[k]))
            linear = np.array(
                [[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]]
            ) @ np.array([[1.0, slant], [0.0, 1.0]])
            moved = (corners - centre) @ linear.T + centre + jitter[k]
            shift = moved - corners
            largest = float(np.hypot(shift[:, 0], shift[:, 1]).max())
            if largest > self.max_shift:
                moved = corners + shift * (self.max_shift / largest)
            out.append({"matrix": _homography(corners, moved)})
        return out

    def _matrices(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> npt.NDArray[np.float64]:
        """The warps of ``n`` fields of ``shape``, ``(n, 3, 3)``: :meth:`_sample`'s numbers
        (the same draws and matrices) as arrays, for a stack."""
        height, width = shape
        turn = np.radians(uniforms(rng, self.rotate, n))
        slant = np.tan(np.radians(uniforms(rng, self.shear, n)))
        jitter = rng.uniform(-1.0, 1.0, (n, 4, 2)) * self.perspective * height
        cos, sin, zero, one = np.cos(turn), np.sin(turn), np.zeros(n), np.ones(n)
        rotation = np.stack([cos, -sin, sin, cos], 1).reshape(n, 2, 2)
        linear = rotation @ np.stack([one, slant, zero, one], 1).reshape(n, 2, 2)
        corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
        centre = np.array([width / 2, height / 2])
        moved = (corners - centre) @ linear.transpose(0, 2, 1) + centre + jitter
        shift = moved - corners
        largest = np.hypot(shift[..., 0], shift[..., 1]).max(axis=1)
        shrunk = corners + shift * (self.max_shift / np.maximum(largest, 1e-12))[:, None, None]
        return _homographies(
            corners, np.where((largest > self.max_shift)[:, None, None], shrunk, moved)
        )

    def warp(self, params: Params) -> npt.NDArray[np.float64]:
        matrix: npt.NDArray[np.float64] = params["matrix"]
        return matrix

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        height, width = image.shape
        out = cv2.warpPerspective(
            image,
            params["matrix"],
            (width, height),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE,
        )
        return cast(U8Array, out)


def _homography(
    source: npt.NDArray[np.float64], target: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The 3x3 matrix taking the four ``source`` points to ``target`` (h33 = 1)."""
    rows = []
    for (x, y), (u, v) in zip(source.tolist(), target.tolist()):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    solution = np.linalg.solve(np.array(rows), target.reshape(-1))
    return np.append(solution, 1.0).reshape(3, 3)


def _homographies(
    source: npt.NDArray[np.float64], targets: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The 3x3 matrices (h33 = 1) taking the four ``source`` points to each ``(4, 2)`` of
    ``targets``: ``(n, 3, 3)``."""
    x, y = source[:, 0], source[:, 1]
    u, v = targets[..., 0], targets[..., 1]
    count, zero, one = len(targets), np.zeros(4), np.ones(4)
    rows = np.empty((count, 4, 2, 8))
    rows[:, :, 0, :6] = np.stack([x, y, one, zero, zero, zero], 1)
    rows[:, :, 1, :6] = np.stack([zero, zero, zero, x, y, one], 1)
    rows[:, :, 0, 6:] = -u[..., None] * source
    rows[:, :, 1, 6:] = -v[..., None] * source
    solution = np.linalg.solve(rows.reshape(count, 8, 8), targets.reshape(count, 8, 1))[..., 0]
    return np.concatenate([solution, np.ones((count, 1))], 1).reshape(count, 3, 3)


class Illumination(Transform):
    """Uneven light on the scanner: one side or the corners of the field darker.

    Parameters
    ----------
    strength:
        How much darker the darkest place is, as a fraction of the light,
        ``0..0.8``; a number or ``(min, max)``. Default ``(0.05, 0.3)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "illumination"

    def __init__(
        self,
        strength: float | tuple[float, float] = (0.05, 0.3),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.strength = check_range(strength, "Illumination", "strength", 0.0, 0.8, symmetric=False)

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        count = len(images)
        strengths = uniforms(rng, self.strength, count)
        vignette = rng.random(count) < 0.4
        return _lit(images, strengths, vignette, rng.uniform(0.0, 2 * math.pi, count)), None

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        strengths = uniform(rng, self.strength, n)
        return [
            {
                "strength": strengths[k],
                "vignette": bool(rng.random() < 0.4),
                "angle": rng.uniform(0.0, 2 * math.pi),
            }
            for k in range(n)
        ]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        strength, vignette, angle = ([params[key]] for key in ("strength", "vignette", "angle"))
        lit = _lit(image[None], np.array(strength), np.array(vignette), np.array(angle))
        return cast(U8Array, lit[0])


def _lit(
    images: U8Array,
    strengths: npt.NDArray[np.float64],
    vignette: npt.NDArray[np.bool_],
    angles: npt.NDArray[np.float64],
) -> U8Array:
    """A stack of images under uneven light: per image its strength, and a vignette or light
    falling off along its angle."""
    height, width = images.shape[1:]
    # Positions from -1 to 1 across and down; the shade is 0 (full light) to 1 (darkest).
    u = np.linspace(-1.0, 1.0, width, dtype=np.float32)
    v = np.linspace(-1.0, 1.0, height, dtype=np.float32)
    across = u * (np.cos(angles) / 2).astype(np.float32)[:, None] + np.float32(0.5)
    down = v * (np.sin(angles) / 2).astype(np.float32)[:, None]
    shade = np.clip(down[:, :, None] + across[:, None, :], np.float32(0.0), np.float32(1.0))
    shade[vignette] = np.minimum(np.add.outer(v * v / 2, u * u / 2), np.float32(1.0))
    seen = (255 - images).astype(np.float32)
    seen *= np.float32(1.0) - strengths.astype(np.float32)[:, None, None] * shade
    out: U8Array = (np.float32(255.5) - seen).astype(np.uint8)  # 255 - seen, rounded
    return out


class Binarize(Transform):
    """Black and white only, as fax machines and bitonal scanners save: Otsu's threshold.

    Every pixel becomes paper (0) or ink (255); the threshold is Otsu's for
    the picture plus ``offset`` grey levels (positive: more ink).

    Parameters
    ----------
    offset:
        Grey levels added to Otsu's threshold on the seen picture, ``-60..60``;
        a number ``v`` means ``(-v, v)``. Default 10.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "binarize"

    def __init__(
        self,
        offset: float | tuple[float, float] = 10.0,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.offset = check_range(offset, "Binarize", "offset", -60.0, 60.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [{"offset": o} for o in uniform(rng, self.offset, n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        otsu, _ = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        # On the ink image a higher seen threshold is a lower ink threshold.
        level = min(max(otsu - params["offset"], 0.0), 254.0)
        _, out = cv2.threshold(image, level, 255, cv2.THRESH_BINARY)
        return cast(U8Array, out)
