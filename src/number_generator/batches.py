"""Training batch stream: batches of digit-string images with CTC-ready targets and boxes.

:func:`batches` feeds a training loop directly, with no files in between::

    for batch in batches(64, template="0##-####-####", seed=0, n=1000):
        images = batch.images            # float32 [B, H, W], 1.0 = paper
        targets = batch.targets          # int64 [B, T], indices into ALPHABET, padded
        lengths = batch.target_lengths   # int64 [B]
        ...

Without augmentation, at the dataset's own glyph height, ``fit="pad"``, ink
spacing and no overlap, a whole batch is composed at once with array operations
(:func:`number_generator.compose.batch.compose_batch`: tens of thousands of
images per second on one core), separators (``-``, ``/``, spaces) and
``writer="same"`` included; strings with symbols (``. , + ( ) :``), strings too
wide for the width and every other option draw each image with
:meth:`SequenceGenerator.draw <number_generator.SequenceGenerator.draw>`. With
augmentation by built-in transforms, a batch's images are drawn together too
(:mod:`number_generator.compose.augmented`: the glyph stage of every glyph at
once, each image laid out as ``draw`` lays it out, the image stage over the
stack); a pipeline holding a transform that path does not know is drawn image by
image. All paths follow the same rules, so they give the same distribution: each
digit a random glyph of its class, each gap uniform in ``spacing_range``, the
strip centred on white paper and scaled down uniformly only when it does not fit.
With ``writer="same"`` every string is one writer's hand on both paths, and
``Batch.writers`` says whose.

Seed contract: the same seed and options give the same batches, byte for byte.
The array paths draw a batch's numbers in their own order, so a seeded batch is
not the images ``render`` would draw one by one from that seed (an export
without augmentation is: :func:`~number_generator.export.export_dataset` holds
``render``'s images there; with augmentation it draws as this stream does).

``number_generator.torch`` wraps this in a PyTorch ``IterableDataset``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ._util.params import DEFAULT_SPACING_RANGE, as_generator, check_int
from ._util.text import SEPARATORS, has_separators
from .compose import RenderOptions, SequenceImage, default_generator
from .datasets import DigitDataset
from .errors import InvalidParameterError

if TYPE_CHECKING:
    from .augment import Pipeline
    from .templates import Template

__all__ = ["ALPHABET", "BLANK", "Batch", "BatchStream", "batches", "default_width"]

#: Classes of the targets: ``targets`` hold indices into this string (the digits, then
#: the separators in :data:`~number_generator._util.text.SEPARATORS` order).
ALPHABET = "0123456789" + SEPARATORS
#: Index for a CTC blank, one past :data:`ALPHABET` (a model has ``BLANK + 1`` outputs).
BLANK = len(ALPHABET)
#: Largest batch.
MAX_BATCH_SIZE = 65536

_CODES = np.full(256, -1, np.int64)
for _index, _char in enumerate(ALPHABET):
    _CODES[ord(_char)] = _index
_DROP_SEPARATORS = str.maketrans("", "", SEPARATORS)
F32Array = npt.NDArray[np.float32]
#: A batch's images: ``float32`` (1.0 = paper) or, with ``dtype="uint8"``, ``uint8`` (255 = paper).
ImageArray = npt.NDArray[np.float32] | npt.NDArray[np.uint8]
#: The image types a stream can yield, and the value of white paper in each.
WHITE = {"float32": 1.0, "uint8": 255}
I64Array = npt.NDArray[np.int64]
I32Array = npt.NDArray[np.int32]


class Batch(NamedTuple):
    """One batch of the stream.

    Attributes
    ----------
    images:
        ``float32 [B, H, W]``, 0.0 = black ink, 1.0 = white paper; with
        ``dtype="uint8"``, ``uint8 [B, H, W]``, 0 = ink, 255 = paper (the same
        pixels times 255, exactly).
    labels:
        The label strings (leading zeros kept; separators if kept).
    targets:
        ``int64 [B, T]``: each label as indices into :data:`ALPHABET`
        (``"0"``-``"9"`` are 0-9), padded with ``pad_value``; ``T`` is the
        template's longest label, the same for every batch.
    target_lengths:
        ``int64 [B]``: characters in each label.
    boxes:
        ``int32 [B, T, 4]``: ``x0, y0, x1, y1`` (exclusive ends) of each label
        character's ink in output pixels; ``-1`` for padding and spaces.
    writers:
        ``int32 [B, T]``: the writer id of each label character's glyph
        (:attr:`DigitDataset.writers`); ``-1`` for padding, separators and
        glyphs of unknown writer.
    """

    images: ImageArray
    labels: list[str]
    targets: I64Array
    target_lengths: I64Array
    boxes: I32Array
    writers: I32Array


def default_width(template: Template, image_height: int, spacing_range: tuple[int, int]) -> int:
    """Width used when none is given: the longest string at a typical glyph width.

    ``ceil(L * (0.7 * image_height + max_spacing))`` for a template whose
    longest string has ``L`` characters; wider strips are scaled down.

    Examples
    --------
    >>> from number_generator import parse_template
    >>> default_width(parse_template("phone"), 28, (2, 8))
    304
    """
    length = template.max_length
    return max(1, math.ceil(length * (0.7 * image_height + max(spacing_range[1], 0))))


class BatchStream:
    """Draws :class:`Batch` es; :func:`batches` is the usual way to make one.

    Holds the validated :class:`~number_generator.compose.RenderOptions`, the
    generator and the random stream, so ``next_batch()`` can be called as often
    as needed. The parameters are those of :func:`batches`.
    """

    def __init__(
        self,
        batch_size: int,
        template: Any = "phone",
        *,
        seed: int | np.random.SeedSequence | np.random.Generator | None = None,
        spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
        image_width: int | None = None,
        image_height: int = 28,
        fit: str = "pad",
        augment: Any = None,
        dataset: DigitDataset | str | Path | None = None,
        split: str | None = None,
        data_dir: str | Path | None = None,
        keep_separators: bool = False,
        pad_value: int = -1,
        writer: str = "any",
        spacing_mode: str = "ink",
        dtype: Any = "float32",
    ) -> None:
        size = check_int(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        from .templates import parse_template

        parsed = parse_template(template)
        options = RenderOptions(
            spacing_range,
            image_width,
            image_height,
            fit,
            augment,
            keep_separators,
            writer=writer,
            spacing_mode=spacing_mode,
        )
        self._start(size, parsed, options, seed, (dataset, split, data_dir), pad_value, dtype)

    @classmethod
    def from_options(
        cls,
        batch_size: int,
        template: Any,
        options: RenderOptions,
        *,
        seed: int | np.random.SeedSequence | np.random.Generator | None = None,
        dataset: DigitDataset | str | Path | None = None,
        split: str | None = None,
        data_dir: str | Path | None = None,
        pad_value: int = -1,
        dtype: Any = "float32",
    ) -> BatchStream:
        """A stream drawing as ``options`` say (checked once, by whoever made them)."""
        stream = cls.__new__(cls)
        size = check_int(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        from .templates import parse_template

        parsed = parse_template(template)
        stream._start(size, parsed, options, seed, (dataset, split, data_dir), pad_value, dtype)
        return stream

    def _start(
        self,
        batch_size: int,
        template: Template,
        options: RenderOptions,
        seed: Any,
        source: tuple[Any, Any, Any],
        pad_value: int,
        dtype: Any,
    ) -> None:
        self.dtype = image_dtype(dtype)
        self.batch_size, self.template = batch_size, template
        if options.image_width is None:  # room for the template's longest string
            width = default_width(template, options.image_height, options.spacing_range)
            options = options.replace(image_width=width)
        options.check_template(template)
        self.options = options
        self.pad_value = check_int(pad_value, "pad_value", -(2**31), 2**31 - 1)
        self.rng = _as_rng(seed)
        # A name or path: the process-wide generator, so the data (and the column
        # table built from it) is loaded once per process, not once per stream.
        dataset, split, data_dir = source
        self.generator = default_generator(dataset, split=split, data_dir=data_dir)
        self.max_label_length = template.max_label_length(options.keep_separators)
        self._pipeline = options.pipeline
        glyph_height = self.generator.dataset.glyph_shape[0]
        # The batch composer and the templates load with the first stream, not the package.
        from .compose.batch import can_compose_batch

        self._vectorized = can_compose_batch(options, self._pipeline, glyph_height)
        from .compose.augmented import batches_glyph_stage

        # Augmented images are drawn a batch at once when the batched glyph stage can run it.
        self._augmented = batches_glyph_stage(self._pipeline)
        # Every option checked once, by drawing one image, before the first batch.
        probe = template.sample(np.random.default_rng(0), 1)[0]
        self.generator.draw(probe, options, self._pipeline, np.random.default_rng(0))

    @property
    def image_width(self) -> int:
        """Width of every image (room for the template's longest string when not given)."""
        return cast(int, self.options.image_width)

    def next_batch(self) -> Batch:
        """Draw the next batch."""
        size, length = self.batch_size, self.max_label_length
        keep_separators = self.options.keep_separators
        texts = self.template.sample(self.rng, size)
        digits = _digits_only(texts)
        labels = texts if keep_separators or digits else _labels(texts)
        boxes = np.full((size, length, 4), -1, np.int32)
        writers = np.full((size, length), -1, np.int32)
        images: ImageArray
        if self._vectorized:
            images, slow = self._compose(texts, boxes, writers, digits)
        else:
            images = np.empty((size, self.options.image_height, self.image_width), self.dtype)
            slow = list(range(size))
        floats = self.dtype == "float32"
        drawn: list[SequenceImage] = []
        if self._augmented and slow:  # augmented: together, stage by stage
            from .compose.augmented import draw_augmented

            dataset, pipeline = self.generator.dataset, cast("Pipeline", self._pipeline)
            batch = [texts[i] for i in slow]
            ink, drawn = draw_augmented(dataset, batch, self.options, pipeline, self.rng)
            paper = np.subtract(np.uint8(255), ink)
            together = np.divide(paper, np.float32(255), dtype=np.float32) if floats else paper
            if len(slow) == size:  # every image (the usual case): no copy
                images = together
            else:
                images[slow] = together
        for k, i in enumerate(slow):  # else one at a time: scaled, overlapping or too wide
            if not self._augmented:
                drawn.append(self.generator.draw(texts[i], self.options, self._pipeline, self.rng))
                images[i] = drawn[k].image if floats else drawn[k].paper
            _fill_glyphs(boxes[i], writers[i], drawn[k], texts[i], keep_separators)
        targets, lengths = _encode(labels, length, self.pad_value)
        return Batch(images, labels, targets, lengths, boxes, writers)

    def _compose(
        self, texts: list[str], boxes: I32Array, writers: I32Array, digits: bool
    ) -> tuple[ImageArray, list[int]]:
        """Images of ``texts`` composed at once, their boxes and writers filled in; which
        are left to draw (``digits``: the strings hold nothing but digits).

        Strings with symbols (aligned to their digits, :data:`~.compose.symbols.SYMBOLS`)
        are left to draw one at a time, as are strings too wide to fit.
        """
        from .compose.batch import compose_batch, drawn_alone

        spacing, width = self.options.spacing_range, self.image_width
        shape = (len(texts), self.options.image_height, width)
        alone = [] if digits else drawn_alone(texts)
        together = np.setdiff1d(np.arange(len(texts)), alone) if alone else np.arange(len(texts))
        if not together.size:
            return np.full(shape, WHITE[self.dtype], self.dtype), alone
        subset = [texts[i] for i in together.tolist()] if alone else texts
        floats = self.dtype == "float32"
        dataset, writer = self.generator.dataset, self.options.writer
        composed = compose_batch(dataset, subset, spacing, width, self.rng, writer, floats)
        images: ImageArray = composed.paper
        if alone:  # the composed images among those left to draw
            images, composed_images = np.full(shape, WHITE[self.dtype], self.dtype), images
            images[together] = composed_images
        column = composed.glyph_char if self.options.keep_separators else composed.glyph_digit
        text = together[composed.glyph_text] if alone else composed.glyph_text
        glyph_boxes, glyph_writers = _rows(composed.boxes), composed.glyph_writer
        if not composed.fits.all() or column.min(initial=0) < 0:  # only label characters
            wanted = composed.fits[composed.glyph_text] & (column >= 0)
            text, column = text[wanted], column[wanted]
            glyph_boxes, glyph_writers = glyph_boxes[wanted], glyph_writers[wanted]
        # Flat places in [B, T], one per glyph; in order, so as many as places fill them all.
        at = slice(None) if text.size == writers.size else text * writers.shape[1] + column
        _rows(boxes)[at] = glyph_boxes
        writers.reshape(-1)[at] = glyph_writers
        return images, sorted(together[~composed.fits].tolist() + alone)

    def __iter__(self) -> Iterator[Batch]:
        while True:
            yield self.next_batch()


def image_dtype(dtype: Any) -> str:
    """``"float32"`` or ``"uint8"``: the images' type named by ``dtype`` (a name or NumPy type)."""
    name: str | None = None
    with contextlib.suppress(TypeError):  # not a type at all
        name = np.dtype(dtype).name if dtype is not None else None
    if name not in WHITE:
        raise InvalidParameterError(
            f"dtype={dtype!r}: expected 'float32' (0.0 = ink, 1.0 = paper) "
            "or 'uint8' (0 = ink, 255 = paper)",
            param="dtype",
            value=dtype,
        )
    return name


def _labels(texts: list[str]) -> list[str]:
    """The digits of each string (checked at once: most templates draw none but digits)."""
    if not has_separators("".join(texts)):
        return texts
    return [text.translate(_DROP_SEPARATORS) if has_separators(text) else text for text in texts]


def _fill_glyphs(
    row: I32Array, writers: I32Array, image: SequenceImage, text: str, keep_separators: bool
) -> None:
    """One image's boxes and writers into its rows of the batch, one per label character."""
    if not keep_separators:
        boxes = image.boxes
        row[: len(boxes)] = boxes
        writers[: len(boxes)] = image.digit_writers
        return
    glyph = 0
    for position, char in enumerate(text):
        if char != " ":
            row[position] = image.glyph_boxes[glyph]
            writers[position] = image.writers[glyph]
            glyph += 1


def _digits_only(texts: list[str]) -> bool:
    """Whether ``texts`` hold digits and nothing else (one scan of their bytes)."""
    joined = "".join(texts)
    return joined.isascii() and joined.encode("ascii").isdigit()


def _rows(boxes: I32Array) -> npt.NDArray[np.void]:
    """``int32 [..., 4]`` boxes as one 16-byte item per box (a flat view, to index at once)."""
    return boxes.reshape(-1, 4).view(np.dtype((np.void, 16))).reshape(-1)


def _encode(labels: list[str], length: int, pad_value: int) -> tuple[I64Array, I64Array]:
    """Labels as padded ``[B, length]`` indices into :data:`ALPHABET`, and their lengths."""
    count = len(labels)
    lengths = np.fromiter(map(len, labels), np.int64, count)
    codes = _CODES[np.frombuffer("".join(labels).encode("ascii"), np.uint8)]
    if codes.size == count * length:  # every label as long as the longest
        return codes.reshape(count, length), lengths
    targets = np.full((count, length), pad_value, np.int64)
    # Label b's characters go to flat places b * length + 0, 1, ...
    shift = np.arange(0, count * length, length) - (np.cumsum(lengths) - lengths)
    targets.reshape(-1)[np.arange(codes.size) + np.repeat(shift, lengths)] = codes
    return targets, lengths


def _as_rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    return as_generator(seed)


def batches(
    batch_size: int,
    template: Any = "phone",
    *,
    n: int | None = None,
    seed: int | np.random.SeedSequence | np.random.Generator | None = None,
    spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
    image_width: int | None = None,
    image_height: int = 28,
    fit: str = "pad",
    augment: Any = None,
    dataset: DigitDataset | str | Path | None = None,
    split: str | None = None,
    data_dir: str | Path | None = None,
    keep_separators: bool = False,
    pad_value: int = -1,
    writer: str = "any",
    spacing_mode: str = "ink",
    dtype: Any = "float32",
) -> Iterator[Batch]:
    """Yield batches of synthetic digit-string images, forever or ``n`` times.

    Parameters
    ----------
    batch_size:
        Images per batch, 1 to 65,536.
    template:
        What to draw: ``"phone"``, ``"random:4-12"``, ``"0##-####-####"``,
        ``"file:PATH"``, a list of strings … (see :mod:`number_generator.templates`).
    n:
        Number of batches; ``None`` (default) never stops.
    seed:
        Int, ``SeedSequence`` or ``Generator``: the same seed gives the same
        batches. ``None``: fresh randomness.
    spacing_range, image_height, fit, augment, dataset, split, data_dir:
        As for :func:`~number_generator.generate_numbers_sequence`.
    image_width:
        Width of every image; default :func:`default_width` (room for the
        template's longest string; wider strips are scaled down).
    keep_separators:
        Keep the template's separators and symbols (``-/.,+():`` and spaces)
        in labels and targets.
    pad_value:
        Fills ``targets`` past each label's length (default -1).
    writer:
        ``"any"`` (default) or ``"same"``: every string from one writer's
        hand (see :meth:`~number_generator.SequenceGenerator.render`);
        :attr:`Batch.writers` tells whose.
    spacing_mode:
        ``"ink"`` (default) or ``"contour"``, as for
        :func:`~number_generator.generate_numbers_sequence`.
    dtype:
        ``"float32"`` (default; 1.0 = paper) or ``"uint8"`` (255 = paper, the
        same pixels times 255: a quarter of the memory, no conversion pass; the
        fastest for a model that normalizes on its device).

    Yields
    ------
    Batch
        ``images`` float32 (or uint8) ``[B, H, W]``, ``labels``, ``targets`` int64
        ``[B, T]``, ``target_lengths`` int64 ``[B]``, ``boxes`` int32 ``[B, T, 4]``,
        ``writers`` int32 ``[B, T]``.

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        At the call, before the first batch, for any bad option.

    Examples
    --------
    >>> batch = next(batches(8, "0##-####", seed=0, n=1))
    >>> batch.images.shape, batch.targets.shape, batch.labels[0]
    ((8, 28, ...), (8, 7), '0357889')
    """
    count = None if n is None else check_int(n, "n", 0, 2**63 - 1)
    options = RenderOptions(
        spacing_range,
        image_width,
        image_height,
        fit,
        augment,
        keep_separators,
        writer=writer,
        spacing_mode=spacing_mode,
    )
    stream = BatchStream.from_options(
        batch_size,
        template,
        options,
        seed=seed,
        dataset=dataset,
        split=split,
        data_dir=data_dir,
        pad_value=pad_value,
        dtype=dtype,
    )
    return _iterate(stream, count)


def _iterate(stream: BatchStream, count: int | None) -> Iterator[Batch]:
    produced = 0
    while count is None or produced < count:
        yield stream.next_batch()
        produced += 1
