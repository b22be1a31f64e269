"""The glyph stage for the glyphs of many strings at once: parameters in NumPy, geometry fused.

:meth:`Pipeline.transform_glyphs <.pipeline.Pipeline.transform_glyphs>` runs one
string's glyphs; :func:`transform_glyph_batch` runs a whole batch's. Every
transform's parameters are drawn for all the glyphs in one go (the baseline still
wanders along each string, not across strings), and each run of affine transforms,
with the distortions that follow it (elastic, grid, optical), becomes **one** map per
glyph: the affine part composed and fitted into the frame from the ink box's
corners; then, in the chain's order, each distortion's sample map on a coarse grid
(a point ``q`` samples ``A^-1 (S_1 (S_2 (… S_n (q))))``): the elastic field a window
of a seeded bank (:meth:`.ElasticTransform.coarse_fields`), the grid's piecewise
linear axes (:meth:`.GridDistortion.draw_knots`), the lens' radial polynomial
(:func:`.distortion.lens_sources`). A glyph that only an affine map or a grid moves
is resampled in its frame (a grid keeps the frame's edges); the others on canvases
holding wherever their ink can go, fitted back into the frame once at the end
(:func:`~.frame.fit_frame`'s rule). The maps are upsampled together and the glyphs
resampled by a few ``cv2.remap`` calls over mosaics of them. Stroke thickness
filters the stack as one tall image (:meth:`.StrokeThickness.apply_stack`).

The distributions are those of the per-string stage; the pixels are not the same
(one resampling instead of one per step, the elastic field from the bank, one fit
into the frame instead of one after each distortion that pads: the heavy preset's
glyphs come out a little sharper and about 1.5 % larger). Only the built-in
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
from .bends import Bend, cells, field_cells, grid_steps, pull, pushed, reach
from .distortion import ElasticTransform, GridDistortion, OpticalDistortion
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
    GridDistortion,
    OpticalDistortion,
    StrokeThickness,
)
# Rows of a mosaic per remap: a few thousand keep its maps in the cache (and OpenCV's remap
# takes coordinates below 2**15).
_MAX_ROWS = 4000
# Canvas sizes are rounded up to multiples of this many pixels, and glyphs whose canvases
# have the same size resampled together.
_SIZE_CLASS = 8


class _Geometry(NamedTuple):
    """A run of affine transforms and the distortions after it, in order (at most one
    elastic; either part may be empty)."""

    affine: tuple[int, ...]
    distortions: tuple[int, ...]


_Step = _Geometry | int  # a geometric run, or the index of a stroke thickness


@lru_cache(maxsize=64)
def batch_plan(transforms: tuple[Transform, ...]) -> tuple[_Step, ...] | None:
    """How :func:`transform_glyph_batch` runs a glyph stage, or ``None`` if it holds a
    transform not in :data:`BATCHED` (a user's …)."""
    steps: list[_Step] = []
    run: list[int] = []
    bends: list[int] = []
    for i, transform in enumerate(transforms):
        kind = type(transform)
        if kind not in BATCHED:
            return None
        affine = isinstance(transform, AffineTransform)
        elastic = kind is ElasticTransform
        # A step ends at a stroke, at an affine map after a distortion (it is fitted from
        # the ink box the distortion left) and at a second elastic field (one grid each).
        if (run or bends) and (
            kind is StrokeThickness
            or (affine and bends)
            or (elastic and any(type(transforms[j]) is ElasticTransform for j in bends))
        ):
            steps.append(_Geometry(tuple(run), tuple(bends)))
            run, bends = [], []
        if kind is StrokeThickness:
            steps.append(i)
        else:
            (run if affine else bends).append(i)
    if run or bends:
        steps.append(_Geometry(tuple(run), tuple(bends)))
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
    frame = (height, width)
    probabilities = np.array([t.p for t in transforms], np.float64)[:, None]
    coins = rng.random((len(transforms), n)) < probabilities
    # The room each step's canvases may need beyond the frame (its elastic field covers it),
    # and the cells of its coarse grids.
    rooms: dict[int, int] = {}
    steps: dict[int, tuple[int, int]] = {}
    for step in plan:
        if isinstance(step, _Geometry):
            distortions = [transforms[i] for i in step.distortions]
            rooms |= dict.fromkeys(step.distortions, reach(distortions, frame) + 2)
            steps |= dict.fromkeys(step.distortions, grid_steps(distortions))
    drawn: list[object] = []
    for i, (transform, chosen) in enumerate(zip(transforms, coins)):
        count = int(np.count_nonzero(chosen))
        if isinstance(transform, AffineTransform):
            drawn.append(transform.batch_maps(rng, frame, chosen, lengths))
        elif isinstance(transform, ElasticTransform):
            span = (size + 2 * (rooms[i] + 1) for size in frame)
            rows, cols = (field_cells(length, *steps[i]) for length in span)
            drawn.append((transform.coarse_fields(rng, rows, cols, count),))
        elif isinstance(transform, GridDistortion):
            drawn.append(transform.draw_knots(rng, frame, count))
        elif isinstance(transform, OpticalDistortion):
            drawn.append(transform.draw_lenses(rng, frame, count))
        else:
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


def _geometry(
    glyphs: U8Array,
    extents: IntArray,
    step: _Geometry,
    transforms: Sequence[Transform],
    drawn: list[object],
    coins: BoolArray,
) -> None:
    """One run of affine maps and the distortions after it, fused, applied in place.

    Glyphs that only an affine map or a grid moves are resampled in their frame (a grid
    keeps the frame's edges); the others, on canvases holding wherever their ink went,
    then fitted back into the frame (:func:`_into_frames`, as the per-glyph distortions
    do once at the end of the step rather than after each distortion).
    """
    n, height, width = glyphs.shape
    frame = (height, width)
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
            # (elementwise: a stacked matmul calls BLAS once per glyph)
            matrix = linear[:, :, :1] * matrix[:, :1] + linear[:, :, 1:] * matrix[:, 1:]
            matrix[:, :, 2] += anchor - (
                linear[:, :, 0] * anchor[:, :1] + linear[:, :, 1] * anchor[:, 1:]
            )
        if offset is not None:
            matrix[:, :, 2] += offset
    moved &= inked
    _fit(glyphs, matrix, moved, (x0, y0, x1, y1))
    inverse = _inverse(matrix).astype(np.float32)
    bends: list[Bend] = []
    gridded, canvas, bent = np.zeros(n, np.bool_), np.zeros(n, np.bool_), np.zeros(n, np.bool_)
    for i in step.distortions:
        params = cast(tuple[npt.NDArray[Any], ...], drawn[i])
        mine = inked[coins[i]]  # drawn for every glyph the coin chose: those with ink
        bend = Bend(transforms[i], np.flatnonzero(coins[i] & inked), tuple(p[mine] for p in params))
        bends.append(bend)
        (gridded if isinstance(bend.transform, GridDistortion) else canvas)[bend.who] = True
        bent[bend.who] |= not isinstance(bend.transform, ElasticTransform)
    framed = np.flatnonzero((moved | gridded) & ~canvas)
    if framed.size:
        maps = _frame_axes([bend.within(framed) for bend in bends], len(framed), frame)
        glyphs[framed] = _remap(glyphs, framed, inverse[framed], frame, maps)
    items = np.flatnonzero(canvas)
    if items.size:
        box = tuple(edge[items] for edge in (x0, y0, x1, y1))
        distortions = [transforms[i] for i in step.distortions]
        room = reach(distortions, frame) + 2
        local = [bend.within(items) for bend in bends]
        origin, sizes = _windows(matrix[items], box, local, room, frame)
        # Canvases of a few sizes, each glyph on the smallest that holds its ink; a finer
        # grid for the glyphs a grid or a lens moves.
        classes = -(-sizes // _SIZE_CLASS)
        key = (classes[:, 0] * 1000 + classes[:, 1]) * 2 + bent[items]
        _, group_of = np.unique(key, return_inverse=True)
        steps = grid_steps(distortions)
        for group in range(int(group_of.max()) + 1):
            mine = np.flatnonzero(group_of == group)
            part = items[mine]
            width_x, height_y = sizes[mine].max(axis=0).tolist()
            size, grid_step = (height_y, width_x), steps[int(bent[part[0]])]
            local = [bend.within(part) for bend in bends]
            coarse = _coarse_maps(inverse[part], origin[mine], size, grid_step, local, frame)
            canvases = _remap(glyphs, part, inverse[part], size, _Coarse(coarse, grid_step))
            _into_frames(glyphs, part, canvases, origin[mine])


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
    matrix: F64Array,
    box: tuple[F64Array, ...],
    bends: list[Bend],
    room: int,
    frame: tuple[int, int],
) -> tuple[IntArray, IntArray]:
    """Canvases holding every glyph's ink after ``matrix`` and ``bends`` (positions in
    these glyphs): each one's corner ``(x, y)`` in its ``frame``, and its size (``x, y``).

    The ink box's corners bound the ink; each distortion moves that bound as far as it
    can move ink (:func:`~.bends.pushed`); no canvas reaches more than ``room`` px beyond the frame.
    """
    x0, y0, x1, y1 = box
    # Bilinear sampling spreads ink up to a pixel around the ink box: map that box's corners.
    low, high = (np.stack(edge, axis=1) for edge in _bounds(matrix, (x0 - 1, y0 - 1, x1, y1)))
    for bend in bends:
        pushed(bend, low, high, frame)
    # One more pixel for rounding on each side (and the map's linear steps between points).
    origin = np.maximum(np.floor(low).astype(np.intp) - 1, -room)
    end = np.minimum(np.ceil(high).astype(np.intp) + 2, np.array(frame[::-1]) + room)
    return origin, np.maximum(end - origin, 1)


class _FrameAxes(NamedTuple):
    """Maps over the frame: the x coordinate of each column ``(m, 1, width)`` and the y of
    each row ``(m, height, 1)`` before the affine map (a grid moves them), or both ``None``
    (the pixels' own)."""

    xs: F32Array | None
    ys: F32Array | None


class _Coarse(NamedTuple):
    """Maps on a coarse grid of ``step`` px (:func:`_coarse_maps`)."""

    points: F32Array
    step: int


def _frame_axes(bends: list[Bend], m: int, frame: tuple[int, int]) -> _FrameAxes:
    """The axes of ``m`` glyphs' frames after the grids among ``bends`` (positions in them)."""
    grids = [bend for bend in bends if bend.who.size]  # (only grids leave a glyph in its frame)
    if not grids:
        return _FrameAxes(None, None)
    height, width = frame
    xs = np.empty((m, 1, width), np.float32)
    ys = np.empty((m, height, 1), np.float32)
    xs[:] = np.arange(width, dtype=np.float32)
    ys[:] = np.arange(height, dtype=np.float32)[:, None]
    for bend in reversed(grids):  # the sample map: the last distortion's first
        pull(bend, xs, ys, frame, 1)
    return _FrameAxes(xs, ys)


def _remap(
    glyphs: U8Array,
    items: IntArray,
    inverse: F32Array,
    size: tuple[int, int],
    maps: _FrameAxes | _Coarse,
) -> U8Array:
    """Glyphs ``items`` resampled onto canvases of ``size``: through the inverse affine maps
    ``inverse`` from their frames' axes (:class:`_FrameAxes`, canvases the frame), or
    along maps given on a coarse grid (:class:`_Coarse`)."""
    _, height, width = glyphs.shape
    canvas_h, canvas_w = size
    # Rows (y) every map reaches beyond its glyph's frame: the blank margin each glyph gets in
    # the mosaic, so that no map reads a neighbour (a map is linear between its grid points;
    # a grid keeps the frame's corners).
    if isinstance(maps, _Coarse):
        reach = maps.points[..., 1].reshape(len(items), -1)
        out_rows = maps.points.shape[1] * maps.step
    else:
        corners = np.array([[0, width - 1, 0, width - 1], [0, 0, height - 1, height - 1], [1] * 4])
        reach = inverse[:, 1] @ corners
        out_rows = canvas_h
    over = max(-float(reach.min(initial=0.0)), float(reach.max(initial=0.0)) - (height - 1))
    margin = int(np.ceil(over)) + 1
    chunk = max(1, _MAX_ROWS // max(out_rows, height + 2 * margin))
    out = np.empty((len(items), canvas_h, canvas_w), np.uint8)
    for start in range(0, len(items), chunk):
        part = slice(start, start + chunk)
        count = len(items[part])
        top = (np.arange(count, dtype=np.float32) * (height + 2 * margin) + margin)[:, None, None]
        mosaic: F32Array | tuple[F32Array, F32Array]
        if isinstance(maps, _Coarse):
            mosaic = _upsampled(maps.points[part], top, canvas_h, canvas_w, maps.step)
        else:
            xs = np.arange(width, dtype=np.float32) if maps.xs is None else maps.xs[part]
            ys = np.arange(height, dtype=np.float32)[:, None] if maps.ys is None else maps.ys[part]
            mosaic = _affine_maps(inverse[part], top, xs, ys)
        _remap_mosaic(glyphs[items[part]], mosaic, margin, out[part])
    return out


def _affine_maps(
    inverse: F32Array, top: F32Array, xs: F32Array, ys: F32Array
) -> tuple[F32Array, F32Array]:
    """Where each pixel of a glyph's frame samples it: ``(m, height, width)`` x and y (y in a
    mosaic where glyph ``k``'s frame starts at row ``top[k]``), from the x of each column
    and the y of each row before the inverse affine maps ``inverse``."""
    a, b, c, d, e, f = _coefficients(inverse)
    return a * xs + c + b * ys, d * xs + (f + top) + e * ys


def _coarse_maps(
    inverse: F32Array,
    origin: IntArray,
    size: tuple[int, int],
    step: int,
    bends: list[Bend],
    frame: tuple[int, int],
) -> F32Array:
    """Where the coarse grid's points of canvases of ``size`` (corners at ``origin``) sample
    their glyphs: ``(m, rows, cols, 2)`` x, y (the map is linear between grid points).

    A point ``q`` samples ``A^-1 (S_1 (S_2 (… S_n (q))))``, ``S_j`` the sample map of
    distortion ``j`` of ``bends`` (positions in these glyphs), ``A`` the affine map:
    the chain the per-glyph stage applies one remap after the other, in its order.
    """
    rows, cols = (cells(length, step) for length in size)
    first = (step - 1) / 2 - step  # grid point 0, on the canvas
    corner = origin.astype(np.float32)[:, :, None, None]
    xs = np.empty((len(origin), rows, cols), np.float32)
    ys = np.empty_like(xs)
    xs[:] = np.arange(cols, dtype=np.float32) * step + np.float32(first)
    ys[:] = (np.arange(rows, dtype=np.float32) * step + np.float32(first))[:, None]
    xs += corner[:, 0]
    ys += corner[:, 1]
    for bend in reversed(bends):
        pull(bend, xs, ys, frame, step)
    a, b, c, d, e, f = _coefficients(inverse)
    return np.stack([a * xs + b * ys + c, d * xs + e * ys + f], axis=-1)


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
