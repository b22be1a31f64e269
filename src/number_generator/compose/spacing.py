"""Gaps between neighbouring glyphs: the rules the per-image and the batch path share.

The separator rules (a wider gap for a space, at least 1 px beside a stroke)
are in :mod:`.separators`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["cap_overlap", "draw_gaps"]

IntArray = npt.NDArray[np.intp]


def draw_gaps(uniform: npt.NDArray[np.float64], low: Any, high: Any) -> IntArray:
    """Gaps uniform on ``[low, high]`` inclusive, one per ``[0, 1)`` draw in ``uniform``.

    ``low`` and ``high`` are ints, or arrays holding each gap's own bounds.

    Examples
    --------
    >>> draw_gaps(np.array([0.0, 0.5, 0.99]), 2, 5).tolist()
    [2, 4, 5]
    """
    gaps: IntArray = (uniform * (high - low + 1)).astype(np.intp) + low
    return gaps


def cap_overlap(gaps: IntArray, widths: IntArray) -> IntArray:
    """Negative ``gaps`` capped at half the narrower neighbour, so no digit is hidden."""
    capped: IntArray = np.maximum(gaps, -(np.minimum(widths[:-1], widths[1:]) // 2))
    return capped
