"""Distortions: elastic, grid and optical (lens) remaps of the glyph.

Elastic and optical distortion draw on a padded canvas and cut the ink back
into the frame with :func:`~.frame.fit_frame`; a grid distortion keeps the
frame's edges where they are. Either way nothing is clipped.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import cast

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from .base import F32Array, Params, Transform, U8Array, uniform, uniforms
from .checks import check_int_range, check_number, check_range
from .frame import fit_frame, ink_box, pad_image, pixel_grid, pixel_grid_xy, remap

__all__ = [
    "BANK_SIZE",
    "ElasticTransform",
    "GridDistortion",
    "OpticalDistortion",
    "grid_knots",
    "lens_sources",
    "lens_spread",
]


class ElasticTransform(Transform):
    """Elastic distortion of Simard, Steinkraus & Platt (2003), as used on MNIST.

    A random displacement field (uniform in ``[-1, 1]`` per pixel and axis)
    is smoothed by a Gaussian of standard deviation ``sigma`` and scaled by
    ``alpha``; each pixel is moved by it. The image is padded first and the
    ink cut back into the frame afterwards, so nothing is clipped.

    Parameters
    ----------
    alpha:
        Field strength, ``0..200``; a number or a ``(min, max)`` range to
        draw from. Default 34 (the paper's MNIST value; displacements are
        then about 1.4 px on average, ``alpha / (sigma * 6.1)``).
    sigma:
        Smoothness of the field in pixels, ``1..20``. Default 4.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.

    Notes
    -----
    For ``sigma >= 2`` the field is drawn and smoothed on a coarser grid of
    ``step = min(4, int(sigma))`` pixels (smoothing ``sigma / step``,
    strength ``alpha / step``, with a correction for the interpolation) and
    interpolated back up: the field is smooth at that scale, its standard
    deviation matches the full-resolution one, and this is many times
    faster. Displacements are capped at the padding (3 standard deviations).
    """

    name = "elastic"
    default_stage = "glyph"
    geometric = True

    def __init__(
        self,
        alpha: float | tuple[float, float] = 34.0,
        sigma: float = 4.0,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.alpha = check_range(alpha, "ElasticTransform", "alpha", 0.0, 200.0, symmetric=False)
        self.sigma = check_number(sigma, "ElasticTransform", "sigma", 1.0, 20.0)
        # Smoothed uniform noise in [-1, 1] has a standard deviation of ~1 / (sigma sqrt(12 pi)).
        typical = self.alpha[1] / (self.sigma * math.sqrt(12 * math.pi))
        self._pad = min(16, math.ceil(3 * typical) + 1)
        # The smooth field is drawn on a grid of `step` px (sigma / step per cell) and
        # interpolated back up; linear interpolation of a field whose neighbours correlate by
        # rho loses a factor (2 + rho) / 3 of its standard deviation per axis: undo it.
        self._step = int(min(4.0, self.sigma))
        coarse_sigma = self.sigma / self._step
        self._coarse = (coarse_sigma, 2 * math.ceil(3 * coarse_sigma) + 1)
        rho = math.exp(-1.0 / (4 * coarse_sigma**2)) if self._step > 1 else 1.0
        self._gain = 3.0 / (2.0 + rho)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        import cv2

        height, width = shape
        pad, step = self._pad, self._step
        rows = -(-(height + 2 * pad) // step)
        cols = -(-(width + 2 * pad) // step)
        field = rng.random((n * rows, cols, 2), dtype=np.float32)
        alphas = uniform(rng, self.alpha, n)
        # Smooth all the fields in one call (stacked; neighbours barely touch at the seams),
        # then map [0, 1) -> [-1, 1) and scale: a coarse grid's field is `step` times stronger.
        sigma, ksize = self._coarse
        smooth = cv2.GaussianBlur(field, (ksize, ksize), sigma).reshape(n, rows, cols, 2)
        scale = np.asarray(alphas, np.float32) * np.float32(2.0 * self._gain / step)
        scale = scale.reshape(n, 1, 1, 1)
        move = (smooth - np.float32(0.5)) * scale
        limit = np.float32(pad - 1)
        np.minimum(move, limit, out=move)
        np.maximum(move, -limit, out=move)
        return [{"alpha": alphas[k], "displacement": move[k]} for k in range(n)]

    @property
    def pad(self) -> int:
        """Pixels of room the field's displacements are capped within (plus one)."""
        return self._pad

    @property
    def step(self) -> int:
        """Pixels per cell of the coarse grid the field is drawn on."""
        return self._step

    def coarse_fields(
        self, rng: np.random.Generator, rows: int, cols: int, n: int
    ) -> npt.NDArray[np.float32]:
        """``n`` displacement fields ``(n, rows, cols, 2)`` in pixels on the coarse grid, for
        the batched glyph stage: windows of a seeded bank of smoothed fields.

        Each is a random window of one of :data:`BANK_SIZE` fields (drawn and smoothed
        once, as :meth:`sample` draws one), each axis' sign flipped at random, scaled by
        a drawn ``alpha`` and capped as :meth:`sample` caps it: the same distribution of
        displacements at a fraction of the cost of smoothing fresh noise.
        """
        sigma, ksize = self._coarse
        bank = _field_bank(sigma, ksize, 2.0 * self._gain / self._step, 2 * rows, 2 * cols)
        picks = rng.integers(BANK_SIZE, size=n).tolist()
        tops = rng.integers(rows + 1, size=n).tolist()
        lefts = rng.integers(cols + 1, size=n).tolist()
        scale = (rng.integers(2, size=(n, 2)) * 2 - 1) * uniforms(rng, self.alpha, n)[:, None]
        fields = np.empty((n, rows, cols, 2), np.float32)
        for k, (pick, top, left) in enumerate(zip(picks, tops, lefts)):
            fields[k] = bank[pick, top : top + rows, left : left + cols]
        fields *= scale.astype(np.float32)[:, None, None, :]
        limit = np.float32(self._pad - 1)
        return np.clip(fields, -limit, limit, out=fields)

    def apply(self, image: U8Array, params: Params) -> U8Array:
        x, y, w, h = ink_box(image)
        if not w:
            return image
        height, width = image.shape
        pad, step = self._pad, self._step
        # displacement: pixels, on a grid of one cell per `step` px over the image padded by `pad`
        displacement: F32Array = params["displacement"]
        # Only the cells around the ink (grown by `pad`) matter: work on that window.
        r0, c0 = y // step, x // step
        r1, c1 = -(-(y + h + 2 * pad) // step), -(-(x + w + 2 * pad) // step)
        move = displacement[r0:r1, c0:c1]
        win_h, win_w = (r1 - r0) * step, (c1 - c0) * step
        if step > 1:
            import cv2

            move = cast(F32Array, cv2.resize(move, (win_w, win_h), interpolation=cv2.INTER_LINEAR))
        canvas_h, canvas_w = displacement.shape[0] * step, displacement.shape[1] * step
        canvas = pad_image(image, pad, canvas_h - height - pad, canvas_w - width - pad)
        top, left = r0 * step, c0 * step
        window = canvas[top : top + win_h, left : left + win_w]
        moved = remap(window, pixel_grid_xy(win_h, win_w) + move)
        return fit_frame(moved, top - pad, left - pad, (height, width))


#: Smoothed fields in :meth:`ElasticTransform.coarse_fields`' bank.
BANK_SIZE = 64
# The bank's fields are the same for every process and seed (they are windowed at random).
_BANK_SEED = 0x5EED


@lru_cache(maxsize=16)
def _field_bank(
    sigma: float, ksize: int, scale: float, rows: int, cols: int
) -> npt.NDArray[np.float32]:
    """:data:`BANK_SIZE` fields ``(rows, cols, 2)`` of uniform noise smoothed by ``sigma``,
    centred and scaled by ``scale`` (displacements per unit of ``alpha``); read-only."""
    import cv2

    rng = np.random.default_rng(_BANK_SEED)
    noise = rng.random((BANK_SIZE, rows, cols, 2), dtype=np.float32)
    smooth = np.stack([cv2.GaussianBlur(field, (ksize, ksize), sigma) for field in noise])
    bank: npt.NDArray[np.float32] = (smooth - np.float32(0.5)) * np.float32(scale)
    bank.setflags(write=False)
    return bank


class GridDistortion(Transform):
    """Stretch and squeeze the cells of a coarse grid (seed 004's "grid distortion").

    The frame is cut into ``num_steps`` columns and rows; each gets a random
    size ``1 + u`` times its share, then all are rescaled to fill the frame
    again, so the frame's edges stay put and ink never leaves it.

    Parameters
    ----------
    num_steps:
        Cells per axis, ``1..16``. Default 5.
    limit:
        ``u`` drawn from ``(-limit, limit)`` or ``(min, max)`` within
        ``-0.9..0.9``. Default 0.3.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "grid_distortion"
    default_stage = "glyph"
    geometric = True

    def __init__(
        self,
        num_steps: int = 5,
        limit: float | tuple[float, float] = 0.3,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.num_steps = check_int_range(num_steps, "GridDistortion", "num_steps", 1, 16)[0]
        self.limit = check_range(limit, "GridDistortion", "limit", -0.9, 0.9, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        steps = self._steps(rng, n)
        return [{"x_steps": steps[k, 0], "y_steps": steps[k, 1]} for k in range(n)]

    def _steps(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
        low, high = self.limit
        steps: npt.NDArray[np.float64] = rng.uniform(1.0 + low, 1.0 + high, (n, 2, self.num_steps))
        return steps

    def draw_knots(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The grids of ``n`` items of ``shape`` (the numbers :meth:`sample` draws), for the
        batched glyph stage: per axis, ``(n, num_steps + 1)`` output coordinates where
        the map bends (:func:`grid_knots`); the source coordinates there are evenly
        spaced (``np.linspace(0, size - 1, num_steps + 1)``). ``x`` first."""
        height, width = shape
        steps = self._steps(rng, n)
        return grid_knots(steps[:, 0], width), grid_knots(steps[:, 1], height)

    def apply(self, image: U8Array, params: Params) -> U8Array:
        height, width = image.shape
        map_x = _grid_axis(params["x_steps"], width)
        map_y = _grid_axis(params["y_steps"], height)
        return remap(
            image,
            np.ascontiguousarray(np.broadcast_to(map_x, (height, width))),
            np.ascontiguousarray(np.broadcast_to(map_y[:, None], (height, width))),
        )


def grid_knots(steps: npt.NDArray[np.float64], size: int) -> npt.NDArray[np.float64]:
    """Where a grid distortion's cells of relative sizes ``steps`` (``(n, cells)``) end along
    an axis of ``size`` pixels: ``(n, cells + 1)`` coordinates from 0 to ``size - 1``."""
    edges = np.zeros((len(steps), steps.shape[1] + 1))
    np.cumsum(steps, axis=1, out=edges[:, 1:])
    edges *= ((size - 1) / edges[:, -1])[:, None]
    return edges


def _grid_axis(steps: npt.NDArray[np.float64], size: int) -> F32Array:
    """Source coordinate of every output pixel along one axis of a grid distortion."""
    edges = grid_knots(steps[None], size)[0]
    uniform = np.linspace(0.0, size - 1, steps.size + 1)
    return np.interp(np.arange(size), edges, uniform).astype(np.float32)


class OpticalDistortion(Transform):
    """Barrel / pincushion lens distortion (seed 004's "optical distortion").

    A pixel at normalised radius ``r`` from the (slightly shifted) centre
    samples the source at radius ``r * (1 + k r**2)``: ``k > 0`` pulls the
    ink towards the centre and bulges its middle less (barrel), ``k < 0``
    pushes it outwards (pincushion). The radius is normalised by half the
    frame's shorter side; for ``k < 0`` the effect is capped where the map
    would fold over. The image is padded first, so nothing is clipped.

    Parameters
    ----------
    limit:
        ``k`` drawn from ``(-limit, limit)`` or ``(min, max)`` within
        ``-0.5..0.5``. Default 0.3.
    shift_limit:
        Centre offset as a fraction of the frame size, ``(-v, v)`` or
        ``(min, max)`` within ``-0.2..0.2``. Default 0.05.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "optical_distortion"
    default_stage = "glyph"
    geometric = True

    def __init__(
        self,
        limit: float | tuple[float, float] = 0.3,
        shift_limit: float | tuple[float, float] = 0.05,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "OpticalDistortion", "limit", -0.5, 0.5, symmetric=True)
        self.shift_limit = check_range(
            shift_limit, "OpticalDistortion", "shift_limit", -0.2, 0.2, symmetric=True
        )

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        ks, cxs, cys = self.draw_lenses(rng, shape, n)
        return [
            {"k": k, "cx": cx, "cy": cy}
            for k, cx, cy in zip(ks.tolist(), cxs.tolist(), cys.tolist())
        ]

    def draw_lenses(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """``k`` and the centre ``cx``, ``cy`` of ``n`` items of ``shape`` (the numbers
        :meth:`sample` draws), as arrays, for the batched glyph stage."""
        height, width = shape
        ks = uniforms(rng, self.limit, n)
        dx, dy = uniforms(rng, self.shift_limit, n), uniforms(rng, self.shift_limit, n)
        return ks, (width - 1) / 2 + dx * width, (height - 1) / 2 + dy * height

    def apply(self, image: U8Array, params: Params) -> U8Array:
        height, width = image.shape
        k = params["k"]
        if abs(k) < 1e-6:
            return image
        radius = min(height, width) / 2
        far = (
            math.hypot(
                max(params["cx"], width - 1 - params["cx"]),
                max(params["cy"], height - 1 - params["cy"]),
            )
            / radius
        )
        pad = math.ceil((float(lens_spread(k, far)) - 1.0) * far * radius) + 1
        canvas = pad_image(image, pad, pad, pad)
        xs, ys = pixel_grid(*canvas.shape)
        out = remap(
            canvas, *lens_sources(xs, ys, k, params["cx"] + pad, params["cy"] + pad, radius)
        )
        return fit_frame(out, -pad, -pad, (height, width))


def lens_sources(
    xs: F32Array, ys: F32Array, k: ArrayLike, cx: ArrayLike, cy: ArrayLike, radius: float
) -> tuple[F32Array, F32Array]:
    """Where an optical distortion ``k`` centred at ``(cx, cy)`` makes the points ``(xs, ys)``
    sample its source: ``c + (p - c) (1 + k r**2)``, ``r = |p - c| / radius``, ``r**2``
    capped for ``k < 0`` where the factor is 0.75 (well before the map would fold over).
    ``k``, ``cx``, ``cy`` broadcast against the points (one lens per item)."""
    k = np.asarray(k, np.float64)
    cap = (0.25 / np.maximum(-k, 1e-30)).astype(np.float32)  # no cap in effect for k >= 0
    cx, cy = np.asarray(cx, np.float32), np.asarray(cy, np.float32)
    u, v = xs - cx, ys - cy
    r2 = (u * u + v * v) * np.float32(1.0 / radius**2)
    np.minimum(r2, cap, out=r2)
    factor = np.float32(1.0) + k.astype(np.float32) * r2
    return cx + u * factor, cy + v * factor


def lens_spread(k: ArrayLike, far: ArrayLike) -> npt.NDArray[np.float64]:
    """The most an optical distortion ``k`` moves ink at normalised radius ``far`` (or less)
    away from its centre, as a factor of that radius: 1 for ``k >= 0`` (barrel pulls ink
    in), up to 4/3 for ``k < 0`` (the cap of :func:`lens_sources`)."""
    k, far = np.asarray(k, np.float64), np.asarray(far, np.float64)
    spread: npt.NDArray[np.float64] = 1.0 / np.maximum(
        0.75, 1.0 + np.minimum(k, 0.0) * (far / 0.75) ** 2
    )
    return spread
