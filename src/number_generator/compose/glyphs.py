"""Glyphs ready to place: the glyph augmentation stage, re-cropped to ink and scaled."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._util.glyphs import crop_to_ink, scale_to_height
from ..augment import Pipeline

U8Array = npt.NDArray[np.uint8]

#: Empty columns added on each side of a glyph before the glyph stage, so that
#: rotation, shear and distortion have room to widen it without shrinking.
GLYPH_MARGIN = 6


def augmented_glyphs(
    pipeline: Pipeline,
    images: U8Array,
    indices: npt.NDArray[np.intp],
    height: int,
    rng: np.random.Generator,
) -> tuple[list[U8Array], npt.NDArray[np.intp]]:
    """Run the glyph stage on the full glyphs ``images[indices]``; crop to ink, scale to ``height``.

    Returns the glyphs cropped to their ink columns (height ``height``) and
    the ``(top, bottom)`` ink rows of each, as the composer needs them.
    """
    n, glyph_height, glyph_width = len(indices), images.shape[1], images.shape[2]
    canvas = np.zeros((n, glyph_height, glyph_width + 2 * GLYPH_MARGIN), np.uint8)
    canvas[:, :, GLYPH_MARGIN : GLYPH_MARGIN + glyph_width] = images[indices]
    transformed = pipeline.transform_glyphs(canvas, rng)
    if height != glyph_height:  # crop to the ink columns, then resize, as the fast path does
        transformed = [scale_to_height(crop_to_ink(g)[0], height) for g in transformed]
    # A glyph whose ink is all gone (a user callable may do that) keeps one blank column.
    cropped = [crop_to_ink(glyph) for glyph in transformed]
    rows = np.array([ink_rows for _, ink_rows in cropped], np.intp)
    return [glyph for glyph, _ in cropped], rows.reshape(n, 2)
