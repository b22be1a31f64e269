"""The distribution's name: ours on PyPI (``number-generator`` there is an unrelated project)."""

from __future__ import annotations

import re
from pathlib import Path

from number_generator._version import DISTRIBUTION

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_names_the_distribution_and_its_own_extras() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert re.findall(r'^name = "(.+)"$', text, re.M) == [DISTRIBUTION]
    assert DISTRIBUTION == "handwritten-digit-strings"
    # The dev extra pulls the other extras by the project's own name.
    assert re.findall(r'^    "([\w-]+)\[(?:distributed|service)\]",$', text, re.M) == [
        DISTRIBUTION,
        DISTRIBUTION,
    ]
    # The commands keep their names; the import name is number_generator.
    scripts = text.split("[project.scripts]")[1].split("\n\n")[0]
    assert re.findall(r"^([\w-]+) = \"number_generator\.cli:", scripts, re.M) == [
        "generate-numbers-sequence", "generate-phone-numbers", "number-generator"
    ]  # fmt: skip


def test_install_hints_name_our_distribution() -> None:
    """No message or document tells users to install the other project."""
    wrong = re.compile(r"number-generator\[|pip install number-generator\b")
    for path in [*ROOT.glob("src/**/*.py"), ROOT / "README.md", ROOT / "deploy" / "Dockerfile",
                 *ROOT.glob("examples/*.py"), *ROOT.glob("docs/*.md")]:  # fmt: skip
        assert not wrong.search(path.read_text()), path
