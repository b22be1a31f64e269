"""The digits' boxes of the image stage: found in the ink when no layout gave them, moved by warps.

A box is ``x0, y0, x1, y1`` in output pixels with exclusive ends, as
:attr:`~number_generator.SequenceImage.boxes` reports it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .checks import Boxes, U8Array

__all__ = ["ink_boxes", "warp_boxes"]

#: Grey level (of 255) from which a pixel counts as ink when boxes are found in the image.
INK_LEVEL = 64


def ink_boxes(image: U8Array) -> Boxes:
    """Boxes of the runs of columns holding ink, left to right: one per digit when digits are apart.

    Used when a layout-aware transform is called on a bare image (``transform(image,
    rng)`` or ``pipeline(image, rng)``); :class:`~number_generator.SequenceGenerator`
    passes the layout's own boxes instead.

    Examples
    --------
    >>> image = np.zeros((10, 12), np.uint8); image[2:8, 1:3] = 255; image[3:9, 6:10] = 255
    >>> ink_boxes(image).tolist()
    [[1, 2, 3, 8], [6, 3, 10, 9]]
    """
    inked = image >= INK_LEVEL
    columns = np.flatnonzero(inked.any(axis=0))
    if not columns.size:
        return np.zeros((0, 4), np.int32)
    breaks = np.flatnonzero(np.diff(columns) > 1)
    starts = columns[np.r_[0, breaks + 1]]
    ends = columns[np.r_[breaks, columns.size - 1]] + 1
    boxes = np.empty((starts.size, 4), np.int32)
    for k, (x0, x1) in enumerate(zip(starts.tolist(), ends.tolist())):
        rows = np.flatnonzero(inked[:, x0:x1].any(axis=1))
        boxes[k] = (x0, rows[0], x1, rows[-1] + 1)
    return boxes


def warp_boxes(
    boxes: npt.NDArray[np.integer], matrix: npt.NDArray[np.float64], shape: tuple[int, ...]
) -> Boxes:
    """``boxes`` moved by the 3x3 ``matrix``: the box around each box's warped corners, clipped.

    Examples
    --------
    >>> shift = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0], [0.0, 0.0, 1.0]])
    >>> warp_boxes(np.array([[3, 4, 9, 20]]), shift, (28, 40)).tolist()
    [[5, 3, 11, 19]]
    """
    height, width = shape[0], shape[1]
    if not len(boxes):
        return np.zeros((0, 4), np.int32)
    x0, y0, x1, y1 = (boxes[:, k].astype(np.float64) for k in range(4))
    corners = np.stack(
        [np.stack([x0, y0]), np.stack([x1, y0]), np.stack([x0, y1]), np.stack([x1, y1])]
    )  # (4 corners, 2, n)
    points = np.concatenate([corners, np.ones((4, 1, len(boxes)))], axis=1)
    moved = np.einsum("ij,cjn->cin", matrix, points)
    xs, ys = moved[:, 0] / moved[:, 2], moved[:, 1] / moved[:, 2]
    out = np.stack(
        [
            np.floor(xs.min(axis=0) + 1e-6),
            np.floor(ys.min(axis=0) + 1e-6),
            np.ceil(xs.max(axis=0) - 1e-6),
            np.ceil(ys.max(axis=0) - 1e-6),
        ],
        axis=1,
    )
    np.clip(out[:, 0::2], 0, width, out=out[:, 0::2])
    np.clip(out[:, 1::2], 0, height, out=out[:, 1::2])
    return out.astype(np.int32)
