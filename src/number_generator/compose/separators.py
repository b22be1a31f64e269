"""Separators and symbols inside digit strings: pen strokes, and the space as a gap.

Templates such as ``0##-####-####``, ``#,###.##``, ``(0#) ####-####`` or
``##:##`` put separators between digits. They are drawn, not skipped, so a
recognizer learns to see past them:

* ``-``, ``/`` and the symbols ``. , + ( ) :`` (:data:`SYMBOLS`) become
  **synthetic glyphs**: antialiased pen strokes of MNIST-like thickness, size
  and slant (dots, a comma's tail, a cross, arcs), one of a fixed bank of
  variants per character and image height (the bank is generated from a
  constant seed, so output stays reproducible). They sit between the digits
  like any glyph, with a gap drawn from the spacing range (at least
  :data:`MIN_STROKE_GAP` px, so a stroke never merges into a digit).
* The symbols are also **aligned to the digits beside them** (:mod:`.symbols`; the nearest
  digit on each side; their mean top and bottom ink rows): ``.`` sits with
  its bottom on the digits' baseline, ``,`` with its head on the baseline and
  its tail below, ``+ ( ) :`` centred on the digits' height (parentheses are
  taller than the digits, so they span them). ``-`` and ``/`` keep their own
  height, as they always have.
* a space becomes a **wider gap**: the usual gap plus 1/3 to 2/3 of the image
  height (:func:`space_width`). Leading and trailing spaces draw nothing.

These rules are used by both drawing paths: one image at a time
(:func:`layout_separators`) and a whole batch at once (:mod:`.batch`).
Whether the separators also appear in a label is the caller's choice
(``keep_separators`` in the export and batch APIs).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from .._util.glyphs import crop_to_ink
from .glyphs import Glyphs
from .spacing import ProfileArray, row_profiles
from .symbols import SYMBOLS, align_symbol, digit_band, draw_symbol, pen_line

__all__ = [
    "BANK_SIZE",
    "GLYPH_SEPARATORS",
    "MIN_STROKE_GAP",
    "layout_separators",
    "pick_variant",
    "separator_bank",
    "space_width",
    "stroke_profiles",
    "stroke_spacing",
]

#: Separators drawn as glyphs at their own height, in the order of their banks (the
#: vectorized batch path draws these; the space is a gap).
GLYPH_SEPARATORS = "-/"
#: Variants of each separator glyph at each height.
BANK_SIZE = 64
#: Fewest pixels of paper between a ``-``/``/`` stroke and a neighbouring glyph.
MIN_STROKE_GAP = 1

_BANK_SEED = 0x5E9A
_SUPERSAMPLE = 4

U8Array = npt.NDArray[np.uint8]


@lru_cache(maxsize=64)
def separator_bank(char: str, height: int) -> tuple[tuple[U8Array, tuple[int, int]], ...]:
    """The fixed variants of separator ``char`` at ``height``: (glyph cropped to ink, rows)."""
    rng = np.random.default_rng([_BANK_SEED, ord(char), height])
    return tuple(_draw(char, height, rng) for _ in range(BANK_SIZE))


def _draw(char: str, height: int, rng: np.random.Generator) -> tuple[U8Array, tuple[int, int]]:
    """One pen stroke for ``char``, proportioned like an MNIST digit of the same height."""
    import cv2

    size = height * _SUPERSAMPLE
    canvas = np.zeros((size, size), np.uint8)
    thickness = max(1, round(rng.uniform(0.08, 0.13) * size))
    if char in SYMBOLS:
        draw_symbol(canvas, char, thickness, rng)
    elif char == "-":
        length = rng.uniform(0.28, 0.5) * size
        y = rng.uniform(0.46, 0.6) * size
        rise = rng.uniform(-0.08, 0.04) * size
        pen_line(
            canvas,
            ((size - length) / 2, y - rise / 2),
            ((size + length) / 2, y + rise / 2),
            thickness,
        )
    else:  # "/"
        run = rng.uniform(0.3, 0.5) * size
        bottom, top = rng.uniform(0.76, 0.86) * size, rng.uniform(0.14, 0.24) * size
        pen_line(canvas, ((size - run) / 2, bottom), ((size + run) / 2, top), thickness)
    glyph = np.asarray(cv2.resize(canvas, (height, height), interpolation=cv2.INTER_AREA), np.uint8)
    cropped, rows = crop_to_ink(glyph)
    return np.ascontiguousarray(cropped), rows


@overload
def pick_variant(rng: np.random.Generator, size: None = None) -> int: ...
@overload
def pick_variant(rng: np.random.Generator, size: int) -> npt.NDArray[np.intp]: ...
def pick_variant(rng: np.random.Generator, size: int | None = None) -> Any:
    """Which variant of a separator's bank to draw (``size`` of them for an array)."""
    variants = rng.integers(BANK_SIZE, size=size)
    return variants if size is not None else int(variants)


@overload
def space_width(height: int, rng: np.random.Generator, size: None = None) -> int: ...
@overload
def space_width(height: int, rng: np.random.Generator, size: int) -> npt.NDArray[np.intp]: ...
def space_width(height: int, rng: np.random.Generator, size: int | None = None) -> Any:
    """Extra gap a space adds, 1/3 to 2/3 of ``height`` (``size`` of them for an array)."""
    widths = rng.integers(height // 3, (2 * height) // 3 + 1, size)
    return widths if size is not None else int(widths)


def stroke_spacing(spacing: tuple[int, int]) -> tuple[int, int]:
    """The spacing range beside a ``-``/``/`` stroke: both ends at least :data:`MIN_STROKE_GAP`."""
    return max(spacing[0], MIN_STROKE_GAP), max(spacing[1], MIN_STROKE_GAP)


def layout_separators(
    text: str,
    digits: Glyphs,
    gaps: list[int],
    height: int,
    spacing: tuple[int, int],
    rng: np.random.Generator,
) -> tuple[Glyphs, list[int], list[int], list[tuple[str, int, int]]]:
    """Insert separator glyphs and space gaps among the digit glyphs of ``text``.

    ``digits`` and ``gaps`` describe the digits alone, in order. Returns the
    glyphs to place, the gaps between them, the position of each digit among
    them, and each separator glyph's character, bank variant and row shift
    (for :func:`stroke_profiles`).
    """
    low, high = stroke_spacing(spacing)
    placed: list[U8Array] = []
    placed_rows: list[tuple[int, int]] = []
    placed_gaps: list[int] = []
    digit_slots: list[int] = []
    strokes: list[tuple[str, int, int]] = []
    digit = extra = 0
    previous_is_digit = False
    for char in text:
        if char == " ":
            extra += space_width(height, rng) if placed else 0
            continue
        is_digit = "0" <= char <= "9"
        if placed:
            if is_digit and previous_is_digit:  # a space between digits never overlaps them
                gap = gaps[digit - 1]
                gap = max(gap, 0) + extra if extra else gap
            else:
                gap = int(rng.integers(low, high + 1)) + extra
            placed_gaps.append(gap)
        if is_digit:
            digit_slots.append(len(placed))
            placed.append(digits.images[digit])
            placed_rows.append((int(digits.rows[digit][0]), int(digits.rows[digit][1])))
            digit += 1
        else:
            variant = pick_variant(rng)
            glyph, glyph_rows = separator_bank(char, height)[variant]
            shift = 0
            if char in SYMBOLS:
                band = digit_band(digits.rows, digit)
                glyph, moved = align_symbol(char, glyph, glyph_rows, band, height)
                shift, glyph_rows = moved[0] - glyph_rows[0], moved
            strokes.append((char, variant, shift))
            placed.append(glyph)
            placed_rows.append(glyph_rows)
        previous_is_digit = is_digit
        extra = 0
    widths = [g.shape[1] for g in placed]
    rows = np.array(placed_rows, np.intp).reshape(-1, 2)
    return Glyphs(placed, widths, rows), placed_gaps, digit_slots, strokes


@lru_cache(maxsize=64)
def _bank_profiles(char: str, height: int) -> ProfileArray:
    return row_profiles([glyph for glyph, _ in separator_bank(char, height)])


def stroke_profiles(strokes: list[tuple[str, int, int]], height: int) -> ProfileArray:
    """Row profiles (:func:`.spacing.row_profiles`) of the separator glyphs ``strokes``.

    Each is ``(char, variant, shift)`` as :func:`layout_separators` reports it;
    the bank's profiles are computed once and moved by ``shift`` rows.
    """
    profiles = np.empty((2, len(strokes), height), np.int32)
    for k, (char, variant, shift) in enumerate(strokes):
        profiles[:, k] = _stroke_profile(char, height, variant, shift)
    return profiles


@lru_cache(maxsize=4096)
def _stroke_profile(char: str, height: int, variant: int, shift: int) -> ProfileArray:
    """One variant's profile moved down ``shift`` rows (the rows rolled round hold no ink)."""
    return np.roll(_bank_profiles(char, height)[:, variant], shift, axis=1)
