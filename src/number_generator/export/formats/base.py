"""The writer protocol: what an output format of :func:`~number_generator.export.export_dataset`
must say (how a shard is written, checked whole, merged, and which files it lists).
"""

from __future__ import annotations

import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from ...compose import RenderOptions
from ..shards import TEMP_PREFIX, ExportJob, Sample, ShardTask


class ShardFormat(ABC):
    """One output format; the registry in :mod:`.formats` holds one (stateless) instance each.

    A shard's final name is its name plus :attr:`suffix`; it is written under a
    temporary name first (see :func:`..shards.temp_path`) and renamed into place.
    """

    #: The ``format=`` value.
    name: ClassVar[str]
    #: Ending of a shard's file (``""``: the shard is a folder).
    suffix: ClassVar[str] = ""
    #: Errors, beyond ``OSError``/``ValueError``/``EOFError``/``KeyError``, that mean "damaged".
    damage: ClassVar[tuple[type[Exception], ...]] = ()

    def check(self, count: int, options: RenderOptions) -> None:  # noqa: B027 - optional hook
        """Refuse, before anything is written, options this format cannot store."""

    def final_name(self, shard: str) -> str:
        """The name of shard ``shard``'s file or folder once complete."""
        return f"{shard}{self.suffix}"

    def final_path(self, out: str | Path, shard: str) -> Path:
        """Where shard ``shard`` of the export in folder ``out`` lies once complete."""
        return Path(out) / self.final_name(shard)

    @abstractmethod
    def write(self, task: ShardTask, samples: Iterable[Sample], temp: Path) -> None:
        """Write the shard's ``samples`` to ``temp`` (a new path: a file, or a folder to make)."""

    def is_complete(self, path: Path, size: int) -> bool:
        """Whether the shard at ``path`` exists and holds all ``size`` images."""
        if not path.exists():
            return False
        damaged: tuple[type[Exception], ...] = (OSError, ValueError, EOFError, KeyError)
        try:
            return self.holds(path, size)
        except (*damaged, *self.damage):
            return False

    @abstractmethod
    def holds(self, path: Path, size: int) -> bool:
        """Whether the existing shard at ``path`` holds ``size`` images (may raise if damaged)."""

    @abstractmethod
    def files(self, names: Sequence[str]) -> list[str]:
        """The files a user opens, as listed in ``dataset.json`` and the summary."""

    def merge(self, job: ExportJob, names: Sequence[str]) -> None:  # noqa: B027 - optional hook
        """Join the written shards into the format's top-level files (default: nothing)."""

    def clean_merged(self, folder: Path, names: Sequence[str]) -> None:  # noqa: B027 - optional
        """Delete what :meth:`merge` made redundant, once the plan is complete (default: none)."""


@contextmanager
def replacing(folder: Path, target: str) -> Iterator[Path]:
    """A temporary path in ``folder`` to write; renamed to ``target`` at once if all went well."""
    temp = folder / f"{TEMP_PREFIX}{target}-{uuid.uuid4().hex[:8]}"
    try:
        yield temp
        os.replace(temp, folder / target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
