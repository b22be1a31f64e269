"""Shared fixtures: the real MNIST test split from ../shared/data/mnist with its writers
(QMNIST's extended labels, ../shared/data/qmnist), isolated caches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from number_generator import DigitDataset, SequenceGenerator, load_mnist

REPO_ROOT = Path(__file__).resolve().parents[1]
MNIST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
QMNIST_FILES = ("qmnist-test-labels-idx2-int.gz", "qmnist-train-labels-idx2-int.gz")


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


def _find_qmnist_dir() -> Path:
    """Where the shared QMNIST extended label files are: beside the MNIST files (a data
    folder holding both, as the one these tests make), in ``<mnist dir>/../qmnist``, or in
    ``../shared/data/qmnist`` beside the clone."""
    candidates = [
        MNIST_DIR,
        MNIST_DIR.parent / "qmnist",
        REPO_ROOT.parent / "shared" / "data" / "qmnist",
    ]
    for folder in candidates:
        if all((folder / name).is_file() for name in QMNIST_FILES):
            return folder
    raise pytest.UsageError(
        f"QMNIST's extended label files ({', '.join(QMNIST_FILES)}) were not found in "
        f"{', '.join(map(str, candidates))}: they give the writer of each MNIST digit; put "
        "them in ../shared/data/qmnist beside the clone or beside the MNIST folder"
    )


MNIST_DIR = _find_mnist_dir()
QMNIST_DIR = _find_qmnist_dir()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder holding (as links) the MNIST test split and QMNIST's writer files."""
    folder = tmp_path_factory.mktemp("mnist-data")
    for source, names in ((MNIST_DIR, MNIST_FILES), (QMNIST_DIR, QMNIST_FILES)):
        for name in names:
            (folder / name).symlink_to(source / name)
    return folder


@pytest.fixture(scope="session", autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> Iterator[None]:
    """Point the library at the shared MNIST test split with its writers and a private
    decoded cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NUMBER_GENERATOR_DATA_DIR", str(data_dir))
        patch.setenv("NUMBER_GENERATOR_SPLIT", "test")
        patch.setenv("NUMBER_GENERATOR_CACHE_DIR", str(tmp_path_factory.mktemp("decoded")))
        patch.delenv("NUMBER_GENERATOR_MIRRORS", raising=False)
        yield


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """Folder holding the real MNIST test split (read-only) and no writers file."""
    return MNIST_DIR


@pytest.fixture(scope="session")
def qmnist_dir() -> Path:
    """Folder holding QMNIST's extended label files (read-only)."""
    return QMNIST_DIR


@pytest.fixture(scope="session")
def mnist_test(_isolated_environment: None, data_dir: Path) -> DigitDataset:
    """The real MNIST test split, 10,000 glyphs, with the writer of each."""
    return load_mnist("test", data_dir)


@pytest.fixture
def generator(mnist_test: DigitDataset) -> SequenceGenerator:
    """A generator over the MNIST test split with a fixed seed."""
    return SequenceGenerator(mnist_test, seed=0)
