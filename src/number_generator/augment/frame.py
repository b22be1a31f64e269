"""Frame helpers of the geometric transforms: affine maps, warps, remaps and fits.

Geometric transforms never move ink out of the frame: a warp is followed by
the shift (and, for ink larger than the frame, the shrink) that keeps it
inside (:func:`warp_stack`), and a distortion drawn on a padded canvas is cut
back into the frame by :func:`fit_frame`. OpenCV is imported by the functions
that use it, so importing this module does not load it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from .base import F32Array, U8Array

__all__ = [
    "Matrix",
    "compose",
    "fit_frame",
    "ink_box",
    "pad_image",
    "pixel_grid",
    "pixel_grid_xy",
    "remap",
    "warp_stack",
]

#: ``x' = a x + b y + c``, ``y' = d x + e y + f``.
Matrix = tuple[float, float, float, float, float, float]
F64Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def compose(second: Matrix, first: Matrix) -> Matrix:
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
    import cv2

    x, y, w, h = cv2.boundingRect(image)
    return int(x), int(y), int(w), int(h)


def warp_stack(
    stack: U8Array, matrices: F64Array, moved: npt.NDArray[np.bool_], extents: IntArray
) -> U8Array:
    """Warp each ``moved`` image of a stack ``(n, height, width)`` in its own frame, keeping
    every ink pixel inside; a new stack (the other images copied as they are).

    ``matrices`` ``(n, 2, 3)`` are the maps (their translations are adjusted in place) and
    ``extents`` the images' ink boxes (:func:`~number_generator._util.glyphs.ink_extents`).
    Where the ink would leave the frame, a map is followed by a translation back inside, and
    by a uniform shrink about the ink's centre when the ink is larger than the frame.
    """
    import cv2

    n, height, width = stack.shape
    linear, shift = matrices[:, :, :2], matrices[:, :, 2]
    # The corners of the ink box bound every ink pixel's centre.
    first = linear * extents[:, None, :2]
    last = linear * (extents[:, None, 2:] - 1)
    low = np.minimum(first, last).sum(axis=2) + shift
    high = np.maximum(first, last).sum(axis=2) + shift
    limit = np.array([width - 1, height - 1], np.float64)
    inked = extents[:, 2] > 0
    # Maybe too big: measure the ink itself before shrinking anything (below).
    too_big = ((high - low) > limit).any(axis=1) & inked
    inside = (inked & ~too_big)[:, None]
    shift += np.where(low < 0, -low, np.minimum(0.0, limit - high)) * inside
    out = stack.copy()
    for k in np.flatnonzero(moved).tolist():
        matrix = _fit_matrix(stack[k], matrices[k]) if too_big[k] else matrices[k]
        # INTER_LINEAR with a constant 0 border: OpenCV's defaults.
        cv2.warpAffine(stack[k], matrix, (width, height), dst=out[k])
    return out


def _fit_matrix(image: U8Array, matrix: F64Array) -> F64Array:
    """``matrix`` ``(2, 3)`` followed by the shift (and shrink) that keeps every ink pixel in
    the frame."""
    import cv2

    height, width = image.shape
    a, b, c, d, e, f = matrix.ravel().tolist()
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
        about = _about((shrink, 0.0, 0.0, shrink), cx, cy)
        a, b, c, d, e, f = compose(about, (a, b, c, d, e, f))
        x0, x1 = cx + (x0 - cx) * shrink, cx + (x1 - cx) * shrink
        y0, y1 = cy + (y0 - cy) * shrink, cy + (y1 - cy) * shrink
    c += -x0 if x0 < 0 else min(0.0, width - 1 - x1)
    f += -y0 if y0 < 0 else min(0.0, height - 1 - y1)
    return np.array([[a, b, c], [d, e, f]])


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
    import cv2  # only ink too big for the frame needs it

    scale = min(width / w, height / h)
    new_w, new_h = max(1, int(w * scale)), max(1, int(h * scale))
    small = cv2.resize(canvas[y : y + h, x : x + w], (new_w, new_h), interpolation=cv2.INTER_AREA)
    row = min(max(0, round(y + top + h / 2 - new_h / 2)), height - new_h)
    col = min(max(0, round(x + left + w / 2 - new_w / 2)), width - new_w)
    out[row : row + new_h, col : col + new_w] = small
    return out


@lru_cache(maxsize=64)
def pixel_grid(height: int, width: int) -> tuple[F32Array, F32Array]:
    """Pixel-centre coordinates ``(x, y)`` of a ``height x width`` image (read-only)."""
    ys, xs = np.indices((height, width), dtype=np.float32)
    xs.setflags(write=False)
    ys.setflags(write=False)
    return xs, ys


@lru_cache(maxsize=64)
def pixel_grid_xy(height: int, width: int) -> F32Array:
    """Pixel-centre coordinates of a ``height x width`` image as one ``(h, w, 2)`` map."""
    xs, ys = pixel_grid(height, width)
    xy = np.ascontiguousarray(np.stack([xs, ys], axis=-1))
    xy.setflags(write=False)
    return xy


def pad_image(image: U8Array, pad: int, bottom: int, right: int) -> U8Array:
    """``image`` with ``pad`` empty pixels above and left, ``bottom`` below, ``right`` right."""
    import cv2

    padded = cv2.copyMakeBorder(image, pad, bottom, pad, right, cv2.BORDER_CONSTANT, value=0)
    return cast(U8Array, padded)


def remap(image: U8Array, map_x: F32Array, map_y: F32Array | None = None) -> U8Array:
    """Bilinear remap with an empty border; ``map_x`` may hold both coordinates ``(h, w, 2)``."""
    import cv2

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
