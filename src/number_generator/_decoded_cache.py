"""Cache of decoded dataset arrays as ``.npy`` files, memory-mapped on load.

Parsing a gzip'd IDX file costs ~100 ms for the 10k test split and more for the
60k train split; a second process should not pay it. Entries are keyed by the
source file's name, size and modification time, so replacing a data file
invalidates its entry. The cache is best effort: a cache folder that cannot be
written is logged and ignored.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

logger = logging.getLogger("number_generator")

CACHE_DIR_ENV = "NUMBER_GENERATOR_CACHE_DIR"
_FORMAT = 1

Arrays = tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.int16]]


def cache_dir() -> Path:
    """``$NUMBER_GENERATOR_CACHE_DIR``, else ``<user cache dir>/number_generator/decoded``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("number_generator")) / "decoded"


def _key(image_path: Path, label_path: Path) -> str | None:
    parts = []
    for path in (image_path, label_path):
        try:
            stat = path.stat()
        except OSError:
            return None
        parts.append(f"{path.name}-{stat.st_size}-{stat.st_mtime_ns}")
    return f"v{_FORMAT}-" + "-".join(parts)


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
    if images.ndim != 3 or labels.shape != (images.shape[0],) or extents.shape != (images.shape[0], 4):
        return None
    return images, labels, extents


def save(
    image_path: Path,
    label_path: Path,
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.uint8],
    extents: npt.NDArray[np.int16],
) -> None:
    """Store the decoded arrays; failures are logged, never raised."""
    key = _key(image_path, label_path)
    if key is None:
        return
    root = cache_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=root))
    except OSError as exc:
        logger.debug("decoded-array cache not written to %s: %s", root, exc)
        return
    try:
        np.save(staging / "images.npy", images)
        np.save(staging / "labels.npy", labels)
        np.save(staging / "extents.npy", extents)
        os.replace(staging, root / key)
    except OSError as exc:
        logger.debug("decoded-array cache not written to %s: %s", root, exc)
        shutil.rmtree(staging, ignore_errors=True)
