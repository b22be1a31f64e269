"""The legibility floor: how much of a labelled digit's ink must survive augmentation.

A digit is *legible* when enough of its pixels stay **clearly darker than the
paper around it**: *clear ink* is a pixel whose ink value (0 = paper, 255 =
full ink) is at least :data:`CONTRAST` grey levels (44 % of the scale) above
the local paper level. It is measured twice:

* after the **glyph** stage, on each glyph's own canvas
  (:func:`glyph_clear_ink`): the paper level is the :data:`PAPER_QUANTILE`
  quantile of the canvas (the 75th percentile of its brightness; 0 for an MNIST
  glyph on black);
* after the **image** stage, on the finished image (:class:`DigitInk`): only
  the digit's *own ink mask* counts -- the pixels of its box's columns where the
  image had clear ink before the image stage, dilated by :data:`MASK_DILATION`
  px so small scan warps are tolerated; printed lines, patterns, stray marks or
  a neighbour's ink elsewhere never count as the digit's (a printed line that
  crosses the mask counts only for the pixels it shares with it). The paper
  level is the **mean** of the box's columns widened by :data:`PAPER_MARGIN` px,
  away from any ink drawn before the stage: a printed line or speck there only
  raises it, which makes the check stricter, never laxer.

The floor (:func:`ink_floor`) on a digit that had ``before`` clear pixels is
``max(min(before, ceil(MIN_CLEAR_PIXELS * area)), ceil(MIN_CLEAR_FRACTION * before))``,
where ``area`` is the digit's scale in pixels relative to a
:data:`REFERENCE_HEIGHT`-row glyph: at least 15 clear pixels at 28 rows (all of
them for a glyph that never had 15) **and** at least a quarter of its own clear
ink. ``before`` is measured the same way on the glyph as stored (glyph stage) or
on the image before the image stage, so the digit as drawn without that stage
always meets its floor.

:mod:`.safety` enforces the floor after each stage.
"""

from __future__ import annotations

import math
import weakref
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from ..datasets import DigitDataset

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
    "placed_clear_ink",
    "stored_floor",
]

U8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]

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
    floor: IntArray = np.maximum(absolute, np.ceil(MIN_CLEAR_FRACTION * before)).astype(np.intp)
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
    counts: IntArray = np.add.reduce((flat >= CONTRAST).view(np.uint8), axis=1, dtype=np.intp)
    # The paper level is 0 (the common case) where more than k pixels are 0.
    zeros = np.add.reduce((flat == 0).view(np.uint8), axis=1, dtype=np.intp)
    toned = np.flatnonzero(zeros <= k)
    if toned.size:
        paper = np.partition(flat[toned], k, axis=1)[:, k].astype(np.int16)
        counts[toned] = (flat[toned] >= paper[:, None] + CONTRAST).sum(axis=1)
    return counts


def placed_clear_ink(ink: U8Array, boxes: npt.NDArray[np.int32], margin: int) -> IntArray:
    """:func:`glyph_clear_ink` of each glyph placed in ``ink`` at its native height.

    Each glyph is measured on its box's columns padded with ``margin`` blank
    columns on each side, as on the glyph stage's canvas (see
    :data:`~.glyphs.GLYPH_MARGIN`), so the count is the one the glyph-stage
    check saw. Meant for checking output, e.g. in tests.
    """
    counts = [
        glyph_clear_ink(np.pad(ink[None, :, x0:x1], ((0, 0), (0, 0), (margin, margin))))[0]
        for x0, x1 in boxes[:, 0::2].tolist()
    ]
    return np.array(counts, np.intp)


_STORED: weakref.WeakKeyDictionary[DigitDataset, IntArray] = weakref.WeakKeyDictionary()


def stored_floor(dataset: DigitDataset) -> IntArray:
    """The floor of every glyph of ``dataset``, from its clear ink as stored; computed once."""
    floor = _STORED.get(dataset)
    if floor is None:
        images = dataset.images
        chunks = [glyph_clear_ink(images[i : i + 4096]) for i in range(0, len(images), 4096)]
        area = (images.shape[1] / REFERENCE_HEIGHT) ** 2
        floor = _STORED[dataset] = ink_floor(np.concatenate(chunks), area)
    return floor


class DigitInk:
    """The labelled digits' ink before the image stage, to measure what survives it.

    The measure of the module's docstring, taken column by column so that it is
    a few whole-image operations. Where boxes overlap (negative spacing) the
    shared columns count for both digits, at the later digit's paper level.

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

        n, width = boxes.shape[0], ink.shape[1]
        x0, x1 = boxes[:, 0].astype(np.intp), boxes[:, 2].astype(np.intp)
        clear = (ink >= CONTRAST).view(np.uint8)
        dilated = np.asarray(cv2.dilate(clear, _DILATE), np.uint8)
        self.mask = dilated.view(np.bool_)
        self.paper = np.subtract(1, dilated, dtype=np.uint8)  # 1 where paper
        # Column ranges summed: [0, n) the boxes, [n, 2n) the boxes widened for paper.
        starts = np.concatenate((x0, np.maximum(x0 - PAPER_MARGIN, 0)))
        stops = np.concatenate((x1, np.minimum(x1 + PAPER_MARGIN, width)))
        self.ranges = np.stack((starts, stops))
        columns = np.add.reduce(np.stack((clear, self.paper)), axis=1, dtype=np.int32)
        counts = _range_sums(columns, self.ranges)
        self.paper_count = np.maximum(counts[1, n:], 1)
        self.few = self.paper_count < _MIN_PAPER_PIXELS
        self.any_few = bool(self.few.any())
        # Which digit each column belongs to (``n``: none; where boxes overlap, the later one).
        owner = np.full(width, n, np.intp)
        widths = x1 - x0
        owner[np.repeat(x0 - np.cumsum(widths) + widths, widths) + np.arange(widths.sum())] = (
            np.repeat(np.arange(n), widths)
        )
        self.owner = owner
        self.level = np.full(n + 1, 256, np.int16)  # per digit: paper level + CONTRAST
        self._ink, self._area = ink, area
        # The clear ink against paper 0 is at least :attr:`before`, so its floor is at least
        # :attr:`floor`: a digit that keeps this one needs no exact measure.
        self._screen = ink_floor(counts[0, :n], area)

    @cached_property
    def before(self) -> IntArray:
        """Each digit's clear ink before the image stage, measured as after it."""
        return self.surviving(self._ink)

    @cached_property
    def floor(self) -> IntArray:
        """Each digit's floor (:func:`ink_floor` of :attr:`before`); the image without the
        image stage always meets it."""
        return ink_floor(self.before, self._area)

    def surviving(self, ink: U8Array) -> IntArray:
        """Clear ink pixels of each digit in ``ink`` (the image after the image stage)."""
        n = self.level.size - 1
        paper_sum = _range_sums(_column_sums(ink * self.paper), self.ranges)
        paper = paper_sum[0, n:] // self.paper_count
        if self.any_few:
            paper[self.few] = np.quantile(ink, PAPER_QUANTILE, method="lower")
        self.level[:n] = paper + CONTRAST
        clear = (ink >= self.level[self.owner]) & self.mask
        counts: IntArray = _range_sums(_column_sums(clear.view(np.uint8)), self.ranges)[0, :n]
        return counts

    def legible(self, ink: U8Array) -> bool:
        """Whether every digit keeps at least its floor of clear ink in ``ink``."""
        counts = self.surviving(ink)
        return bool((counts >= self._screen).all() or (counts >= self.floor).all())


def _range_sums(per_column: npt.NDArray[Any], ranges: IntArray) -> npt.NDArray[np.int64]:
    """``per_column[r, start:stop]`` summed for each row ``r`` and each ``(start, stop)`` range."""
    running = np.zeros((per_column.shape[0], per_column.shape[1] + 1), np.int64)
    np.cumsum(per_column, axis=1, out=running[:, 1:])
    totals: npt.NDArray[np.int64] = running[:, ranges[1]] - running[:, ranges[0]]
    return totals


def _column_sums(image: U8Array) -> npt.NDArray[np.int32]:
    """The sum of each column of a ``uint8`` image, as one row ``(1, width)``."""
    sums: npt.NDArray[np.int32] = np.add.reduce(image, axis=0, dtype=np.int32, keepdims=True)
    return sums
