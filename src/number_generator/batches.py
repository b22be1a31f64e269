"""Training batch stream: batches of digit-string images with CTC-ready targets and boxes.

:func:`batches` feeds a training loop directly, with no files in between::

    for batch in batches(64, template="0##-####-####", seed=0, n=1000):
        images = batch.images            # float32 [B, H, W], 1.0 = paper
        targets = batch.targets          # int64 [B, T], indices into ALPHABET, padded
        lengths = batch.target_lengths   # int64 [B]
        ...

Without augmentation, at the dataset's own glyph height and ``fit="pad"``,
a whole batch is composed at once with array operations (tens of thousands
of images per second on one core); every other case draws each image with
:meth:`SequenceGenerator.render <number_generator.SequenceGenerator.render>`.
Both give the same distribution: each digit a random glyph of its class,
each gap uniform in ``spacing_range``, the strip centred on white paper and
scaled down uniformly only when it does not fit.

``number_generator.torch`` wraps this in a PyTorch ``IterableDataset``.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ._api import default_generator
from ._util.params import (
    DEFAULT_SPACING_RANGE,
    FITS,
    check_choice,
    check_height,
    check_int,
    check_spacing,
    check_width,
)
from ._util.text import ASCII_ZERO, has_separators
from .augment import resolve_augment
from .compose import SequenceGenerator
from .compose.separators import GLYPH_SEPARATORS, separator_bank
from .datasets import DigitDataset
from .errors import InvalidParameterError, InvalidTypeError
from .templates import Template, parse_template

__all__ = ["ALPHABET", "BLANK", "Batch", "BatchStream", "batches", "default_width"]

#: Classes of the targets: ``targets`` hold indices into this string.
ALPHABET = "0123456789-/ "
#: Index for a CTC blank, one past :data:`ALPHABET` (a model has ``BLANK + 1`` outputs).
BLANK = len(ALPHABET)
#: Largest batch.
MAX_BATCH_SIZE = 65536

_CODES = np.full(256, -1, np.int64)
for _index, _char in enumerate(ALPHABET):
    _CODES[ord(_char)] = _index
_SPACE = 32
F32Array = npt.NDArray[np.float32]
I64Array = npt.NDArray[np.int64]
I32Array = npt.NDArray[np.int32]


class Batch(NamedTuple):
    """One batch of the stream.

    Attributes
    ----------
    images:
        ``float32 [B, H, W]``, 0.0 = black ink, 1.0 = white paper.
    labels:
        The label strings (leading zeros kept; separators if kept).
    targets:
        ``int64 [B, T]``: each label as indices into :data:`ALPHABET`
        (``"0"``-``"9"`` are 0-9), padded with ``pad_value``; ``T`` is the
        template's longest label, the same for every batch.
    target_lengths:
        ``int64 [B]``: characters in each label.
    boxes:
        ``int32 [B, T, 4]``: ``x0, y0, x1, y1`` (exclusive ends) of each label
        character's ink in output pixels; ``-1`` for padding and spaces.
    """

    images: F32Array
    labels: list[str]
    targets: I64Array
    target_lengths: I64Array
    boxes: I32Array


def default_width(template: Template, image_height: int, spacing_range: tuple[int, int]) -> int:
    """Width used when none is given: the longest string at a typical glyph width.

    ``ceil(L * (0.7 * image_height + max_spacing))`` for a template whose
    longest string has ``L`` characters; wider strips are scaled down.

    Examples
    --------
    >>> default_width(parse_template("phone"), 28, (2, 8))
    304
    """
    length = template.max_length
    return max(1, math.ceil(length * (0.7 * image_height + max(spacing_range[1], 0))))


# --------------------------------------------------------------------------- vectorized drawing


class _ColumnTable:
    """Every glyph column as a row of one ``uint8`` paper table (255 = white): the
    dataset's glyphs, then the separator bank (``-`` and ``/``), then one blank row.
    """

    def __init__(self, dataset: DigitDataset) -> None:
        images = dataset.images
        n, height, width = images.shape
        bank = [separator_bank(char, height) for char in GLYPH_SEPARATORS]
        bank_columns = sum(glyph.shape[1] for variants in bank for glyph, _ in variants)
        table = np.full((n * width + bank_columns + 1, height), 255, np.uint8)
        columns = np.asarray(images).transpose(0, 2, 1).reshape(n * width, height)
        np.subtract(255, columns, out=table[: n * width])
        # Separator variants: [char, variant] -> first column, width, top row, bottom row.
        self.separators = np.zeros((len(bank), len(bank[0]), 4), np.intp)
        column = n * width
        for c, variants in enumerate(bank):
            for v, (glyph, (top, bottom)) in enumerate(variants):
                table[column : column + glyph.shape[1]] = 255 - glyph.T
                self.separators[c, v] = (column, glyph.shape[1], top, bottom)
                column += glyph.shape[1]
        self.table = table
        self.glyph_width = width
        self.blank = column


_TABLES: weakref.WeakKeyDictionary[DigitDataset, _ColumnTable] = weakref.WeakKeyDictionary()


def _column_table(dataset: DigitDataset) -> _ColumnTable:
    table = _TABLES.get(dataset)
    if table is None:
        table = _TABLES[dataset] = _ColumnTable(dataset)
    return table


class _Composed(NamedTuple):
    paper: npt.NDArray[np.uint8]  # [B, H, W], 255 = white paper, 0 = black ink
    boxes: npt.NDArray[np.int32]  # [G, 4] every glyph (digits and -, /)
    glyph_text: npt.NDArray[np.intp]  # [G] which string each glyph belongs to
    glyph_char: npt.NDArray[np.intp]  # [G] its character position in the string
    glyph_digit: npt.NDArray[np.intp]  # [G] its digit position, -1 for a separator
    fits: npt.NDArray[np.bool_]  # [B] False: left blank, to be drawn scaled down


def _compose_batch(
    dataset: DigitDataset,
    texts: list[str],
    low: int,
    high: int,
    width: int,
    rng: np.random.Generator,
) -> _Composed:
    """Compose many strings at once at native glyph height with ``fit="pad"``, ``low >= 0``.

    The same layout rules as :meth:`SequenceGenerator.render` and
    :mod:`._separators`: a random glyph of each digit's class, gaps uniform
    in ``[low, high]`` (at least 1 px next to a ``-``/``/`` stroke), a
    space adds 1/3 to 2/3 of the height, the strip centred on the paper.
    """
    count = len(texts)
    height = dataset.glyph_shape[0]
    lengths = np.fromiter(map(len, texts), np.intp, count)
    chars = np.frombuffer("".join(texts).encode("ascii"), np.uint8)
    text_of_char = np.repeat(np.arange(count), lengths)
    char_pos = np.arange(chars.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    is_space = chars == _SPACE
    # Width a space adds, accumulated, so the extra before a glyph is a difference.
    space_extra = np.zeros(chars.size, np.intp)
    space_extra[is_space] = rng.integers(height // 3, (2 * height) // 3 + 1, int(is_space.sum()))
    space_total = np.cumsum(space_extra)

    glyph_at = np.flatnonzero(~is_space)
    codes = chars[glyph_at].astype(np.intp) - ASCII_ZERO  # digits 0-9; "-", "/" negative
    is_digit = (codes >= 0) & (codes <= 9)
    glyph_text = text_of_char[glyph_at]
    glyphs = glyph_at.size
    per_text = np.bincount(glyph_text, minlength=count)
    first = np.cumsum(per_text) - per_text
    last = first + per_text - 1

    digit_codes = codes[is_digit]
    class_count = dataset.class_count[digit_codes]
    if not class_count.all():
        missing = sorted(set(digit_codes[class_count == 0].tolist()))
        raise InvalidParameterError(
            f"template: the dataset {dataset.name!r} has no glyph of class {missing}"
        )
    table = _column_table(dataset)
    source = np.empty(glyphs, np.intp)  # first table row of each glyph
    widths = np.empty(glyphs, np.intp)
    rows = np.empty((glyphs, 2), np.intp)
    picks = (rng.random(digit_codes.size) * class_count).astype(np.intp)
    indices = dataset.class_order[dataset.class_start[digit_codes] + picks]
    extents = dataset.ink_extents[indices].astype(np.intp)
    source[is_digit] = indices * table.glyph_width + extents[:, 0]
    widths[is_digit] = extents[:, 1] - extents[:, 0]
    rows[is_digit] = extents[:, 2:4]
    separator_at = np.flatnonzero(~is_digit)
    if separator_at.size:
        which = (codes[separator_at] == ord("/") - ASCII_ZERO).astype(np.intp)
        variant = rng.integers(0, table.separators.shape[1], separator_at.size)
        chosen = table.separators[which, variant]
        source[separator_at] = chosen[:, 0]
        widths[separator_at] = chosen[:, 1]
        rows[separator_at] = chosen[:, 2:4]

    # The gap before each glyph: plain between digits, >= 1 px next to a stroke, + spaces.
    beside_stroke = ~is_digit
    beside_stroke[1:] |= ~is_digit[:-1]
    gap_low = np.where(beside_stroke, max(low, 1), low)
    gap_high = np.where(beside_stroke, max(high, 1), high)
    gaps = gap_low + (rng.random(glyphs) * (gap_high - gap_low + 1)).astype(np.intp)
    gaps[1:] += space_total[glyph_at[1:]] - space_total[glyph_at[:-1]]
    gaps[first] = 0

    advance = np.cumsum(widths + gaps) - widths
    starts = advance - advance[first][glyph_text]
    strip_widths = starts[last] + widths[last]
    fits = strip_widths <= width
    x0 = starts + ((width - strip_widths) // 2)[glyph_text]

    keep = fits[glyph_text]
    kept_widths = widths[keep]
    columns = int(kept_widths.sum())
    repeat = np.repeat(np.arange(kept_widths.size), kept_widths)
    within = np.arange(columns) - np.repeat(np.cumsum(kept_widths) - kept_widths, kept_widths)
    destination = (glyph_text[keep] * width + x0[keep])[repeat] + within
    column_map = np.full(count * width, table.blank, np.intp)
    column_map[destination] = source[keep][repeat] + within
    gathered = np.take(table.table, column_map, axis=0).reshape(count, width, height)

    boxes = np.empty((glyphs, 4), np.int32)
    boxes[:, 0] = x0
    boxes[:, 2] = x0 + widths
    boxes[:, 1::2] = rows
    digits_before: npt.NDArray[np.intp] = np.cumsum(is_digit) - is_digit  # earlier digits
    digit_pos = np.where(is_digit, digits_before - digits_before[first][glyph_text], -1)
    return _Composed(
        np.ascontiguousarray(gathered.transpose(0, 2, 1)),
        boxes,
        glyph_text,
        char_pos[glyph_at],
        digit_pos,
        fits,
    )


# --------------------------------------------------------------------------- the stream


class BatchStream:
    """Draws :class:`Batch` es; :func:`batches` is the usual way to make one.

    Holds the validated options, the generator and the random stream, so
    ``next_batch()`` can be called as often as needed.
    """

    def __init__(
        self,
        batch_size: int,
        template: Any = "phone",
        *,
        seed: int | np.random.SeedSequence | np.random.Generator | None = None,
        spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
        image_width: int | None = None,
        image_height: int = 28,
        fit: str = "pad",
        augment: Any = None,
        dataset: DigitDataset | str | Path | None = None,
        split: str | None = None,
        data_dir: str | Path | None = None,
        keep_separators: bool = False,
        pad_value: int = -1,
    ) -> None:
        self.batch_size = check_int(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        self.template = parse_template(template)
        self.image_height = check_height(image_height)
        self.spacing_range = check_spacing(spacing_range, self.image_height)
        width = check_width(image_width)
        self.image_width = (
            default_width(self.template, self.image_height, self.spacing_range)
            if width is None
            else width
        )
        self.fit = check_choice(fit, "fit", FITS)
        self.augment = augment
        pipeline = resolve_augment(augment)
        if not isinstance(keep_separators, (bool, np.bool_)):
            raise InvalidTypeError(f"keep_separators={keep_separators!r}: expected True or False")
        self.keep_separators = bool(keep_separators)
        self.pad_value = check_int(pad_value, "pad_value", -(2**31), 2**31 - 1)
        self.rng = _as_rng(seed)
        # A name or path: the process-wide generator, so the data (and the column
        # table built from it) is loaded once per process, not once per stream.
        self.generator = (
            SequenceGenerator(dataset)
            if isinstance(dataset, DigitDataset)
            else default_generator(dataset, split=split, data_dir=data_dir)
        )
        self.max_label_length = self.template.max_label_length(self.keep_separators)
        glyph_height = self.generator.dataset.glyph_shape[0]
        self._vectorized = (
            pipeline is None
            and self.fit == "pad"
            and self.image_height == glyph_height
            and self.spacing_range[0] >= 0
        )
        # Every option checked once, by drawing one image, before the first batch.
        probe = self.template.sample(np.random.default_rng(0), 1)[0]
        self.generator.render(
            probe,
            self.spacing_range,
            self.image_width,
            seed=0,
            image_height=self.image_height,
            fit=self.fit,
            augment=self.augment,
        )

    def next_batch(self) -> Batch:
        """Draw the next batch."""
        size, length = self.batch_size, self.max_label_length
        rng = self.rng
        texts = self.template.sample(rng, size)
        labels = texts if self.keep_separators else [_digits(t) for t in texts]
        height, width = self.image_height, self.image_width
        boxes = np.full((size, length, 4), -1, np.int32)
        images = np.empty((size, height, width), np.float32)
        slow: list[int] = list(range(size))
        if self._vectorized:
            composed = _compose_batch(
                self.generator.dataset, texts, *self.spacing_range, width, rng
            )
            images = np.divide(composed.paper, np.float32(255), dtype=np.float32)
            wanted = composed.fits[composed.glyph_text]
            if not self.keep_separators:
                wanted &= composed.glyph_digit >= 0
            column = composed.glyph_char if self.keep_separators else composed.glyph_digit
            boxes[composed.glyph_text[wanted], column[wanted]] = composed.boxes[wanted]
            slow = np.flatnonzero(~composed.fits).tolist()
        for i in slow:
            image = self.generator.render(
                texts[i],
                self.spacing_range,
                width,
                seed=rng,
                image_height=height,
                fit=self.fit,
                augment=self.augment,
            )
            images[i] = image.image
            _fill_boxes(boxes[i], image, texts[i], self.keep_separators)
        targets, lengths = _encode(labels, length, self.pad_value)
        return Batch(images, labels, targets, lengths, boxes)

    def __iter__(self) -> Iterator[Batch]:
        while True:
            yield self.next_batch()


def _digits(text: str) -> str:
    return text.replace("-", "").replace("/", "").replace(" ", "") if has_separators(text) else text


def _fill_boxes(row: I32Array, image: Any, text: str, keep_separators: bool) -> None:
    if not keep_separators:
        boxes = image.boxes
        row[: len(boxes)] = boxes
        return
    glyph_boxes = iter(image.glyph_boxes)
    for position, char in enumerate(text):
        if char != " ":
            row[position] = next(glyph_boxes)


def _encode(labels: list[str], length: int, pad_value: int) -> tuple[I64Array, I64Array]:
    """Labels as padded ``[B, length]`` indices into :data:`ALPHABET`, and their lengths."""
    lengths = np.fromiter(map(len, labels), np.int64, len(labels))
    codes = _CODES[np.frombuffer("".join(labels).encode("ascii"), np.uint8)]
    targets = np.full((len(labels), length), pad_value, np.int64)
    rows = np.repeat(np.arange(len(labels)), lengths)
    cols = np.arange(rows.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    targets[rows, cols] = codes
    return targets, lengths


def _as_rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    from ._util.params import as_generator

    return as_generator(seed)


def batches(
    batch_size: int,
    template: Any = "phone",
    *,
    n: int | None = None,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
    image_width: int | None = None,
    image_height: int = 28,
    fit: str = "pad",
    augment: Any = None,
    dataset: DigitDataset | str | Path | None = None,
    split: str | None = None,
    data_dir: str | Path | None = None,
    keep_separators: bool = False,
    pad_value: int = -1,
) -> Iterator[Batch]:
    """Yield batches of synthetic digit-string images, forever or ``n`` times.

    Parameters
    ----------
    batch_size:
        Images per batch, 1 to 65,536.
    template:
        What to draw: ``"phone"``, ``"random:4-12"``, ``"0##-####-####"``,
        ``"file:PATH"``, a list of strings … (see :mod:`number_generator.templates`).
    n:
        Number of batches; ``None`` (default) never stops.
    seed:
        Int, ``SeedSequence`` or ``Generator``: the same seed gives the same
        batches. ``None``: fresh randomness.
    spacing_range, image_height, fit, augment, dataset, split, data_dir:
        As for :func:`~number_generator.generate_numbers_sequence`.
    image_width:
        Width of every image; default :func:`default_width` (room for the
        template's longest string; wider strips are scaled down).
    keep_separators:
        Keep the template's ``-``, ``/`` and spaces in labels and targets.
    pad_value:
        Fills ``targets`` past each label's length (default -1).

    Yields
    ------
    Batch
        ``images`` float32 ``[B, H, W]``, ``labels``, ``targets`` int64
        ``[B, T]``, ``target_lengths`` int64 ``[B]``, ``boxes`` int32 ``[B, T, 4]``.

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        At the call, before the first batch, for any bad option.

    Examples
    --------
    >>> batch = next(batches(8, "0##-####", seed=0, n=1))
    >>> batch.images.shape, batch.targets.shape, batch.labels[0]
    ((8, 28, ...), (8, 7), '0357889')
    """
    count = None if n is None else check_int(n, "n", 0, 2**63 - 1)
    stream = BatchStream(
        batch_size,
        template,
        seed=seed,
        spacing_range=spacing_range,
        image_width=image_width,
        image_height=image_height,
        fit=fit,
        augment=augment,
        dataset=dataset,
        split=split,
        data_dir=data_dir,
        keep_separators=keep_separators,
        pad_value=pad_value,
    )
    return _iterate(stream, count)


def _iterate(stream: BatchStream, count: int | None) -> Iterator[Batch]:
    produced = 0
    while count is None or produced < count:
        yield stream.next_batch()
        produced += 1
