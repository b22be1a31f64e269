"""The process-wide generator of each digit source, so data is loaded once per process."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..datasets import (
    DATA_DIR_ENV,
    DATASETS,
    DEFAULT_DATASET,
    SPLIT_ENV,
    DigitDataset,
    data_folder,
)
from .generator import SequenceGenerator

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["default_generator"]


def default_generator(
    dataset: DigitDataset | str | Path | None = None,
    *,
    split: str | None = None,
    data_dir: str | Path | None = None,
) -> SequenceGenerator:
    """The process-wide generator for ``dataset``: the data is loaded once, then reused.

    A :class:`DigitDataset` gets a fresh (cheap) generator; names and paths
    are cached per resolved split and data folder.
    """
    if isinstance(dataset, DigitDataset):
        return SequenceGenerator(dataset)
    # Keyed on the raw arguments and the environment, so the hot path skips path resolution.
    key = (dataset, split, data_dir, os.environ.get(DATA_DIR_ENV), os.environ.get(SPLIT_ENV))
    generator = _DEFAULT_GENERATORS.get(key)
    if generator is None:
        source = DEFAULT_DATASET if dataset is None else dataset
        if isinstance(source, str) and source.lower() in DATASETS:
            registered = DATASETS[source.lower()]
            generator = _cached_generator(
                registered.name,
                registered.resolve_split(split),
                data_folder(registered.name, data_dir),
            )
        else:
            generator = _cached_generator(source, split, None)
        _DEFAULT_GENERATORS[key] = generator
    return generator


_DEFAULT_GENERATORS: dict[tuple[Any, ...], SequenceGenerator] = {}


@lru_cache(maxsize=8)
def _cached_generator(
    name: str | Path, split: str | None, data_dir: str | None
) -> SequenceGenerator:
    return SequenceGenerator(name, split=split, data_dir=data_dir)
