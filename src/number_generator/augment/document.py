"""Document transforms on the page itself: paper, printed security patterns, the pen's ink.

Image stage, in the ink convention (0 = paper, 255 = ink). Sizes are given in
pixels of a 28 px high field and scale with the image height. Printed and paper
effects only ever darken the picture, so they never erase a digit's ink.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError
from .base import F32Array, Params, Transform, U8Array, uniform, uniforms
from .batched import Matrices, bilinear, stack_2d
from .checks import Boxes, check_number, check_range

__all__ = ["PAPER_KINDS", "InkVariation", "Paper", "SecurityPattern", "overprint"]


def overprint(image: U8Array, layer: U8Array) -> U8Array:
    """Print ``layer`` (ink levels) under the pen's ``image``: darkness multiplies, never lightens.

    Examples
    --------
    >>> overprint(np.array([[0, 255, 128]], np.uint8), np.array([[100, 0, 128]], np.uint8)).tolist()
    [[100, 255, 192]]
    """
    import cv2

    seen = cv2.multiply(cv2.bitwise_not(image), cv2.bitwise_not(layer), scale=1 / 255)
    return cast(U8Array, cv2.bitwise_not(seen))


def _on_paper(images: U8Array, paper: F32Array) -> U8Array:
    """The ink of a stack seen on ``paper`` (brightness 0-255 per pixel): ``paper * (1 - ink /
    255)``."""
    import cv2

    flat = stack_2d(images)
    seen = cv2.multiply(stack_2d(paper), cv2.bitwise_not(flat).astype(np.float32), scale=1 / 255)
    return cast(U8Array, cv2.bitwise_not(seen.astype(np.uint8)).reshape(images.shape))


class _Kind(NamedTuple):
    tone: tuple[float, float]  # darkening of the paper, grey levels
    blotches: tuple[float, float]  # amplitude of soft large blotches, grey levels
    fibres: tuple[float, float]  # fibres per 1,000 pixels
    fibre_tone: tuple[float, float]  # darkness of a fibre, grey levels


#: The kinds of :class:`Paper`: clean white, grey recycled with many fibres, cream / tinted.
PAPER_KINDS: dict[str, _Kind] = {
    "white": _Kind((0.0, 8.0), (0.0, 4.0), (0.0, 1.0), (4.0, 12.0)),
    "recycled": _Kind((18.0, 42.0), (3.0, 10.0), (1.5, 4.0), (8.0, 22.0)),
    "cream": _Kind((8.0, 30.0), (4.0, 12.0), (0.3, 1.5), (6.0, 16.0)),
}
_MAX_FIBRES = 60


class Paper(Transform):
    """Procedural paper: a tint, soft blotches, fibres, and light falling off across the page.

    The picture becomes ``paper * (1 - ink / 255)``: the ink keeps its
    darkness relative to the paper, so black ink stays black.

    Parameters
    ----------
    kinds:
        Paper kinds drawn from, uniformly: names of :data:`PAPER_KINDS`
        (``"white"``, ``"recycled"``, ``"cream"``); default all three.
    gradient:
        Light falling off across the field, in grey levels from its brightest
        to its darkest side, ``0..96``; a number or ``(min, max)``. Default
        ``(0, 20)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "paper"

    def __init__(
        self,
        kinds: str | Sequence[str] = tuple(PAPER_KINDS),
        gradient: float | tuple[float, float] = (0.0, 20.0),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        chosen = (kinds,) if isinstance(kinds, str) else kinds
        if not isinstance(chosen, Sequence) or not chosen:
            raise InvalidTypeError(
                f"Paper: kinds={kinds!r}: expected a kind or a non-empty list of kinds from "
                f"{', '.join(map(repr, PAPER_KINDS))}",
                param="kinds",
                value=kinds,
            )
        unknown = [k for k in chosen if k not in PAPER_KINDS]
        if unknown:
            raise InvalidParameterError(
                f"Paper: kinds={kinds!r}: unknown kind {unknown[0]!r}; expected "
                f"{', '.join(map(repr, PAPER_KINDS))}",
                param="kinds",
                value=kinds,
            )
        self.kinds = tuple(chosen)
        self.gradient = check_range(gradient, "Paper", "gradient", 0.0, 96.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        height, width = shape
        cell = max(4, height // 2)
        grid = (height // cell + 2, width // cell + 2)
        gradients = uniform(rng, self.gradient, n)
        out = []
        for k in range(n):
            # Where in its ranges this paper falls: kind, fibres, tone, blotches, angle, fibre tone.
            pick, fibres, tone, blotches, angle, fibre_tone = rng.random(6).tolist()
            kind = PAPER_KINDS[self.kinds[min(int(pick * len(self.kinds)), len(self.kinds) - 1)]]
            count = min(_MAX_FIBRES, int(_within(kind.fibres, fibres) * height * width / 1000))
            out.append(
                {
                    "tone": _within(kind.tone, tone),
                    "blotches": _within(kind.blotches, blotches) * rng.uniform(-1.0, 1.0, grid),
                    "gradient": gradients[k],
                    "angle": angle * 2 * math.pi,
                    # Each fibre: a start point (x, y), a direction, a length and a bend.
                    "fibres": rng.random((count, 5)),
                    "fibre_tone": _within(kind.fibre_tone, fibre_tone),
                }
            )
        return out

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        height, width = image.shape
        blotches = cv2.resize(
            params["blotches"].astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR
        )
        # Light falls off linearly along the angle: gradient/2 * (1 + position along it).
        angle, half = params["angle"], params["gradient"] / 2
        extent = math.hypot(width, height) / 2
        across = np.arange(width, dtype=np.float32) - np.float32(width / 2)
        across *= np.float32(math.cos(angle) / extent * half)
        down = np.arange(height, dtype=np.float32) - np.float32(height / 2)
        down *= np.float32(math.sin(angle) / extent * half)
        down -= np.float32(255.0 - params["tone"] - half)
        paper = blotches - down[:, None]
        paper -= across[None, :]
        if len(params["fibres"]):
            paper -= _fibres(params["fibres"], params["fibre_tone"], (height, width))
        return _on_paper(image, np.minimum(paper, np.float32(255.0), out=paper))

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        count, height, width = images.shape
        cell = max(4, height // 2)
        grid = (count, height // cell + 2, width // cell + 2)
        gradient = uniforms(rng, self.gradient, count)
        pick, fibres, tone, blotches, angle, fibre_tone = rng.random((6, count))
        kinds = [PAPER_KINDS[name] for name in self.kinds]
        which = np.minimum((pick * len(kinds)).astype(np.intp), len(kinds) - 1)
        ranges = np.array(kinds, np.float64)[which]  # (count, field of _Kind, 2)
        bounds = [(ranges[:, field, 0], ranges[:, field, 1]) for field in range(4)]
        amplitude = _within(bounds[1], blotches)[:, None, None]
        blotch_grids = amplitude * rng.uniform(-1.0, 1.0, grid)
        counts = np.minimum(_MAX_FIBRES, (_within(bounds[2], fibres) * height * width / 1000))
        counts = counts.astype(np.intp)
        draws = rng.random((int(counts.sum()), 5))
        out = _papers(
            images,
            blotch_grids,
            draws,
            counts,
            tone=_within(bounds[0], tone),
            gradient=gradient,
            angle=angle * 2 * math.pi,
            fibre_tone=_within(bounds[3], fibre_tone),
        )
        return out, None


def _within(bounds: tuple[Any, Any], fraction: Any) -> Any:
    """The point ``fraction`` (0..1) of the way from ``bounds[0]`` to ``bounds[1]``."""
    return bounds[0] + (bounds[1] - bounds[0]) * fraction


def _papers(
    images: U8Array,
    blotches: npt.NDArray[np.float64],
    draws: npt.NDArray[np.float64],
    counts: npt.NDArray[np.intp],
    *,
    tone: npt.NDArray[np.float64],
    gradient: npt.NDArray[np.float64],
    angle: npt.NDArray[np.float64],
    fibre_tone: npt.NDArray[np.float64],
) -> U8Array:
    """A stack of images on paper, per image: its ``tone``, ``blotches`` grid, light falling off
    by ``gradient`` along ``angle``, and ``counts`` fibres of ``draws`` at ``fibre_tone``."""
    height, width = images.shape[1:]
    paper = bilinear(blotches, (height, width))
    # Light falls off linearly along the angle: gradient/2 * (1 + position along it).
    half = gradient / 2
    extent = math.hypot(width, height) / 2
    across = np.arange(width, dtype=np.float32) - np.float32(width / 2)
    across = across * (np.cos(angle) / extent * half).astype(np.float32)[:, None]
    down = np.arange(height, dtype=np.float32) - np.float32(height / 2)
    down = down * (np.sin(angle) / extent * half).astype(np.float32)[:, None]
    down -= (255.0 - tone - half).astype(np.float32)[:, None]
    paper -= down[:, :, None]
    paper -= across[:, None, :]
    if counts.any():
        paper -= _fibre_stack(draws, counts, fibre_tone, (height, width))
    return _on_paper(images, np.minimum(paper, np.float32(255.0), out=paper))


def _fibres(draws: Any, tone: float, shape: tuple[int, int]) -> F32Array:
    """Thin short curved fibres, as grey levels to take off the paper."""
    import cv2

    height, width = shape
    layer = np.zeros(shape, np.uint8)
    points = []  # start, bent middle, end of each fibre (a few dozen: plain floats are fastest)
    for x, y, direction, length, bend in draws.tolist():
        dx, dy = math.cos(direction * math.pi), math.sin(direction * math.pi)
        size, sideways = (0.15 + 0.35 * length) * height, (bend - 0.5) * 3
        x0, y0 = x * width, y * height
        middle = (x0 + dx * size / 2 - dy * sideways, y0 + dy * size / 2 + dx * sideways)
        points.append([(x0, y0), middle, (x0 + dx * size, y0 + dy * size)])
    fixed = np.rint(np.array(points) * 16).astype(np.int32)  # cv2's fixed point (shift=4)
    cv2.polylines(layer, list(fixed), False, round(tone), 1, cv2.LINE_AA, shift=4)
    return layer.astype(np.float32)


def _fibre_points(draws: Any, shape: tuple[int, int]) -> npt.NDArray[np.int32]:
    """Start, bent middle and end of each fibre of ``draws`` (rows ``x, y, direction, length,
    bend``, each 0..1) in cv2's fixed point (1/16 pixel): ``int32`` ``(fibres, 3, 2)``."""
    height, width = shape
    x, y, direction, length, bend = np.asarray(draws, np.float64).reshape(-1, 5).T
    dx, dy = np.cos(direction * math.pi), np.sin(direction * math.pi)
    size, sideways = (0.15 + 0.35 * length) * height, (bend - 0.5) * 3
    x0, y0 = x * width, y * height
    middle = (x0 + dx * size / 2 - dy * sideways, y0 + dy * size / 2 + dx * sideways)
    points = np.stack([x0, y0, *middle, x0 + dx * size, y0 + dy * size], 1).reshape(-1, 3, 2)
    fixed: npt.NDArray[np.int32] = np.rint(points * 16).astype(np.int32)
    return fixed


def _fibre_stack(draws: Any, counts: Any, tones: Any, shape: tuple[int, int]) -> U8Array:
    """Thin short curved fibres, as grey levels to take off the paper: ``counts[k]`` fibres of
    ``draws`` at ``tones[k]`` on image ``k`` of a stack (each drawn on its own image, so a
    fibre leaving the field is cut at its edge)."""
    import cv2

    layer = np.zeros((len(counts), *shape), np.uint8)
    points = np.split(_fibre_points(draws, shape), np.cumsum(counts)[:-1])
    for k in np.flatnonzero(counts).tolist():
        cv2.polylines(layer[k], list(points[k]), False, round(tones[k]), 1, cv2.LINE_AA, 4)
    return layer


class SecurityPattern(Transform):
    """A cheque's printed security pattern: fine wavy (guilloche) lines or a micro-dot tint.

    Printed under the handwriting (:func:`overprint`): it only darkens.

    Parameters
    ----------
    intensity:
        Ink level of the pattern at its darkest, ``0..160`` (of 255); a number
        or ``(min, max)``. Default ``(20, 55)``.
    period:
        Pixels between neighbouring lines or dots (at a 28 px high field),
        ``2..16``. Default ``(3, 6)``.
    dots:
        Probability of the micro-dot tint instead of wavy lines, ``0..1``.
        Default 0.35.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "security_pattern"

    def __init__(
        self,
        intensity: float | tuple[float, float] = (20.0, 55.0),
        period: float | tuple[float, float] = (3.0, 6.0),
        dots: float = 0.35,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        owner = "SecurityPattern"
        self.intensity = check_range(intensity, owner, "intensity", 0.0, 160.0, symmetric=False)
        self.period = check_range(period, owner, "period", 2.0, 16.0, symmetric=False)
        self.dots = check_number(dots, owner, "dots", 0.0, 1.0)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        scale = shape[0] / 28
        out = []
        for _ in range(n):
            waves = rng.uniform(0.0, 1.0, (2, 4))  # two line families: amplitude, wavelength …
            out.append(
                {
                    "dots": bool(rng.random() < self.dots),
                    "intensity": uniform(rng, self.intensity, 1)[0],
                    "period": uniform(rng, self.period, 1)[0] * scale,
                    "waves": waves,
                    "scale": scale,
                }
            )
        return out

    def apply(self, image: U8Array, params: Params) -> U8Array:
        height, width = image.shape
        ys, xs = np.ogrid[0:height, 0:width]
        ys, xs = ys.astype(np.float32), xs.astype(np.float32)
        period, scale = params["period"], params["scale"]
        if params["dots"]:
            a, b, c, d = params["waves"][0].tolist()
            spot = (np.cos(2 * np.pi * xs / period) + 1) * (np.cos(2 * np.pi * ys / period) + 1) / 4
            # A slow wave modulates the tint, as printed micro-lettering does.
            slow = 0.6 + 0.4 * np.sin(2 * np.pi * (xs / (20 + 60 * a) + ys / (15 + 40 * b)) + c * 6)
            pattern = spot**3 * slow
        else:
            pattern = np.zeros((height, width), np.float32)
            for a, b, c, d in params["waves"].tolist():
                wave = (
                    (1 + 3 * a) * scale * np.sin(2 * np.pi * xs / ((12 + 30 * b) * scale) + 6 * c)
                )
                phase = 2 * np.pi * (ys + wave + (d - 0.5) * 0.4 * xs) / period
                line = np.maximum(np.cos(phase) - 0.75, 0) * 4  # about a pixel wide
                pattern = np.maximum(pattern, line)
        layer = np.clip(np.rint(pattern * params["intensity"]), 0, 255).astype(np.uint8)
        return overprint(image, layer)

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        count, scale = len(images), images.shape[1] / 28
        waves = rng.uniform(0.0, 1.0, (count, 2, 4))
        dots = rng.random(count) < self.dots
        intensity = uniforms(rng, self.intensity, count)
        periods = uniforms(rng, self.period, count) * scale
        layers = _patterns(images.shape[1:], dots, intensity, periods, waves, scale)
        return overprint(stack_2d(images), stack_2d(layers)).reshape(images.shape), None


def _patterns(
    shape: tuple[int, ...],
    dots: npt.NDArray[np.bool_],
    intensity: npt.NDArray[np.float64],
    periods: npt.NDArray[np.float64],
    waves: npt.NDArray[np.float64],
    scale: float,
) -> U8Array:
    """Security patterns of ``shape``, one per entry of ``dots`` (micro-dots, else wavy lines),
    as ink levels: ``uint8`` ``(n, height, width)``: :meth:`SecurityPattern.apply`'s pattern for
    a stack."""
    height, width = shape
    ys = np.arange(height, dtype=np.float32)[None, :, None]
    xs = np.arange(width, dtype=np.float32)[None, None, :]
    turn = np.float32(2 * np.pi)

    def each(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
        return values.astype(np.float32)[:, None, None]  # one number per image

    pattern = np.zeros((len(dots), height, width), np.float32)
    chosen = np.flatnonzero(dots)
    if chosen.size:
        a, b, c = (waves[chosen, 0, i] for i in range(3))
        period = each(periods[chosen])
        spot = (np.cos(turn * xs / period) + 1) * (np.cos(turn * ys / period) + 1) / 4
        # A slow wave modulates the tint, as printed micro-lettering does.
        slow = 0.6 + 0.4 * np.sin(
            turn * (xs / each(20 + 60 * a) + ys / each(15 + 40 * b)) + each(c * 6)
        )
        pattern[chosen] = spot * spot * spot * slow  # apply's spot**3, without powf
    chosen = np.flatnonzero(~dots)
    if chosen.size:
        period = each(periods[chosen])
        lines = np.zeros((chosen.size, height, width), np.float32)
        for family in range(2):
            a, b, c, d = (waves[chosen, family, i] for i in range(4))
            bend = np.sin(turn * xs / each((12 + 30 * b) * scale) + each(6 * c))
            wave = each((1 + 3 * a) * scale) * bend
            phase = turn * (ys + wave + each((d - 0.5) * 0.4) * xs) / period
            lines = np.maximum(lines, np.maximum(np.cos(phase) - 0.75, 0) * 4)  # a pixel wide
        pattern[chosen] = lines
    layer: U8Array = np.clip(np.rint(pattern * each(intensity)), 0, 255).astype(np.uint8)
    return layer


class InkVariation(Transform):
    """The pen: grey or pale ink, pressure changing along the strokes, ink bleeding into paper.

    Parameters
    ----------
    intensity:
        Darkness of the ink as a fraction of full black, ``0.3..1``; a number or
        ``(min, max)``. Default ``(0.6, 1)`` (values below about 0.4 make faint digits).
    pressure:
        How much lighter the lightest stretch of the strokes is, ``0..0.7``.
        Default ``(0, 0.35)``.
    bleed:
        Spread of the ink into the paper, Gaussian sigma in pixels (at a 28 px
        high field), ``0..3``. Default ``(0, 0.8)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "ink_variation"

    def __init__(
        self,
        intensity: float | tuple[float, float] = (0.6, 1.0),
        pressure: float | tuple[float, float] = (0.0, 0.35),
        bleed: float | tuple[float, float] = (0.0, 0.8),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        owner = "InkVariation"
        self.intensity = check_range(intensity, owner, "intensity", 0.3, 1.0, symmetric=False)
        self.pressure = check_range(pressure, owner, "pressure", 0.0, 0.7, symmetric=False)
        self.bleed = check_range(bleed, owner, "bleed", 0.0, 3.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        height, width = shape
        knots = width // max(4, height // 2) + 2
        intensity, pressure = uniform(rng, self.intensity, n), uniform(rng, self.pressure, n)
        bleed = uniform(rng, self.bleed, n)
        field = rng.random((n, knots))
        return [
            {
                "intensity": intensity[k],
                "pressure": pressure[k],
                "bleed": bleed[k] * height / 28,
                "field": field[k],
            }
            for k in range(n)
        ]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        width = image.shape[1]
        ink = image
        sigma = params["bleed"]
        if sigma >= 0.05:
            size = 2 * math.ceil(3 * sigma) + 1
            ink = cast(U8Array, cv2.max(ink, cv2.GaussianBlur(ink, (size, size), sigma)))
        # Pressure: the knots spread evenly along the field, linearly in between.
        knots = params["field"].astype(np.float32)[None, :]
        along = cv2.resize(knots, (width, 1), interpolation=cv2.INTER_LINEAR)
        factor = np.float32(params["intensity"]) * (1 - np.float32(params["pressure"]) * along)
        out = ink.astype(np.float32) * factor
        pen: U8Array = np.clip(np.rint(out), 0, 255).astype(np.uint8)
        return pen

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        count, height, width = images.shape
        knots = width // max(4, height // 2) + 2
        intensity = uniforms(rng, self.intensity, count)
        pressure = uniforms(rng, self.pressure, count)
        bleed = uniforms(rng, self.bleed, count) * height / 28
        return _pen(images, intensity, pressure, bleed, rng.random((count, knots))), None


def _pen(
    images: U8Array,
    intensity: npt.NDArray[np.float64],
    pressure: npt.NDArray[np.float64],
    bleed: npt.NDArray[np.float64],
    field: npt.NDArray[np.float64],
) -> U8Array:
    """A stack's ink through each image's pen: bleeding (a blur of ``bleed`` sigma, in place),
    then darkness ``intensity`` lightened by ``pressure`` where ``field`` (knots spread
    evenly along the field, 0..1) is high."""
    import cv2

    for k in np.flatnonzero(bleed >= 0.05).tolist():
        size = 2 * math.ceil(3 * bleed[k]) + 1
        cv2.max(images[k], cv2.GaussianBlur(images[k], (size, size), bleed[k]), dst=images[k])
    along = bilinear(field[:, None, :], (1, images.shape[2]))  # linear between the knots
    factor = intensity.astype(np.float32)[:, None, None] * (
        1 - pressure.astype(np.float32)[:, None, None] * along
    )
    out = images.astype(np.float32) * factor
    pen: U8Array = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return pen
