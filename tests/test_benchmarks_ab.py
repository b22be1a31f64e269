"""benchmarks/ab.py: the A/B report against another commit's code, and its bad-input error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AB = ROOT / "benchmarks" / "ab.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(AB), *args], capture_output=True, text=True, check=False, cwd=ROOT
    )


def test_ab_reports_both_sides_and_the_speedup_of_each_row() -> None:
    # This checkout's own src as the baseline: both sides run the same code.
    done = _run(
        "--baseline", str(ROOT / "src"), "--quick", "--rounds", "2",
        "--only", "generate_pad_10_digits_w280", "--only", "cold_start",
        "--only", "cli_cold_start",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rounds"] == 2
    assert set(report["rows"]) == {"generate_pad_10_digits_w280", "cold_start", "cli_cold_start"}
    for row in report["rows"].values():
        for side in ("this", "baseline"):
            assert row[side]["per_s"] > 0
            assert row[side]["cpu_s_per_image"] > 0
            assert row[side]["others_cpu_s"] >= 0  # what other processes used meanwhile
        assert row["speedup"] > 0
    assert len(report["load_before"]) == len(report["load_after"]) == 3


def test_others_is_the_machines_busy_time_less_the_runs_own() -> None:
    sys.path.insert(0, str(AB.parent))
    try:
        import ab
    finally:
        sys.path.remove(str(AB.parent))
    before = ab.busy_seconds()
    assert before is not None and before > 0
    run = ab.with_others({"cpu": 0.0, "items": 1, "wall": 0.0}, before)
    assert run["others"] >= 0
    assert "others" not in ab.with_others({"cpu": 0.0, "items": 1, "wall": 0.0}, None)


def test_ab_refuses_an_unknown_baseline_with_one_line_and_exit_2() -> None:
    done = _run("--baseline", "no-such-revision-xyz", "--only", "cold_start")
    assert done.returncode == 2
    assert done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert "--baseline: 'no-such-revision-xyz' is neither a folder nor a git revision" in last
