"""Gaps between neighbouring glyphs: the rules the per-image and the batch path share.

Two ways to measure a gap (``spacing_mode``):

* ``"ink"`` (the default, the spec's): paper columns between the glyphs' ink
  *bounding columns*; the glyphs are placed side by side (:func:`draw_gaps`,
  :func:`cap_overlap`).
* ``"contour"``: the smallest horizontal distance between the two glyphs' ink,
  row by row, over the rows where both have ink (:func:`contour_starts`): how a
  reader sees spacing. A 7 then a 4 tuck together; 0 means the strokes touch
  (at least one row with the two inks in adjacent columns); ``-k`` means they
  cross by ``k`` columns in the tightest row.

The separator rules (a wider gap for a space, at least 1 px beside a stroke)
are in :mod:`.separators`.
"""

from __future__ import annotations

import weakref
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .._util.params import SPACING_MODES
from ..datasets import DigitDataset

__all__ = [
    "SPACING_MODES",
    "cap_overlap",
    "contour_starts",
    "dataset_profiles",
    "draw_gaps",
    "row_profiles",
]

IntArray = npt.NDArray[np.intp]
U8Array = npt.NDArray[np.uint8]
#: Profiles ``(2, n, height)``: each glyph's first and last ink column in each row.
ProfileArray = npt.NDArray[np.int32]

#: A row without ink: its first column is this far right, its last this far left,
#: so any difference involving it is below ``-_NO_INK`` and never the tightest row.
_NO_INK = 1 << 20
_NO_SHARED_ROW = -_NO_INK // 2


@overload
def draw_gaps(uniform: list[float], low: int, high: int) -> list[int]: ...
@overload
def draw_gaps(uniform: npt.NDArray[np.float64], low: Any, high: Any) -> IntArray: ...
def draw_gaps(uniform: Any, low: Any, high: Any) -> Any:
    """Gaps uniform on ``[low, high]`` inclusive, one per ``[0, 1)`` draw in ``uniform``.

    ``uniform`` is an array (``low`` and ``high`` ints, or arrays holding each
    gap's own bounds), or a list of floats (one image's gaps, ``low`` and
    ``high`` ints; a list of ints back). Either way gap ``k`` is
    ``floor(uniform[k] * (high - low + 1)) + low``, computed in float64.

    Examples
    --------
    >>> draw_gaps(np.array([0.0, 0.5, 0.99]), 2, 5).tolist()
    [2, 4, 5]
    >>> draw_gaps([0.0, 0.5, 0.99], 2, 5)
    [2, 4, 5]
    """
    if isinstance(uniform, list):  # a handful of gaps: plain ints cost less than arrays
        span = high - low + 1
        return [int(u * span) + low for u in uniform]
    return (uniform * (high - low + 1)).astype(np.intp) + low


def cap_overlap(gaps: IntArray, widths: IntArray) -> IntArray:
    """Negative ``gaps`` capped at half the narrower neighbour, so no digit is hidden."""
    capped: IntArray = np.maximum(gaps, -(np.minimum(widths[:-1], widths[1:]) // 2))
    return capped


def row_profiles(images: list[U8Array]) -> ProfileArray:
    """The first and last ink column of each row of each glyph: ``(2, n, height)``.

    A row without ink holds ``_NO_INK`` and ``-_NO_INK``. All glyphs have the same height.

    Examples
    --------
    >>> glyph = np.array([[0, 9, 9], [0, 0, 0], [9, 0, 9]], np.uint8)
    >>> first, last = row_profiles([glyph])
    >>> first[0, [0, 2]].tolist(), last[0, [0, 2]].tolist()
    ([1, 0], [2, 2])
    """
    profiles = np.empty((2, len(images), images[0].shape[0]), np.int32)
    for k, image in enumerate(images):
        ink = image > 0
        has = ink.any(axis=1)
        profiles[0, k] = np.where(has, ink.argmax(axis=1), _NO_INK)
        profiles[1, k] = np.where(has, image.shape[1] - 1 - ink[:, ::-1].argmax(axis=1), -_NO_INK)
    return profiles


_PROFILES: weakref.WeakKeyDictionary[DigitDataset, ProfileArray] = weakref.WeakKeyDictionary()


def dataset_profiles(dataset: DigitDataset) -> ProfileArray:
    """:func:`row_profiles` of every stored glyph cut to its ink columns, computed once."""
    profiles = _PROFILES.get(dataset)
    if profiles is None:
        images, left = dataset.images, dataset.ink_extents[:, 0].astype(np.int32)
        count, _, width = images.shape
        profiles = np.empty((2, count, images.shape[1]), np.int32)
        for start in range(0, count, 4096):  # in chunks: bounded temporary memory
            part = slice(start, start + 4096)
            ink = np.asarray(images[part]) > 0
            has = ink.any(axis=2)
            shift = left[part, None]
            profiles[0, part] = np.where(has, ink.argmax(axis=2) - shift, _NO_INK)
            last = width - 1 - ink[:, :, ::-1].argmax(axis=2) - shift
            profiles[1, part] = np.where(has, last, -_NO_INK)
        profiles = _PROFILES[dataset] = profiles
    return profiles


def contour_starts(
    profiles: ProfileArray, widths: list[int], gaps: list[int]
) -> tuple[list[int], int]:
    """Where each glyph starts when ``gaps`` are measured row by row between inks.

    Glyph ``j`` starts as far left as it can while the ink in each row it
    shares with any glyph before it stays ``gaps[j - 1]`` columns of paper away
    (0: adjacent columns, ``-k``: ``k`` columns crossed). Against its neighbour
    that is the drawn gap; a glyph further back only counts when a narrow glyph
    between them (a ``1``, a dot) would let the two run into each other.
    Neighbours that share no ink row are spaced by their bounding columns, and
    each glyph starts at least one column right of the one before. Negative
    gaps are capped by the caller (:func:`cap_overlap`), so no glyph is hidden.

    Returns the starts and the width of the strip (a glyph may end right of
    the last one, as a dot tucked under a 7's bar does).

    Examples
    --------
    A ``7``-like glyph (a bar over a stem on its left) and a short glyph below
    the bar: with a gap of 0 the second tucks under the bar, touching the stem.

    >>> seven = np.array([[1, 1, 1, 1], [1, 0, 0, 0], [1, 0, 0, 0]], np.uint8)
    >>> dot = np.array([[0], [1], [1]], np.uint8)
    >>> contour_starts(row_profiles([seven, dot]), [4, 1], [0])
    ([0, 1], 4)
    """
    first, last = profiles
    width, gap = widths, gaps
    reach = (last[:-1] - first[1:]).max(axis=1).tolist()  # against the neighbour
    starts, ends = [0], [width[0]]
    start, reached = 0, -_NO_INK  # reached: the furthest end of the glyphs two or more back
    for j in range(1, len(widths)):
        before = j - 1
        if reach[before] < _NO_SHARED_ROW:  # bounding columns
            step = width[before] + gap[before]
        else:
            step = reach[before] + 1 + gap[before]
            step = step if step > 1 else 1
        start += step
        if j >= 2:
            reached = reached if reached > ends[j - 2] else ends[j - 2]
            if start < reached + gap[before]:  # a glyph further back may come within the gap
                near = [i for i in range(before) if ends[i] + gap[before] > start]
                further = (last[near] - first[j]).max(axis=1).tolist()
                for i, far in zip(near, further):
                    if far >= _NO_SHARED_ROW:
                        start = max(start, starts[i] + far + 1 + gap[before])
        starts.append(start)
        ends.append(start + width[j])
    return starts, max(ends)
