"""Japanese-style phone number formats and sampling of unique numbers."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from .._util.params import check_choice
from .._util.text import ASCII_ZERO
from ..errors import InvalidParameterError, InvalidTypeError

__all__ = [
    "PHONE_FORMATS",
    "PhoneFormat",
    "character_rows",
    "check_capacity",
    "sample_unique_numbers",
]


@dataclass(frozen=True)
class PhoneFormat:
    """Numbers made of one of ``prefixes`` followed by ``free_digits`` random digits.

    ``leading_nonzero``: the first free digit is 1-9 (Japanese area codes never
    make the third digit of a landline number 0, which marks a non-geographic
    ``0X0`` number).
    """

    name: str
    prefixes: tuple[str, ...]
    free_digits: int
    example: str
    leading_nonzero: bool = False

    @property
    def capacity(self) -> int:
        """How many distinct numbers the format can produce."""
        first = 9 if self.leading_nonzero else 10
        return int(len(self.prefixes) * first * 10 ** (self.free_digits - 1))

    @property
    def length(self) -> int:
        """Digits in one number."""
        return len(self.prefixes[0]) + self.free_digits

    def number(self, k: int) -> str:
        """The ``k``-th number of the format, ``0 <= k < capacity``."""
        per_prefix = self.capacity // len(self.prefixes)
        prefix_index, rest = divmod(k, per_prefix)
        if self.leading_nonzero:
            tail_size = 10 ** (self.free_digits - 1)
            first, tail = divmod(rest, tail_size)
            body = f"{first + 1}{tail:0{self.free_digits - 1}d}"
        else:
            body = f"{rest:0{self.free_digits}d}"
        return self.prefixes[prefix_index] + body

    def numbers(self, ks: npt.NDArray[np.integer[Any]]) -> list[str]:
        """The numbers :meth:`number` gives for each of ``ks``, made all at once."""
        prefixes = self._prefix_codes
        if prefixes is None:  # prefixes of different lengths: not one table of codes
            return [self.number(int(k)) for k in ks]
        free, width = self.free_digits, prefixes.shape[1]
        prefix_index, rest = np.divmod(ks.astype(np.int64), self.capacity // len(self.prefixes))
        # A non-zero first free digit: "first + 1" then the tail is ``rest + 10 ** (free - 1)``.
        body = rest + 10 ** (free - 1) if self.leading_nonzero else rest
        powers = 10 ** np.arange(free - 1, -1, -1, dtype=np.int64)
        rows = np.empty((len(ks), width + free), np.uint32)
        rows[:, :width] = prefixes[prefix_index]
        np.add(body[:, None] // powers % 10, ASCII_ZERO, out=rows[:, width:], casting="unsafe")
        return character_rows(rows)

    @cached_property
    def _prefix_codes(self) -> npt.NDArray[np.uint32] | None:
        """The prefixes' character codes, one row each (``None``: not all one length)."""
        if len({len(prefix) for prefix in self.prefixes}) > 1:
            return None
        return np.array([[ord(char) for char in prefix] for prefix in self.prefixes], np.uint32)


def character_rows(rows: npt.NDArray[np.uint32]) -> list[str]:
    """Each row of character codes (``[n, L]``, ``L >= 1``, C-contiguous) as a string,
    made by NumPy at once (as ``str`` items: a ``uint32`` row is a ``<U{L}`` item)."""
    return cast(list[str], rows.view(np.dtype((np.str_, rows.shape[1]))).ravel().tolist())


#: The supported formats, by name.
PHONE_FORMATS: dict[str, PhoneFormat] = {
    f.name: f
    for f in (
        PhoneFormat("mobile", ("070", "080", "090"), 8, "090-1234-5678"),
        PhoneFormat(
            "landline",
            tuple(f"0{d}" for d in range(1, 10)),
            8,
            "03-1234-5678",
            leading_nonzero=True,
        ),
        PhoneFormat("toll_free", ("0120",), 6, "0120-123-456"),
        PhoneFormat("ip", ("050",), 8, "050-1234-5678"),
    )
}


def check_capacity(num_images: int, format: str) -> PhoneFormat:
    """The format named ``format``, after checking it can supply ``num_images`` numbers.

    Raises
    ------
    InvalidParameterError
        Unknown format, ``num_images`` < 1, or more numbers than the format has.
    """
    spec = PHONE_FORMATS[check_choice(format, "format", PHONE_FORMATS)]
    if isinstance(num_images, bool) or not isinstance(num_images, (int, np.integer)):
        raise InvalidTypeError(
            f"num_images={num_images!r}: expected a positive integer",
            param="num_images",
            value=num_images,
        )
    if num_images <= 0:
        raise InvalidParameterError(
            f"num_images={num_images!r}: must be at least 1", param="num_images", value=num_images
        )
    if num_images > spec.capacity:
        raise InvalidParameterError(
            f"num_images={num_images!r}: the {format!r} format has only {spec.capacity:,} "
            "distinct numbers; ask for fewer or choose another format",
            param="num_images",
            value=num_images,
        )
    return spec


def sample_unique_numbers(num_images: int, format: str, rng: np.random.Generator) -> list[str]:
    """``num_images`` distinct numbers of ``format``, drawn uniformly without replacement.

    Raises
    ------
    InvalidParameterError
        As :func:`check_capacity`.
    """
    spec = check_capacity(num_images, format)
    picks = rng.choice(spec.capacity, size=int(num_images), replace=False)
    return spec.numbers(picks)
