"""Timing helpers for the benchmarks: medians over repeated runs, on one core."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """Run the enclosed code on a single core (targets are quoted per core)."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def throughput(work: Callable[[], Any], items: int, *, repeats: int = 7) -> dict[str, float]:
    """Items per second of ``work`` (which handles ``items`` items), median of ``repeats`` runs.

    One untimed warm-up run comes first.
    """
    work()
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        rates.append(items / (time.perf_counter() - start))
    return {
        "median_per_s": round(statistics.median(rates), 1),
        "min_per_s": round(min(rates), 1),
        "max_per_s": round(max(rates), 1),
        "repeats": repeats,
    }


def interleaved_ratio(
    baseline: Callable[[], Any], candidate: Callable[[], Any], *, repeats: int = 7
) -> float:
    """Median over ``repeats`` of time(candidate) / time(baseline), run alternately.

    Alternating the two makes the ratio robust to load that drifts during the run.
    """
    baseline()
    candidate()
    ratios = []
    for _ in range(repeats):
        start = time.perf_counter()
        baseline()
        middle = time.perf_counter()
        candidate()
        ratios.append((time.perf_counter() - middle) / (middle - start))
    return round(statistics.median(ratios), 3)


def print_report(report: dict[str, Any], output: Path | None) -> None:
    """Print ``report`` as indented JSON, and write it to ``output`` too when given."""
    text = json.dumps(report, indent=2)
    print(text)
    if output:
        output.write_text(text + "\n")
