"""Label-safe augmentation: redraw a stage's random parameters when a labelled digit fades.

After the **glyph** stage every glyph's clear ink is measured on its own canvas
(:func:`~.legibility.glyph_clear_ink`) against the floor of the glyph as stored
(:func:`~.legibility.ink_floor`); the glyphs below it have their glyph-stage
parameters redrawn, all of them together, up to :data:`MAX_REDRAWS` times; a
glyph still below it is used **without the glyph stage** (as stored, which always
meets the floor). After the **image** stage every labelled digit's clear ink is
measured inside its own ink mask (:class:`~.legibility.DigitInk`); if any is
below its floor the whole image stage is redrawn, up to :data:`MAX_REDRAWS`
times; then the image is kept **without the image stage**. This covers every
pipeline, a user's callables included, and every entry point that augments
(all of them draw through :meth:`~.generator.SequenceGenerator.draw`).

Redraws take their randomness from a generator derived from the random
stream's state (:func:`retry_generator`) without advancing it: a draw that
needs no redraw consumes the stream exactly as it would without this check,
and a redraw changes nothing but the image it repairs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .legibility import DigitInk, glyph_clear_ink

if TYPE_CHECKING:
    from ..augment import Pipeline

__all__ = [
    "MAX_REDRAWS",
    "Field",
    "Repairs",
    "kept_legible",
    "legible_glyphs",
    "legible_image",
    "retry_generator",
]

U8Array = npt.NDArray[np.uint8]
#: An image after the image stage and how the field moved (a 3x3 matrix, or ``None``).
Field = tuple[U8Array, npt.NDArray[np.float64] | None]
IntArray = npt.NDArray[np.intp]

#: Redraws of a stage's parameters before the fallback (the stage left out) is used.
MAX_REDRAWS = 8
_GLYPH_STAGE, _IMAGE_STAGE = 1, 2


@dataclass
class Repairs:
    """What label safety changed in one image (all zero for almost every image).

    Attributes
    ----------
    glyph_redraws:
        Glyphs whose glyph-stage parameters were redrawn.
    glyph_fallbacks:
        Of those, glyphs still below the floor after :data:`MAX_REDRAWS`
        redraws, drawn without the glyph stage.
    image_redraws:
        Times the image stage was redrawn.
    image_fallback:
        ``True`` when no image stage in :data:`MAX_REDRAWS` redraws kept every
        digit above the floor, so the image was kept without it.
    """

    glyph_redraws: int = 0
    glyph_fallbacks: int = 0
    image_redraws: int = 0
    image_fallback: bool = False


def retry_generator(
    rng: np.random.Generator, stage: int, item: int | None = None
) -> np.random.Generator:
    """A generator seeded from ``rng``'s next draw, ``stage`` and ``item`` (when given: which
    of several images or strings drawn from one stream), leaving ``rng`` as it was."""
    peek = np.random.Generator(_twin(rng.bit_generator))
    key = [int(peek.integers(2**63)), stage]
    return np.random.default_rng(key if item is None else [*key, item])


# Bit generators whose copy is made anew and given the state (see _twin).
_NUMPY_BITS = (
    np.random.PCG64,
    np.random.PCG64DXSM,
    np.random.MT19937,
    np.random.Philox,
    np.random.SFC64,
)


def _twin(bits: np.random.BitGenerator) -> np.random.BitGenerator:
    """A copy of ``bits`` at its state: NumPy's own kinds made anew and given the state
    (a third of the time of ``copy.deepcopy``), any other kind deep-copied."""
    if type(bits) not in _NUMPY_BITS:
        return copy.deepcopy(bits)
    twin = type(bits)(0)
    twin.state = bits.state
    return twin


def legible_glyphs(
    pipeline: Pipeline,
    canvas: Callable[[IntArray], U8Array],
    transformed: U8Array,
    floor: IntArray,
    rng: np.random.Generator,
    repairs: Repairs,
    item: int | None = None,
) -> U8Array:
    """``transformed`` (the glyph stage's output) with every glyph at or above its floor.

    Parameters
    ----------
    pipeline:
        The augmentation whose glyph stage made ``transformed``.
    canvas:
        Fresh untransformed canvases of the glyphs at the given positions.
    transformed:
        The glyph stage's output, a stack with one glyph per position; replaced in place.
    floor:
        The floor of each glyph (:func:`~.legibility.stored_floor`).
    rng:
        The random stream the glyph stage drew from (not advanced here).
    repairs:
        Updated with what was redrawn.
    item:
        Which string of a batch whose glyph stage drew from one stream (keys the redraws).
    """
    bad = np.flatnonzero(glyph_clear_ink(transformed) < floor)
    if not bad.size:
        return transformed
    repairs.glyph_redraws += bad.size
    retry = retry_generator(rng, _GLYPH_STAGE, item)
    for _ in range(MAX_REDRAWS):
        redrawn = pipeline.transform_glyphs(canvas(bad), retry)
        passed = glyph_clear_ink(redrawn) >= floor[bad]
        transformed[bad[passed]] = redrawn[passed]
        bad = bad[~passed]
        if not bad.size:
            return transformed
    repairs.glyph_fallbacks += bad.size
    transformed[bad] = canvas(bad)
    return transformed


def legible_image(
    run: Callable[[U8Array, np.random.Generator], Field],
    ink: U8Array,
    boxes: Callable[[], npt.NDArray[np.int32]],
    area: float,
    rng: np.random.Generator,
    repairs: Repairs,
) -> Field:
    """The image stage ``run(ink, rng)`` of ``ink``, redrawn until every digit meets its floor.

    Parameters
    ----------
    run:
        The image stage: ``(image, generator) -> (image, warp)``, the warp being how
        the field moved (a 3x3 matrix, or ``None``), as
        :meth:`~number_generator.augment.Pipeline.transform_field` returns.
    ink:
        The image before the image stage.
    boxes:
        The labelled digits' boxes in ``ink`` (asked for only when the stage changed it).
    area:
        The digits' scale relative to a :data:`~.legibility.REFERENCE_HEIGHT`-row glyph.
    rng:
        The random stream; the first run draws from it as it would unchecked.
    repairs:
        Updated with what was redrawn.
    """
    placed: U8Array = ink.copy()  # kept whole, whatever a user's callable does to its input
    field = run(ink, rng)
    unchanged = _unchanged(field[0], ink, placed)
    return kept_legible(run, placed, field, unchanged, boxes, area, rng, repairs)


def kept_legible(
    run: Callable[[U8Array, np.random.Generator], Field],
    placed: U8Array,
    field: Field,
    unchanged: bool,
    boxes: Callable[[], npt.NDArray[np.int32]],
    area: float,
    rng: np.random.Generator,
    repairs: Repairs,
    item: int | None = None,
) -> Field:
    """``field``, the image stage's first draw on ``placed``, or its redraw when it faded a digit.

    :func:`legible_image` after its first run (``unchanged``: that run left the image
    as drawn, which is legible by definition); the redraws use
    :func:`retry_generator` of ``rng`` and ``item`` (an image's number in a batch
    whose stage drew from one stream).
    """
    if unchanged:
        return field
    digits = DigitInk(placed, boxes(), area)
    if digits.legible(field[0]):
        return field
    retry = retry_generator(rng, _IMAGE_STAGE, item)
    for _ in range(MAX_REDRAWS):
        repairs.image_redraws += 1
        fresh = placed.copy()
        field = run(fresh, retry)
        if _unchanged(field[0], fresh, placed) or digits.legible(field[0]):
            return field
    repairs.image_fallback = True
    return placed, None


def _unchanged(out: U8Array, given: U8Array, placed: U8Array) -> bool:
    """Whether the image stage left the image as drawn (no transform applied), which is
    legible by definition; the stage returns the very array it was given then."""
    return out is given and np.array_equal(out, placed)
