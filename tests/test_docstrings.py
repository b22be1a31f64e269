"""Every docstring example in the package runs offline and shows what it claims."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import number_generator
from _helpers import require

#: Modules of an optional extra -> the dependency they need: without it their examples
#: are skipped on a developer's machine and fail in CI (see ``require``).
OPTIONAL = {"number_generator.torch": "torch"}

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(number_generator.__path__, "number_generator.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES, ids=str)
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    if name in OPTIONAL:
        require(OPTIONAL[name])
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
