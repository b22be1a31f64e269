"""Printed form context drawn around the digits, and the writer's stray marks beside them.

These transforms are *layout-aware*: they draw from the digits' boxes
(``x0, y0, x1, y1``, exclusive ends, in output pixels), which
:class:`~number_generator.SequenceGenerator` passes from the layout to
:meth:`~.pipeline.Pipeline.transform_image` (called on a bare image, a
transform finds them in the ink: :func:`~.boxes.ink_boxes`). Printed lines are
overprinted (:func:`~.document.overprint`), so they darken and never erase a
digit; they belong to no digit's box. Sizes are in pixels of a 28 px high field
and scale with the image height.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import InvalidParameterError
from .base import Params, Transform, U8Array, uniform
from .checks import Boxes, check_number, check_range
from .document import overprint

__all__ = ["BaselineRule", "CombBoxes", "FieldFrame", "PrintedTransform", "StrayStrokes"]

_SHIFT = 4  # cv2 fixed-point coordinates: 1/16 pixel
_ONE = 1 << _SHIFT


def _point(x: float, y: float) -> tuple[int, int]:
    return round(x * _ONE), round(y * _ONE)


def _line(
    layer: U8Array, start: tuple[float, float], end: tuple[float, float], level: int, thickness: int
) -> None:
    import cv2

    cv2.line(layer, _point(*start), _point(*end), level, thickness, cv2.LINE_AA, _SHIFT)


class PrintedTransform(Transform):
    """A printed line drawing at the digits' layout; subclasses set :meth:`_draw`.

    Parameters
    ----------
    intensity:
        Ink level of the print, ``0..255``; a number or ``(min, max)``. Default
        ``(70, 190)``: form lines are usually lighter than handwriting.
    thickness:
        Line width in pixels (at a 28 px high field), ``0.5..6``. Default ``(1, 2)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``; image stage only.
    """

    uses_boxes = True

    def __init__(
        self,
        intensity: float | tuple[float, float] = (70.0, 190.0),
        thickness: float | tuple[float, float] = (1.0, 2.0),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        owner = type(self).__name__
        self.intensity = check_range(intensity, owner, "intensity", 0.0, 255.0, symmetric=False)
        self.thickness = check_range(thickness, owner, "thickness", 0.5, 6.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        raise InvalidParameterError(
            f"{type(self).__name__} draws at the digits' layout: pass boxes= to sample()",
            param="boxes",
            value=None,
        )

    def _sample_in(
        self, rng: np.random.Generator, shape: tuple[int, int], n: int, boxes: Boxes | None
    ) -> list[Params]:
        if boxes is None:
            return self._sample(rng, shape, n)
        scale = shape[0] / 28
        order = np.argsort(boxes[:, 0], kind="stable") if len(boxes) else np.zeros(0, np.intp)
        ordered = boxes[order].astype(np.float64)
        out = []
        for _ in range(n):
            level = round(uniform(rng, self.intensity, 1)[0])
            width = max(1, round(uniform(rng, self.thickness, 1)[0] * scale))
            params = {"level": level, "thickness": width}
            params.update(self._layout(rng, shape, ordered, scale))
            out.append(params)
        return out

    def _layout(
        self, rng: np.random.Generator, shape: tuple[int, int], boxes: Any, scale: float
    ) -> Params:
        """Where the print goes, from the digits' boxes sorted left to right."""
        raise NotImplementedError

    def apply(self, image: U8Array, params: Params) -> U8Array:
        layer = np.zeros_like(image)
        self._draw(layer, params)
        return overprint(image, layer)

    def _draw(self, layer: U8Array, params: Params) -> None:
        raise NotImplementedError


def _span(boxes: Any, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """``x0, y0, x1, y1`` around every digit (the middle of the field when there is none)."""
    height, width = shape
    if not len(boxes):
        return width * 0.25, height * 0.15, width * 0.75, height * 0.85
    return boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()


class BaselineRule(PrintedTransform):
    """A printed rule at the digits' baseline: ruled paper across the field or an underline.

    The rule lies ``offset`` pixels below the median bottom of the digits' ink,
    so with a negative offset the lower strokes of some digits cross it, as
    descenders do on a ruled line.

    Parameters
    ----------
    offset:
        Pixels below the baseline (at a 28 px high field; negative: above),
        ``-8..8``; a number or ``(min, max)``. Default ``(-2, 1.5)``.
    full_width:
        Probability that the rule crosses the whole field (ruled paper) rather
        than underlining the digits, ``0..1``. Default 0.5.
    dashed:
        Probability of a dashed or dotted rule, ``0..1``. Default 0.3.
    intensity, thickness, p, stage:
        See :class:`PrintedTransform`.
    """

    name = "baseline_rule"

    def __init__(
        self,
        offset: float | tuple[float, float] = (-2.0, 1.5),
        full_width: float = 0.5,
        dashed: float = 0.3,
        *,
        intensity: float | tuple[float, float] = (70.0, 190.0),
        thickness: float | tuple[float, float] = (1.0, 2.0),
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(intensity, thickness, p=p, stage=stage)
        owner = "BaselineRule"
        self.offset = check_range(offset, owner, "offset", -8.0, 8.0, symmetric=False)
        self.full_width = check_number(full_width, owner, "full_width", 0.0, 1.0)
        self.dashed = check_number(dashed, owner, "dashed", 0.0, 1.0)

    def _layout(
        self, rng: np.random.Generator, shape: tuple[int, int], boxes: Any, scale: float
    ) -> Params:
        height, width = shape
        left, _, right, bottom = _span(boxes, shape)
        if len(boxes):
            bottom = float(np.median(boxes[:, 3]))
        y = bottom - 0.5 + uniform(rng, self.offset, 1)[0] * scale
        margins = rng.uniform(0.1, 0.8, 2) * height
        if rng.random() < self.full_width:
            left, right = 0.0, float(width)
        else:
            left, right = max(0.0, left - margins[0]), min(float(width), right + margins[1])
        dash = 0.0
        if rng.random() < self.dashed:
            dash = (1.0, 3.0, 5.0)[int(rng.integers(3))] * scale  # dots, short or long dashes
        return {"y": min(max(y, 0.0), height - 1.0), "x0": left, "x1": right, "dash": dash}

    def _draw(self, layer: U8Array, params: Params) -> None:
        y, x0, x1, dash = params["y"], params["x0"], params["x1"], params["dash"]
        level, thickness = params["level"], params["thickness"]
        if not dash:
            _line(layer, (x0, y), (x1, y), level, thickness)
            return
        import cv2

        # Dots (dash = 1) or dashes, with gaps as long as the dashes.
        starts = np.arange(x0, x1, 2 * dash)
        ends = np.minimum(starts + dash - 1, x1)
        ys = np.full_like(starts, y)
        segments = np.rint(np.stack([np.stack([starts, ys], 1), np.stack([ends, ys], 1)], 1) * _ONE)
        cv2.polylines(
            layer, list(segments.astype(np.int32)), False, level, thickness, cv2.LINE_AA, _SHIFT
        )


class CombBoxes(PrintedTransform):
    """A printed comb: one box per digit, each digit in its own cell.

    Dividers fall in the gaps between neighbouring digits: evenly spaced when
    an even pitch fits every gap, else halfway across each gap (touching or
    overlapping digits then touch the divider). The top and bottom lines lie
    ``margin`` pixels outside the digits' ink, so a small or negative margin
    makes digits touch an edge, as handwriting in boxes does.

    Parameters
    ----------
    margin:
        Pixels between the ink and the box's top / bottom line (at a 28 px
        high field), ``-4..12``; a number or ``(min, max)``. Default ``(-1, 3)``.
    open_comb:
        Probability of an open comb (a bottom line with short ticks) instead of
        closed boxes, ``0..1``. Default 0.3.
    intensity, thickness, p, stage:
        See :class:`PrintedTransform`.
    """

    name = "comb_boxes"

    def __init__(
        self,
        margin: float | tuple[float, float] = (-1.0, 3.0),
        open_comb: float = 0.3,
        *,
        intensity: float | tuple[float, float] = (70.0, 190.0),
        thickness: float | tuple[float, float] = (1.0, 2.0),
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(intensity, thickness, p=p, stage=stage)
        self.margin = check_range(margin, "CombBoxes", "margin", -4.0, 12.0, symmetric=False)
        self.open_comb = check_number(open_comb, "CombBoxes", "open_comb", 0.0, 1.0)

    def _layout(
        self, rng: np.random.Generator, shape: tuple[int, int], boxes: Any, scale: float
    ) -> Params:
        height = shape[0]
        _, top, _, bottom = _span(boxes, shape)
        above, below = (m * scale for m in uniform(rng, self.margin, 2))
        pad = rng.uniform(0.0, 0.25) * height
        return {
            "edges": _cell_edges(boxes, pad, shape),
            "top": max(0.0, top - 0.5 - above),
            "bottom": min(height - 1.0, bottom - 0.5 + below),
            "open": bool(rng.random() < self.open_comb),
        }

    def _draw(self, layer: U8Array, params: Params) -> None:
        edges, top, bottom = params["edges"], params["top"], params["bottom"]
        level, thickness = params["level"], params["thickness"]
        _line(layer, (edges[0], bottom), (edges[-1], bottom), level, thickness)
        tick = bottom - (bottom - top) * 0.4 if params["open"] else top
        if not params["open"]:
            _line(layer, (edges[0], top), (edges[-1], top), level, thickness)
        for x in edges:
            _line(layer, (x, tick), (x, bottom), level, thickness)


def _cell_edges(boxes: Any, pad: float, shape: tuple[int, int]) -> list[float]:
    """Left edge, the dividers between neighbouring digits, right edge (pixel centres)."""
    width = shape[1]
    if not len(boxes):
        return [width * 0.25, width * 0.75]
    x0, x1 = boxes[:, 0], boxes[:, 2] - 1  # first and last ink column
    n = len(boxes)
    if n > 1:
        centres = (x0 + x1) / 2
        pitch = (centres[-1] - centres[0]) / (n - 1)
        even = centres[0] + pitch * (np.arange(n + 1) - 0.5)
        inner = even[1:-1]
        if pitch > 0 and np.all(inner > x1[:-1]) and np.all(inner < x0[1:]):
            edges = even
        else:
            edges = np.concatenate([[0.0], (x1[:-1] + x0[1:]) / 2, [0.0]])
            edges[0], edges[-1] = x0[0] - 1 - pad, x1[-1] + 1 + pad
    else:
        edges = np.array([x0[0] - 1 - pad, x1[0] + 1 + pad])
    edges[0] = min(edges[0], x0[0] - 1)
    edges[-1] = max(edges[-1], x1[-1] + 1)
    clipped: list[float] = np.clip(edges, 0.0, width - 1.0).tolist()
    return clipped


class FieldFrame(PrintedTransform):
    """A printed rectangle around the whole field of digits.

    Parameters
    ----------
    margin:
        Pixels between the ink and the frame at the sides (at a 28 px high
        field), ``0..40``; a number or ``(min, max)``. Default ``(2, 10)``.
        Above and below, the frame keeps a quarter of it (at least 1 px) and
        stays inside the image.
    intensity, thickness, p, stage:
        See :class:`PrintedTransform`.
    """

    name = "field_frame"

    def __init__(
        self,
        margin: float | tuple[float, float] = (2.0, 10.0),
        *,
        intensity: float | tuple[float, float] = (70.0, 190.0),
        thickness: float | tuple[float, float] = (1.0, 2.0),
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(intensity, thickness, p=p, stage=stage)
        self.margin = check_range(margin, "FieldFrame", "margin", 0.0, 40.0, symmetric=False)

    def _layout(
        self, rng: np.random.Generator, shape: tuple[int, int], boxes: Any, scale: float
    ) -> Params:
        height, width = shape
        left, top, right, bottom = _span(boxes, shape)
        sides = [m * scale for m in uniform(rng, self.margin, 2)]
        above, below = (max(1.0, m / 4) for m in uniform(rng, self.margin, 2))
        return {
            "x0": max(0.0, left - 0.5 - sides[0]),
            "x1": min(width - 1.0, right - 0.5 + sides[1]),
            "y0": max(0.0, top - 0.5 - above * scale),
            "y1": min(height - 1.0, bottom - 0.5 + below * scale),
        }

    def _draw(self, layer: U8Array, params: Params) -> None:
        x0, y0, x1, y1 = params["x0"], params["y0"], params["x1"], params["y1"]
        level, thickness = params["level"], params["thickness"]
        for start, end in (
            ((x0, y0), (x1, y0)),
            ((x1, y0), (x1, y1)),
            ((x1, y1), (x0, y1)),
            ((x0, y1), (x0, y0)),
        ):
            _line(layer, start, end, level, thickness)


class StrayStrokes(PrintedTransform):
    """The writer's extra marks: a dash after the amount ("1.500.-") or a mark before it.

    Drawn in full ink like the digits (not overprinted), in the free space
    beside the first or last digit and never over a digit; no mark when there is
    no room. The marks are horizontal dashes (``-`` or ``=``), which no reader
    takes for a digit.

    Parameters
    ----------
    length:
        Length of the mark in pixels (at a 28 px high field), ``2..40``.
        Default ``(6, 14)``; shortened to the room there is.
    leading:
        Probability of a mark before the first digit instead of after the last,
        ``0..1``. Default 0.25.
    double:
        Probability of a double mark (``=``), ``0..1``. Default 0.25.
    thickness, p, stage:
        See :class:`PrintedTransform`; the default thickness ``(1.5, 2.5)`` is a pen's.
    """

    name = "stray_strokes"

    def __init__(
        self,
        length: float | tuple[float, float] = (6.0, 14.0),
        leading: float = 0.25,
        double: float = 0.25,
        *,
        thickness: float | tuple[float, float] = (1.5, 2.5),
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(255.0, thickness, p=p, stage=stage)
        owner = "StrayStrokes"
        self.length = check_range(length, owner, "length", 2.0, 40.0, symmetric=False)
        self.leading = check_number(leading, owner, "leading", 0.0, 1.0)
        self.double = check_number(double, owner, "double", 0.0, 1.0)

    def _layout(
        self, rng: np.random.Generator, shape: tuple[int, int], boxes: Any, scale: float
    ) -> Params:
        height, width = shape
        left, top, right, bottom = _span(boxes, shape)
        length = uniform(rng, self.length, 1)[0] * scale
        gap = rng.uniform(0.08, 0.25) * height
        level = rng.uniform(0.35, 0.65)  # height of the mark within the digits' ink
        slope, bend = (rng.uniform(-1.0, 1.0, 2) * scale).tolist()
        double = bool(rng.random() < self.double)
        if rng.random() < self.leading:
            end = left - gap
            start = max(1.0, end - length)
        else:
            start = right + gap
            end = min(width - 2.0, start + length)
        y = top + (bottom - top) * level
        if end - start < 2.5 * scale:
            return {"marks": []}
        return {
            "marks": [y],
            "x0": start,
            "x1": end,
            "slope": slope,
            "bend": bend,
            "double": double,
        }

    def _draw(self, layer: U8Array, params: Params) -> None:
        import cv2

        thickness = params["thickness"]
        marks = params["marks"]
        if params["double"]:  # "=": two strokes a pen's width and a bit apart
            apart = thickness / 2 + 1.5 * layer.shape[0] / 28
            marks = [marks[0] - apart, marks[0] + apart]
        for y in marks:
            x0, x1, slope, bend = params["x0"], params["x1"], params["slope"], params["bend"]
            points = [(x0, y + slope / 2), ((x0 + x1) / 2, y + bend / 2), (x1, y - slope / 2)]
            fixed = np.array([_point(x, yy) for x, yy in points], np.int32)
            cv2.polylines(layer, [fixed], False, 255, thickness, cv2.LINE_AA, _SHIFT)

    def apply(self, image: U8Array, params: Params) -> U8Array:
        if not params["marks"]:
            return image
        layer = np.zeros_like(image)
        self._draw(layer, params)
        return np.maximum(image, layer)
