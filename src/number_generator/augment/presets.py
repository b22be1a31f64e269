"""Presets and ``augment=`` resolution: every value ``augment=`` accepts, as a :class:`Pipeline`.

The built-in presets are ``"light"``, ``"medium"`` (what ``augment=True``
means), ``"heavy"`` and ``"document"`` (handwriting on forms, cheques and
scans); a transform's name (:data:`~.registry.TRANSFORM_NAMES`)
means that transform alone with ``p=1``; the on/off words are
:func:`~number_generator._util.text.switch_word`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from .._util.text import switch_word
from ..errors import InvalidParameterError, InvalidTypeError
from .affine import BaselineJitter, Rotate, Scale, Shear, Shift, SizeVariation
from .base import Lambda, Transform
from .choice import OneOf
from .distortion import ElasticTransform, GridDistortion, OpticalDistortion
from .document import InkVariation, Paper, SecurityPattern
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
from .printed import BaselineRule, CombBoxes, FieldFrame, StrayStrokes
from .registry import TRANSFORM_NAMES, TRANSFORMS
from .scan import Binarize, Downscale, Illumination, JpegCompression, ScanWarp

__all__ = ["DEFAULT_PRESET", "PRESETS", "preset", "resolve_augment"]


def _light() -> list[Transform]:
    return [
        SizeVariation(0.05),
        Scale(0.06, p=0.5),
        Shear(8.0, p=0.5),
        Rotate(6.0, p=0.5),
        BaselineJitter(1.0, wander=0.4),
        Blur((0.3, 0.6), p=0.2),
        GaussianNoise((2.0, 6.0), p=0.2),
    ]


def _handwriting() -> list[Transform]:
    """The glyph stage of ``"medium"`` (and of ``"document"``)."""
    return [
        StrokeThickness((-0.6, 0.8), p=0.3),
        SizeVariation(0.12),
        Shear(14.0, p=0.5),
        Rotate(10.0, p=0.6),
        BaselineJitter(1.5, wander=0.75),
        ElasticTransform(alpha=(20.0, 34.0), sigma=4.0, p=0.3),
    ]


def _medium() -> list[Transform]:
    return [
        *_handwriting(),
        PaperTone((5.0, 30.0), (0.0, 6.0), p=0.3),
        BrightnessContrast((-0.06, 0.12), (-0.1, 0.1), p=0.3),
        Blur((0.3, 0.9), p=0.25),
        GaussianNoise((3.0, 10.0), p=0.3),
    ]


def _heavy() -> list[Transform]:
    return [
        SizeVariation(0.15),
        Scale(0.12, p=0.5),
        Shear(18.0, p=0.6),
        Rotate(14.0, p=0.7),
        Shift(0.05, p=0.5),
        BaselineJitter(2.5, wander=1.0),
        ElasticTransform(alpha=(25.0, 36.0), sigma=4.0, p=0.5),
        GridDistortion(5, 0.2, p=0.3),
        OpticalDistortion(0.25, 0.05, p=0.3),
        StrokeThickness((-0.8, 1.2), p=0.5),
        PaperTone((10.0, 40.0), (0.0, 10.0), p=0.5),
        BrightnessContrast((-0.1, 0.12), (-0.15, 0.1), p=0.4),
        Emboss(p=0.2),
        Blur((0.4, 1.0), p=0.35),
        MedianBlur(3, p=0.15),
        GaussianNoise((4.0, 14.0), p=0.4),
        SaltAndPepper((0.002, 0.008), p=0.25),
    ]


def _document() -> list[Transform]:
    return [
        *_handwriting(),
        StrayStrokes(p=0.12),  # the pen: marks beside the amount, then its ink
        InkVariation(intensity=(0.9, 1.0), pressure=(0.0, 0.1), p=0.6),
        SecurityPattern(p=0.12),  # the printed form (on some images only), one kind at a time
        OneOf(
            [BaselineRule(p=1.0), CombBoxes(p=1.0), FieldFrame(p=1.0)], (0.45, 0.35, 0.2), p=0.45
        ),
        Paper(p=0.85),  # the paper under it all
        ScanWarp(p=0.4),  # the scan
        Illumination((0.05, 0.25), p=0.3),
        Blur((0.3, 0.8), p=0.25),
        Downscale((0.55, 0.9), p=0.25),
        GaussianNoise((2.0, 6.0), p=0.25),
        Binarize(p=0.04),
        JpegCompression(p=0.4),
    ]


_PRESET_FACTORIES: dict[str, Callable[[], list[Transform]]] = {
    "light": _light,
    "medium": _medium,
    "heavy": _heavy,
    "document": _document,
}
#: Names of the built-in presets: the handwriting ones mildest first, then ``"document"``.
PRESETS: tuple[str, ...] = tuple(_PRESET_FACTORIES)
#: The preset ``augment=True`` means.
DEFAULT_PRESET = "medium"


@cache
def preset(name: str) -> Pipeline:
    """The built-in pipeline called ``name`` (see :data:`PRESETS`).

    ``"light"``: small size/slant/rotation changes and a wandering baseline,
    rare mild blur and noise. ``"medium"`` (what ``augment=True`` means): also
    stroke thickness, elastic distortion, paper tone, brightness/contrast.
    ``"heavy"``: larger ranges and every transform, seed 004's eleven included.
    ``"document"``: ``"medium"``'s handwriting on a form: the pen's ink and stray
    marks, printed context on some images (one of a ruled baseline, comb boxes
    or a frame; a security pattern), several kinds of paper, and a scan (slight warp, uneven
    light, low resolution, JPEG, rarely black and white).
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in _PRESET_FACTORIES:
        raise InvalidParameterError(
            f"augment={name!r}: unknown preset; expected one of {', '.join(map(repr, PRESETS))}",
            param="augment",
            value=name,
        )
    return Pipeline(_PRESET_FACTORIES[key](), name=key)


@cache
def _single(name: str) -> Pipeline:
    return Pipeline([TRANSFORMS[name](p=1.0)], name=name)


def resolve_augment(augment: Any) -> Pipeline | None:
    """Turn any accepted ``augment=`` value into a :class:`Pipeline`, or ``None`` for none.

    Parameters
    ----------
    augment:
        ``None``/``False``/``"false"``/``"0"``: off. ``True``/``"true"``/``"1"``:
        :data:`DEFAULT_PRESET`. A preset name (``"light"``, ``"medium"``,
        ``"heavy"``, ``"document"``) or a transform name (``"elastic"``, ``"rotate"`` …,
        applied with ``p=1``). A :class:`Pipeline`, a :class:`Transform`, a
        list of transforms/callables, or a callable ``fn(uint8 image,
        Generator) -> uint8 image`` (image stage).

    Raises
    ------
    InvalidParameterError
        For an unknown name.
    InvalidTypeError
        For anything else.

    Examples
    --------
    >>> resolve_augment(None) is None
    True
    >>> resolve_augment(True).name
    'medium'
    >>> [t.name for t in resolve_augment("elastic")]
    ['elastic']
    """
    if augment is None or augment is False:
        return None
    if augment is True:
        return preset(DEFAULT_PRESET)
    if isinstance(augment, Pipeline):
        return augment
    if isinstance(augment, str):
        return _from_word(augment)
    if isinstance(augment, (bool, np.bool_)):
        return preset(DEFAULT_PRESET) if augment else None
    if isinstance(augment, Transform):
        return Pipeline([augment])
    if isinstance(augment, (list, tuple)):
        return Pipeline(augment)
    if callable(augment):
        return Pipeline([Lambda(augment)])
    raise InvalidTypeError(
        f"augment={augment!r}: expected None/False, True, a preset name "
        f"({', '.join(map(repr, PRESETS))}), a Pipeline, or a callable "
        "fn(uint8 image, Generator) -> uint8 image",
        param="augment",
        value=augment,
    )


def _from_word(augment: str) -> Pipeline | None:
    """The pipeline an ``augment=`` string names: on/off, a preset, or one transform."""
    switch = switch_word(augment)
    if switch is not None:
        return preset(DEFAULT_PRESET) if switch else None
    key = augment.strip().lower()
    if key in _PRESET_FACTORIES:
        return preset(key)
    if key in TRANSFORM_NAMES:
        return _single(key)
    raise InvalidParameterError(
        f"augment={augment!r}: unknown preset; expected one of "
        f"{', '.join(map(repr, PRESETS))}, a transform name ({', '.join(TRANSFORM_NAMES)}), "
        "true/false, a Pipeline or a callable",
        param="augment",
        value=augment,
    )
