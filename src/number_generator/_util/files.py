"""Files written whole or not at all: PNG encoding, atomic writes, manifests, output folders."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError, InvalidTypeError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "check_path",
    "encode_png",
    "prepare_output_dir",
    "write_atomic",
    "write_manifest",
    "write_png",
]


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
    from pathlib import Path  # with the first file written: drawing alone does not need it

    path = Path(path)
    tmp_name = path.with_name(f".{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp")
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
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["file_name", "label"])
    writer.writerows(rows)
    return write_atomic(path, buffer.getvalue().encode("utf-8"))


def check_path(path: Any, name: str = "output_path") -> Path:
    """``path`` (a ``str`` or ``os.PathLike``, ``~`` expanded) as a :class:`Path`.

    Anything else is an :class:`InvalidTypeError`, a NUL character an
    :class:`InvalidParameterError`, both naming ``name``.

    Examples
    --------
    >>> check_path("out/a.png").name
    'a.png'
    >>> check_path(5)
    Traceback (most recent call last):
    ...
    number_generator.errors.InvalidTypeError: output_path=5: expected a path (str or os.PathLike)
    """
    from pathlib import Path

    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    if not isinstance(text, str):
        raise InvalidTypeError(
            f"{name}={path!r}: expected a path (str or os.PathLike)", param=name, value=path
        )
    if "\0" in text:
        raise InvalidParameterError(
            f"{name}={text!r}: a path cannot hold a NUL character", param=name, value=path
        )
    return Path(text).expanduser()


def prepare_output_dir(output_path: str | os.PathLike[str], name: str = "output_path") -> Path:
    """Create ``output_path`` as a folder if needed and check a file can be written into it.

    The check writes and removes an empty hidden file: permission bits say
    nothing to root, and folders such as ``/proc`` refuse new files to anyone.
    """
    folder = check_path(output_path, name)
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
    probe = folder / f".write-check.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        probe.unlink()
    except OSError as exc:
        raise InvalidParameterError(
            f"{name}={str(folder)!r}: cannot write into the folder ({exc.strerror or exc})",
            param=name,
            value=output_path,
        ) from exc
    return folder
