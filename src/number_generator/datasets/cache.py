"""Cache of decoded dataset arrays as ``.npy`` files, memory-mapped on load.

Parsing a gzip'd IDX file costs ~100 ms for the 10k test split and more for the
60k train split; a second process should not pay it. Entries are keyed by the
source files' folder, names, sizes and modification times, so replacing a data
file invalidates its entry (and a copy elsewhere is verified on its own). The
cache is best effort: a cache folder that cannot be written is logged and
ignored, an unreadable or inconsistent entry is a miss.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .._util.lazy import logger
from .environment import user_cache_dir

CACHE_DIR_ENV = "NUMBER_GENERATOR_CACHE_DIR"
_FORMAT = 1

Arrays = tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.int16]]


def cache_dir() -> Path:
    """``$NUMBER_GENERATOR_CACHE_DIR``, else ``<user cache dir>/number_generator/decoded``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_cache_dir(), "decoded")


def _key(*paths: Path) -> str | None:
    parts = []
    identity = hashlib.sha256()
    for path in paths:
        try:
            stat = path.stat()
            folder = path.parent.resolve()
        except OSError:
            return None
        parts.append(f"{path.name}-{stat.st_size}-{stat.st_mtime_ns}")
        # The folder is part of the identity: a copy with the same size and
        # mtime elsewhere (cp -p, shutil.copy2) must not skip its own checksum.
        identity.update(os.fsencode(folder) + b"\0")
    return f"v{_FORMAT}-{identity.hexdigest()[:16]}-" + "-".join(parts)


def load(image_path: Path, label_path: Path) -> Arrays | None:
    """The cached arrays for these source files, or ``None``."""
    key = _key(image_path, label_path)
    if key is None:
        return None
    folder = cache_dir() / key
    try:
        images = np.load(folder / "images.npy", mmap_mode="r")
        labels = np.load(folder / "labels.npy")
        extents = np.load(folder / "extents.npy")
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
    image_path: Path,
    label_path: Path,
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    extents: npt.NDArray[np.int16],
) -> None:
    """Store the decoded arrays; failures are logged, never raised."""
    _save(
        _key(image_path, label_path),
        {"images.npy": images, "labels.npy": labels, "extents.npy": extents},
    )


def load_writers(path: Path) -> npt.NDArray[np.int32] | None:
    """The cached ``(rows, 2)`` int32 class / writer columns of a writers file, or ``None``."""
    key = _key(path)
    if key is None:
        return None
    try:
        table: npt.NDArray[np.int32] = np.load(cache_dir() / key / "writers.npy")
    except (OSError, ValueError):
        return None
    if table.dtype != np.int32 or table.ndim != 2 or table.shape[1] != 2:
        logger().debug("ignoring inconsistent decoded-array cache entry for %s", path)
        return None
    table.setflags(write=False)
    return table


def save_writers(path: Path, table: npt.NDArray[np.int32]) -> None:
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
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    except OSError as exc:
        logger().debug("decoded-array cache not written to %s: %s", root, exc)
        return
    try:
        for name, array in arrays.items():
            np.save(staging / name, array)
        try:
            os.replace(staging, root / key)
        except OSError:
            # An entry under this key exists but load() found it unusable: replace it.
            shutil.rmtree(root / key, ignore_errors=True)
            os.replace(staging, root / key)
    except OSError as exc:
        logger().debug("decoded-array cache not written to %s: %s", root, exc)
        shutil.rmtree(staging, ignore_errors=True)
