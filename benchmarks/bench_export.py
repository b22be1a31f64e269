"""Dataset export throughput: PNG and webdataset, 1 and 2 workers; PNG with ``augment="medium"``.

Targets (issue 5): export >= 3,000 PNG images/s per worker and >= 1.8x going
from 1 to 2 workers (png and webdataset); issue 14: PNG export >= 5,000/s with
1 worker, >= 1.9x with 2. (The batch stream is ``bench_batches.py``; against
another commit, ``ab.py``.) ``png_medium_1_worker`` is an augmented export
(a quarter of the images), drawn a batch at once at its set width.

Each export row gives images/s of wall time and ``cpu_us_per_image`` (user +
system CPU of this process and its helper processes, split in
``*_this_process`` and ``*_helpers``); ``*_cpu_2_over_1_worker`` near 1 means a
second worker adds no work per image, so on a quiet 2-core machine the 2-worker
speedup can approach 2. The load average is recorded before and after: on a busy
machine the wall-clock figures (not the CPU ones) drop.

Exports are written under a temporary folder in the current directory (as a
user's would be; not /tmp, which can sit on a slower file system). The 2-worker
figures include starting the worker processes, as a real run does.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _timing import one_core

import number_generator
from number_generator import export_dataset

TEMPLATE = "phone"
WIDTH = 280


def _export_rate(
    root: Path, format: str, workers: int, count: int, repeats: int, augment: str | None = None
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
            root / f"{format}-{workers}-{augment}-{run}",
            count,
            TEMPLATE,
            format=format,
            workers=workers,
            seed=0,
            shard_size=1000,
            image_width=WIDTH,
            augment=augment,
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
        with one_core():
            results["png_medium_1_worker"] = _export_rate(
                root, "png", 1, count // 4, repeats, augment="medium"
            )
    results["load_average_after_export"] = round(os.getloadavg()[0], 2)
    return results
