"""Blocks: sets of strings a template draws from, each string reachable by its index."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._util.text import ASCII_ZERO
from .phone import PhoneFormat, character_rows

__all__ = ["Block", "ListBlock", "PatternBlock", "PhoneBlock"]


class Block:
    """A set of ``size`` strings, each reachable by its index."""

    size: int

    def string(self, k: int) -> str:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        raise NotImplementedError


class PatternBlock(Block):
    """Every filling of the ``#`` of a pattern."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.free = [i for i, ch in enumerate(pattern) if ch == "#"]
        self.size = 10 ** len(self.free)
        self._codes = np.array([ord(char) for char in pattern], np.uint32)

    def string(self, k: int) -> str:
        chars = list(self.pattern)
        for position, digit in zip(self.free, f"{k:0{len(self.free)}d}"):
            chars[position] = digit
        return "".join(chars)

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        if not self.free:
            return [self.pattern] * n
        rows = np.tile(self._codes, (n, 1))
        # A flat size draws the same numbers as (n, free), with less work per call.
        digits = rng.integers(0, 10, n * len(self.free), np.uint8).reshape(n, len(self.free))
        rows[:, self.free] = digits + ASCII_ZERO
        return character_rows(rows)


class PhoneBlock(Block):
    def __init__(self, spec: PhoneFormat) -> None:
        self.spec = spec
        self.size = spec.capacity

    def string(self, k: int) -> str:
        return self.spec.number(k)

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        return self.spec.numbers(rng.integers(0, self.size, n))


class ListBlock(Block):
    def __init__(self, strings: Sequence[str]) -> None:
        self.strings = strings
        self.size = len(strings)

    def string(self, k: int) -> str:
        return self.strings[k]

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        strings = self.strings
        return [strings[k] for k in rng.integers(0, self.size, n).tolist()]
