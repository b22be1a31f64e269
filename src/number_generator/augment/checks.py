"""Checks of transform settings, input images and callables' output.

Every error names the parameter it is about (``param=``, the constructor
argument, e.g. ``"limit"``) and carries the value that was refused
(``value=``, what the caller gave).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError

__all__ = [
    "check_image",
    "check_int_range",
    "check_number",
    "check_output",
    "check_range",
    "is_number",
]

#: An image: ``uint8``, 0 = paper, 255 = ink.
U8Array = npt.NDArray[np.uint8]
#: The digits' boxes of one image: ``int32`` ``(n, 4)``, ``x0, y0, x1, y1``, exclusive ends.
Boxes = npt.NDArray[np.int32]


def is_number(value: Any) -> bool:
    """Whether ``value`` is a real number (``bool`` is not)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_number(value: Any, owner: str, name: str, low: float, high: float) -> float:
    """``value`` as a float within ``[low, high]``."""
    return _number(value, owner, name, low, high, given=value)


def _number(value: Any, owner: str, name: str, low: float, high: float, *, given: Any) -> float:
    """:func:`check_number` of ``value``, blaming ``given`` (the argument ``value`` came from)."""
    if not is_number(value):
        raise InvalidTypeError(
            f"{owner}: {name}={value!r} is not a number; expected {low}..{high}",
            param=name,
            value=given,
        )
    result = float(value)
    if not low <= result <= high:
        raise InvalidParameterError(
            f"{owner}: {name}={value!r} is outside the allowed range {low}..{high}",
            param=name,
            value=given,
        )
    return result


def check_range(
    value: Any, owner: str, name: str, low: float, high: float, *, symmetric: bool
) -> tuple[float, float]:
    """A ``(min, max)`` pair within ``[low, high]``.

    A single number ``v`` means ``(-v, v)`` when ``symmetric`` (a deviation
    from "no change") and the fixed value ``(v, v)`` otherwise.
    """
    if is_number(value):
        if symmetric:
            bound = _number(abs(value), owner, name, 0.0, min(-low, high), given=value)
            return -bound, bound
        fixed = check_number(value, owner, name, low, high)
        return fixed, fixed
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        kind = "a number or a (min, max) pair of numbers"
        raise InvalidTypeError(
            f"{owner}: {name}={value!r}: expected {kind} in {low}..{high}", param=name, value=value
        )
    first = _number(value[0], owner, name, low, high, given=value)
    second = _number(value[1], owner, name, low, high, given=value)
    if first > second:
        raise InvalidParameterError(
            f"{owner}: {name}={tuple(value)!r}: the minimum {value[0]!r} exceeds the maximum "
            f"{value[1]!r}",
            param=name,
            value=value,
        )
    return first, second


def check_int_range(value: Any, owner: str, name: str, low: int, high: int) -> tuple[int, int]:
    """A ``(min, max)`` pair of ints within ``[low, high]``; one int means a fixed value."""
    pair = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(pair) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) for v in pair
    ):
        raise InvalidTypeError(
            f"{owner}: {name}={value!r}: expected an int or a (min, max) pair of ints in "
            f"{low}..{high}",
            param=name,
            value=value,
        )
    first, second = int(pair[0]), int(pair[1])
    for item in (first, second):
        if not low <= item <= high:
            raise InvalidParameterError(
                f"{owner}: {name}={value!r}: {item} is outside the allowed range {low}..{high}",
                param=name,
                value=value,
            )
    if first > second:
        raise InvalidParameterError(
            f"{owner}: {name}={value!r}: the minimum {first} exceeds the maximum {second}",
            param=name,
            value=value,
        )
    return first, second


def check_image(image: Any, owner: str) -> U8Array:
    """``image`` if it is a 2-D ``uint8`` array; a clear error (``param="image"``) otherwise."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 2:
        got = (
            f"{image.dtype} array of shape {image.shape}"
            if isinstance(image, np.ndarray)
            else type(image).__name__
        )
        raise InvalidTypeError(
            f"{owner}: expected a 2-D uint8 image (0 = paper, 255 = ink), got {got}",
            param="image",
            value=image,
        )
    return image


def check_output(result: Any, image: U8Array, owner: str) -> U8Array:
    """``result`` if it is a ``uint8`` array shaped like ``image``; a clear error otherwise.

    ``owner`` names the ``augment=`` callable that returned it (``param="augment"``).
    """
    error: type[InvalidTypeError | InvalidParameterError]
    if not isinstance(result, np.ndarray):
        error = InvalidTypeError
        got = f"{type(result).__name__}; expected a uint8 numpy array of shape {image.shape}"
    elif result.dtype != np.uint8:
        error = InvalidTypeError
        got = (
            f"a {result.dtype} array; expected uint8 (0 = paper, 255 = ink) of shape {image.shape}"
        )
    elif result.shape != image.shape:
        error = InvalidParameterError
        got = f"an array of shape {result.shape}; expected the input's shape {image.shape}"
    else:
        return result
    raise error(f"{owner} returned {got}", param="augment", value=result)
