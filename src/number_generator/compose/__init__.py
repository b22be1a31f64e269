"""Pixels: pick glyphs, place them with gaps, fit the width, run the image stage.

:class:`SequenceGenerator` does the work for every entry point; :class:`SequenceImage`
is one rendered string with its boxes.
"""

from __future__ import annotations

from .generator import INHERIT, SequenceGenerator, SequenceImage
from .options import RenderOptions

__all__ = ["INHERIT", "RenderOptions", "SequenceGenerator", "SequenceImage"]
