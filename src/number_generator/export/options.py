"""The export's own options (not the drawing ones): one :class:`ExportOptions`, checked once."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from .._util.params import check_choice, check_flag, check_int
from ..compose import RenderOptions
from ..errors import InvalidParameterError
from ..templates import Template
from .formats import FORMATS, ShardFormat, writer_for
from .shards import ShardNames, shard_count

__all__ = ["EXECUTORS", "MAX_COUNT", "MAX_SEED", "MAX_SHARD_SIZE", "MAX_WORKERS", "ExportOptions"]

#: Where the shards of an export run.
EXECUTORS = ("processes", "dask")
#: Most images in one export.
MAX_COUNT = 10**12
#: Most images in one shard.
MAX_SHARD_SIZE = 10**6
#: Most local worker processes.
MAX_WORKERS = 256
#: Largest export seed (a ``SeedSequence`` entropy of 128 bits).
MAX_SEED = 2**128 - 1


@dataclass(frozen=True)
class ExportOptions:
    """How an export is cut into shards and run, validated when the object is made.

    The parameters are those of :func:`~number_generator.export.export_dataset`
    of the same names; a ``client`` with the default executor means
    ``executor="dask"``.

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        For any value outside what is allowed, naming the parameter.

    Examples
    --------
    >>> options = ExportOptions(2500, shard_size=1000)
    >>> options.shards, options.executor
    (3, 'processes')
    """

    count: int
    format: str = "png"
    shard_size: int = 1000
    workers: int | None = None
    seed: int | None = None
    resume: bool = False
    unique: bool = False
    executor: str = "processes"
    scheduler: str | None = None
    client: Any = None
    progress: bool | None = None

    def __post_init__(self) -> None:
        check_choice(self.format, "format", FORMATS)
        checked = {  # checked in this order: the first bad one is reported
            "count": check_int(self.count, "count", 1, MAX_COUNT),
            "shard_size": check_int(self.shard_size, "shard_size", 1, MAX_SHARD_SIZE),
            "workers": _optional(check_int, self.workers, "workers", 1, MAX_WORKERS),
            "executor": self._checked_executor(),
            "resume": check_flag(self.resume, "resume"),
            "unique": check_flag(self.unique, "unique"),
            "seed": _optional(check_int, self.seed, "seed", 0, MAX_SEED),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    def _checked_executor(self) -> str:
        executor = self.executor
        if self.client is not None and executor == "processes":
            executor = "dask"
        check_choice(executor, "executor", EXECUTORS)
        if executor == "dask" and self.client is None and not self.scheduler:
            raise InvalidParameterError(
                "scheduler=None: executor='dask' needs a scheduler address "
                "(e.g. 'tcp://10.0.0.5:8786') or a distributed.Client as client=",
                param="scheduler",
                value=self.scheduler,
            )
        if executor == "processes" and self.scheduler is not None:
            raise InvalidParameterError(
                f"scheduler={self.scheduler!r}: only used with executor='dask'",
                param="scheduler",
                value=self.scheduler,
            )
        return executor

    def check_against(self, template: Template, render: RenderOptions) -> None:
        """Refuse what cannot be done with ``template`` and ``render``: too few distinct
        labels for ``unique``, or images the format cannot store."""
        capacity = template.capacity(render.keep_separators) if self.unique else self.count
        if self.count > capacity:
            raise InvalidParameterError(
                f"count={self.count!r}: the template {template.spec!r} has only "
                f"{capacity:,} distinct labels; ask for fewer, "
                "drop unique, or use a larger template",
                param="count",
                value=self.count,
            )
        self.writer.check(self.count, render)

    @property
    def writer(self) -> ShardFormat:
        """How shards of :attr:`format` are written, checked and merged."""
        return writer_for(self.format)

    @property
    def shards(self) -> int:
        """Number of shards: ``count / shard_size``, rounded up."""
        return shard_count(self.count, self.shard_size)

    @property
    def names(self) -> ShardNames:
        """Every shard's name, in order."""
        return ShardNames(self.shards)

    @property
    def show_progress(self) -> bool:
        """Whether to draw a progress bar: as asked, else only on a terminal."""
        return sys.stderr.isatty() if self.progress is None else bool(self.progress)


def _optional(check: Any, value: Any, *args: Any) -> Any:
    """``None`` as is, anything else through ``check``."""
    return None if value is None else check(value, *args)
