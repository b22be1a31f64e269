"""Cache of decoded dataset arrays as ``.npy`` files, memory-mapped on load.

Parsing a gzip'd IDX file costs ~100 ms for the 10k test split and more for the
60k train split; a second process should not pay it. Entries are keyed by the
source files' folder, names, sizes and modification times, so replacing a data
file invalidates its entry (and a copy elsewhere is verified on its own). The
cache is best effort: a cache folder that cannot be written is logged and
ignored, an unreadable or inconsistent entry is a miss. Paths are plain strings
(``os.path``): finding an entry is on every cold start's path, pathlib is not needed.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import numpy.typing as npt

from .._util.lazy import logger
from .environment import user_cache_dir

CACHE_DIR_ENV = "NUMBER_GENERATOR_CACHE_DIR"
_FORMAT = 1

Arrays = tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.int16]]


def cache_dir() -> str:
    """``$NUMBER_GENERATOR_CACHE_DIR``, else ``<user cache dir>/number_generator/decoded``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return os.path.expanduser(env)
    return os.path.join(user_cache_dir(), "decoded")


def _key(*paths: str | os.PathLike[str]) -> str | None:
    parts = []
    identity = hashlib.sha256()
    for source in paths:
        path = os.fspath(source)
        try:
            stat = os.stat(path)
            folder = os.path.realpath(os.path.dirname(path))
        except OSError:
            return None
        parts.append(f"{os.path.basename(path)}-{stat.st_size}-{stat.st_mtime_ns}")
        # The folder is part of the identity: a copy with the same size and
        # mtime elsewhere (cp -p, shutil.copy2) must not skip its own checksum.
        identity.update(os.fsencode(folder) + b"\0")
    return f"v{_FORMAT}-{identity.hexdigest()[:16]}-" + "-".join(parts)


def load(image_path: str | os.PathLike[str], label_path: str | os.PathLike[str]) -> Arrays | None:
    """The cached arrays for these source files, or ``None``."""
    key = _key(image_path, label_path)
    if key is None:
        return None
    folder = os.path.join(cache_dir(), key)
    try:
        images = np.load(os.path.join(folder, "images.npy"), mmap_mode="r")
        labels = np.load(os.path.join(folder, "labels.npy"))
        extents = np.load(os.path.join(folder, "extents.npy"))
    except (OSError, ValueError):
        return None
    if (
        images.dtype != np.uint8
        or labels.dtype != np.uint8
        or extents.dtype != np.int16
        or images.ndim != 3
        or labels.shape != (images.shape[0],)
        or extents.shape != (images.shape[0], 4)
    ):
        logger().debug("ignoring inconsistent decoded-array cache entry %s", folder)
        return None
    # Read-only like the freshly parsed arrays, so a cached load behaves the same.
    labels.setflags(write=False)
    extents.setflags(write=False)
    return images, labels, extents


def save(
    image_path: str | os.PathLike[str],
    label_path: str | os.PathLike[str],
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    extents: npt.NDArray[np.int16],
) -> None:
    """Store the decoded arrays; failures are logged, never raised."""
    _save(
        _key(image_path, label_path),
        {"images.npy": images, "labels.npy": labels, "extents.npy": extents},
    )


def load_writers(path: str | os.PathLike[str]) -> npt.NDArray[np.int32] | None:
    """The cached ``(rows, 2)`` int32 class / writer columns of a writers file, or ``None``."""
    key = _key(path)
    if key is None:
        return None
    try:
        table: npt.NDArray[np.int32] = np.load(os.path.join(cache_dir(), key, "writers.npy"))
    except (OSError, ValueError):
        return None
    if table.dtype != np.int32 or table.ndim != 2 or table.shape[1] != 2:
        logger().debug("ignoring inconsistent decoded-array cache entry for %s", path)
        return None
    table.setflags(write=False)
    return table


def save_writers(path: str | os.PathLike[str], table: npt.NDArray[np.int32]) -> None:
    """Store the class / writer columns of a writers file; failures are logged, never raised."""
    _save(_key(path), {"writers.npy": table})


def _save(key: str | None, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    """Write ``arrays`` as the cache entry ``key`` in one rename (best effort)."""
    import shutil  # only writing an entry needs these, not reading one
    import tempfile

    if key is None:
        return
    root = cache_dir()
    try:
        os.makedirs(root, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".tmp-", dir=root)
    except OSError as exc:
        logger().debug("decoded-array cache not written to %s: %s", root, exc)
        return
    entry = os.path.join(root, key)
    try:
        for name, array in arrays.items():
            np.save(os.path.join(staging, name), array)
        try:
            os.replace(staging, entry)
        except OSError:
            # An entry under this key exists but load() found it unusable: replace it.
            shutil.rmtree(entry, ignore_errors=True)
            os.replace(staging, entry)
    except OSError as exc:
        logger().debug("decoded-array cache not written to %s: %s", root, exc)
        shutil.rmtree(staging, ignore_errors=True)
