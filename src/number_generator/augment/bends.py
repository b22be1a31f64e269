"""The distortions of the batched glyph stage (elastic, grid, optical) for many glyphs.

:mod:`.fused` composes each glyph's affine map and the distortions after it into one
map; this module holds the distortions' part, as :class:`Bend` s (one distortion as
drawn for the glyphs it moves): how far they can move ink (:func:`reach` for a whole
step, :func:`pushed` for each glyph's ink box), and where they make a point of a
glyph's map sample (:func:`pull`: an elastic field's displacement, a grid's
piecewise linear axes, a lens' radial polynomial), on coarse grids of
:func:`grid_steps` px whose points :func:`cells` counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .base import Transform
from .distortion import (
    ElasticTransform,
    GridDistortion,
    OpticalDistortion,
    lens_sources,
    lens_spread,
)

__all__ = [
    "BENT_STEP",
    "Bend",
    "cells",
    "field_cells",
    "grid_steps",
    "pull",
    "pushed",
    "reach",
    "refined",
]

F32Array = npt.NDArray[np.float32]
F64Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

#: Pixels per cell (at most) of the coarse grid of the maps of glyphs a grid or a lens moves:
#: their maps curve between its points, which the maps only follow linearly (a lens' ink
#: would grow by 2 % at 4 px, by 0.5 % at 2).
BENT_STEP = 2


class Bend(NamedTuple):
    """One distortion of a step as drawn: the glyphs it moves (indices, ascending) and its
    parameters for each of them (elastic: the coarse fields; grid: the knots of the x and
    y maps; optical: ``k``, ``cx``, ``cy``)."""

    transform: Transform
    who: IntArray
    params: tuple[npt.NDArray[Any], ...]

    def within(self, items: IntArray) -> Bend:
        """The bend of the glyphs among ``items`` (ascending), ``who`` as positions in it."""
        rows = np.minimum(np.searchsorted(self.who, items), max(len(self.who) - 1, 0))
        where = np.flatnonzero(self.who[rows] == items) if len(self.who) else rows[:0]
        return Bend(self.transform, where, tuple(p[rows[where]] for p in self.params))


def cells(size: int, step: int) -> int:
    """Points of the coarse grid over ``size`` canvas pixels, one more on each side: point
    ``j`` sits at ``step * j + (step - 1) / 2 - step`` on the canvas, so that upsampling
    the grid (``cv2.resize``) interpolates every canvas pixel between grid points."""
    return int(np.ceil((size + step - 0.5) / step + 0.5))


def reach(distortions: Sequence[Transform], frame: tuple[int, int]) -> int:
    """Pixels beyond the frame that a step's distortions may move ink to (their strongest
    draws; the affine map leaves the ink in the frame): an elastic field's cap, a
    pincushion's push (:func:`~.distortion.lens_spread`); a grid keeps the frame."""
    height, width = frame
    radius = min(frame) / 2
    total = 0.0
    for transform in distortions:
        if isinstance(transform, ElasticTransform):
            total += transform.pad - 1
        elif isinstance(transform, OpticalDistortion):
            shift = max(abs(v) for v in transform.shift_limit)
            half_w = (width - 1) / 2 + shift * width + total + 1
            far = math.hypot(half_w, (height - 1) / 2 + shift * height + total + 1) / radius
            total += (float(lens_spread(transform.limit[0], far)) - 1.0) * far * radius
    return math.ceil(total)


def grid_steps(distortions: Sequence[Transform]) -> tuple[int, int]:
    """Pixels per cell of the coarse grid of a step's maps: its elastic field's, and, for
    glyphs that a grid or a lens also moves (their maps curve between the points, which
    the maps only follow linearly), :data:`BENT_STEP` if that divides the field's."""
    fields = [t.step for t in distortions if isinstance(t, ElasticTransform)]
    field = fields[0] if fields else BENT_STEP
    return field, BENT_STEP if field % BENT_STEP == 0 else field


def field_cells(size: int, step: int, fine: int) -> int:
    """Points of a field's grid (``step`` px apart) covering ``size`` canvas pixels, also
    once interpolated onto a grid ``fine`` px apart (:func:`refined`)."""
    own = cells(size, step)
    return own if fine == step else max(own, cells(size, fine) // (step // fine) + 2)


def refined(fields: F32Array, ratio: int, rows: int, cols: int) -> F32Array:
    """Coarse ``fields`` interpolated (as upsampling them would) onto a grid ``ratio`` times
    finer, ``rows`` x ``cols`` points of it: point ``i`` of ``cv2.resize``'s grid
    ``ratio`` times finer is point ``i - ratio + 1`` of the finer canvas grid."""
    import cv2

    m = len(fields)
    own_rows, own_cols = rows // ratio + 2, cols // ratio + 2
    coarse = np.ascontiguousarray(fields[:, :own_rows, :own_cols]).reshape(
        m * own_rows, own_cols, 2
    )
    fine = cast(F32Array, cv2.resize(coarse, (own_cols * ratio, m * own_rows * ratio)))
    fine = fine.reshape(m, own_rows * ratio, own_cols * ratio, 2)
    return fine[:, ratio - 1 : ratio - 1 + rows, ratio - 1 : ratio - 1 + cols]


def pushed(bend: Bend, low: F64Array, high: F64Array, frame: tuple[int, int]) -> None:
    """``low``, ``high`` (``(m, 2)`` x, y bounds of the ink) moved, in place, to bound the
    ink after ``bend``: an elastic field moves it by up to its cap, a grid maps the bound
    forward, a lens moves ink along rays from its centre by up to
    :func:`~.distortion.lens_spread` of its radius (towards the centre for ``k > 0``)."""
    who, transform = bend.who, bend.transform
    if isinstance(transform, ElasticTransform):
        low[who] -= transform.pad - 1
        high[who] += transform.pad - 1
    elif isinstance(transform, GridDistortion):
        for axis, knots in enumerate(bend.params):
            even = np.broadcast_to(
                np.linspace(0.0, frame[1 - axis] - 1, knots.shape[1]), knots.shape
            )
            for bound in (low, high):
                bound[who, axis] = _piecewise(bound[who, axis], even, knots)
    else:
        k, cx, cy = bend.params
        centre = np.stack([cx, cy], axis=1)
        below, above = low[who] - centre, high[who] - centre
        far = np.hypot(*np.maximum(-below, above).T) / (min(frame) / 2)
        spread = lens_spread(k, far)[:, None]
        low[who] = centre + np.minimum(np.minimum(below, below * spread), 0.0)
        high[who] = centre + np.maximum(np.maximum(above, above * spread), 0.0)


def pull(bend: Bend, xs: F32Array, ys: F32Array, frame: tuple[int, int], step: int) -> None:
    """The points ``xs``, ``ys`` (frame coordinates, ``(m, …)``) of the glyphs of ``bend``
    moved, in place, to where its distortion samples them. An elastic field (points on a
    coarse grid ``step`` px apart only) is read at the canvas's grid point, whatever the
    later distortions did to the point: the same field, its smoothness stretched by them."""
    who, transform = bend.who, bend.transform
    if not who.size:
        return
    if isinstance(transform, ElasticTransform):
        rows, cols = xs.shape[1:]
        ratio = transform.step // step
        fields = bend.params[0]
        field = refined(fields, ratio, rows, cols) if ratio > 1 else fields[:, :rows, :cols]
        xs[who] += field[..., 0]
        ys[who] += field[..., 1]
    elif isinstance(transform, GridDistortion):
        for points, knots, size in zip((xs, ys), bend.params, frame[::-1]):
            even = np.broadcast_to(np.linspace(0.0, size - 1, knots.shape[1]), knots.shape)
            points[who] = _piecewise(points[who], knots, even)
    else:
        k, cx, cy = (p[:, None, None] for p in bend.params)
        xs[who], ys[who] = lens_sources(xs[who], ys[who], k, cx, cy, min(frame) / 2)


def _piecewise(coords: F64Array | F32Array, knots: F64Array, values: F64Array) -> F64Array:
    """Each item's piecewise linear map through the points ``(knots[k], values[k])`` (both
    ascending, equal at the ends) at ``coords[k]`` (any shape after the first axis); the
    identity beyond the ends."""
    m, count = knots.shape
    flat = coords.reshape(m, -1)
    piece = np.zeros(flat.shape, np.intp)  # 0: before the first knot, count: after the last
    for j in range(count):
        piece += flat >= knots[:, j : j + 1]
    slope = np.ones((m, count + 1))
    offset = np.zeros((m, count + 1))
    slope[:, 1:count] = np.diff(values, axis=1) / np.diff(knots, axis=1)
    offset[:, 1:count] = values[:, :-1] - slope[:, 1:count] * knots[:, :-1]
    mapped: F64Array = (
        np.take_along_axis(offset, piece, 1) + np.take_along_axis(slope, piece, 1) * flat
    )
    return mapped.reshape(coords.shape)
