"""Affine transforms: shift, scale, rotate, shear, size variation, baseline jitter.

Each is one affine map about a point of the ink box; consecutive ones are
fused into a single warp (:func:`fuse`, :func:`warp_fused`), which
:func:`~.frame.warp_fit` keeps inside the frame.
"""

from __future__ import annotations

import itertools
import math
from typing import ClassVar

import numpy as np

from .base import Params, Transform, U8Array, uniform
from .checks import Boxes, check_number, check_range
from .frame import IDENTITY, Matrix, compose, ink_box, warp_fit

__all__ = [
    "AffineTransform",
    "BaselineJitter",
    "Rotate",
    "Scale",
    "Shear",
    "Shift",
    "SizeVariation",
    "fuse",
    "warp_fused",
]


class AffineTransform(Transform):
    """A geometric transform that is one affine map; consecutive ones are fused into one warp.

    Sampled parameters carry the map's ``linear`` part ``(a, b, d, e)`` and
    its ``offset`` ``(tx, ty)``; the linear part acts about the :attr:`anchor`
    of the input's ink box. The result is applied with :func:`warp_fit`, so
    no ink leaves the frame.
    """

    default_stage = "glyph"
    geometric = True
    #: Point the linear part acts about: the ink box's ``"centre"`` or its
    #: ``"baseline"`` (bottom centre).
    anchor: ClassVar[str | None] = "centre"

    def matrix(self, params: Params, box: tuple[int, int, int, int]) -> Matrix:
        """The map for ``params`` on an image whose ink box is ``box``."""
        return fuse([(self.anchor, params)], box)

    def apply(self, image: U8Array, params: Params) -> U8Array:
        return warp_fused(image, [(self.anchor, params)])


def warp_fused(image: U8Array, items: list[tuple[str | None, Params]]) -> U8Array:
    """Apply affine parameters ``(anchor, params)``, in order, as one warp (see :func:`fuse`)."""
    box = ink_box(image)
    return warp_fit(image, fuse(items, box), box)


def fuse(items: list[tuple[str | None, Params]], box: tuple[int, int, int, int]) -> Matrix:
    """Compose affine parameters ``(anchor, params)`` in order into one map about ``box``."""
    x, y, w, h = box
    cx, cy, base = x + (w - 1) / 2, y + (h - 1) / 2, y + h - 1
    matrix = IDENTITY
    for anchor, params in items:
        la, lb, ld, le = params["linear"]
        tx, ty = params["offset"]
        ay = cy if anchor == "centre" else base
        # this step: p -> L (p - anchor) + anchor + offset; then compose after the map so far
        tx += cx - la * cx - lb * ay
        ty += ay - ld * cx - le * ay
        matrix = compose((la, lb, tx, ld, le, ty), matrix)
    return matrix


_NO_MOVE = (0.0, 0.0)
_NO_LINEAR = (1.0, 0.0, 0.0, 1.0)


def _scalings(changes: list[float]) -> list[Params]:
    """Parameters of uniform scalings by ``1 + u`` for each ``u`` of ``changes``."""
    return [
        {"factor": 1.0 + u, "linear": (1.0 + u, 0.0, 0.0, 1.0 + u), "offset": _NO_MOVE}
        for u in changes
    ]


class Shift(AffineTransform):
    """Move the ink by a random fraction of the frame size (seed 004's "shift").

    Parameters
    ----------
    limit:
        Fraction of the frame's width (x) and height (y), drawn uniformly from
        ``(-limit, limit)`` per axis, or from ``(min, max)``; within
        ``-0.5..0.5``. Default 0.0625 (albumentations' ``shift_limit``). The
        move is clamped so no ink leaves the frame. In the glyph stage only
        the vertical part shows: spacing is measured between ink.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "shift"

    def __init__(
        self,
        limit: float | tuple[float, float] = 0.0625,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "Shift", "limit", -0.5, 0.5, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        height, width = shape
        dx, dy = uniform(rng, self.limit, n), uniform(rng, self.limit, n)
        return [
            {"dx": x, "dy": y, "linear": _NO_LINEAR, "offset": (x, y)}
            for x, y in zip((u * width for u in dx), (v * height for v in dy))
        ]


class Scale(AffineTransform):
    """Resize the ink about its centre (seed 004's "scale").

    Parameters
    ----------
    limit:
        The factor is ``1 + u`` with ``u`` drawn from ``(-limit, limit)`` or
        ``(min, max)``, within ``-0.5..1.0`` (factors 0.5-2). Default 0.1.
        Ink that would outgrow the frame is shrunk back into it.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "scale"

    def __init__(
        self, limit: float | tuple[float, float] = 0.1, *, p: float = 0.5, stage: str | None = None
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "Scale", "limit", -0.5, 1.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return _scalings(uniform(rng, self.limit, n))


class Rotate(AffineTransform):
    """Turn the ink about its centre (seed 004's "rotate").

    Parameters
    ----------
    limit:
        Angle in degrees, counter-clockwise as seen, drawn from
        ``(-limit, limit)`` or ``(min, max)`` within ``-180..180``. Default 15.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "rotate"

    def __init__(
        self,
        limit: float | tuple[float, float] = 15.0,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "Rotate", "limit", -180.0, 180.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        params: list[Params] = []
        for angle in uniform(rng, self.limit, n):
            cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            # y points down in images, so this turns counter-clockwise as seen.
            params.append({"angle": angle, "linear": (cos, sin, -sin, cos), "offset": _NO_MOVE})
        return params


class Shear(AffineTransform):
    """Slant the ink like italic writing, about its centre.

    Parameters
    ----------
    limit:
        Slant angle in degrees (positive leans the top to the right), drawn
        from ``(-limit, limit)`` or ``(min, max)`` within ``-45..45``. Default 12.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "shear"

    def __init__(
        self,
        limit: float | tuple[float, float] = 12.0,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "Shear", "limit", -45.0, 45.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [
            {
                "angle": angle,
                "linear": (1.0, -math.tan(math.radians(angle)), 0.0, 1.0),
                "offset": _NO_MOVE,
            }
            for angle in uniform(rng, self.limit, n)
        ]


class SizeVariation(AffineTransform):
    """Vary each digit's size about its baseline (bottom centre of the ink), as writing does.

    Parameters
    ----------
    limit:
        The factor is ``1 + u`` with ``u`` drawn from ``(-limit, limit)`` or
        ``(min, max)`` within ``-0.5..0.5``. Default 0.1.
    p, stage:
        See :class:`Transform`; default ``p=1``.
    """

    name = "size_variation"
    anchor = "baseline"

    def __init__(
        self, limit: float | tuple[float, float] = 0.1, *, p: float = 1.0, stage: str | None = None
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "SizeVariation", "limit", -0.5, 0.5, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return _scalings(uniform(rng, self.limit, n))


class BaselineJitter(AffineTransform):
    """Move each digit up or down; the baseline wanders along the sequence like real writing.

    The offset of digit ``k`` is an independent jitter drawn from
    ``(-limit, limit)`` plus a random walk with steps of standard deviation
    ``wander``; the walk is centred so the sequence as a whole stays put.
    Offsets are clamped so no ink leaves the frame.

    Parameters
    ----------
    limit:
        Independent jitter in pixels (of a 28-pixel glyph), ``(-limit,
        limit)`` or ``(min, max)`` within ``-8..8``. Default 1.5.
    wander:
        Standard deviation in pixels of the walk's step from one digit to the
        next, ``0..4``. Default 0.75.
    p, stage:
        See :class:`Transform`; default ``p=1`` (``p`` is per digit).
    """

    name = "baseline_jitter"

    def __init__(
        self,
        limit: float | tuple[float, float] = 1.5,
        wander: float = 0.75,
        *,
        p: float = 1.0,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "BaselineJitter", "limit", -8.0, 8.0, symmetric=True)
        self.wander = check_number(wander, "BaselineJitter", "wander", 0.0, 4.0)

    def sample_chosen(
        self,
        rng: np.random.Generator,
        shape: tuple[int, int],
        n: int,
        chosen: list[bool] | None,
        *,
        boxes: Boxes | None = None,
    ) -> list[Params | None]:
        # The walk runs over every digit of the sequence; `p` only decides who follows it.
        offsets = uniform(rng, self.limit, n)
        if self.wander > 0 and n > 1:
            walk = list(itertools.accumulate(rng.normal(0.0, self.wander, n).tolist()))
            mean = sum(walk) / n
            offsets = [jitter + level - mean for jitter, level in zip(offsets, walk)]
        params = [{"dy": dy, "linear": _NO_LINEAR, "offset": (0.0, dy)} for dy in offsets]
        if chosen is None:
            return list(params)
        return [item if pick else None for item, pick in zip(params, chosen)]
