"""Frame helpers of the geometric transforms: affine maps, warps, remaps and fits.

Geometric transforms never move ink out of the frame: a warp is followed by
the shift (and, for ink larger than the frame, the shrink) that keeps it
inside (:func:`fit_matrix`, :func:`warp_images`), and a distortion drawn on a padded canvas is cut
back into the frame by :func:`fit_frame`. OpenCV is imported by the functions
that use it, so importing this module does not load it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

import numpy as np

from .base import F32Array, U8Array

__all__ = [
    "Matrix",
    "compose",
    "fit_frame",
    "fit_matrix",
    "ink_box",
    "pad_image",
    "pixel_grid",
    "pixel_grid_xy",
    "remap",
    "warp_images",
]

#: ``x' = a x + b y + c``, ``y' = d x + e y + f``.
Matrix = tuple[float, float, float, float, float, float]


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


def fit_matrix(image: U8Array, matrix: Matrix, box: tuple[int, int, int, int]) -> Matrix:
    """``matrix`` followed by what keeps every ink pixel of ``image`` inside its frame.

    Where the ink would leave the frame, the map is followed by a translation
    back inside, and by a uniform shrink about the ink's centre when the ink
    is larger than the frame. ``box`` is the image's :func:`ink_box`.
    """
    height, width = image.shape
    x, y, w, h = box
    a, b, c, d, e, f = matrix
    if not w:
        return matrix
    # The corners of the ink box bound every ink pixel's centre.
    right, bottom = x + w - 1, y + h - 1
    ax0, ax1 = (a * x, a * right) if a >= 0 else (a * right, a * x)
    bx0, bx1 = (b * y, b * bottom) if b >= 0 else (b * bottom, b * y)
    dx0, dx1 = (d * x, d * right) if d >= 0 else (d * right, d * x)
    ey0, ey1 = (e * y, e * bottom) if e >= 0 else (e * bottom, e * y)
    x0, x1, y0, y1 = ax0 + bx0 + c, ax1 + bx1 + c, dx0 + ey0 + f, dx1 + ey1 + f
    if x1 - x0 > width - 1 or y1 - y0 > height - 1:
        # Maybe too big: measure the ink itself before shrinking anything.
        return _fit_matrix(image, matrix)
    # The bound fits: move it inside, if it is not already.
    c += -x0 if x0 < 0 else min(0.0, width - 1 - x1)
    f += -y0 if y0 < 0 else min(0.0, height - 1 - y1)
    return a, b, c, d, e, f


def warp_images(images: list[U8Array], matrices: dict[int, Matrix]) -> list[U8Array]:
    """``images`` with image ``k`` warped by ``matrices[k]`` in its own frame (bilinear,
    empty border: OpenCV's defaults); the others as they are."""
    import cv2

    out = list(images)
    maps = np.array(list(matrices.values()), np.float64).reshape(-1, 2, 3)
    for k, matrix in zip(matrices, maps):
        height, width = images[k].shape
        out[k] = cast(U8Array, cv2.warpAffine(images[k], matrix, (width, height)))
    return out


def _fit_matrix(image: U8Array, matrix: Matrix) -> Matrix:
    """``matrix`` followed by the shift (and shrink) that keeps every ink pixel in the frame."""
    import cv2

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
        a, b, c, d, e, f = compose(_about((shrink, 0.0, 0.0, shrink), cx, cy), matrix)
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
