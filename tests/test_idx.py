"""The IDX reader: valid files round-trip, malformed ones are rejected with a clear error."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from _helpers import idx_bytes, write_idx
from number_generator import CorruptDatasetError, NumberGeneratorError
from number_generator.datasets.idx import read_idx, read_idx_bytes

ARRAYS = {
    "u1-images": np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
    "u1-labels": np.array([7, 0, 9, 3], np.uint8),
    "i1": np.array([[-128, 0], [1, 127]], np.int8),
    "i2": np.array([-300, 0, 300], np.int16),
    "i4": np.array([[-(2**31), 2**31 - 1]], np.int32),
    "f4": np.array([0.5, -1.25, 3e38], np.float32),
    "f8": np.arange(2 * 2 * 2 * 2, dtype=np.float64).reshape(2, 2, 2, 2) / 3,
    "empty": np.zeros((0, 28, 28), np.uint8),
}


@pytest.mark.parametrize("suffix", ["", ".gz"], ids=["raw", "gzip"])
@pytest.mark.parametrize("array", ARRAYS.values(), ids=ARRAYS.keys())
def test_round_trip(tmp_path: Path, array: np.ndarray, suffix: str) -> None:
    path = write_idx(tmp_path / f"data-idx{array.ndim}-ubyte{suffix}", array)

    loaded = read_idx(path)

    assert loaded.shape == array.shape
    assert loaded.dtype == array.dtype  # native byte order, same kind and size
    assert loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)


def test_read_idx_accepts_str_paths(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "labels-idx1-ubyte.gz", ARRAYS["u1-labels"])
    np.testing.assert_array_equal(read_idx(str(path)), ARRAYS["u1-labels"])


def test_real_mnist_files(mnist_dir: Path) -> None:
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    assert (images.shape, images.dtype) == ((10000, 28, 28), np.uint8)
    assert (labels.shape, labels.dtype) == ((10000,), np.uint8)
    assert images.max() == 255
    assert set(np.unique(labels).tolist()) == set(range(10))


def _header(type_code: int, *dims: int) -> bytes:
    return bytes([0, 0, type_code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


GOOD_LABELS = idx_bytes(np.arange(10, dtype=np.uint8))
BAD_FILES = {
    "empty-file": (b"", "truncated IDX header (0 bytes"),
    "three-bytes": (b"\x00\x00\x08", "truncated IDX header (3 bytes"),
    "png-not-idx": (b"\x89PNG\r\n\x1a\n" + bytes(16), "bad IDX magic number 0x89504E47"),
    "nonzero-first-bytes": (b"\x01" + GOOD_LABELS[1:], "bad IDX magic number 0x01000801"),
    "unknown-type-code": (_header(0x07, 3) + bytes(3), "bad IDX magic number 0x00000701"),
    "zero-dimensions": (b"\x00\x00\x08\x00", "bad IDX magic number 0x00000800"),
    "five-dimensions": (_header(0x08, 1, 1, 1, 1, 1) + b"\x00", "bad IDX magic number 0x00000805"),
    "truncated-dimensions": (_header(0x08, 10, 28, 28)[:9], "truncated IDX header (9 bytes, 3 dim"),
    "payload-short": (
        GOOD_LABELS[:-3],
        r"announces shape (10,) (10 payload bytes) but the file holds 7; the file is truncated",
    ),
    "payload-long": (
        GOOD_LABELS + b"\x00\x00",
        r"announces shape (10,) (10 payload bytes) but the file holds 12; "
        "the file has trailing bytes",
    ),
    "int32-payload-short": (
        _header(0x0C, 3) + bytes(11),
        r"announces shape (3,) (12 payload bytes) but the file holds 11",
    ),
    "huge-dimensions": (
        _header(0x08, *[2**32 - 1] * 4),
        # Exact size: a numpy int64 product would overflow.
        rf"({(2**32 - 1) ** 4} payload bytes) but the file holds 0",
    ),
}


@pytest.mark.parametrize("suffix", ["", ".gz"], ids=["raw", "gzip"])
@pytest.mark.parametrize(("data", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_malformed_idx_is_rejected(tmp_path: Path, data: bytes, message: str, suffix: str) -> None:
    path = tmp_path / f"t10k-labels-idx1-ubyte{suffix}"
    path.write_bytes(gzip.compress(data) if suffix else data)

    with pytest.raises(CorruptDatasetError, match=re.escape(message)) as info:
        read_idx(path)

    assert str(info.value).startswith(f"{path}: ")  # names the file
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, NumberGeneratorError)


def test_read_idx_bytes_names_the_source() -> None:
    with pytest.raises(CorruptDatasetError, match=r"^my-upload: bad IDX magic number"):
        read_idx_bytes(b"nope", source="my-upload")


def _gzip_bad_crc(data: bytes) -> bytes:
    blob = bytearray(gzip.compress(data))
    blob[-8] ^= 0xFF  # the CRC32 in the trailer
    return bytes(blob)


BAD_GZIP = {
    "not-gzip": (b"this is plain text, not gzip", "cannot be decompressed"),
    "truncated-stream": (gzip.compress(GOOD_LABELS * 50)[:40], "cannot be decompressed"),
    "crc-mismatch": (_gzip_bad_crc(GOOD_LABELS), "cannot be decompressed"),
    "raw-idx-named-gz": (GOOD_LABELS, "cannot be decompressed"),
}


@pytest.mark.parametrize(("blob", "message"), BAD_GZIP.values(), ids=BAD_GZIP.keys())
def test_corrupt_gzip_is_rejected(tmp_path: Path, blob: bytes, message: str) -> None:
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(blob)

    with pytest.raises(CorruptDatasetError, match=re.escape(f"{path}: {message}")):
        read_idx(path)


def test_truncated_copy_of_real_mnist_is_rejected(tmp_path: Path, mnist_dir: Path) -> None:
    blob = (mnist_dir / "t10k-images-idx3-ubyte.gz").read_bytes()
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(blob[: len(blob) // 2])

    with pytest.raises(CorruptDatasetError, match="truncated or not gzip"):
        read_idx(path)


@pytest.mark.parametrize("suffix", ["", ".gz"], ids=["raw", "gzip"])
def test_missing_file_is_not_called_corrupt(tmp_path: Path, suffix: str) -> None:
    with pytest.raises(FileNotFoundError) as info:
        read_idx(tmp_path / f"absent-idx1-ubyte{suffix}")
    assert not isinstance(info.value, CorruptDatasetError)


@pytest.mark.parametrize("suffix", ["", ".gz"], ids=["raw", "gzip"])
def test_folder_is_not_called_corrupt(tmp_path: Path, suffix: str) -> None:
    folder = tmp_path / f"images-idx3-ubyte{suffix}"
    folder.mkdir()
    with pytest.raises(IsADirectoryError):
        read_idx(folder)
