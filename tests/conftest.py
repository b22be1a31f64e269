"""Shared fixtures: the real MNIST test split from ../shared/data/mnist, isolated caches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from number_generator import DigitDataset, SequenceGenerator, load_mnist

REPO_ROOT = Path(__file__).resolve().parents[1]
MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _find_mnist_dir() -> Path:
    candidates = [
        os.environ.get("NUMBER_GENERATOR_TEST_DATA", ""),
        os.environ.get("NUMBER_GENERATOR_DATA_DIR", ""),
        str(REPO_ROOT.parent / "shared" / "data" / "mnist"),
    ]
    for candidate in filter(None, candidates):
        folder = Path(candidate)
        if all((folder / name).is_file() for name in MNIST_FILES):
            return folder
    raise pytest.UsageError(
        "the real MNIST test split was not found: put t10k-*-ubyte.gz in ../shared/data/mnist "
        "beside the clone, or point NUMBER_GENERATOR_TEST_DATA at the folder holding them"
    )


MNIST_DIR = _find_mnist_dir()


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point the library at the shared MNIST test split and a private decoded cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NUMBER_GENERATOR_DATA_DIR", str(MNIST_DIR))
        patch.setenv("NUMBER_GENERATOR_SPLIT", "test")
        patch.setenv("NUMBER_GENERATOR_CACHE_DIR", str(tmp_path_factory.mktemp("decoded")))
        patch.delenv("NUMBER_GENERATOR_MIRRORS", raising=False)
        yield


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """Folder holding the real MNIST test split (read-only)."""
    return MNIST_DIR


@pytest.fixture(scope="session")
def mnist_test(_isolated_environment: None) -> DigitDataset:
    """The real MNIST test split, 10,000 glyphs."""
    return load_mnist("test", MNIST_DIR)


@pytest.fixture
def generator(mnist_test: DigitDataset) -> SequenceGenerator:
    """A generator over the MNIST test split with a fixed seed."""
    return SequenceGenerator(mnist_test, seed=0)
