"""Templates: which digit strings to draw.

A template is given as a string (or a :class:`Template` object):

``phone`` / ``phone:FORMAT``
    Japanese-style phone numbers of a format from :data:`~number_generator.PHONE_FORMATS`
    (default ``mobile``).
``random:MIN-MAX`` / ``random:N``
    Uniform random digit strings; the length is drawn uniformly from
    ``MIN..MAX``, then every digit uniformly from 0-9.
a pattern such as ``0##-####-####``
    ``#`` is a random digit; digits are literal; the separators ``-``, ``/``
    and space are drawn (``-`` and ``/`` as pen strokes, a space as a wider
    gap) and kept in or dropped from the label by option.
``file:PATH`` (or the path of an existing text file)
    One string per line (digits and separators); blank lines are skipped and
    each line is drawn with equal probability.

Labels are always strings, so leading zeros survive. With ``unique=True``
every string of a run is distinct (:meth:`Template.unique`): the strings are
the images of ``0, 1, 2 …`` under a keyed pseudo-random permutation, so any
shard of a big export computes its own strings without a global list.

Examples
--------
>>> import numpy as np
>>> t = parse_template("0##-####")
>>> t.sample(np.random.default_rng(0), 2)
['035-7889', '006-1885']
>>> t.capacity()
1000000
>>> parse_template("random:2-3").max_length
3
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_right
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .._util.params import MAX_DIGITS
from .._util.text import ASCII_ZERO, SEPARATORS, digits_of
from ..errors import InvalidParameterError, InvalidTypeError
from .phone import PHONE_FORMATS, PhoneFormat

__all__ = [
    "ListTemplate",
    "PatternTemplate",
    "PhoneTemplate",
    "RandomTemplate",
    "Template",
    "UniqueStrings",
    "label_of",
    "parse_template",
]

_PATTERN_CHARS = frozenset("0123456789#" + SEPARATORS)
_FORMS = (
    "'phone' or 'phone:FORMAT' (FORMAT one of {formats}), 'random:MIN-MAX', "
    "a pattern of digits, '#' (a random digit) and the separators '-', '/', ' ' "
    "such as '0##-####-####', or 'file:PATH' of a text file with one string per line"
)


def _forms() -> str:
    return _FORMS.format(formats=", ".join(PHONE_FORMATS))


def label_of(text: str, keep_separators: bool) -> str:
    """The label of a drawn string: ``text`` itself, or only its digits.

    Examples
    --------
    >>> label_of("090-1234", False), label_of("090-1234", True)
    ('0901234', '090-1234')
    """
    return text if keep_separators else digits_of(text)


# --------------------------------------------------------------------------- blocks


class _Block:
    """A set of ``size`` strings, each reachable by its index."""

    size: int

    def string(self, k: int) -> str:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        raise NotImplementedError


class _PatternBlock(_Block):
    """Every filling of the ``#`` of a pattern."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.free = [i for i, ch in enumerate(pattern) if ch == "#"]
        self.size = 10 ** len(self.free)

    def string(self, k: int) -> str:
        chars = list(self.pattern)
        for position, digit in zip(self.free, f"{k:0{len(self.free)}d}"):
            chars[position] = digit
        return "".join(chars)

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        length = len(self.pattern)
        if not self.free:
            return [self.pattern] * n
        rows = np.tile(np.frombuffer(self.pattern.encode("ascii"), np.uint8), (n, 1))
        rows[:, self.free] = rng.integers(0, 10, (n, len(self.free)), np.uint8) + ASCII_ZERO
        text = rows.tobytes().decode("ascii")
        return [text[i : i + length] for i in range(0, n * length, length)]


class _PhoneBlock(_Block):
    def __init__(self, spec: PhoneFormat) -> None:
        self.spec = spec
        self.size = spec.capacity

    def string(self, k: int) -> str:
        return self.spec.number(k)

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        number = self.spec.number
        return [number(k) for k in rng.integers(0, self.size, n).tolist()]


class _ListBlock(_Block):
    def __init__(self, strings: Sequence[str]) -> None:
        self.strings = strings
        self.size = len(strings)

    def string(self, k: int) -> str:
        return self.strings[k]

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        strings = self.strings
        return [strings[k] for k in rng.integers(0, self.size, n).tolist()]


# --------------------------------------------------------------------------- templates


class Template:
    """What strings to draw; see the module documentation for the forms.

    Subclasses set :attr:`spec` (the text form) and provide their blocks: sets
    of strings drawn with equal probability (one block, except for
    ``random:MIN-MAX``, which has one per length).
    """

    spec: str

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and type(other) is type(self) and other.spec == self.spec

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.spec))

    @property
    def fingerprint(self) -> str:
        """Identifies the strings the template draws (its spec, or a hash of its list)."""
        return self.spec

    def _blocks(self) -> list[_Block]:
        raise NotImplementedError

    def _unique_blocks(self, keep_separators: bool) -> list[_Block]:
        """Blocks whose strings have pairwise distinct labels."""
        return self._blocks()

    @property
    def max_length(self) -> int:
        """Characters in the longest string, separators included."""
        raise NotImplementedError

    def max_label_length(self, keep_separators: bool) -> int:
        """Characters in the longest label."""
        raise NotImplementedError

    def capacity(self, keep_separators: bool = False) -> int:
        """How many strings with distinct labels the template can produce."""
        return sum(block.size for block in self._unique_blocks(keep_separators))

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        """``n`` strings drawn independently (repeats possible)."""
        blocks = self._blocks()
        if len(blocks) == 1:
            return blocks[0].sample(rng, n)
        choice = rng.integers(0, len(blocks), n)
        out: list[str] = [""] * n
        for b, block in enumerate(blocks):
            where = np.flatnonzero(choice == b).tolist()
            for position, text in zip(where, block.sample(rng, len(where))):
                out[position] = text
        return out

    def unique(
        self,
        count: int,
        seed: np.random.SeedSequence | int,
        *,
        keep_separators: bool = False,
    ) -> UniqueStrings:
        """``count`` strings with pairwise distinct labels, addressable by index.

        Raises
        ------
        InvalidParameterError
            If the template has fewer than ``count`` distinct labels.
        """
        return UniqueStrings(self, count, seed, keep_separators=keep_separators)


class PhoneTemplate(Template):
    """Phone numbers of one of :data:`~number_generator.PHONE_FORMATS`."""

    def __init__(self, format: str = "mobile") -> None:
        if format not in PHONE_FORMATS:
            raise InvalidParameterError(
                f"template='phone:{format}': unknown phone format; expected one of "
                f"{', '.join(PHONE_FORMATS)}"
            )
        self.format = format
        self.spec = "phone" if format == "mobile" else f"phone:{format}"
        self._block = _PhoneBlock(PHONE_FORMATS[format])

    def _blocks(self) -> list[_Block]:
        return [self._block]

    @property
    def max_length(self) -> int:
        return PHONE_FORMATS[self.format].length

    def max_label_length(self, keep_separators: bool) -> int:
        return self.max_length


class RandomTemplate(Template):
    """Uniform random digit strings of ``min_length..max_length`` digits."""

    def __init__(self, min_length: int, max_length: int) -> None:
        spec = f"random:{min_length}-{max_length}"
        if not 1 <= min_length <= max_length <= MAX_DIGITS:
            raise InvalidParameterError(
                f"template={spec!r}: lengths must satisfy 1 <= MIN <= MAX <= {MAX_DIGITS}"
            )
        self.min_length, self._max_length = min_length, max_length
        self.spec = spec
        self._block_list: list[_Block] = [
            _PatternBlock("#" * n) for n in range(min_length, max_length + 1)
        ]

    def _blocks(self) -> list[_Block]:
        return self._block_list

    @property
    def max_length(self) -> int:
        return self._max_length

    def max_label_length(self, keep_separators: bool) -> int:
        return self._max_length


class PatternTemplate(Template):
    """A pattern: ``#`` a random digit, digits literal, separators drawn."""

    def __init__(self, pattern: str) -> None:
        _check_pattern(pattern)
        self.spec = pattern
        self._block = _PatternBlock(pattern)

    def _blocks(self) -> list[_Block]:
        return [self._block]

    @property
    def max_length(self) -> int:
        return len(self.spec)

    def max_label_length(self, keep_separators: bool) -> int:
        if keep_separators:
            return len(self.spec)
        return sum(ch not in SEPARATORS for ch in self.spec)


class ListTemplate(Template):
    """A fixed list of strings (e.g. read from a text file), drawn with equal probability."""

    def __init__(self, strings: Sequence[str], *, spec: str | None = None) -> None:
        cleaned: list[str] = []
        for number, line in enumerate(strings, 1):
            if not isinstance(line, str):
                raise InvalidTypeError(
                    f"template: item {number} is {line!r}; expected strings of digits"
                )
            text = line.strip()
            if not text:
                continue
            where = f"{spec}, line {number}" if spec else f"item {number}"
            _check_literal(text, where)
            cleaned.append(text)
        self.spec = spec if spec is not None else f"<{len(cleaned)} strings>"
        if not cleaned:
            raise InvalidParameterError(f"template={self.spec!r}: holds no strings")
        self.strings = cleaned
        self._distinct: dict[bool, list[str]] = {}

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ListTemplate:
        """Read one string per line from a UTF-8 text file."""
        file = Path(path).expanduser()
        spec = f"file:{file}"
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InvalidParameterError(f"template={spec!r}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidParameterError(f"template={spec!r}: cannot be read ({exc})") from None
        return cls(text.splitlines(), spec=spec)

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256("\n".join(self.strings).encode("utf-8")).hexdigest()
        return f"list:{len(self.strings)}:{digest[:16]}"

    def _blocks(self) -> list[_Block]:
        return [_ListBlock(self.strings)]

    def _unique_blocks(self, keep_separators: bool) -> list[_Block]:
        distinct = self._distinct.get(keep_separators)
        if distinct is None:
            by_label = {label_of(s, keep_separators): s for s in reversed(self.strings)}
            distinct = self._distinct[keep_separators] = list(reversed(by_label.values()))
        return [_ListBlock(distinct)]

    @property
    def max_length(self) -> int:
        return max(map(len, self.strings))

    def max_label_length(self, keep_separators: bool) -> int:
        return max(len(label_of(s, keep_separators)) for s in self.strings)


def _check_literal(text: str, where: str) -> None:
    bad = next((ch for ch in text if ch not in _PATTERN_CHARS or ch == "#"), None)
    if bad is not None:
        raise InvalidParameterError(
            f"template: {where}: {text!r} holds {bad!r}; "
            "allowed: digits 0-9 and the separators '-', '/', ' '"
        )
    digits = len(digits_of(text, f"template: {where}"))
    if digits > MAX_DIGITS:
        raise InvalidParameterError(
            f"template: {where}: {digits} digits is more than the maximum of {MAX_DIGITS}"
        )


def _check_pattern(pattern: str) -> None:
    bad = next((ch for ch in pattern if ch not in _PATTERN_CHARS), None)
    if bad is not None:
        raise InvalidParameterError(
            f"template={pattern!r}: {bad!r} is not allowed in a pattern; expected {_forms()}"
        )
    if pattern != pattern.strip(" "):
        raise InvalidParameterError(
            f"template={pattern!r}: a pattern must not start or end with a space"
        )
    digits = sum(ch not in SEPARATORS for ch in pattern)
    if digits == 0:
        raise InvalidParameterError(
            f"template={pattern!r}: a pattern needs at least one digit or '#'"
        )
    if digits > MAX_DIGITS:
        raise InvalidParameterError(
            f"template={pattern!r}: {digits} digits is more than the maximum of {MAX_DIGITS}"
        )


def parse_template(template: Any) -> Template:
    """Turn a template specification into a :class:`Template`.

    Parameters
    ----------
    template:
        A :class:`Template`; a string ``phone``, ``phone:FORMAT``,
        ``random:MIN-MAX`` (or ``random:N``), a pattern like ``0##-####-####``,
        ``file:PATH``, or the path of an existing text file; a
        :class:`os.PathLike` to a text file; or a list of strings.

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        The message names the bad value and lists the accepted forms.
    """
    if isinstance(template, Template):
        return template
    if isinstance(template, os.PathLike):
        return ListTemplate.from_file(template)
    if isinstance(template, (list, tuple)):
        return ListTemplate(template)
    if not isinstance(template, str):
        raise InvalidTypeError(f"template={template!r}: expected {_forms()}")
    spec = template.strip()
    head, colon, rest = spec.partition(":")
    if head == "phone":
        return PhoneTemplate(rest if colon else "mobile")
    if head == "random" and colon:
        return _parse_random(spec, rest)
    if head == "file" and colon:
        return ListTemplate.from_file(rest)
    if spec and all(ch in _PATTERN_CHARS for ch in template):
        return PatternTemplate(template)
    if spec and Path(spec).expanduser().is_file():
        return ListTemplate.from_file(spec)
    if spec and any(ch.isdigit() or ch == "#" for ch in spec) and len(spec) < 64:
        _check_pattern(template)  # a pattern with a bad character: say which
    raise InvalidParameterError(f"template={template!r}: not a template; expected {_forms()}")


def _parse_random(spec: str, rest: str) -> RandomTemplate:
    low_text, dash, high_text = rest.partition("-")
    try:
        low = int(low_text)
        high = int(high_text) if dash else low
    except ValueError:
        raise InvalidParameterError(
            f"template={spec!r}: expected 'random:MIN-MAX' with integer lengths, e.g. 'random:4-12'"
        ) from None
    return RandomTemplate(low, high)


# --------------------------------------------------------------------------- uniqueness


class _Permutation:
    """A keyed pseudo-random permutation of ``range(size)``: a Feistel network + cycle walking.

    Works for any size (Python ints, SHAKE-128 round function), costs O(1)
    memory, and maps each index independently, so shards need no shared state.
    """

    _ROUNDS = 4

    def __init__(self, size: int, key: bytes) -> None:
        self.size = size
        bits = max(2, (size - 1).bit_length())
        self.half = (bits + 1) // 2
        self.mask = (1 << self.half) - 1
        self.nbytes = (self.half + 7) // 8
        self.key = key

    def _round(self, value: int, round_index: int) -> int:
        digest = hashlib.shake_128(
            self.key + bytes((round_index,)) + value.to_bytes(self.nbytes, "little")
        ).digest(self.nbytes)
        return int.from_bytes(digest, "little") & self.mask

    def __call__(self, index: int) -> int:
        if self.size <= 1:
            return 0
        value = index
        while True:  # cycle walking: re-encrypt until the value falls in range
            left, right = value >> self.half, value & self.mask
            for r in range(self._ROUNDS):
                left, right = right, left ^ self._round(right, r)
            value = (left << self.half) | right
            if value < self.size:
                return value


def _allocate(count: int, sizes: list[int]) -> list[int]:
    """Split ``count`` over blocks as evenly as their sizes allow (smallest blocks filled first)."""
    allocation = [0] * len(sizes)
    remaining = count
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])
    for position, i in enumerate(order):
        left = len(order) - position
        give = remaining if left == 1 else min(sizes[i], remaining // left)
        allocation[i] = give
        remaining -= give
    return allocation


class UniqueStrings:
    """``count`` strings of a template with pairwise distinct labels; ``self[j]`` is the j-th.

    Strings are spread over the template's blocks as evenly as their sizes
    allow (for ``random:MIN-MAX``: about as many of each length as possible),
    and ordered by a keyed permutation, so any index range can be computed
    on its own (a shard of an export).

    Examples
    --------
    >>> strings = parse_template("##").unique(100, seed=1)
    >>> len({strings[j] for j in range(100)})
    100
    """

    def __init__(
        self,
        template: Template,
        count: int,
        seed: np.random.SeedSequence | int,
        *,
        keep_separators: bool = False,
    ) -> None:
        blocks = template._unique_blocks(keep_separators)
        capacity = sum(block.size for block in blocks)
        if count > capacity:
            raise InvalidParameterError(
                f"count={count!r}: the template {template.spec!r} has only {capacity:,} "
                "distinct labels; ask for fewer, drop unique, or use a larger template"
            )
        sequence = (
            seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        )
        state = sequence.generate_state(4 * (len(blocks) + 1), np.uint32)
        keys = [state[4 * i : 4 * i + 4].tobytes() for i in range(len(blocks) + 1)]
        self.count = count
        self.blocks = blocks
        allocation = _allocate(count, [block.size for block in blocks])
        self.ends = np.cumsum(allocation).tolist()
        self.order = _Permutation(count, keys[0])
        self.permutations = [_Permutation(block.size, key) for block, key in zip(blocks, keys[1:])]

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self.count:
            raise IndexError(index)
        position = self.order(index)
        b = bisect_right(self.ends, position)
        start = self.ends[b - 1] if b else 0
        return self.blocks[b].string(self.permutations[b](position - start))

    def strings(self, start: int, stop: int) -> list[str]:
        """The strings at indices ``start..stop-1``."""
        return [self[j] for j in range(start, stop)]
