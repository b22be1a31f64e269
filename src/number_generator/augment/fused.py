"""The glyph stage for the glyphs of many strings at once: parameters in NumPy, geometry fused.

:meth:`Pipeline.transform_glyphs <.pipeline.Pipeline.transform_glyphs>` runs one
string's glyphs; :func:`transform_glyph_batch` runs a whole batch's. Every
transform's parameters are drawn for all the glyphs in one go (the baseline still
wanders along each string, not across strings), and each run of affine transforms,
with the elastic distortion that may follow it, becomes **one** map per glyph: the
affine part composed and fitted into the frame from the ink box's corners, the
elastic field a window of a seeded bank (:meth:`.ElasticTransform.coarse_fields`)
added to it on the field's coarse grid. The maps are upsampled together and all the
glyphs are resampled by one ``cv2.remap`` over a mosaic of them. Stroke thickness
filters the stack as one tall image (:meth:`.StrokeThickness.apply_stack`).

The distributions are those of the per-string stage; the pixels are not the same
(one resampling instead of two, the elastic field from the bank). Only the built-in
transforms of :data:`BATCHED` are understood: :func:`batch_plan` returns ``None``
for any other glyph stage, which callers then run string by string.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from .._util.glyphs import ink_extents
from .affine import AffineTransform, BaselineJitter, Rotate, Scale, Shear, Shift, SizeVariation
from .base import Transform, U8Array, uniforms
from .distortion import ElasticTransform
from .frame import fit_frame, fit_matrix
from .morphology import StrokeThickness

__all__ = ["BATCHED", "batch_plan", "transform_glyph_batch"]

F32Array = npt.NDArray[np.float32]
F64Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

#: The glyph-stage transforms the batched stage understands (these classes exactly).
BATCHED: tuple[type[Transform], ...] = (
    Rotate,
    Shear,
    Scale,
    Shift,
    SizeVariation,
    BaselineJitter,
    ElasticTransform,
    StrokeThickness,
)
# Rows of a mosaic per remap: a few thousand keep its maps in the cache (and OpenCV's remap
# takes coordinates below 2**15).
_MAX_ROWS = 4000
# Pixels an elastic canvas may need beyond the frame padded by the field's cap (see _windows).
_SLACK = 4


class _Geometry(NamedTuple):
    """A run of affine transforms and the elastic distortion after it (either may be empty)."""

    affine: tuple[int, ...]
    elastic: int | None


_Step = _Geometry | int  # a geometric run, or the index of a stroke thickness


@lru_cache(maxsize=64)
def batch_plan(transforms: tuple[Transform, ...]) -> tuple[_Step, ...] | None:
    """How :func:`transform_glyph_batch` runs a glyph stage, or ``None`` if it holds a
    transform not in :data:`BATCHED` (a user's, a grid or optical distortion …)."""
    steps: list[_Step] = []
    run: list[int] = []
    for i, transform in enumerate(transforms):
        kind = type(transform)
        if kind not in BATCHED:
            return None
        if isinstance(transform, AffineTransform):
            run.append(i)
        elif kind is ElasticTransform:
            steps.append(_Geometry(tuple(run), i))
            run = []
        else:
            if run:
                steps.append(_Geometry(tuple(run), None))
                run = []
            steps.append(i)
    if run:
        steps.append(_Geometry(tuple(run), None))
    return tuple(steps)


def transform_glyph_batch(
    transforms: Sequence[Transform],
    glyphs: U8Array,
    lengths: IntArray,
    rng: np.random.Generator,
    extents: IntArray | None = None,
) -> U8Array:
    """The glyph stage ``transforms`` (a :func:`batch_plan` one) on a stack of glyph canvases.

    Parameters
    ----------
    transforms:
        The pipeline's glyph transforms, all of :data:`BATCHED`.
    glyphs:
        ``uint8`` ``(N, height, width)``: the canvases of every string's glyphs, string
        after string; changed in place and returned.
    lengths:
        Glyphs of each string (each at least 1), summing to ``N``.
    rng:
        The random stream: every ``p`` coin first, then each transform's parameters.
    extents:
        The glyphs' ink boxes ``(N, 4)``, ``x0, y0, x1, y1`` (ends exclusive), if known
        (:func:`~number_generator._util.glyphs.ink_extents`); else measured.
    """
    plan = batch_plan(tuple(transforms))
    if plan is None:
        raise ValueError("transform_glyph_batch: a transform is not one of BATCHED")
    n, height, width = glyphs.shape
    probabilities = np.array([t.p for t in transforms], np.float64)[:, None]
    coins = rng.random((len(transforms), n)) < probabilities
    drawn: list[object] = []
    for transform, chosen in zip(transforms, coins):
        if isinstance(transform, AffineTransform):
            drawn.append(transform.batch_maps(rng, (height, width), chosen, lengths))
        elif isinstance(transform, ElasticTransform):
            # Room for the ink moved anywhere in the frame and by up to `pad` px (plus rounding).
            room = 2 * transform.pad + _SLACK
            rows, cols = (_cells(size + room, transform.step) for size in (height, width))
            count = int(np.count_nonzero(chosen))
            drawn.append(transform.coarse_fields(rng, rows, cols, count))
        else:
            count = int(np.count_nonzero(chosen))
            drawn.append(uniforms(rng, cast(StrokeThickness, transform).limit, count))
    for step in plan:
        if extents is None:
            extents = ink_extents(glyphs)
        if isinstance(step, _Geometry):
            _geometry(glyphs, extents, step, transforms, drawn, coins)
            extents = None  # moved: measured again if a step needs it
        else:
            stroke = cast(StrokeThickness, transforms[step])
            items = np.flatnonzero(coins[step])
            stroke.apply_stack(glyphs, items, cast(F64Array, drawn[step]), extents[items])
            extents = extents.copy()
            extents[items] = ink_extents(glyphs[items])
    return glyphs


def _cells(size: int, step: int) -> int:
    """Points of the coarse grid over ``size`` canvas pixels, one more on each side: point
    ``j`` sits at ``step * j + (step - 1) / 2 - step`` on the canvas, so that upsampling
    the grid (``cv2.resize``) interpolates every canvas pixel between grid points."""
    return int(np.ceil((size + step - 0.5) / step + 0.5))


def _geometry(
    glyphs: U8Array,
    extents: IntArray,
    step: _Geometry,
    transforms: Sequence[Transform],
    drawn: list[object],
    coins: BoolArray,
) -> None:
    """One run of affine maps (and an elastic field), fused, applied in place."""
    n, height, width = glyphs.shape
    x0, y0, x1, y1 = extents.T.astype(np.float64)
    inked = x1 > x0
    matrix = np.zeros((n, 2, 3))
    matrix[:, 0, 0] = matrix[:, 1, 1] = 1.0
    moved = np.zeros(n, np.bool_)
    centre = np.stack([(x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2], axis=1)
    baseline = np.stack([centre[:, 0], y1 - 1], axis=1)
    for i in step.affine:
        linear, offset = cast(tuple[F64Array | None, F64Array | None], drawn[i])
        moved |= coins[i]
        if linear is not None:  # p -> L (p - anchor) + anchor, after the map so far
            anchor = baseline if transforms[i].anchor == "baseline" else centre
            matrix = linear @ matrix
            matrix[:, :, 2] += anchor - (linear @ anchor[:, :, None])[:, :, 0]
        if offset is not None:
            matrix[:, :, 2] += offset
    moved &= inked
    _fit(glyphs, matrix, moved, (x0, y0, x1, y1))
    fields: F32Array | None = None
    elastic = np.zeros(n, np.bool_)
    if step.elastic is not None:
        elastic = coins[step.elastic] & inked
        fields = cast(F32Array, drawn[step.elastic])[inked[coins[step.elastic]]]
    affine_only = np.flatnonzero(moved & ~elastic)
    if affine_only.size:
        no_origin = np.zeros((affine_only.size, 2), np.intp)
        moved_glyphs = _remap(
            glyphs, affine_only, matrix[affine_only], no_origin, (height, width), None, 1
        )
        glyphs[affine_only] = moved_glyphs
    if fields is not None and fields.size:
        transform = cast(ElasticTransform, transforms[cast(int, step.elastic)])
        items = np.flatnonzero(elastic)
        box = tuple(edge[items] for edge in (x0, y0, x1, y1))
        origin, size = _windows(matrix[items], box, transform.pad - 1, (height, width))
        canvases = _remap(glyphs, items, matrix[items], origin, size, fields, transform.step)
        _into_frames(glyphs, items, canvases, origin)


def _fit(glyphs: U8Array, matrix: F64Array, moved: BoolArray, box: tuple[F64Array, ...]) -> None:
    """:func:`~.frame.fit_matrix` of every moved glyph, in place: from the ink box's corners
    (the exact measure, one glyph at a time, for a bound too big for the frame)."""
    _, height, width = glyphs.shape
    x0, y0, x1, y1 = box
    (low_x, low_y), (high_x, high_y) = _bounds(matrix, (x0, y0, x1 - 1, y1 - 1))
    big = moved & ((high_x - low_x > width - 1) | (high_y - low_y > height - 1))
    fits = moved & ~big
    matrix[fits, 0, 2] += np.where(low_x < 0, -low_x, np.minimum(0.0, width - 1 - high_x))[fits]
    matrix[fits, 1, 2] += np.where(low_y < 0, -low_y, np.minimum(0.0, height - 1 - high_y))[fits]
    for k in np.flatnonzero(big).tolist():
        box_k = (int(x0[k]), int(y0[k]), int(x1[k] - x0[k]), int(y1[k] - y0[k]))
        (a, b, c), (d, e, f) = matrix[k].tolist()
        matrix[k] = np.reshape(fit_matrix(glyphs[k], (a, b, c, d, e, f), box_k), (2, 3))


def _bounds(
    matrix: F64Array, box: tuple[F64Array, ...]
) -> tuple[tuple[F64Array, F64Array], tuple[F64Array, F64Array]]:
    """Where ``matrix`` maps the corners of ``box`` (``x0, y0, x1, y1``, ends included):
    the lowest ``x, y`` and the highest, per glyph."""
    x0, y0, x1, y1 = box
    corners_x = np.stack([x0, x1, x0, x1], axis=1)
    corners_y = np.stack([y0, y0, y1, y1], axis=1)
    xs = matrix[:, 0, :1] * corners_x + matrix[:, 0, 1:2] * corners_y + matrix[:, 0, 2:]
    ys = matrix[:, 1, :1] * corners_x + matrix[:, 1, 1:2] * corners_y + matrix[:, 1, 2:]
    return (xs.min(axis=1), ys.min(axis=1)), (xs.max(axis=1), ys.max(axis=1))


def _windows(
    matrix: F64Array, box: tuple[F64Array, ...], reach: int, frame: tuple[int, int]
) -> tuple[IntArray, tuple[int, int]]:
    """Canvases holding every glyph's ink after ``matrix`` and a displacement of at most
    ``reach`` px: each one's corner ``(x, y)`` in its ``frame``, and their common size.

    The ink box's corners bound the ink; the frame does too (``matrix`` is fitted into it).
    """
    x0, y0, x1, y1 = box
    # Bilinear sampling spreads ink up to a pixel around the ink box: map that box's corners.
    low, high = (np.stack(edge, axis=1) for edge in _bounds(matrix, (x0 - 1, y0 - 1, x1, y1)))
    room = reach + 2  # beyond the frame: the displacement, bilinear spread and rounding
    origin = np.maximum(np.floor(low).astype(np.intp) - reach - 1, -room)
    end = np.minimum(np.ceil(high).astype(np.intp) + reach + 2, np.array(frame[::-1]) + room)
    size = (end - origin).max(axis=0, initial=1)
    return origin, (int(size[1]), int(size[0]))


def _remap(
    glyphs: U8Array,
    items: IntArray,
    matrix: F64Array,
    origin: IntArray,
    size: tuple[int, int],
    fields: F32Array | None,
    step: int,
) -> U8Array:
    """Glyphs ``items`` moved by ``matrix`` then displaced by ``fields`` (coarse, ``step`` px
    per cell; ``None``: none, and ``origin`` 0), on canvases of ``size`` whose corner sits at
    ``origin[k]`` (``x, y``) in glyph ``k``'s frame: canvas pixel ``q`` samples the glyph at
    ``M^-1 (q + origin + d(q))``."""
    _, height, width = glyphs.shape
    canvas_h, canvas_w = size
    inverse = _inverse(matrix).astype(np.float32)
    coarse = None if fields is None else _coarse_maps(inverse, fields, origin, size, step)
    # Rows (y) every map reaches beyond its glyph's frame: the blank margin each glyph gets in
    # the mosaic, so that no map reads a neighbour (a map is linear between its grid points).
    if coarse is None:
        corners = np.array([[0, width - 1, 0, width - 1], [0, 0, height - 1, height - 1], [1] * 4])
        reach = inverse[:, 1] @ corners
    else:
        reach = coarse[..., 1].reshape(len(items), -1)
    over = max(-float(reach.min(initial=0.0)), float(reach.max(initial=0.0)) - (height - 1))
    margin = int(np.ceil(over)) + 1
    out_rows = canvas_h if coarse is None else coarse.shape[1] * step
    chunk = max(1, _MAX_ROWS // max(out_rows, height + 2 * margin))
    out = np.empty((len(items), canvas_h, canvas_w), np.uint8)
    for start in range(0, len(items), chunk):
        part = slice(start, start + chunk)
        count = len(items[part])
        top = (np.arange(count, dtype=np.float32) * (height + 2 * margin) + margin)[:, None, None]
        maps: F32Array | tuple[F32Array, F32Array]
        if coarse is None:
            maps = _affine_maps(inverse[part], top, height, width)
        else:
            maps = _upsampled(coarse[part], top, canvas_h, canvas_w, step)
        _remap_mosaic(glyphs[items[part]], maps, margin, out[part])
    return out


def _affine_maps(
    inverse: F32Array, top: F32Array, height: int, width: int
) -> tuple[F32Array, F32Array]:
    """Where each pixel of a glyph's frame samples it: ``(m, height, width)`` x and y (y in a
    mosaic where glyph ``k``'s frame starts at row ``top[k]``)."""
    xs = np.arange(width, dtype=np.float32)
    ys = np.arange(height, dtype=np.float32)[:, None]
    a, b, c, d, e, f = _coefficients(inverse)
    return a * xs + c + b * ys, d * xs + (f + top) + e * ys


def _coarse_maps(
    inverse: F32Array, fields: F32Array, origin: IntArray, size: tuple[int, int], step: int
) -> F32Array:
    """Where the coarse grid's points of canvases of ``size`` (corners at ``origin``)
    displaced by ``fields`` sample their glyphs: ``(m, rows, cols, 2)`` x, y (the map is
    linear between grid points, as the field is)."""
    rows, cols = (_cells(length, step) for length in size)
    fields = fields[:, :rows, :cols]
    first = (step - 1) / 2 - step  # grid point 0, on the canvas
    corner = origin.astype(np.float32)[:, :, None, None]
    px = fields[..., 0] + (np.arange(cols, dtype=np.float32) * step + np.float32(first))
    px += corner[:, 0]
    py = fields[..., 1] + (np.arange(rows, dtype=np.float32) * step + np.float32(first))[:, None]
    py += corner[:, 1]
    a, b, c, d, e, f = _coefficients(inverse)
    return np.stack([a * px + b * py + c, d * px + e * py + f], axis=-1)


def _upsampled(coarse: F32Array, top: F32Array, height: int, width: int, step: int) -> F32Array:
    """Coarse maps upsampled (one ``cv2.resize``) to ``(m, height, width, 2)`` canvases, y in
    a mosaic where glyph ``k``'s frame starts at row ``top[k]``."""
    import cv2

    m, rows, cols, _ = coarse.shape
    shifted = coarse + np.stack([np.zeros_like(top), top], axis=-1)
    fine = cv2.resize(shifted.reshape(m * rows, cols, 2), (cols * step, m * rows * step))
    canvas = fine.reshape(m, rows * step, cols * step, 2)[:, step : step + height]
    return np.ascontiguousarray(canvas[:, :, step : step + width])


def _coefficients(matrix: F32Array) -> list[F32Array]:
    """``a, b, c, d, e, f`` of ``(m, 2, 3)`` maps, each ``(m, 1, 1)`` to broadcast over pixels."""
    return list(matrix.reshape(-1, 6).T[:, :, None, None])


def _remap_mosaic(
    glyphs: U8Array, maps: F32Array | tuple[F32Array, F32Array], margin: int, out: U8Array
) -> None:
    """``glyphs`` resampled at ``maps`` (x, y planes or one x-y map; y in the mosaic) into
    ``out`` (contiguous), by one ``cv2.remap`` over a mosaic of the glyphs, each with
    ``margin`` blank rows above and below."""
    import cv2

    m, height, width = glyphs.shape
    source = np.zeros((m, height + 2 * margin, width), np.uint8)
    source[:, margin : margin + height] = glyphs
    map_x, map_y = maps if isinstance(maps, tuple) else (maps, None)
    out_h, out_w = out.shape[1:]
    no_map: Any = None  # OpenCV accepts None for the second map; its stubs do not say so
    cv2.remap(
        source.reshape(-1, width),
        map_x.reshape(m * out_h, out_w, -1),
        no_map if map_y is None else map_y.reshape(m * out_h, out_w),
        cv2.INTER_LINEAR,
        dst=out.reshape(m * out_h, out_w),
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )


def _inverse(matrix: F64Array) -> F64Array:
    """The inverse maps of ``(m, 2, 3)`` affine maps."""
    (a, b, c), (d, e, f) = matrix[:, 0].T, matrix[:, 1].T
    det = a * e - b * d
    inverse = np.empty_like(matrix)
    inverse[:, 0, 0], inverse[:, 0, 1] = e / det, -b / det
    inverse[:, 1, 0], inverse[:, 1, 1] = -d / det, a / det
    inverse[:, 0, 2] = (b * f - e * c) / det
    inverse[:, 1, 2] = (d * c - a * f) / det
    return inverse


def _into_frames(glyphs: U8Array, items: IntArray, canvases: U8Array, origin: IntArray) -> None:
    """Each canvas's ink moved into its glyph's frame, as :func:`~.frame.fit_frame` does
    (canvas ``j``'s corner sits at ``origin[j]``, ``x, y``, in glyph ``items[j]``'s frame)."""
    _, height, width = glyphs.shape
    x0, y0, x1, y1 = ink_extents(canvases).T
    w, h = x1 - x0, y1 - y0
    # Where the ink box lands in the frame: where it was, moved inside.
    row = np.clip(y0 + origin[:, 1], 0, np.maximum(height - h, 0))
    col = np.clip(x0 + origin[:, 0], 0, np.maximum(width - w, 0))
    fits = (w <= width) & (h <= height) & (w > 0)
    places = zip(items.tolist(), *(a.tolist() for a in (row, col, x0, y0, w, h, fits)))
    for j, (k, top, left, x, y, ink_w, ink_h, fit) in enumerate(places):
        if fit:
            frame = glyphs[k]
            frame[:] = 0
            frame[top : top + ink_h, left : left + ink_w] = canvases[
                j, y : y + ink_h, x : x + ink_w
            ]
        else:
            corner_x, corner_y = origin[j].tolist()
            glyphs[k] = fit_frame(canvases[j], corner_y, corner_x, (height, width))
