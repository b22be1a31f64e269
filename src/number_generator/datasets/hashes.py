"""Known hashes of published files, as pooch writes them: ``"sha256:<hex>"`` or ``"md5:<hex>"``.

A bare hex string is a SHA-256 digest. MD5 is accepted only because some sets
are published with nothing stronger (QMNIST's images: torchvision's table);
every hash the library uses is one its source published, never one computed
here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ALGORITHMS", "KnownHash", "file_digest", "parse_known_hash"]

#: Accepted algorithms -> (hex digits of a digest, name shown in messages).
ALGORITHMS: dict[str, tuple[int, str]] = {"sha256": (64, "SHA-256"), "md5": (32, "MD5")}


@dataclass(frozen=True)
class KnownHash:
    """A parsed known hash: :attr:`algorithm` (``"sha256"``/``"md5"``) and :attr:`hexdigest`.

    Examples
    --------
    >>> parse_known_hash("md5:0058F8DD561B90FFDD0F734C6A30E5E4").label
    'MD5'
    >>> parse_known_hash("ab" * 32).algorithm
    'sha256'
    """

    algorithm: str
    hexdigest: str

    @property
    def label(self) -> str:
        """The algorithm as messages spell it (``"SHA-256"``, ``"MD5"``)."""
        return ALGORITHMS[self.algorithm][1]

    def new(self) -> hashlib._Hash:
        """A fresh hash object of this algorithm."""
        return hashlib.new(self.algorithm)

    def matches(self, hexdigest: str) -> bool:
        """Whether ``hexdigest`` (of this algorithm) is the known one."""
        return hexdigest.lower() == self.hexdigest


def parse_known_hash(known_hash: str) -> KnownHash:
    """Parse ``"sha256:<hex>"``, ``"md5:<hex>"`` or a bare SHA-256 hex digest.

    Raises
    ------
    ValueError
        The algorithm is not one of :data:`ALGORITHMS` or the digest is not
        hex of its length: a mistake in a resource table, not a user's input.
    """
    algorithm, _, digest = known_hash.rpartition(":")
    algorithm = algorithm.lower() or "sha256"
    digest = digest.lower()
    if algorithm not in ALGORITHMS or not re.fullmatch(
        f"[0-9a-f]{{{ALGORITHMS[algorithm][0]}}}", digest
    ):
        raise ValueError(
            f"known hash {known_hash!r}: expected 'sha256:<64 hex digits>', "
            "'md5:<32 hex digits>' or a bare SHA-256"
        )
    return KnownHash(algorithm, digest)


def file_digest(path: Path, known: KnownHash) -> str:
    """The hex digest of the file at ``path`` with ``known``'s algorithm."""
    digest = known.new()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
