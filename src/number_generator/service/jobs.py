"""From a validated request to an image: the server's limits, then the library.

Every check happens here, before any pixel is drawn, and every problem is
reported against the request field that caused it (``["body", "image_width"]``
or ``["query", "digits"]``) in FastAPI's usual 422 shape.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from fastapi.exceptions import RequestValidationError

from .._util.files import encode_png, write_atomic
from .._util.params import MIN_IMAGE_HEIGHT, check_spacing, parse_digits, strip_columns
from .._util.text import OFF_WORDS, ON_WORDS, SEPARATORS, digits_of, has_separators, switch_word
from ..augment import PRESETS, TRANSFORM_NAMES, resolve_augment
from ..compose import RenderOptions, SequenceGenerator, SequenceImage
from ..errors import NumberGeneratorError
from .settings import Settings

__all__ = [
    "AUGMENT_WORDS",
    "Job",
    "LibraryValidationError",
    "Rendered",
    "augment_message",
    "build_job",
    "render",
    "shown",
]

logger = logging.getLogger("number_generator")

#: Longest digit string put into a saved file's name.
_NAME_DIGITS = 128
#: Separators as they appear in saved file names: every run of them is one ``-``.
_NAME_SEPARATORS = re.compile(f"[{re.escape(SEPARATORS)}]+")
_NO_SEPARATORS = str.maketrans("", "", SEPARATORS)

#: Every word ``augment`` accepts as a string (compared lower-cased, spaces around ignored):
#: the off and on words, then the presets, then the transform names.
AUGMENT_WORDS: tuple[str, ...] = (
    *sorted(OFF_WORDS, key=lambda w: (w != "false", w)),
    *sorted(ON_WORDS, key=lambda w: (w != "true", w)),
    *PRESETS,
    *TRANSFORM_NAMES,
)


def augment_message(value: Any) -> str:
    """What ``augment`` accepts, in the library's words, for a refused ``value``."""
    words = ", ".join(repr(word) for word in AUGMENT_WORDS)
    return (
        f"augment={shown(value)}: expected true or false, 1 or 0, or one of the words {words} "
        "(case is ignored)"
    )


def shown(value: Any) -> str:
    """``repr(value)``, shortened if long (messages stay one readable line)."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


class LibraryValidationError(RequestValidationError):
    """Problems found by :func:`build_job`: already worded by the library, shown as they are."""


@dataclass(frozen=True)
class Job:
    """One image to draw, every value checked.

    ``digits`` holds the digits only; ``text`` is what is drawn: the digits
    with the separators and symbols (``-/.,+():``, space) the client sent between them.
    """

    digits: str
    text: str
    options: RenderOptions
    seed: int


@dataclass(frozen=True)
class Rendered:
    """A drawn image and the identifiers reported with it."""

    job: Job
    image: SequenceImage
    task_id: str

    @property
    def width(self) -> int:
        return int(self.image.ink.shape[1])

    def png(self) -> bytes:
        return encode_png(self.image.paper)


class _Errors:
    """Collects problems, one per field, to be raised together."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str, value: Any, kind: str = "value_error") -> None:
        if not any(item["loc"][-1] == field for item in self.items):
            self.items.append(
                {"type": kind, "loc": (self.where, field), "msg": message, "input": value}
            )


def augment_value(augment: Any) -> Any:
    """The library's ``augment`` for a request's value: flags become ``True``/``None``."""
    if isinstance(augment, bool):
        return True if augment else None
    if isinstance(augment, int):
        return True if augment == 1 else None
    switch = switch_word(str(augment))
    if switch is None:
        return str(augment)
    return True if switch else None


def build_job(
    settings: Settings,
    *,
    where: str,
    number: Any = None,
    digits: Any = None,
    spacing_min: int,
    spacing_max: int,
    image_width: int | None,
    image_height: int,
    fit: str,
    augment: Any,
    seed: int | None,
    writer: str = "any",
    spacing_mode: str = "ink",
) -> Job:
    """Check a request against the library's rules and the server's limits.

    Problems are reported in this order, at most one per field: the digits,
    the image size, the spacing, the augmentation, then the pixel budget (only
    when nothing else is wrong).

    Parameters
    ----------
    where:
        ``"body"`` or ``"query"``: the first element of every error's ``loc``.

    Raises
    ------
    fastapi.exceptions.RequestValidationError
        Listing every field with a problem.
    """
    errors = _Errors(where)
    text = _digits(settings, errors, number, digits)
    _check_size(settings, errors, image_width, image_height)
    _check_spacing(settings, errors, spacing_min, spacing_max, image_height)
    library_augment = _check_augment(errors, augment)
    if text is not None and not errors.items:
        # A separator costs at most what a digit does (a stroke glyph, or a gap under a height).
        field = "number" if number is not None else "digits"
        _check_area(settings, errors, field, len(text), spacing_max, image_width, image_height)
    if text is None or errors.items:  # text is None only with an error reported
        raise LibraryValidationError(errors.items)
    options = RenderOptions(
        (spacing_min, spacing_max),
        image_width,
        image_height,
        fit=fit,
        augment=library_augment,
        writer=writer,
        spacing_mode=spacing_mode,
    )
    label = digits_of(text) if has_separators(text) else text
    return Job(label, text, options, secrets.randbits(63) if seed is None else seed)


def _digits(settings: Settings, errors: _Errors, number: Any, digits: Any) -> str | None:
    """The text to draw for ``number`` or ``digits``, or ``None`` after reporting why not.

    A string may hold the separators and symbols ``-/.,+():`` and space
    between its digits, as the library's ``render`` accepts; at most ``max_digits``
    digits and twice as many characters.
    """
    if number is not None and digits is not None:
        errors.add(
            "digits", f"digits={shown(digits)}: give either number or digits, not both", digits
        )
        return None
    if number is None and digits is None:
        errors.add("number", "number (or digits) is required", None, "missing")
        return None
    field, value = ("number", number) if number is not None else ("digits", digits)
    if isinstance(value, int):
        if value < 0:
            errors.add(field, f"{field}={value!r}: must be a non-negative integer", value)
            return None
        value = str(value)
    if isinstance(value, str):
        return _digit_text(settings, errors, field, value)
    size = len(value)
    if size > settings.max_digits:
        errors.add(
            field,
            f"{field}: {size} digits is more than this server's limit of {settings.max_digits}",
            value if size <= 2 * settings.max_digits else f"<{size} digits>",
            "too_long",
        )
        return None
    try:
        parsed = parse_digits(value, field)
    except NumberGeneratorError as exc:
        errors.add(field, str(exc), value)
        return None
    return "".join(map(str, parsed.tolist()))


def _digit_text(settings: Settings, errors: _Errors, field: str, value: str) -> str | None:
    """``value`` if it is digits and separators within the server's limits, else ``None``."""
    limit = settings.max_digits
    if len(value) > 2 * limit and has_separators(value):
        errors.add(
            field,
            f"{field}: {len(value)} characters is more than this server's limit of {2 * limit} "
            f"(at most {limit} digits, with separators between them)",
            f"<{len(value)} characters>",
            "too_long",
        )
        return None
    size = len(value) if len(value) > 2 * limit else len(value.translate(_NO_SEPARATORS))
    if size > limit:
        errors.add(
            field,
            f"{field}: {size} digits is more than this server's limit of {limit}",
            value if size <= 2 * limit else f"<{size} digits>",
            "too_long",
        )
        return None
    try:
        digits_of(value, field)
    except NumberGeneratorError as exc:
        errors.add(field, str(exc), value)
        return None
    return value


def _over_limit(errors: _Errors, field: str, value: int, low: int, limit: int) -> None:
    errors.add(
        field,
        f"{field}={value!r}: must be in the range {low}..{limit} (at most {limit} is this "
        "server's limit)",
        value,
        "less_than_equal",
    )


def _check_size(
    settings: Settings, errors: _Errors, image_width: int | None, image_height: int
) -> None:
    """The output size against the server's limits."""
    if image_width is not None and image_width > settings.max_image_width:
        _over_limit(errors, "image_width", image_width, 1, settings.max_image_width)
    if image_height > settings.max_image_height:
        _over_limit(
            errors, "image_height", image_height, MIN_IMAGE_HEIGHT, settings.max_image_height
        )


def _check_spacing(
    settings: Settings, errors: _Errors, spacing_min: int, spacing_max: int, image_height: int
) -> None:
    """The spacing pair: ordered, within the server's limit, then the library's rules."""
    if spacing_min > spacing_max:
        errors.add(
            "spacing_min",
            f"spacing_min={spacing_min!r} is greater than spacing_max={spacing_max!r}; it must "
            "be at most spacing_max",
            spacing_min,
        )
    elif spacing_max > settings.max_image_width:
        _over_limit(errors, "spacing_max", spacing_max, spacing_min, settings.max_image_width)
    else:
        try:
            check_spacing((spacing_min, spacing_max), image_height)
        except NumberGeneratorError:
            floor = -(image_height // 2)
            errors.add(
                "spacing_min",
                f"spacing_min={spacing_min!r}: must be in the range {floor}..{spacing_max} at "
                f"image_height {image_height} (overlapping more than half a glyph would hide "
                "whole digits)",
                spacing_min,
            )


def _check_augment(errors: _Errors, augment: Any) -> Any:
    """The library's ``augment`` for the request's value, reported if it is unknown."""
    library_augment = augment_value(augment)
    try:
        resolve_augment(library_augment)
    except NumberGeneratorError:
        errors.add("augment", augment_message(augment), augment)
    return library_augment


def _check_area(
    settings: Settings,
    errors: _Errors,
    digit_field: str,
    count: int,
    spacing_max: int,
    image_width: int | None,
    image_height: int,
) -> None:
    """Refuse work whose composed strip could exceed the server's pixel budget.

    The strip's bound is the library's (:func:`strip_columns`); the server's budget
    (``settings.max_pixels``) is smaller than the library's own limit.
    """
    columns = strip_columns(count, image_height, spacing_max)
    if columns * image_height > settings.max_pixels:
        spacing = (count - 1) * spacing_max > count * image_height
        field = "spacing_max" if spacing else digit_field
        named = f"spacing_max={spacing_max}" if spacing else f"{field}"
        errors.add(
            field,
            f"{named}: {count} characters at image_height {image_height} with spacing_max "
            f"{spacing_max} could compose {columns}x{image_height} pixels, more than this "
            f"server's limit of {settings.max_pixels}; use fewer digits, a smaller height or "
            "spacing",
            spacing_max if field == "spacing_max" else count,
        )
    elif image_width is None and columns > settings.max_image_width:
        errors.add(
            "image_width",
            f"image_width is required here: the natural width of {count} digits could reach "
            f"{columns} px, more than this server's limit of {settings.max_image_width}",
            None,
            "missing",
        )


def render(generator: SequenceGenerator, job: Job) -> Rendered:
    """Draw the image of ``job`` (library errors propagate as :class:`NumberGeneratorError`)."""
    options = job.options
    image = generator.render(
        job.text,
        options.spacing_range,
        options.image_width,
        seed=job.seed,
        image_height=options.image_height,
        fit=options.fit,
        augment=options.augment,
        writer=options.writer,
        spacing_mode=options.spacing_mode,
    )
    return Rendered(job, image, uuid.uuid4().hex)


def save(rendered: Rendered, folder: Path, png: bytes | None = None) -> Path | None:
    """Write the image atomically as ``{taskId}_{digits}.png`` in ``folder``.

    The name is built only from server-side values: the hex task id and the
    checked digits, each run of separators written as one ``-`` (``090-1234``,
    ``12/34`` -> ``12-34``). A failure is logged, not raised: the client still
    gets its image.
    """
    digits = _NAME_SEPARATORS.sub("-", rendered.job.text).strip("-")
    if len(digits) > _NAME_DIGITS:
        digits = f"{digits[:_NAME_DIGITS]}-{len(digits)}digits"
    path = folder / f"{rendered.task_id}_{digits}.png"
    try:
        return write_atomic(path, rendered.png() if png is None else png)
    except OSError:
        logger.exception("could not save %s", path)
        return None


def _float_texts() -> npt.NDArray[np.str_]:
    """JSON text of each float32 value ``k / 255``: the shortest that round-trips."""
    values = np.arange(256, dtype=np.float32) / np.float32(255)
    return np.array([np.format_float_positional(v, unique=True, trim="0") for v in values])


_FLOAT_TEXT = _float_texts()
_FLOAT_VALUE = np.arange(256, dtype=np.float32) / np.float32(255)


def image_json(rendered: Rendered) -> str:
    """``generatedImage`` as JSON text: rows of float32 values in [0, 1]."""
    paper = rendered.image.paper
    image = rendered.image.image
    if image.dtype == np.float32 and np.array_equal(_FLOAT_VALUE[paper], image):
        texts = _FLOAT_TEXT[paper]
        return "[" + ",".join("[" + ",".join(row) + "]" for row in texts.tolist()) + "]"
    return json.dumps(np.clip(image, 0.0, 1.0).astype(np.float64).tolist())
