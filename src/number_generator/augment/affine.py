"""Affine transforms: shift, scale, rotate, shear, size variation, baseline jitter.

Each is one affine map about a point of the ink box. A transform draws the
parameters of all the glyphs of a sequence at once (:class:`AffineMaps`: one
random draw per transform), and a run of consecutive ones is composed into a
single map per glyph and applied as one warp (:func:`warp_run`), which
:func:`~.frame.fit_matrix` keeps inside the frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import ClassVar, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from .base import Params, Transform, U8Array, uniforms
from .checks import Boxes, check_number, check_range
from .frame import Matrix, fit_matrix, ink_box, warp_images

__all__ = [
    "AffineMaps",
    "AffineTransform",
    "BaselineJitter",
    "Linear",
    "Rotate",
    "Scale",
    "Shear",
    "Shift",
    "SizeVariation",
    "warp_run",
]

#: The linear part ``(a, b, d, e)`` of a map: ``x' = a x + b y``, ``y' = d x + e y``.
Linear = tuple[float, float, float, float]
_NO_LINEAR: Linear = (1.0, 0.0, 0.0, 1.0)
_NO_MOVE = (0.0, 0.0)
_IDENTITY = np.eye(2)
_ORIGIN = np.zeros(2)
_T = TypeVar("_T")
F64Array = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


class AffineMaps(NamedTuple):
    """One affine transform's parameters for the ``n`` items of a sequence.

    Item ``k``'s map is ``p -> linear[k] (p - anchor) + anchor + offset[k]``,
    the anchor being a point of its ink box; an item not transformed
    (``chosen[k]`` false) has the identity.
    """

    #: Per item; ``None``: the identity for all.
    linear: list[Linear] | None
    #: Per item ``(tx, ty)`` in pixels; ``None``: no offset for any.
    offset: list[tuple[float, float]] | None
    #: The drawn numbers by name (``"angle"``, ``"factor"``, ``"dx"`` …), per item.
    values: dict[str, list[float]]
    #: Per item: whether it is transformed.
    chosen: list[bool]

    def params(self) -> list[Params | None]:
        """Per item, its parameters as :meth:`Transform.sample` gives them (``None``: skipped)."""
        return [
            {
                **{name: column[k] for name, column in self.values.items()},
                "linear": _NO_LINEAR if self.linear is None else self.linear[k],
                "offset": _NO_MOVE if self.offset is None else self.offset[k],
            }
            if pick
            else None
            for k, pick in enumerate(self.chosen)
        ]


def _spread_rows(drawn: F64Array | None, chosen: BoolArray, neutral: F64Array) -> F64Array | None:
    """Per item: the next row of ``drawn`` for a ``chosen`` one, ``neutral`` for the others."""
    if drawn is None or drawn.shape[0] == chosen.size:
        return drawn
    rows: F64Array = np.broadcast_to(neutral, (chosen.size, *neutral.shape)).copy()
    rows[chosen] = drawn
    return rows


def _spread(drawn: list[_T], chosen: list[bool], neutral: _T) -> list[_T]:
    """Per item: the next of ``drawn`` for a ``chosen`` one, ``neutral`` for the others."""
    if len(drawn) == len(chosen):
        return drawn
    items = iter(drawn)
    return [next(items) if pick else neutral for pick in chosen]


class AffineTransform(Transform):
    """A geometric transform that is one affine map; consecutive ones are fused into one warp.

    Subclasses draw the parameters of ``n`` applied items at once
    (:meth:`_draw`); sampled parameters carry the map's ``linear`` part ``(a,
    b, d, e)`` and its ``offset`` ``(tx, ty)``; the linear part acts about the
    :attr:`anchor` of the input's ink box. No ink leaves the frame
    (:func:`~.frame.fit_matrix`).
    """

    default_stage = "glyph"
    geometric = True
    #: Point the linear part acts about: the ink box's ``"centre"`` or its
    #: ``"baseline"`` (bottom centre).
    anchor: ClassVar[str | None] = "centre"

    def _draw(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[dict[str, list[float]], list[Linear] | None, list[tuple[float, float]] | None]:
        """The drawn numbers by name, and the linear parts and offsets of ``n`` applied
        items (``None``: the identity / no offset for all).

        By default from :meth:`_sample`'s one dict per item (with ``"linear"`` and
        ``"offset"``), so a subclass written that way keeps working.
        """
        params = self._sample(rng, shape, n)
        names = [name for name in params[0] if name not in ("linear", "offset")]
        values = {name: [item[name] for item in params] for name in names}
        return values, [item["linear"] for item in params], [item["offset"] for item in params]

    def draw_maps(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, chosen: list[bool]
    ) -> AffineMaps:
        """The maps of ``n`` items of ``shape``, of which the ``chosen`` ones are transformed."""
        count = sum(chosen)
        if not count:
            return AffineMaps(None, None, {}, chosen)
        drawn, linear, offset = self._draw(rng, shape, count)
        return AffineMaps(
            None if linear is None else _spread(linear, chosen, _NO_LINEAR),
            None if offset is None else _spread(offset, chosen, _NO_MOVE),
            {name: _spread(column, chosen, 0.0) for name, column in drawn.items()},
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
        return self.draw_maps(rng, shape, n, [True] * n if chosen is None else chosen).params()

    def batch_maps(
        self, rng: np.random.Generator, shape: tuple[int, int], chosen: BoolArray, lengths: IntArray
    ) -> tuple[F64Array | None, F64Array | None]:
        """The maps of every glyph of a batch of strings (``lengths`` glyphs each, in order) as
        arrays: linear parts ``(N, 2, 2)`` and offsets ``(N, 2)`` (``None``: the identity / no
        offset for all), the identity for the glyphs not ``chosen``. What :meth:`draw_maps`
        draws for one string, for all strings at once."""
        count = int(np.count_nonzero(chosen))
        if not count:
            return None, None
        linear, offset = self._draw_arrays(rng, shape, count)
        return _spread_rows(linear, chosen, _IDENTITY), _spread_rows(offset, chosen, _ORIGIN)

    def _draw_arrays(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[F64Array | None, F64Array | None]:
        """:meth:`_draw`'s linear parts ``(n, 2, 2)`` and offsets ``(n, 2)`` as arrays
        (the built-in transforms compute them in NumPy)."""
        _, linear, offset = self._draw(rng, shape, n)
        return (
            None if linear is None else np.array(linear, np.float64).reshape(n, 2, 2),
            None if offset is None else np.array(offset, np.float64).reshape(n, 2),
        )

    def apply(self, image: U8Array, params: Params) -> U8Array:
        maps = AffineMaps([params["linear"]], [params["offset"]], {}, [True])
        return warp_run([image], [(self.anchor, maps)])[0]


def warp_run(
    images: list[U8Array], steps: Sequence[tuple[str | None, AffineMaps]]
) -> list[U8Array]:
    """Apply a run of affine maps ``(anchor, maps)``, in order, to ``images`` (one per item),
    as one warp per image that some map transforms.

    Every map acts about the anchor of the image's ink box before the run.
    """
    moved = [any(picks) for picks in zip(*(maps.chosen for _, maps in steps))]
    matrices: dict[int, Matrix] = {}
    for k in [k for k, move in enumerate(moved) if move]:
        box = x, y, w, h = ink_box(images[k])
        cx, cy, base = x + (w - 1) / 2, y + (h - 1) / 2, y + h - 1
        a, b, c, d, e, f = 1.0, 0.0, 0.0, 0.0, 1.0, 0.0
        for anchor, maps in steps:
            if not maps.chosen[k]:
                continue
            if maps.linear is not None:
                la, lb, ld, le = maps.linear[k]
                ay = base if anchor == "baseline" else cy
                # this step: p -> L (p - anchor) + anchor, composed after the map so far
                a, b, c, d, e, f = (
                    la * a + lb * d,
                    la * b + lb * e,
                    la * c + lb * f + cx - la * cx - lb * ay,
                    ld * a + le * d,
                    ld * b + le * e,
                    ld * c + le * f + ay - ld * cx - le * ay,
                )
            if maps.offset is not None:
                tx, ty = maps.offset[k]
                c, f = c + tx, f + ty
        matrices[k] = fit_matrix(images[k], (a, b, c, d, e, f), box)
    return warp_images(images, matrices) if matrices else images


def _scalings(
    rng: np.random.Generator, bounds: tuple[float, float], n: int
) -> tuple[dict[str, list[float]], list[Linear] | None, list[tuple[float, float]] | None]:
    """Uniform scalings by ``1 + u``, ``u`` drawn from ``bounds``: values, linear, offset."""
    factors: list[float] = (1.0 + uniforms(rng, bounds, n)).tolist()
    return {"factor": factors}, [(s, 0.0, 0.0, s) for s in factors], None


def _scaling_arrays(rng: np.random.Generator, bounds: tuple[float, float], n: int) -> F64Array:
    """:func:`_scalings`' linear parts as an ``(n, 2, 2)`` array."""
    linear = np.zeros((n, 2, 2))
    linear[:, 0, 0] = linear[:, 1, 1] = 1.0 + uniforms(rng, bounds, n)
    return linear


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
    ) -> tuple[dict[str, list[float]], list[Linear] | None, list[tuple[float, float]] | None]:
        height, width = shape
        dx: list[float] = (uniforms(rng, self.limit, n) * width).tolist()
        dy: list[float] = (uniforms(rng, self.limit, n) * height).tolist()
        return {"dx": dx, "dy": dy}, None, list(zip(dx, dy))

    def _draw_arrays(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[F64Array | None, F64Array | None]:
        height, width = shape
        dx = uniforms(rng, self.limit, n) * width
        return None, np.stack([dx, uniforms(rng, self.limit, n) * height], axis=1)


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
    ) -> tuple[dict[str, list[float]], list[Linear] | None, list[tuple[float, float]] | None]:
        return _scalings(rng, self.limit, n)

    def _draw_arrays(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[F64Array | None, F64Array | None]:
        return _scaling_arrays(rng, self.limit, n), None


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
    ) -> tuple[dict[str, list[float]], list[Linear] | None, list[tuple[float, float]] | None]:
        angles: list[float] = uniforms(rng, self.limit, n).tolist()
        linear: list[Linear] = []
        for angle in angles:
            cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
            # y points down in images, so this turns counter-clockwise as seen.
            linear.append((cos, sin, -sin, cos))
        return {"angle": angles}, linear, None

    def _draw_arrays(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[F64Array | None, F64Array | None]:
        radians = np.radians(uniforms(rng, self.limit, n))
        cos, sin = np.cos(radians), np.sin(radians)
        return np.stack([cos, sin, -sin, cos], axis=1).reshape(n, 2, 2), None


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
    ) -> tuple[dict[str, list[float]], list[Linear] | None, list[tuple[float, float]] | None]:
        angles: list[float] = uniforms(rng, self.limit, n).tolist()
        linear = [(1.0, -math.tan(math.radians(angle)), 0.0, 1.0) for angle in angles]
        return {"angle": angles}, linear, None

    def _draw_arrays(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[F64Array | None, F64Array | None]:
        linear = np.zeros((n, 2, 2))
        linear[:, 0, 0] = linear[:, 1, 1] = 1.0
        linear[:, 0, 1] = -np.tan(np.radians(uniforms(rng, self.limit, n)))
        return linear, None


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
    ) -> tuple[dict[str, list[float]], list[Linear] | None, list[tuple[float, float]] | None]:
        return _scalings(rng, self.limit, n)

    def _draw_arrays(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int
    ) -> tuple[F64Array | None, F64Array | None]:
        return _scaling_arrays(rng, self.limit, n), None


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
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, chosen: list[bool]
    ) -> AffineMaps:
        # The walk runs over every digit of the sequence; `p` only decides who follows it.
        offsets = uniforms(rng, self.limit, n)
        if self.wander > 0 and n > 1:
            walk = np.cumsum(rng.normal(0.0, self.wander, n))
            offsets += walk - walk.mean()
        dy = [jitter if pick else 0.0 for jitter, pick in zip(offsets.tolist(), chosen)]
        return AffineMaps(None, [(0.0, y) for y in dy], {"dy": dy}, chosen)

    def batch_maps(
        self, rng: np.random.Generator, shape: tuple[int, int], chosen: BoolArray, lengths: IntArray
    ) -> tuple[F64Array | None, F64Array | None]:
        # The walk runs along each string (centred per string), as draw_maps' along one.
        offsets = uniforms(rng, self.limit, chosen.size)
        if self.wander > 0:
            walk = np.cumsum(rng.normal(0.0, self.wander, chosen.size))
            starts = np.cumsum(lengths) - lengths
            before = np.repeat(np.append(0.0, walk)[starts], lengths)  # the walk before each
            walk -= before
            means = np.add.reduceat(walk, starts) / np.maximum(lengths, 1)
            walk -= np.repeat(means, lengths)
            offsets += np.where(np.repeat(lengths > 1, lengths), walk, 0.0)
        move = np.zeros((chosen.size, 2))
        move[:, 1] = np.where(chosen, offsets, 0.0)
        return None, move
