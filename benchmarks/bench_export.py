"""Training data at scale: dataset export throughput and the batch stream.

Targets (issue 5): export >= 3,000 PNG images/s per worker and >= 1.8x going
from 1 to 2 workers (png and webdataset); the batch stream >= 20,000 images/s
on one core without augmentation.

Exports are written under a temporary folder in the current directory (as a
user's would be; not /tmp, which can sit on a slower file system). The 2-worker
figures include starting the worker processes, as a real run does.
"""

from __future__ import annotations

import itertools
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


def _stream_rate(template: str, n: int, repeats: int) -> dict[str, float]:
    stream = batches(256, template, seed=0, image_width=WIDTH if template == TEMPLATE else None)
    next(stream)  # builds the column table once
    return throughput(lambda: [next(stream) for _ in range(n)], 256 * n, repeats=repeats)


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
    return results
