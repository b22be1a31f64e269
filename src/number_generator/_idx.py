"""Reader for the IDX format MNIST is published in (optionally gzip-compressed)."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .errors import CorruptDatasetError

# Third byte of the magic number -> element type. MNIST only uses 0x08 (uint8).
_DTYPES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}


def read_idx_bytes(data: bytes, *, source: str = "<bytes>") -> npt.NDArray[np.generic]:
    """Parse the bytes of one IDX file into an array, validating its header.

    Raises
    ------
    CorruptDatasetError
        If the magic number, the dimensions or the payload length are wrong.
    """
    if len(data) < 4:
        raise CorruptDatasetError(f"{source}: {len(data)} bytes is too short for an IDX header")
    zero0, zero1, type_code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0 or type_code not in _DTYPES or not 1 <= ndim <= 4:
        raise CorruptDatasetError(
            f"{source}: bad IDX magic number 0x{data[:4].hex()} "
            "(expected 0x000008NN with 1 <= NN <= 4, e.g. 0x00000803 for images)"
        )
    header_end = 4 + 4 * ndim
    if len(data) < header_end:
        raise CorruptDatasetError(f"{source}: truncated IDX header ({len(data)} bytes)")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[type_code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_end
    if actual != expected:
        raise CorruptDatasetError(
            f"{source}: IDX header announces shape {shape} ({expected} payload bytes) "
            f"but the file holds {actual}; the file is truncated or corrupt"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_end).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | Path) -> npt.NDArray[np.generic]:
    """Read an IDX file from disk; ``.gz`` files are decompressed on the fly."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                data = handle.read()
        else:
            data = path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise CorruptDatasetError(f"{path}: cannot be decompressed ({exc})") from exc
    return read_idx_bytes(data, source=str(path))
