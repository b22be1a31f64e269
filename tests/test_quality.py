"""Static checks run with the suite, so "the tests pass" includes lint and types."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import number_generator

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "src", "tests", "benchmarks", "docs", "examples"],
        ["ruff", "format", "--check", "src", "tests", "benchmarks", "docs", "examples"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_static_check_is_clean(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- without torch
# The README's test command runs on a fresh venv with only the dev extra, where the
# optional PyTorch is missing: the static checks must not depend on it, its tests must
# skip there (and fail in CI), and importing the adapter must say which extra to install.

#: The top-level names the torch wheel installs.
_TORCH_NAMES = frozenset({"torch", "functorch", "torchgen"})


@pytest.fixture(scope="module")
def python_without_torch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv's ``python`` seeing every package installed here except PyTorch."""
    folder = tmp_path_factory.mktemp("no-torch")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(folder / "venv")
    python = folder / "venv" / "bin" / "python"
    target = Path(
        subprocess.run(
            [python, "-c", "import site; print(site.getsitepackages()[0])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    for packages in site.getsitepackages():
        for entry in Path(packages).iterdir():
            name = entry.name.split("-")[0]
            if name not in _TORCH_NAMES and not (target / entry.name).exists():
                (target / entry.name).symlink_to(entry)
    result = subprocess.run([python, "-c", "import torch"], capture_output=True, check=False)
    assert result.returncode != 0, "torch is still importable"
    return python


def _env(**changes: str | None) -> dict[str, str]:
    """This process's environment with ``changes`` (``None`` removes a variable)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(number_generator.__file__).parents[1]), env.get("PYTHONPATH", "")]
    )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def test_mypy_is_clean_without_torch(python_without_torch: Path, tmp_path: Path) -> None:
    command = ["--python-executable", str(python_without_torch), "--cache-dir", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("ci", [None, "true"], ids=["developer", "ci"])
def test_torch_docstrings_skip_without_torch_except_in_ci(
    python_without_torch: Path, ci: str | None
) -> None:
    selection = ["tests/test_docstrings.py", "-k", "number_generator.torch"]
    result = subprocess.run(
        [python_without_torch, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selection],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(CI=ci),
        check=False,
    )
    summary = result.stdout.strip().splitlines()[-1]
    if ci is None:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 skipped" in summary and "failed" not in summary, summary
    else:
        assert result.returncode == 1, result.stdout + result.stderr
        assert "1 failed" in summary, summary


def test_importing_the_torch_adapter_without_torch_names_the_extra(
    python_without_torch: Path,
) -> None:
    result = subprocess.run(
        [python_without_torch, "-c", "import number_generator.torch"],
        capture_output=True,
        text=True,
        env=_env(),
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: number_generator.torch needs PyTorch (torch is not installed): "
        "pip install 'handwritten-digit-strings[torch]' (see the README for the CPU-only wheel)"
    )
