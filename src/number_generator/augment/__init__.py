"""Augmentation: realistic handwriting variation, fast and reproducible.

Two stages, applied by :class:`~number_generator.SequenceGenerator`:

* **glyph** transforms change each digit before it is placed (shift, scale,
  rotate, shear, elastic / grid / optical distortion, stroke thickness,
  baseline jitter, size variation), so the gaps are measured between the
  *transformed* digits' ink;
* **image** transforms change the finished picture (blur, median blur,
  Gaussian noise, salt-and-pepper, brightness/contrast, emboss, paper tone)
  and the document ones: paper, security patterns and the pen's ink
  (:mod:`.document`), printed rules, comb boxes, frames and stray marks placed
  from the digits' boxes (:mod:`.printed`), and the scan (:mod:`.scan`).

Images are ``uint8`` in MNIST's own ink convention: 0 = paper, 255 = ink.
Every transform draws its random parameters from the ``numpy.random.Generator``
it is given and then applies them deterministically, so the same seed gives
byte-identical images.

``augment=`` accepts ``None``/``False`` (off), ``True`` (the
:data:`DEFAULT_PRESET`), a preset name (:data:`PRESETS`), a transform name
(:data:`TRANSFORMS`, applied with ``p=1``), a :class:`Pipeline`, a
:class:`Transform`, a list of those, or any callable ``(uint8 image,
Generator) -> uint8 image`` of the same shape (run on the finished image; wrap
it in :class:`Lambda` with ``stage="glyph"`` to run it per digit).

Examples
--------
>>> import numpy as np
>>> from number_generator.augment import Pipeline, Rotate, GaussianNoise
>>> pipeline = Pipeline([Rotate(10, p=1.0), GaussianNoise(5.0, p=1.0)])
>>> glyph = np.zeros((28, 28), np.uint8); glyph[6:22, 12:16] = 255
>>> out = pipeline(glyph, np.random.default_rng(0))
>>> out.shape, out.dtype.name
((28, 28), 'uint8')
"""

from __future__ import annotations

from .affine import (
    AffineTransform,
    BaselineJitter,
    Rotate,
    Scale,
    Shear,
    Shift,
    SizeVariation,
)
from .base import STAGES, AugmentFn, Lambda, Transform
from .boxes import ink_boxes, warp_boxes
from .choice import OneOf
from .distortion import ElasticTransform, GridDistortion, OpticalDistortion
from .document import PAPER_KINDS, InkVariation, Paper, SecurityPattern
from .morphology import StrokeThickness
from .photometric import (
    Blur,
    BrightnessContrast,
    Emboss,
    GaussianNoise,
    MedianBlur,
    PaperTone,
    SaltAndPepper,
)
from .pipeline import Pipeline
from .presets import DEFAULT_PRESET, PRESETS, preset, resolve_augment
from .printed import BaselineRule, CombBoxes, FieldFrame, StrayStrokes
from .registry import TRANSFORM_NAMES, TRANSFORMS
from .scan import Binarize, Downscale, Illumination, JpegCompression, ScanWarp

__all__ = [
    "DEFAULT_PRESET",
    "PAPER_KINDS",
    "PRESETS",
    "STAGES",
    "TRANSFORMS",
    "TRANSFORM_NAMES",
    "AffineTransform",
    "AugmentFn",
    "BaselineJitter",
    "BaselineRule",
    "Binarize",
    "Blur",
    "BrightnessContrast",
    "CombBoxes",
    "Downscale",
    "ElasticTransform",
    "Emboss",
    "FieldFrame",
    "GaussianNoise",
    "GridDistortion",
    "Illumination",
    "InkVariation",
    "JpegCompression",
    "Lambda",
    "MedianBlur",
    "OneOf",
    "OpticalDistortion",
    "Paper",
    "PaperTone",
    "Pipeline",
    "Rotate",
    "SaltAndPepper",
    "Scale",
    "ScanWarp",
    "SecurityPattern",
    "Shear",
    "Shift",
    "SizeVariation",
    "StrayStrokes",
    "StrokeThickness",
    "Transform",
    "ink_boxes",
    "preset",
    "resolve_augment",
    "warp_boxes",
]


def _check_exports() -> None:
    """Fail the import when a built-in transform is not re-exported here (see Transform)."""
    missing = sorted({cls.__name__ for cls in TRANSFORMS.values()} - set(__all__))
    if missing:
        raise ImportError(f"number_generator.augment does not re-export {missing}")


_check_exports()
