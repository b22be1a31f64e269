"""Label safety census: how many seeded digits of each preset fall below the legibility floor.

For each preset, renders ``IMAGES`` seeded images of ten random digits (width
400: padded, never scaled) and measures every digit with
:mod:`number_generator.compose.legibility`: its clear ink after the image stage
inside its own ink mask, against the floor. The ink before the image stage is
the same draw through the preset's glyph stage alone (the glyph stage consumes
the random stream identically). Also counted: digits left with fewer than
``MIN_CLEAR_PIXELS`` clear pixels (the issue's measure; the floor allows it for a
glyph that never had as many), and digits whose glyph stage alone already fell
below the floor of the glyph as stored; and the images label safety redrew
(:attr:`SequenceImage.repairs`) or kept without a stage.

Run alone: ``python benchmarks/bench_label_safety.py [--quick]``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

import number_generator
from number_generator import SequenceGenerator
from number_generator.augment import PRESETS, Pipeline, preset
from number_generator.compose import RenderOptions
from number_generator.compose.glyphs import GLYPH_MARGIN
from number_generator.compose.legibility import (
    MIN_CLEAR_PIXELS,
    DigitInk,
    placed_clear_ink,
    stored_floor,
)

DIGITS_PER_IMAGE = 10
WIDTH = 400


def census(name: str, images: int) -> dict[str, Any]:
    """Counts of digits below the floor for preset ``name`` over ``images`` seeded images."""
    dataset = number_generator.load_mnist()
    generator = SequenceGenerator(dataset)
    full = preset(name)
    glyph_only = Pipeline(full.glyph_transforms)
    options = RenderOptions((2, 8), WIDTH)
    counts = {
        "digits": 0,
        "below_floor": 0,
        "below_15_clear": 0,
        "glyph_stage_below_floor": 0,
        "images_redrawn": 0,
        "images_fallback": 0,
    }
    for seed in range(images):
        digits = np.random.default_rng([7, seed]).integers(0, 10, DIGITS_PER_IMAGE)
        text = "".join(map(str, digits.tolist()))
        final = generator.draw(text, options, full, np.random.default_rng(seed))
        before = generator.draw(text, options, glyph_only, np.random.default_rng(seed))
        digit_ink = DigitInk(before.ink, before.boxes, 1.0)
        survived = digit_ink.surviving(final.ink)
        glyph_ink = placed_clear_ink(before.ink, before.boxes, GLYPH_MARGIN)
        counts["digits"] += DIGITS_PER_IMAGE
        repairs = final.repairs
        counts["images_redrawn"] += bool(repairs.glyph_redraws or repairs.image_redraws)
        counts["images_fallback"] += bool(repairs.glyph_fallbacks or repairs.image_fallback)
        counts["below_floor"] += int((survived < digit_ink.floor).sum())
        counts["below_15_clear"] += int((survived < MIN_CLEAR_PIXELS).sum())
        counts["glyph_stage_below_floor"] += int(
            (glyph_ink < stored_floor(dataset, GLYPH_MARGIN)[final.indices]).sum()
        )
    return counts


def run(quick: bool) -> dict[str, Any]:
    images = 200 if quick else 2000
    return {name: census(name, images) for name in PRESETS}


if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv), indent=2))
