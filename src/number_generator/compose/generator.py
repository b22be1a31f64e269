"""The composer: :class:`SequenceGenerator` draws digit strings, :class:`SequenceImage` holds one.

Data flows one way: digits -> pick glyphs -> prepare them at the output
height (glyph augmentation stage) -> lay out with gaps and separators ->
place -> fit to the width -> image augmentation stage -> output. Label safety
(:mod:`.safety`) redraws a stage that leaves a labelled digit below the
legibility floor. In the common case (no augmentation, glyphs as stored, side
by side on paper that holds them) the glyphs are cut and placed in one pass
(:func:`.layout.place_stored`).

The image stage runs last, on the fitted image: paper tone, noise and blur
then cover the whole output, padding included, at the output's own scale
(not shrunk or stretched with the strip). The glyph boxes are known before
it, from the layout.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .._util.params import DEFAULT_SPACING_RANGE, as_generator
from ..datasets import DigitDataset, load_dataset
from .glyphs import DigitText, Glyphs, is_native, pick_glyphs, prepare_glyphs, read_digits
from .layout import Layout, arrange, place_and_fit, place_stored
from .legibility import REFERENCE_HEIGHT
from .options import RenderOptions, resolve_pipeline
from .safety import Field, Repairs, legible_image
from .separators import layout_separators, stroke_profiles
from .spacing import cap_overlap, contour_starts, dataset_profiles, row_profiles

if TYPE_CHECKING:
    from pathlib import Path

    from ..augment import Pipeline

__all__ = ["INHERIT", "SequenceGenerator", "SequenceImage", "digit_boxes", "lay_out", "stage_area"]

#: Default of the per-call ``augment`` argument: use the generator's own augmentation.
INHERIT: Any = object()

U8Array = npt.NDArray[np.uint8]
F32Array = npt.NDArray[np.float32]

_WHITE = np.float32(255)
_FULL_INK = np.uint8(255)


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
    text:
        The string as drawn, separators included (equal to :attr:`label`
        when it had none).
    writers:
        The writer id of every drawn glyph, in :attr:`glyph_boxes` order
        (``-1`` for a ``-``/``/`` stroke or a glyph whose writer is unknown).
    digit_writers:
        The writer id of each digit, in :attr:`indices` order (``-1``: unknown).
    repairs:
        What label safety redrew to keep every digit legible
        (:class:`~.safety.Repairs`; all zero for almost every image).
    """

    def __init__(
        self,
        ink: U8Array,
        digits: npt.NDArray[np.integer[Any]],
        indices: npt.NDArray[np.intp],
        layout: Layout,
        *,
        text: str | None = None,
        digit_slots: list[int] | None = None,
        writer_ids: npt.NDArray[np.int32] | None = None,
        warp: npt.NDArray[np.float64] | None = None,
        repairs: Repairs | None = None,
        glyph_boxes: npt.NDArray[np.int32] | None = None,
    ) -> None:
        self.ink = ink
        self.repairs = Repairs() if repairs is None else repairs
        self.digits = digits
        self.indices = indices
        self._layout = layout
        self._text = text
        self._digit_slots = digit_slots
        self._writer_ids = writer_ids  # the dataset's, indexed only when asked for
        self._warp = warp
        self._image: F32Array | None = None
        if glyph_boxes is not None:  # known already (a batch measures them): :attr:`glyph_boxes`
            self.__dict__["glyph_boxes"] = glyph_boxes

    @property
    def image(self) -> F32Array:
        """``float32`` picture, 0.0 = black ink, 1.0 = white paper (made once, when first asked)."""
        if self._image is None:  # not a cached_property: on Python < 3.12 it takes a lock
            image = self.paper.astype(np.float32)  # a plain cast: cheaper than divide's own
            self._image = np.divide(image, _WHITE, out=image)
        return self._image

    @property
    def paper(self) -> U8Array:
        """``uint8`` picture as stored in a PNG: 0 = black ink, 255 = white paper."""
        paper: U8Array = np.subtract(_FULL_INK, self.ink)
        return paper

    @property
    def label(self) -> str:
        """The digits as a string (leading zeros kept)."""
        return "".join(map(str, self.digits.tolist()))

    @property
    def text(self) -> str:
        """The string as drawn: the label with its separators and symbols (``-/.,+():``, space)."""
        return self.label if self._text is None else self._text

    @cached_property
    def boxes(self) -> npt.NDArray[np.int32]:
        """``int32`` ``(n, 4)``: ``x0, y0, x1, y1`` of each digit's ink in output pixels.

        ``x1`` and ``y1`` are exclusive.
        """
        if self._digit_slots is None:
            return self.glyph_boxes
        return self.glyph_boxes[self._digit_slots]

    @cached_property
    def digit_writers(self) -> npt.NDArray[np.int32]:
        """``int32`` ``(n,)``: the writer of each digit (as :attr:`indices`), ``-1`` if unknown."""
        if self._writer_ids is None:
            return np.full(self.indices.size, -1, np.int32)
        writers: npt.NDArray[np.int32] = self._writer_ids[self.indices]
        return writers

    @cached_property
    def writers(self) -> npt.NDArray[np.int32]:
        """``int32`` ``(g,)``: the writer of each glyph of :attr:`glyph_boxes`, ``-1`` if none."""
        if self._digit_slots is None:
            return self.digit_writers
        writers = np.full(len(self._layout.starts), -1, np.int32)
        writers[self._digit_slots] = self.digit_writers
        return writers

    @cached_property
    def glyph_boxes(self) -> npt.NDArray[np.int32]:
        """Boxes of every drawn glyph in :attr:`text` order: digits, separators and symbols.

        Spaces draw nothing and have no box. When the image stage turned or
        skewed the whole field (a scan warp), the boxes are the laid-out ones
        mapped through that warp.
        """
        boxes = self._layout.boxes(self.ink.shape)
        if self._warp is None:
            return boxes
        from ..augment import warp_boxes  # loaded already: a warp comes from the augmentation

        return warp_boxes(boxes, self._warp, self.ink.shape)


class SequenceGenerator:
    """Draws images of digit sequences from a dataset of handwritten glyphs.

    Holds the loaded dataset, the random generator and the augmentation.
    :meth:`render` takes the drawing options as keywords; entry points that
    draw many images check a :class:`RenderOptions` once and call :meth:`draw`.

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
        self.augment = resolve_pipeline(augment)

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
        writer: str = "any",
        spacing_mode: str = "ink",
    ) -> F32Array:
        """Image of ``digits`` as ``float32`` ``(image_height, image_width)``, 1.0 = paper.

        See :meth:`render` for the parameters.
        """
        return self._render(
            digits,
            spacing_range,
            image_width,
            seed,
            image_height,
            fit,
            augment,
            writer,
            spacing_mode,
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
        writer: str = "any",
        spacing_mode: str = "ink",
    ) -> SequenceImage:
        """Render ``digits`` and report which glyphs were drawn and where they landed.

        Parameters
        ----------
        digits:
            Iterable of ints 0-9, or a string of digit characters. A string
            may also hold separators and symbols: ``-``, ``/``, ``.``, ``,``,
            ``+``, ``(``, ``)`` and ``:`` are drawn as pen strokes (the symbols
            aligned to the digits beside them), a space as a wider gap (see
            :attr:`SequenceImage.text` and :mod:`.separators`).
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
        writer:
            ``"any"`` (default): each digit from any writer. ``"same"``: every
            digit from one writer's hand, chosen uniformly among the writers who
            wrote every class the string needs (when none did, the fewest
            writers that together did; see :mod:`~number_generator.datasets.writers`).
            Needs a dataset with writer ids (:attr:`DigitDataset.writers`).
        spacing_mode:
            ``"ink"`` (default): a gap is the paper between the glyphs' ink
            bounding columns. ``"contour"``: the smallest horizontal distance
            between the two glyphs' inks, row by row (over the rows both have
            ink; neighbours sharing no ink row fall back to bounding columns),
            so digits tuck together as a reader sees spacing; 0 makes the
            strokes touch, ``-k`` makes them cross by ``k`` pixels (capped like
            negative ink gaps). Boxes still hug each glyph's own ink.

        Raises
        ------
        InvalidParameterError, InvalidTypeError
            For any parameter outside what is allowed, including two limits that
            depend on the digits: the composed strip may cover at most
            :data:`~number_generator._util.params.MAX_STRIP_PIXELS` pixels, counted
            as ``n * image_height + (n - 1) * spacing max`` columns of
            ``image_height`` rows for ``n`` characters; and ``image_width`` must
            give each digit at least
            :data:`~number_generator._util.params.MIN_DIGIT_WIDTH` pixels.
        """
        return self._render(
            digits,
            spacing_range,
            image_width,
            seed,
            image_height,
            fit,
            augment,
            writer,
            spacing_mode,
        )

    def _render(
        self,
        digits: Any,
        spacing_range: tuple[int, int],
        image_width: int | None,
        seed: int | np.random.Generator | None,
        image_height: int,
        fit: str,
        augment: Any,
        writer: str,
        spacing_mode: str,
    ) -> SequenceImage:
        """:meth:`render` with every argument given in order (what :meth:`generate` calls)."""
        sequence = read_digits(digits)  # the digits' errors first
        options = RenderOptions.reuse(
            spacing_range, image_width, image_height, fit, None, False, writer, spacing_mode
        )
        pipeline = self.augment if augment is INHERIT else resolve_pipeline(augment)
        return self.draw(
            sequence, options, pipeline, self.rng if seed is None else as_generator(seed)
        )

    def rng_for(self, seed: int | np.random.Generator | None) -> np.random.Generator:
        """The random stream of one call: from ``seed``, or the instance's own for ``None``."""
        return self.rng if seed is None else as_generator(seed)

    def draw(
        self,
        digits: Any,
        options: RenderOptions,
        pipeline: Pipeline | None,
        rng: np.random.Generator,
    ) -> SequenceImage:
        """Render ``digits`` with options checked once, for callers that draw many images.

        :meth:`render` is this with its keywords gathered into ``options``.

        Parameters
        ----------
        digits:
            As for :meth:`render`, or a :class:`~.glyphs.DigitText` already read.
        options:
            How to draw; its ``augment`` and ``keep_separators`` are not used here.
        pipeline:
            The augmentation (``options.pipeline``, resolved once), or ``None``.
        rng:
            The random stream, advanced by the draw.

        Examples
        --------
        >>> gen = SequenceGenerator("mnist")
        >>> options = RenderOptions((2, 8), 120)
        >>> gen.draw("350", options, None, np.random.default_rng(0)).ink.shape
        (28, 120)
        """
        sequence = read_digits(digits)
        dataset, height = self.dataset, options.image_height
        # Limits that depend on the digits too, checked before any pixel is drawn.
        text = sequence.text
        options.check_string(sequence.values.size, None if text is None else len(text))
        indices, gaps = pick_glyphs(dataset, sequence, options.spacing_range, rng, options.writer)
        if (
            pipeline is None
            and text is None
            and options.side_by_side
            and height == dataset.images.shape[1]
        ):  # the common case: the glyphs as stored, side by side
            placed = place_stored(dataset, indices, gaps, height, options.image_width)
            if placed is not None:
                return SequenceImage(
                    placed[0], sequence.values, indices, placed[1], writer_ids=dataset.writers
                )
        repairs = Repairs()
        glyphs = prepare_glyphs(dataset, indices, height, pipeline, rng, repairs)
        ink, layout, digit_slots = lay_out(
            dataset, sequence, indices, gaps, glyphs, options, pipeline, rng
        )
        warp = None
        if pipeline is not None and pipeline.image_transforms:
            # After fitting, so paper tone and noise cover the whole output at its own scale.
            ink, warp = _image_stage(pipeline, ink, layout, digit_slots, rng, repairs)
        return SequenceImage(
            ink,
            sequence.values,
            indices,
            layout,
            text=text,
            digit_slots=digit_slots,
            writer_ids=dataset.writers,
            warp=warp,
            repairs=repairs,
        )


def lay_out(
    dataset: DigitDataset,
    sequence: DigitText,
    indices: npt.NDArray[np.intp],
    gaps: list[int],
    glyphs: Glyphs,
    options: RenderOptions,
    pipeline: Pipeline | None,
    rng: np.random.Generator,
) -> tuple[U8Array, Layout, list[int] | None]:
    """The prepared ``glyphs`` of ``sequence`` laid out, placed and fitted, before the image
    stage: the ink, its layout and each digit's slot among the placed glyphs (``None``: the
    digits alone). Separators and spaces draw from ``rng``."""
    height, spacing = options.image_height, options.spacing_range
    if spacing[0] < 0:
        widths = np.array(glyphs.widths, np.intp)
        gaps = cap_overlap(np.array(gaps, np.intp), widths).tolist()
    digit_slots: list[int] | None = None
    strokes: list[tuple[str, int, int]] = []
    if sequence.text is not None:
        glyphs, gaps, digit_slots, strokes = layout_separators(
            sequence.text, glyphs, gaps, height, spacing, rng
        )
    contour = options.spacing_mode == "contour"
    if contour:
        digit_profiles = (
            dataset_profiles(dataset).take(indices, 1)
            if is_native(dataset, height, pipeline)
            else None
        )
        layout = _contour_layout(glyphs, gaps, digit_profiles, digit_slots, strokes, height)
    else:
        layout = arrange(glyphs, gaps)
    shape = (height, options.image_width)
    ink = place_and_fit(glyphs, layout, shape, options.fit, overlap=contour or spacing[0] < 0)
    return ink, layout, digit_slots


def _contour_layout(
    glyphs: Glyphs,
    gaps: list[int],
    digit_profiles: npt.NDArray[np.int32] | None,
    digit_slots: list[int] | None,
    strokes: list[tuple[str, int, int]],
    height: int,
) -> Layout:
    """Glyphs laid out with contour gaps (see :func:`.spacing.contour_starts`)."""
    strokes_profiles = stroke_profiles(strokes, height) if strokes else None
    profiles = _profiles(glyphs, digit_profiles, digit_slots, strokes_profiles)
    starts, strip_width = contour_starts(profiles, glyphs.widths, gaps)
    return Layout(starts, glyphs.widths, glyphs.rows, strip_width=strip_width)


def _image_stage(
    pipeline: Pipeline,
    ink: U8Array,
    layout: Layout,
    digit_slots: list[int] | None,
    rng: np.random.Generator,
    repairs: Repairs,
) -> Field:
    """The image stage of ``ink``, redrawn while it leaves a labelled digit below the
    legibility floor (:func:`.safety.legible_image`); the image and how the field moved."""
    drawn = ink.shape

    def boxes() -> npt.NDArray[np.int32]:
        return digit_boxes(layout, digit_slots, drawn)

    def run(image: U8Array, stream: np.random.Generator) -> Field:
        # Printed lines and boxes go where the digits are (boxes only when used).
        return pipeline.transform_field(image, stream, boxes() if pipeline.uses_boxes else None)

    return legible_image(run, ink, boxes, stage_area(layout, drawn), rng, repairs)


def digit_boxes(
    layout: Layout, digit_slots: list[int] | None, shape: tuple[int, ...]
) -> npt.NDArray[np.int32]:
    """The labelled digits' boxes in an image of ``shape`` laid out by ``layout``."""
    boxes = layout.boxes(shape)
    return boxes if digit_slots is None else boxes[digit_slots]


def stage_area(layout: Layout, shape: tuple[int, ...]) -> float:
    """The digits' scale relative to a :data:`~.legibility.REFERENCE_HEIGHT`-row glyph."""
    return (shape[0] / REFERENCE_HEIGHT) ** 2 * layout.scale_x * layout.scale_y


def _profiles(
    glyphs: Glyphs,
    digit_profiles: npt.NDArray[np.int32] | None,
    digit_slots: list[int] | None,
    stroke_profiles: npt.NDArray[np.int32] | None,
) -> npt.NDArray[np.int32]:
    """Row profiles of the placed glyphs: the digits' (computed unless given), the strokes'."""
    if digit_slots is None or stroke_profiles is None:  # digits only
        return row_profiles(glyphs.images) if digit_profiles is None else digit_profiles
    if digit_profiles is None:
        digit_profiles = row_profiles([glyphs.images[k] for k in digit_slots])
    # Each placed glyph's row in [digits..., strokes...]: the strokes fill the other slots.
    order = [-1] * len(glyphs.images)
    for k, slot in enumerate(digit_slots):
        order[slot] = k
    stroke = len(digit_slots)
    for slot, row in enumerate(order):
        if row < 0:
            order[slot], stroke = stroke, stroke + 1
    return np.concatenate([digit_profiles, stroke_profiles], axis=1).take(order, axis=1)
