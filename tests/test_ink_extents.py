"""Measures of glyph stacks: ink boxes (the NumPy measure of many glyphs is OpenCV's, glyph by
glyph) and clear ink counts (those of each glyph alone, counted plainly)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from number_generator._util.glyphs import crop_stack, ink_extents
from number_generator.compose.legibility import CONTRAST, glyph_clear_ink


def _bounding_rects(stack: np.ndarray) -> np.ndarray:
    boxes = np.array([cv2.boundingRect(glyph) for glyph in stack], np.intp).reshape(-1, 4)
    boxes[:, 2:] += boxes[:, :2]
    boxes[boxes[:, 2] == boxes[:, 0]] = 0  # OpenCV: (0, 0, 0, 0) for a glyph without ink
    return boxes


@pytest.mark.parametrize("width", [40, 37, 42, 44, 1, 8])
@pytest.mark.parametrize("density", [0.002, 0.05, 0.5])
def test_a_stack_has_each_glyphs_bounding_rect(width: int, density: float) -> None:
    rng = np.random.default_rng(width)
    stack = (rng.random((300, 28, width)) < density).astype(np.uint8) * rng.integers(
        1, 256, (300, 28, width), dtype=np.uint8
    )
    stack[::7] = 0  # glyphs without ink
    stack[3, 0, 0] = stack[3, -1, -1] = 1  # ink at both corners
    stack[5, 27, width - 1] = 255  # a lone pixel in the last corner
    assert len(stack) > 32  # measured by the stack's rows and columns, not glyph by glyph
    assert ink_extents(stack).tolist() == _bounding_rects(stack).tolist()
    # A strided view measures as its copy does.
    assert ink_extents(stack[::2]).tolist() == _bounding_rects(stack[::2]).tolist()


def test_a_few_glyphs_and_none() -> None:
    stack = np.zeros((3, 28, 40), np.uint8)
    stack[1, 4:9, 10:12] = 200
    assert ink_extents(stack).tolist() == [[0, 0, 0, 0], [10, 4, 12, 9], [0, 0, 0, 0]]
    assert ink_extents(np.zeros((0, 28, 40), np.uint8)).shape == (0, 4)
    assert ink_extents(np.zeros((40, 28, 40), np.uint8)).tolist() == [[0, 0, 0, 0]] * 40


def test_a_cropped_stack_keeps_each_glyphs_ink_columns() -> None:
    rng = np.random.default_rng(3)
    stack = (rng.random((64, 28, 40)) < 0.01).astype(np.uint8) * 255
    stack[0] = 0
    glyphs, rows = crop_stack(stack)
    assert glyphs[0].shape == (28, 1) and rows[0].tolist() == [0, 28]
    for glyph, (top, bottom), full in zip(glyphs[1:], rows[1:].tolist(), stack[1:]):
        x, y, w, h = cv2.boundingRect(full)
        assert glyph.shape == (28, w) and (top, bottom) == (y, y + h)
        assert np.array_equal(glyph, full[:, x : x + w])


@pytest.mark.parametrize("height", [28, 300])
def test_clear_ink_is_each_glyphs_count_above_its_paper(height: int) -> None:
    rng = np.random.default_rng(height)
    stack = rng.integers(0, 256, (70, height, 40), dtype=np.uint8)
    stack[:, :, [0, -1]] = 0  # black paper: the contrast alone
    dark = [int(np.count_nonzero(glyph >= CONTRAST)) for glyph in stack]
    assert glyph_clear_ink(stack).tolist() == dark
    stack[:, :, [0, -1]] = rng.integers(0, 90, (70, height, 2))  # paper of each glyph's level
    levels = np.rint(stack[:, :, [0, -1]].mean(axis=(1, 2))) + CONTRAST
    light = [int(np.count_nonzero(g >= v)) for g, v in zip(stack, levels.tolist())]
    assert glyph_clear_ink(stack).tolist() == light
    full = np.full((3, 255, 40), 255, np.uint8)  # 255 rows of ink: a column's count is 255
    full[:, :, [0, -1]] = 0
    assert glyph_clear_ink(full).tolist() == [255 * 38] * 3
