"""Digit sources: the dataset object, registered sets (MNIST, downloaded and cached), local files.

Modules: :mod:`.base` (:class:`DigitDataset`), :mod:`.registry` (registered,
downloadable sets and :data:`DATASETS`), :mod:`.sets` (MNIST, EMNIST digits,
QMNIST), :mod:`.local` (``.npz``, IDX and PNG folders), :mod:`.idx` (the IDX
format), :mod:`.download` (verified downloads),
:mod:`.cache` (decoded arrays), :mod:`.hashes` (known hashes: SHA-256 or MD5),
:mod:`.archive` (members of a published zip). :func:`load_dataset` picks the right one.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .._util.lazy import lazy_names
from ..errors import InvalidParameterError, InvalidTypeError
from .base import DigitDataset, compute_ink_extents
from .registry import (
    DATA_DIR_ENV,
    DATASETS,
    DEFAULT_DATASET,
    SPLIT_ENV,
    RegisteredDataset,
    Resource,
    data_dir_for,
    data_folder,
    get_registered,
)
from .sets import MNIST, QMNIST, EMNISTDigits, get_mnist_data, load_mnist

if TYPE_CHECKING:
    from pathlib import Path

    from .local import load_idx_folder, load_npz, load_png_folder

# The local-file loaders load when first used: a registered set's cached data needs none.
__getattr__, __dir__ = lazy_names(
    __name__, {".local": ("load_idx_folder", "load_npz", "load_png_folder")}
)

__all__ = [
    "DATASETS",
    "DATA_DIR_ENV",
    "DEFAULT_DATASET",
    "MNIST",
    "QMNIST",
    "SPLIT_ENV",
    "DigitDataset",
    "EMNISTDigits",
    "RegisteredDataset",
    "Resource",
    "compute_ink_extents",
    "data_dir_for",
    "data_folder",
    "get_mnist_data",
    "get_registered",
    "load_dataset",
    "load_idx_folder",
    "load_mnist",
    "load_npz",
    "load_png_folder",
]


def load_dataset(
    dataset: str | Path | DigitDataset | None = None,
    *,
    split: str | None = None,
    data_dir: str | Path | None = None,
) -> DigitDataset:
    """Resolve ``dataset`` to a :class:`DigitDataset`.

    Accepts a loaded dataset (returned as is), ``None`` (MNIST), a registered
    name (``"mnist"``), a ``.npz`` file, a folder of IDX files or a folder of
    per-class PNG folders.
    """
    if isinstance(dataset, DigitDataset):
        return dataset
    if dataset is None:
        dataset = DEFAULT_DATASET
    if not isinstance(dataset, (str, os.PathLike)):
        raise InvalidTypeError(
            f"dataset={dataset!r}: expected a DigitDataset, a registered name "
            f"({', '.join(DATASETS)}) or a path",
            param="dataset",
            value=dataset,
        )
    key = str(dataset)
    # Only a str names a registered set: a Path is always a path, even Path("mnist").
    if isinstance(dataset, str) and key.lower() in DATASETS:
        registered = DATASETS[key.lower()]
        return registered.load(registered.resolve_split(split), data_dir)
    from pathlib import Path

    from .local import load_idx_folder, load_npz, load_png_folder

    path = Path(key).expanduser()
    if path.suffix == ".npz":
        return load_npz(path, split=split)
    if path.is_dir():
        if any((path / str(d)).is_dir() for d in range(10)):
            return load_png_folder(path)
        return load_idx_folder(path)
    raise InvalidParameterError(
        f"dataset={key!r}: not a registered dataset ({', '.join(sorted(DATASETS))}), "
        "a .npz file or a folder",
        param="dataset",
        value=dataset,
    )
