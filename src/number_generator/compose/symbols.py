"""The symbols ``. , + ( ) :``: their pen strokes, and their place beside the digits.

A symbol is drawn once per bank variant (:func:`.separators.separator_bank`)
for digits that fill the rows MNIST gives them, then moved up or down at
layout time to the digits actually beside it (:func:`align_symbol`): ``.``
sits on their baseline, ``,`` hangs its tail below it, ``+ ( ) :`` are
centred on their height.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SYMBOLS", "align_symbol", "digit_band", "draw_symbol", "pen_line"]

U8Array = npt.NDArray[np.uint8]

#: Symbols drawn as glyphs aligned to the digits beside them (drawn one image at a time).
SYMBOLS = ".,+():"

#: Where the digits' ink sits in a glyph box, as fractions of its height: MNIST
#: centres each digit in a 20 px box of 28 rows (rows 4 to 24).
_DIGIT_TOP, _DIGIT_BOTTOM = 4 / 28, 24 / 28


def draw_symbol(canvas: U8Array, char: str, thickness: int, rng: np.random.Generator) -> None:
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
            pen_line(canvas, start, end, max(1, round(thickness * rng.uniform(0.6, 0.85))))
    elif char == "+":
        arm = rng.uniform(0.22, 0.32) * digit
        tilt = rng.uniform(-0.12, 0.08)  # the bar's rise per column, like "-"
        across = arm * rng.uniform(0.85, 1.15)
        pen_line(
            canvas,
            (centre - across, centre + tilt * across),
            (centre + across, centre - tilt * across),
            thickness,
        )
        pen_line(
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


def pen_line(
    canvas: U8Array, start: tuple[float, float], end: tuple[float, float], width: int
) -> None:
    """An antialiased stroke ``width`` pixels wide from ``start`` to ``end`` (x, y)."""
    import cv2

    a, b = (round(start[0]), round(start[1])), (round(end[0]), round(end[1]))
    cv2.line(canvas, a, b, 255, width, cv2.LINE_AA)


def _dot(canvas: U8Array, at: tuple[float, float], radius: float, rng: np.random.Generator) -> None:
    """A pen dot: a small filled ellipse, a little wider or taller at random."""
    import cv2

    axes = (max(1, round(radius * rng.uniform(0.85, 1.25))), max(1, round(radius)))
    angle = rng.uniform(0, 180)
    cv2.ellipse(canvas, (round(at[0]), round(at[1])), axes, angle, 0, 360, 255, -1, cv2.LINE_AA)


def digit_band(rows: npt.NDArray[np.integer[Any]], next_digit: int) -> tuple[int, int]:
    """Mean top and bottom ink rows (rounded down) of the digits either side of a symbol.

    ``rows`` are the digits' ``(top, bottom)`` ink rows; ``next_digit`` is the
    index of the first digit after the symbol (the one before it is ``next_digit - 1``).
    """
    beside = rows[max(next_digit - 1, 0) : next_digit + 1].tolist()
    count = len(beside)
    return sum(top for top, _ in beside) // count, sum(bottom for _, bottom in beside) // count


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
