"""Glyphs ready to place: read the digits, pick a glyph of each, prepare it at the output height.

A glyph is prepared one of three ways: as stored, cropped to its ink columns
(the dataset's own height, no glyph augmentation: the fast path); scaled to
the output height; or through the glyph augmentation stage, then cropped to
its new ink and scaled.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .._util.glyphs import crop_stack, crop_to_ink, scale_to_height
from .._util.params import parse_digits
from .._util.text import digits_of, has_separators
from ..datasets import DigitDataset
from ..datasets.writers import writer_index
from ..errors import InvalidParameterError
from .legibility import stored_floor
from .safety import Repairs, legible_glyphs
from .spacing import draw_gaps

if TYPE_CHECKING:
    from ..augment import Pipeline

__all__ = [
    "GLYPH_MARGIN",
    "DigitText",
    "Glyphs",
    "cropped_glyphs",
    "glyph_canvases",
    "is_native",
    "missing_class",
    "pick_glyphs",
    "prepare_glyphs",
    "read_digits",
]

U8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]

#: Empty columns added on each side of a glyph before the glyph stage, so that
#: rotation, shear and distortion have room to widen it without shrinking.
GLYPH_MARGIN = 6


class DigitText(NamedTuple):
    """What to draw, read once: the digit values, and the text when it holds separators."""

    values: npt.NDArray[np.integer[Any]]
    text: str | None
    given: Any  # the caller's value, shown in errors


def read_digits(digits: Any) -> DigitText:
    """``digits`` (ints 0-9, or a string of digits and separators) as a :class:`DigitText`.

    A :class:`DigitText` is returned as it is.

    Examples
    --------
    >>> read_digits("09-1").values.tolist(), read_digits("09-1").text
    ([0, 9, 1], '09-1')
    """
    if isinstance(digits, DigitText):
        return digits
    # Separators ("-", "/", " ") in a string are drawn too (see .separators).
    text = digits if isinstance(digits, str) and has_separators(digits) else None
    return DigitText(parse_digits(digits if text is None else digits_of(text)), text, digits)


class Glyphs(NamedTuple):
    """Glyphs cropped to their ink columns, their widths and ``(top, bottom)`` ink rows."""

    images: list[U8Array]
    widths: list[int]
    rows: npt.NDArray[np.integer[Any]]


def pick_glyphs(
    dataset: DigitDataset,
    digits: DigitText,
    spacing: tuple[int, int],
    rng: np.random.Generator,
    writer: str = "any",
) -> tuple[IntArray, list[int]]:
    """A random glyph of each digit's class (dataset indices) and the gaps between them.

    One draw for everything: the glyph choices first, then the gaps, then (for
    ``writer="same"``) the writer, whose glyphs the choices are taken among.
    Glyph ``k`` is number ``floor(u[k] * count)`` of its class (in
    :attr:`DigitDataset.class_order`), ``u`` the draw.
    """
    values = digits.values
    n = values.size
    count, start, empty = _class_lists(dataset)
    classes = values.tolist()
    if empty and not empty.isdisjoint(classes):
        raise _missing_digits(dataset, digits)
    if writer == "same":
        uniform = rng.random(2 * n)
        # Glyph numbers first, the writer's last: uniform[:n] and uniform[-1].
        indices = writer_index(dataset).draw_one(values, uniform[:n], float(uniform[-1]), rng)
        return indices, draw_gaps(uniform[n:-1].tolist(), *spacing)
    # Per digit in Python: fewer array calls than array arithmetic for strings this short.
    # float * int truncated by int() is the float64 product cast to intp: the same picks.
    uniform = rng.random(2 * n - 1).tolist()
    picks = [start[d] + int(u * count[d]) for d, u in zip(classes, uniform)]
    return dataset.class_order.take(picks), draw_gaps(uniform[n:], *spacing)


_CLASS_LISTS: weakref.WeakKeyDictionary[DigitDataset, tuple[list[int], list[int], frozenset[int]]]
_CLASS_LISTS = weakref.WeakKeyDictionary()


def _class_lists(dataset: DigitDataset) -> tuple[list[int], list[int], frozenset[int]]:
    """Each class's glyph count and first position in ``class_order``, and the empty classes."""
    lists = _CLASS_LISTS.get(dataset)
    if lists is None:
        count = dataset.class_count.tolist()
        empty = frozenset(d for d, c in enumerate(count) if c == 0)
        lists = _CLASS_LISTS[dataset] = (count, dataset.class_start.tolist(), empty)
    return lists


def _missing_digits(dataset: DigitDataset, digits: DigitText) -> InvalidParameterError:
    values = digits.values
    return missing_class(dataset, values[dataset.class_count[values] == 0], "digits", digits.given)


def missing_class(
    dataset: DigitDataset, classes: npt.NDArray[np.integer[Any]], param: str, value: Any
) -> InvalidParameterError:
    """The error for digits of ``classes`` that ``dataset`` holds no glyph of."""
    missing = sorted(set(classes.tolist()))
    return InvalidParameterError(
        f"{param}: the dataset {dataset.name!r} has no glyph of class {missing}",
        param=param,
        value=value,
    )


def prepare_glyphs(
    dataset: DigitDataset,
    indices: IntArray,
    height: int,
    pipeline: Pipeline | None,
    rng: np.random.Generator,
    repairs: Repairs,
) -> Glyphs:
    """The glyphs ``indices`` at ``height`` rows, through the glyph stage of ``pipeline``.

    Label safety (:mod:`.safety`) redraws the glyph stage of a glyph it fades and
    records that in ``repairs``.
    """
    if pipeline is not None and pipeline.glyph_transforms:
        floor = stored_floor(dataset, GLYPH_MARGIN)[indices]
        return augmented_glyphs(pipeline, dataset.images, indices, height, rng, repairs, floor)
    if height == dataset.glyph_shape[0]:
        return native_glyphs(dataset, indices)
    return scaled_glyphs(dataset, indices, height)


def is_native(dataset: DigitDataset, height: int, pipeline: Pipeline | None) -> bool:
    """Whether :func:`prepare_glyphs` gives the glyphs as stored (:func:`native_glyphs`)."""
    no_glyph_stage = pipeline is None or not pipeline.glyph_transforms
    return no_glyph_stage and height == dataset.glyph_shape[0]


def native_glyphs(dataset: DigitDataset, indices: IntArray) -> Glyphs:
    """The glyphs as stored, cut to their ink columns (views, no copy)."""
    images, extents = dataset.images, dataset.ink_extents.take(indices, 0)
    glyphs, widths = [], []
    for i, (left, right, _, _) in zip(indices.tolist(), extents.tolist()):
        glyphs.append(images[i, :, left:right])
        widths.append(right - left)
    return Glyphs(glyphs, widths, extents[:, 2:4])


def scaled_glyphs(dataset: DigitDataset, indices: IntArray, height: int) -> Glyphs:
    """Glyphs resized to ``height`` (aspect kept), re-cropped to their ink columns."""
    extents = dataset.ink_extents.take(indices, 0).tolist()
    glyphs: list[U8Array] = []
    rows: list[tuple[int, int]] = []
    for i, (left, right, _, _) in zip(indices.tolist(), extents):
        glyph, ink_rows = crop_to_ink(scale_to_height(dataset.images[i, :, left:right], height))
        glyphs.append(glyph)
        rows.append(ink_rows)
    return Glyphs(glyphs, _widths(glyphs), np.array(rows, np.intp).reshape(-1, 2))


def augmented_glyphs(
    pipeline: Pipeline,
    images: U8Array,
    indices: IntArray,
    height: int,
    rng: np.random.Generator,
    repairs: Repairs,
    floor: IntArray,
) -> Glyphs:
    """Run the glyph stage on the full glyphs ``images[indices]``; crop to ink, scale to ``height``.

    A glyph the stage leaves below the legibility floor is redrawn
    (:func:`~.safety.legible_glyphs`; ``floor``: each glyph's, see
    :func:`~.legibility.stored_floor`). Returns the glyphs cropped to their ink
    columns (height ``height``) and the ``(top, bottom)`` ink rows of each, as
    the composer needs them.
    """

    def canvas(positions: IntArray) -> U8Array:
        return glyph_canvases(images, indices[positions])

    transformed = pipeline.transform_glyphs(canvas(np.arange(len(indices))), rng)
    transformed = legible_glyphs(pipeline, canvas, transformed, floor, rng, repairs)
    return cropped_glyphs(transformed, height)


def glyph_canvases(images: U8Array, indices: IntArray) -> U8Array:
    """The glyphs ``images[indices]`` on the glyph stage's canvas: :data:`GLYPH_MARGIN` blank
    columns added on each side."""
    n, glyph_height, glyph_width = len(indices), images.shape[1], images.shape[2]
    padded = np.zeros((n, glyph_height, glyph_width + 2 * GLYPH_MARGIN), np.uint8)
    padded[:, :, GLYPH_MARGIN : GLYPH_MARGIN + glyph_width] = images[indices]
    return padded


def cropped_glyphs(transformed: U8Array, height: int) -> Glyphs:
    """The glyph stage's output canvases cropped to their ink columns, at ``height`` rows."""
    # A glyph without ink (a blank glyph in the dataset) keeps one blank column.
    glyphs, rows = crop_stack(transformed)
    if height != transformed.shape[1]:  # resize the glyphs cropped to their ink, as the fast path
        cropped = [crop_to_ink(scale_to_height(glyph, height)) for glyph in glyphs]
        glyphs = [glyph for glyph, _ in cropped]
        rows = np.array([ink_rows for _, ink_rows in cropped], np.intp).reshape(-1, 2)
    return Glyphs(glyphs, _widths(glyphs), rows)


def _widths(glyphs: list[U8Array]) -> list[int]:
    return [g.shape[1] for g in glyphs]
