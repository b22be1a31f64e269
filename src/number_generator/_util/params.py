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
from .text import ASCII_ZERO

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
        try:
            values = np.frombuffer(digits.encode("ascii"), np.uint8) - np.uint8(ASCII_ZERO)
        except UnicodeEncodeError:
            values = np.full(1, 255, np.uint8)
        if values.size and values.max() > 9:  # below "0" wraps around to > 9 too
            bad = next(ch for ch in digits if not ("0" <= ch <= "9"))
            raise InvalidParameterError(
                f"{name}={digits!r}: {bad!r} is not a digit; only the characters 0-9 are allowed",
                param=name,
                value=digits,
            )
    elif isinstance(digits, (bytes, bytearray, numbers.Number)) or not isinstance(digits, Iterable):
        raise InvalidTypeError(
            f"{name}={digits!r}: expected an iterable of ints 0-9 or a string of digit "
            "characters (a string keeps leading zeros)",
            param=name,
            value=digits,
        )
    else:
        array = np.asarray(
            digits if isinstance(digits, (list, tuple, np.ndarray)) else list(digits)
        )
        if array.size == 0:
            array = np.empty(0, np.intp)
        if array.ndim != 1 or array.dtype.kind not in "iu":
            _raise_for_bad_element(array, name)
        values = array.astype(np.intp, copy=False)
        out_of_range = (values < 0) | (values > 9)
        if out_of_range.any():
            bad_value = values[out_of_range][0]
            raise InvalidParameterError(
                f"{name}: {int(bad_value)!r} is not a digit; each element must be an int 0-9",
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


def _raise_for_bad_element(array: npt.NDArray[Any], name: str) -> NoReturn:
    if array.ndim != 1:
        raise InvalidParameterError(
            f"{name}: expected a flat sequence of digits, got an array of shape {array.shape}",
            param=name,
            value=array,
        )
    for element in array.tolist():
        if isinstance(element, bool) or not isinstance(element, int):
            raise InvalidTypeError(
                f"{name}: {element!r} is not a digit; each element must be an int 0-9",
                param=name,
                value=array,
            )
    bad = next(e for e in array.tolist() if not 0 <= e <= 9)
    raise InvalidParameterError(
        f"{name}: {bad!r} is not a digit; each element must be an int 0-9", param=name, value=array
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
