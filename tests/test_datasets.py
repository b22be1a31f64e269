"""Digit sources: MNIST on real data, the decoded-array cache, .npz / IDX / PNG folders."""

from __future__ import annotations

import gzip
import hashlib
import io
import mmap
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import numpy.typing as npt
import platformdirs
import pytest

import number_generator.datasets.download as download_module
import number_generator.datasets.idx as idx_module
from _helpers import tiny_glyphs, write_idx
from number_generator import (
    DATASETS,
    MNIST,
    ChecksumError,
    CorruptDatasetError,
    DatasetNotFoundError,
    DigitDataset,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
    get_mnist_data,
    load_dataset,
    load_mnist,
    load_npz,
    load_png_folder,
)
from number_generator.datasets import (
    RegisteredDataset,
    Resource,
    compute_ink_extents,
    data_dir_for,
    load_idx_folder,
)

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
IMAGES = "t10k-images-idx3-ubyte.gz"
LABELS = "t10k-labels-idx1-ubyte.gz"


@pytest.fixture(autouse=True)
def _no_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests work on local files only: any download attempt is a test failure."""

    def refuse(file_name: str, *args: object, **kwargs: object) -> Path:
        pytest.fail(f"unexpected download of {file_name}")

    monkeypatch.setattr(download_module, "fetch_file", refuse)


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty decoded-array cache folder for this test only."""
    folder = tmp_path / "decoded-cache"
    monkeypatch.setenv("NUMBER_GENERATOR_CACHE_DIR", str(folder))
    return folder


def copy_mnist(mnist_dir: Path, dest: Path) -> Path:
    """Copy the real test split into ``dest`` (writable, modification times preserved)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in (IMAGES, LABELS):
        shutil.copy2(mnist_dir / name, dest / name)
        os.chmod(dest / name, 0o644)
    return dest


@pytest.fixture
def count_idx_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every IDX file the dataset loader parses."""
    calls: list[Path] = []
    real_read_idx = idx_module.read_idx

    def counting(path: str | Path) -> npt.NDArray[np.generic]:
        calls.append(Path(path))
        return real_read_idx(path)

    monkeypatch.setattr(idx_module, "read_idx", counting)
    return calls


def is_memory_mapped(array: np.ndarray) -> bool:
    base: Any = array
    while base is not None:
        if isinstance(base, (np.memmap, mmap.mmap)):
            return True
        base = getattr(base, "base", None)
    return False


# --------------------------------------------------------------------------- MNIST, real data


def test_mnist_test_split(mnist_test: DigitDataset) -> None:
    assert len(mnist_test) == 10000
    assert mnist_test.images.shape == (10000, 28, 28)
    assert mnist_test.images.dtype == np.uint8
    assert mnist_test.labels.shape == (10000,)
    assert mnist_test.labels.dtype == np.uint8
    assert mnist_test.glyph_shape == (28, 28)
    assert (mnist_test.name, mnist_test.split) == ("mnist", "test")
    assert np.bincount(mnist_test.labels, minlength=10).tolist() == MNIST_TEST_COUNTS
    assert repr(mnist_test) == "<DigitDataset 'mnist', split='test': 10000 glyphs (28, 28)>"
    # White ink on black, as MNIST stores it.
    assert mnist_test.images.max() == 255
    assert np.median(mnist_test.images[:, 0, :]) == 0


def test_load_mnist_known_glyphs(mnist_test: DigitDataset) -> None:
    # The first test labels of MNIST, as published.
    assert mnist_test.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def _brute_force_extents(glyph: np.ndarray) -> list[int]:
    rows, cols = np.nonzero(glyph)
    if rows.size == 0:
        return [0, 0, 0, 0]
    return [int(cols.min()), int(cols.max()) + 1, int(rows.min()), int(rows.max()) + 1]


def test_ink_extents_match_brute_force_on_real_glyphs(mnist_test: DigitDataset) -> None:
    expected = [_brute_force_extents(glyph) for glyph in mnist_test.images]
    assert mnist_test.ink_extents.dtype == np.int16
    assert mnist_test.ink_extents.tolist() == expected
    np.testing.assert_array_equal(mnist_test.ink_columns, mnist_test.ink_extents[:, :2])
    # MNIST glyphs carry empty columns on both sides: the crop is real.
    widths = mnist_test.ink_extents[:, 1] - mnist_test.ink_extents[:, 0]
    assert widths.min() >= 1
    assert widths.max() <= 28
    assert np.mean(widths) < 20


def _single_pixel(row: int, col: int, value: int = 255) -> np.ndarray:
    glyph = np.zeros((28, 28), np.uint8)
    glyph[row, col] = value
    return glyph


EDGE_GLYPHS = {
    "top-left-pixel": _single_pixel(0, 0),
    "bottom-right-pixel": _single_pixel(27, 27),
    "faintest-ink": _single_pixel(13, 5, value=1),
    "full-square": np.full((28, 28), 200, np.uint8),
    "blank": np.zeros((28, 28), np.uint8),
}


@pytest.mark.parametrize("glyph", EDGE_GLYPHS.values(), ids=EDGE_GLYPHS.keys())
def test_ink_extents_edge_cases(glyph: np.ndarray) -> None:
    extents = compute_ink_extents(glyph[None])
    assert extents[0].tolist() == _brute_force_extents(glyph)


def test_every_real_glyph_is_indexed_under_its_class(mnist_test: DigitDataset) -> None:
    for digit in range(10):
        indices = mnist_test.class_indices(digit)
        assert len(indices) == MNIST_TEST_COUNTS[digit]
        assert (mnist_test.labels[indices] == digit).all()
    assert mnist_test.missing_classes() == []


def test_blank_glyphs_are_never_sampled(mnist_test: DigitDataset) -> None:
    images = mnist_test.images[:100].copy()
    labels = mnist_test.labels[:100].copy()
    assert labels[:2].tolist() == [7, 2]
    blank = [*np.flatnonzero(labels == 1).tolist(), 0, 1]  # every 1, one 7, one 2
    images[blank] = 0

    dataset = DigitDataset(images, labels)

    assert dataset.ink_extents[blank].tolist() == [[0, 0, 0, 0]] * len(blank)
    assert dataset.missing_classes() == [1]
    sampled = np.concatenate([dataset.class_indices(d) for d in range(10)])
    assert not set(sampled.tolist()) & set(blank)
    assert len(sampled) == 100 - len(blank)
    # Draw the way SequenceGenerator does: class_order[class_start[d] + k], k < class_count[d].
    rng = np.random.default_rng(0)
    for digit in (0, 2, 7):
        picks = dataset.class_order[
            dataset.class_start[digit] + rng.integers(0, dataset.class_count[digit], size=500)
        ]
        assert (labels[picks] == digit).all()
        assert not set(picks.tolist()) & set(blank)


def test_subset_by_indices_and_mask(mnist_test: DigitDataset) -> None:
    picked = mnist_test.subset([5, 0, 9999])
    assert len(picked) == 3
    np.testing.assert_array_equal(picked.images, mnist_test.images[[5, 0, 9999]])
    np.testing.assert_array_equal(picked.labels, mnist_test.labels[[5, 0, 9999]])
    np.testing.assert_array_equal(picked.ink_extents, mnist_test.ink_extents[[5, 0, 9999]])
    assert (picked.name, picked.split) == ("mnist", "test")

    threes = mnist_test.subset(mnist_test.labels == 3)
    assert len(threes) == MNIST_TEST_COUNTS[3]
    assert set(threes.labels.tolist()) == {3}
    assert threes.missing_classes() == [0, 1, 2, 4, 5, 6, 7, 8, 9]

    assert len(mnist_test.subset([])) == 0


BAD_SUBSETS = {
    "short-mask": (np.array([True, False]), InvalidParameterError, "boolean mask must have shape"),
    "float-indices": ([0.5, 1.5], InvalidTypeError, "expected integers or a boolean mask"),
}


@pytest.mark.parametrize(
    ("indices", "error", "message"), BAD_SUBSETS.values(), ids=BAD_SUBSETS.keys()
)
def test_subset_rejects_bad_indices(
    mnist_test: DigitDataset, indices: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        mnist_test.subset(indices)


BAD_DATASETS = {
    "float-images": (np.zeros((3, 28, 28)), [0, 1, 2], "images: expected a uint8 array of shape"),
    "flat-images": (np.zeros((3, 784), np.uint8), [0, 1, 2], r"got uint8 with shape \(3, 784\)"),
    "too-few-labels": (np.zeros((3, 28, 28), np.uint8), [0, 1], "labels: expected 3 integers"),
    "float-labels": (np.zeros((2, 28, 28), np.uint8), [0.0, 1.0], "labels: expected 2 integers"),
    "label-ten": (np.zeros((2, 28, 28), np.uint8), [3, 10], "labels: 10 is not a digit 0-9"),
    "negative-label": (np.zeros((2, 28, 28), np.uint8), [-1, 3], "labels: -1 is not a digit 0-9"),
}


@pytest.mark.parametrize(
    ("images", "labels", "message"), BAD_DATASETS.values(), ids=BAD_DATASETS.keys()
)
def test_digit_dataset_rejects_bad_arrays(images: Any, labels: Any, message: str) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        DigitDataset(images, labels)


def test_get_mnist_data_returns_images_and_labels(mnist_test: DigitDataset) -> None:
    images, labels = get_mnist_data()  # NUMBER_GENERATOR_SPLIT=test from conftest

    assert images.shape == (10000, 28, 28)
    assert labels.shape == (10000,)
    np.testing.assert_array_equal(images, mnist_test.images)
    np.testing.assert_array_equal(labels, mnist_test.labels)


def test_get_mnist_data_with_explicit_split_and_folder(mnist_dir: Path) -> None:
    images, labels = get_mnist_data("test", mnist_dir)
    assert (images.dtype, labels.dtype) == (np.uint8, np.uint8)
    assert np.bincount(labels).tolist() == MNIST_TEST_COUNTS


@pytest.mark.parametrize(
    ("env", "argument", "expected"),
    [(None, None, "train"), ("test", None, "test"), ("all", None, "all"), ("all", "test", "test")],
    ids=["unset-means-train", "env-test", "env-all", "argument-beats-env"],
)
def test_split_env_var_sets_the_default(
    monkeypatch: pytest.MonkeyPatch, env: str | None, argument: str | None, expected: str
) -> None:
    if env is None:
        monkeypatch.delenv("NUMBER_GENERATOR_SPLIT", raising=False)
    else:
        monkeypatch.setenv("NUMBER_GENERATOR_SPLIT", env)
    assert MNIST.resolve_split(argument) == expected


def test_load_mnist_default_split_comes_from_env(mnist_dir: Path) -> None:
    dataset = load_mnist(data_dir=mnist_dir)  # conftest sets NUMBER_GENERATOR_SPLIT=test
    assert (dataset.split, len(dataset)) == ("test", 10000)


UNKNOWN_SPLIT = "split='validation': unknown split of mnist; expected one of 'train', 'test', 'all'"
SPLIT_CALLS: dict[str, Callable[[], object]] = {
    "load_mnist": lambda: load_mnist("validation"),
    "get_mnist_data": lambda: get_mnist_data("validation"),
    "load_dataset": lambda: load_dataset("mnist", split="validation"),
    "MNIST.download": lambda: MNIST.download("validation"),
}


@pytest.mark.parametrize("call", SPLIT_CALLS.values(), ids=SPLIT_CALLS.keys())
def test_unknown_split_is_rejected(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidParameterError, match=re.escape(UNKNOWN_SPLIT)) as info:
        call()
    assert isinstance(info.value, ValueError)


def test_unknown_split_from_env_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBER_GENERATOR_SPLIT", "validation")
    with pytest.raises(
        InvalidParameterError, match=re.escape(f"NUMBER_GENERATOR_SPLIT: {UNKNOWN_SPLIT}")
    ):
        load_mnist()


@pytest.mark.parametrize("name", [LABELS, IMAGES], ids=["labels", "images"])
def test_wrong_checksum_is_rejected(
    tmp_path: Path, mnist_dir: Path, fresh_cache: Path, name: str
) -> None:
    folder = copy_mnist(mnist_dir, tmp_path / "data")
    blob = bytearray((folder / name).read_bytes())
    blob[len(blob) // 2] ^= 0x01
    (folder / name).write_bytes(bytes(blob))
    digest = hashlib.sha256(blob).hexdigest()

    with pytest.raises(ChecksumError) as info:
        load_mnist("test", folder)

    message = str(info.value)
    assert message.startswith(f"{folder / name}: SHA-256 is {digest}, expected ")
    assert "delete it to download it again" in message
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, NumberGeneratorError)
    with pytest.raises(ChecksumError, match=re.escape(str(folder / name))):
        MNIST.download("test", folder)
    assert (folder / name).read_bytes() == bytes(blob)  # the user's file is left alone


def test_download_with_files_present_only_verifies(data_dir: Path) -> None:
    paths = MNIST.download("test", data_dir)
    writers = MNIST.writers_resources["test"].file_name
    assert paths == [data_dir / IMAGES, data_dir / LABELS, data_dir / writers]


# --------------------------------------------------------------------------- data folder


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user cache dir into tmp_path (the XDG variable, and platformdirs elsewhere)."""
    root = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda appname: str(root / appname))
    return root


@pytest.mark.parametrize(
    ("argument", "env", "expected"),
    [
        ("arg", "env", "arg"),
        (None, "env", "env"),
        (None, None, "user-cache/number_generator/mnist"),
        (None, "", "user-cache/number_generator/mnist"),
    ],
    ids=["argument-beats-env", "env-beats-user-cache", "user-cache", "empty-env-ignored"],
)
def test_data_dir_resolution_order(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    user_cache: Path,
    argument: str | None,
    env: str | None,
    expected: str,
) -> None:
    if env is None:
        monkeypatch.delenv("NUMBER_GENERATOR_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("NUMBER_GENERATOR_DATA_DIR", str(tmp_path / env) if env else "")
    resolved = data_dir_for("mnist", tmp_path / argument if argument else None)
    assert resolved == tmp_path / expected


def test_data_dir_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data_dir_for("mnist", "~/digits") == tmp_path / "digits"
    monkeypatch.setenv("NUMBER_GENERATOR_DATA_DIR", "~/from-env")
    assert data_dir_for("mnist") == tmp_path / "from-env"


def test_load_uses_env_folder_then_user_cache(
    tmp_path: Path, mnist_dir: Path, monkeypatch: pytest.MonkeyPatch, user_cache: Path
) -> None:
    env_folder = copy_mnist(mnist_dir, tmp_path / "env-folder")
    monkeypatch.setenv("NUMBER_GENERATOR_DATA_DIR", str(env_folder))
    assert len(load_mnist("test")) == 10000

    # An explicit folder wins even when the env folder would fail.
    (env_folder / LABELS).write_bytes(b"broken")
    assert len(load_mnist("test", mnist_dir)) == 10000
    with pytest.raises(ChecksumError, match=re.escape(str(env_folder / LABELS))):
        load_mnist("test")

    monkeypatch.delenv("NUMBER_GENERATOR_DATA_DIR")
    copy_mnist(mnist_dir, user_cache / "number_generator" / "mnist")
    assert len(load_mnist("test")) == 10000


# --------------------------------------------------------------------------- decoded cache


def test_second_load_uses_the_decoded_cache(
    tmp_path: Path,
    mnist_dir: Path,
    mnist_test: DigitDataset,
    fresh_cache: Path,
    count_idx_reads: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = copy_mnist(mnist_dir, tmp_path / "data")
    first = load_mnist("test", folder)
    assert sorted(p.name for p in count_idx_reads) == sorted([IMAGES, LABELS])
    assert len(list(fresh_cache.iterdir())) == 1  # one entry, no staging leftovers

    def no_parsing(path: str | Path) -> npt.NDArray[np.generic]:
        raise AssertionError(f"{path} parsed again despite the decoded cache")

    monkeypatch.setattr(idx_module, "read_idx", no_parsing)
    second = load_mnist("test", folder)

    assert is_memory_mapped(second.images)
    for array in (first.images, first.labels, second.images, second.labels):
        assert not array.flags.writeable  # the same, parsed or cached
    np.testing.assert_array_equal(second.images, first.images)
    np.testing.assert_array_equal(second.images, mnist_test.images)
    np.testing.assert_array_equal(second.labels, mnist_test.labels)
    np.testing.assert_array_equal(second.ink_extents, mnist_test.ink_extents)
    assert np.bincount(second.labels).tolist() == MNIST_TEST_COUNTS


def test_replacing_a_source_file_invalidates_the_cache(
    tmp_path: Path, mnist_dir: Path, fresh_cache: Path, count_idx_reads: list[Path]
) -> None:
    folder = copy_mnist(mnist_dir, tmp_path / "data")
    load_mnist("test", folder)
    load_mnist("test", folder)
    assert len(count_idx_reads) == 2

    # Same bytes written again (a fresh download): a new mtime means a new entry.
    stat = (folder / LABELS).stat()
    (folder / LABELS).write_bytes((mnist_dir / LABELS).read_bytes())
    os.utime(folder / LABELS, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert len(load_mnist("test", folder)) == 10000
    assert len(count_idx_reads) == 4

    # Different bytes: verified again, never served from the stale entry.
    (folder / LABELS).write_bytes(b"\x1f\x8b not the labels")
    with pytest.raises(ChecksumError):
        load_mnist("test", folder)


def test_cache_is_per_folder(
    tmp_path: Path, mnist_dir: Path, fresh_cache: Path, count_idx_reads: list[Path]
) -> None:
    first = copy_mnist(mnist_dir, tmp_path / "first")
    load_mnist("test", first)
    # A copy elsewhere with the same names, sizes and times, but corrupted in place.
    second = copy_mnist(mnist_dir, tmp_path / "second")
    stat = (second / LABELS).stat()
    blob = bytearray((second / LABELS).read_bytes())
    blob[100] ^= 0xFF
    (second / LABELS).write_bytes(bytes(blob))
    os.utime(second / LABELS, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    with pytest.raises(ChecksumError, match=re.escape(str(second / LABELS))):
        load_mnist("test", second)


@pytest.mark.parametrize(
    ("name", "keep"),
    [("images.npy", 0), ("images.npy", 4096), ("labels.npy", 200), ("extents.npy", 500)],
    ids=["images-garbage", "images-cut-after-header", "labels-cut", "extents-cut"],
)
def test_broken_cache_entry_is_rebuilt(
    tmp_path: Path,
    mnist_dir: Path,
    fresh_cache: Path,
    count_idx_reads: list[Path],
    name: str,
    keep: int,
) -> None:
    """A damaged entry is a miss, whether its header is garbage or its data is cut short
    (the images are memory-mapped, the other arrays read whole)."""
    folder = copy_mnist(mnist_dir, tmp_path / "data")
    expected = load_mnist("test", folder)
    (entry,) = fresh_cache.iterdir()
    damaged = entry / name
    damaged.write_bytes(damaged.read_bytes()[:keep] if keep else b"half a file")

    rebuilt = load_mnist("test", folder)
    assert len(count_idx_reads) == 4  # parsed again
    np.testing.assert_array_equal(rebuilt.images, expected.images)

    again = load_mnist("test", folder)
    assert len(count_idx_reads) == 4  # the entry was repaired
    assert is_memory_mapped(again.images)


def test_unwritable_cache_dir_is_harmless(
    tmp_path: Path,
    mnist_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    count_idx_reads: list[Path],
    mnist_test: DigitDataset,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("NUMBER_GENERATOR_CACHE_DIR", str(blocker / "cache"))

    for _ in range(2):
        dataset = load_mnist("test", mnist_dir)
        np.testing.assert_array_equal(dataset.images, mnist_test.images)
        np.testing.assert_array_equal(dataset.labels, mnist_test.labels)
    assert len(count_idx_reads) == 4  # parsed each time, no error
    assert blocker.read_text() == "not a folder"


# --------------------------------------------------------------------------- registered sets


def test_registered_subclass_changes_only_class_attributes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_cache: Path
) -> None:
    images, labels = tiny_glyphs(30)
    files = {
        "a-images-idx3-ubyte.gz": images[:20],
        "a-labels-idx1-ubyte.gz": labels[:20],
        "b-images-idx3-ubyte.gz": images[20:],
        "b-labels-idx1-ubyte.gz": labels[20:],
    }
    digests = {
        name: hashlib.sha256(write_idx(tmp_path / name, array).read_bytes()).hexdigest()
        for name, array in files.items()
    }

    class Tiny(RegisteredDataset, register=False):
        name = "tiny"
        mirrors = ("http://127.0.0.1:9/",)
        resources = {  # noqa: RUF012
            part: (
                Resource(f"{part}-images-idx3-ubyte.gz", digests[f"{part}-images-idx3-ubyte.gz"]),
                Resource(f"{part}-labels-idx1-ubyte.gz", digests[f"{part}-labels-idx1-ubyte.gz"]),
            )
            for part in ("a", "b")
        }
        default_split = "a"

    monkeypatch.delenv("NUMBER_GENERATOR_SPLIT")
    assert Tiny.splits() == ("a", "b", "all")
    assert Tiny.resolve_split(None) == "a"
    assert len(Tiny.load("a", tmp_path)) == 20
    every = Tiny.load("all", tmp_path)
    assert (every.name, every.split, len(every)) == ("tiny", "all", 30)
    np.testing.assert_array_equal(every.images, images)
    np.testing.assert_array_equal(every.labels, labels)
    np.testing.assert_array_equal(every.ink_extents, compute_ink_extents(images))
    with pytest.raises(
        InvalidParameterError, match="unknown split of tiny; expected one of 'a', 'b', 'all'"
    ):
        Tiny.load("train", tmp_path)


def test_mismatched_idx_pair_in_registered_set(tmp_path: Path, fresh_cache: Path) -> None:
    images, labels = tiny_glyphs(6)
    image_file = write_idx(tmp_path / "x-images-idx3-ubyte.gz", images)
    label_file = write_idx(tmp_path / "x-labels-idx1-ubyte.gz", labels[:5])

    class Broken(RegisteredDataset, register=False):
        name = "broken"
        mirrors = ()
        resources = {  # noqa: RUF012
            "x": (
                Resource(image_file.name, hashlib.sha256(image_file.read_bytes()).hexdigest()),
                Resource(label_file.name, hashlib.sha256(label_file.read_bytes()).hexdigest()),
            )
        }

    with pytest.raises(
        CorruptDatasetError, match=r"labels of shape \(5,\) do not match the 6 images"
    ):
        Broken.load("x", tmp_path)


# --------------------------------------------------------------------------- .npz files


@pytest.fixture
def npz_file(tmp_path: Path, mnist_test: DigitDataset) -> Path:
    path = tmp_path / "digits.npz"
    np.savez(
        path,
        x_train=mnist_test.images[:300],
        y_train=mnist_test.labels[:300],
        x_test=mnist_test.images[300:400],
        y_test=mnist_test.labels[300:400].astype(np.int64),
    )
    return path


def test_load_npz_joins_every_split(npz_file: Path, mnist_test: DigitDataset) -> None:
    dataset = load_npz(npz_file)
    assert (len(dataset), dataset.name, dataset.split) == (400, "digits", None)
    assert dataset.labels.dtype == np.uint8
    assert (
        np.bincount(dataset.labels, minlength=10).tolist()
        == np.bincount(mnist_test.labels[:400], minlength=10).tolist()
    )


@pytest.mark.parametrize(
    ("split", "rows"), [("train", slice(0, 300)), ("test", slice(300, 400))], ids=["train", "test"]
)
def test_load_npz_one_split(
    npz_file: Path, mnist_test: DigitDataset, split: str, rows: slice
) -> None:
    for dataset in (load_npz(npz_file, split=split), load_dataset(str(npz_file), split=split)):
        assert dataset.split == split
        np.testing.assert_array_equal(dataset.images, mnist_test.images[rows])
        np.testing.assert_array_equal(dataset.labels, mnist_test.labels[rows])
        np.testing.assert_array_equal(dataset.ink_extents, mnist_test.ink_extents[rows])


def test_load_npz_plain_x_y(tmp_path: Path) -> None:
    images, labels = tiny_glyphs(12)
    np.savez(tmp_path / "plain.npz", x=images, y=labels)
    dataset = load_dataset(tmp_path / "plain.npz")
    np.testing.assert_array_equal(dataset.images, images)


def _savez(**arrays: Any) -> Callable[[Path], None]:
    return lambda path: np.savez(path, **arrays)


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


_X, _Y = tiny_glyphs(10)
BAD_NPZ: dict[str, tuple[Callable[[Path], None], str | None, type[Exception], str]] = {
    "missing-file": (lambda path: None, None, DatasetNotFoundError, "no such .npz file"),
    "unknown-split": (
        _savez(x_train=_X, y_train=_Y),
        "val",
        CorruptDatasetError,
        "expected arrays x_val and y_val (split='val'), found ['x_train', 'y_train']",
    ),
    "no-x-y-arrays": (
        _savez(images=_X, labels=_Y),
        None,
        CorruptDatasetError,
        "expected arrays x_<split> and y_<split> (or x and y), found ['images', 'labels']",
    ),
    "float-images": (
        _savez(x_train=_X / 255.0, y_train=_Y),
        None,
        CorruptDatasetError,
        "x_train must be uint8 glyphs of shape (N, H, W), got float64 (10, 28, 28)",
    ),
    "too-few-labels": (
        _savez(x_train=_X, y_train=_Y[:9]),
        None,
        CorruptDatasetError,
        "y_train must hold 10 integer labels to match x_train, got uint8 (9,)",
    ),
    "label-out-of-range": (
        _savez(x_train=_X, y_train=np.where(_Y == 4, 11, _Y)),
        None,
        CorruptDatasetError,
        "y_train holds 11; labels must be digits 0-9",
    ),
    "glyph-sizes-differ": (
        _savez(x_train=np.zeros((2, 32, 32), np.uint8), y_train=[1, 2], x_test=_X, y_test=_Y),
        None,
        CorruptDatasetError,
        "x_train glyphs are (32, 32) but x_test glyphs are (28, 28)",
    ),
    "not-a-zip": (
        lambda path: path.write_bytes(b"PK\x03\x04 not really a zip"),
        None,
        CorruptDatasetError,
        "not a readable .npz file",
    ),
    "plain-npy": (
        lambda path: path.write_bytes(_npy_bytes(_X)),
        None,
        CorruptDatasetError,
        "holds a single array, not a .npz archive",
    ),
    "pickled-objects": (
        _savez(x_train=np.array([_X, None], dtype=object), y_train=_Y),
        None,
        CorruptDatasetError,
        "an array cannot be read",
    ),
}


@pytest.mark.parametrize(
    ("write", "split", "error", "message"), BAD_NPZ.values(), ids=BAD_NPZ.keys()
)
def test_bad_npz_is_rejected(
    tmp_path: Path,
    write: Callable[[Path], None],
    split: str | None,
    error: type[Exception],
    message: str,
) -> None:
    path = tmp_path / "digits.npz"
    write(path)
    with pytest.raises(error, match=re.escape(message)) as info:
        load_npz(path, split=split)
    assert str(path) in str(info.value)
    assert isinstance(info.value, NumberGeneratorError)


# --------------------------------------------------------------------------- IDX folders


def test_load_idx_folder_of_real_files(
    tmp_path: Path, mnist_dir: Path, mnist_test: DigitDataset
) -> None:
    folder = copy_mnist(mnist_dir, tmp_path / "my-mnist")
    for dataset in (load_idx_folder(folder), load_dataset(folder), load_dataset(str(folder))):
        assert (dataset.name, len(dataset)) == ("my-mnist", 10000)
        np.testing.assert_array_equal(dataset.images, mnist_test.images)
        np.testing.assert_array_equal(dataset.labels, mnist_test.labels)


def test_idx_folder_with_extracted_and_compressed_copies_reads_each_set_once(
    tmp_path: Path, mnist_dir: Path, mnist_test: DigitDataset
) -> None:
    folder = copy_mnist(mnist_dir, tmp_path / "raw")  # as torchvision leaves MNIST/raw/
    for name in (IMAGES, LABELS):
        (folder / name.removesuffix(".gz")).write_bytes(
            gzip.decompress((folder / name).read_bytes())
        )
    dataset = load_idx_folder(folder)
    assert len(dataset) == 10000
    np.testing.assert_array_equal(dataset.labels, mnist_test.labels)


def test_idx_folder_joins_several_sets(tmp_path: Path, mnist_dir: Path) -> None:
    folder = copy_mnist(mnist_dir, tmp_path / "mixed")
    images, labels = tiny_glyphs(20)
    write_idx(folder / "train-images-idx3-ubyte", images)  # raw, uncompressed
    write_idx(folder / "train-labels-idx1-ubyte.gz", labels)  # compressed
    dataset = load_idx_folder(folder)
    assert len(dataset) == 10020
    np.testing.assert_array_equal(dataset.images[10000:], images)  # t10k sorts before train


def _idx_set(
    count: int, label_count: int | None = None, label_values: Any = None
) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        images, labels = tiny_glyphs(count)
        write_idx(folder / "x-images-idx3-ubyte.gz", images)
        if label_values is not None:
            labels = np.asarray(label_values)
        if label_count != 0:
            write_idx(folder / "x-labels-idx1-ubyte.gz", labels[:label_count])

    return write


BAD_IDX_FOLDERS: dict[str, tuple[Callable[[Path], None], type[Exception], str]] = {
    "empty-folder": (
        lambda folder: None,
        DatasetNotFoundError,
        "no *images-idx3* files in the folder",
    ),
    "labels-missing": (
        _idx_set(6, label_count=0),
        DatasetNotFoundError,
        "no matching labels file x-labels-idx1-ubyte[.gz]",
    ),
    "label-count-mismatch": (
        _idx_set(6, label_count=5),
        CorruptDatasetError,
        "labels of shape (5,) do not match the 6 images",
    ),
    "labels-not-digits": (
        _idx_set(3, label_values=np.array([1, 12, 3], np.uint8)),
        CorruptDatasetError,
        "labels must be integers 0-9",
    ),
    "int32-images": (
        lambda folder: (
            write_idx(folder / "x-images-idx3-ubyte", np.zeros((2, 28, 28), np.int32)),
            write_idx(folder / "x-labels-idx1-ubyte", np.zeros(2, np.uint8)),
        ),
        CorruptDatasetError,
        "expected uint8 images of shape (N, H, W), got int32 (2, 28, 28)",
    ),
    "corrupt-gzip": (
        lambda folder: (
            (folder / "x-images-idx3-ubyte.gz").write_bytes(b"garbage"),
            write_idx(folder / "x-labels-idx1-ubyte.gz", np.zeros(2, np.uint8)),
        ),
        CorruptDatasetError,
        "cannot be decompressed",
    ),
}


@pytest.mark.parametrize(
    ("write", "error", "message"), BAD_IDX_FOLDERS.values(), ids=BAD_IDX_FOLDERS.keys()
)
def test_bad_idx_folder_is_rejected(
    tmp_path: Path, write: Callable[[Path], None], error: type[Exception], message: str
) -> None:
    folder = tmp_path / "idx"
    folder.mkdir()
    write(folder)
    (folder / "README.txt").write_text("unrelated files are ignored")
    with pytest.raises(error, match=re.escape(message)) as info:
        load_dataset(folder)
    assert str(folder) in str(info.value)


def test_missing_idx_folder(tmp_path: Path) -> None:
    with pytest.raises(
        DatasetNotFoundError, match=re.escape(f"dataset={str(tmp_path / 'nope')!r}: no such folder")
    ):
        load_idx_folder(tmp_path / "nope")


# --------------------------------------------------------------------------- PNG folders


def _write_png_folder(
    folder: Path, glyphs: dict[int, list[np.ndarray]], suffix: str = ".png"
) -> None:
    for digit, images in glyphs.items():
        (folder / str(digit)).mkdir(parents=True, exist_ok=True)
        for k, glyph in enumerate(images):
            ok, encoded = cv2.imencode(".png", glyph)
            assert ok
            (folder / str(digit) / f"{k:03d}{suffix}").write_bytes(encoded.tobytes())


@pytest.fixture
def real_glyphs(mnist_test: DigitDataset) -> dict[int, list[np.ndarray]]:
    """Three real glyphs per class."""
    return {d: [mnist_test.images[i] for i in mnist_test.class_indices(d)[:3]] for d in range(10)}


@pytest.mark.parametrize(
    ("paper", "invert"),
    [("white-ink-on-black", None), ("black-ink-on-white", None), ("black-ink-on-white", True)],
    ids=["mnist-style", "inverted-guessed", "inverted-explicit"],
)
def test_load_png_folder(
    tmp_path: Path, real_glyphs: dict[int, list[np.ndarray]], paper: str, invert: bool | None
) -> None:
    on_disk = (
        real_glyphs
        if paper == "white-ink-on-black"
        else {d: [255 - g for g in gs] for d, gs in real_glyphs.items()}
    )
    _write_png_folder(tmp_path / "pngs", on_disk)

    dataset = load_png_folder(tmp_path / "pngs", invert=invert)

    assert (len(dataset), dataset.name) == (30, "pngs")
    assert dataset.labels.tolist() == [d for d in range(10) for _ in range(3)]
    expected = np.stack([g for d in range(10) for g in real_glyphs[d]])
    np.testing.assert_array_equal(dataset.images, expected)  # always white ink on black
    np.testing.assert_array_equal(dataset.ink_extents, compute_ink_extents(expected))


def test_png_folder_invert_false_keeps_pixels(
    tmp_path: Path, real_glyphs: dict[int, list[np.ndarray]]
) -> None:
    inverted = {d: [255 - g for g in gs] for d, gs in real_glyphs.items()}
    _write_png_folder(tmp_path / "pngs", inverted)
    dataset = load_png_folder(tmp_path / "pngs", invert=False)
    assert dataset.images[0].tolist() == inverted[0][0].tolist()


def test_png_folder_dispatch_partial_classes_and_upper_case(
    tmp_path: Path, real_glyphs: dict[int, list[np.ndarray]]
) -> None:
    _write_png_folder(tmp_path / "pngs", {0: real_glyphs[0]})
    _write_png_folder(tmp_path / "pngs", {7: real_glyphs[7][:2]}, suffix=".PNG")
    (tmp_path / "pngs" / "7" / "notes.txt").write_text("ignored")

    dataset = load_dataset(tmp_path / "pngs")

    assert dataset.labels.tolist() == [0, 0, 0, 7, 7]
    assert dataset.missing_classes() == [1, 2, 3, 4, 5, 6, 8, 9]


def _png_case(write: Callable[[Path], None]) -> Callable[[Path], None]:
    return write


BAD_PNG_FOLDERS: dict[str, tuple[Callable[[Path], None], type[Exception], str]] = {
    "no-pngs": (
        lambda folder: (folder / "3").mkdir(parents=True),
        DatasetNotFoundError,
        "no PNG files in sub-folders 0/",
    ),
    "corrupt-png": (
        lambda folder: (
            _write_png_folder(folder, {1: [np.zeros((28, 28), np.uint8)]}),
            (folder / "1" / "bad.png").write_bytes(b"\x89PNG truncated"),
        ),
        CorruptDatasetError,
        "bad.png: not a readable PNG image",
    ),
    "sizes-differ": (
        lambda folder: _write_png_folder(
            folder, {1: [np.zeros((28, 28), np.uint8)], 2: [np.zeros((32, 32), np.uint8)]}
        ),
        CorruptDatasetError,
        "size (32, 32) differs from the first glyph's (28, 28)",
    ),
}


@pytest.mark.parametrize(
    ("write", "error", "message"), BAD_PNG_FOLDERS.values(), ids=BAD_PNG_FOLDERS.keys()
)
def test_bad_png_folder_is_rejected(
    tmp_path: Path, write: Callable[[Path], None], error: type[Exception], message: str
) -> None:
    folder = tmp_path / "pngs"
    folder.mkdir()
    write(folder)
    with pytest.raises(error, match=re.escape(message)) as info:
        load_png_folder(folder)
    assert str(folder) in str(info.value)


def test_missing_png_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match="no such folder"):
        load_png_folder(tmp_path / "nope")


# --------------------------------------------------------------------------- load_dataset


def test_load_dataset_passes_datasets_through(mnist_test: DigitDataset) -> None:
    assert load_dataset(mnist_test) is mnist_test


@pytest.mark.parametrize("name", [None, "mnist", "MNIST"], ids=["default", "lower", "upper"])
def test_load_dataset_by_name(name: str | None, mnist_test: DigitDataset) -> None:
    dataset = load_dataset(name)  # split from NUMBER_GENERATOR_SPLIT=test
    assert (dataset.name, dataset.split, len(dataset)) == ("mnist", "test", 10000)
    np.testing.assert_array_equal(dataset.labels, mnist_test.labels)


def test_load_dataset_by_name_with_folder(mnist_dir: Path) -> None:
    assert len(load_dataset("mnist", split="test", data_dir=mnist_dir)) == 10000


BAD_DATASET_ARGS: dict[str, tuple[Any, type[Exception], str]] = {
    "int": (
        42,
        InvalidTypeError,
        "dataset=42: expected a DigitDataset, a registered name (mnist, emnist-digits, qmnist) "
        "or a path",
    ),
    "array": (np.zeros(3), InvalidTypeError, "expected a DigitDataset, a registered name"),
    "unknown-name": (
        "emnist-letters",
        InvalidParameterError,
        "dataset='emnist-letters': not a registered dataset (emnist-digits, mnist, qmnist), "
        "a .npz file or a folder",
    ),
    "path-named-like-a-set": (
        Path("mnist"),
        InvalidParameterError,
        "dataset='mnist': not a registered dataset",
    ),
    "plain-file": (
        "notes.txt",
        InvalidParameterError,
        "dataset='notes.txt': not a registered dataset",
    ),
    "missing-npz": ("absent.npz", DatasetNotFoundError, "dataset='absent.npz': no such .npz file"),
}


@pytest.mark.parametrize(
    ("dataset", "error", "message"), BAD_DATASET_ARGS.values(), ids=BAD_DATASET_ARGS.keys()
)
def test_load_dataset_rejects_bad_arguments(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dataset: Any,
    error: type[Exception],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a dataset")
    with pytest.raises(error, match=re.escape(message)) as info:
        load_dataset(dataset)
    assert isinstance(info.value, NumberGeneratorError)


def test_a_subclass_that_sets_a_name_is_registered_unless_told_not_to() -> None:
    class Extra(RegisteredDataset):
        """Extra digits, registered for this test only."""

        name = "extra-test"
        mirrors = ("http://127.0.0.1:9/",)
        resources: ClassVar[dict[str, tuple[Resource, Resource]]] = {}

    try:
        assert DATASETS["extra-test"] is Extra
        assert Extra.description() == "Extra digits, registered for this test only."
    finally:
        del DATASETS["extra-test"]

    class Hidden(RegisteredDataset, register=False):
        name = "hidden-test"

    assert "hidden-test" not in DATASETS
    assert Hidden.name == "hidden-test"
