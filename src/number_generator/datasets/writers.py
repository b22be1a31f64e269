"""Glyphs by writer: draw every digit of a string from one person's hand.

:func:`writer_index` builds (once per dataset) a :class:`WriterIndex`: the
glyphs grouped by writer and class, and each writer's *coverage*, the set of
classes they wrote as a 10-bit mask. A string needing the classes ``m`` is
then drawn from a writer chosen uniformly among those whose coverage holds
``m`` (that list is computed once per distinct ``m`` and kept), and each of
its digits from that writer's glyphs of the class.

When no single writer wrote every class a string needs, the string is split
among the **fewest** writers that together cover it (an exact minimum set
cover over the ten classes, computed once per dataset): the first writer is
drawn uniformly among those that belong to some smallest cover, each of their
classes is drawn from them, and so on for the classes left. Glyphs whose
writer is unknown (``-1``) are never drawn in this mode.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError
from .base import DigitDataset

__all__ = ["WRITER_MODES", "WriterIndex", "check_writer", "writer_index"]

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

#: What ``writer=`` accepts: ``"any"`` (every digit from any writer), ``"same"`` (one writer).
WRITER_MODES = ("any", "same")

_FULL = 1 << 10
_UNCOVERABLE = 99


def check_writer(writer: Any) -> str:
    """``writer`` if it is one of :data:`WRITER_MODES`, else a clear error naming ``writer``."""
    if not isinstance(writer, str) or writer not in WRITER_MODES:
        raise InvalidParameterError(
            f"writer={writer!r}: expected one of {', '.join(map(repr, WRITER_MODES))}",
            param="writer",
            value=writer,
        )
    return writer


class WriterIndex:
    """The glyphs of a dataset grouped by writer and class, for :meth:`draw`.

    Attributes
    ----------
    writer_ids:
        ``(W,)`` the known writer ids, ascending; row ``r`` of the tables is writer
        ``writer_ids[r]``.
    coverage:
        ``(W,)`` bit ``c`` set when the writer wrote a glyph (with ink) of class ``c``.
    """

    def __init__(self, dataset: DigitDataset) -> None:
        candidates = dataset.class_order[dataset.writers[dataset.class_order] >= 0]
        ids, rows = np.unique(dataset.writers[candidates], return_inverse=True)
        classes = dataset.labels[candidates].astype(np.intp)
        cell = rows.astype(np.intp) * 10 + classes
        order = np.argsort(cell, kind="stable")
        counts = np.bincount(cell, minlength=ids.size * 10).reshape(ids.size, 10)
        self.writer_ids = ids
        self.order: IntArray = candidates[order]
        self.count: IntArray = counts.astype(np.intp)
        self.start: IntArray = (np.cumsum(counts) - counts.ravel()).reshape(counts.shape)
        self.coverage: IntArray = ((counts > 0) << np.arange(10)).sum(axis=1).astype(np.intp)
        # The rows of start / count as a list: a list item is cheaper than a numpy row view.
        self._starts: list[IntArray] = list(self.start)
        self._counts: list[IntArray] = list(self.count)
        self._covering: dict[int, IntArray] = {}
        self._fewest: IntArray | None = None

    def covering(self, mask: int) -> IntArray:
        """Rows of the writers who wrote every class in ``mask`` (kept per mask)."""
        rows = self._covering.get(mask)
        if rows is None:
            rows = self._covering[mask] = np.flatnonzero((self.coverage & mask) == mask)
        return rows

    def draw_one(
        self,
        values: npt.NDArray[np.integer[Any]],
        per_digit: FloatArray,
        per_text: float,
        rng: np.random.Generator,
    ) -> IntArray:
        """:meth:`draw` for one string, with a scalar for its writer (the faster path)."""
        mask = 0
        for value in values.tolist():
            mask |= 1 << value
        rows = self._covering.get(mask)
        if rows is None:
            rows = self.covering(mask)
        if not rows.size:
            text = np.zeros(values.size, np.intp)
            return self.draw(values, text, 1, (per_digit, np.array([per_text])), rng)
        row = rows[int(per_text * rows.size)]
        picks = (per_digit * self._counts[row].take(values)).astype(np.intp)
        indices: IntArray = self.order.take(self._starts[row].take(values) + picks)
        return indices

    def draw(
        self,
        values: npt.NDArray[np.integer[Any]],
        text: IntArray,
        count: int,
        uniform: tuple[FloatArray, FloatArray],
        rng: np.random.Generator,
    ) -> IntArray:
        """Dataset indices for the digits ``values`` of ``count`` strings, one writer each.

        Parameters
        ----------
        values:
            ``(G,)`` the classes of every digit of the batch, strings one after another.
        text:
            ``(G,)`` which string each digit belongs to (non-decreasing, ``< count``).
        count:
            How many strings.
        uniform:
            Uniform numbers in ``[0, 1)``: ``(G,)`` one per digit (its glyph among
            the writer's) and ``(count,)`` one per string (its writer).
        rng:
            Only for strings no single writer covers (more draws, see the module).
        """
        per_digit, per_text = uniform
        values = values.astype(np.intp, copy=False)  # 1 << 9 overflows a uint8
        writer_of_text, masks = self._one_writer_each(values, text, count, per_text)
        rows_of_digit = writer_of_text[text]
        for string in np.flatnonzero(writer_of_text < 0).tolist():
            members = np.flatnonzero(text == string)
            rows_of_digit[members] = self._split(values[members], int(masks[string]), rng)
        counts = self.count[rows_of_digit, values]
        picks = (per_digit * counts).astype(np.intp)
        indices: IntArray = self.order[self.start[rows_of_digit, values] + picks]
        return indices

    def _one_writer_each(
        self,
        values: npt.NDArray[np.integer[Any]],
        text: IntArray,
        count: int,
        per_text: FloatArray,
    ) -> tuple[IntArray, IntArray]:
        """Each string's writer row (-1 where nobody covers it) and its class mask."""
        digits_of_text = np.bincount(text, minlength=count)
        masks = np.zeros(count, np.intp)
        has = digits_of_text > 0
        first = (np.cumsum(digits_of_text) - digits_of_text)[has]
        masks[has] = np.bitwise_or.reduceat(np.left_shift(1, values), first)
        unique, inverse = np.unique(masks, return_inverse=True)
        inverse = inverse.ravel()
        covering = [self.covering(mask) for mask in unique.tolist()]
        per_mask = np.array([rows.size for rows in covering], np.intp)
        sizes = per_mask[inverse]
        picks = (np.cumsum(per_mask) - per_mask)[inverse] + (per_text * sizes).astype(np.intp)
        covered = sizes > 0
        writer_of_text = np.full(count, -1, np.intp)
        writer_of_text[covered] = np.concatenate(covering)[picks[covered]]
        return writer_of_text, masks

    def _split(
        self, values: npt.NDArray[np.integer[Any]], mask: int, rng: np.random.Generator
    ) -> IntArray:
        """The writer row of each digit when no single writer covers ``mask``."""
        fewest = self._fewest_covers()
        if fewest[mask] >= _UNCOVERABLE:  # a class nobody wrote: callers check before
            raise InvalidParameterError(
                f"writer='same': some class of {sorted(set(values.tolist()))} has no glyph of a "
                "known writer in this dataset",
                param="writer",
                value="same",
            )
        rows_of_class = np.full(10, -1, np.intp)
        left = mask
        while left:
            useful = self.coverage & left
            fits = (useful != 0) & (fewest[left & ~self.coverage] == fewest[left] - 1)
            candidates = np.flatnonzero(fits)
            row = int(candidates[int(rng.integers(candidates.size))])
            for digit in range(10):
                if useful[row] >> digit & 1:
                    rows_of_class[digit] = row
            left &= ~int(self.coverage[row])
        result: IntArray = rows_of_class[values]
        return result

    def _fewest_covers(self) -> IntArray:
        """For every class mask, the fewest writers that together wrote all its classes."""
        if self._fewest is None:
            distinct = np.unique(self.coverage[self.coverage > 0])
            fewest = np.full(_FULL, _UNCOVERABLE, np.intp)
            fewest[0] = 0
            for mask in range(1, _FULL):
                touching = distinct[(distinct & mask) != 0]
                if touching.size:
                    fewest[mask] = min(_UNCOVERABLE, int(fewest[mask & ~touching].min()) + 1)
            self._fewest = fewest
        return self._fewest


_INDEXES: weakref.WeakKeyDictionary[DigitDataset, WriterIndex] = weakref.WeakKeyDictionary()


def writer_index(dataset: DigitDataset) -> WriterIndex:
    """The :class:`WriterIndex` of ``dataset``, built once and kept while the dataset lives.

    Raises
    ------
    InvalidParameterError
        (``param="writer"``) If no glyph of ``dataset`` has a known writer; the
        message says how to get writer ids.
    """
    index = _INDEXES.get(dataset)
    if index is None:
        if not dataset.has_writers:
            what = "digits cannot be drawn from one writer (writer='any' can)"
            raise InvalidParameterError(
                f"writer='same': {dataset.no_writers_message(what)}",
                param="writer",
                value="same",
            )
        index = _INDEXES[dataset] = WriterIndex(dataset)
    return index
