"""Unique strings: ``count`` strings of a template with distinct labels, each computed alone."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

from ..errors import InvalidParameterError
from .blocks import Block

__all__ = ["UniqueStrings"]


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

    Made by :meth:`Template.unique` from the template's ``spec`` (for messages)
    and its blocks of strings whose labels are pairwise distinct.

    Strings are spread over the template's blocks as evenly as their sizes
    allow (for ``random:MIN-MAX``: about as many of each length as possible),
    and ordered by a keyed permutation, so any index range can be computed
    on its own (a shard of an export).

    Examples
    --------
    >>> from number_generator.templates import parse_template
    >>> strings = parse_template("##").unique(100, seed=1)
    >>> len({strings[j] for j in range(100)})
    100
    """

    def __init__(
        self,
        spec: str,
        blocks: Sequence[Block],
        count: int,
        seed: np.random.SeedSequence | int,
    ) -> None:
        capacity = sum(block.size for block in blocks)
        if count > capacity:
            raise InvalidParameterError(
                f"count={count!r}: the template {spec!r} has only {capacity:,} "
                "distinct labels; ask for fewer, drop unique, or use a larger template",
                param="count",
                value=count,
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
