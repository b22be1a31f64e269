"""The image stage on a whole stack of finished images at once.

:func:`transform_stack` is what :meth:`~.pipeline.Pipeline.transform_images`
runs: every transform's ``p`` coins for the whole stack in one draw, then, transform
by transform, :meth:`~.base.Transform.apply_batch` on the sub-stack of the images
it applies to (parameters drawn for all of them at once, applied by array or
OpenCV operations over the stack where the operation allows). The built-in
transforms keep their distributions but draw in another order than
:meth:`~.pipeline.Pipeline.transform_field`, so a seeded stack is not the images
that method gives one by one; the same seed gives the same stack.

The helpers below are shared by the transforms' batch hooks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError
from .base import F32Array, Transform, U8Array
from .boxes import ink_boxes
from .checks import Boxes

__all__ = [
    "apply_chosen",
    "bilinear",
    "bilinear_levels",
    "padded_rows",
    "random_bytes",
    "stack_2d",
    "transform_stack",
]

_Scalar = TypeVar("_Scalar", bound=np.generic)
#: How each image's field moved: a 3x3 matrix, or ``None`` when nothing moved.
Matrices = list[npt.NDArray[np.float64] | None]


def transform_stack(
    transforms: Sequence[Transform],
    images: U8Array,
    rng: np.random.Generator,
    boxes: Sequence[Boxes] | None = None,
) -> tuple[U8Array, Matrices]:
    """Apply image-stage ``transforms``, in order, to a ``uint8`` ``(B, height, width)`` stack.

    ``boxes`` (one :data:`~.checks.Boxes` per image) are found in the ink when a
    layout-aware transform needs them and none are given. Returns the stack and,
    per image, the composed matrix of how its field moved.
    """
    images = _check_stack(images)
    count = len(images)
    if boxes is not None and len(boxes) != count:
        raise InvalidParameterError(
            f"transform_images: boxes has {len(boxes)} entries for {count} images; "
            "expected one (n, 4) array per image",
            param="boxes",
            value=boxes,
        )
    matrices: Matrices = [None] * count
    if not transforms or not count:
        return images, matrices
    if boxes is None and any(t.uses_boxes for t in transforms):
        boxes = [ink_boxes(image) for image in images]
    probabilities = np.array([t.p for t in transforms], np.float64)[:, None]
    coins = rng.random((len(transforms), count)) < probabilities
    for transform, chosen in zip(transforms, coins):
        images = apply_chosen(transform, images, np.flatnonzero(chosen), rng, boxes, matrices)
    return images, matrices


def apply_chosen(
    transform: Transform,
    images: U8Array,
    index: npt.NDArray[np.intp],
    rng: np.random.Generator,
    boxes: Sequence[Boxes] | None,
    matrices: Matrices,
) -> U8Array:
    """:meth:`~.base.Transform.apply_batch` on the images at ``index`` of the stack, written
    back; each of their matrices in ``matrices`` is followed by how the transform moved it."""
    if not index.size:
        return images
    every = index.size == len(images)
    chosen_boxes = None
    if transform.uses_boxes and boxes is not None:
        chosen_boxes = [boxes[i] for i in index.tolist()]
    out, moved = transform.apply_batch(images if every else images[index], rng, chosen_boxes)
    if every:
        images = out
    else:
        images[index] = out
    if moved is not None:
        for i, step in zip(index.tolist(), moved):
            if step is not None:
                before = matrices[i]
                matrices[i] = step if before is None else step @ before
    return images


def _check_stack(images: object) -> U8Array:
    """``images`` as a C-contiguous ``uint8`` ``(B, height, width)`` array, or a clear error."""
    if not isinstance(images, np.ndarray) or images.dtype != np.uint8:
        raise InvalidTypeError(
            f"transform_images: images={type(images).__name__}"
            f"{'' if not isinstance(images, np.ndarray) else f' of {images.dtype}'}: "
            "expected a uint8 array (B, height, width), 0 = paper, 255 = ink",
            param="images",
            value=images,
        )
    if images.ndim != 3 or 0 in images.shape[1:]:
        raise InvalidParameterError(
            f"transform_images: images has shape {images.shape}; expected (B, height, width) "
            "with height and width of at least 1",
            param="images",
            value=images,
        )
    stack: U8Array = np.ascontiguousarray(images)
    return stack


def stack_2d(images: npt.NDArray[_Scalar]) -> npt.NDArray[_Scalar]:
    """A C-contiguous ``(B, height, width)`` stack viewed as one ``(B * height, width)`` image,
    for OpenCV operations that treat every pixel alike."""
    return images.reshape(-1, images.shape[-1])


def random_bytes(rng: np.random.Generator, shape: tuple[int, ...]) -> U8Array:
    """Uniform random bytes filling ``shape``: whole 64-bit draws cut in eight, several
    times cheaper than ``rng.integers(0, 256, shape, dtype=np.uint8)``."""
    size = math.prod(shape)
    words = rng.integers(0, 1 << 64, -(-size // 8), dtype=np.uint64, endpoint=False)
    out: U8Array = words.view(np.uint8)[:size].reshape(shape)
    return out


def padded_rows(images: U8Array, rows: int) -> U8Array:
    """Each image of a stack with its first and last row repeated ``rows`` times: filtered as
    one ``(B * (height + 2 rows), width)`` image, each image then sees its own border."""
    padded: U8Array = np.pad(images, ((0, 0), (rows, rows), (0, 0)), mode="edge")
    return padded


def bilinear(grids: npt.NDArray[np.generic], shape: tuple[int, int]) -> F32Array:
    """Each ``(gh, gw)`` grid of a ``(B, gh, gw)`` stack resized to ``shape`` as
    ``cv2.resize(..., INTER_LINEAR)`` does, as ``float32`` ``(B, height, width)``.

    Two OpenCV resizes over the whole stack, each along one axis only (so no
    grid bleeds into its neighbour): across, with the grids' rows one above
    the other, then down, with the grids side by side.
    """
    out: F32Array = np.ascontiguousarray(_side_by_side(grids, shape).transpose(1, 0, 2))
    return out


def bilinear_levels(grids: npt.NDArray[np.generic], shape: tuple[int, int]) -> U8Array:
    """:func:`bilinear` rounded to ``uint8`` (the grids' values within 0..255): rounded while
    the grids lie side by side, so a quarter of the bytes is moved into place."""
    down = _side_by_side(grids, shape)
    levels = np.rint(down, out=down).astype(np.uint8)
    out: U8Array = np.ascontiguousarray(levels.transpose(1, 0, 2))
    return out


def _side_by_side(grids: npt.NDArray[np.generic], shape: tuple[int, int]) -> F32Array:
    """:func:`bilinear`'s ``float32`` grids as they come out of the resize down: side by side,
    ``(height, B, width)``."""
    import cv2

    count, rows, columns = grids.shape
    height, width = shape
    if count == 1:  # one image: one resize (the same numbers)
        one = cv2.resize(
            grids[0].astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR
        )
        return cast(F32Array, one.reshape(height, 1, width))
    flat = np.ascontiguousarray(grids, np.float32).reshape(count * rows, columns)
    across = cv2.resize(flat, (width, count * rows), interpolation=cv2.INTER_LINEAR)
    side_by_side = across.reshape(count, rows, width).transpose(1, 0, 2).reshape(rows, -1)
    down = cv2.resize(side_by_side, (count * width, height), interpolation=cv2.INTER_LINEAR)
    return cast(F32Array, down.reshape(height, count, width))
