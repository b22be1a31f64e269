"""The legibility floor: how much of a labelled digit's ink must survive augmentation.

A digit is *legible* when enough of its pixels stay **clearly darker than the
paper around it**. The measure, per digit:

* *clear ink*: a pixel whose ink value (0 = paper, 255 = full ink) is at least
  :data:`CONTRAST` grey levels above the local paper level;
* *local paper level*: the :data:`PAPER_QUANTILE` quantile of the ink values
  around the digit that are not ink (in the image: the digit's box widened by
  :data:`PAPER_MARGIN` px, away from any ink drawn before the image stage,
  dilated by :data:`MASK_DILATION` px; for a lone glyph: its whole canvas) --
  the 75th percentile of the paper's brightness, so printed lines or specks
  there do not pass for paper;
* after the **image** stage only the digit's *own* ink mask counts: the pixels
  where its placed glyph had clear ink before the image stage, dilated by
  :data:`MASK_DILATION` px (so small scan warps are tolerated). Printed lines,
  patterns or a neighbour's ink outside that mask never count as the digit's.

The floor (:func:`ink_floor`) on a digit that had ``before`` clear pixels is
``max(min(before, ceil(MIN_CLEAR_PIXELS * area)), ceil(MIN_CLEAR_FRACTION * before))``,
where ``area`` is the digit's scale in pixels relative to a
:data:`REFERENCE_HEIGHT`-row glyph: at least 15 clear pixels at 28 rows (all of
them for a glyph that never had 15) **and** at least a quarter of its own clear
ink. The glyph as drawn without augmentation always meets it.

:mod:`.safety` enforces the floor after each stage.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = [
    "CONTRAST",
    "MASK_DILATION",
    "MIN_CLEAR_FRACTION",
    "MIN_CLEAR_PIXELS",
    "PAPER_MARGIN",
    "PAPER_QUANTILE",
    "REFERENCE_HEIGHT",
    "DigitInk",
    "glyph_clear_ink",
    "ink_floor",
]

U8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: Grey levels (of 255) a pixel must be darker than the local paper to count as clear ink.
CONTRAST = 112
#: Fewest clear ink pixels a digit keeps, for a glyph of :data:`REFERENCE_HEIGHT` rows.
MIN_CLEAR_PIXELS = 15
#: Fewest clear ink pixels a digit keeps, as a fraction of its own clear ink before the stage.
MIN_CLEAR_FRACTION = 0.25
#: Height at which :data:`MIN_CLEAR_PIXELS` holds; it scales with the digit's area.
REFERENCE_HEIGHT = 28
#: Pixels by which a digit's ink mask is widened before its surviving ink is counted.
MASK_DILATION = 2
#: Pixels by which a digit's box is widened to measure the paper around it.
PAPER_MARGIN = 4
#: Quantile of the non-ink values taken as the paper level (of ink values: 0.25 = 75th
#: percentile of brightness).
PAPER_QUANTILE = 0.25
# Fewer paper pixels than this around a digit: the whole image's paper level is used.
_MIN_PAPER_PIXELS = 8
_DILATE = np.ones((2 * MASK_DILATION + 1, 2 * MASK_DILATION + 1), np.uint8)


def ink_floor(before: IntArray, area: float) -> IntArray:
    """The fewest clear ink pixels digits that had ``before`` may keep (see the module).

    Examples
    --------
    >>> ink_floor(np.array([200, 40, 10]), 1.0).tolist()
    [50, 15, 10]
    """
    absolute = np.minimum(before, math.ceil(MIN_CLEAR_PIXELS * area))
    floor: IntArray = np.maximum(absolute, np.ceil(MIN_CLEAR_FRACTION * before).astype(np.intp))
    return floor


def glyph_clear_ink(stack: U8Array) -> IntArray:
    """Clear ink pixels of each glyph of a stack ``(n, height, width)``, against its own paper.

    Examples
    --------
    >>> glyph = np.zeros((1, 28, 28), np.uint8); glyph[0, 4:24, 12:15] = 200
    >>> glyph_clear_ink(glyph).tolist()
    [60]
    """
    flat = stack.reshape(stack.shape[0], -1)
    k = int(PAPER_QUANTILE * (flat.shape[1] - 1))
    paper = np.partition(flat, k, axis=1)[:, k].astype(np.int16)
    counts: IntArray = np.count_nonzero(flat >= paper[:, None] + CONTRAST, axis=1)
    return counts


class DigitInk:
    """The labelled digits' ink before the image stage, to measure what survives it.

    A digit's own ink mask is the clear ink (``>=`` :data:`CONTRAST`) of the image
    before the image stage, inside the digit's box. Where boxes overlap (negative
    spacing) the shared pixels count for both digits.

    Parameters
    ----------
    ink:
        The image before the image stage (0 = paper, 255 = ink).
    boxes:
        ``int32`` ``(n, 4)``: ``x0, y0, x1, y1`` of each labelled digit (ends exclusive).
    area:
        The digits' scale in pixels relative to a :data:`REFERENCE_HEIGHT`-row glyph.
    """

    def __init__(self, ink: U8Array, boxes: npt.NDArray[np.int32], area: float) -> None:
        import cv2

        n, pad, (height, width) = boxes.shape[0], PAPER_MARGIN, ink.shape
        box = boxes.astype(np.intp)
        sizes = box[:, 2:] - box[:, :2]
        rows, cols = int(sizes[:, 1].max()) + 2 * pad, int(sizes[:, 0].max()) + 2 * pad
        out_rows = box[:, 1, None] - pad + np.arange(rows)
        out_cols = box[:, 0, None] - pad + np.arange(cols)
        self.rows = np.clip(out_rows, 0, height - 1)[:, :, None]
        self.cols = np.clip(out_cols, 0, width - 1)[:, None, :]
        # The box itself, and the box widened by ``pad`` (clipped to the image): where paper is.
        in_box = _grid(
            _inside(out_rows, box[:, 1], box[:, 3]), _inside(out_cols, box[:, 0], box[:, 2])
        )
        region = _grid(
            _inside(out_rows, np.maximum(box[:, 1] - pad, 0), np.minimum(box[:, 3] + pad, height)),
            _inside(out_cols, np.maximum(box[:, 0] - pad, 0), np.minimum(box[:, 2] + pad, width)),
        )
        clear = ink >= CONTRAST
        own = clear[self.rows, self.cols] & in_box
        self.before: IntArray = np.count_nonzero(own.reshape(n, -1), axis=1)
        # Stacked vertically, each with a border of ``pad`` outside its box: one dilation for all.
        stacked = own.view(np.uint8).reshape(n * rows, cols)
        self.mask = cv2.dilate(stacked, _DILATE).reshape(n, rows, cols).astype(bool) & region
        # Paper: the widened box away from any ink drawn before the image stage.
        any_ink = cv2.dilate(clear.view(np.uint8), _DILATE).astype(bool)
        self.paper = region & ~any_ink[self.rows, self.cols]
        self.floor = ink_floor(self.before, area)

    def surviving(self, ink: U8Array) -> IntArray:
        """Clear ink pixels of each digit in ``ink`` (the image after the image stage)."""
        seen = ink[self.rows, self.cols]
        n = seen.shape[0]
        values = np.where(self.paper, seen, np.int16(256)).reshape(n, -1)
        values.sort(axis=1)
        count = np.count_nonzero(self.paper.reshape(n, -1), axis=1)
        paper = values[np.arange(n), (PAPER_QUANTILE * np.maximum(count - 1, 0)).astype(np.intp)]
        few = count < _MIN_PAPER_PIXELS
        if few.any():
            paper[few] = np.quantile(ink, PAPER_QUANTILE, method="lower")
        clear = self.mask & (seen >= (paper + CONTRAST)[:, None, None])
        counts: IntArray = np.count_nonzero(clear.reshape(n, -1), axis=1)
        return counts

    def legible(self, ink: U8Array) -> bool:
        """Whether every digit keeps at least its floor of clear ink in ``ink``."""
        return bool((self.surviving(ink) >= self.floor).all())


def _inside(at: IntArray, low: IntArray, high: IntArray) -> BoolArray:
    """``low[i] <= at[i, j] < high[i]``."""
    inside: BoolArray = (at >= low[:, None]) & (at < high[:, None])
    return inside


def _grid(rows: BoolArray, cols: BoolArray) -> BoolArray:
    """``(n, r)`` rows and ``(n, c)`` columns -> ``(n, r, c)`` where both hold."""
    grid: BoolArray = rows[:, :, None] & cols[:, None, :]
    return grid
