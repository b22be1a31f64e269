"""Augmented images a batch at once: the batch stream's path for ``augment=``.

:func:`draw_augmented` draws what :meth:`SequenceGenerator.draw
<.generator.SequenceGenerator.draw>` draws for each string, stage by stage for the
whole batch: every string's glyph choices and gaps (:func:`.glyphs.pick_glyphs`' rules,
``writer="same"`` included; for ``writer="any"`` drawn for all strings at once); the
**glyph** stage of every glyph at once
(:func:`~number_generator.augment.fused.transform_glyph_batch`: parameters drawn in
NumPy for all glyphs, the baseline wandering along each string, each glyph's
geometry one fused map); label safety for each string whose glyphs faded
(:func:`.safety.legible_glyphs`); the strings of digits that fit the width placed
together (:func:`.layout.place_stack`: the pixels and layouts of laying each out alone),
every other image laid out as one image is (:func:`.generator.lay_out`: separators,
symbols, spaces, contour spacing, fitting); then the **image** stage of the whole stack
(:meth:`~number_generator.augment.Pipeline.transform_images`; at the natural width,
:func:`augmented_images`, of each stack of images of one width), each image checked
and, if it faded a digit, its image stage redrawn (:func:`.safety.kept_legible`).

Seed contract: the same seed and options give the same images, byte for byte, but
not the images :meth:`~.generator.SequenceGenerator.draw` would draw one by one from
that seed (the numbers are drawn in another order, the geometry is resampled once,
the elastic field comes from a seeded bank): the distributions are the same. A glyph
stage holding a transform the batched stage does not understand (a user's
``Lambda`` or ``Transform``) is drawn image by image (:func:`batches_glyph_stage`
says which).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate, chain
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt

from .._util.glyphs import ink_extents
from .._util.params import MAX_DIGITS
from .._util.text import ASCII_ZERO
from ..errors import InvalidParameterError
from .generator import SequenceImage, lay_out, stage_area
from .glyphs import (
    GLYPH_MARGIN,
    DigitText,
    Glyphs,
    cropped_glyphs,
    glyph_canvases,
    pick_glyphs,
    prepare_glyphs,
    read_digits,
)
from .layout import Layout, layout_boxes, native_boxes, place_stack
from .legibility import glyph_clear_ink, legible_at_once, stored_floor
from .options import RenderOptions
from .safety import Field, Repairs, kept_legible, legible_glyphs
from .spacing import draw_gaps

if TYPE_CHECKING:
    from ..augment import Pipeline
    from ..datasets import DigitDataset

__all__ = ["STRINGS", "augmented_images", "batches_glyph_stage", "draw_augmented"]

#: Strings :func:`draw_augmented` draws together (a longer list: this many at a time).
STRINGS = 128

U8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]
Boxes = npt.NDArray[np.int32]


def batches_glyph_stage(pipeline: Pipeline | None) -> bool:
    """Whether :func:`draw_augmented` draws with ``pipeline`` (its glyph stage, if any, holds
    only transforms the batched glyph stage understands)."""
    if pipeline is None:
        return False
    from ..augment.fused import batch_plan

    return batch_plan(pipeline.glyph_transforms) is not None


def draw_augmented(
    dataset: DigitDataset,
    texts: list[str],
    options: RenderOptions,
    pipeline: Pipeline,
    rng: np.random.Generator,
) -> tuple[U8Array, list[SequenceImage]]:
    """The images of ``texts`` through ``pipeline`` (:func:`batches_glyph_stage`), drawn
    together at ``options.image_width`` (which must be set; :func:`augmented_images` draws
    at the natural width too).

    Returns the ink of every image, ``uint8`` ``(B, height, width)`` (0 = paper), and
    each as a :class:`~.generator.SequenceImage` (its ink a row of that stack). Many
    strings are drawn :data:`STRINGS` at a time, one after the other (the arrays of so
    many stay in the cache).
    """
    if options.image_width is None:
        raise InvalidParameterError(
            "draw_augmented stacks images of one width: image_width=None is not allowed; "
            "set options.image_width, or draw with augmented_images",
            param="image_width",
            value=None,
        )
    parts = [_draw_some(dataset, part, options, pipeline, rng) for part in _parts(texts)]
    if len(parts) == 1:
        (stack,), images = parts[0]
        return stack, images
    return np.concatenate([s for stacks, _ in parts for s in stacks]), [
        i for _, images in parts for i in images
    ]


def augmented_images(
    dataset: DigitDataset,
    texts: list[str],
    options: RenderOptions,
    pipeline: Pipeline,
    rng: np.random.Generator,
) -> list[SequenceImage]:
    """The images of ``texts`` as :func:`draw_augmented` draws them, at any width: at the
    natural width (``options.image_width=None``, each image as wide as its strip) the
    images of each :data:`STRINGS` strings are grouped by width and each group goes
    through the image stage together (the groups in the order of their first image);
    they come back in the order of ``texts``."""
    return [
        i for part in _parts(texts) for i in _draw_some(dataset, part, options, pipeline, rng)[1]
    ]


def _parts(texts: list[str]) -> list[list[str]]:
    """``texts`` by :data:`STRINGS` (at least one part)."""
    return [texts[k : k + STRINGS] for k in range(0, max(len(texts), 1), STRINGS)]


def _draw_some(
    dataset: DigitDataset,
    texts: list[str],
    options: RenderOptions,
    pipeline: Pipeline,
    rng: np.random.Generator,
) -> tuple[list[U8Array], list[SequenceImage]]:
    """At most :data:`STRINGS` images drawn together: the stack of each width (one at a
    fixed width), and the images in the order of ``texts``."""
    sequences = _read_texts(texts)
    for sequence in sequences:
        text = sequence.text
        options.check_string(sequence.values.size, None if text is None else len(text))
    picks = _pick(dataset, sequences, options, rng)
    repairs = [Repairs() for _ in texts]
    picked = [i for i, _ in picks]
    if pipeline.glyph_transforms:
        canvases = _glyph_stage(dataset, picked, pipeline, rng, repairs)
        inks, layouts, slots, glyph_boxes = _place(
            dataset, sequences, picks, canvases, options, pipeline, rng
        )
    else:
        height = options.image_height
        glyphs = [prepare_glyphs(dataset, i, height, None, rng, r) for i, r in zip(picked, repairs)]
        listed, layouts, slots = _lay_out_each(
            dataset, sequences, picks, glyphs, range(len(texts)), options, pipeline, rng
        )
        inks, glyph_boxes = _with_boxes(listed, layouts, options.image_width)
    groups = _by_width(inks)
    warps: list[npt.NDArray[np.float64] | None] = [None] * len(texts)
    if pipeline.image_transforms:
        boxes = [b if s is None else b[s] for b, s in zip(glyph_boxes, slots)]
        for stack, items in groups:
            group_warps = _image_stage(pipeline, stack, layouts, boxes, rng, repairs, items)
            for k, warp in zip(items, group_warps):
                warps[k] = warp
    images: list[SequenceImage | None] = [None] * len(texts)
    for stack, items in groups:
        for row, k in enumerate(items):
            indices = picks[k][0]
            images[k] = SequenceImage(
                stack[row],
                sequences[k].values,
                indices,
                layouts[k],
                text=sequences[k].text,
                digit_slots=slots[k],
                writer_ids=dataset.writers,
                warp=warps[k],
                repairs=repairs[k],
                glyph_boxes=glyph_boxes[k] if warps[k] is None else None,
            )
    return [stack for stack, _ in groups], cast(list[SequenceImage], images)


def _by_width(inks: U8Array | list[U8Array]) -> list[tuple[U8Array, list[int]]]:
    """The stack of each width among ``inks`` and which images it holds, in the order
    of each width's first image (``inks`` a stack already: itself, whole)."""
    if isinstance(inks, np.ndarray):
        return [(inks, list(range(len(inks))))]
    items: dict[int, list[int]] = {}
    for k, ink in enumerate(inks):
        items.setdefault(ink.shape[1], []).append(k)
    return [(np.stack([inks[k] for k in group]), group) for group in items.values()]


def _read_texts(texts: list[str]) -> list[DigitText]:
    """:func:`.glyphs.read_digits` of each of ``texts``; strings of digits alone (the usual
    batch) read all at once."""
    joined, lengths = "".join(texts), list(map(len, texts))
    plain = joined.isascii() and joined.isdigit() and min(lengths) > 0
    if not plain or max(lengths) > MAX_DIGITS:  # separators, or an error to raise
        return [read_digits(text) for text in texts]
    values = np.frombuffer(joined.encode("ascii"), np.uint8) - np.uint8(ASCII_ZERO)
    ends = accumulate(lengths)
    return [DigitText(values[end - n : end], None, t) for t, n, end in zip(texts, lengths, ends)]


def _pick(
    dataset: DigitDataset,
    sequences: list[DigitText],
    options: RenderOptions,
    rng: np.random.Generator,
) -> list[tuple[IntArray, list[int]]]:
    """Each string's glyphs (dataset indices) and gaps, by :func:`.glyphs.pick_glyphs`' rules:
    glyph ``k`` is number ``floor(u * count)`` of its class, each gap uniform on the
    spacing range; for ``writer="any"`` drawn for all the strings at once (every glyph's
    number, then every gap)."""
    spacing = options.spacing_range
    values = [sequence.values for sequence in sequences]
    counts = dataset.class_count
    if options.writer != "any" or not counts[np.concatenate(values)].all():
        # One writer per string (or a class missing: pick_glyphs says which).
        return [pick_glyphs(dataset, s, spacing, rng, options.writer) for s in sequences]
    digits = np.concatenate(values)
    lengths = np.array([v.size for v in values], np.intp)
    uniform = rng.random(2 * digits.size - len(values))
    numbers = (uniform[: digits.size] * counts[digits]).astype(np.intp)
    indices = dataset.class_order.take(dataset.class_start[digits] + numbers)
    gaps = draw_gaps(uniform[digits.size :], *spacing).tolist()
    ends, gap_ends = np.cumsum(lengths).tolist(), np.cumsum(lengths - 1).tolist()
    return [
        (indices[end - n : end], gaps[gap_end - n + 1 : gap_end])
        for n, end, gap_end in zip(lengths.tolist(), ends, gap_ends)
    ]


def _glyph_stage(
    dataset: DigitDataset,
    picks: list[IntArray],
    pipeline: Pipeline,
    rng: np.random.Generator,
    repairs: list[Repairs],
) -> U8Array:
    """Every string's glyphs through the glyph stage drawn at once: their canvases
    (:func:`.glyphs.glyph_canvases`), string after string."""
    from ..augment.fused import transform_glyph_batch

    indices = np.concatenate(picks)
    lengths = np.array([i.size for i in picks], np.intp)
    glyphs = glyph_canvases(dataset.images, indices)
    left, right, top, bottom = dataset.ink_extents.take(indices, 0).astype(np.intp).T
    extents = np.stack([left + GLYPH_MARGIN, top, right + GLYPH_MARGIN, bottom], axis=1)
    extents[right <= left] = 0  # a glyph without ink
    glyphs = transform_glyph_batch(pipeline.glyph_transforms, glyphs, lengths, rng, extents)
    floor = stored_floor(dataset, GLYPH_MARGIN)[indices]
    ends = np.cumsum(lengths)
    faded = np.flatnonzero(np.add.reduceat(glyph_clear_ink(glyphs) < floor, ends - lengths))
    for k in faded.tolist():  # a string with a faded glyph: its redraws, as one image's
        string = slice(ends[k] - lengths[k], ends[k])
        chosen = picks[k]

        def canvas(positions: IntArray, chosen: IntArray = chosen) -> U8Array:
            return glyph_canvases(dataset.images, chosen[positions])

        legible_glyphs(pipeline, canvas, glyphs[string], floor[string], rng, repairs[k], k)
    return glyphs


def _place(
    dataset: DigitDataset,
    sequences: list[DigitText],
    picks: list[tuple[IntArray, list[int]]],
    canvases: U8Array,
    options: RenderOptions,
    pipeline: Pipeline,
    rng: np.random.Generator,
) -> tuple[U8Array | list[U8Array], list[Layout], list[list[int] | None], list[Boxes]]:
    """Every string's glyphs (the glyph stage's ``canvases``) laid out, placed and fitted:
    the ink of all (one stack at a fixed width, else each image's), their layouts, digit
    slots and glyph boxes.

    Strings of digits alone that fit the width unscaled are placed together
    (:func:`.layout.place_stack`) when the options allow (``fit="pad"``, ink spacing
    without overlap, glyphs at the dataset's height); the others one by one
    (:func:`.generator.lay_out`), in order: only their separators draw from ``rng``.
    """
    count = len(sequences)
    lengths = np.array([i.size for i, _ in picks], np.intp)
    extents = ink_extents(canvases)
    extents[extents[:, 2] == 0] = (0, 0, 1, canvases.shape[1])  # no ink: one blank column
    alone: list[int] = list(range(count))
    layouts: list[Layout | None] = [None] * count
    boxes: list[Boxes | None] = [None] * count
    height, width = options.image_height, options.image_width
    if width is not None and options.side_by_side and height == canvases.shape[1]:
        gaps = np.fromiter(chain.from_iterable((*g, 0) for _, g in picks), np.intp, lengths.sum())
        ink, starts, offsets = place_stack(canvases, extents, gaps, lengths, width)
        together = (offsets >= 0) & np.array([s.text is None for s in sequences], np.bool_)
        alone = np.flatnonzero(~together).tolist()
        _native_layouts(extents, starts, offsets, lengths, together, layouts, boxes)
    slots: list[list[int] | None] = [None] * count
    if alone:
        ends = np.cumsum(lengths)
        chosen = np.concatenate([np.arange(ends[k] - lengths[k], ends[k]) for k in alone])
        every = cropped_glyphs(canvases[chosen], height)
        bounds = np.cumsum(lengths[alone]).tolist()
        glyphs = [
            Glyphs(every.images[a:b], every.widths[a:b], every.rows[a:b])
            for a, b in zip([0, *bounds], bounds)
        ]
        inks, alone_layouts, alone_slots = _lay_out_each(
            dataset, sequences, picks, glyphs, alone, options, pipeline, rng
        )
        if len(alone) == count:  # (always at the natural width: each as wide as its strip)
            every_ink, measured = _with_boxes(inks, alone_layouts, width)
            return every_ink, alone_layouts, alone_slots, measured
        for k, one, layout, digit_slots in zip(alone, inks, alone_layouts, alone_slots):
            ink[k], layouts[k], slots[k] = one, layout, digit_slots
            boxes[k] = layout.boxes(ink.shape[1:])
    return ink, cast(list[Layout], layouts), slots, cast(list[Boxes], boxes)


def _with_boxes(
    inks: list[U8Array], layouts: list[Layout], width: int | None
) -> tuple[U8Array | list[U8Array], list[Boxes]]:
    """Images laid out one by one: stacked at a set ``width`` (kept apart at the natural
    width), and each one's glyph boxes."""
    if width is None:
        return inks, [layout.boxes(ink.shape) for layout, ink in zip(layouts, inks)]
    stack = np.stack(inks)
    return stack, layout_boxes(layouts, stack.shape[1:])


def _native_layouts(
    extents: IntArray,
    starts: IntArray,
    offsets: IntArray,
    lengths: IntArray,
    together: npt.NDArray[np.bool_],
    layouts: list[Layout | None],
    boxes: list[Boxes | None],
) -> None:
    """The :class:`.layout.Layout` and glyph boxes of the strings ``together`` (placed by
    :func:`.layout.place_stack`) filled in."""
    text = np.repeat(np.arange(lengths.size), lengths)
    widths, rows = extents[:, 2] - extents[:, 0], extents[:, 1::2]
    every = native_boxes(starts, widths, rows, offsets[text], 0)
    ends, starts_list, widths_list = np.cumsum(lengths).tolist(), starts.tolist(), widths.tolist()
    offsets_list, lengths_list = offsets.tolist(), lengths.tolist()
    for k in np.flatnonzero(together).tolist():
        a, b = ends[k] - lengths_list[k], ends[k]
        layout = Layout(starts_list[a:b], widths_list[a:b], rows[a:b], offset_x=offsets_list[k])
        layouts[k], boxes[k] = layout, every[a:b]


def _lay_out_each(
    dataset: DigitDataset,
    sequences: list[DigitText],
    picks: list[tuple[IntArray, list[int]]],
    glyphs: list[Glyphs],
    items: Iterable[int],
    options: RenderOptions,
    pipeline: Pipeline,
    rng: np.random.Generator,
) -> tuple[list[U8Array], list[Layout], list[list[int] | None]]:
    """Strings ``items`` laid out one by one (:func:`.generator.lay_out`; ``glyphs``: theirs)."""
    inks, layouts, slots = [], [], []
    for k, prepared in zip(items, glyphs):
        indices, gaps = picks[k]
        ink, layout, digit_slots = lay_out(
            dataset, sequences[k], indices, gaps, prepared, options, pipeline, rng
        )
        inks.append(ink)
        layouts.append(layout)
        slots.append(digit_slots)
    return inks, layouts, slots


def _image_stage(
    pipeline: Pipeline,
    stack: U8Array,
    layouts: list[Layout],
    boxes: list[Boxes],
    rng: np.random.Generator,
    repairs: list[Repairs],
    items: list[int],
) -> list[npt.NDArray[np.float64] | None]:
    """The image stage of the whole ``stack`` (images ``items`` of ``layouts``, ``boxes``:
    each image's digits', and ``repairs``), in place; each image that it left with a digit
    below the legibility floor has its own stage redrawn. Returns how each field moved."""
    shape = stack.shape[1:]
    layouts = [layouts[k] for k in items]
    boxes = [boxes[k] for k in items]
    placed = stack.copy()
    out, warps = pipeline.transform_images(stack, rng, boxes if pipeline.uses_boxes else None)
    areas = np.array([stage_area(layout, shape) for layout in layouts])
    same = (out == placed).reshape(len(boxes), -1).all(axis=1)
    same &= np.array([warp is None for warp in warps], np.bool_)
    # Most changed images pass the legibility test measured for all at once; the others,
    # one by one.
    doubtful = ~same
    changed = np.flatnonzero(doubtful)
    measured = [boxes[k] for k in changed.tolist()]
    if changed.size:  # a small stack (one width's) may come out as drawn
        doubtful[changed] = ~legible_at_once(
            placed[changed], out[changed], measured, areas[changed]
        )
    for k in np.flatnonzero(doubtful).tolist():
        digit_box = boxes[k]

        def run(image: U8Array, stream: np.random.Generator, box: Boxes = digit_box) -> Field:
            return pipeline.transform_field(image, stream, box if pipeline.uses_boxes else None)

        def box_of(box: Boxes = digit_box) -> Boxes:
            return box

        field = (out[k], warps[k])
        item = items[k]
        out[k], warps[k] = kept_legible(
            run, placed[k], field, False, box_of, float(areas[k]), rng, repairs[item], item
        )
    if out is not stack:
        stack[...] = out
    return warps
