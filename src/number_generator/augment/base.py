"""Transform base class, the registry of built-in transforms, and user callables.

Every transform works on a ``uint8`` image in the *ink* convention that MNIST
itself uses and that :attr:`SequenceImage.ink` exposes: 0 = paper, 255 = full
ink (white digits on black). Photometric settings (brightness, paper tone …)
are nevertheless described as a person sees the final picture: black ink on
white paper.

A transform's randomness is split the torchvision-v2 way: :meth:`Transform.sample`
draws the parameters of ``n`` items from the ``numpy.random.Generator`` it is
given (a ``None`` entry means the probability ``p`` said "skip"), and
:meth:`Transform.apply` applies one item's parameters with no randomness left.
Calling a transform, ``transform(image, rng)``, does both for one image.

The transforms themselves live in :mod:`.affine`, :mod:`.distortion` and
:mod:`.morphology` (they move or reshape ink; never out of the frame) and
:mod:`.photometric` (they change grey levels); :mod:`.registry` lists them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError
from .boxes import ink_boxes
from .checks import Boxes, U8Array, check_image, check_number, check_output

__all__ = [
    "STAGES",
    "AugmentFn",
    "Boxes",
    "F32Array",
    "Lambda",
    "Params",
    "Transform",
    "U8Array",
    "built_in_transforms",
    "uniform",
    "uniforms",
]

F32Array = npt.NDArray[np.float32]
#: One item's parameters, as drawn by :meth:`Transform.sample`.
Params = dict[str, Any]
#: Any callable ``(uint8 image, numpy Generator) -> uint8 image`` of the same shape.
AugmentFn = Callable[[U8Array, np.random.Generator], U8Array]

#: Where a transform runs: on each glyph before placement, or on the finished image.
STAGES = ("glyph", "image")

# Every built-in transform class, in the order the interpreter defined them (see Transform).
_BUILT_IN: list[type[Transform]] = []


def built_in_transforms() -> tuple[type[Transform], ...]:
    """Every built-in transform class defined so far, in definition order."""
    return tuple(_BUILT_IN)


def uniforms(
    rng: np.random.Generator, bounds: tuple[float, float], n: int
) -> npt.NDArray[np.float64]:
    """``n`` draws from ``uniform(*bounds)``, an array; no draw at all when the bounds are equal."""
    low, high = bounds
    if low == high:
        return np.full(n, float(low))
    values: npt.NDArray[np.float64] = rng.uniform(low, high, n)
    return values


def uniform(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> list[float]:
    """:func:`uniforms` as a list of floats."""
    values: list[float] = uniforms(rng, bounds, n).tolist()
    return values


# --------------------------------------------------------------------------- base class


class Transform:
    """Base class: a probability ``p``, parameter sampling, deterministic application.

    Subclasses implement :meth:`_sample` (parameters of ``n`` applied items)
    and :meth:`apply`. Settings are validated once, at construction: treat a
    transform as immutable and build a new one to change them (pipelines and
    the cached presets rely on it, and share transforms between threads).

    To add a built-in transform: subclass :class:`Transform` (or
    :class:`~.affine.AffineTransform`, to be fused with its neighbours; it
    implements :meth:`~.affine.AffineTransform._draw` instead of :meth:`_sample`) in one
    of the modules of :data:`.registry.TRANSFORM_MODULES`, set :attr:`name`
    (its key in :data:`~number_generator.augment.TRANSFORMS`), and
    :attr:`default_stage` / :attr:`geometric` / :attr:`anchor` where the
    defaults do not fit; then re-export the class from ``augment/__init__.py``
    (importing the package fails while one is missing) and, if it should be in
    a preset, add it in :mod:`.presets`. Defining the class registers it: a
    class of this package that sets ``name`` is a built-in one (classes
    defined elsewhere never are). :data:`~number_generator.augment.TRANSFORM_NAMES`
    lists them module by module in :data:`.registry.TRANSFORM_MODULES` order and,
    within a module, in definition order: that order is public, so add a new
    class at the end of the last module (or a new module at the end of that
    tuple) and never move one.

    Parameters
    ----------
    p:
        Probability in ``[0, 1]`` that the transform is applied to an item.
    stage:
        ``"glyph"`` (each digit before placement) or ``"image"`` (the finished
        image); default: the class's :attr:`default_stage`. Geometric
        transforms run only in the glyph stage.
    """

    #: Stage used when none is given.
    default_stage: ClassVar[str] = "image"
    #: Moves ink around (only allowed in the glyph stage, where spacing is measured after it).
    geometric: ClassVar[bool] = False
    #: Short name in :data:`number_generator.augment.TRANSFORMS` and on contact sheets.
    name: ClassVar[str] = ""
    #: For affine transforms, the point of the ink box their linear part acts about
    #: (``"centre"`` or ``"baseline"``); consecutive ones are then fused into one warp.
    anchor: ClassVar[str | None] = None
    #: Draws from the digits' boxes (printed lines, comb boxes …): runs only in the image
    #: stage, and :meth:`sample` must then be given ``boxes``.
    uses_boxes: ClassVar[bool] = False
    #: Runs only in the image stage (it acts on the whole field: layout, scan warps).
    image_only: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        package = __name__.rpartition(".")[0]
        if "name" in cls.__dict__ and cls.name and cls.__module__.startswith(f"{package}."):
            _BUILT_IN.append(cls)

    def __init__(self, *, p: float, stage: str | None = None) -> None:
        owner = type(self).__name__
        self.p = check_number(p, owner, "p", 0.0, 1.0)
        stage = self.default_stage if stage is None else stage
        if stage not in STAGES:
            raise InvalidParameterError(
                f"{owner}: stage={stage!r}: expected one of {', '.join(map(repr, STAGES))}",
                param="stage",
                value=stage,
            )
        if self.geometric and stage != "glyph":
            raise InvalidParameterError(
                f"{owner}: stage={stage!r}: geometric transforms move ink, so they run only in "
                "the 'glyph' stage (before the gaps are measured)",
                param="stage",
                value=stage,
            )
        if (self.image_only or self.uses_boxes) and stage != "image":
            raise InvalidParameterError(
                f"{owner}: stage={stage!r}: this transform acts on the whole field (the digits' "
                "layout or the scan), so it runs only in the 'image' stage",
                param="stage",
                value=stage,
            )
        self.stage = stage

    def __repr__(self) -> str:
        names = [n for n in inspect.signature(type(self).__init__).parameters if n != "self"]
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in names if hasattr(self, n))
        return f"{type(self).__name__}({shown})"

    def sample(
        self,
        rng: np.random.Generator,
        shape: tuple[int, int],
        n: int = 1,
        *,
        boxes: Boxes | None = None,
    ) -> list[Params | None]:
        """Draw the parameters of ``n`` items of ``shape``; ``None`` for an item not transformed.

        ``boxes`` are the digits' boxes (:data:`Boxes`), which transforms with
        :attr:`uses_boxes` need and the others ignore. The draws depend only on
        ``rng``'s state, ``shape``, ``n`` and ``boxes``.
        """
        if self.p <= 0.0:
            return [None] * n
        chosen = None if self.p >= 1.0 else (rng.random(n) < self.p).tolist()
        return self.sample_chosen(rng, shape, n, chosen, boxes=boxes)

    def sample_chosen(
        self,
        rng: np.random.Generator,
        shape: tuple[int, int],
        n: int,
        chosen: list[bool] | None,
        *,
        boxes: Boxes | None = None,
    ) -> list[Params | None]:
        """Like :meth:`sample`, with the ``p`` coin flips already made (``None``: all chosen)."""
        if chosen is None:
            return list(self._sample_in(rng, shape, n, boxes))
        count = sum(chosen)
        if not count:
            return [None] * n
        drawn = iter(self._sample_in(rng, shape, count, boxes))
        return [next(drawn) if pick else None for pick in chosen]

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        raise NotImplementedError

    def _sample_in(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, boxes: Boxes | None
    ) -> list[Params]:
        """Parameters of ``n`` items given the digits' boxes (layout-aware transforms use them)."""
        return self._sample(rng, shape, n)

    def warp(self, params: Params) -> npt.NDArray[np.float64] | None:
        """How the field moved: the 3x3 matrix from input to output pixel coordinates.

        For transforms that move the whole field (the digits' boxes are mapped
        through it); ``None``, the default: nothing moves.
        """
        return None

    def apply(self, image: U8Array, params: Params) -> U8Array:
        """Apply one item's parameters to ``image``; no randomness."""
        raise NotImplementedError

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, list[npt.NDArray[np.float64] | None] | None]:
        """Draw the parameters of every image of a stack and apply them (each one applied).

        The batch path of the image stage
        (:meth:`~.pipeline.Pipeline.transform_images`) calls this with the
        images whose ``p`` coin said "apply", a ``uint8`` ``(n, height, width)``
        stack that may be modified in place; ``boxes`` holds each image's
        digit boxes when :attr:`uses_boxes`. Built-in transforms override it
        with whole-stack draws and arithmetic (same distributions as
        :meth:`sample` and :meth:`apply`, other bytes); this default draws and
        applies image by image, so any subclass works unchanged.

        Returns
        -------
        The transformed stack, and per image the matrix :meth:`warp` gives
        (``None`` for the whole list when no image moved).
        """
        shape = (int(images.shape[1]), int(images.shape[2]))
        if self.uses_boxes and boxes is not None:
            params = [self.sample_chosen(rng, shape, 1, None, boxes=b)[0] for b in boxes]
        else:
            params = self.sample_chosen(rng, shape, len(images), None)
        for k, item in enumerate(params):
            if item is not None:
                images[k] = self.apply(images[k], item)
        matrices = [None if item is None else self.warp(item) for item in params]
        return images, matrices if any(m is not None for m in matrices) else None

    def __call__(self, image: U8Array, rng: np.random.Generator) -> U8Array:
        """Sample the parameters for ``image`` from ``rng`` and apply them."""
        image = check_image(image, type(self).__name__)
        boxes = None
        if self.uses_boxes:
            boxes = ink_boxes(image)
        params = self.sample(rng, (int(image.shape[0]), int(image.shape[1])), 1, boxes=boxes)[0]
        return image if params is None else self.apply(image, params)


# --------------------------------------------------------------------------- user callables


class Lambda(Transform):
    """Wrap any callable ``fn(image, rng) -> image`` as a transform.

    ``image`` is ``uint8`` in the ink convention (0 = paper, 255 = ink, as
    MNIST stores digits); ``fn`` must return a ``uint8`` array of the same
    shape and draw any randomness from ``rng`` for reproducible results.
    Wrong output raises :class:`InvalidTypeError` / :class:`InvalidParameterError`.

    Parameters
    ----------
    fn:
        The callable.
    stage:
        ``"image"`` (default: the finished picture) or ``"glyph"`` (each
        28x28 digit, padded, before placement; spacing is then measured
        between what ``fn`` returns).
    p:
        Probability of calling ``fn``; default 1.
    name:
        Shown in messages and on contact sheets; default ``fn``'s name.

    Examples
    --------
    Plug in an albumentations pipeline (which draws from Python's ``random``)::

        import random
        aug = A.Compose([A.GaussNoise(p=1)])

        def with_albumentations(image, rng):
            random.seed(int(rng.integers(2**32)))
            return aug(image=image)["image"]
    """

    def __init__(
        self, fn: AugmentFn, *, stage: str = "image", p: float = 1.0, name: str | None = None
    ) -> None:
        if not callable(fn):
            raise InvalidTypeError(
                f"Lambda: fn={fn!r} is not callable; expected fn(uint8 image, Generator) -> image",
                param="fn",
                value=fn,
            )
        super().__init__(p=p, stage=stage)
        self.fn = fn
        self.label = name or getattr(fn, "__name__", type(fn).__name__)

    def __repr__(self) -> str:
        return f"Lambda({self.label}, stage={self.stage!r}, p={self.p!r})"

    def sample_chosen(
        self,
        rng: np.random.Generator,
        shape: tuple[int, int],
        n: int,
        chosen: list[bool] | None,
        *,
        boxes: Boxes | None = None,
    ) -> list[Params | None]:
        # fn draws from the generator itself, when it is applied (in a fixed order).
        params: Params = {"rng": rng}
        if chosen is None:
            return [params] * n
        return [params if pick else None for pick in chosen]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        result = self.fn(image, params["rng"])
        return check_output(result, image, f"augment callable {self.label!r}")
