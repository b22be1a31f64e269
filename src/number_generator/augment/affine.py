"""Affine transforms: shift, scale, rotate, shear, size variation, baseline jitter.

Each is one affine map about a point of the ink box. Their parameters are
drawn as arrays for a whole stack of glyphs at once (:class:`AffineMaps`), and
a run of consecutive ones is composed into one map per glyph with NumPy
(:func:`warp_run`); :func:`~.frame.warp_stack` then applies it, keeping the ink
inside the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from .._util.glyphs import ink_extents
from .base import Params, Transform, U8Array, uniforms
from .checks import Boxes, check_number, check_range
from .frame import warp_stack

__all__ = [
    "AffineMaps",
    "AffineTransform",
    "BaselineJitter",
    "Rotate",
    "Scale",
    "Shear",
    "Shift",
    "SizeVariation",
    "warp_run",
]

F64Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class AffineMaps(NamedTuple):
    """One affine transform's parameters for ``n`` items, as arrays.

    Item ``k``'s map is ``p -> linear[k] @ (p - anchor) + anchor + offset[k]``,
    the anchor being a point of its ink box; an item not transformed
    (``chosen[k]`` false) has the identity, so maps compose without masks.
    """

    #: ``(n, 2, 2)``: ``[[a, b], [d, e]]`` per item; ``None``: the identity for all.
    linear: F64Array | None
    #: ``(n, 2)``: ``(tx, ty)`` in pixels per item; ``None``: no offset for any.
    offset: F64Array | None
    #: The drawn numbers by name (``"angle"``, ``"factor"``, ``"dx"`` …), ``(n,)`` each.
    values: dict[str, F64Array]
    #: ``(n,)``: whether the item is transformed.
    chosen: BoolArray

    def params(self) -> list[Params | None]:
        """Per item, its parameters as :meth:`Transform.sample` gives them (``None``: skipped)."""
        n = self.chosen.size
        linear = (_EYE if self.linear is None else self.linear).reshape(-1, 4).tolist()
        offset = (np.zeros((1, 2)) if self.offset is None else self.offset).tolist()
        values = {name: column.tolist() for name, column in self.values.items()}
        return [
            {
                **{name: column[k] for name, column in values.items()},
                "linear": tuple(linear[k if len(linear) == n else 0]),
                "offset": tuple(offset[k if len(offset) == n else 0]),
            }
            if pick
            else None
            for k, pick in enumerate(self.chosen.tolist())
        ]


_EYE = np.eye(2)[None]


def _spread(drawn: F64Array, chosen: BoolArray, neutral: F64Array) -> F64Array:
    """Per-item rows: ``drawn`` for the ``chosen`` items, ``neutral`` for the others."""
    if len(drawn) == chosen.size:
        return drawn
    full = np.repeat(neutral, chosen.size, axis=0)
    full[chosen] = drawn
    return full


class AffineTransform(Transform):
    """A geometric transform that is one affine map; consecutive ones are fused into one warp.

    Subclasses draw the parameters of ``n`` applied items as arrays
    (:meth:`_draw`); sampled parameters carry the map's ``linear`` part ``(a,
    b, d, e)`` and its ``offset`` ``(tx, ty)``; the linear part acts about the
    :attr:`anchor` of the input's ink box. No ink leaves the frame
    (:func:`~.frame.warp_stack`).
    """

    default_stage = "glyph"
    geometric = True
    #: Point the linear part acts about: the ink box's ``"centre"`` or its
    #: ``"baseline"`` (bottom centre).
    anchor: ClassVar[str | None] = "centre"

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[dict[str, F64Array], F64Array | None, F64Array | None]:
        """The drawn numbers by name, and the linear parts ``(n, 2, 2)`` and offsets
        ``(n, 2)`` of ``n`` applied items (``None``: the identity / no offset)."""
        raise NotImplementedError

    def draw_maps(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, chosen: BoolArray
    ) -> AffineMaps:
        """The maps of ``n`` items of ``shape``, of which the ``chosen`` ones are transformed."""
        count = int(np.count_nonzero(chosen))
        if not count:
            return AffineMaps(None, None, {}, chosen)
        drawn, linear, offset = self._draw(rng, shape, count)
        return AffineMaps(
            None if linear is None else _spread(linear, chosen, _EYE),
            None if offset is None else _spread(offset, chosen, _ZERO2),
            {name: _spread(column, chosen, _ZERO) for name, column in drawn.items()},
            chosen,
        )

    def sample_chosen(
        self,
        rng: np.random.Generator,
        shape: tuple[int, int],
        n: int,
        chosen: list[bool] | None,
        *,
        boxes: Boxes | None = None,
    ) -> list[Params | None]:
        picked = np.ones(n, np.bool_) if chosen is None else np.array(chosen, np.bool_)
        return self.draw_maps(rng, shape, n, picked).params()

    def apply(self, image: U8Array, params: Params) -> U8Array:
        maps = AffineMaps(
            np.array(params["linear"], np.float64).reshape(1, 2, 2),
            np.array([params["offset"]], np.float64),
            {},
            np.ones(1, np.bool_),
        )
        return warp_run(image[None], [(self.anchor, maps)])[0]


_ZERO = np.zeros(1)
_ZERO2 = np.zeros((1, 2))


def _scalings(
    rng: np.random.Generator, bounds: tuple[float, float], n: int
) -> tuple[dict[str, F64Array], F64Array | None, F64Array | None]:
    """Uniform scalings by ``1 + u``, ``u`` drawn from ``bounds``: values, linear, offset."""
    factor = 1.0 + uniforms(rng, bounds, n)
    linear = np.zeros((n, 2, 2))
    linear[:, 0, 0] = linear[:, 1, 1] = factor
    return {"factor": factor}, linear, None


def warp_run(stack: U8Array, steps: Sequence[tuple[str | None, AffineMaps]]) -> U8Array:
    """Apply a run of affine maps ``(anchor, maps)``, in order, to a stack ``(n, h, w)`` as
    one warp per image (only images some map transforms); a new stack.

    Every map acts about the anchor of the image's ink box before the run.
    """
    moved = np.logical_or.reduce([maps.chosen for _, maps in steps])
    if not moved.any():
        return stack
    extents = ink_extents(stack)
    centre = (extents[:, :2] + extents[:, 2:] - 1) / 2
    # In coordinates about the centre, p -> linear p + shift; the baseline is `drop` below.
    linear: F64Array = np.repeat(_EYE, len(stack), axis=0)
    shift = np.zeros((len(stack), 2))
    for anchor, maps in steps:
        if maps.linear is not None:
            linear = maps.linear @ linear
            shift = np.einsum("nij,nj->ni", maps.linear, shift)
            if anchor == "baseline":  # p -> L (p - d) + d, d = (0, drop): add d - L d
                drop = extents[:, 3] - 1 - centre[:, 1]
                shift[:, 0] -= maps.linear[:, 0, 1] * drop
                shift[:, 1] += (1.0 - maps.linear[:, 1, 1]) * drop
        if maps.offset is not None:
            shift += maps.offset
    # Back to image coordinates: p -> linear (p - centre) + centre + shift.
    shift += centre - np.einsum("nij,nj->ni", linear, centre)
    matrices = np.concatenate([linear, shift[:, :, None]], axis=2)
    return warp_stack(stack, matrices, moved, extents)


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

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[dict[str, F64Array], F64Array | None, F64Array | None]:
        height, width = shape
        dx = uniforms(rng, self.limit, n) * width
        dy = uniforms(rng, self.limit, n) * height
        return {"dx": dx, "dy": dy}, None, np.stack([dx, dy], axis=1)


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

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[dict[str, F64Array], F64Array | None, F64Array | None]:
        return _scalings(rng, self.limit, n)


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

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[dict[str, F64Array], F64Array | None, F64Array | None]:
        angle = uniforms(rng, self.limit, n)
        turn = np.radians(angle)
        cos, sin = np.cos(turn), np.sin(turn)
        # y points down in images, so this turns counter-clockwise as seen.
        linear = np.stack([cos, sin, -sin, cos], axis=1).reshape(n, 2, 2)
        return {"angle": angle}, linear, None


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

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[dict[str, F64Array], F64Array | None, F64Array | None]:
        angle = uniforms(rng, self.limit, n)
        linear = np.repeat(_EYE, n, axis=0)
        linear[:, 0, 1] = -np.tan(np.radians(angle))
        return {"angle": angle}, linear, None


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

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[dict[str, F64Array], F64Array | None, F64Array | None]:
        return _scalings(rng, self.limit, n)


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

    def draw_maps(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, chosen: BoolArray
    ) -> AffineMaps:
        # The walk runs over every digit of the sequence; `p` only decides who follows it.
        dy = uniforms(rng, self.limit, n)
        if self.wander > 0 and n > 1:
            walk = np.cumsum(rng.normal(0.0, self.wander, n))
            dy = dy + (walk - walk.mean())
        dy = np.where(chosen, dy, 0.0)
        offset = np.zeros((n, 2))
        offset[:, 1] = dy
        return AffineMaps(None, offset, {"dy": dy}, chosen)
