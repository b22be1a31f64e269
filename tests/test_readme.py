"""The README's examples run as written (offline, against the shared MNIST test split)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from _helpers import require
from number_generator._util.text import OFF_WORDS, ON_WORDS
from number_generator.cli import generate_numbers_sequence_main

README = Path(__file__).resolve().parents[1] / "README.md"
CI_RUN = README.parent / ".ci" / "run"
BIN = Path(sys.executable).parent
OUR_COMMANDS = ("generate-numbers-sequence", "generate-phone-numbers", "number-generator")
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(language: str) -> list[str]:
    return [body for lang, body in FENCE.findall(README.read_text()) if lang == language]


def command_argv(command: str) -> list[str] | None:
    """argv for one of our commands, or None for anything else (pip, venv …)."""
    argv = shlex.split(command)
    if argv[0] in OUR_COMMANDS:
        return [str(BIN / argv[0]), *argv[1:]]
    if argv[:3] == ["python", "-m", "number_generator"]:
        return [sys.executable, *argv[1:]]
    return None


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=dict(os.environ),
    )


@pytest.mark.parametrize("index", range(len(blocks("python"))), ids=lambda i: f"python-{i}")
def test_python_examples(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code = blocks("python")[index]
    if re.search(r"^(import|from) torch\b", code, re.M):
        require("torch")  # PyTorch is optional (installed in CI): skipped without it elsewhere
    exec(compile(code, f"README.md python block {index}", "exec"), {"__name__": "__readme__"})


def test_shell_examples(tmp_path: Path) -> None:
    ran = 0
    for body in blocks("sh"):
        for line in body.splitlines():
            for command in line.split("&&"):
                argv = command_argv(command.strip())
                if argv is None:
                    continue
                result = run(argv, tmp_path)
                assert result.returncode == 0, f"{command.strip()}\n{result.stderr}"
                ran += 1
    assert ran >= 7
    assert len(list((tmp_path / "phones").glob("*.png"))) == 100
    assert (tmp_path / "out" / "0901234567.png").is_file()
    assert (tmp_path / "out" / "09012345678.png").is_file(), "separators drawn, not in the name"
    assert (tmp_path / "out" / "pi.png").is_file()


def test_console_transcripts(tmp_path: Path) -> None:
    for body in blocks("console"):
        lines = body.splitlines()
        command, expected = lines[0].removeprefix("$ "), "\n".join(lines[1:])
        argv = command_argv(command)
        assert argv is not None, command
        result = run(argv, tmp_path)
        assert (result.stdout + result.stderr).strip() == expected.strip()
        assert result.returncode == (2 if "error:" in expected else 0)


def test_ci_runs_the_readme_test_command() -> None:
    test_line = next(
        line for body in blocks("sh") for line in body.splitlines() if line.endswith("pytest")
    )
    steps = [step.strip() for step in test_line.split("&&")]
    script = CI_RUN.read_text()
    commands = [
        line.strip()
        for line in script.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert commands[-1] == steps[-1] == "pytest"
    assert "python3 -m venv .venv" in steps and "python3 -m venv .venv" in script
    assert 'pip install -e ".[dev]"' in steps
    assert re.search(r'pip install (--quiet )?-e "\.\[dev[^"]*\]"', script)


CPU_TORCH = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


def test_the_torch_extra_is_installed_after_the_cpu_build() -> None:
    """``pip install ".[torch]"`` alone takes PyPI's CUDA build (GBs), not the CPU one.

    Every README command installing the extra follows, in its block, the install of
    the CPU build from PyTorch's index, so the extra finds ``torch`` and adds nothing.
    """
    extra = re.compile(r"pip install .*\[[^\]]*\btorch\b")
    found = 0
    for _, body in FENCE.findall(README.read_text()):
        lines = [line.split("#")[0].strip() for line in body.splitlines()]
        for index, line in enumerate(lines):
            if extra.search(line):
                found += 1
                assert CPU_TORCH in lines[:index], f"{line!r} without {CPU_TORCH!r} before it"
    assert found >= 2


def test_the_on_and_off_words_are_documented(capsys: pytest.CaptureFixture[str]) -> None:
    """Every on and off word of ``augment`` is in the README's table and --augment's help."""
    rows = {
        line.split("|")[2].strip(): line.split("|")[1]
        for line in README.read_text().splitlines()
        if line.startswith("| ") and line.count("|") == 3
    }
    off, on = rows["off (the default)"], rows['the `"medium"` preset']
    assert set(re.findall(r'"([^"]*)"', off)) == set(OFF_WORDS)
    assert set(re.findall(r'"([^"]*)"', on)) == set(ON_WORDS)
    with pytest.raises(SystemExit):
        generate_numbers_sequence_main(["--help"])
    usage = " ".join(capsys.readouterr().out.split())
    help_text = usage[usage.index("--augment PRESET, -a PRESET") :].split(" --seed")[0]
    for word in (ON_WORDS | OFF_WORDS) - {""}:
        assert re.search(rf"\b{word}\b", help_text), word
