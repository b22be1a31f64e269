"""Transform base class, parameter validation, and user callables.

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

The transforms themselves live in :mod:`._geometric` (they move ink; never
out of the frame) and :mod:`._photometric` (they change grey levels).
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError

__all__ = ["STAGES", "AugmentFn", "Lambda", "Params", "Transform", "check_output"]

U8Array = npt.NDArray[np.uint8]
F32Array = npt.NDArray[np.float32]
#: One item's parameters, as drawn by :meth:`Transform.sample`.
Params = dict[str, Any]
#: Any callable ``(uint8 image, numpy Generator) -> uint8 image`` of the same shape.
AugmentFn = Callable[[U8Array, np.random.Generator], U8Array]

#: Where a transform runs: on each glyph before placement, or on the finished image.
STAGES = ("glyph", "image")


# --------------------------------------------------------------------------- validation


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_number(value: Any, owner: str, name: str, low: float, high: float) -> float:
    """``value`` as a float within ``[low, high]``."""
    if not _is_number(value):
        raise InvalidTypeError(f"{owner}: {name}={value!r} is not a number; expected {low}..{high}")
    result = float(value)
    if not low <= result <= high:
        raise InvalidParameterError(
            f"{owner}: {name}={value!r} is outside the allowed range {low}..{high}"
        )
    return result


def _check_range(
    value: Any, owner: str, name: str, low: float, high: float, *, symmetric: bool
) -> tuple[float, float]:
    """A ``(min, max)`` pair within ``[low, high]``.

    A single number ``v`` means ``(-v, v)`` when ``symmetric`` (a deviation
    from "no change") and the fixed value ``(v, v)`` otherwise.
    """
    if _is_number(value):
        if symmetric:
            bound = _check_number(abs(value), owner, name, 0.0, min(-low, high))
            return -bound, bound
        fixed = _check_number(value, owner, name, low, high)
        return fixed, fixed
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        kind = "a number or a (min, max) pair of numbers"
        raise InvalidTypeError(f"{owner}: {name}={value!r}: expected {kind} in {low}..{high}")
    first = _check_number(value[0], owner, name, low, high)
    second = _check_number(value[1], owner, name, low, high)
    if first > second:
        raise InvalidParameterError(
            f"{owner}: {name}={tuple(value)!r}: the minimum {value[0]!r} exceeds the maximum "
            f"{value[1]!r}"
        )
    return first, second


def _check_int_range(value: Any, owner: str, name: str, low: int, high: int) -> tuple[int, int]:
    """A ``(min, max)`` pair of ints within ``[low, high]``; one int means a fixed value."""
    pair = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in pair
    ):
        raise InvalidTypeError(
            f"{owner}: {name}={value!r}: expected an int or a (min, max) pair of ints in "
            f"{low}..{high}"
        )
    first, second = int(pair[0]), int(pair[1])
    for item in (first, second):
        if not low <= item <= high:
            raise InvalidParameterError(
                f"{owner}: {name}={value!r}: {item} is outside the allowed range {low}..{high}"
            )
    if first > second:
        raise InvalidParameterError(
            f"{owner}: {name}={value!r}: the minimum {first} exceeds the maximum {second}"
        )
    return first, second


def _check_image(image: Any, owner: str) -> U8Array:
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 2:
        got = (
            f"{image.dtype} array of shape {image.shape}"
            if isinstance(image, np.ndarray)
            else type(image).__name__
        )
        raise InvalidTypeError(
            f"{owner}: expected a 2-D uint8 image (0 = paper, 255 = ink), got {got}"
        )
    return image


def _uniform(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> list[float]:
    low, high = bounds
    if low == high:
        return [low] * n
    values: list[float] = rng.uniform(low, high, n).tolist()
    return values


# --------------------------------------------------------------------------- base class


class Transform:
    """Base class: a probability ``p``, parameter sampling, deterministic application.

    Subclasses implement :meth:`_sample` (parameters of ``n`` applied items)
    and :meth:`apply`. Settings are validated once, at construction: treat a
    transform as immutable and build a new one to change them (pipelines and
    the cached presets rely on it, and share transforms between threads).

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

    def __init__(self, *, p: float, stage: str | None = None) -> None:
        owner = type(self).__name__
        self.p = _check_number(p, owner, "p", 0.0, 1.0)
        stage = self.default_stage if stage is None else stage
        if stage not in STAGES:
            raise InvalidParameterError(
                f"{owner}: stage={stage!r}: expected one of {', '.join(map(repr, STAGES))}"
            )
        if self.geometric and stage != "glyph":
            raise InvalidParameterError(
                f"{owner}: stage={stage!r}: geometric transforms move ink, so they run only in "
                "the 'glyph' stage (before the gaps are measured)"
            )
        self.stage = stage

    def __repr__(self) -> str:
        names = [n for n in inspect.signature(type(self).__init__).parameters if n != "self"]
        shown = ", ".join(f"{n}={getattr(self, n)!r}" for n in names if hasattr(self, n))
        return f"{type(self).__name__}({shown})"

    def sample(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int = 1
    ) -> list[Params | None]:
        """Draw the parameters of ``n`` items of ``shape``; ``None`` for an item not transformed.

        The draws depend only on ``rng``'s state, ``shape`` and ``n``.
        """
        if self.p <= 0.0:
            return [None] * n
        chosen = None if self.p >= 1.0 else (rng.random(n) < self.p).tolist()
        return self.sample_chosen(rng, shape, n, chosen)

    def sample_chosen(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, chosen: list[bool] | None
    ) -> list[Params | None]:
        """Like :meth:`sample`, with the ``p`` coin flips already made (``None``: all chosen)."""
        if chosen is None:
            return list(self._sample(rng, shape, n))
        count = sum(chosen)
        if not count:
            return [None] * n
        drawn = iter(self._sample(rng, shape, count))
        return [next(drawn) if pick else None for pick in chosen]

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        raise NotImplementedError

    def apply(self, image: U8Array, params: Params) -> U8Array:
        """Apply one item's parameters to ``image``; no randomness."""
        raise NotImplementedError

    def __call__(self, image: U8Array, rng: np.random.Generator) -> U8Array:
        """Sample the parameters for ``image`` from ``rng`` and apply them."""
        image = _check_image(image, type(self).__name__)
        params = self.sample(rng, (int(image.shape[0]), int(image.shape[1])), 1)[0]
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
                f"Lambda: fn={fn!r} is not callable; expected fn(uint8 image, Generator) -> image"
            )
        super().__init__(p=p, stage=stage)
        self.fn = fn
        self.label = name or getattr(fn, "__name__", type(fn).__name__)

    def __repr__(self) -> str:
        return f"Lambda({self.label}, stage={self.stage!r}, p={self.p!r})"

    def sample_chosen(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, chosen: list[bool] | None
    ) -> list[Params | None]:
        # fn draws from the generator itself, when it is applied (in a fixed order).
        params: Params = {"rng": rng}
        if chosen is None:
            return [params] * n
        return [params if pick else None for pick in chosen]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        result = self.fn(image, params["rng"])
        return check_output(result, image, f"augment callable {self.label!r}")


def check_output(result: Any, image: U8Array, owner: str) -> U8Array:
    """``result`` if it is a ``uint8`` array shaped like ``image``; a clear error otherwise."""
    if not isinstance(result, np.ndarray):
        raise InvalidTypeError(
            f"{owner} returned {type(result).__name__}; expected a uint8 numpy array of shape "
            f"{image.shape}"
        )
    if result.dtype != np.uint8:
        raise InvalidTypeError(
            f"{owner} returned a {result.dtype} array; expected uint8 (0 = paper, 255 = ink) "
            f"of shape {image.shape}"
        )
    if result.shape != image.shape:
        raise InvalidParameterError(
            f"{owner} returned an array of shape {result.shape}; expected the input's shape "
            f"{image.shape}"
        )
    return result
