"""Faults a user can hit while writing, reproduced for real.

A dataset export killed with ``SIGTERM`` or ``SIGKILL`` (its worker processes must
not outlive it), a Dask worker lost mid-export, a full disk (a small tmpfs), a
target in ``/proc``, and ``file:`` templates that are not small text files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import number_generator
from _helpers import require
from number_generator import export_dataset
from number_generator.cli import main
from number_generator.errors import ShardError

SRC = Path(number_generator.__file__).resolve().parents[1]
#: Bounds of the waiting loops (never reached when all is well).
WAIT_STEPS = 6000
STEP = 0.01

# --------------------------------------------------------------------------- processes


def _stat(pid: int) -> tuple[str, int] | None:
    """State and parent pid of ``pid`` from /proc, ``None`` if it does not exist."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (children, their children …), read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[1]
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie (an orphan PID 1 may never reap)."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def is_helper(pid: int) -> bool:
    """Whether ``pid`` is a spawned worker process (not the resource tracker)."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def complete_shards(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.name.startswith("shard-")}


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


EXPORT = ["--count", "6000", "--shard-size", "20", "--seed", "3", "--template", "##"]


@pytest.fixture
def export_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path, set[int]]]:
    """``number-generator dataset`` with 2 workers, once a shard exists and its helper runs.

    Yields the process, its output folder and the pids of its descendants;
    afterwards, anything still running is killed (by pid).
    """
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "number_generator", "dataset", "--out", str(out)]
    # Output to files, not pipes: helpers that outlive the export would hold a pipe open.
    with (tmp_path / "stdout").open("wb") as stdout, (tmp_path / "stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [*command, *EXPORT, "--workers", "2"], env=env, stdout=stdout, stderr=stderr
        )
    pids: set[int] = set()
    try:
        for _ in range(WAIT_STEPS):
            assert process.poll() is None, (tmp_path / "stderr").read_text()
            pids |= descendants(process.pid)
            if out.is_dir() and complete_shards(out) and any(map(is_helper, pids)):
                break
            time.sleep(STEP)
        else:
            pytest.fail("no shard and helper process appeared")
        yield process, out, pids
    finally:
        for pid in [process.pid, *pids]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait()


def wait_until_gone(pids: set[int]) -> set[int]:
    """Wait (bounded) until none of ``pids`` runs; returns those still running."""
    for _ in range(WAIT_STEPS):
        alive = {pid for pid in pids if running(pid)}
        if not alive:
            return alive
        time.sleep(STEP)
    return alive


def assert_resumes_to_a_clean_run(tmp_path: Path, out: Path) -> None:
    assert main(["dataset", "--out", str(out), *EXPORT, "--workers", "1", "--resume"]) == 0
    clean = tmp_path / "clean"
    assert main(["dataset", "--out", str(clean), *EXPORT, "--workers", "1"]) == 0
    assert tree(out) == tree(clean)


def test_sigterm_stops_an_export_as_ctrl_c_does(
    tmp_path: Path, export_process: tuple[subprocess.Popen[bytes], Path, set[int]]
) -> None:
    process, out, pids = export_process
    process.send_signal(signal.SIGTERM)
    assert process.wait() == 130
    assert (tmp_path / "stderr").read_text().splitlines() == [
        "number-generator dataset: run the same command with --resume to continue",
        "number-generator dataset: interrupted",
    ]
    assert wait_until_gone(pids) == set(), "worker processes outlived the export"
    left = {p.name for p in out.iterdir()} - complete_shards(out)
    assert {name for name in left if not name.startswith(".tmp-")} == {"dataset.json"}
    assert len(complete_shards(out)) < 300, "the export was interrupted mid-run"
    assert_resumes_to_a_clean_run(tmp_path, out)


def test_workers_exit_when_the_export_is_killed(
    tmp_path: Path, export_process: tuple[subprocess.Popen[bytes], Path, set[int]]
) -> None:
    process, out, pids = export_process
    process.kill()
    assert process.wait() == -signal.SIGKILL
    assert wait_until_gone(pids) == set(), "worker processes outlived the killed export"
    shards = complete_shards(out)
    assert len(shards) < 300, "the export was interrupted mid-run"
    # Nothing is left to write: the shards seen now are all there will be.
    assert_resumes_to_a_clean_run(tmp_path, out)


def test_a_lost_dask_worker_is_one_clear_error(tmp_path: Path) -> None:
    distributed = require("distributed")
    out = tmp_path / "out"
    outcome: dict[str, Any] = {}
    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):

        def run() -> None:
            try:
                export_dataset(out, 20_000, "##", client=client, shard_size=10, progress=False)
            except BaseException as exc:  # handed to the test's thread
                outcome["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        for _ in range(WAIT_STEPS):
            if out.is_dir() and complete_shards(out):
                break
            time.sleep(STEP)
        worker = next(iter(cluster.workers.values()))
        cluster.sync(worker.close)
        thread.join(600)  # a bound, never reached: the error comes at once
    assert not thread.is_alive(), "the export hung after its worker was lost"
    error = outcome.get("error")
    assert isinstance(error, ShardError), repr(error)
    message = str(error)
    assert message.startswith("executor='dask': the export was interrupted: ")
    assert "resume=True (--resume)" in message and "\n" not in message


# --------------------------------------------------------------------------- full disks


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on a real 200 KiB tmpfs; where mounting is not allowed, a folder whose
    files all write to /dev/full (ENOSPC at the first write).
    """
    folder = tmp_path / "disk"
    folder.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(folder)]
    try:
        mounted = subprocess.run(mount, capture_output=True).returncode == 0
    except OSError:
        mounted = False
    if not mounted:
        real_open = os.open

        def open_full(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if str(path).startswith(str(folder)) and flags & os.O_CREAT:
                os.close(real_open(path, flags, *args, **kwargs))
                return real_open("/dev/full", os.O_WRONLY)
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", open_full)
    try:
        yield folder
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path) -> set[str]:
    """Fill the disk of ``folder`` to the last byte; returns the folder's names."""
    with pytest.raises(OSError, match="No space left"):
        (folder / "filler").write_bytes(bytes(1 << 20))
    return {p.name for p in folder.iterdir()}


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == ""
    return lines[0]


def test_sequence_on_a_full_disk(small_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = fill(small_disk)
    assert main(["sequence", "0123", "--output-path", str(small_disk)]) == 2
    assert one_error_line(capsys) == (
        f"number-generator sequence: error: --output-path={str(small_disk / '0123.png')!r}: "
        "cannot write the image (No space left on device)"
    )
    assert {p.name for p in small_disk.iterdir()} == before


def test_preview_on_a_full_disk(small_disk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = fill(small_disk)
    target = small_disk / "sheet.png"
    assert main(["preview", "--samples", "1", "--output-path", str(target)]) == 2
    assert one_error_line(capsys) == (
        f"number-generator preview: error: --output-path={str(target)!r}: cannot write {target} "
        "(No space left on device)"
    )
    assert {p.name for p in small_disk.iterdir()} == before


def test_phone_on_a_disk_that_fills_up(
    small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Some images fit, then the disk is full: the folder holds nothing new."""
    (small_disk / "mine.txt").write_text("kept\n")
    argv = ["phone", "--num-images", "1000", "--image-width", "200", "--seed", "1"]
    assert main([*argv, "--output-path", str(small_disk)]) == 2
    assert one_error_line(capsys) == (
        f"number-generator phone: error: --output-path={str(small_disk)!r}: cannot write "
        f"{small_disk} (No space left on device)"
    )
    assert [p.name for p in small_disk.iterdir()] == ["mine.txt"]
    assert (small_disk / "mine.txt").read_text() == "kept\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["sequence", "42", "--output-path", "/proc/x.png"],
        ["sequence", "42", "--output-path", "/proc"],
        ["phone", "--num-images", "2", "--output-path", "/proc"],
        ["preview", "--samples", "1", "--output-path", "/proc/a.png"],
    ],
    ids=["sequence-file", "sequence-folder", "phone", "preview"],
)
def test_writing_into_proc(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert one_error_line(capsys) == (
        f"number-generator {argv[0]}: error: --output-path='/proc': cannot write into the "
        "folder (No such file or directory)"
    )


def _dead_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then closed)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize(
    "argv",
    [
        ["phone", "--num-images", "2", "--output-path", "new"],
        ["preview", "--samples", "1", "--output-path", "new/sheet.png"],
        ["sequence", "42", "--output-path", "new"],
        ["dataset", "--out", "new", "--count", "4"],
    ],
    ids=["phone", "preview", "sequence", "dataset"],
)
def test_a_run_without_data_leaves_no_output_folder(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    empty = tmp_path / "no-data"
    empty.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NUMBER_GENERATOR_DATA_DIR", str(empty))
    monkeypatch.setenv("NUMBER_GENERATOR_SPLIT", "train")
    monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", f"http://127.0.0.1:{_dead_port()}/")
    assert main(argv) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"number-generator {argv[0]}: error: could not download ")
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["no-data"]
