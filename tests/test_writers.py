"""Writers: who wrote each glyph (QMNIST's extended labels for MNIST), loaded, checked, carried."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from _helpers import idx_bytes, tiny_glyphs, write_idx
from _http_server import MirrorServer
from number_generator import DigitDataset, load_mnist
from number_generator.datasets import MNIST, RegisteredDataset, Resource, load_npz
from number_generator.datasets.idx import read_idx_int
from number_generator.errors import (
    ChecksumError,
    CorruptDatasetError,
    InvalidParameterError,
)

WRITERS_FILE = MNIST.writers_resources["test"].file_name
MNIST_FILES = [resource.file_name for resource in MNIST.resources["test"]]


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "decoded-cache"
    monkeypatch.setenv("NUMBER_GENERATOR_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def mnist_only(tmp_path: Path, mnist_dir: Path) -> Path:
    """A data folder holding the MNIST test split and no writers file."""
    folder = tmp_path / "mnist-only"
    folder.mkdir()
    for name in MNIST_FILES:
        (folder / name).symlink_to(mnist_dir / name)
    return folder


# --------------------------------------------------------------------------- DigitDataset


def test_writers_default_to_unknown_and_are_carried_by_subset() -> None:
    images, labels = tiny_glyphs(6)
    plain = DigitDataset(images, labels)
    assert plain.writers.dtype == np.int32
    assert plain.writers.tolist() == [-1] * 6
    assert not plain.has_writers

    ds = DigitDataset(images, labels, writers=[7, 7, 8, 8, 9, -1])
    assert ds.has_writers
    assert ds.writers.dtype == np.int32
    assert ds.subset([1, 2, 5]).writers.tolist() == [7, 8, -1]
    assert ds.subset(ds.labels % 2 == 0).writers.tolist() == [7, 8, 9]


@pytest.mark.parametrize(
    ("writers", "message"),
    [
        ([1, 2, 3], "writers: expected 6 integer writer ids to match the images, got int64 with "),
        ([0.5] * 6, "writers: expected 6 integer writer ids to match the images, got float64"),
        ([0, 1, 2, 3, 4, -2], "writers: -2 is not a writer id (0 to 2**31 - 1, or -1 for unknown)"),
        ([0, 1, 2, 3, 4, 2**31], "writers: 2147483648 is not a writer id"),
    ],
    ids=["too-few", "floats", "below-minus-one", "too-big"],
)
def test_bad_writers_are_refused(writers: list[float], message: str) -> None:
    images, labels = tiny_glyphs(6)
    with pytest.raises(InvalidParameterError, match=re.escape(message)) as info:
        DigitDataset(images, labels, writers=writers)
    assert info.value.param == "writers"


# --------------------------------------------------------------------------- read_idx_int


def test_read_idx_int_reads_qmnist_extended_labels(
    qmnist_dir: Path, mnist_test: DigitDataset
) -> None:
    table = read_idx_int(qmnist_dir / WRITERS_FILE)
    assert (table.shape, table.dtype) == ((60000, 8), np.int32)
    np.testing.assert_array_equal(table[:10000, 0], mnist_test.labels)
    assert set(np.unique(table[:10000, 1]).tolist()) == {0, 4}  # NIST HSF series


def test_read_idx_int_refuses_other_idx_files(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "labels-idx1-ubyte", np.arange(5, dtype=np.uint8))
    with pytest.raises(
        CorruptDatasetError,
        match=re.escape(f"{path}: expected an IDX table of int32 (magic 0x00000C02, shape "),
    ):
        read_idx_int(path)


# --------------------------------------------------------------------------- MNIST writers


def test_mnist_test_writers_come_from_qmnist(mnist_test: DigitDataset) -> None:
    writers = mnist_test.writers
    assert writers.shape == (10000,)
    assert writers.min() >= 0
    assert np.unique(writers).size == 297
    assert mnist_test.writers_hint == ""
    per_writer_classes = {
        int(w): np.unique(mnist_test.labels[writers == w]).size for w in np.unique(writers)
    }
    assert sum(count == 10 for count in per_writer_classes.values()) == 124


def test_folder_without_the_writers_file_loads_offline_with_writers_unknown(
    mnist_only: Path, fresh_cache: Path
) -> None:
    dataset = load_mnist("test", mnist_only)

    assert len(dataset) == 10000
    assert not dataset.has_writers
    assert dataset.writers_hint == (
        f"The writer ids of mnist test come from {WRITERS_FILE} in {mnist_only}, and it is not "
        f"there: run `number-generator download --split test --data-dir {mnist_only}` (set "
        "NUMBER_GENERATOR_MIRRORS to a mirror that has it if needed), or copy the file there by "
        f"hand from {MNIST.writers_mirrors[0]}{WRITERS_FILE}, or set NUMBER_GENERATOR_DATA_DIR "
        "to a folder holding every file."
    )
    assert sorted(p.name for p in mnist_only.iterdir()) == sorted(MNIST_FILES)


def test_a_writers_file_with_a_wrong_hash_is_refused(mnist_only: Path, fresh_cache: Path) -> None:
    (mnist_only / WRITERS_FILE).write_bytes(b"not the published file")
    with pytest.raises(ChecksumError, match=re.escape(f"{mnist_only / WRITERS_FILE}: SHA-256 is ")):
        load_mnist("test", mnist_only)


def test_mnist_writers_urls_are_the_qmnist_repository() -> None:
    assert MNIST.writers_mirrors == (
        "https://raw.githubusercontent.com/facebookresearch/qmnist/master/",
    )
    assert set(MNIST.writers_resources) == {"train", "test"}


# --------------------------------------------------------------------------- a registered set


def _writers_table(labels: np.ndarray, writers: np.ndarray, extra_rows: int = 0) -> np.ndarray:
    table = np.zeros((labels.size + extra_rows, 8), np.int32)
    table[: labels.size, 0] = labels
    table[: labels.size, 2] = writers
    return table


def _tiny_set(folder: Path, table: np.ndarray) -> type[RegisteredDataset]:
    """A registered (unlisted) set of 10 glyphs whose writers file holds ``table``."""
    images, labels = tiny_glyphs(10)
    files = {
        "x-images-idx3-ubyte.gz": images,
        "x-labels-idx1-ubyte.gz": labels,
        "x-writers-idx2-int.gz": table,
    }
    digests = {
        name: hashlib.sha256(write_idx(folder / name, array).read_bytes()).hexdigest()
        for name, array in files.items()
    }

    class Tiny(RegisteredDataset, register=False):
        name = "tiny"
        mirrors = ()
        resources = {  # noqa: RUF012
            "x": (
                Resource("x-images-idx3-ubyte.gz", digests["x-images-idx3-ubyte.gz"]),
                Resource("x-labels-idx1-ubyte.gz", digests["x-labels-idx1-ubyte.gz"]),
            )
        }
        writers_resources = {  # noqa: RUF012
            "x": Resource("x-writers-idx2-int.gz", digests["x-writers-idx2-int.gz"])
        }
        default_split = "x"

    return Tiny


def test_registered_set_reads_the_first_rows_of_its_writers_file(
    tmp_path: Path, fresh_cache: Path
) -> None:
    labels = np.arange(10) % 10
    writers = np.array([5, 5, 6, 6, 7, 7, 8, 8, 2100, 2599])
    tiny = _tiny_set(tmp_path, _writers_table(labels, writers, extra_rows=3))

    first = tiny.load("x", tmp_path)
    again = tiny.load("x", tmp_path)  # from the decoded-array cache

    assert first.writers.tolist() == writers.tolist()
    assert again.writers.tolist() == writers.tolist()
    assert tiny.load("all", tmp_path).writers.tolist() == writers.tolist()


def test_writers_file_of_other_digits_is_refused(tmp_path: Path, fresh_cache: Path) -> None:
    labels = np.arange(10) % 10
    shuffled = labels.copy()
    shuffled[[3, 4]] = shuffled[[4, 3]]
    tiny = _tiny_set(tmp_path, _writers_table(shuffled, np.arange(10)))

    with pytest.raises(
        CorruptDatasetError,
        match=re.escape(
            f"{tmp_path / 'x-writers-idx2-int.gz'}: the classes of its first 10 rows do not "
            "match the labels of tiny x (2 differ; row 3: 4 against 3); it is not the writers "
            "file of this split"
        ),
    ):
        tiny.load("x", tmp_path)


def test_writers_file_shorter_than_the_split_is_refused(tmp_path: Path, fresh_cache: Path) -> None:
    labels = np.arange(8) % 10
    tiny = _tiny_set(tmp_path, _writers_table(labels, np.arange(8)))
    with pytest.raises(CorruptDatasetError, match="holds 8 rows, but tiny x has 10 glyphs"):
        tiny.load("x", tmp_path)


# --------------------------------------------------------------------------- downloads


@pytest.fixture
def writers_server(qmnist_dir: Path) -> Iterator[MirrorServer]:
    with MirrorServer({WRITERS_FILE: (qmnist_dir / WRITERS_FILE).read_bytes()}) as server:
        yield server


@pytest.mark.network
def test_download_fetches_the_missing_writers_file_from_its_own_mirrors(
    mnist_only: Path,
    fresh_cache: Path,
    writers_server: MirrorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(MNIST, "mirrors", ("http://127.0.0.1:9/never/",))
    monkeypatch.setattr(MNIST, "writers_mirrors", (writers_server.url("qmnist"),))
    assert not load_mnist("test", mnist_only).has_writers  # loading alone stays offline
    assert writers_server.count() == 0

    paths = MNIST.download("test", mnist_only)

    assert paths[-1] == mnist_only / WRITERS_FILE
    assert writers_server.requests == [f"/qmnist/{WRITERS_FILE}"]
    assert hashlib.sha256(paths[-1].read_bytes()).hexdigest() == (
        MNIST.writers_resources["test"].known_hash
    )
    assert np.unique(load_mnist("test", mnist_only).writers).size == 297


@pytest.mark.network
def test_failed_writers_download_during_a_first_load_leaves_writers_unknown(
    tmp_path: Path,
    mnist_dir: Path,
    fresh_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    files = {name: (mnist_dir / name).read_bytes() for name in MNIST_FILES}
    with MirrorServer(files) as server:  # the glyphs, not the writers file
        monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", server.url())
        folder = tmp_path / "fresh"
        dataset = load_mnist("test", folder)
    assert len(dataset) == 10000
    assert not dataset.has_writers
    assert "downloading it failed: run `number-generator download" in dataset.writers_hint
    assert f"{WRITERS_FILE}: writer ids left unknown: could not download" in caplog.text


def test_idx_table_helper_round_trips(tmp_path: Path) -> None:
    table = np.arange(24, dtype=np.int32).reshape(3, 8) - 5
    path = tmp_path / "t-idx2-int.gz"
    path.write_bytes(gzip.compress(idx_bytes(table)))
    np.testing.assert_array_equal(read_idx_int(path), table)


# --------------------------------------------------------------------------- local files


def test_npz_with_w_arrays_gives_writers(tmp_path: Path) -> None:
    images, labels = tiny_glyphs(6)
    path = tmp_path / "digits.npz"
    np.savez(path, x_a=images[:4], y_a=labels[:4], w_a=[3, 3, 4, 4], x_b=images[4:], y_b=labels[4:])
    assert load_npz(path).writers.tolist() == [3, 3, 4, 4, -1, -1]
    assert load_npz(path, split="a").has_writers
    assert not load_npz(path, split="b").has_writers


@pytest.mark.parametrize(
    ("writers", "message"),
    [
        ([1, 2, 3], r"w_a must hold 4 integer writer ids to match x_a, got int64 \(3,\)"),
        ([0.5] * 4, r"w_a must hold 4 integer writer ids to match x_a, got float64"),
        ([1, 2, 3, -4], r"w_a holds -4; writer ids are >= -1"),
    ],
    ids=["short", "floats", "negative"],
)
def test_npz_with_bad_writers_is_refused(
    tmp_path: Path, writers: list[float], message: str
) -> None:
    images, labels = tiny_glyphs(4)
    path = tmp_path / "digits.npz"
    np.savez(path, x_a=images, y_a=labels, w_a=writers)
    with pytest.raises(CorruptDatasetError, match=message):
        load_npz(path)


def test_writers_table_without_a_writer_column_is_refused(
    tmp_path: Path, fresh_cache: Path
) -> None:
    labels = np.arange(10) % 10
    tiny = _tiny_set(tmp_path, np.stack([labels, labels]).T.astype(np.int32))
    with pytest.raises(
        CorruptDatasetError, match=r"needs columns 0 \(class\) and 2 \(writer\), but it has 2"
    ):
        tiny.load("x", tmp_path)
