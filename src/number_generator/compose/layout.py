"""Where the glyphs land: lay them out in a strip, place them, fit the strip to the width.

With ``fit="pad"`` a strip that fits is placed straight onto the output,
centred; any other strip is drawn at its natural size and resized
(uniformly for ``"pad"``, exactly to the output for ``"stretch"``).
A :class:`Layout` remembers the mapping, so each glyph's box is known in
output pixels.
"""

from __future__ import annotations

from itertools import accumulate, chain
from operator import add, sub
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ..datasets import DigitDataset
from .glyphs import Glyphs

__all__ = [
    "Layout",
    "arrange",
    "centre_offset",
    "fit",
    "glyph_runs",
    "layout_boxes",
    "native_boxes",
    "place",
    "place_and_fit",
    "place_stored",
    "strip_starts",
]

U8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]


class Layout:
    """Where the glyphs sit in the strip, and how the strip maps onto the output.

    ``starts`` and ``widths`` are lists of ints (one per glyph), ``rows`` an array
    of ``(top, bottom)`` ink rows.
    """

    __slots__ = (
        "_strip_width",
        "offset_x",
        "offset_y",
        "rows",
        "scale_x",
        "scale_y",
        "starts",
        "widths",
    )

    def __init__(
        self,
        starts: list[int],
        widths: list[int],
        rows: npt.NDArray[np.integer[Any]],
        *,
        scale_x: float = 1.0,
        scale_y: float = 1.0,
        offset_x: int = 0,
        offset_y: int = 0,
        strip_width: int | None = None,
    ) -> None:
        self.starts, self.widths, self.rows = starts, widths, rows
        self._strip_width = strip_width
        self.scale_x, self.scale_y = scale_x, scale_y
        self.offset_x, self.offset_y = offset_x, offset_y

    @property
    def strip_width(self) -> int:
        """Width of the strip at its natural size: from the first glyph's ink to the last's.

        With contour spacing a glyph may end right of the last one (a dot under
        a 7's bar): the layout is then made with its ``strip_width``.
        """
        if self._strip_width is not None:
            return self._strip_width
        return self.starts[-1] + self.widths[-1]

    @property
    def native(self) -> bool:
        """Whether the strip sits at its natural size (not resized to fit)."""
        return self.scale_x == 1.0 and self.scale_y == 1.0

    def boxes(self, shape: tuple[int, ...]) -> npt.NDArray[np.int32]:
        """``x0, y0, x1, y1`` of each glyph's ink in an output of ``shape``."""
        height, width = shape
        if self.native:
            return native_boxes(self.starts, self.widths, self.rows, self.offset_x, self.offset_y)
        starts = np.array(self.starts, np.intp)
        boxes = np.stack(
            [
                np.floor(starts * self.scale_x) + self.offset_x,
                np.floor(self.rows[:, 0] * self.scale_y) + self.offset_y,
                np.ceil((starts + self.widths) * self.scale_x) + self.offset_x,
                np.ceil(self.rows[:, 1] * self.scale_y) + self.offset_y,
            ],
            axis=1,
        )
        np.clip(boxes[:, 0::2], 0, width, out=boxes[:, 0::2])
        np.clip(boxes[:, 1::2], 0, height, out=boxes[:, 1::2])
        return boxes.astype(np.int32)


def native_boxes(
    starts: Any, widths: Any, rows: npt.NDArray[np.integer[Any]], offset_x: Any, offset_y: Any
) -> npt.NDArray[np.int32]:
    """:meth:`Layout.boxes` at native scale: the strip sits whole inside the image, so integer
    arithmetic without clipping gives the same boxes, 4x faster (offsets: one, or per glyph)."""
    native = np.empty((len(starts), 4), np.int32)
    native[:, 0] = starts
    native[:, 0] += offset_x
    native[:, 2] = native[:, 0] + widths
    native[:, 1::2] = rows
    native[:, 1::2] += np.reshape(offset_y, (-1, 1))
    return native


def layout_boxes(layouts: list[Layout], shape: tuple[int, ...]) -> list[npt.NDArray[np.int32]]:
    """:meth:`Layout.boxes` of each of ``layouts``, those at native scale measured together."""
    boxes = [None if layout.native else layout.boxes(shape) for layout in layouts]
    native = [layout for layout, box in zip(layouts, boxes) if box is None]
    if not native:
        return cast(list[npt.NDArray[np.int32]], boxes)
    counts = np.array([len(layout.starts) for layout in native], np.intp)
    together = native_boxes(
        list(chain.from_iterable(layout.starts for layout in native)),
        list(chain.from_iterable(layout.widths for layout in native)),
        np.concatenate([layout.rows for layout in native]).reshape(-1, 2),
        np.repeat([layout.offset_x for layout in native], counts),
        np.repeat([layout.offset_y for layout in native], counts),
    )
    parts = iter(np.split(together, np.cumsum(counts)[:-1]))
    return [next(parts) if box is None else box for box in boxes]


def arrange(glyphs: Glyphs, gaps: list[int]) -> Layout:
    """The strip: each glyph starts its width plus the gap after the previous one."""
    return Layout(strip_starts(glyphs.widths, gaps), glyphs.widths, glyphs.rows)


def strip_starts(widths: list[int], gaps: list[int]) -> list[int]:
    """Where each glyph starts: 0, then the previous start plus its width and the gap.

    Examples
    --------
    >>> strip_starts([5, 3, 4], [2, 0])
    [0, 7, 10]
    """
    return list(accumulate(map(add, widths, gaps), initial=0))


def place_stored(
    dataset: DigitDataset,
    indices: IntArray,
    gaps: list[int],
    height: int,
    width: int | None,
) -> tuple[U8Array, Layout] | None:
    """The glyphs ``indices`` as stored, side by side with ``gaps``, centred on paper
    ``width`` wide (``None``: the strip's own width); ``None`` when they need more.

    The common case of :func:`~.glyphs.native_glyphs`, :func:`arrange` and
    :func:`place_and_fit` with ``fit="pad"`` and no overlap, in one pass: each
    glyph's ink columns are copied straight from the dataset onto the paper, with
    no list of cropped views in between. The dataset's glyphs must be ``height``
    rows high (the caller checks); ``gaps`` must be non-negative.
    """
    extents = dataset.ink_extents.take(indices, 0)
    lefts, rights = extents[:, :2].T.tolist()
    widths = list(map(sub, rights, lefts))
    starts = strip_starts(widths, gaps)
    strip_width = starts[-1] + widths[-1]
    if width is None:
        width = strip_width
    elif strip_width > width:
        return None
    offset = centre_offset(width, strip_width)
    ink = np.zeros((height, width), np.uint8)
    images = dataset.images
    for i, left, right, x in zip(indices.tolist(), lefts, rights, starts):
        x += offset
        ink[:, x : x + right - left] = images[i, :, left:right]
    return ink, Layout(starts, widths, extents[:, 2:4], offset_x=offset)


def place_and_fit(
    glyphs: Glyphs, layout: Layout, shape: tuple[int, int | None], fit_mode: str, *, overlap: bool
) -> U8Array:
    """The ink of ``glyphs`` laid out by ``layout`` on an output of ``shape``.

    A width of ``None`` keeps the strip's natural width. ``layout`` is
    updated with where the strip landed.
    """
    height, width = shape
    strip_width = layout.strip_width
    target_width = strip_width if width is None else width
    if fit_mode == "pad" and strip_width <= target_width:
        offset = centre_offset(target_width, strip_width)
        ink = np.zeros((height, target_width), np.uint8)
        place(ink[:, offset:], glyphs.images, layout.starts, overlap=overlap)
        layout.offset_x = offset
        return ink
    strip = np.zeros((height, strip_width), np.uint8)
    place(strip, glyphs.images, layout.starts, overlap=overlap)
    return fit(strip, layout, target_width, fit_mode)


def centre_offset(width: Any, strip_width: Any) -> Any:
    """Where a strip that fits starts, centred on paper ``width`` wide (ints or arrays)."""
    return (width - strip_width) // 2


def place(canvas: U8Array, glyphs: list[U8Array], starts: list[int], *, overlap: bool) -> None:
    """Draw cropped glyphs at ``starts`` on a blank ``canvas``; overlapping ink merges with ``max``.

    With ``overlap``, a glyph clear of the glyphs already on ``canvas`` is
    copied there, else onto a second blank layer if clear of that one, else
    merged with ``max``; the layers are merged at the end. The same pixels as
    merging glyph by glyph (``max`` commutes), with plain copies for tucked-in
    neighbours, which alternate between the layers.
    """
    if not overlap:
        for glyph, x in zip(glyphs, starts):
            canvas[:, x : x + glyph.shape[1]] = glyph
        return
    second = np.zeros_like(canvas)
    end = second_end = 0
    for glyph, x in zip(glyphs, starts):
        width = glyph.shape[1]
        if end <= x:
            canvas[:, x : x + width] = glyph
            end = x + width
        elif second_end <= x:
            second[:, x : x + width] = glyph
            second_end = x + width
        else:
            region = canvas[:, x : x + width]
            np.maximum(region, glyph, out=region)
            end = max(end, x + width)
    if second_end:
        used = slice(starts[0], second_end)
        np.maximum(canvas[:, used], second[:, used], out=canvas[:, used])


def fit(strip: U8Array, layout: Layout, width: int, fit_mode: str) -> U8Array:
    """Resize a strip to ``width``: uniformly and centred (pad) or exactly (stretch).

    ``layout`` is updated with the scale and offset used.
    """
    import cv2

    height, strip_width = strip.shape
    scale_x = width / strip_width
    if fit_mode == "stretch":
        scale_y, new_height, y_offset = 1.0, height, 0
    else:
        scale_y = scale_x
        new_height = max(1, round(height * scale_x))
        y_offset = (height - new_height) // 2
    interpolation = cv2.INTER_AREA if scale_x < 1 else cv2.INTER_LINEAR
    resized = np.asarray(
        cv2.resize(strip, (width, new_height), interpolation=interpolation), np.uint8
    )
    if new_height == height:
        ink = resized
    else:
        ink = np.zeros((height, width), np.uint8)
        ink[y_offset : y_offset + new_height] = resized
    layout.scale_x, layout.scale_y, layout.offset_y = scale_x, scale_y, y_offset
    return ink


# Strings gathered and transposed together by place_stack: their columns stay in the cache.
_STACK_CHUNK = 32


def place_stack(
    canvases: U8Array, extents: IntArray, gaps: IntArray, lengths: IntArray, width: int
) -> tuple[U8Array, IntArray, IntArray]:
    """Many strings' glyphs placed at once, as :func:`arrange` and :func:`place_and_fit` place
    each (``fit="pad"``, no overlap): the same pixels, from array operations.

    Parameters
    ----------
    canvases:
        ``uint8`` ``(N, height, w)``: every string's glyphs on their canvases, string after
        string (0 = paper).
    extents:
        ``(N, 4)``: the columns ``x0, x1`` each glyph is cut to (at ``[:, 0]`` and
        ``[:, 2]``, as :func:`~number_generator._util.glyphs.ink_extents` gives them;
        at least one column), the whole height kept.
    gaps:
        ``(N,)``: the gap after each glyph, at least 0 (the last of each string's is not
        used).
    lengths:
        Glyphs of each string (each at least 1), summing to ``N``.
    width:
        The output's width.

    Returns
    -------
    The ink ``(B, height, width)`` (blank for a string wider than ``width``, which
    :func:`place_and_fit` would resize), each glyph's start in its strip (its
    :attr:`Layout.starts`) and each string's offset (:func:`centre_offset`); a string
    fits where its offset is at least 0.

    Examples
    --------
    >>> glyphs = np.zeros((3, 2, 4), np.uint8); glyphs[:, :, 1:3] = np.c_[[1, 2, 3]][:, None]
    >>> extents = np.array([[1, 0, 3, 2]] * 3)
    >>> gaps, lengths = np.array([1, 0, 0]), np.array([2, 1])
    >>> ink, starts, offsets = place_stack(glyphs, extents, gaps, lengths, 7)
    >>> ink[:, 0].tolist(), starts.tolist(), offsets.tolist()
    ([[0, 1, 1, 0, 2, 2, 0], [0, 0, 3, 3, 0, 0, 0]], [0, 3, 0], [1, 2])
    """
    import cv2

    count, (n, height, canvas_width) = lengths.size, canvases.shape
    x0, widths = extents[:, 0], extents[:, 2] - extents[:, 0]
    first = np.cumsum(lengths) - lengths
    text = np.repeat(np.arange(count), lengths)
    step = widths + gaps
    advance = np.cumsum(step) - step  # each glyph's start, the strings end to end
    starts = advance - advance[first][text]
    last = first + lengths - 1
    offsets: IntArray = centre_offset(width, starts[last] + widths[last])
    ink = np.empty((count, height, width), np.uint8)
    # Every canvas column a row of a table, row c * n + g for column c of glyph g (rows padded
    # to whole words: `take` copies them whole), then one blank row.
    row = -(-height // 8) * 8
    padded = np.zeros((n, row, canvas_width), np.uint8)
    padded[:, :height] = canvases
    blank = canvas_width * n
    table = np.empty((blank + 1, row), np.uint8)
    table[blank] = 0
    columns_of = table[:blank].reshape(canvas_width, n * row)
    cv2.transpose(padded.reshape(n * row, canvas_width), columns_of)
    steps = _table_steps(text, starts + offsets[text], x0, widths, offsets >= 0, width, n, blank)
    gathered = np.empty((width * _STACK_CHUNK, row), np.uint8)
    scratch = np.empty((_STACK_CHUNK * row, width), np.uint8)
    for a in range(0, count, _STACK_CHUNK):
        m = min(_STACK_CHUNK, count - a)
        # Output column x of string i of the chunk gathered as row x * m + i: the [width, m * row]
        # block is the chunk's images transposed.
        columns = gathered[: width * m]
        table.take(np.ascontiguousarray(steps[a : a + m].T).ravel(), 0, columns, "clip")
        images = ink[a : a + m].reshape(m * height, width) if row == height else scratch[: m * row]
        cv2.transpose(columns.reshape(width, m * row), images)
        if row != height:
            ink[a : a + m] = images.reshape(m, row, width)[:, :height]
    return ink, starts, offsets


def _table_steps(
    text: IntArray,
    x: IntArray,
    x0: IntArray,
    widths: IntArray,
    fits: npt.NDArray[np.bool_],
    width: int,
    n: int,
    blank: int,
) -> IntArray:
    """``(B, width)``: the table row (:func:`place_stack`'s) each output column reads.

    Column ``x`` reads row ``x * n + value``: inside glyph ``g`` (placed at ``x[g]``, cut from
    column ``x0[g]``) the value is ``(x0[g] - x[g]) * n + g``, so its columns read its canvas
    columns in turn; elsewhere it is ``blank``, the table's blank last row (past it, a
    clipped ``take`` reads that row). One ``repeat`` of the values along the map's runs.
    """
    placed = np.flatnonzero(fits[text])
    begin = text[placed] * width + x[placed]
    values = (x0[placed] - x[placed]) * n + placed
    steps = cast(IntArray, glyph_runs(begin, widths[placed], values, blank, (fits.size, width)))
    steps += np.arange(width) * n
    return steps


def glyph_runs(
    begin: IntArray,
    widths: IntArray,
    values: npt.NDArray[np.integer[Any]],
    blank: int,
    shape: tuple[int, int],
) -> npt.NDArray[np.integer[Any]]:
    """A map of ``shape`` (of ``values``' type) holding ``blank``, but ``values[g]`` in the
    ``widths[g]`` cells from flat position ``begin[g]`` (ascending runs, none overlapping):
    one ``repeat`` of the values along the runs. Batch composers gather output columns
    through such maps (a glyph's run, plus each column's own step, reads its columns).

    Examples
    --------
    >>> glyph_runs(np.array([1, 5]), np.array([2, 1]), np.array([7, 9]), 0, (2, 4)).tolist()
    [[0, 7, 7, 0], [0, 9, 0, 0]]
    """
    end = begin + widths
    lengths = np.empty(2 * begin.size + 1, np.intp)
    lengths[0:-1:2] = begin
    lengths[2:-1:2] -= end[:-1]
    lengths[1::2] = widths
    lengths[-1] = shape[0] * shape[1] - (end[-1] if end.size else 0)
    runs = np.full(lengths.size, blank, values.dtype)
    runs[1::2] = values
    cells: npt.NDArray[np.integer[Any]] = np.repeat(runs, lengths).reshape(shape)
    return cells
