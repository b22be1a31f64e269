"""The kinds of template: phone numbers, random strings, patterns and lists of strings."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .._util.params import MAX_DIGITS
from .._util.text import ASCII_ZERO, SEPARATORS, digits_of
from ..errors import InvalidParameterError, InvalidTypeError
from .blocks import Block, ListBlock, PatternBlock, PhoneBlock
from .checks import check_literal, check_pattern
from .phone import PHONE_FORMATS, character_rows
from .unique import UniqueStrings

__all__ = [
    "ListTemplate",
    "PatternTemplate",
    "PhoneTemplate",
    "RandomTemplate",
    "Template",
    "label_of",
]


def label_of(text: str, keep_separators: bool) -> str:
    """The label of a drawn string: ``text`` itself, or only its digits.

    Examples
    --------
    >>> label_of("090-1234", False), label_of("090-1234", True)
    ('0901234', '090-1234')
    """
    return text if keep_separators else digits_of(text)


class Template:
    """What strings to draw; :mod:`number_generator.templates` lists the forms.

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

    def _blocks(self) -> list[Block]:
        raise NotImplementedError

    def _unique_blocks(self, keep_separators: bool) -> list[Block]:
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
        (block,) = self._blocks()  # one block (random:MIN-MAX draws its own way)
        return block.sample(rng, n)

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
        return UniqueStrings(self.spec, self._unique_blocks(keep_separators), count, seed)


class PhoneTemplate(Template):
    """Phone numbers of one of :data:`~number_generator.PHONE_FORMATS`."""

    def __init__(self, format: str = "mobile") -> None:
        if format not in PHONE_FORMATS:
            raise InvalidParameterError(
                f"template='phone:{format}': unknown phone format; expected one of "
                f"{', '.join(PHONE_FORMATS)}",
                param="template",
                value=f"phone:{format}",
            )
        self.format = format
        self.spec = "phone" if format == "mobile" else f"phone:{format}"
        self._block = PhoneBlock(PHONE_FORMATS[format])

    def _blocks(self) -> list[Block]:
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
                f"template={spec!r}: lengths must satisfy 1 <= MIN <= MAX <= {MAX_DIGITS}",
                param="template",
                value=spec,
            )
        self.min_length, self._max_length = min_length, max_length
        self.spec = spec
        self._block_list: list[Block] = [
            PatternBlock("#" * n) for n in range(min_length, max_length + 1)
        ]

    def _blocks(self) -> list[Block]:
        return self._block_list

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        """``n`` strings: each one's length drawn uniformly, then the digits of the
        strings of each length in turn, shortest first, in the order drawn."""
        lengths = range(self.min_length, self._max_length + 1)
        choice = rng.integers(0, len(lengths), n)
        ends = np.cumsum(np.bincount(choice, minlength=len(lengths))).tolist()
        # The strings grouped by length, trailing zeros where a string has no character.
        grouped = np.zeros((n, self._max_length), np.uint32)
        start = 0
        for length, end in zip(lengths, ends, strict=True):
            digits = rng.integers(0, 10, (end - start) * length, np.uint8)
            np.add(digits.reshape(-1, length), ASCII_ZERO, out=grouped[start:end, :length])
            start = end
        codes = np.empty_like(grouped)
        codes[np.argsort(choice, kind="stable")] = grouped
        return character_rows(codes)

    @property
    def max_length(self) -> int:
        return self._max_length

    def max_label_length(self, keep_separators: bool) -> int:
        return self._max_length


class PatternTemplate(Template):
    """A pattern: ``#`` a random digit, digits literal, separators drawn."""

    def __init__(self, pattern: str) -> None:
        check_pattern(pattern)
        self.spec = pattern
        self._block = PatternBlock(pattern)

    def _blocks(self) -> list[Block]:
        return [self._block]

    @property
    def max_length(self) -> int:
        return len(self.spec)

    def max_label_length(self, keep_separators: bool) -> int:
        if keep_separators:
            return len(self.spec)
        return sum(ch not in SEPARATORS for ch in self.spec)


#: The largest template file read (``file:PATH``), and its longest line: a string has
#: at most MAX_DIGITS digits (with a separator between two), so a longer line is never one.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_LINE_CHARS = 4 * MAX_DIGITS

_FILE_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
}


def _read_text_file(file: Path, spec: str) -> bytes:
    """The bytes of ``file``: refused unless it is a regular file of at most MAX_FILE_BYTES.

    Opened without blocking (a FIFO would wait for a writer) and checked on the
    open descriptor, so what is read is what was checked.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(file, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _FILE_KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
            raise InvalidParameterError(
                f"template={spec!r}: is {kind}, not a text file; give a file with one "
                "string per line",
                param="template",
                value=spec,
            )
        size, chunks = info.st_size, []
        if size <= MAX_FILE_BYTES:
            # Bounded even if the file grows while it is read.
            left = MAX_FILE_BYTES + 1
            while left > 0 and (chunk := os.read(fd, min(left, 1 << 20))):
                chunks.append(chunk)
                left -= len(chunk)
            size = max(size, MAX_FILE_BYTES + 1 - left)
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise InvalidParameterError(
            f"template={spec!r}: the file is larger than {MAX_FILE_BYTES >> 20} MiB, "
            "the most a template file may hold",
            param="template",
            value=spec,
        )
    return b"".join(chunks)


class ListTemplate(Template):
    """A fixed list of strings (e.g. read from a text file), drawn with equal probability."""

    def __init__(self, strings: Sequence[str], *, spec: str | None = None) -> None:
        cleaned: list[str] = []
        for number, line in enumerate(strings, 1):
            if not isinstance(line, str):
                raise InvalidTypeError(
                    f"template: item {number} is {line!r}; expected strings of digits",
                    param="template",
                    value=line,
                )
            text = line.strip()
            if not text:
                continue
            where = f"{spec}, line {number}" if spec else f"item {number}"
            check_literal(text, where)
            cleaned.append(text)
        self.spec = spec if spec is not None else f"<{len(cleaned)} strings>"
        if not cleaned:
            raise InvalidParameterError(
                f"template={self.spec!r}: holds no strings", param="template", value=self.spec
            )
        self.strings = cleaned
        self._distinct: dict[bool, list[str]] = {}

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> ListTemplate:
        """Read one string per line from a UTF-8 text file.

        Only a regular file is read (not a device, a FIFO or a folder), of at most
        :data:`MAX_FILE_BYTES`, with lines of at most :data:`MAX_LINE_CHARS` characters.
        """
        file = Path(path).expanduser()
        spec = f"file:{file}"
        try:
            text = _read_text_file(file, spec).decode("utf-8")
        except FileNotFoundError:
            raise InvalidParameterError(
                f"template={spec!r}: no such file", param="template", value=spec
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidParameterError(
                f"template={spec!r}: cannot be read ({exc})", param="template", value=spec
            ) from None
        lines = text.splitlines()
        for number, line in enumerate(lines, 1):
            if len(line) > MAX_LINE_CHARS:
                raise InvalidParameterError(
                    f"template={spec!r}: line {number} has {len(line):,} characters; "
                    f"a line holds at most {MAX_LINE_CHARS:,} (one string per line)",
                    param="template",
                    value=spec,
                )
        return cls(lines, spec=spec)

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256("\n".join(self.strings).encode("utf-8")).hexdigest()
        return f"list:{len(self.strings)}:{digest[:16]}"

    def _blocks(self) -> list[Block]:
        return [ListBlock(self.strings)]

    def _unique_blocks(self, keep_separators: bool) -> list[Block]:
        distinct = self._distinct.get(keep_separators)
        if distinct is None:
            by_label = {label_of(s, keep_separators): s for s in reversed(self.strings)}
            distinct = self._distinct[keep_separators] = list(reversed(by_label.values()))
        return [ListBlock(distinct)]

    @property
    def max_length(self) -> int:
        return max(map(len, self.strings))

    def max_label_length(self, keep_separators: bool) -> int:
        return max(len(label_of(s, keep_separators)) for s in self.strings)
