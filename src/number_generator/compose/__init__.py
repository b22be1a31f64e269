"""Pixels: pick glyphs, prepare them, lay them out with gaps, place, fit the width, augment.

:class:`SequenceGenerator` draws for every entry point, one image at a time
(:meth:`~SequenceGenerator.render`, or :meth:`~SequenceGenerator.draw` with a
:class:`RenderOptions` checked once); :class:`SequenceImage` is one rendered
string with its boxes. The batch stream composes many plain images at once
with array operations (:mod:`.batch`), under the same spacing and separator
rules.

The order of the stages, for one image: read the digits; pick a random glyph
of each digit's class and the gaps (:mod:`.glyphs`); prepare the glyphs at the
output height (as stored, scaled, or through the glyph augmentation stage);
insert separators and space gaps (:mod:`.separators`); lay out, place and fit
the strip to the width (:mod:`.layout`); **then** run the image augmentation
stage on the fitted image. The image stage comes after fitting on purpose:
paper tone, noise and blur then cover the whole output, padding included, at
the output's own scale, and the glyph boxes are already known from the layout.
Label safety (:mod:`.safety`, measured by :mod:`.legibility`) redraws either
stage when it leaves a labelled digit below the legibility floor.
"""

from __future__ import annotations

from .default import default_generator
from .generator import INHERIT, SequenceGenerator, SequenceImage
from .options import RenderOptions
from .safety import Repairs

__all__ = [
    "INHERIT",
    "RenderOptions",
    "Repairs",
    "SequenceGenerator",
    "SequenceImage",
    "default_generator",
]
