"""The dataset object: glyphs with labels, indexed by class and by ink extent."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._util.params import as_generator
from ..errors import InvalidParameterError, InvalidTypeError

__all__ = ["DigitDataset", "compute_ink_extents"]

U8Array = npt.NDArray[np.uint8]
LabelArray = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]
WriterArray = npt.NDArray[np.int32]

#: Writer id meaning "not known".
UNKNOWN_WRITER = -1


class DigitDataset:
    """Handwritten digit glyphs with labels, indexed for fast sampling.

    Parameters
    ----------
    images:
        ``uint8`` array of shape ``(N, H, W)``, white ink (255) on black (0),
        as MNIST stores it.
    labels:
        Integer array of shape ``(N,)`` with values 0-9.
    writers:
        Integer array of shape ``(N,)``: who wrote each glyph (any id from 0 to
        2**31 - 1; ``-1`` = unknown). Default: all unknown. Registered MNIST
        fills it from QMNIST's extended labels.
    name, split:
        Descriptive names, shown in messages and by the service.
    writers_hint:
        Why the writers are unknown and how to get them (shown when a caller
        needs writers and there are none); empty when there is nothing to add.

    Notes
    -----
    On construction the ink extent of every glyph is computed once: the first
    and one-past-last column (and row) holding any non-zero pixel. Glyphs with
    no ink at all are never sampled.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.zeros((10, 28, 28), np.uint8)
    >>> images[:, 10:18, 12:15] = 255
    >>> ds = DigitDataset(images, np.arange(10))
    >>> ds.ink_columns[0].tolist()
    [12, 15]
    >>> ds.writers.tolist() == [-1] * 10, ds.has_writers
    (True, False)
    """

    def __init__(
        self,
        images: npt.ArrayLike,
        labels: npt.ArrayLike,
        *,
        name: str = "custom",
        split: str | None = None,
        ink_extents: npt.NDArray[np.int16] | None = None,
        writers: npt.ArrayLike | None = None,
        writers_hint: str = "",
    ) -> None:
        images_arr = np.asarray(images)
        labels_arr = np.asarray(labels)
        if images_arr.dtype != np.uint8 or images_arr.ndim != 3:
            raise InvalidParameterError(
                f"images: expected a uint8 array of shape (N, H, W), "
                f"got {images_arr.dtype} with shape {images_arr.shape}",
                param="images",
                value=images,
            )
        if labels_arr.shape != (images_arr.shape[0],) or labels_arr.dtype.kind not in "iu":
            raise InvalidParameterError(
                f"labels: expected {images_arr.shape[0]} integers to match the images, "
                f"got {labels_arr.dtype} with shape {labels_arr.shape}",
                param="labels",
                value=labels,
            )
        if labels_arr.size and (labels_arr.min() < 0 or labels_arr.max() > 9):
            bad = labels_arr[(labels_arr < 0) | (labels_arr > 9)][0]
            raise InvalidParameterError(
                f"labels: {int(bad)!r} is not a digit 0-9", param="labels", value=labels
            )
        self.images: U8Array = images_arr
        self.labels: npt.NDArray[np.uint8] = labels_arr.astype(np.uint8, copy=False)
        #: ``(N,)`` int32: the writer of each glyph, ``-1`` where unknown.
        self.writers: WriterArray = _check_writers(writers, images_arr.shape[0])
        self.writers_hint = writers_hint
        self.name = name
        self.split = split
        if ink_extents is None:
            ink_extents = compute_ink_extents(images_arr)
        #: ``(N, 4)`` int16: left, right, top, bottom ink bounds (right/bottom exclusive).
        self.ink_extents = ink_extents
        self.ink_columns = ink_extents[:, :2]
        has_ink = ink_extents[:, 1] > ink_extents[:, 0]
        candidates = np.flatnonzero(has_ink)
        order = candidates[np.argsort(self.labels[candidates], kind="stable")]
        counts = np.bincount(self.labels[order], minlength=10)
        #: Dataset indices grouped by class: ``class_order[class_start[d]:][:class_count[d]]``.
        self.class_order: IntArray = order.astype(np.intp)
        self.class_count: IntArray = counts.astype(np.intp)
        self.class_start: IntArray = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp)

    @property
    def glyph_shape(self) -> tuple[int, int]:
        """``(height, width)`` of one glyph."""
        return int(self.images.shape[1]), int(self.images.shape[2])

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        split = f", split={self.split!r}" if self.split else ""
        return f"<DigitDataset {self.name!r}{split}: {len(self)} glyphs {self.glyph_shape}>"

    @property
    def has_writers(self) -> bool:
        """Whether any glyph has a known writer."""
        return bool(self.writers.size) and int(self.writers.max()) >= 0

    def class_indices(self, digit: int) -> IntArray:
        """Dataset indices of the (non-blank) glyphs of class ``digit``."""
        start = self.class_start[digit]
        return self.class_order[start : start + self.class_count[digit]]

    def missing_classes(self) -> list[int]:
        """Digits with no usable glyph."""
        return [d for d in range(10) if self.class_count[d] == 0]

    def subset(self, indices: npt.ArrayLike) -> DigitDataset:
        """A new dataset holding only the glyphs at ``indices`` (integers or a boolean mask).

        Examples
        --------
        >>> images = np.zeros((4, 28, 28), np.uint8)
        >>> images[:, 5:9, 5:9] = 255
        >>> ds = DigitDataset(images, [0, 1, 1, 2])
        >>> len(ds.subset(ds.labels == 1)), len(ds.subset([0, 3]))
        (2, 2)
        """
        idx = np.asarray(indices)
        if idx.dtype == np.bool_:
            if idx.shape != (len(self),):
                raise InvalidParameterError(
                    f"indices: a boolean mask must have shape ({len(self)},), got {idx.shape}",
                    param="indices",
                    value=indices,
                )
            idx = np.flatnonzero(idx)
        elif idx.size == 0:
            idx = idx.astype(np.intp)
        elif idx.dtype.kind not in "iu":
            raise InvalidTypeError(
                f"indices: expected integers or a boolean mask, got dtype {idx.dtype}",
                param="indices",
                value=indices,
            )
        return DigitDataset(
            self.images[idx],
            self.labels[idx],
            name=self.name,
            split=self.split,
            ink_extents=self.ink_extents[idx],
            writers=self.writers[idx],
            writers_hint=self.writers_hint,
        )

    def partition(
        self, fraction: float = 0.5, *, seed: int | np.random.Generator = 0
    ) -> tuple[DigitDataset, DigitDataset]:
        """Split into two disjoint datasets, e.g. glyphs to train on and held-out glyphs.

        Each class is shuffled with ``seed`` and its first
        ``round(fraction * count)`` glyphs go to the first part, the rest to
        the second, so both parts keep the class balance and together hold
        every glyph exactly once. (Named ``partition`` because
        :attr:`split` already names the source split, e.g. ``"test"``.)

        Parameters
        ----------
        fraction:
            Share of each class that goes to the first part, ``0 < fraction < 1``.
        seed:
            Int or ``numpy.random.Generator``; the same seed gives the same parts.

        Returns
        -------
        tuple of DigitDataset
            ``(first, second)``, each built with :meth:`subset` (glyphs in
            dataset order).

        Raises
        ------
        InvalidParameterError
            If ``fraction`` is not strictly between 0 and 1, or ``seed`` is negative.
        InvalidTypeError
            If ``fraction`` is not a real number or ``seed`` not an int or Generator.

        Examples
        --------
        >>> images = np.zeros((10, 28, 28), np.uint8)
        >>> images[:, 5:9, 5:9] = 255
        >>> train, held_out = DigitDataset(images, [0, 1] * 5).partition(0.6, seed=0)
        >>> len(train), len(held_out), sorted(train.labels.tolist())
        (6, 4, [0, 0, 0, 1, 1, 1])
        """
        if isinstance(fraction, (bool, np.bool_)) or not isinstance(
            fraction, (int, float, np.integer, np.floating)
        ):
            raise InvalidTypeError(
                f"fraction={fraction!r}: expected a number between 0 and 1",
                param="fraction",
                value=fraction,
            )
        if not 0.0 < float(fraction) < 1.0:
            raise InvalidParameterError(
                f"fraction={fraction!r}: must be strictly between 0 and 1",
                param="fraction",
                value=fraction,
            )
        rng = as_generator(seed)
        first = np.zeros(len(self), np.bool_)
        for digit in range(10):
            members = np.flatnonzero(self.labels == digit)
            take = round(float(fraction) * members.size)
            first[rng.permutation(members)[:take]] = True
        return self.subset(first), self.subset(~first)


def _check_writers(writers: npt.ArrayLike | None, count: int) -> WriterArray:
    """``writers`` as a read-only int32 array of ``count`` ids >= -1 (all -1 when ``None``)."""
    if writers is None:
        unknown = np.full(count, UNKNOWN_WRITER, np.int32)
        unknown.setflags(write=False)
        return unknown
    array = np.asarray(writers)
    if array.shape != (count,) or (array.dtype.kind not in "iu" and array.size):
        raise InvalidParameterError(
            f"writers: expected {count} integer writer ids to match the images, "
            f"got {array.dtype} with shape {array.shape}",
            param="writers",
            value=writers,
        )
    if array.size and (array.min() < UNKNOWN_WRITER or array.max() > np.iinfo(np.int32).max):
        bad = array[(array < UNKNOWN_WRITER) | (array > np.iinfo(np.int32).max)][0]
        raise InvalidParameterError(
            f"writers: {int(bad)!r} is not a writer id (0 to 2**31 - 1, or -1 for unknown)",
            param="writers",
            value=writers,
        )
    result = array.astype(np.int32)
    result.setflags(write=False)
    return result


def compute_ink_extents(images: U8Array) -> npt.NDArray[np.int16]:
    """Left, right, top, bottom ink bounds of every glyph (right/bottom exclusive).

    A glyph without ink gets ``(0, 0, 0, 0)``.
    """
    n, height, width = images.shape
    cols = images.max(axis=1) > 0
    rows = images.max(axis=2) > 0
    extents = np.zeros((n, 4), np.int16)
    blank = ~cols.any(axis=1)
    extents[:, 0] = cols.argmax(axis=1)
    extents[:, 1] = width - cols[:, ::-1].argmax(axis=1)
    extents[:, 2] = rows.argmax(axis=1)
    extents[:, 3] = height - rows[:, ::-1].argmax(axis=1)
    extents[blank] = 0
    return extents
