"""Run every ``benchmarks/bench_*.py`` and print one JSON report.

Usage: ``python benchmarks/run.py [--quick] [--only NAME] [--output FILE]``

Each ``bench_*.py`` module defines ``run(quick: bool) -> dict``. Figures are
medians over repeated runs on one pinned core; compare them as ratios.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from pathlib import Path

from _timing import print_report

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke run)")
    parser.add_argument("--only", action="append", default=[], help="run only bench_NAME.py")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import number_generator

    report: dict[str, object] = {
        "version": number_generator.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "quick": args.quick,
        "results": {},
    }
    results: dict[str, object] = {}
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if args.only and name not in args.only:
            continue
        module = importlib.import_module(path.stem)
        results[name] = module.run(args.quick)
    report["results"] = results
    print_report(report, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
