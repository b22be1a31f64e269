"""Glyph geometry shared by the composer, augmentation and separators: crop to ink, rescale."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]
# Stacks of more glyphs than this are measured with NumPy reductions, not one OpenCV call each.
_FEW_GLYPHS = 32
_WORD = 8  # bytes of the words whose OR tells a row's or a column's ink


def crop_to_ink(glyph: U8Array) -> tuple[U8Array, tuple[int, int]]:
    """``glyph`` cut to its ink columns, and its ``(top, bottom)`` ink rows (bottom exclusive).

    A glyph without ink keeps one blank column and spans its full height.
    """
    cols = np.flatnonzero(glyph.max(axis=0))
    if not cols.size:
        return glyph[:, :1], (0, glyph.shape[0])
    rows = np.flatnonzero(glyph.max(axis=1))
    return glyph[:, cols[0] : cols[-1] + 1], (int(rows[0]), int(rows[-1]) + 1)


def ink_extents(stack: U8Array) -> IntArray:
    """The ink box of each image of a stack ``(n, height, width)``: ``(n, 4)`` rows of
    ``x0, y0, x1, y1`` (ends exclusive), all 0 for an image without ink.

    Examples
    --------
    >>> stack = np.zeros((2, 4, 5), np.uint8); stack[0, 1:3, 2] = 9
    >>> ink_extents(stack).tolist()
    [[2, 1, 3, 3], [0, 0, 0, 0]]
    """
    if len(stack) > _FEW_GLYPHS:  # many: two reductions over the stack beat a call per glyph
        return _stack_extents(stack)
    import cv2

    extents = np.array([cv2.boundingRect(glyph) for glyph in stack], np.intp).reshape(-1, 4)
    extents[:, 2:] += extents[:, :2]  # x0, y0, width, height -> x0, y0, x1, y1
    return extents


def _stack_extents(stack: U8Array) -> IntArray:
    """:func:`ink_extents` from the stack's ink rows and columns, in NumPy: the bytes OR-ed
    a machine word at a time, along each short axis by a few in-place ``|=`` (far faster
    than a NumPy reduction over an axis this short)."""
    n, height, width = stack.shape
    extents = np.zeros((n, 4), np.intp)
    if not (n and height and width):
        return extents
    if width % _WORD:  # blank columns up to a whole number of words
        padded = np.zeros((n, height, width + _WORD - width % _WORD), np.uint8)
        padded[:, :, :width] = stack
        stack = padded
    words = np.ascontiguousarray(stack).view(np.uint64)  # (n, height, words per row)
    rows = _or_along(np.moveaxis(words, 2, 0)) != 0
    cols = _or_along(np.moveaxis(words, 1, 0)).view(np.uint8)[:, :width] != 0  # byte per column
    extents[:, 0] = cols.argmax(axis=1)
    extents[:, 1] = rows.argmax(axis=1)
    extents[:, 2] = width - cols[:, ::-1].argmax(axis=1)
    extents[:, 3] = height - rows[:, ::-1].argmax(axis=1)
    extents[~rows.any(axis=1)] = 0
    return extents


def _or_along(parts: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The bitwise OR of ``parts[0], parts[1], ...`` (a new array)."""
    out: npt.NDArray[np.uint64] = parts[0].copy()
    for part in parts[1:]:
        out |= part
    return out


def crop_stack(stack: U8Array) -> tuple[list[U8Array], IntArray]:
    """:func:`crop_to_ink` of every glyph of a stack ``(n, height, width)``, at once.

    Returns the cropped glyphs (views) and their ``(top, bottom)`` ink rows, ``(n, 2)``.
    """
    extents = ink_extents(stack)
    extents[extents[:, 2] == 0] = (0, 0, 1, stack.shape[1])  # no ink: one blank column
    glyphs = [stack[k, :, a:b] for k, (a, b) in enumerate(extents[:, 0::2].tolist())]
    return glyphs, extents[:, 1::2]


def scale_to_height(glyph: U8Array, height: int) -> U8Array:
    """``glyph`` resized to ``height`` rows with its aspect ratio kept (area when shrinking)."""
    import cv2

    scale = height / glyph.shape[0]
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    size = (max(1, round(glyph.shape[1] * scale)), height)
    return np.asarray(cv2.resize(glyph, size, interpolation=interpolation), np.uint8)
