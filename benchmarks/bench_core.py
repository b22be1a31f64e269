"""Core throughput: composition, the module-level function, cold start, phone-number PNGs.

Targets (issue 2, one core, dataset cached): generate >= 15,000 images/s for
10 digits into width 280 with fit="pad"; the module function within 1.5x of
that; a cold process (import + load + first image) < 0.5 s (issue 14: <= 0.12 s);
phone-number PNGs >= 3,000 images/s. Issue 11: ``writer="same"`` within 1.1x of
``"any"`` per call (measured when the dataset has its writers file); contour spacing
within 1.3x of ink spacing per call.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from _timing import interleaved_ratio, one_core, throughput

import number_generator
from number_generator import SequenceGenerator, generate_numbers_sequence, generate_phone_numbers
from number_generator.export import encode_png

DIGITS = "0123456789"
COLD_START = (
    "import number_generator as ng; ng.generate_numbers_sequence('0123456789', (2, 8), 280)"
)


def _loop(n: int, call: Any) -> Any:
    """Work that makes ``n`` calls, keeping none of the results (no memory growth)."""

    def work() -> None:
        for _ in range(n):
            call()

    return work


def _cold_start_seconds(repeats: int) -> dict[str, float]:
    """Wall and CPU (user + system) seconds of a fresh process drawing one image.

    CPU time is the steadier figure on a shared machine: waiting for a core is not in it.
    Runs alternate with ``floor_``, a process that only imports NumPy and ``numpy.random``
    (what any seeded draw needs; ``cpu_over_floor_s`` is what the package adds to it;
    against another commit: ``ab.py``). Bytecode is written
    and read as an installed package's is (``PYTHONDONTWRITEBYTECODE`` is dropped for
    the children; the first, uncounted run also fills the decoded-array cache).
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    sources = {"": COLD_START, "floor_": "import numpy, numpy.random"}
    walls: dict[str, list[float]] = {key: [] for key in sources}
    cpus: dict[str, list[float]] = {key: [] for key in sources}
    for run in range(repeats + 1):
        for key, code in sources.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, env=env)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if run:
                walls[key].append(wall)
                cpus[key].append(
                    after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                )
    result: dict[str, float] = {}
    for key in sources:
        result[f"{key}median_s"] = round(statistics.median(walls[key]), 3)
        result[f"{key}max_s"] = round(max(walls[key]), 3)
        result[f"{key}cpu_median_s"] = round(statistics.median(cpus[key]), 3)
    result["cpu_over_floor_s"] = round(result["cpu_median_s"] - result["floor_cpu_median_s"], 3)
    return result


def run(quick: bool) -> dict[str, Any]:
    n = 500 if quick else 3000
    repeats = 3 if quick else 7
    generator = SequenceGenerator(number_generator.load_mnist(), seed=0)
    generate_numbers_sequence(DIGITS, (2, 8), 280)  # load the default instance
    results: dict[str, Any] = {}
    with one_core():
        results["generate_pad_10_digits_w280"] = throughput(
            _loop(n, lambda: generator.generate(DIGITS, (2, 8), 280)), n, repeats=repeats
        )
        results["generate_stretch_10_digits_w280"] = throughput(
            _loop(n, lambda: generator.generate(DIGITS, (2, 8), 280, fit="stretch")),
            n,
            repeats=repeats,
        )
        results["module_function_10_digits_w280"] = throughput(
            _loop(n, lambda: generate_numbers_sequence(DIGITS, (2, 8), 280)),
            n,
            repeats=repeats,
        )
        image = generator.render(DIGITS, (2, 8), 280).paper
        results["png_encode_28x280"] = throughput(
            _loop(n, lambda: encode_png(image)), n, repeats=repeats
        )
        # Written beside the working directory, as a user's export would be (not /tmp,
        # which can sit on a slower file system).
        with tempfile.TemporaryDirectory(prefix=".bench-", dir=".") as out:
            count = 300 if quick else 2000
            results["phone_numbers_png"] = throughput(
                lambda: generate_phone_numbers(count, 280, out, progress=False),
                count,
                repeats=3,
            )
        results["cold_start"] = _cold_start_seconds(3 if quick else 7)
        for name, text in (("digits", DIGITS), ("phone", "090-1234-5678"), ("amount", "1,234.56")):
            results[f"contour_vs_ink_slowdown_{name}"] = interleaved_ratio(
                _loop(n, lambda t=text: generator.generate(t, (2, 8), 280)),
                _loop(n, lambda t=text: generator.generate(t, (2, 8), 280, spacing_mode="contour")),
                repeats=repeats,
            )
        results["module_vs_generate_slowdown"] = interleaved_ratio(
            _loop(n, lambda: generator.generate(DIGITS, (2, 8), 280)),
            _loop(n, lambda: generate_numbers_sequence(DIGITS, (2, 8), 280)),
            repeats=repeats,
        )
        if generator.dataset.has_writers:
            results["same_writer_vs_any_slowdown"] = interleaved_ratio(
                _loop(n, lambda: generator.generate(DIGITS, (2, 8), 280)),
                _loop(n, lambda: generator.generate(DIGITS, (2, 8), 280, writer="same")),
                repeats=repeats,
            )
    return results
