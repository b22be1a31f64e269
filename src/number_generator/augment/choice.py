"""Choosing between transforms: :class:`OneOf` applies one of several, drawn per item."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError
from .base import Params, Transform, U8Array
from .batched import Matrices, apply_chosen
from .checks import Boxes, check_number

__all__ = ["OneOf"]


class OneOf(Transform):
    """One of several image-stage transforms per item, e.g. one kind of printed form.

    With probability ``p`` an item gets exactly one of ``transforms``, drawn
    with ``weights``; the chosen one then applies with its own ``p``. Layout-aware
    choices get the digits' boxes, and a chosen scan warp still moves them.

    Parameters
    ----------
    transforms:
        Two or more :class:`Transform` objects of the image stage.
    weights:
        Relative chance of each, non-negative numbers with a positive sum;
        default equal.
    p:
        Probability that an item gets one of them; default 1.

    Examples
    --------
    >>> from number_generator.augment import BaselineRule, CombBoxes
    >>> form = OneOf([BaselineRule(p=1.0), CombBoxes(p=1.0)], weights=(2, 1), p=0.5)
    >>> form.weights
    (0.6666666666666666, 0.3333333333333333)
    """

    uses_boxes = True
    image_only = True

    def __init__(
        self,
        transforms: Sequence[Transform],
        weights: Sequence[float] | None = None,
        *,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p, stage="image")
        items = list(transforms) if isinstance(transforms, (list, tuple)) else None
        if not items or len(items) < 2 or not all(isinstance(t, Transform) for t in items):
            raise InvalidTypeError(
                f"OneOf: transforms={transforms!r}: expected a list of two or more transforms",
                param="transforms",
                value=transforms,
            )
        glyph = [t for t in items if t.stage != "image"]
        if glyph:
            raise InvalidParameterError(
                f"OneOf: transforms: {glyph[0]!r} runs in the {glyph[0].stage!r} stage; OneOf "
                "chooses between image-stage transforms",
                param="transforms",
                value=transforms,
            )
        self.transforms: tuple[Transform, ...] = tuple(items)
        self.weights = _weights(weights, len(items))

    def __repr__(self) -> str:
        shown = ", ".join(map(repr, self.transforms))
        return f"OneOf([{shown}], weights={self.weights!r}, p={self.p!r})"

    def _sample_in(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, boxes: Boxes | None
    ) -> list[Params]:
        picks = rng.choice(len(self.transforms), n, p=self.weights).tolist()
        out = []
        for pick in picks:
            params = self.transforms[pick].sample(rng, shape, 1, boxes=boxes)[0]
            out.append({"pick": pick, "params": params})
        return out

    def apply(self, image: U8Array, params: Params) -> U8Array:
        if params["params"] is None:  # the chosen transform's own p said no
            return image
        return self.transforms[int(params["pick"])].apply(image, params["params"])

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        picks = rng.choice(len(self.transforms), len(images), p=self.weights)
        matrices: Matrices = [None] * len(images)
        for pick, transform in enumerate(self.transforms):
            index = np.flatnonzero(picks == pick)
            index = index[rng.random(index.size) < transform.p]  # the chosen one's own p
            images = apply_chosen(transform, images, index, rng, boxes, matrices)
        return images, matrices if any(m is not None for m in matrices) else None

    def warp(self, params: Params) -> npt.NDArray[np.float64] | None:
        if params["params"] is None:
            return None
        return self.transforms[int(params["pick"])].warp(params["params"])


def _weights(weights: Any, count: int) -> tuple[float, ...]:
    """``weights`` normalised to sum 1 (equal when ``None``)."""
    if weights is None:
        return (1.0 / count,) * count
    if not isinstance(weights, (list, tuple)) or len(weights) != count:
        raise InvalidTypeError(
            f"OneOf: weights={weights!r}: expected {count} numbers, one per transform",
            param="weights",
            value=weights,
        )
    values = [check_number(w, "OneOf", "weights", 0.0, float("inf")) for w in weights]
    total = sum(values)
    if total <= 0:
        raise InvalidParameterError(
            f"OneOf: weights={weights!r}: at least one weight must be positive",
            param="weights",
            value=weights,
        )
    return tuple(v / total for v in values)
