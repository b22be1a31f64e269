"""Training data at scale: dataset export throughput and the batch stream.

Targets (issue 5): export >= 3,000 PNG images/s per worker and >= 1.8x going
from 1 to 2 workers (png and webdataset); the batch stream >= 20,000 images/s
on one core without augmentation (issue 14: >= 150,000; PNG export >= 5,000/s
with 1 worker, >= 1.9x with 2).

Each export row gives images/s of wall time and ``cpu_us_per_image`` (user +
system CPU of this process and its helper processes, split in
``*_this_process`` and ``*_helpers``); ``*_cpu_2_over_1_worker`` near 1 means a
second worker adds no work per image, so on a quiet 2-core machine the 2-worker
speedup can approach 2. The load average is recorded before and after: on a busy
machine the wall-clock figures (not the CPU ones) drop.

With ``$BENCH_BASELINE_SRC`` (the ``src`` folder of another checkout, e.g. the
previous commit's ``git archive``), the batch stream and the PNG export with 1
and 2 workers also run in child processes alternating between that code and
this one, and ``*_cpu_vs_baseline`` is the ratio of their median CPU time per
image, helpers included (below 1: this code is faster).

Exports are written under a temporary folder in the current directory (as a
user's would be; not /tmp, which can sit on a slower file system). The 2-worker
figures include starting the worker processes, as a real run does.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import one_core, throughput

import number_generator
from number_generator import batches, export_dataset

TEMPLATE = "phone"
WIDTH = 280


def _export_rate(
    root: Path, format: str, workers: int, count: int, repeats: int
) -> dict[str, float]:
    """Images/s of wall time (median of ``repeats`` after a warm-up) and CPU per image:
    user + system seconds of this process and of its finished helper processes.
    """
    rates: list[float] = []
    here: list[float] = []
    helpers: list[float] = []
    for run in range(repeats + 1):  # the first run warms up
        before = _cpu_seconds()
        start = time.perf_counter()
        export_dataset(
            root / f"{format}-{workers}-{run}",
            count,
            TEMPLATE,
            format=format,
            workers=workers,
            seed=0,
            shard_size=1000,
            image_width=WIDTH,
            progress=False,
        )
        wall = time.perf_counter() - start
        after = _cpu_seconds()
        if run:
            rates.append(count / wall)
            here.append((after[0] - before[0]) / count)
            helpers.append((after[1] - before[1]) / count)
    return {
        "median_per_s": round(statistics.median(rates), 1),
        "min_per_s": round(min(rates), 1),
        "max_per_s": round(max(rates), 1),
        "repeats": repeats,
        "cpu_us_per_image": round(1e6 * statistics.median(map(sum, zip(here, helpers))), 1),
        "cpu_us_per_image_this_process": round(1e6 * statistics.median(here), 1),
        "cpu_us_per_image_helpers": round(1e6 * statistics.median(helpers), 1),
    }


def _cpu_seconds() -> tuple[float, float]:
    """User + system CPU seconds of this process, and of its finished child processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _stream_rate(template: str, n: int, repeats: int, **options: Any) -> dict[str, float]:
    width = WIDTH if template == TEMPLATE else None
    stream = batches(256, template, seed=0, image_width=width, **options)
    next(stream)  # builds the column table once
    return throughput(lambda: [next(stream) for _ in range(n)], 256 * n, repeats=repeats)


# Child processes for the A/B against $BENCH_BASELINE_SRC: each prints its CPU seconds per
# image for the measured part only (after the data is loaded and one warm-up round).
_STREAM_CHILD = f"""
import time, number_generator as ng
stream = ng.batches(256, {TEMPLATE!r}, seed=0, image_width={WIDTH})
next(stream)
start = time.process_time()
for _ in range(40):
    next(stream)
print((time.process_time() - start) / (40 * 256))
"""
_EXPORT_CHILD = """
import resource, tempfile, number_generator as ng

def cpu(field):
    return sum(getattr(resource.getrusage(who), field)
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))

with tempfile.TemporaryDirectory(prefix=".bench-ab-", dir=".") as tmp:
    ng.export_dataset(tmp + "/warm", 500, {template!r}, seed=0, image_width={width},
                      workers=1, progress=False)
    user, system = cpu("ru_utime"), cpu("ru_stime")
    ng.export_dataset(tmp + "/out", {count}, {template!r}, seed=0, image_width={width},
                      shard_size=1000, workers={workers}, progress=False)
    print((cpu("ru_utime") - user) / {count}, (cpu("ru_stime") - system) / {count})
"""


def _export_child(workers: int, count: int) -> str:
    """A child that prints its user and system CPU seconds (its helpers' included) per
    image of an export."""
    return _EXPORT_CHILD.format(template=TEMPLATE, width=WIDTH, workers=workers, count=count)


def _vs_baseline(code: str, baseline: str, repeats: int) -> dict[str, float]:
    """CPU seconds per image of ``code`` here and in ``baseline``, run alternately.

    ``code`` prints the seconds per image, or user and system seconds (then
    ``user_cpu_vs_baseline`` is the ratio of user time alone, which the state of
    the file system does not sway).
    """
    here = str(Path(number_generator.__file__).resolve().parents[1])
    sources = {"": here, "baseline_": baseline}
    seconds: dict[str, list[list[float]]] = {key: [] for key in sources}
    for _ in range(repeats):
        for key, path in sources.items():
            env = {**os.environ, "PYTHONPATH": path}
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
            )
            seconds[key].append([float(word) for word in done.stdout.splitlines()[-1].split()])

    def median(key: str, part: slice) -> float:
        return statistics.median(sum(run[part]) for run in seconds[key])

    result = {f"{key}per_s": round(1 / median(key, slice(None)), 1) for key in sources}
    result["cpu_vs_baseline"] = round(median("", slice(None)) / median("baseline_", slice(None)), 3)
    if len(seconds[""][0]) == 2:
        result["user_cpu_vs_baseline"] = round(
            median("", slice(1)) / median("baseline_", slice(1)), 3
        )
    return result


def run(quick: bool) -> dict[str, Any]:
    count = 4000 if quick else 60000
    repeats = 1 if quick else 3
    number_generator.load_mnist()  # fill the decoded-array cache workers map
    results: dict[str, Any] = {"export_images": count, "template": TEMPLATE, "width": WIDTH}
    results["load_average_before"] = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix=".bench-export-", dir=".") as tmp:
        root = Path(tmp)
        for format in ("png", "webdataset"):
            with one_core():
                one = _export_rate(root, format, 1, count, repeats)
            two = _export_rate(root, format, 2, count, repeats)
            results[f"{format}_1_worker"] = one
            results[f"{format}_2_workers"] = two
            results[f"{format}_speedup_1_to_2"] = round(
                two["median_per_s"] / one["median_per_s"], 2
            )
            # Near 1 on a quiet 2-core machine: the second worker adds no work per image.
            results[f"{format}_cpu_2_over_1_worker"] = round(
                two["cpu_us_per_image"] / one["cpu_us_per_image"], 3
            )
    results["load_average_after_export"] = round(os.getloadavg()[0], 2)
    with one_core():
        n = 10 if quick else 40
        results["batch_stream_phone_b256"] = _stream_rate(TEMPLATE, n, repeats=3 if quick else 7)
        results["batch_stream_pattern_b256"] = _stream_rate(
            "0##-####-####", n, repeats=3 if quick else 7
        )
        results["batch_stream_phone_b256_uint8"] = _stream_rate(
            TEMPLATE, n, repeats=3 if quick else 7, dtype="uint8"
        )
        baseline = os.environ.get("BENCH_BASELINE_SRC")
        if baseline:
            repeats = 3 if quick else 7
            results["batch_stream_phone_b256_vs_baseline"] = _vs_baseline(
                _STREAM_CHILD, baseline, repeats
            )
            results["png_1_worker_vs_baseline"] = _vs_baseline(
                _export_child(1, 3000 if quick else 10000), baseline, repeats
            )
    if baseline:  # both workers' CPU (starting the helper included): not on one core
        results["png_2_workers_vs_baseline"] = _vs_baseline(
            _export_child(2, 6000 if quick else 30000), baseline, repeats
        )
    return results
