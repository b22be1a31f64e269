"""Local worker processes of an export: each takes the next shard when it is free, the
output never depends on how many there are, and a helper's failure stops the export cleanly."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from array import array
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np
import pytest

from number_generator import export_dataset
from number_generator.export import runners
from number_generator.export.shards import STAGING
from number_generator.templates import PatternTemplate

OPTIONS = {"seed": 5, "shard_size": 7, "progress": False}


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_three_workers_write_the_same_files_as_one(tmp_path: Path) -> None:
    runs = {}
    for workers in (1, 3):
        summary = export_dataset(
            tmp_path / f"w{workers}", 60, "0##-####", workers=workers, **OPTIONS
        )
        assert (summary.workers, summary.shards_written, summary.images_written) == (
            workers,
            9,
            60,
        )
        runs[workers] = tree(tmp_path / f"w{workers}")
    assert runs[1] == runs[3]
    assert len([name for name in runs[3] if name.endswith(".png")]) == 60
    records = (tmp_path / "w3" / "metadata.jsonl").read_text().splitlines()
    assert [json.loads(line)["file_name"] for line in records] == [
        f"shard-{k // 7:05d}/{k:06d}.png" for k in range(60)
    ]


class FailsInHelpers(PatternTemplate):
    """Draws as its pattern, slowly, in the export's own process; fails in a helper."""

    def sample(self, rng: np.random.Generator, n: int) -> list[str]:
        if multiprocessing.parent_process() is not None:
            raise RuntimeError("a helper could not draw its strings")
        time.sleep(0.05)  # the helper starts long before this process is done
        return super().sample(rng, n)


def test_a_failing_helper_stops_the_export_and_leaves_only_whole_shards(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="a helper could not draw its strings"):
        export_dataset(out, 700, FailsInHelpers("0##-####"), workers=2, **OPTIONS)
    names = sorted(p.name for p in out.iterdir())
    assert STAGING not in names and not any(name.startswith(".tmp-") for name in names)
    plan = json.loads((out / "dataset.json").read_text())
    assert plan["complete"] is False
    shards = [name for name in names if name.startswith("shard-")]
    assert len(shards) < 100, "the export stopped early"
    for shard in shards:  # each one written here, whole
        assert len(list((out / shard).glob("*.png"))) == 7
        assert len((out / shard / "_records.jsonl").read_text().splitlines()) == 7


def test_a_shard_counter_left_locked_does_not_hang_the_export() -> None:
    context = multiprocessing.get_context("spawn")
    shared = runners._Shared(context.Value("q", 0), array("q", [4, 5]), context.SimpleQueue())
    assert shared.claim() == 4
    held, release = threading.Event(), threading.Event()

    def killed_helper() -> None:  # takes the lock and never lets go while the test waits
        with shared.taken.get_lock():
            held.set()
            release.wait()

    thread = threading.Thread(target=killed_helper)
    thread.start()
    held.wait()
    checks = []

    def stalled() -> None:
        checks.append("checked the helpers")
        raise BrokenProcessPool("a helper process died")

    try:
        with pytest.raises(BrokenProcessPool, match="a helper process died"):
            shared.claim(stalled)
    finally:
        release.set()
        thread.join()
    assert checks == ["checked the helpers"]
    assert (shared.claim(), shared.claim()) == (5, None)
