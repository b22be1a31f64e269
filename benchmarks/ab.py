"""Issue 14's speed rows, this code against another commit's, run alternately in one go.

Usage: ``python benchmarks/ab.py [--baseline REV] [--quick] [--only ROW] [--output FILE]``

``REV`` (default ``HEAD~1``; or the path of another checkout's ``src`` folder) is
extracted with ``git archive`` into a temporary folder. Every measurement runs in a
fresh child process importing either that code or this checkout's, and the two
alternate round by round (ABBA order), so load that drifts during the run hits both
sides alike. Per-core rows are pinned to one core; the 2-worker export uses both. For
each row the JSON report gives, per side, the median images/s over the measured part
(after a warm-up pass a tenth as long; exports are written to ``/dev/shm`` where it
exists, so the disk's state stays out) and the CPU seconds per image (user + system,
workers included), and ``speedup``: the median over rounds of this code's rate divided
by the baseline's (above 1: faster). The two cold-start rows (the library's first
image, and ``generate-phone-numbers`` writing one PNG) time whole processes, and also
``import numpy, numpy.random`` in the same rounds (``numpy_floor``): what any draw
costs before the package does anything. The load average before and after is reported
too, and per side ``others_cpu_s``: the median CPU seconds other processes used while
a round ran (from ``/proc/stat``; the measured run's own, workers included,
subtracted) — a row whose rounds shared the machine says so there, which matters most
for the 2-worker export (it needs both cores). Compare ratios, not absolute figures,
on a shared machine. The MNIST data must be cached already.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

from _timing import print_report

ROOT = Path(__file__).resolve().parents[1]
DIGITS = "'0123456789', (2, 8), 280"


class BaselineError(Exception):
    """``--baseline`` names no folder and no revision."""


class Row(NamedTuple):
    """One measured workload: child code run once to warm up, then timed."""

    setup: str  # run once, untimed (``ng`` is the package, ``N`` the count)
    body: str  # the timed work, run twice (warm-up with a tenth of ``N``, then measured)
    items: str  # how many images one ``body`` makes (an expression of ``N``)
    count: int  # ``N`` in a full run (a tenth with --quick)
    pinned: bool = True


_EXPORT = (
    "ng.export_dataset(f'{{tmp}}/{{next(runs)}}', N, 'phone', seed=0, image_width=280,"
    " shard_size=1000, workers={workers}, progress=False{extra})"
)
# Exports go to RAM (/dev/shm) where there is one: on a disk, creating a file can cost
# 10x more right after many files were deleted (ext4 steps over recently freed inodes),
# which would swamp the code's own cost and differ from round to round.
_EXPORT_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else "."
_EXPORT_SETUP = (
    f"tmp = tempfile.mkdtemp(prefix='.bench-ab-', dir={_EXPORT_DIR!r}); runs = iter(range(9))"
)

ROWS: dict[str, Row] = {
    "generate_pad_10_digits_w280": Row(
        "g = ng.SequenceGenerator(ng.load_mnist(), seed=0)",
        f"for _ in range(N): g.generate({DIGITS})",
        "N",
        3000,
    ),
    "module_function_10_digits_w280": Row(
        "", f"for _ in range(N): ng.generate_numbers_sequence({DIGITS})", "N", 3000
    ),
    "batch_stream_phone_b256": Row(
        "s = ng.batches(256, 'phone', seed=0, image_width=280)",
        "for _ in range(N): next(s)",
        "256 * N",
        40,
    ),
    "batch_stream_phone_b256_uint8": Row(
        "s = ng.batches(256, 'phone', seed=0, image_width=280, dtype='uint8')",
        "for _ in range(N): next(s)",
        "256 * N",
        40,
    ),
    "batch_stream_medium_b256": Row(
        "s = ng.batches(256, '##########', seed=0, image_width=280, augment='medium')",
        "for _ in range(N): next(s)",
        "256 * N",
        10,
    ),
    "batch_stream_heavy_b256": Row(
        "s = ng.batches(256, '##########', seed=0, image_width=280, augment='heavy')",
        "for _ in range(N): next(s)",
        "256 * N",
        5,
    ),
    "medium_10_digits_w280": Row(
        "g = ng.SequenceGenerator(ng.load_mnist(), seed=0, augment='medium')",
        f"for _ in range(N): g.render({DIGITS})",
        "N",
        500,
    ),
    "document_10_digits_w280": Row(
        "g = ng.SequenceGenerator(ng.load_mnist(), seed=0, augment='document')",
        f"for _ in range(N): g.render({DIGITS})",
        "N",
        300,
    ),
    "png_export_1_worker": Row(_EXPORT_SETUP, _EXPORT.format(workers=1, extra=""), "N", 20000),
    "png_export_2_workers": Row(
        _EXPORT_SETUP, _EXPORT.format(workers=2, extra=""), "N", 60000, pinned=False
    ),
    "png_export_medium_1_worker": Row(
        _EXPORT_SETUP, _EXPORT.format(workers=1, extra=", augment='medium'"), "N", 3000
    ),
}
COLD_START = "cold_start"
CLI_COLD_START = "cli_cold_start"
#: Whole fresh processes, timed from start to exit: the library's first image, and the
#: phone-number command writing one PNG (as its console script runs it).
PROCESS_CODE = {
    COLD_START: f"import number_generator as ng; ng.generate_numbers_sequence({DIGITS})",
    CLI_COLD_START: (
        "import shutil, sys, tempfile; out = tempfile.mkdtemp(prefix='.bench-ab-cli-',"
        f" dir={_EXPORT_DIR!r}); sys.argv = ['generate-phone-numbers', '--num-images', '1',"
        " '--image-width', '280', '--output-path', out + '/phones'];"
        " from number_generator.cli import generate_phone_numbers_main as main; code = main();"
        " shutil.rmtree(out); assert code == 0, code"
    ),
}
#: What any draw needs before the package does anything: the floor of a cold start.
NUMPY_FLOOR_CODE = "import numpy, numpy.random"
FLOOR = "numpy_floor"

_CHILD = """
import json, os, resource, shutil, tempfile, time
if {pinned}:
    os.sched_setaffinity(0, {{min(os.sched_getaffinity(0))}})
import number_generator as ng
N = {warm_count}
{setup}
def cpu():
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + kids.ru_utime, own.ru_stime + kids.ru_stime
{body}
N = {count}
wall, (user, system) = time.perf_counter(), cpu()
{body}
wall, (user_now, system_now) = time.perf_counter() - wall, cpu()
if "tmp" in globals():
    shutil.rmtree(tmp)
user = user_now - user
cpu = user + system_now - system
print(json.dumps({{"items": {items}, "wall": wall, "cpu": cpu, "user": user}}))
"""


def child_code(row: Row, count: int) -> str:
    """The program a child process runs for ``row``: it prints items, wall and CPU seconds."""
    return _CHILD.format(
        pinned=row.pinned,
        warm_count=max(1, count // 10),
        count=count,
        setup=row.setup,
        body=row.body,
        items=row.items,
    )


def _child_environment(src: Path) -> dict[str, str]:
    """This environment, importing the package from ``src``, with bytecode cached as an
    installed package has it (so a cold start does not count compiling)."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(code: str, src: Path) -> dict[str, float]:
    """Run ``code`` in a child importing the package from ``src``; its JSON line."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_child_environment(src),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"child using {src} failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return result


def measure_process(code: str, src: Path) -> dict[str, float]:
    """Wall, CPU and user seconds of a whole fresh process running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    measure(code + "; print('{}')", src)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    return {"items": 1, "wall": wall, "cpu": user + after.ru_stime - before.ru_stime, "user": user}


def baseline_source(rev: str, folder: Path) -> Path:
    """The ``src`` folder of ``rev`` (a git revision, or a folder given as it is)."""
    if Path(rev).is_dir():
        return Path(rev).resolve()
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=False
        )
    except FileNotFoundError as exc:
        raise BaselineError(f"--baseline: {rev!r} is not a folder, and git is missing") from exc
    if archive.returncode:
        message = archive.stderr.decode(errors="replace").strip().splitlines()[-1]
        raise BaselineError(
            f"--baseline: {rev!r} is neither a folder nor a git revision of {ROOT} ({message})"
        )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def busy_seconds() -> float | None:
    """CPU seconds the whole machine has been busy since boot (``/proc/stat``), or ``None``."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + waiting for I/O
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def with_others(run: dict[str, float], before: float | None) -> dict[str, float]:
    """``run`` with ``others``: CPU seconds other processes used while it ran (if known)."""
    after = busy_seconds()
    if before is not None and after is not None:
        run["others"] = max(0.0, after - before - run["cpu"])
    return run


def _median_per_image(results: list[dict[str, float]], key: str) -> float:
    """The median of ``key`` seconds per image over ``results``, to 3 significant digits."""
    return float(f"{statistics.median(r[key] / r['items'] for r in results):.3g}")


def compare(name: str, sources: dict[str, Path], rounds: int, quick: bool) -> dict[str, Any]:
    """Alternate the two sides of row ``name`` for ``rounds`` rounds (ABBA); the summary."""
    runs: dict[str, list[dict[str, float]]] = {side: [] for side in sources}
    process = PROCESS_CODE.get(name)
    if process is not None:
        runs[FLOOR] = []
        for src in sources.values():  # the first process of each side fills caches
            measure_process(process, src)
    for index in range(rounds):
        order = list(sources) if index % 2 == 0 else list(reversed(sources))
        for side in order:
            before = busy_seconds()
            if process is not None:
                run = measure_process(process, sources[side])
            else:
                row = ROWS[name]
                count = max(1, row.count // 10) if quick else row.count
                run = measure(child_code(row, count), sources[side])
            runs[side].append(with_others(run, before))
        if process is not None:
            runs[FLOOR].append(measure_process(NUMPY_FLOOR_CODE, sources["this"]))
    summary: dict[str, Any] = {}
    for side, results in runs.items():
        summary[side] = {
            "per_s": round(statistics.median(r["items"] / r["wall"] for r in results), 1),
            "cpu_s_per_image": _median_per_image(results, "cpu"),
            "user_s_per_image": _median_per_image(results, "user"),
            "wall_s": round(statistics.median(r["wall"] for r in results), 4),
        }
        others = [r["others"] for r in results if "others" in r]
        if others:
            summary[side]["others_cpu_s"] = round(statistics.median(others), 3)
    summary["speedup"] = round(
        statistics.median(
            (new["items"] / new["wall"]) / (old["items"] / old["wall"])
            for new, old in zip(runs["this"], runs["baseline"])
        ),
        3,
    )
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD~1", help="git revision or src folder")
    parser.add_argument("--quick", action="store_true", help="a tenth of the work, 3 rounds")
    parser.add_argument(
        "--only", action="append", choices=[*ROWS, *PROCESS_CODE], default=[], help="one row"
    )
    parser.add_argument("--rounds", type=int, default=None, help="rounds per row (default 7)")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 7)
    if rounds < 1:
        parser.error(f"--rounds: {rounds} is not a positive count")
    with tempfile.TemporaryDirectory(prefix="ab-baseline-") as folder:
        try:
            baseline = baseline_source(args.baseline, Path(folder))
        except BaselineError as exc:
            parser.error(str(exc))
        sources = {"this": ROOT / "src", "baseline": baseline}
        report: dict[str, Any] = {
            "baseline": args.baseline,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_before": [round(x, 2) for x in os.getloadavg()],
            "rounds": rounds,
            "rows": {},
        }
        for name in args.only or [*ROWS, *PROCESS_CODE]:
            report["rows"][name] = compare(name, sources, rounds, args.quick)
        rows = report["rows"]
        if "png_export_1_worker" in rows and "png_export_2_workers" in rows:
            report["png_2_workers_vs_1"] = {
                side: round(
                    rows["png_export_2_workers"][side]["per_s"]
                    / rows["png_export_1_worker"][side]["per_s"],
                    2,
                )
                for side in sources
            }
        report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    print_report(report, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
