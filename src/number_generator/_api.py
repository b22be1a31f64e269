"""The module-level conveniences: thin wrappers over a cached default generator."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._util.files import check_path, prepare_output_dir, write_manifest, write_png
from ._util.params import DEFAULT_SPACING_RANGE, as_generator
from ._util.text import switch_word
from .compose import RenderOptions, default_generator
from .compose.glyphs import read_digits
from .datasets import DigitDataset
from .errors import InvalidParameterError

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

__all__ = ["default_generator", "generate_numbers_sequence", "generate_phone_numbers"]


def _augment_from_flag(augment: Any, augment_flag: Any) -> Any:
    """Merge seed 004's ``augment_flag="true"/"false"`` into ``augment``."""
    if augment_flag is None:
        return augment
    flag = switch_word(augment_flag) if isinstance(augment_flag, str) else None
    if isinstance(augment_flag, (bool, np.bool_)):
        flag = bool(augment_flag)
    if flag is None:
        raise InvalidParameterError(
            f"augment_flag={augment_flag!r}: expected 'true' or 'false' (or a bool)",
            param="augment_flag",
            value=augment_flag,
        )
    unset = augment is None or augment is False
    if not unset and not flag:
        raise InvalidParameterError(
            f"augment={augment!r} contradicts augment_flag={augment_flag!r}; pass only one",
            param="augment",
            value=augment,
        )
    return (True if flag else None) if unset else augment


def generate_numbers_sequence(
    digits: Any,
    spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
    image_width: int | None = None,
    *,
    seed: int | np.random.Generator | None = None,
    augment: Any = None,
    image_height: int = 28,
    fit: str = "pad",
    dataset: DigitDataset | str | Path | None = None,
    output_path: str | os.PathLike[str] | None = None,
    augment_flag: str | bool | None = None,
    writer: str = "any",
    spacing_mode: str = "ink",
) -> npt.NDArray[np.float32]:
    """Image of a sequence of handwritten digits drawn from MNIST.

    Parameters
    ----------
    digits:
        Iterable of ints 0-9, or a string of digit characters ("0042").
    spacing_range:
        ``(min, max)`` pixels of white between the *ink* of neighbouring
        digits, each gap drawn uniformly from ``[min, max]`` inclusive.
        Default ``(2, 8)``. Negative values make digits overlap.
    image_width:
        Width of the result in pixels; ``None``: the natural width of the
        composed digits. At least 4 pixels per digit (``MIN_DIGIT_WIDTH``):
        a narrower image would be an illegible smear and is refused.
    seed:
        Int or ``numpy.random.Generator``; the same seed and arguments give
        byte-identical images.
    augment:
        Augmentation to apply (``None``: none).
    image_height:
        Height in pixels (default 28, MNIST's own).
    fit:
        ``"pad"`` (default): centre on white paper so the spacing is exact,
        scaling down uniformly only if the digits do not fit. ``"stretch"``:
        resize to exactly ``(image_height, image_width)``, distorting the
        aspect ratio (what the original seed projects did).
    dataset:
        A loaded :class:`DigitDataset`, a registered name or a path; default MNIST.
    output_path:
        Also save the image as a PNG: into this folder as ``<digits>.png``,
        or to this file if it ends in ``.png``.
    augment_flag:
        ``"true"``/``"false"``: the spelling of seed 004's API.
    writer:
        ``"any"`` (default): each digit from any writer. ``"same"``: every
        digit from one writer's hand (needs a dataset with writer ids, as
        MNIST has; see :meth:`SequenceGenerator.render`).
    spacing_mode:
        ``"ink"`` (default): gaps between the digits' ink bounding columns;
        ``"contour"``: the smallest distance between the inks, row by row, so
        digits tuck together (0 = touching strokes). See
        :meth:`SequenceGenerator.render`.

    Returns
    -------
    numpy.ndarray
        ``float32`` of shape ``(image_height, image_width)``, 0.0 = black ink,
        1.0 = white paper.

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        For any value outside what is allowed, naming the parameter. The digits
        side by side, before fitting to ``image_width``, may cover at most
        ``MAX_STRIP_PIXELS`` (2**26) pixels, counted from the parameters as
        ``n * image_height + (n - 1) * spacing_range[1]`` columns of
        ``image_height`` rows for ``n`` digits; a call over it is refused before
        anything is drawn, naming ``spacing_range`` or ``image_height``.

    Examples
    --------
    >>> image = generate_numbers_sequence([3, 5, 0], (2, 8), 120, seed=7)
    >>> image.shape, image.dtype.name, float(image.max())
    ((28, 120), 'float32', 1.0)
    """
    augment = _augment_from_flag(augment, augment_flag)
    target = None if output_path is None else check_path(output_path)
    generator = default_generator(dataset)
    digit_text = read_digits(digits)
    options = RenderOptions.reuse(
        spacing_range,
        image_width,
        image_height,
        fit,
        augment,
        writer=writer,
        spacing_mode=spacing_mode,
    )
    rendered = generator.draw(digit_text, options, options.pipeline, generator.rng_for(seed))
    if target is not None:
        if target.suffix.lower() != ".png":
            target = prepare_output_dir(target) / f"{rendered.label}.png"
        else:
            prepare_output_dir(target.parent)
        try:
            write_png(target, rendered.paper)
        except OSError as exc:  # e.g. a folder named like the file
            raise InvalidParameterError(
                f"output_path={str(target)!r}: cannot write the image ({exc.strerror or exc})",
                param="output_path",
                value=output_path,
            ) from exc
    return rendered.image


def generate_phone_numbers(
    num_images: int,
    image_width: int | None,
    output_path: str | os.PathLike[str],
    spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
    *,
    seed: int | np.random.Generator | None = None,
    format: str = "mobile",
    augment: Any = None,
    image_height: int = 28,
    fit: str = "pad",
    dataset: DigitDataset | str | Path | None = None,
    progress: bool | None = None,
    writer: str = "any",
    spacing_mode: str = "ink",
) -> list[tuple[str, Path]]:
    """Write ``num_images`` PNGs of distinct phone numbers and a ``labels.csv``.

    Parameters
    ----------
    num_images:
        How many distinct numbers to draw (at most the format's capacity).
    image_width, spacing_range, seed, augment, image_height, fit, dataset, writer:
    image_width, spacing_range, seed, augment, image_height, fit, dataset, spacing_mode:
        As for :func:`generate_numbers_sequence`.
    output_path:
        Folder to write into (created if missing). Files are named
        ``<number>.png``; ``labels.csv`` lists ``file_name,label`` with the
        label as a string, so the leading 0 survives.
    format:
        ``"mobile"`` (default: ``0[789]0`` + 8 digits, 11 digits),
        ``"landline"`` (``0`` + area code, 10 digits), ``"toll_free"``
        (``0120`` + 6 digits) or ``"ip"`` (``050`` + 8 digits).
    progress:
        Show a progress bar; default: only when stderr is a terminal.

    Returns
    -------
    list of (label, path)

    Examples
    --------
    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> written = generate_phone_numbers(3, 200, out, seed=1)
    >>> [len(label) for label, _ in written]
    [11, 11, 11]
    """
    import shutil
    import tempfile
    from pathlib import Path

    from .templates.phone import sample_unique_numbers

    rng = as_generator(seed)
    numbers = sample_unique_numbers(num_images, format, rng)
    folder = prepare_output_dir(output_path)
    generator = default_generator(dataset)
    options = RenderOptions(
        spacing_range,
        image_width,
        image_height,
        fit,
        augment,
        writer=writer,
        spacing_mode=spacing_mode,
    )
    pipeline = options.pipeline
    # Every option checked once, by drawing one image, before any file is written.
    generator.draw(numbers[0], options, pipeline, np.random.default_rng(0))
    show = sys.stderr.isatty() if progress is None else progress
    # Everything is written into a hidden folder inside ``folder`` first and moved
    # into place once complete (labels.csv last): a full disk or Ctrl-C leaves the
    # folder as it was, never PNGs without their labels.
    staging = Path(tempfile.mkdtemp(prefix=".tmp-phone-", dir=folder))
    written: list[tuple[str, Path]] = []
    moved: list[Path] = []
    try:
        for number in _with_progress(numbers, show):
            rendered = generator.draw(number, options, pipeline, rng)
            write_png(staging / f"{number}.png", rendered.paper)
            written.append((number, folder / f"{number}.png"))
        write_manifest(staging / "labels.csv", ((path.name, label) for label, path in written))
        for name in [*(path.name for _, path in written), "labels.csv"]:
            os.replace(staging / name, folder / name)
            moved.append(folder / name)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _with_progress(numbers: list[str], show: bool) -> Iterable[str]:
    """``numbers``, behind a progress bar if ``show`` (tqdm is loaded only then: importing
    it costs a short command a fifth of its start-up)."""
    if not show:
        return numbers
    from tqdm import tqdm

    bar: Iterable[str] = tqdm(numbers, desc="phone numbers", unit="img")
    return bar
