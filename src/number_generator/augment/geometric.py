"""Geometric transforms: they move ink, and never out of the frame.

Affine ones (shift, scale, rotate, shear, size variation, baseline jitter)
are fused into one warp when they follow each other; the distortions
(elastic, grid, optical) are remaps on a padded canvas. Either way the ink is
moved back inside the frame afterwards, and shrunk about its centre when it
is too big to fit: nothing is clipped. Stroke thickness lives here too: it
is morphology on the glyph.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import Any, ClassVar, cast

import cv2
import numpy as np
import numpy.typing as npt

from .base import (
    F32Array,
    Params,
    Transform,
    U8Array,
    _check_int_range,
    _check_number,
    _check_range,
    _uniform,
)

__all__ = [
    "AffineTransform",
    "BaselineJitter",
    "ElasticTransform",
    "GridDistortion",
    "OpticalDistortion",
    "Rotate",
    "Scale",
    "Shear",
    "Shift",
    "SizeVariation",
    "StrokeThickness",
    "fit_frame",
    "fuse",
    "ink_box",
    "warp_fit",
    "warp_fused",
]

#: ``x' = a x + b y + c``, ``y' = d x + e y + f``.
Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


# --------------------------------------------------------------------------- geometry


def _compose(second: Matrix, first: Matrix) -> Matrix:
    """The affine map ``second(first(x))``."""
    a2, b2, c2, d2, e2, f2 = second
    a1, b1, c1, d1, e1, f1 = first
    return (
        a2 * a1 + b2 * d1,
        a2 * b1 + b2 * e1,
        a2 * c1 + b2 * f1 + c2,
        d2 * a1 + e2 * d1,
        d2 * b1 + e2 * e1,
        d2 * c1 + e2 * f1 + f2,
    )


def _about(linear: tuple[float, float, float, float], x: float, y: float) -> Matrix:
    """The linear map ``[[a, b], [d, e]]`` applied about the point ``(x, y)``."""
    a, b, d, e = linear
    return (a, b, x - a * x - b * y, d, e, y - d * x - e * y)


def ink_box(image: U8Array) -> tuple[int, int, int, int]:
    """``(x, y, width, height)`` of the non-zero pixels; all zeros for a blank image."""
    x, y, w, h = cv2.boundingRect(image)
    return int(x), int(y), int(w), int(h)


def warp_fit(
    image: U8Array, matrix: Matrix, box: tuple[int, int, int, int] | None = None
) -> U8Array:
    """Warp ``image`` by ``matrix`` in its own frame, keeping every ink pixel inside.

    Where the ink would leave the frame, the map is followed by a translation
    back inside, and by a uniform shrink about the ink's centre when the ink
    is larger than the frame. ``box`` is the image's :func:`ink_box`, if
    already known.
    """
    height, width = image.shape
    x, y, w, h = ink_box(image) if box is None else box
    a, b, c, d, e, f = matrix
    if w:
        # The corners of the ink box bound every ink pixel's centre.
        right, bottom = x + w - 1, y + h - 1
        ax0, ax1 = (a * x, a * right) if a >= 0 else (a * right, a * x)
        bx0, bx1 = (b * y, b * bottom) if b >= 0 else (b * bottom, b * y)
        dx0, dx1 = (d * x, d * right) if d >= 0 else (d * right, d * x)
        ey0, ey1 = (e * y, e * bottom) if e >= 0 else (e * bottom, e * y)
        x0, x1, y0, y1 = ax0 + bx0 + c, ax1 + bx1 + c, dx0 + ey0 + f, dx1 + ey1 + f
        if x1 - x0 > width - 1 or y1 - y0 > height - 1:
            # Maybe too big: measure the ink itself before shrinking anything.
            a, b, c, d, e, f = _fit_matrix(image, matrix)
        else:  # the bound fits: move it inside, if it is not already
            c += -x0 if x0 < 0 else min(0.0, width - 1 - x1)
            f += -y0 if y0 < 0 else min(0.0, height - 1 - y1)
    # INTER_LINEAR with a constant 0 border: OpenCV's defaults.
    warped = cv2.warpAffine(image, np.array([[a, b, c], [d, e, f]]), (width, height))
    return cast(U8Array, warped)


def _fit_matrix(image: U8Array, matrix: Matrix) -> Matrix:
    """``matrix`` followed by the shift (and shrink) that keeps every ink pixel in the frame."""
    height, width = image.shape
    a, b, c, d, e, f = matrix
    xy = cv2.findNonZero(image).reshape(-1, 2)
    mapped = xy @ np.array([[a, d], [b, e]])
    x0, y0 = mapped.min(axis=0).tolist()
    x1, y1 = mapped.max(axis=0).tolist()
    x0, x1, y0, y1 = x0 + c, x1 + c, y0 + f, y1 + f
    span_x, span_y = x1 - x0, y1 - y0
    shrink = 1.0
    if span_x > width - 1:
        shrink = (width - 1) / span_x
    if span_y > height - 1:
        shrink = min(shrink, (height - 1) / span_y)
    if shrink < 1.0:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        a, b, c, d, e, f = _compose(_about((shrink, 0.0, 0.0, shrink), cx, cy), matrix)
        x0, x1 = cx + (x0 - cx) * shrink, cx + (x1 - cx) * shrink
        y0, y1 = cy + (y0 - cy) * shrink, cy + (y1 - cy) * shrink
    c += -x0 if x0 < 0 else min(0.0, width - 1 - x1)
    f += -y0 if y0 < 0 else min(0.0, height - 1 - y1)
    return a, b, c, d, e, f


def fit_frame(canvas: U8Array, top: int, left: int, shape: tuple[int, int]) -> U8Array:
    """A ``shape`` frame holding all the ink of ``canvas``, whose corner sits at ``(top, left)``.

    ``canvas`` is a picture in the frame's coordinates that may stick out of
    it (``top``/``left`` are negative for a padded frame). Ink that lies in
    the frame stays where it is; ink that sticks out is moved back in, and
    ink larger than the frame is shrunk (aspect kept) to fit. Nothing is cut.
    """
    height, width = shape
    x, y, w, h = ink_box(canvas)
    out = np.zeros(shape, np.uint8)
    if w == 0:
        return out
    if w <= width and h <= height:
        row = min(max(y + top, 0), height - h)
        col = min(max(x + left, 0), width - w)
        out[row : row + h, col : col + w] = canvas[y : y + h, x : x + w]
        return out
    scale = min(width / w, height / h)
    new_w, new_h = max(1, int(w * scale)), max(1, int(h * scale))
    small = cv2.resize(canvas[y : y + h, x : x + w], (new_w, new_h), interpolation=cv2.INTER_AREA)
    row = min(max(0, round(y + top + h / 2 - new_h / 2)), height - new_h)
    col = min(max(0, round(x + left + w / 2 - new_w / 2)), width - new_w)
    out[row : row + new_h, col : col + new_w] = small
    return out


@lru_cache(maxsize=64)
def _grid(height: int, width: int) -> tuple[F32Array, F32Array]:
    """Pixel-centre coordinates ``(x, y)`` of a ``height x width`` image (read-only)."""
    ys, xs = np.indices((height, width), dtype=np.float32)
    xs.setflags(write=False)
    ys.setflags(write=False)
    return xs, ys


@lru_cache(maxsize=64)
def _grid_xy(height: int, width: int) -> F32Array:
    """Pixel-centre coordinates of a ``height x width`` image as one ``(h, w, 2)`` map."""
    xs, ys = _grid(height, width)
    xy = np.ascontiguousarray(np.stack([xs, ys], axis=-1))
    xy.setflags(write=False)
    return xy


def _pad(image: U8Array, pad: int, bottom: int, right: int) -> U8Array:
    """``image`` with ``pad`` empty pixels above and left, ``bottom`` below, ``right`` right."""
    padded = cv2.copyMakeBorder(image, pad, bottom, pad, right, cv2.BORDER_CONSTANT, value=0)
    return cast(U8Array, padded)


def _remap(image: U8Array, map_x: F32Array, map_y: F32Array | None = None) -> U8Array:
    """Bilinear remap with an empty border; ``map_x`` may hold both coordinates ``(h, w, 2)``."""
    no_map: Any = None  # OpenCV accepts None for the second map; its stubs do not say so
    out = cv2.remap(
        image,
        map_x,
        no_map if map_y is None else map_y,
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return cast(U8Array, out)


# --------------------------------------------------------------------------- affine transforms


class AffineTransform(Transform):
    """A geometric transform that is one affine map; consecutive ones are fused into one warp.

    Sampled parameters carry the map's ``linear`` part ``(a, b, d, e)`` and
    its ``offset`` ``(tx, ty)``; the linear part acts about the :attr:`anchor`
    of the input's ink box. The result is applied with :func:`warp_fit`, so
    no ink leaves the frame.
    """

    default_stage = "glyph"
    geometric = True
    #: Point the linear part acts about: the ink box's ``"centre"`` or its
    #: ``"baseline"`` (bottom centre).
    anchor: ClassVar[str | None] = "centre"

    def matrix(self, params: Params, box: tuple[int, int, int, int]) -> Matrix:
        """The map for ``params`` on an image whose ink box is ``box``."""
        return fuse([(self.anchor, params)], box)

    def apply(self, image: U8Array, params: Params) -> U8Array:
        return warp_fused(image, [(self.anchor, params)])


def warp_fused(image: U8Array, items: list[tuple[str | None, Params]]) -> U8Array:
    """Apply affine parameters ``(anchor, params)``, in order, as one warp (see :func:`fuse`)."""
    box = ink_box(image)
    return warp_fit(image, fuse(items, box), box)


def fuse(items: list[tuple[str | None, Params]], box: tuple[int, int, int, int]) -> Matrix:
    """Compose affine parameters ``(anchor, params)`` in order into one map about ``box``."""
    x, y, w, h = box
    cx, cy, base = x + (w - 1) / 2, y + (h - 1) / 2, y + h - 1
    a, b, c, d, e, f = _IDENTITY
    for anchor, params in items:
        la, lb, ld, le = params["linear"]
        tx, ty = params["offset"]
        ay = cy if anchor == "centre" else base
        # this step: p -> L (p - anchor) + anchor + offset; then compose after the map so far
        tx += cx - la * cx - lb * ay
        ty += ay - ld * cx - le * ay
        a, b, c, d, e, f = (
            la * a + lb * d,
            la * b + lb * e,
            la * c + lb * f + tx,
            ld * a + le * d,
            ld * b + le * e,
            ld * c + le * f + ty,
        )
    return a, b, c, d, e, f


_NO_MOVE = (0.0, 0.0)
_NO_LINEAR = (1.0, 0.0, 0.0, 1.0)


class Shift(AffineTransform):
    """Move the ink by a random fraction of the frame size (seed 004's "shift").

    Parameters
    ----------
    limit:
        Fraction of the frame's width (x) and height (y), drawn uniformly from
        ``(-limit, limit)`` per axis, or from ``(min, max)``; within
        ``-0.5..0.5``. Default 0.0625 (albumentations' ``shift_limit``). The
        move is clamped so no ink leaves the frame. In the glyph stage only
        the vertical part shows: spacing is measured between ink.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "shift"

    def __init__(
        self,
        limit: float | tuple[float, float] = 0.0625,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = _check_range(limit, "Shift", "limit", -0.5, 0.5, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        height, width = shape
        dx, dy = _uniform(rng, self.limit, n), _uniform(rng, self.limit, n)
        return [
            {"dx": x, "dy": y, "linear": _NO_LINEAR, "offset": (x, y)}
            for x, y in zip((u * width for u in dx), (v * height for v in dy))
        ]


class Scale(AffineTransform):
    """Resize the ink about its centre (seed 004's "scale").

    Parameters
    ----------
    limit:
        The factor is ``1 + u`` with ``u`` drawn from ``(-limit, limit)`` or
        ``(min, max)``, within ``-0.5..1.0`` (factors 0.5-2). Default 0.1.
        Ink that would outgrow the frame is shrunk back into it.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "scale"

    def __init__(
        self, limit: float | tuple[float, float] = 0.1, *, p: float = 0.5, stage: str | None = None
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = _check_range(limit, "Scale", "limit", -0.5, 1.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [
            {"factor": 1.0 + u, "linear": (1.0 + u, 0.0, 0.0, 1.0 + u), "offset": _NO_MOVE}
            for u in _uniform(rng, self.limit, n)
        ]


class Rotate(AffineTransform):
    """Turn the ink about its centre (seed 004's "rotate").

    Parameters
    ----------
    limit:
        Angle in degrees, counter-clockwise as seen, drawn from
        ``(-limit, limit)`` or ``(min, max)`` within ``-180..180``. Default 15.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "rotate"

    def __init__(
        self,
        limit: float | tuple[float, float] = 15.0,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = _check_range(limit, "Rotate", "limit", -180.0, 180.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        params: list[Params] = []
        for angle in _uniform(rng, self.limit, n):
            cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            # y points down in images, so this turns counter-clockwise as seen.
            params.append({"angle": angle, "linear": (cos, sin, -sin, cos), "offset": _NO_MOVE})
        return params


class Shear(AffineTransform):
    """Slant the ink like italic writing, about its centre.

    Parameters
    ----------
    limit:
        Slant angle in degrees (positive leans the top to the right), drawn
        from ``(-limit, limit)`` or ``(min, max)`` within ``-45..45``. Default 12.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "shear"

    def __init__(
        self,
        limit: float | tuple[float, float] = 12.0,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = _check_range(limit, "Shear", "limit", -45.0, 45.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [
            {
                "angle": angle,
                "linear": (1.0, -math.tan(math.radians(angle)), 0.0, 1.0),
                "offset": _NO_MOVE,
            }
            for angle in _uniform(rng, self.limit, n)
        ]


class SizeVariation(AffineTransform):
    """Vary each digit's size about its baseline (bottom centre of the ink), as writing does.

    Parameters
    ----------
    limit:
        The factor is ``1 + u`` with ``u`` drawn from ``(-limit, limit)`` or
        ``(min, max)`` within ``-0.5..0.5``. Default 0.1.
    p, stage:
        See :class:`Transform`; default ``p=1``.
    """

    name = "size_variation"
    anchor = "baseline"

    def __init__(
        self, limit: float | tuple[float, float] = 0.1, *, p: float = 1.0, stage: str | None = None
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = _check_range(limit, "SizeVariation", "limit", -0.5, 0.5, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [
            {"factor": 1.0 + u, "linear": (1.0 + u, 0.0, 0.0, 1.0 + u), "offset": _NO_MOVE}
            for u in _uniform(rng, self.limit, n)
        ]


class BaselineJitter(AffineTransform):
    """Move each digit up or down; the baseline wanders along the sequence like real writing.

    The offset of digit ``k`` is an independent jitter drawn from
    ``(-limit, limit)`` plus a random walk with steps of standard deviation
    ``wander``; the walk is centred so the sequence as a whole stays put.
    Offsets are clamped so no ink leaves the frame.

    Parameters
    ----------
    limit:
        Independent jitter in pixels (of a 28-pixel glyph), ``(-limit,
        limit)`` or ``(min, max)`` within ``-8..8``. Default 1.5.
    wander:
        Standard deviation in pixels of the walk's step from one digit to the
        next, ``0..4``. Default 0.75.
    p, stage:
        See :class:`Transform`; default ``p=1`` (``p`` is per digit).
    """

    name = "baseline_jitter"

    def __init__(
        self,
        limit: float | tuple[float, float] = 1.5,
        wander: float = 0.75,
        *,
        p: float = 1.0,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = _check_range(limit, "BaselineJitter", "limit", -8.0, 8.0, symmetric=True)
        self.wander = _check_number(wander, "BaselineJitter", "wander", 0.0, 4.0)

    def sample_chosen(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, chosen: list[bool] | None
    ) -> list[Params | None]:
        # The walk runs over every digit of the sequence; `p` only decides who follows it.
        offsets = _uniform(rng, self.limit, n)
        if self.wander > 0 and n > 1:
            walk = list(itertools.accumulate(rng.normal(0.0, self.wander, n).tolist()))
            mean = sum(walk) / n
            offsets = [jitter + level - mean for jitter, level in zip(offsets, walk)]
        params = [{"dy": dy, "linear": _NO_LINEAR, "offset": (0.0, dy)} for dy in offsets]
        if chosen is None:
            return list(params)
        return [item if pick else None for item, pick in zip(params, chosen)]


# --------------------------------------------------------------------------- distortions


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
        self.alpha = _check_range(alpha, "ElasticTransform", "alpha", 0.0, 200.0, symmetric=False)
        self.sigma = _check_number(sigma, "ElasticTransform", "sigma", 1.0, 20.0)
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
        height, width = shape
        pad, step = self._pad, self._step
        rows = -(-(height + 2 * pad) // step)
        cols = -(-(width + 2 * pad) // step)
        field = rng.random((n * rows, cols, 2), dtype=np.float32)
        alphas = _uniform(rng, self.alpha, n)
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
            move = cast(F32Array, cv2.resize(move, (win_w, win_h), interpolation=cv2.INTER_LINEAR))
        canvas_h, canvas_w = displacement.shape[0] * step, displacement.shape[1] * step
        canvas = _pad(image, pad, canvas_h - height - pad, canvas_w - width - pad)
        top, left = r0 * step, c0 * step
        window = canvas[top : top + win_h, left : left + win_w]
        moved = _remap(window, _grid_xy(win_h, win_w) + move)
        return fit_frame(moved, top - pad, left - pad, (height, width))


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
        self.num_steps = _check_int_range(num_steps, "GridDistortion", "num_steps", 1, 16)[0]
        self.limit = _check_range(limit, "GridDistortion", "limit", -0.9, 0.9, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        low, high = self.limit
        steps = rng.uniform(1.0 + low, 1.0 + high, (n, 2, self.num_steps))
        return [{"x_steps": steps[k, 0], "y_steps": steps[k, 1]} for k in range(n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        height, width = image.shape
        map_x = _grid_axis(params["x_steps"], width)
        map_y = _grid_axis(params["y_steps"], height)
        return _remap(
            image,
            np.ascontiguousarray(np.broadcast_to(map_x, (height, width))),
            np.ascontiguousarray(np.broadcast_to(map_y[:, None], (height, width))),
        )


def _grid_axis(steps: npt.NDArray[np.float64], size: int) -> F32Array:
    """Source coordinate of every output pixel along one axis of a grid distortion."""
    edges = np.concatenate(([0.0], np.cumsum(steps)))
    edges *= (size - 1) / edges[-1]
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
        self.limit = _check_range(limit, "OpticalDistortion", "limit", -0.5, 0.5, symmetric=True)
        self.shift_limit = _check_range(
            shift_limit, "OpticalDistortion", "shift_limit", -0.2, 0.2, symmetric=True
        )

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        height, width = shape
        ks = _uniform(rng, self.limit, n)
        dx, dy = _uniform(rng, self.shift_limit, n), _uniform(rng, self.shift_limit, n)
        return [
            {"k": k, "cx": (width - 1) / 2 + x * width, "cy": (height - 1) / 2 + y * height}
            for k, x, y in zip(ks, dx, dy)
        ]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        height, width = image.shape
        k = params["k"]
        if abs(k) < 1e-6:
            return image
        radius = min(height, width) / 2
        # For k < 0, r * (1 + k r^2) stops growing where 1 + 3 k r^2 = 0: cap r^2 well before
        # that, where the factor is 0.75. Ink then moves outwards by at most 1 / factor - 1 of
        # its radius, which the padding must hold.
        cap = 0.25 / -k if k < 0 else math.inf
        far = (
            math.hypot(
                max(params["cx"], width - 1 - params["cx"]),
                max(params["cy"], height - 1 - params["cy"]),
            )
            / radius
        )
        factor = max(0.75, 1.0 + k * (far / 0.75) ** 2) if k < 0 else 1.0
        pad = math.ceil((1.0 / factor - 1.0) * far * radius) + 1
        canvas = _pad(image, pad, pad, pad)
        xs, ys = _grid(*canvas.shape)
        cx, cy = np.float32(params["cx"] + pad), np.float32(params["cy"] + pad)
        u, v = xs - cx, ys - cy
        r2 = (u * u + v * v) * np.float32(1.0 / radius**2)
        if k < 0:
            np.minimum(r2, np.float32(cap), out=r2)
        factor = np.float32(1.0) + np.float32(k) * r2
        out = _remap(canvas, cx + u * factor, cy + v * factor)
        return fit_frame(out, -pad, -pad, (height, width))


class StrokeThickness(Transform):
    """Make the pen thinner or bolder.

    ``t > 0`` blends towards a dilation of the ink by one pixel (``t = 1``),
    two pixels (``t = 2``) …; ``t < 0`` peels up to one pixel (``t = -1``)
    off the edges of strokes that are thick enough to survive an erosion,
    leaving thin strokes as they are so that no digit fades away. Fractions
    give in-between weights. Ink too close to the frame's edge to grow is
    given room first and fitted back, so the bolder pen is never clipped.

    Parameters
    ----------
    limit:
        ``t`` drawn from ``(-limit, limit)`` or ``(min, max)`` within
        ``-1..2``. Default ``(-0.5, 1.0)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``, stage ``"glyph"``.
    """

    name = "stroke_thickness"
    default_stage = "glyph"
    _KERNEL = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))

    def __init__(
        self,
        limit: float | tuple[float, float] = (-0.5, 1.0),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = _check_range(limit, "StrokeThickness", "limit", -1.0, 2.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [{"t": t} for t in _uniform(rng, self.limit, n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        t = params["t"]
        if t > 0:
            # Bolder ink grows by up to ceil(t) px: give it room if it is that close to an edge.
            grow = math.ceil(t)
            x, y, w, h = ink_box(image)
            height, width = image.shape
            if w and (min(x, y) < grow or x + w + grow > width or y + h + grow > height):
                room = grow + 1
                bolder = self.apply(_pad(image, room, room, room), params)
                return fit_frame(bolder, -room, -room, (height, width))
            whole = math.ceil(t) - 1
            base = cv2.dilate(image, self._KERNEL, iterations=whole) if whole else image
            target = cv2.dilate(base, self._KERNEL)
            weight = t - whole
        elif t < 0:
            # Peel the edge of strokes thick enough to survive an erosion (where the opening
            # keeps ink); thin strokes are left alone instead of fading away.
            eroded = cv2.erode(image, self._KERNEL)
            opened = cv2.dilate(eroded, self._KERNEL)
            peel = cv2.multiply(cv2.subtract(image, eroded), opened, scale=-t / 255)
            return cast(U8Array, cv2.subtract(image, peel))
        else:
            return image
        return cast(U8Array, cv2.addWeighted(base, 1.0 - weight, target, weight, 0.0))
