"""Validation of user-facing parameters, shared by the API, the CLIs and the service.

Every check raises :class:`InvalidParameterError` or :class:`InvalidTypeError`
with a message that names the parameter, shows the bad value and says what is
allowed.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError
from .text import ASCII_ZERO, allowed_separators

#: Largest accepted ``image_width`` in pixels.
MAX_IMAGE_WIDTH = 16384
#: Largest accepted ``image_height`` in pixels.
MAX_IMAGE_HEIGHT = 1024
#: Smallest accepted ``image_height`` in pixels.
MIN_IMAGE_HEIGHT = 8
#: Most digits in one sequence.
MAX_DIGITS = 1024
#: Spacing used when a caller gives none, in pixels between ink.
DEFAULT_SPACING_RANGE = (2, 8)
#: How the composed strip is fitted to ``image_width``.
FITS = ("pad", "stretch")
#: How a gap between glyphs is measured (see :mod:`number_generator.compose.spacing`).
SPACING_MODES = ("ink", "contour")
#: Most pixels the composed strip (the digits side by side, before fitting to
#: ``image_width``) may cover, counted from the parameters alone: a glyph is at most
#: ``image_height`` wide, so ``n`` characters make at most
#: ``n * image_height + (n - 1) * max(spacing max, 0)`` columns of ``image_height`` rows
#: (:func:`strip_columns`). 2**26 pixels: a 64 MiB strip, a 256 MiB ``float32`` image.
MAX_STRIP_PIXELS = 2**26
#: Fewest columns of ``image_width`` each digit must get; a narrower image would be
#: an illegible smear (10 digits need ``image_width >= 40``).
MIN_DIGIT_WIDTH = 4


#: Byte ``k`` to ``k - ord("0")`` (ASCII digits to their values), for :meth:`bytes.translate`.
_DIGIT_VALUES = bytes((k - ASCII_ZERO) % 256 for k in range(256))


def parse_digits(digits: Any, name: str = "digits") -> npt.NDArray[np.integer[Any]]:
    """Turn a string of digit characters or an iterable of ints 0-9 into an index array.

    Examples
    --------
    >>> parse_digits("042").tolist()
    [0, 4, 2]
    >>> parse_digits([3, 5]).tolist()
    [3, 5]
    """
    if isinstance(digits, str):
        if digits and not (digits.isascii() and digits.isdigit()):  # ASCII "0"-"9" only
            bad = next(ch for ch in digits if not ("0" <= ch <= "9"))
            raise InvalidParameterError(
                f"{name}={digits!r}: {bad!r} is neither a digit nor a separator; "
                f"allowed: 0-9 and the separators {allowed_separators()}",
                param=name,
                value=digits,
            )
        values = np.frombuffer(bytearray(digits.encode("ascii").translate(_DIGIT_VALUES)), np.uint8)
    elif isinstance(digits, (bytes, bytearray, numbers.Number)) or not isinstance(digits, Iterable):
        raise InvalidTypeError(
            f"{name}={digits!r}: expected an iterable of ints 0-9 or a string of digit "
            "characters (a string keeps leading zeros)",
            param=name,
            value=digits,
        )
    else:
        items = digits if isinstance(digits, (list, tuple, np.ndarray)) else list(digits)
        try:
            array = np.asarray(items)
        except (ValueError, TypeError):  # ragged nesting such as [[1], [2, 3]]
            _raise_for_bad_element(items, None, name)
        if array.size == 0:
            array = np.empty(0, np.intp)
        if array.ndim != 1 or array.dtype.kind not in "iu" or _holds_bool(items):
            _raise_for_bad_element(items, array, name)
        values = array.astype(np.intp, copy=False)
        out_of_range = (values < 0) | (values > 9)
        if out_of_range.any():
            index = int(np.flatnonzero(out_of_range)[0])
            raise InvalidParameterError(
                f"{name}[{index}]: {int(values[index])!r} is not a digit; "
                "each element must be an int 0-9",
                param=name,
                value=digits,
            )
    if values.size == 0:
        raise InvalidParameterError(
            f"{name}={digits!r}: the sequence is empty; give at least one digit",
            param=name,
            value=digits,
        )
    if values.size > MAX_DIGITS:
        raise InvalidParameterError(
            f"{name}: {values.size} digits is more than the maximum of {MAX_DIGITS}",
            param=name,
            value=digits,
        )
    result: npt.NDArray[np.integer[Any]] = values
    return result


def _holds_bool(items: Any) -> bool:
    """Whether a list or tuple holds a bool (numpy reads ``[True, 1]`` as ints)."""
    return not isinstance(items, np.ndarray) and any(
        isinstance(item, (bool, np.bool_)) for item in items
    )


def _raise_for_bad_element(items: Any, array: npt.NDArray[Any] | None, name: str) -> NoReturn:
    """The error for ``items`` that are not a flat sequence of ints 0-9, naming the culprit."""
    if isinstance(items, np.ndarray):
        assert array is not None
        if array.ndim != 1:
            raise InvalidParameterError(
                f"{name}: expected a flat sequence of digits, got an array of shape {array.shape}",
                param=name,
                value=items,
            )
        raise InvalidTypeError(
            f"{name}: an array of dtype {array.dtype}; expected ints 0-9", param=name, value=items
        )
    for index, item in enumerate(items):
        if isinstance(item, (bool, np.bool_)) or not isinstance(item, numbers.Integral):
            raise InvalidTypeError(
                f"{name}[{index}]: {item!r} is not a digit; each element must be an int 0-9",
                param=name,
                value=items,
            )
        if not 0 <= int(item) <= 9:
            raise InvalidParameterError(
                f"{name}[{index}]: {item!r} is not a digit; each element must be an int 0-9",
                param=name,
                value=items,
            )
    raise InvalidTypeError(  # pragma: no cover - numpy reads ints 0-9 as an int array
        f"{name}: expected ints 0-9", param=name, value=items
    )


def check_int(value: Any, name: str, low: int, high: int) -> int:
    """``value`` as an int within ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidTypeError(
            f"{name}={value!r}: expected an integer {low}..{high}", param=name, value=value
        )
    result = int(value)
    if not low <= result <= high:
        raise InvalidParameterError(
            f"{name}={result!r}: must be in the range {low}..{high}", param=name, value=value
        )
    return result


def check_spacing(spacing_range: Any, glyph_height: int = 28) -> tuple[int, int]:
    """A validated ``(min, max)`` pair of ints.

    Negative values overlap neighbouring digits; the minimum may not be below
    ``-glyph_height // 2``.
    """
    try:
        low, high = spacing_range
    except (TypeError, ValueError):
        raise InvalidTypeError(
            f"spacing_range={spacing_range!r}: expected a pair (min, max) of integers",
            param="spacing_range",
            value=spacing_range,
        ) from None
    floor = -(glyph_height // 2)
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise InvalidTypeError(
                f"spacing_range={spacing_range!r}: {value!r} is not an integer number of pixels",
                param="spacing_range",
                value=spacing_range,
            )
    low, high = int(low), int(high)
    if low > high:
        raise InvalidParameterError(
            f"spacing_range={(low, high)!r}: minimum must not exceed maximum",
            param="spacing_range",
            value=spacing_range,
        )
    if low < floor:
        raise InvalidParameterError(
            f"spacing_range={(low, high)!r}: minimum {low} would hide whole digits; "
            f"overlap may be at most half a glyph ({floor} px at height {glyph_height})",
            param="spacing_range",
            value=spacing_range,
        )
    if high > MAX_IMAGE_WIDTH:
        raise InvalidParameterError(
            f"spacing_range={(low, high)!r}: maximum must be at most {MAX_IMAGE_WIDTH}",
            param="spacing_range",
            value=spacing_range,
        )
    return low, high


def strip_columns(count: int, image_height: int, spacing_max: int) -> int:
    """Most columns ``count`` characters can span before fitting (each glyph at most square).

    Examples
    --------
    >>> strip_columns(10, 28, 8)
    352
    """
    return count * image_height + (count - 1) * max(spacing_max, 0)


def strip_capacity(image_height: int, spacing_max: int) -> int:
    """Most characters :func:`check_strip` lets through at ``image_height`` and ``spacing_max``.

    Examples
    --------
    >>> strip_capacity(28, 8)
    66576
    """
    spacing_max = max(spacing_max, 0)
    return (MAX_STRIP_PIXELS // image_height + spacing_max) // (image_height + spacing_max)


def check_strip(
    count: int, image_height: int, spacing_range: tuple[int, int], what: str = "digits"
) -> None:
    """Refuse a strip of ``count`` characters that could exceed :data:`MAX_STRIP_PIXELS`.

    The bound depends on the parameters only, so a call is refused (or not) whatever
    the seed, before any glyph is drawn. The error names the parameter to change:
    ``spacing_range`` when the gaps make most of the strip, else ``image_height``
    (the message also says how many ``what`` would fit).

    Examples
    --------
    >>> check_strip(1024, 28, (2, 8))
    >>> check_strip(1024, 1024, (2, 8))
    Traceback (most recent call last):
    ...
    number_generator.errors.InvalidParameterError: image_height=1024: ... or at most 63 digits
    """
    height, spacing_max = image_height, max(spacing_range[1], 0)
    columns = strip_columns(count, height, spacing_max)
    if columns * height <= MAX_STRIP_PIXELS:
        return
    spacing_first = (count - 1) * spacing_max > count * height
    ways = []
    widest = _widest_spacing(count, height)
    if widest >= 0:
        ways.append(f"a spacing maximum of at most {widest}")
    elif spacing_first and _widest_spacing(count, 28) >= 0:
        ways.append(f"a spacing maximum of at most {_widest_spacing(count, 28)} at image_height 28")
    tallest = next(
        (
            h
            for h in range(height - 1, MIN_IMAGE_HEIGHT - 1, -1)
            if strip_columns(count, h, spacing_max) * h <= MAX_STRIP_PIXELS
        ),
        None,
    )
    if tallest is not None:
        ways.append(f"an image_height of at most {tallest}")
    most = strip_capacity(height, spacing_max)
    ways.append(f"at most {most} {what}")
    param, value = (
        ("spacing_range", spacing_range) if spacing_first else ("image_height", image_height)
    )
    shown = tuple(spacing_range) if spacing_first else image_height
    advice = ", ".join(ways[:-1]) + (", or " if len(ways) > 1 else "") + ways[-1]
    raise InvalidParameterError(
        f"{param}={shown!r}: {count} {what} at image_height {height} with a spacing maximum "
        f"of {spacing_max} could compose a strip of {columns} x {height} = "
        f"{columns * height:,} pixels, more than the limit of {MAX_STRIP_PIXELS:,} "
        f"(MAX_STRIP_PIXELS); use {advice}",
        param=param,
        value=value,
    )


def _widest_spacing(count: int, height: int) -> int:
    """The largest spacing maximum that keeps ``count`` glyphs within the strip limit."""
    if count < 2:
        return MAX_IMAGE_WIDTH
    return min((MAX_STRIP_PIXELS // height - count * height) // (count - 1), MAX_IMAGE_WIDTH)


def check_legible(digits: int, image_width: int | None) -> None:
    """Refuse an ``image_width`` giving each of ``digits`` fewer than :data:`MIN_DIGIT_WIDTH` px.

    Examples
    --------
    >>> check_legible(10, 40)
    >>> check_legible(10, 5)
    Traceback (most recent call last):
    ...
    number_generator.errors.InvalidParameterError: image_width=5: too narrow for 10 digits, ...
    """
    if image_width is not None and digits > legible_capacity(image_width):
        raise InvalidParameterError(
            f"image_width={image_width}: too narrow for {digits} digits, which would be an "
            f"illegible smear; give at least {MIN_DIGIT_WIDTH * digits} "
            f"({MIN_DIGIT_WIDTH} px per digit), or None for the natural width",
            param="image_width",
            value=image_width,
        )


def legible_capacity(image_width: int) -> int:
    """Most digits :func:`check_legible` lets through at ``image_width``.

    Examples
    --------
    >>> legible_capacity(280)
    70
    """
    return image_width // MIN_DIGIT_WIDTH


def check_width(image_width: Any) -> int | None:
    """``None`` (natural width) or an int in ``1..MAX_IMAGE_WIDTH``."""
    if image_width is None:
        return None
    return check_int(image_width, "image_width", 1, MAX_IMAGE_WIDTH)


def check_height(image_height: Any) -> int:
    """An int in ``MIN_IMAGE_HEIGHT..MAX_IMAGE_HEIGHT``."""
    return check_int(image_height, "image_height", MIN_IMAGE_HEIGHT, MAX_IMAGE_HEIGHT)


def check_choice(value: Any, name: str, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``."""
    options = tuple(allowed)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise InvalidParameterError(
            f"{name}={value!r}: expected one of {listed}", param=name, value=value
        )
    return str(value)


def check_flag(value: Any, name: str) -> bool:
    """``value`` if it is a bool (numpy's included)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidTypeError(f"{name}={value!r}: expected True or False", param=name, value=value)
    return bool(value)


def as_generator(seed: Any) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, an int seed, or a Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        return np.random.default_rng()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InvalidTypeError(
            f"seed={seed!r}: expected a non-negative int or a numpy.random.Generator",
            param="seed",
            value=seed,
        )
    if seed < 0:
        raise InvalidParameterError(
            f"seed={seed!r}: must be a non-negative int", param="seed", value=seed
        )
    return np.random.default_rng(int(seed))
