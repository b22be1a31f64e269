"""Stroke thickness: morphology that makes the pen thinner or bolder."""

from __future__ import annotations

import math
from typing import cast

import numpy as np
import numpy.typing as npt

from .base import Params, Transform, U8Array, uniform
from .checks import check_range
from .frame import fit_frame, ink_box, pad_image

__all__ = ["StrokeThickness"]

IntArray = npt.NDArray[np.intp]
F64Array = npt.NDArray[np.float64]
# OpenCV's 3x3 cross structuring element (cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))).
_CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], np.uint8)


class StrokeThickness(Transform):
    """Make the pen thinner or bolder.

    ``t > 0`` blends towards a dilation of the ink by one pixel (``t = 1``),
    two pixels (``t = 2``) …; ``t < 0`` peels up to one pixel (``t = -1``)
    off the edges of strokes that are thick enough to survive an erosion,
    leaving thin strokes as they are so that no digit fades away. Fractions
    give in-between weights. Ink too close to the frame's edge to grow is
    given room first and fitted back, so the bolder pen is never clipped.

    Parameters
    ----------
    limit:
        ``t`` drawn from ``(-limit, limit)`` or ``(min, max)`` within
        ``-1..2``. Default ``(-0.5, 1.0)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``, stage ``"glyph"``.
    """

    name = "stroke_thickness"
    default_stage = "glyph"

    def __init__(
        self,
        limit: float | tuple[float, float] = (-0.5, 1.0),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.limit = check_range(limit, "StrokeThickness", "limit", -1.0, 2.0, symmetric=True)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [{"t": t} for t in uniform(rng, self.limit, n)]

    def apply_stack(self, stack: U8Array, items: IntArray, ts: F64Array, extents: IntArray) -> None:
        """Apply ``t = ts[j]`` to glyph ``items[j]`` of ``stack`` ``(n, height, width)``, in place.

        ``extents`` are the items' ink boxes (``x0, y0, x1, y1``, see
        :func:`~number_generator._util.glyphs.ink_extents`). What :meth:`apply` does glyph
        by glyph, with one morphology call per kind of
        change for all the glyphs at once: the stack is filtered as one tall image, which
        gives each glyph the pixels it would get alone when its ink is far enough from
        its frame's top and bottom (the others are changed one at a time).
        """
        import cv2

        if not items.size:
            return
        _, height, width = stack.shape
        grow = np.ceil(np.abs(ts)).astype(np.intp)
        x0, y0, x1, y1 = extents.T
        # t > 0 grows ink by `grow` px: room on every side; t < 0 peels: no ink on the edge rows.
        alone = (
            (y0 < grow) | (y1 + grow > height) | ((ts > 0) & ((x0 < grow) | (x1 + grow > width)))
        )
        alone &= x1 > x0
        for k, t in zip(items[alone].tolist(), ts[alone].tolist()):
            stack[k] = self.apply(stack[k], {"t": t})
        together = ~alone & (ts != 0) & (x1 > x0)
        for whole in np.unique(grow[together & (ts > 0)] - 1).tolist():
            group = together & (ts > 0) & (grow - 1 == whole)
            glyphs = stack[items[group]]
            tall = glyphs.reshape(-1, width)
            base = np.asarray(cv2.dilate(tall, _CROSS, iterations=whole) if whole else tall)
            # base + (dilated - base) * weight, the weight in 1/256ths (the dilation only adds).
            grown = np.subtract(cv2.dilate(base, _CROSS), base, dtype=np.uint16)
            weight = np.rint((ts[group] - whole) * 256).astype(np.uint16)
            grown = grown.reshape(glyphs.shape)
            np.multiply(grown, weight[:, None, None], out=grown)
            grown += np.uint16(128)
            grown >>= 8
            stack[items[group]] = base.reshape(glyphs.shape) + grown.astype(np.uint8)
        thinner = together & (ts < 0)
        if thinner.any():
            glyphs = stack[items[thinner]]
            tall = glyphs.reshape(-1, width)
            eroded = cv2.erode(tall, _CROSS)
            # apply's peel, cv2.multiply(edge, opened, scale=-t / 255): the product in float32
            # (exact), times the scale in float32, rounded half to even.
            edge, opened = cv2.subtract(tall, eroded), cv2.dilate(eroded, _CROSS)
            peel = cv2.multiply(edge, opened, dtype=cv2.CV_32F)
            scaled = peel.reshape(glyphs.shape)
            np.multiply(scaled, (-ts[thinner] / 255).astype(np.float32)[:, None, None], out=scaled)
            thinned = cv2.subtract(tall, cv2.convertScaleAbs(peel))  # peel >= 0: |peel| is peel
            stack[items[thinner]] = thinned.reshape(glyphs.shape)

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        t = params["t"]
        if t > 0:
            # Bolder ink grows by up to ceil(t) px: give it room if it is that close to an edge.
            grow = math.ceil(t)
            x, y, w, h = ink_box(image)
            height, width = image.shape
            if w and (min(x, y) < grow or x + w + grow > width or y + h + grow > height):
                room = grow + 1
                bolder = self.apply(pad_image(image, room, room, room), params)
                return fit_frame(bolder, -room, -room, (height, width))
            whole = math.ceil(t) - 1
            base = cv2.dilate(image, _CROSS, iterations=whole) if whole else image
            target = cv2.dilate(base, _CROSS)
            weight = t - whole
        elif t < 0:
            # Peel the edge of strokes thick enough to survive an erosion (where the opening
            # keeps ink); thin strokes are left alone instead of fading away.
            eroded = cv2.erode(image, _CROSS)
            opened = cv2.dilate(eroded, _CROSS)
            peel = cv2.multiply(cv2.subtract(image, eroded), opened, scale=-t / 255)
            return cast(U8Array, cv2.subtract(image, peel))
        else:
            return image
        return cast(U8Array, cv2.addWeighted(base, 1.0 - weight, target, weight, 0.0))
