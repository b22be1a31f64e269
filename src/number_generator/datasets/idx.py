"""Reader for the IDX format MNIST is published in (optionally gzip-compressed)."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..errors import CorruptDatasetError

__all__ = ["read_idx", "read_idx_bytes", "read_idx_int", "read_idx_pair"]

# Third byte of the magic number -> element type. MNIST only uses 0x08 (uint8).
_DTYPES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
_MAX_NDIM = 4


def read_idx_bytes(data: bytes, *, source: str = "<bytes>") -> npt.NDArray[np.generic]:
    """Parse the bytes of one IDX file into an array, validating its header.

    Parameters
    ----------
    data:
        The whole (decompressed) file.
    source:
        Name shown in error messages, usually the file's path.

    Returns
    -------
    numpy.ndarray
        A read-only array in native byte order with the shape the header announces.

    Raises
    ------
    CorruptDatasetError
        If the magic number, the dimensions or the payload length are wrong.

    Examples
    --------
    >>> read_idx_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9])).tolist()
    [7, 8, 9]
    """
    if len(data) < 4:
        raise CorruptDatasetError(
            f"{source}: truncated IDX header ({len(data)} bytes, a magic number needs 4)"
        )
    zero0, zero1, type_code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0 or type_code not in _DTYPES or not 1 <= ndim <= _MAX_NDIM:
        codes = ", ".join(f"0x{code:02X}" for code in _DTYPES)
        raise CorruptDatasetError(
            f"{source}: bad IDX magic number 0x{data[:4].hex().upper()} (expected 0x0000TTNN "
            f"with type TT in {codes} and 1 <= NN <= {_MAX_NDIM} dimensions, "
            "e.g. 0x00000803 for images); this is not an IDX file"
        )
    header_end = 4 + 4 * ndim
    if len(data) < header_end:
        raise CorruptDatasetError(
            f"{source}: truncated IDX header ({len(data)} bytes, "
            f"{ndim} dimensions need {header_end})"
        )
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_DTYPES[type_code])
    # Python ints: four 32-bit dimensions would overflow a numpy int64 product.
    expected = math.prod(shape) * dtype.itemsize
    actual = len(data) - header_end
    if actual != expected:
        problem = "is truncated" if actual < expected else "has trailing bytes"
        raise CorruptDatasetError(
            f"{source}: IDX header announces shape {shape} ({expected} payload bytes) "
            f"but the file holds {actual}; the file {problem} or is corrupt"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_end).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | Path) -> npt.NDArray[np.generic]:
    """Read an IDX file from disk; ``.gz`` files are decompressed on the fly.

    Raises
    ------
    CorruptDatasetError
        If the file is not valid gzip (for ``.gz``) or not a valid IDX file.
    OSError
        If the file cannot be read at all (missing, a folder, no permission).
    """
    path = Path(path)
    if path.suffix != ".gz":
        return read_idx_bytes(path.read_bytes(), source=str(path))
    import gzip  # only decoding needs it: a second process maps the decoded arrays

    try:
        with gzip.open(path, "rb") as handle:
            data = handle.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise CorruptDatasetError(
            f"{path}: cannot be decompressed ({exc}); the file is truncated or not gzip"
        ) from exc
    return read_idx_bytes(data, source=str(path))


def read_idx_pair(
    image_path: Path, label_path: Path, *, label_column: int | None = None
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Read an images / labels IDX pair and check they describe the same digits.

    ``label_column``: the labels file is a table (:func:`read_idx_int`, e.g.
    QMNIST's extended labels) and the class is this column of it.

    Raises
    ------
    CorruptDatasetError
        A file is not valid IDX, the images are not uint8 ``(N, H, W)``, or the
        labels are not ``N`` integers 0-9.
    """
    images = read_idx(image_path)
    if label_column is None:
        labels = read_idx(label_path)
    else:
        table = read_idx_int(label_path)
        if table.shape[1] <= label_column:
            raise CorruptDatasetError(
                f"{label_path}: a table of {table.shape[1]} columns has no class column "
                f"{label_column}"
            )
        labels = table[:, label_column]
    if images.dtype != np.uint8 or images.ndim != 3:
        raise CorruptDatasetError(
            f"{image_path}: expected uint8 images of shape (N, H, W), "
            f"got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise CorruptDatasetError(
            f"{label_path}: labels of shape {labels.shape} do not match "
            f"the {images.shape[0]} images of {image_path.name}"
        )
    if labels.dtype.kind not in "iu" or (labels.size and (labels.min() < 0 or labels.max() > 9)):
        raise CorruptDatasetError(f"{label_path}: labels must be integers 0-9")
    return images.astype(np.uint8, copy=False), labels.astype(np.uint8, copy=False)


def read_idx_int(path: str | Path) -> npt.NDArray[np.int32]:
    """Read a table of int32 values stored as IDX (magic ``0x00000C02``), e.g. QMNIST's
    extended labels, where each row describes one digit (column 0 its class, column 2
    its NIST writer).

    Returns
    -------
    numpy.ndarray
        ``int32`` of shape ``(rows, cols)`` in native byte order.

    Raises
    ------
    CorruptDatasetError
        If the file is not valid IDX, or holds something other than a
        2-dimensional int32 table.
    OSError
        If the file cannot be read at all.
    """
    table = read_idx(path)
    if table.dtype != np.int32 or table.ndim != 2:
        raise CorruptDatasetError(
            f"{path}: expected an IDX table of int32 (magic 0x00000C02, shape (rows, cols)), "
            f"got {table.dtype} with shape {table.shape}"
        )
    return table.astype(np.int32, copy=False)
