"""Training data at scale: dataset export throughput and the batch stream.

Targets (issue 5): export >= 3,000 PNG images/s per worker and >= 1.8x going
from 1 to 2 workers (png and webdataset); the batch stream >= 20,000 images/s
on one core without augmentation (issue 14: >= 150,000; PNG export >= 5,000/s
with 1 worker, >= 1.9x with 2).

With ``$BENCH_BASELINE_SRC`` (the ``src`` folder of another checkout, e.g. the
previous commit's ``git archive``), the batch stream and the 1-worker PNG export
also run in child processes alternating between that code and this one, and
``*_cpu_vs_baseline`` is the ratio of their median CPU time per image (below 1:
this code is faster).

Exports are written under a temporary folder in the current directory (as a
user's would be; not /tmp, which can sit on a slower file system). The 2-worker
figures include starting the worker processes, as a real run does.
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import tempfile
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
    runs = itertools.count()

    def work() -> None:
        export_dataset(
            root / f"{format}-{workers}-{next(runs)}",
            count,
            TEMPLATE,
            format=format,
            workers=workers,
            seed=0,
            shard_size=1000,
            image_width=WIDTH,
            progress=False,
        )

    return throughput(work, count, repeats=repeats)


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
_EXPORT_CHILD = f"""
import sys, tempfile, time, number_generator as ng
with tempfile.TemporaryDirectory(prefix=".bench-ab-", dir=".") as tmp:
    ng.export_dataset(tmp + "/warm", 500, {TEMPLATE!r}, seed=0, image_width={WIDTH},
                      workers=1, progress=False)
    start = time.process_time()
    ng.export_dataset(tmp + "/out", 3000, {TEMPLATE!r}, seed=0, image_width={WIDTH},
                      shard_size=1000, workers=1, progress=False)
    print((time.process_time() - start) / 3000)
"""


def _vs_baseline(code: str, baseline: str, repeats: int) -> dict[str, float]:
    """CPU seconds per image of ``code`` here and in ``baseline``, run alternately."""
    here = str(Path(number_generator.__file__).resolve().parents[1])
    sources = {"": here, "baseline_": baseline}
    seconds: dict[str, list[float]] = {key: [] for key in sources}
    for _ in range(repeats):
        for key, path in sources.items():
            env = {**os.environ, "PYTHONPATH": path}
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
            )
            seconds[key].append(float(done.stdout.split()[-1]))
    result = {f"{key}per_s": round(1 / statistics.median(seconds[key]), 1) for key in sources}
    result["cpu_vs_baseline"] = round(
        statistics.median(seconds[""]) / statistics.median(seconds["baseline_"]), 3
    )
    return result


def run(quick: bool) -> dict[str, Any]:
    count = 4000 if quick else 60000
    repeats = 1 if quick else 3
    number_generator.load_mnist()  # fill the decoded-array cache workers map
    results: dict[str, Any] = {"export_images": count, "template": TEMPLATE, "width": WIDTH}
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
            results["png_1_worker_vs_baseline"] = _vs_baseline(_EXPORT_CHILD, baseline, repeats)
    return results
