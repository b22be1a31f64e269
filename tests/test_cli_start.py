"""A command's own process: what it loads, and the OpenBLAS threads it does not start."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _helpers import json_from_python
from number_generator._util.threads import BLAS_THREAD_VARIABLES
from number_generator.cli import main

#: Runs an entry point as its console script does (no ``argv``: the process's own command
#: line), then prints the exit code, the thread variables and the loaded modules.
SCRIPT = """
import json, os, sys
from number_generator import cli
loaded_first = sorted(sys.modules)
sys.argv = {argv!r}
code = getattr(cli, {entry!r})()
print(json.dumps([code, {{name: os.environ.get(name) for name in {names!r}}},
                  loaded_first, sorted(sys.modules)]))
"""


def run_entry(
    entry: str, argv: list[str], env: dict[str, str]
) -> tuple[int, dict[str, str | None], set[str], set[str]]:
    """Exit code, thread variables, modules loaded by the import and after the run."""
    script = SCRIPT.format(argv=argv, entry=entry, names=BLAS_THREAD_VARIABLES)
    code, variables, first, last = json_from_python(script, env)
    return code, variables, set(first), set(last)


def environment(**variables: str) -> dict[str, str]:
    """This test's environment without any thread variable, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    return {**env, **variables}


def test_a_command_sets_one_blas_thread_before_numpy_loads(tmp_path: Path) -> None:
    argv = ["generate-numbers-sequence", "0123", "--output-path", str(tmp_path)]
    code, variables, first, _ = run_entry("generate_numbers_sequence_main", argv, environment())
    assert code == 0 and (tmp_path / "0123.png").is_file()
    assert variables == {
        "OPENBLAS_NUM_THREADS": "1",
        "GOTO_NUM_THREADS": None,
        "OMP_NUM_THREADS": None,
    }
    assert "numpy" not in first  # set in time: OpenBLAS reads it when NumPy loads it


@pytest.mark.parametrize("name", BLAS_THREAD_VARIABLES)
def test_a_thread_count_the_user_set_is_kept(tmp_path: Path, name: str) -> None:
    argv = ["generate-phone-numbers", "--num-images", "2", "--output-path", str(tmp_path)]
    code, variables, _, _ = run_entry(
        "generate_phone_numbers_main", argv, environment(**{name: "3"})
    )
    assert code == 0 and (tmp_path / "labels.csv").is_file()
    assert variables == {other: "3" if other == name else None for other in BLAS_THREAD_VARIABLES}


def test_a_call_with_arguments_leaves_the_environment_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A program calling the CLI in-process keeps its own thread settings."""
    for name in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert main(["sequence", "42", "--output-path", str(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "42.png")
    assert [name for name in BLAS_THREAD_VARIABLES if name in os.environ] == []


#: Code a command that draws digit strings into PNGs never needs (tqdm: no progress bar is
#: shown when standard error is not a terminal, as here).
NOT_DRAWING = (
    "tqdm",
    "number_generator.export",
    "number_generator.preview",
    "number_generator.augment",
    "number_generator.cli.data",
    "number_generator.cli.dataset",
)


@pytest.mark.parametrize(
    ("entry", "argv"),
    [
        ("generate_numbers_sequence_main", ["generate-numbers-sequence", "090-1234"]),
        ("generate_phone_numbers_main", ["generate-phone-numbers", "--num-images", "1"]),
        ("main", ["number-generator", "phone", "--num-images", "1"]),
    ],
    ids=["generate-numbers-sequence", "generate-phone-numbers", "number-generator-phone"],
)
def test_a_drawing_command_loads_no_export_nor_augmentation(
    tmp_path: Path, entry: str, argv: list[str]
) -> None:
    code, _, _, loaded = run_entry(entry, [*argv, "--output-path", str(tmp_path)], environment())
    assert code == 0 and list(tmp_path.glob("*.png"))
    assert sorted(loaded & set(NOT_DRAWING)) == []


def test_every_subcommand_is_listed_and_builds(capsys: pytest.CaptureFixture[str]) -> None:
    """The top-level help names every command; each command's own help builds its options."""
    with pytest.raises(SystemExit) as top:
        main(["--help"])
    listing = capsys.readouterr().out
    assert top.value.code == 0
    for command, flag in [
        ("sequence", "--output-path"),
        ("phone", "--num-images"),
        ("download", "--dataset"),
        ("datasets", "--data-dir"),
        ("dataset", "--shard-size"),
        ("serve", "--port"),
        ("preview", "--rows"),
    ]:
        assert command in listing
        with pytest.raises(SystemExit) as sub:
            main([command, "--help"])
        assert sub.value.code == 0 and flag in capsys.readouterr().out, command
