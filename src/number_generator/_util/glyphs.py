"""Glyph geometry shared by the composer, augmentation and separators: crop to ink, rescale."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

U8Array = npt.NDArray[np.uint8]


def crop_to_ink(glyph: U8Array) -> tuple[U8Array, tuple[int, int]]:
    """``glyph`` cut to its ink columns, and its ``(top, bottom)`` ink rows (bottom exclusive).

    A glyph without ink keeps one blank column and spans its full height.
    """
    cols = np.flatnonzero(glyph.max(axis=0))
    if not cols.size:
        return glyph[:, :1], (0, glyph.shape[0])
    rows = np.flatnonzero(glyph.max(axis=1))
    return glyph[:, cols[0] : cols[-1] + 1], (int(rows[0]), int(rows[-1]) + 1)


def scale_to_height(glyph: U8Array, height: int) -> U8Array:
    """``glyph`` resized to ``height`` rows with its aspect ratio kept (area when shrinking)."""
    import cv2

    scale = height / glyph.shape[0]
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    size = (max(1, round(glyph.shape[1] * scale)), height)
    return np.asarray(cv2.resize(glyph, size, interpolation=interpolation), np.uint8)
