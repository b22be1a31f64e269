"""The batch stream: phone-number batches of 256 without augmentation, on one core.

Target (issue 14): >= 150,000 images/s per core (1.7 ms per batch), ``float32``
and ``dtype="uint8"``.

Rows: images per second of ``batches(256, "phone")`` for each dtype, of a
fixed pattern with separators and of strings of random length (median of
repeated runs, pinned to one core); images per CPU second of this thread for
each dtype (``*_cpu``: the time the work itself took, which a shared core's
other processes do not lengthen, unlike the wall-clock rows);
and, unless ``quick`` or without valgrind on the PATH, the instructions one
batch takes as counted by callgrind: the count of a child process drawing 12
batches minus one drawing 2, over 10. Unlike the times, that count does not move
with the machine's load (a shared 2-core machine gives times within +-30%), so
it is the figure to compare between commits.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _timing import one_core, throughput

import number_generator
from number_generator import batches

TEMPLATE = "phone"
PATTERN = "0##-####-####"  # a fixed pattern with separators
RANDOM = "random:1-12"  # strings of random length, drawn by length
BATCH = 256
DTYPES = ("float32", "uint8")

_CHILD = """
import sys, number_generator as ng
stream = ng.batches({batch}, {template!r}, seed=0, dtype=sys.argv[2])
for _ in range(int(sys.argv[1])):
    next(stream)
"""


def _rate(dtype: str, n: int, repeats: int, template: str = TEMPLATE) -> dict[str, float]:
    stream = batches(BATCH, template, seed=0, dtype=dtype)
    next(stream)  # loads the data and builds the column table
    return throughput(lambda: _draw(stream, n), BATCH * n, repeats=repeats)


def _draw(stream: Iterator[Any], n: int) -> None:
    """``n`` batches, each dropped before the next as a training loop does (kept in a list,
    every batch would land in memory fresh from the kernel, and the rows would time page
    faults: about twice the time per float32 batch)."""
    for _ in range(n):
        next(stream)


def _cpu_rate(dtype: str, n: int, repeats: int) -> dict[str, float]:
    """Images per second of this thread's CPU time, median of ``repeats`` runs of ``n``
    batches (:func:`_draw`)."""
    stream = batches(BATCH, TEMPLATE, seed=0, dtype=dtype)
    next(stream)
    rates = []
    for _ in range(repeats):
        start = time.thread_time()
        _draw(stream, n)
        rates.append(BATCH * n / (time.thread_time() - start))
    return {"median_per_s": round(statistics.median(rates), 1), "repeats": repeats}


def _instructions(dtype: str, batches_run: int) -> int:
    """Instructions callgrind counts for a child process drawing ``batches_run`` batches."""
    here = str(Path(number_generator.__file__).resolve().parents[1])
    # One thread for OpenCV and OpenBLAS: idle worker threads spin, and callgrind counts that.
    env = {**os.environ, "PYTHONPATH": here, "OPENCV_FOR_THREADS_NUM": "1"}
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    # glibc copies blocks past ~8 KB with ``rep movsb``, which callgrind counts once per
    # byte (30x its vector loop): a threshold past any block copied keeps the vector loop,
    # so the count follows the work whatever the image width.
    env["GLIBC_TUNABLES"] = "glibc.cpu.x86_rep_movsb_threshold=1048576"
    code = _CHILD.format(batch=BATCH, template=TEMPLATE)
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*valgrind, sys.executable, "-c", code, str(batches_run), dtype],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found, done.stderr[-2000:]
    return int(found.group(1))


def run(quick: bool) -> dict[str, Any]:
    n = 10 if quick else 40
    repeats = 3 if quick else 7
    number_generator.load_mnist()
    results: dict[str, Any] = {"template": TEMPLATE, "batch_size": BATCH}
    with one_core():
        for dtype in DTYPES:
            results[f"phone_b256_{dtype}"] = _rate(dtype, n, repeats)
        results["pattern_b256_float32"] = _rate("float32", n, repeats, PATTERN)
        results["random_b256_float32"] = _rate("float32", n, repeats, RANDOM)
        for dtype in DTYPES:
            results[f"phone_b256_{dtype}_cpu"] = _cpu_rate(dtype, n, repeats)
    if not quick and shutil.which("valgrind"):
        for dtype in DTYPES:
            per_batch = (_instructions(dtype, 12) - _instructions(dtype, 2)) // 10
            results[f"phone_b256_{dtype}_instructions_per_batch"] = per_batch
    return results
