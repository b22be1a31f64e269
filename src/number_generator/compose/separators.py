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
* The symbols are also **aligned to the digits beside them** (the nearest
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

__all__ = [
    "BANK_SIZE",
    "GLYPH_SEPARATORS",
    "MIN_STROKE_GAP",
    "SYMBOLS",
    "align_symbol",
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
#: Symbols drawn as glyphs aligned to the digits beside them (drawn one image at a time).
SYMBOLS = ".,+():"
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
        _draw_symbol(canvas, char, thickness, rng)
    elif char == "-":
        length = rng.uniform(0.28, 0.5) * size
        y = rng.uniform(0.46, 0.6) * size
        rise = rng.uniform(-0.08, 0.04) * size
        _line(
            canvas,
            ((size - length) / 2, y - rise / 2),
            ((size + length) / 2, y + rise / 2),
            thickness,
        )
    else:  # "/"
        run = rng.uniform(0.3, 0.5) * size
        bottom, top = rng.uniform(0.76, 0.86) * size, rng.uniform(0.14, 0.24) * size
        _line(canvas, ((size - run) / 2, bottom), ((size + run) / 2, top), thickness)
    glyph = np.asarray(cv2.resize(canvas, (height, height), interpolation=cv2.INTER_AREA), np.uint8)
    cropped, rows = crop_to_ink(glyph)
    return np.ascontiguousarray(cropped), rows


#: Where the digits' ink sits in a glyph box, as fractions of its height: MNIST
#: centres each digit in a 20 px box of 28 rows (rows 4 to 24).
_DIGIT_TOP, _DIGIT_BOTTOM = 4 / 28, 24 / 28


def _draw_symbol(canvas: U8Array, char: str, thickness: int, rng: np.random.Generator) -> None:
    """Pen strokes of ``char`` (one of :data:`SYMBOLS`) on a square ``canvas``.

    Drawn for digits that fill rows ``_DIGIT_TOP`` to ``_DIGIT_BOTTOM``; the
    layout then moves the symbol to the digits actually beside it.
    """
    import cv2

    size = canvas.shape[0]
    centre, baseline = size / 2, _DIGIT_BOTTOM * size
    digit = (_DIGIT_BOTTOM - _DIGIT_TOP) * size
    slant = rng.uniform(0.05, 0.3)  # columns to the right per row up, as handwriting leans
    if char in ".,:":
        radius = rng.uniform(0.4, 0.6) * thickness
        if char == ":":
            low = baseline - rng.uniform(0.12, 0.22) * digit
            high = baseline - rng.uniform(0.55, 0.68) * digit
            heads = [low - radius, high - radius]
        else:
            heads = [baseline - radius]
        for y in heads:
            _dot(canvas, (centre + slant * (baseline - y), y), radius, rng)
        if char == ",":  # a tail from the head, down and to the left
            tail = rng.uniform(0.14, 0.24) * digit
            start = (centre + slant * radius, heads[0])
            end = (centre - rng.uniform(0.2, 0.5) * tail, baseline + tail)
            _line(canvas, start, end, max(1, round(thickness * rng.uniform(0.6, 0.85))))
    elif char == "+":
        arm = rng.uniform(0.22, 0.32) * digit
        tilt = rng.uniform(-0.12, 0.08)  # the bar's rise per column, like "-"
        across = arm * rng.uniform(0.85, 1.15)
        _line(
            canvas,
            (centre - across, centre + tilt * across),
            (centre + across, centre - tilt * across),
            thickness,
        )
        _line(
            canvas,
            (centre - slant * arm, centre + arm),
            (centre + slant * arm, centre - arm),
            thickness,
        )
    else:  # "(" or ")": the left or right side of a tall ellipse, leaning with the slant
        half_height = rng.uniform(0.56, 0.64) * digit
        half_width = rng.uniform(0.26, 0.4) * digit
        sweep = rng.uniform(48, 62)
        lean = -np.degrees(np.arctan(slant * half_height / max(half_width, 1.0))) * 0.2
        middle = 180.0 if char == "(" else 0.0
        x = centre + (half_width * 0.6 if char == "(" else -half_width * 0.6)
        cv2.ellipse(
            canvas,
            (round(x), round(centre)),
            (round(half_width), round(half_height)),
            lean,
            middle - sweep,
            middle + sweep,
            255,
            thickness,
            cv2.LINE_AA,
        )


def _line(
    canvas: U8Array, start: tuple[float, float], end: tuple[float, float], width: int
) -> None:
    import cv2

    a, b = (round(start[0]), round(start[1])), (round(end[0]), round(end[1]))
    cv2.line(canvas, a, b, 255, width, cv2.LINE_AA)


def _dot(canvas: U8Array, at: tuple[float, float], radius: float, rng: np.random.Generator) -> None:
    """A pen dot: a small filled ellipse, a little wider or taller at random."""
    import cv2

    axes = (max(1, round(radius * rng.uniform(0.85, 1.25))), max(1, round(radius)))
    angle = rng.uniform(0, 180)
    cv2.ellipse(canvas, (round(at[0]), round(at[1])), axes, angle, 0, 360, 255, -1, cv2.LINE_AA)


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
    gaps: npt.NDArray[np.intp],
    height: int,
    spacing: tuple[int, int],
    rng: np.random.Generator,
) -> tuple[Glyphs, npt.NDArray[np.intp], list[int], list[tuple[str, int, int]]]:
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
                gap = int(gaps[digit - 1])
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
                band = _band(digits.rows, digit)
                glyph, moved = align_symbol(char, glyph, glyph_rows, band, height)
                shift, glyph_rows = moved[0] - glyph_rows[0], moved
            strokes.append((char, variant, shift))
            placed.append(glyph)
            placed_rows.append(glyph_rows)
        previous_is_digit = is_digit
        extra = 0
    widths = np.array([g.shape[1] for g in placed], np.intp)
    rows = np.array(placed_rows, np.intp).reshape(-1, 2)
    return Glyphs(placed, widths, rows), np.array(placed_gaps, np.intp), digit_slots, strokes


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


def _band(rows: npt.NDArray[np.integer[Any]], next_digit: int) -> tuple[int, int]:
    """Mean top and bottom ink rows (rounded down) of the digits either side of a symbol."""
    beside = rows[max(next_digit - 1, 0) : next_digit + 1].tolist()
    return sum(top for top, _ in beside) // len(beside), sum(bot for _, bot in beside) // len(
        beside
    )


def align_symbol(
    char: str, glyph: U8Array, rows: tuple[int, int], band: tuple[int, int], height: int
) -> tuple[U8Array, tuple[int, int]]:
    """Move symbol ``char`` up or down to the digits whose ink spans rows ``band``.

    ``.``: its bottom on the band's bottom (the baseline); ``,``: its head on
    the baseline, the tail below; ``+ ( ) :``: centred on the band. A symbol
    never leaves the ``height`` rows. Returns the glyph and its new ink rows.

    Examples
    --------
    >>> dot = np.zeros((28, 3), np.uint8)
    >>> dot[22:25] = 200
    >>> moved, rows = align_symbol(".", dot, (22, 25), (6, 26), 28)
    >>> rows, int(moved[23:26].min())
    ((23, 26), 200)
    """
    top, bottom = rows
    if char == ".":
        shift = band[1] - bottom
    elif char == ",":
        shift = band[1] - round(_DIGIT_BOTTOM * height)
    else:
        shift = (band[0] + band[1] - top - bottom) // 2
    shift = min(max(shift, -top), height - bottom)
    if shift == 0:
        return glyph, rows
    moved = np.zeros_like(glyph)
    if shift > 0:
        moved[shift:] = glyph[:-shift]
    else:
        moved[:shift] = glyph[-shift:]
    return moved, (top + shift, bottom + shift)
