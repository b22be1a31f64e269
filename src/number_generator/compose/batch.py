"""Many strings at once: the composer's array paths for plain images.

Without augmentation, at the dataset's own glyph height, ``fit="pad"``, no
overlap and ink spacing (:func:`can_compose_batch`), many strings are composed
with array operations: every ink column of every glyph is a row of one table
(:class:`ColumnTable`, rows padded to 32 bytes); the batch's output columns are
gathered from it column-major (one ``take``) and put in image layout by one
transpose, 32 strings at a time so they stay in cache (the float stream's
images divided into ``float32`` there too, :func:`as_float`). The
layout follows the same rules as :meth:`SequenceGenerator.draw
<.generator.SequenceGenerator.draw>` (:mod:`.spacing`, :mod:`.separators`,
:func:`.layout.centre_offset`): a random glyph of each digit's class (of one
writer per string with ``writer="same"``, :mod:`number_generator.datasets.writers`),
gaps uniform in the spacing range (at least :data:`~.separators.MIN_STROKE_GAP`
beside a ``-``/``/`` stroke), a space adds :func:`~.separators.space_width`,
the strip centred on the paper.

Two seed contracts:

* :func:`compose_batch` (the batch stream, :mod:`number_generator.batches`)
  draws from the random stream in its own order, whole batch by whole batch, so
  its images are not those :meth:`draw` would make from the same stream, only
  alike in distribution. It also draws ``-``, ``/`` and spaces.
* :func:`compose_in_order` / :func:`draw_in_order` (dataset export) take the
  stream's numbers in the order :meth:`draw` takes them one image after
  another, for strings of digits only with ``writer="any"``: the same bytes as
  drawing each image alone (strings too wide for the width are drawn by
  :meth:`draw` itself, from a copy of the stream at their own numbers).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .._util.text import ASCII_ZERO
from ..augment import Pipeline
from ..datasets import DigitDataset
from ..datasets.writers import writer_index
from .glyphs import missing_class
from .layout import centre_offset, glyph_runs
from .options import RenderOptions
from .separators import GLYPH_SEPARATORS, pick_variant, separator_bank, space_width, stroke_spacing
from .spacing import draw_gaps
from .symbols import SYMBOLS

if TYPE_CHECKING:
    from .generator import SequenceGenerator

__all__ = [
    "ColumnTable",
    "Composed",
    "as_float",
    "can_compose_batch",
    "column_table",
    "compose_batch",
    "compose_in_order",
    "draw_in_order",
    "drawn_alone",
    "in_order_applies",
]

IntArray = npt.NDArray[np.intp]
I32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
#: Composed images: ``uint8`` (255 = white) or ``float32`` (1.0 = white).
PaperArray = npt.NDArray[np.uint8] | npt.NDArray[np.float32]

_SPACE = ord(" ")
#: Character code -> its bank in :class:`ColumnTable` (``-1``: not a separator glyph).
_BANK_OF = np.full(256, -1, np.intp)
for _bank, _char in enumerate(GLYPH_SEPARATORS):
    _BANK_OF[ord(_char)] = _bank


class ColumnTable:
    """Every glyph's ink columns as rows of one ``uint8`` paper table (255 = white):
    the dataset's glyphs, then the separator banks (in :data:`GLYPH_SEPARATORS`
    order), then one blank row.

    A row holds a column's ``H`` pixels padded with white to :func:`_row_bytes`
    (32 for 28-pixel glyphs): NumPy's ``take`` copies rows of 1, 2, 4 … 32 bytes
    in place, twice as fast as calling ``memmove`` for each. Only ink columns are
    kept (about 16 of MNIST's 28), so more of the table stays in cache.
    """

    def __init__(self, dataset: DigitDataset) -> None:
        images = dataset.images
        height, width = images.shape[1:]
        # Each glyph's ink columns [left, right) and ink rows.
        extents = dataset.ink_extents.astype(np.intp)
        widths = extents[:, 1] - extents[:, 0]
        ink = (extents[:, :1] <= np.arange(width)) & (np.arange(width) < extents[:, 1:2])
        glyph_columns = int(widths.sum())
        banks = [separator_bank(char, height) for char in GLYPH_SEPARATORS]
        bank_columns = sum(glyph.shape[1] for variants in banks for glyph, _ in variants)
        table = np.full((glyph_columns + bank_columns + 1, _row_bytes(height)), 255, np.uint8)
        np.subtract(
            255, np.asarray(images).transpose(0, 2, 1)[ink], out=table[:glyph_columns, :height]
        )
        # Each glyph's first ink column as a table row, top ink row, ink width and bottom
        # ink row (exclusive): one row of 32 bytes a glyph, taken at once, laid out as
        # its box will be (x0, y0, x1, y1) once placed.
        self.glyphs = np.empty((len(widths), 4), np.intp)
        self.glyphs[:, 0] = np.cumsum(widths) - widths
        self.glyphs[:, 1::2] = extents[:, 2:4]
        self.glyphs[:, 2] = widths
        # Separator variants: [bank, variant] -> as a row of glyphs.
        self.separators = np.zeros((len(banks), len(banks[0]), 4), np.intp)
        column = glyph_columns
        for b, variants in enumerate(banks):
            for v, (glyph, (top, bottom)) in enumerate(variants):
                table[column : column + glyph.shape[1], :height] = 255 - glyph.T
                self.separators[b, v] = (column, top, glyph.shape[1], bottom)
                column += glyph.shape[1]
        self.table = table


def _row_bytes(height: int) -> int:
    """Bytes in a :class:`ColumnTable` row for glyphs ``height`` pixels high: the
    smallest of 1, 2, 4, 8, 16, 32 that holds them (``height`` itself past 32)."""
    return next((size for size in (1, 2, 4, 8, 16, 32) if size >= height), height)


_TABLES: weakref.WeakKeyDictionary[DigitDataset, ColumnTable] = weakref.WeakKeyDictionary()


def column_table(dataset: DigitDataset) -> ColumnTable:
    """The :class:`ColumnTable` of ``dataset``, built once and kept while the dataset lives."""
    table = _TABLES.get(dataset)
    if table is None:
        table = _TABLES[dataset] = ColumnTable(dataset)
    return table


class Composed(NamedTuple):
    """A composed batch: the images, and every glyph's box and place in its string."""

    paper: PaperArray  # [B, H, W], 255 (float32: 1.0) = white paper, 0 = black ink
    boxes: npt.NDArray[np.int32]  # [G, 4] every glyph (digits and -, /)
    glyph_text: IntArray  # [G] which string each glyph belongs to
    glyph_char: IntArray  # [G] its character position in the string
    glyph_digit: IntArray  # [G] its digit position, -1 for a separator
    fits: BoolArray  # [B] False: left blank, to be drawn scaled down
    glyph_writer: npt.NDArray[np.int32]  # [G] its writer, -1 for a separator or unknown


def can_compose_batch(options: RenderOptions, pipeline: Pipeline | None, glyph_height: int) -> bool:
    """Whether :func:`compose_batch` draws images as ``options`` and ``pipeline`` ask.

    Contour spacing is drawn one image at a time (each gap depends on the two
    glyphs' row profiles), as are strings with symbols (:func:`drawn_alone`).
    """
    return pipeline is None and options.side_by_side and options.image_height == glyph_height


_SYMBOL = re.compile(f"[{re.escape(SYMBOLS)}]")


def drawn_alone(texts: list[str]) -> list[int]:
    """Which of ``texts`` hold symbols, which :func:`compose_batch` does not draw.

    Symbols are aligned to the digits beside them (:func:`.symbols.align_symbol`),
    so those strings are drawn one at a time.
    """
    if _SYMBOL.search("".join(texts)) is None:  # the usual case, checked at once
        return []
    return [i for i, text in enumerate(texts) if _SYMBOL.search(text)]


class _Chars(NamedTuple):
    """Every character of the batch, the strings joined."""

    codes: npt.NDArray[np.uint8]
    text: IntArray  # which string
    position: IntArray  # position in its string
    is_space: BoolArray
    lengths: IntArray  # [B] characters in each string


class _Slots(NamedTuple):
    """Every drawn glyph of the batch (each character but spaces), in order."""

    at: IntArray  # its character index
    codes: npt.NDArray[np.uint8]
    is_digit: BoolArray
    text: IntArray  # which string
    position: IntArray  # its character position in its string
    first: IntArray  # [B] each string's first glyph
    last: IntArray  # [B] each string's last glyph
    spaced: bool  # whether the batch holds spaces
    digits_only: bool  # whether every glyph is a digit


class _Sources(NamedTuple):
    """Where each glyph comes from, one row each as :attr:`ColumnTable.glyphs` has it (its
    first table row, top ink row, ink width, bottom ink row), and views of two columns."""

    glyphs: IntArray
    start: IntArray
    widths: IntArray

    @classmethod
    def empty(cls, glyphs: int) -> _Sources:
        """Room for ``glyphs`` glyphs, filled by the pick steps."""
        table = np.empty((glyphs, 4), np.intp)
        return cls(table, table[:, 0], table[:, 2])


def compose_batch(
    dataset: DigitDataset,
    texts: list[str],
    spacing: tuple[int, int],
    width: int,
    rng: np.random.Generator,
    writer: str = "any",
    floats: bool = False,
) -> Composed:
    """Compose ``texts`` at once, at native glyph height, ``fit="pad"``, ``spacing[0] >= 0``;
    with ``floats``, the paper in ``float32`` (:func:`as_float`'s values).

    A string wider than ``width`` is left blank (``fits`` is ``False``) for the
    caller to draw scaled down. Random draws, in order: the spaces' widths, the
    digits' glyphs (with ``writer="same"`` then one writer per string), the
    separators' variants, the gaps.
    """
    height = dataset.glyph_shape[0]
    chars = _read_chars(texts)
    slots = _glyph_slots(chars, len(texts))
    space_total = _space_total(chars.is_space, height, rng) if slots.spaced else None
    sources = _Sources.empty(slots.at.size)
    indices = _pick_digits(dataset, slots, sources, texts, rng, writer)
    table = column_table(dataset)
    _pick_separators(table, slots, sources, rng)
    gaps = _gaps(slots, spacing, space_total, rng.random(slots.at.size))
    return _compose(dataset, slots, sources, indices, gaps, width, floats)


def compose_in_order(
    dataset: DigitDataset,
    texts: list[str],
    spacing: tuple[int, int],
    width: int,
    rng: np.random.Generator,
) -> Composed:
    """Compose strings of digits only as :meth:`.generator.SequenceGenerator.draw`
    draws them one after another from ``rng`` (``writer="any"``, no augmentation,
    native height, ``fit="pad"``, ink spacing, ``spacing[0] >= 0``): the same pixels
    and boxes.

    ``draw`` takes ``2 n - 1`` numbers in ``[0, 1)`` for a string of ``n`` digits
    (its glyph choices, then its gaps), so one draw for the whole list gives every
    string its own numbers. A string wider than ``width`` is left blank (``fits``
    is ``False``): ``draw`` scales it down, from the same numbers.
    """
    chars = _read_chars(texts)
    slots = _glyph_slots(chars, len(texts))
    lengths = slots.last - slots.first + 1
    # String i's numbers begin after those of the strings before it, 2 n - 1 each.
    begin = 2 * slots.first - np.arange(len(texts))
    uniform = rng.random(int(2 * lengths.sum() - len(texts)))
    mine = begin[slots.text] + slots.position
    sources = _Sources.empty(slots.at.size)
    indices = _pick_digits(dataset, slots, sources, texts, uniform[mine])
    # The gap before digit j >= 1 is the string's (n + j - 1)-th number (none before j = 0).
    gaps_from = uniform[mine + lengths[slots.text] - 1]
    gaps = _gaps(slots, spacing, None, gaps_from)
    return _compose(dataset, slots, sources, indices, gaps, width)


def in_order_applies(options: RenderOptions, dataset: DigitDataset, texts: list[str]) -> bool:
    """Whether :func:`draw_in_order` draws ``texts`` as ``options`` ask: a fixed width,
    ``writer="any"``, what :func:`can_compose_batch` allows, and strings of digits only."""
    joined = "".join(texts)
    return (
        options.image_width is not None
        and options.writer == "any"
        and can_compose_batch(options, options.pipeline, dataset.glyph_shape[0])
        and all(texts)
        and joined.isascii()
        and joined.isdigit()
    )


def draw_in_order(
    generator: SequenceGenerator,
    texts: list[str],
    options: RenderOptions,
    rng: np.random.Generator,
) -> Iterator[tuple[npt.NDArray[np.uint8], list[list[int]]]]:
    """Each of ``texts`` (see :func:`in_order_applies`) as
    ``generator.draw(text, options, None, rng)`` draws it, in turn: its paper and
    its digits' boxes, the same bytes, most of them composed at once
    (:func:`compose_in_order`). A string too wide for the width is drawn (scaled
    down) by ``draw`` itself, from a copy of the stream at its own numbers.
    """
    start = rng.bit_generator.state
    width = options.image_width
    assert width is not None  # in_order_applies holds
    composed = compose_in_order(generator.dataset, texts, options.spacing_range, width, rng)
    boxes = composed.boxes.tolist()
    first = 0
    for i, text in enumerate(texts):
        last = first + len(text)
        if composed.fits[i]:
            yield composed.paper[i], boxes[first:last]
        else:
            replay = np.random.Generator(type(rng.bit_generator)())
            replay.bit_generator.state = start
            replay.random(2 * first - i)  # the numbers of the strings before this one
            image = generator.draw(text, options, None, replay)
            yield image.paper, image.boxes.tolist()
        first = last


def _compose(
    dataset: DigitDataset,
    slots: _Slots,
    sources: _Sources,
    indices: IntArray,
    gaps: IntArray,
    width: int,
    floats: bool = False,
) -> Composed:
    """The batch laid out from its glyphs and gaps: centred, gathered, boxed."""
    x0, fits = _centre(slots, sources.widths, gaps, width)
    shape = (slots.first.size, dataset.glyph_shape[0], width)
    paper = _gather(column_table(dataset), slots, sources, x0, fits, shape, floats)
    boxes = sources.glyphs.astype(np.int32)  # [start, y0, width, y1]
    boxes[:, 0] = x0
    boxes[:, 2] += boxes[:, 0]
    if slots.digits_only:
        glyph_writer = dataset.writers[indices].astype(np.int32, copy=False)
    else:
        glyph_writer = np.full(slots.at.size, -1, np.int32)
        glyph_writer[slots.is_digit] = dataset.writers[indices]
    return Composed(
        paper,
        boxes,
        slots.text,
        slots.position,
        _digit_positions(slots),
        fits,
        glyph_writer,
    )


def _positions_within(lengths: IntArray) -> IntArray:
    """``0, 1, ... lengths[i] - 1`` for each group ``i``, concatenated."""
    within: IntArray = np.arange(int(lengths.sum())) - np.repeat(
        np.cumsum(lengths) - lengths, lengths
    )
    return within


def _read_chars(texts: list[str]) -> _Chars:
    count = len(texts)
    lengths = np.fromiter(map(len, texts), np.intp, count)
    codes = np.frombuffer("".join(texts).encode("ascii"), np.uint8)
    text = np.repeat(np.arange(count), lengths)
    return _Chars(codes, text, _positions_within(lengths), codes == _SPACE, lengths)


def _space_total(is_space: BoolArray, height: int, rng: np.random.Generator) -> IntArray:
    """The width the spaces add up to each character, running along the batch."""
    extras = np.zeros(is_space.size, np.intp)
    extras[is_space] = space_width(height, rng, int(is_space.sum()))
    total: IntArray = np.cumsum(extras)
    return total


def _glyph_slots(chars: _Chars, count: int) -> _Slots:
    spaced = bool(chars.is_space.any())
    if spaced:
        at = np.flatnonzero(~chars.is_space)
        codes, text, position = chars.codes[at], chars.text[at], chars.position[at]
        per_text = np.bincount(text, minlength=count)
    else:  # the usual case: every character is a glyph
        at = np.arange(chars.codes.size)
        codes, text, position, per_text = chars.codes, chars.text, chars.position, chars.lengths
    is_digit = (codes >= ASCII_ZERO) & (codes <= ASCII_ZERO + 9)
    first = np.cumsum(per_text) - per_text
    last = first + per_text - 1
    return _Slots(at, codes, is_digit, text, position, first, last, spaced, bool(is_digit.all()))


def _pick_digits(
    dataset: DigitDataset,
    slots: _Slots,
    sources: _Sources,
    texts: list[str],
    draw: np.random.Generator | npt.NDArray[np.float64],
    writer: str = "any",
) -> IntArray:
    """A random glyph of each digit's class, as rows of the dataset's column table;
    returns the glyphs' dataset indices.

    ``draw`` is the random stream, or (``writer="any"``) each digit's number in ``[0, 1)``.
    """
    is_digit = slots.is_digit
    codes = slots.codes if slots.digits_only else slots.codes[is_digit]
    values = np.subtract(codes, ASCII_ZERO, dtype=np.intp)
    class_count = dataset.class_count[values]
    if not class_count.all():
        first_bad = slots.text[is_digit][np.flatnonzero(class_count == 0)[0]]
        raise missing_class(dataset, values[class_count == 0], "template", texts[first_bad])
    if isinstance(draw, np.random.Generator) and writer == "same":
        per_digit = draw.random(values.size)
        per_text = draw.random(len(texts))
        indices = writer_index(dataset).draw(
            values, slots.text[is_digit], len(texts), (per_digit, per_text), draw
        )
    else:
        uniform = draw.random(values.size) if isinstance(draw, np.random.Generator) else draw
        picks = (uniform * class_count).astype(np.intp)
        indices = dataset.class_order[dataset.class_start[values] + picks]
    glyphs = column_table(dataset).glyphs
    if slots.digits_only:  # every slot at once
        glyphs.take(indices, 0, sources.glyphs)
    else:
        sources.glyphs[is_digit] = glyphs.take(indices, 0)
    return indices


def _pick_separators(
    table: ColumnTable, slots: _Slots, sources: _Sources, rng: np.random.Generator
) -> None:
    """A random variant of each ``-``/``/`` from its bank."""
    if slots.digits_only:
        return
    at = np.flatnonzero(~slots.is_digit)
    sources.glyphs[at] = table.separators[_BANK_OF[slots.codes[at]], pick_variant(rng, at.size)]


def _gaps(
    slots: _Slots,
    spacing: tuple[int, int],
    space_total: IntArray | None,
    uniform: npt.NDArray[np.float64],
) -> IntArray:
    """The gap before each glyph: plain between digits, wider beside a stroke, + spaces
    (``space_total``: :func:`_space_total`, ``None`` without spaces); one number of
    ``uniform`` each."""
    if slots.digits_only:
        gaps = draw_gaps(uniform, spacing[0], spacing[1])
    else:
        beside_stroke = ~slots.is_digit
        beside_stroke[1:] |= ~slots.is_digit[:-1]
        stroke_low, stroke_high = stroke_spacing(spacing)
        low = np.where(beside_stroke, stroke_low, spacing[0])
        high = np.where(beside_stroke, stroke_high, spacing[1])
        gaps = draw_gaps(uniform, low, high)
    if space_total is not None:
        gaps[1:] += space_total[slots.at[1:]] - space_total[slots.at[:-1]]
    gaps[slots.first] = 0
    return gaps


def _centre(
    slots: _Slots, widths: IntArray, gaps: IntArray, width: int
) -> tuple[IntArray, BoolArray]:
    """Each glyph's first output column, and whether its string fits ``width``."""
    advance = np.cumsum(widths + gaps) - widths
    begin = advance[slots.first]
    strip_widths = advance[slots.last] + widths[slots.last] - begin
    x0: IntArray = advance + (centre_offset(width, strip_widths) - begin)[slots.text]
    return x0, strip_widths <= width


#: Strings gathered, transposed (and converted) together: their columns, ``W * 32 * 32``
#: bytes, stay in the core's cache from the take to the conversion.
_CHUNK = 32


def _gather(
    table: ColumnTable,
    slots: _Slots,
    sources: _Sources,
    x0: IntArray,
    fits: BoolArray,
    shape: tuple[int, int, int],
    floats: bool = False,
) -> PaperArray:
    """The ``[B, H, W]`` paper (``uint8``, or :func:`as_float`'s ``float32`` with
    ``floats``): each output column taken from its table row (blank elsewhere).

    Output column ``x`` of the ``i``-th string of a chunk of ``n`` is gathered as row
    ``x * n + i``, so the gathered ``[W, n * R]`` block (``R`` bytes a row) is the
    chunk's ``[n * R, W]`` images transposed: one 2-D transpose (OpenCV's, blocked)
    puts them in place, each image's ``H`` rows followed by ``R - H`` padding rows
    that the copy (or the conversion) to the paper leaves out.
    """
    import cv2

    count, height, width = shape
    padded = table.table.shape[1]
    steps = _column_steps(table, slots, sources, x0, fits, count, width)
    paper = np.empty(shape, np.float32 if floats else np.uint8)
    chunk = max(1, min(count, _CHUNK))
    gathered = np.empty((width * chunk, padded), np.uint8)
    scratch = np.empty((chunk, padded * width), np.uint8)
    for first in range(0, count, chunk):
        n = min(chunk, count - first)
        column_map = cast(I32Array, cv2.transpose(steps[first : first + n, :width]))  # [W, n]
        columns = gathered[: width * n]
        table.table.take(column_map.ravel(), 0, columns, "clip")
        rows = paper[first : first + n].reshape(n, height * width)
        if padded == height and not floats:
            cv2.transpose(columns.reshape(width, n * height), rows.reshape(n * height, width))
            continue
        cv2.transpose(columns.reshape(width, n * padded), scratch[:n].reshape(n * padded, width))
        images = scratch[:n, : height * width]  # each image's rows without its padding
        if floats:
            as_float(images, rows)
        else:
            np.copyto(rows, images)
    return paper


def _column_steps(
    table: ColumnTable,
    slots: _Slots,
    sources: _Sources,
    x0: IntArray,
    fits: BoolArray,
    count: int,
    width: int,
) -> I32Array:
    """``[B, W + 1]``: the table row that column ``x < W`` of string ``b`` reads at ``[b, x]``
    (``int32``, as a table of ``2**31`` rows would be 64 GB: half the bytes of ``intp``, and
    OpenCV transposes 4-byte items several times faster than 8-byte ones).

    Column x of string b reads table row ``x + value`` (one ``repeat`` of the values of
    the runs along the flattened map, plus ``x``): inside glyph g the value is its start
    - x0, so its columns read its rows in turn; elsewhere it is ``rows``, past the table,
    which a clipped take reads as its blank last row.
    """
    text, start, widths = slots.text, sources.start, sources.widths
    if not fits.all():  # the glyphs of strings that fit
        keep = np.flatnonzero(fits[text])
        text, start, widths, x0 = text[keep], start[keep], widths[keep], x0[keep]
    values = (start - x0).astype(np.int32)
    shape = (count, width + 1)
    steps = glyph_runs(text * (width + 1) + x0, widths, values, len(table.table), shape)
    steps += np.arange(width + 1, dtype=np.int32)
    return cast(I32Array, steps)


_WHITE = np.float32(255)
_EXACT_DIVIDE: list[bool] = []


def as_float(
    paper: npt.NDArray[np.uint8], out: npt.NDArray[np.float32] | None = None
) -> npt.NDArray[np.float32]:
    """``paper / 255`` as ``float32`` (1.0 = white), into ``out`` if given (same shape,
    C-contiguous): the bits of NumPy's division.

    OpenCV divides about twice as fast; it is used once checked, on every byte
    value at every position of a SIMD row, to give NumPy's exact result here.
    """
    if out is None:
        out = np.empty(paper.shape, np.float32)
    if not _EXACT_DIVIDE:
        values = ((np.arange(257) + np.arange(256)[:, None]) % 256).astype(np.uint8)
        exact = np.divide(values, _WHITE, dtype=np.float32)
        divided = _opencv_divide(values, np.empty(values.shape, np.float32))
        _EXACT_DIVIDE.append(np.array_equal(divided, exact))
    if not _EXACT_DIVIDE[0] or paper.size == 0:
        np.divide(paper, _WHITE, out=out, dtype=np.float32)
    else:
        width = paper.shape[-1]
        _opencv_divide(paper.reshape(-1, width), out.reshape(-1, width))
    return out


def _opencv_divide(
    rows: npt.NDArray[np.uint8], out: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """``rows / 255`` in ``float32`` by OpenCV (2-D ``rows``), into ``out``."""
    import cv2

    # OpenCV's stubs type the divisor as an array; a number divides every element.
    cv2.divide(rows, float(_WHITE), dst=out, dtype=cv2.CV_32F)  # type: ignore[call-overload]
    return out


def _digit_positions(slots: _Slots) -> IntArray:
    """Each glyph's digit position in its string, ``-1`` for a separator."""
    if slots.digits_only:
        return slots.position
    digits_before: IntArray = np.cumsum(slots.is_digit) - slots.is_digit
    positions: IntArray = np.where(
        slots.is_digit, digits_before - digits_before[slots.first][slots.text], -1
    )
    return positions
