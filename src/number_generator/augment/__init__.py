"""Augmentation: realistic handwriting variation, fast and reproducible.

Two stages, applied by :class:`~number_generator.SequenceGenerator`:

* **glyph** transforms change each digit before it is placed (shift, scale,
  rotate, shear, elastic / grid / optical distortion, stroke thickness,
  baseline jitter, size variation), so the gaps are measured between the
  *transformed* digits' ink;
* **image** transforms change the finished picture (blur, median blur,
  Gaussian noise, salt-and-pepper, brightness/contrast, emboss, paper tone).

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

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .._util.text import switch_word
from ..errors import InvalidParameterError, InvalidTypeError
from .base import STAGES, AugmentFn, Lambda, Params, Transform, U8Array, _check_image

if TYPE_CHECKING:
    from .geometric import (
        AffineTransform,
        BaselineJitter,
        ElasticTransform,
        GridDistortion,
        OpticalDistortion,
        Rotate,
        Scale,
        Shear,
        Shift,
        SizeVariation,
        StrokeThickness,
    )
    from .photometric import (
        Blur,
        BrightnessContrast,
        Emboss,
        GaussianNoise,
        MedianBlur,
        PaperTone,
        SaltAndPepper,
    )

    #: Every built-in transform class by name (in :data:`TRANSFORM_NAMES` order).
    TRANSFORMS: dict[str, type[Transform]]

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "STAGES",
    "TRANSFORMS",
    "TRANSFORM_NAMES",
    "AffineTransform",
    "AugmentFn",
    "BaselineJitter",
    "Blur",
    "BrightnessContrast",
    "ElasticTransform",
    "Emboss",
    "GaussianNoise",
    "GridDistortion",
    "Lambda",
    "MedianBlur",
    "OpticalDistortion",
    "PaperTone",
    "Pipeline",
    "Rotate",
    "SaltAndPepper",
    "Scale",
    "Shear",
    "Shift",
    "SizeVariation",
    "StrokeThickness",
    "Transform",
    "preset",
    "resolve_augment",
]

# The transforms need OpenCV; they are imported on first use so that a process that never
# augments does not pay for loading it.
_LAZY = {
    **dict.fromkeys(
        (
            "AffineTransform",
            "BaselineJitter",
            "ElasticTransform",
            "GridDistortion",
            "OpticalDistortion",
            "Rotate",
            "Scale",
            "Shear",
            "Shift",
            "SizeVariation",
            "StrokeThickness",
        ),
        ".geometric",
    ),
    **dict.fromkeys(
        (
            "Blur",
            "BrightnessContrast",
            "Emboss",
            "GaussianNoise",
            "MedianBlur",
            "PaperTone",
            "SaltAndPepper",
        ),
        ".photometric",
    ),
}

#: Names of the built-in transforms, as :data:`TRANSFORMS` maps them to classes:
#: seed 004's eleven (shift, scale, rotate, blur, optical/grid distortion, elastic, Gaussian
#: noise, median blur, brightness/contrast, emboss) plus the extras.
TRANSFORM_NAMES: tuple[str, ...] = (
    "shift",
    "scale",
    "rotate",
    "shear",
    "size_variation",
    "baseline_jitter",
    "elastic",
    "grid_distortion",
    "optical_distortion",
    "stroke_thickness",
    "blur",
    "median_blur",
    "gaussian_noise",
    "salt_and_pepper",
    "brightness_contrast",
    "emboss",
    "paper_tone",
)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __package__), name)
    elif name == "TRANSFORMS":
        value = _transform_classes()
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


@cache
def _transform_classes() -> dict[str, type[Transform]]:
    """:data:`TRANSFORMS`: every built-in transform class by name."""
    classes = [__getattr__(name) for name in _LAZY if name != "AffineTransform"]
    by_name: dict[str, type[Transform]] = {cls.name: cls for cls in classes}
    return {name: by_name[name] for name in TRANSFORM_NAMES}


class Pipeline:
    """An ordered list of transforms; the glyph ones run per digit, the image ones per image.

    A pipeline is itself a callable ``(uint8 image, Generator) -> uint8
    image``: called directly it applies every transform, in order, to that
    one image. Consecutive affine transforms (shift, scale, rotate, shear,
    size variation, baseline jitter) are fused into a single warp.

    Parameters
    ----------
    transforms:
        :class:`Transform` objects, or plain callables ``fn(image, rng)``
        (wrapped in :class:`Lambda`, image stage).
    name:
        Shown in ``repr`` and on contact sheets.

    Examples
    --------
    >>> from number_generator import SequenceGenerator
    >>> from number_generator.augment import Pipeline, Rotate, ElasticTransform, Blur
    >>> pipeline = Pipeline([Rotate(10), ElasticTransform(alpha=30, sigma=4), Blur(0.5)])
    >>> [t.stage for t in pipeline]
    ['glyph', 'glyph', 'image']
    >>> SequenceGenerator("mnist", seed=0, augment=pipeline).generate("42", (4, 4), 64).shape
    (28, 64)
    """

    def __init__(
        self, transforms: Iterable[Transform | AugmentFn] = (), *, name: str | None = None
    ) -> None:
        if isinstance(transforms, (Transform, Pipeline, str)) or callable(transforms):
            raise InvalidTypeError(
                f"Pipeline: transforms={transforms!r}: expected a list of transforms"
            )
        steps: list[Transform] = []
        for item in transforms:
            if isinstance(item, Pipeline):
                steps.extend(item.transforms)
            elif isinstance(item, Transform):
                steps.append(item)
            elif callable(item):
                steps.append(Lambda(item))
            else:
                raise InvalidTypeError(
                    f"Pipeline: {item!r} is neither a Transform nor a callable "
                    "fn(uint8 image, Generator) -> uint8 image"
                )
        self.transforms: tuple[Transform, ...] = tuple(steps)
        self.name = name
        self.glyph_transforms = tuple(t for t in steps if t.stage == "glyph")
        self.image_transforms = tuple(t for t in steps if t.stage == "image")
        self._glyph_plan = _plan(self.glyph_transforms)
        self._image_plan = _plan(self.image_transforms)
        self._all_plan = _plan(self.transforms)
        self._glyph_p = _probabilities(self.glyph_transforms)
        self._image_p = _probabilities(self.image_transforms)
        self._all_p = _probabilities(self.transforms)

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"Pipeline({label}[{', '.join(map(repr, self.transforms))}])"

    def __iter__(self) -> Iterator[Transform]:
        return iter(self.transforms)

    def __len__(self) -> int:
        return len(self.transforms)

    def __call__(self, image: U8Array, rng: np.random.Generator) -> U8Array:
        """Apply every transform, in order, to one ``uint8`` image (0 = paper, 255 = ink)."""
        image = _check_image(image, "Pipeline")
        shape = (int(image.shape[0]), int(image.shape[1]))
        params = _sample(self.transforms, self._all_p, rng, shape, 1)
        return _run(self._all_plan, [image], params)[0]

    def transform_glyphs(self, glyphs: U8Array, rng: np.random.Generator) -> list[U8Array]:
        """Apply the glyph stage to a stack ``(n, height, width)`` of one sequence's glyphs.

        Parameters are drawn for the whole sequence at once, transform by
        transform (so e.g. the baseline can wander from digit to digit).
        """
        n, height, width = glyphs.shape
        params = _sample(self.glyph_transforms, self._glyph_p, rng, (height, width), n)
        return _run(self._glyph_plan, list(glyphs), params)

    def transform_image(self, image: U8Array, rng: np.random.Generator) -> U8Array:
        """Apply the image stage to a finished ``uint8`` image."""
        shape = (int(image.shape[0]), int(image.shape[1]))
        params = _sample(self.image_transforms, self._image_p, rng, shape, 1)
        return _run(self._image_plan, [image], params)[0]


# A plan step is either a run of affine transforms (fused into one warp) or one other transform,
# each with its index into the parameter list.
_Step = tuple[list[tuple[int, Transform]], tuple[int, Transform] | None]


def _plan(transforms: Sequence[Transform]) -> list[_Step]:
    plan: list[_Step] = []
    for i, transform in enumerate(transforms):
        if transform.anchor is not None:
            if plan and plan[-1][1] is None:
                plan[-1][0].append((i, transform))
            else:
                plan.append(([(i, transform)], None))
        else:
            plan.append(([], (i, transform)))
    return plan


def _probabilities(transforms: Sequence[Transform]) -> npt.NDArray[np.float64]:
    return np.array([[t.p] for t in transforms], np.float64).reshape(len(transforms), 1)


def _sample(
    transforms: Sequence[Transform],
    probabilities: npt.NDArray[np.float64],
    rng: np.random.Generator,
    shape: tuple[int, int],
    n: int,
) -> list[list[Params | None]]:
    """Parameters of ``n`` items per transform: every ``p`` coin in one draw, then the rest."""
    if not transforms:
        return []
    coins = (rng.random((len(transforms), n)) < probabilities).tolist()
    return [t.sample_chosen(rng, shape, n, c) for t, c in zip(transforms, coins)]


def _run(
    plan: list[_Step], images: list[U8Array], params: list[list[Params | None]]
) -> list[U8Array]:
    """Apply sampled parameters (``params[transform][item]``) along a plan; no randomness."""
    for affine, single in plan:
        if single is not None:
            i, transform = single
            images = [
                image if item is None else transform.apply(image, item)
                for image, item in zip(images, params[i])
            ]
            continue
        from .geometric import warp_fused

        anchors = [step.anchor for _, step in affine]
        columns = [params[i] for i, _ in affine]
        fused: list[U8Array] = []
        for k, image in enumerate(images):
            items = [(a, column[k]) for a, column in zip(anchors, columns) if column[k] is not None]
            fused.append(warp_fused(image, items) if items else image)  # type: ignore[arg-type]
        images = fused
    return images


# --------------------------------------------------------------------------- presets


def _light() -> list[Transform]:
    from .geometric import BaselineJitter, Rotate, Scale, Shear, SizeVariation
    from .photometric import Blur, GaussianNoise

    return [
        SizeVariation(0.05),
        Scale(0.06, p=0.5),
        Shear(8.0, p=0.5),
        Rotate(6.0, p=0.5),
        BaselineJitter(1.0, wander=0.4),
        Blur((0.3, 0.6), p=0.2),
        GaussianNoise((2.0, 6.0), p=0.2),
    ]


def _medium() -> list[Transform]:
    from .geometric import (
        BaselineJitter,
        ElasticTransform,
        Rotate,
        Shear,
        SizeVariation,
        StrokeThickness,
    )
    from .photometric import Blur, BrightnessContrast, GaussianNoise, PaperTone

    return [
        StrokeThickness((-0.6, 0.8), p=0.3),
        SizeVariation(0.12),
        Shear(14.0, p=0.5),
        Rotate(10.0, p=0.6),
        BaselineJitter(1.5, wander=0.75),
        ElasticTransform(alpha=(20.0, 34.0), sigma=4.0, p=0.3),
        PaperTone((5.0, 30.0), (0.0, 6.0), p=0.3),
        BrightnessContrast((-0.06, 0.12), (-0.1, 0.1), p=0.3),
        Blur((0.3, 0.9), p=0.25),
        GaussianNoise((3.0, 10.0), p=0.3),
    ]


def _heavy() -> list[Transform]:
    from .geometric import (
        BaselineJitter,
        ElasticTransform,
        GridDistortion,
        OpticalDistortion,
        Rotate,
        Scale,
        Shear,
        Shift,
        SizeVariation,
        StrokeThickness,
    )
    from .photometric import (
        Blur,
        BrightnessContrast,
        Emboss,
        GaussianNoise,
        MedianBlur,
        PaperTone,
        SaltAndPepper,
    )

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


_PRESET_FACTORIES: dict[str, Callable[[], list[Transform]]] = {
    "light": _light,
    "medium": _medium,
    "heavy": _heavy,
}
#: Names of the built-in presets, mildest first.
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
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in _PRESET_FACTORIES:
        raise InvalidParameterError(
            f"augment={name!r}: unknown preset; expected one of {', '.join(map(repr, PRESETS))}"
        )
    return Pipeline(_PRESET_FACTORIES[key](), name=key)


@cache
def _single(name: str) -> Pipeline:
    return Pipeline([_transform_classes()[name](p=1.0)], name=name)


def resolve_augment(augment: Any) -> Pipeline | None:
    """Turn any accepted ``augment=`` value into a :class:`Pipeline`, or ``None`` for none.

    Parameters
    ----------
    augment:
        ``None``/``False``/``"false"``/``"0"``: off. ``True``/``"true"``/``"1"``:
        :data:`DEFAULT_PRESET`. A preset name (``"light"``, ``"medium"``,
        ``"heavy"``) or a transform name (``"elastic"``, ``"rotate"`` …,
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
            "true/false, a Pipeline or a callable"
        )
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
        "fn(uint8 image, Generator) -> uint8 image"
    )
