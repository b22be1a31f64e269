"""Files written whole or not at all: PNG encoding, atomic writes, manifests, output folders."""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError

__all__ = ["encode_png", "prepare_output_dir", "write_atomic", "write_manifest", "write_png"]


def encode_png(image: npt.NDArray[np.uint8] | npt.NDArray[np.floating[Any]]) -> bytes:
    """PNG bytes of a grayscale image: ``uint8`` as is, ``float`` in [0, 1] scaled by 255."""
    import cv2

    if image.dtype != np.uint8:
        image = np.rint(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    ok, encoded = cv2.imencode(".png", image)
    if not ok:  # pragma: no cover - OpenCV only fails on invalid arrays
        raise InvalidParameterError(
            f"image: cannot encode an array of shape {image.shape} as PNG",
            param="image",
            value=image,
        )
    return encoded.tobytes()


def write_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place."""
    path = Path(path)
    tmp_name = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    # Mode 0o666 minus the umask, like any ordinary file (mkstemp would make it 0o600).
    fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def write_png(
    path: str | Path, image: npt.NDArray[np.uint8] | npt.NDArray[np.floating[Any]]
) -> Path:
    """Encode ``image`` and write it atomically to ``path``."""
    return write_atomic(path, encode_png(image))


def write_manifest(path: str | Path, rows: Iterable[tuple[str, str]]) -> Path:
    """Write a ``file_name,label`` CSV atomically; labels stay strings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file_name", "label"])
    writer.writerows(rows)
    return write_atomic(path, buffer.getvalue().encode("utf-8"))


def prepare_output_dir(output_path: str | os.PathLike[str], name: str = "output_path") -> Path:
    """Create ``output_path`` as a folder if needed and check it can be written."""
    folder = Path(output_path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InvalidParameterError(
            f"{name}={str(folder)!r}: exists and is not a folder", param=name, value=output_path
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidParameterError(
            f"{name}={str(folder)!r}: cannot create the folder ({exc.strerror or exc})",
            param=name,
            value=output_path,
        ) from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidParameterError(
            f"{name}={str(folder)!r}: the folder is not writable", param=name, value=output_path
        )
    return folder
