"""The helper processes of a local export: how they start, fail and end.

Each helper is a spawned process that writes shards until none is left and then
exits at once; its error is raised in the export's process with the helper's
traceback as the cause; a helper that dies is one clear :class:`ShardError`;
no helper outlives the export.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from number_generator import export_dataset
from number_generator._util.threads import BLAS_THREAD_VARIABLES
from number_generator.errors import ShardError
from number_generator.export.shards import STAGING
from number_generator.templates import PatternTemplate

OPTIONS = {"seed": 5, "shard_size": 7, "progress": False, "workers": 2}
#: Images of each export here: enough shards that a helper starts, however loaded the machine.
COUNT = 7000


def in_helper() -> bool:
    return multiprocessing.parent_process() is not None


class SlowHere(PatternTemplate):
    """Draws as its pattern; slowly in the export's own process, so a helper gets shards."""

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        if not in_helper():
            time.sleep(0.05)
        return super().sample(rng, n)


class KilledInHelpers(SlowHere):
    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        if in_helper():
            os.kill(os.getpid(), signal.SIGKILL)
        return super().sample(rng, n)


class TwoArgumentError(Exception):
    """An exception that pickles but does not unpickle (its ``__init__`` needs two arguments)."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what} in {where}")


class FailsOddlyInHelpers(SlowHere):
    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        if in_helper():
            raise TwoArgumentError("no strings", "a helper")
        return super().sample(rng, n)


class ReportsBlasThreads(SlowHere):
    """Fails in a helper, saying how many BLAS threads it was started with."""

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        if in_helper():
            raise RuntimeError(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
        return super().sample(rng, n)


def assert_stopped_cleanly(out: Path) -> None:
    """No helper left running; only whole shards in the folder; the plan not complete."""
    assert multiprocessing.active_children() == []
    names = sorted(p.name for p in out.iterdir())
    assert STAGING not in names and not any(name.startswith(".tmp-") for name in names)
    assert json.loads((out / "dataset.json").read_text())["complete"] is False
    shards = [name for name in names if name.startswith("shard-")]
    assert len(shards) < COUNT // 7, "the export stopped early"
    for shard in shards:
        assert len(list((out / shard).glob("*.png"))) == 7


def test_a_killed_helper_is_one_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ShardError, match=r"a worker process of the export died \(exit code -9\)"):
        export_dataset(out, COUNT, KilledInHelpers("0##-####"), **OPTIONS)
    assert_stopped_cleanly(out)


def test_a_helpers_error_is_raised_here_with_its_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ShardError, match="failed: TwoArgumentError") as raised:
        export_dataset(out, COUNT, FailsOddlyInHelpers("0##-####"), **OPTIONS)
    cause = str(raised.value.__cause__)
    assert cause.startswith("in a worker process of the export:\nTraceback")
    assert ", in sample\n" in cause
    assert 'raise TwoArgumentError("no strings", "a helper")' in cause
    assert cause.endswith("TwoArgumentError: no strings in a helper")
    assert_stopped_cleanly(out)


def test_helpers_start_with_one_blas_thread_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match=r"^OPENBLAS_NUM_THREADS=1$"):
        export_dataset(tmp_path / "a", COUNT, ReportsBlasThreads("0##-####"), **OPTIONS)
    assert "OPENBLAS_NUM_THREADS" not in os.environ  # this process's environment is as it was
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    with pytest.raises(RuntimeError, match=r"^OPENBLAS_NUM_THREADS=3$"):
        export_dataset(tmp_path / "b", COUNT, ReportsBlasThreads("0##-####"), **OPTIONS)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3"
    assert_stopped_cleanly(tmp_path / "b")
    # A count given by another variable OpenBLAS reads is the user's choice too.
    monkeypatch.delenv("OPENBLAS_NUM_THREADS")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    with pytest.raises(RuntimeError, match=r"^OPENBLAS_NUM_THREADS=None$"):
        export_dataset(tmp_path / "c", COUNT, ReportsBlasThreads("0##-####"), **OPTIONS)
    assert "OPENBLAS_NUM_THREADS" not in os.environ
