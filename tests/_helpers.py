"""Helpers shared by the tests: optional dependencies, small fake-data writers."""

from __future__ import annotations

import gzip
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt


def run_cli(argv: list[str], capsys: Any) -> tuple[int, str, str]:
    """Run ``number-generator argv`` in this process: its exit code, stdout and stderr
    (``capsys`` is pytest's fixture)."""
    from number_generator.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def json_from_python(code: str, env: dict[str, str] | None = None) -> Any:
    """Run ``code`` in a fresh interpreter (this environment, or ``env``): the JSON value
    its last line of output holds."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    return json.loads(done.stdout.splitlines()[-1])


def require(module: str) -> ModuleType:
    """Import an optional dependency the tests need.

    Missing on a developer's machine: the calling module is skipped. Missing in CI
    (``CI`` set; ``.ci/run`` installs everything): an ImportError, so a test cannot
    silently stop running there.
    """
    if os.environ.get("CI"):
        return importlib.import_module(module)
    import pytest

    return pytest.importorskip(module)


_TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array: npt.NDArray[np.generic]) -> bytes:
    """The IDX encoding of ``array``: magic number, big-endian dimensions, big-endian data."""
    code = _TYPE_CODES[array.dtype.kind + str(array.dtype.itemsize)]
    header = bytes([0, 0, code, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: npt.NDArray[np.generic]) -> Path:
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in ``.gz``."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)
    return path


def tiny_glyphs(
    count: int, *, seed: int = 0
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """``count`` 28x28 white-on-black glyphs, each a random bar, and labels cycling 0-9."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, 28, 28), np.uint8)
    for image in images:
        top, left = rng.integers(2, 14, size=2)
        image[top : top + 10, left : left + int(rng.integers(2, 10))] = rng.integers(64, 256)
    return images, (np.arange(count) % 10).astype(np.uint8)
