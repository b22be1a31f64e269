"""Composition: sample glyphs, crop them to their ink, place them with gaps, fit the width.

Data flows one way: dataset -> glyph sample -> (augment glyph) -> place with
gaps -> (augment image) -> fit -> output.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ._params import (
    DEFAULT_SPACING_RANGE,
    FITS,
    as_generator,
    check_choice,
    check_height,
    check_spacing,
    check_width,
    parse_digits,
)
from .augment import resolve_augment
from .datasets import DigitDataset, load_dataset
from .errors import InvalidParameterError

__all__ = ["INHERIT", "SequenceGenerator", "SequenceImage"]

#: Default of the per-call ``augment`` argument: use the generator's own augmentation.
INHERIT: Any = object()

U8Array = npt.NDArray[np.uint8]
F32Array = npt.NDArray[np.float32]

#: ink value (0 paper .. 255 ink) -> float32 paper brightness (1.0 white .. 0.0 black)
_PAPER_LUT = ((255 - np.arange(256)) / 255).astype(np.float32)


@dataclass(frozen=True, eq=False)
class SequenceImage:
    """One rendered sequence: its pixels and where each digit came from and landed.

    Attributes
    ----------
    ink:
        ``uint8`` array ``(height, width)``, 0 = paper, 255 = full ink.
    digits:
        The digit of each glyph, in order.
    indices:
        Dataset index of the glyph drawn for each digit.
    boxes:
        ``int32`` array ``(n, 4)``: ``x0, y0, x1, y1`` of each digit's ink in
        output pixels (``x1``/``y1`` exclusive).
    """

    ink: U8Array
    digits: npt.NDArray[np.intp]
    indices: npt.NDArray[np.intp]
    boxes: npt.NDArray[np.int32]

    @cached_property
    def image(self) -> F32Array:
        """``float32`` picture, 0.0 = black ink, 1.0 = white paper."""
        return _PAPER_LUT.take(self.ink)

    @property
    def paper(self) -> U8Array:
        """``uint8`` picture as stored in a PNG: 0 = black ink, 255 = white paper."""
        return 255 - self.ink

    @property
    def label(self) -> str:
        """The digits as a string (leading zeros kept)."""
        return "".join(map(str, self.digits.tolist()))


class SequenceGenerator:
    """Draws images of digit sequences from a dataset of handwritten glyphs.

    Holds the loaded dataset, the random generator and the augmentation; its
    :meth:`generate` is the fast path every other entry point uses.

    Parameters
    ----------
    dataset:
        A :class:`DigitDataset`, a registered name (``"mnist"``), a path to a
        ``.npz`` / IDX folder / per-class PNG folder, or ``None`` for MNIST.
    seed:
        Int seed or ``numpy.random.Generator`` for every call that does not
        pass its own ``seed``.
    augment:
        Augmentation applied by default (see :func:`resolve_augment`).
    split, data_dir:
        Passed to the loader when ``dataset`` is a name.

    Examples
    --------
    >>> gen = SequenceGenerator("mnist", seed=0)
    >>> image = gen.generate([3, 5, 0], (2, 8), 120)
    >>> image.shape, image.dtype.name
    ((28, 120), 'float32')
    """

    def __init__(
        self,
        dataset: DigitDataset | str | Path | None = None,
        *,
        seed: int | np.random.Generator | None = None,
        augment: Any = None,
        split: str | None = None,
        data_dir: str | Path | None = None,
    ) -> None:
        self.dataset = load_dataset(dataset, split=split, data_dir=data_dir)
        self.rng = as_generator(seed)
        self.augment = resolve_augment(augment)

    def __repr__(self) -> str:
        return f"SequenceGenerator({self.dataset!r})"

    def generate(
        self,
        digits: Any,
        spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
        image_width: int | None = None,
        *,
        seed: int | np.random.Generator | None = None,
        image_height: int = 28,
        fit: str = "pad",
        augment: Any = INHERIT,
    ) -> F32Array:
        """Image of ``digits`` as ``float32`` ``(image_height, image_width)``, 1.0 = paper.

        See :meth:`render` for the parameters.
        """
        return self.render(
            digits,
            spacing_range,
            image_width,
            seed=seed,
            image_height=image_height,
            fit=fit,
            augment=augment,
        ).image

    def render(
        self,
        digits: Any,
        spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
        image_width: int | None = None,
        *,
        seed: int | np.random.Generator | None = None,
        image_height: int = 28,
        fit: str = "pad",
        augment: Any = INHERIT,
    ) -> SequenceImage:
        """Render ``digits`` and report which glyphs were drawn and where they landed.

        Parameters
        ----------
        digits:
            Iterable of ints 0-9, or a string of digit characters.
        spacing_range:
            ``(min, max)`` pixels of paper between the ink of neighbouring
            digits; each gap is drawn uniformly from ``[min, max]`` inclusive.
            Negative values overlap digits (ink merges, the overlap is capped
            at half the narrower digit so none is hidden).
        image_width:
            Output width in pixels; ``None`` keeps the strip's natural width.
        seed:
            Int or Generator for this call only; default: the instance's.
        image_height:
            Output height; glyphs are scaled from their native 28 px.
        fit:
            ``"pad"``: centre on white paper (exact spacing); a strip wider
            than ``image_width`` is scaled down uniformly. ``"stretch"``:
            resize the strip to exactly ``(image_height, image_width)``.
        augment:
            Augmentation for this call; default :data:`INHERIT`, the instance's.

        Raises
        ------
        InvalidParameterError, InvalidTypeError
            For any parameter outside what is allowed.
        """
        values = parse_digits(digits)
        height = check_height(image_height)
        glyph_height = self.dataset.glyph_shape[0]
        low, high = check_spacing(spacing_range, height)
        width = check_width(image_width)
        check_choice(fit, "fit", FITS)
        if augment is not INHERIT:
            resolve_augment(augment)
        rng = self.rng if seed is None else as_generator(seed)

        dataset = self.dataset
        counts = dataset.class_count[values]
        if not counts.all():
            missing = sorted(set(values[counts == 0].tolist()))
            raise InvalidParameterError(
                f"digits: the dataset {dataset.name!r} has no glyph of class {missing}"
            )
        indices = dataset.class_order[dataset.class_start[values] + rng.integers(0, counts)]
        gaps = rng.integers(low, high + 1, size=values.size - 1)

        extents = dataset.ink_extents[indices]
        if height == glyph_height:
            images = dataset.images
            glyphs = [
                images[i, :, left:right]
                for i, left, right in zip(
                    indices.tolist(), extents[:, 0].tolist(), extents[:, 1].tolist()
                )
            ]
            rows = extents[:, 2:4].astype(np.intp)
        else:
            glyphs, rows = _scaled_glyphs(dataset, indices, extents, height)
        widths = np.fromiter((g.shape[1] for g in glyphs), np.intp, len(glyphs))
        if low < 0:
            gaps = np.maximum(gaps, -(np.minimum(widths[:-1], widths[1:]) // 2))
        starts = np.zeros(values.size, np.intp)
        np.cumsum(widths[:-1] + gaps, out=starts[1:])
        strip_width = int(starts[-1] + widths[-1])

        target_width = strip_width if width is None else width
        if fit == "pad" and strip_width <= target_width:
            offset = (target_width - strip_width) // 2
            ink = np.zeros((height, target_width), np.uint8)
            _place(ink, glyphs, (starts + offset).tolist(), overlap=low < 0)
            x0 = starts + offset
            x1 = x0 + widths
            boxes = np.stack([x0, rows[:, 0], x1, rows[:, 1]], axis=1).astype(np.int32)
        else:
            strip = np.zeros((height, strip_width), np.uint8)
            _place(strip, glyphs, starts.tolist(), overlap=low < 0)
            ink, boxes = _fit_strip(strip, starts, widths, rows, target_width, fit)
        return SequenceImage(ink=ink, digits=values, indices=indices, boxes=boxes)


def _place(canvas: U8Array, glyphs: list[U8Array], starts: list[int], *, overlap: bool) -> None:
    """Draw cropped glyphs at ``starts``; overlapping ink is merged with ``max``."""
    if overlap:
        for glyph, x in zip(glyphs, starts):
            region = canvas[:, x : x + glyph.shape[1]]
            np.maximum(region, glyph, out=region)
    else:
        for glyph, x in zip(glyphs, starts):
            canvas[:, x : x + glyph.shape[1]] = glyph


def _scaled_glyphs(
    dataset: DigitDataset,
    indices: npt.NDArray[np.intp],
    extents: npt.NDArray[np.int16],
    height: int,
) -> tuple[list[U8Array], npt.NDArray[np.intp]]:
    """Glyphs resized to ``height`` (aspect kept), re-cropped to their ink columns."""
    import cv2

    scale = height / dataset.glyph_shape[0]
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    glyphs: list[U8Array] = []
    rows = np.zeros((indices.size, 2), np.intp)
    for k, (i, left, right) in enumerate(zip(indices.tolist(), extents[:, 0], extents[:, 1])):
        crop = dataset.images[i, :, left:right]
        new_width = max(1, round(crop.shape[1] * scale))
        glyph = cv2.resize(crop, (new_width, height), interpolation=interpolation)
        cols = np.flatnonzero(glyph.max(axis=0))
        if cols.size:
            glyph = glyph[:, cols[0] : cols[-1] + 1]
        ink_rows = np.flatnonzero(glyph.max(axis=1))
        rows[k] = (ink_rows[0], ink_rows[-1] + 1) if ink_rows.size else (0, height)
        glyphs.append(np.ascontiguousarray(glyph))
    return glyphs, rows


def _fit_strip(
    strip: U8Array,
    starts: npt.NDArray[np.intp],
    widths: npt.NDArray[np.intp],
    rows: npt.NDArray[np.intp],
    width: int,
    fit: str,
) -> tuple[U8Array, npt.NDArray[np.int32]]:
    """Resize a strip to ``width``: uniformly and centred (pad) or exactly (stretch)."""
    import cv2

    height, strip_width = strip.shape
    scale_x = width / strip_width
    if fit == "stretch":
        scale_y, new_height, y_offset = 1.0, height, 0
    else:
        scale_y = scale_x
        new_height = max(1, round(height * scale_x))
        y_offset = (height - new_height) // 2
    interpolation = cv2.INTER_AREA if scale_x < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(strip, (width, new_height), interpolation=interpolation)
    if new_height == height:
        ink = resized
    else:
        ink = np.zeros((height, width), np.uint8)
        ink[y_offset : y_offset + new_height] = resized
    boxes = np.stack(
        [
            np.floor(starts * scale_x),
            np.floor(rows[:, 0] * scale_y) + y_offset,
            np.ceil((starts + widths) * scale_x),
            np.ceil(rows[:, 1] * scale_y) + y_offset,
        ],
        axis=1,
    )
    np.clip(boxes[:, 0::2], 0, width, out=boxes[:, 0::2])
    return ink, boxes.astype(np.int32)
