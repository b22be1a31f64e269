"""Registered datasets: published IDX files, downloaded, verified and cached (MNIST).

A registered dataset is a subclass of :class:`RegisteredDataset` that sets
only class attributes: its ``name``, ``mirrors``, ``resources`` (per split, the
images and labels files with their SHA-256) and, if not ``"train"``, its
``default_split``. Defining the subclass at module level registers it in
:data:`DATASETS` under its ``name``; a face (CLI, service) lists the sets and
their splits from there alone::

    for name, dataset in DATASETS.items():
        print(name, dataset.description(), dataset.splits(), dataset.default_split)
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from ..errors import ChecksumError, DatasetNotFoundError, DownloadError, InvalidParameterError
from . import cache as _decoded_cache
from .base import DigitDataset, LabelArray, U8Array, compute_ink_extents
from .download import MirrorsFailedError, fetch_file, mirrors_from_env, remove_stale_downloads
from .idx import read_idx_pair

__all__ = [
    "DATASETS",
    "DATA_DIR_ENV",
    "DEFAULT_DATASET",
    "MNIST",
    "SPLIT_ENV",
    "RegisteredDataset",
    "Resource",
    "data_dir_for",
    "get_mnist_data",
    "get_registered",
    "load_mnist",
]

logger = logging.getLogger("number_generator")

DATA_DIR_ENV = "NUMBER_GENERATOR_DATA_DIR"
SPLIT_ENV = "NUMBER_GENERATOR_SPLIT"

#: Registered dataset names -> class, filled by defining :class:`RegisteredDataset` subclasses.
DATASETS: dict[str, type[RegisteredDataset]] = {}
#: The registered set used when a caller names none.
DEFAULT_DATASET = "mnist"


@dataclass(frozen=True)
class Resource:
    """One published file and its SHA-256 digest."""

    file_name: str
    sha256: str


class RegisteredDataset:
    """A downloadable MNIST-like dataset; subclasses change only class attributes.

    Every subclass that sets ``name`` is added to :data:`DATASETS` under that
    name (a later class of the same name replaces the earlier one), so a new
    set is one subclass; ``class Mine(RegisteredDataset, register=False)``
    keeps a one-off class out of the registry.
    """

    #: Registered name, lower case (``"mnist"``).
    name: ClassVar[str]
    #: Base URLs the files are fetched from, in order (``$NUMBER_GENERATOR_MIRRORS`` overrides).
    mirrors: ClassVar[tuple[str, ...]]
    #: split -> (images file, labels file)
    resources: ClassVar[dict[str, tuple[Resource, Resource]]]
    #: Split used when neither the caller nor ``$NUMBER_GENERATOR_SPLIT`` names one.
    default_split: ClassVar[str] = "train"

    def __init_subclass__(cls, *, register: bool = True, **kwargs: Any) -> None:
        """Register a subclass that sets ``name``; ``register=False`` keeps it out of
        :data:`DATASETS` (a one-off set, e.g. in a test)."""
        super().__init_subclass__(**kwargs)
        if register and "name" in cls.__dict__:
            DATASETS[cls.name] = cls

    @classmethod
    def description(cls) -> str:
        """One line about the dataset: the first line of the class docstring."""
        return (cls.__doc__ or cls.name).strip().splitlines()[0]

    @classmethod
    def splits(cls) -> tuple[str, ...]:
        """Split names accepted by :meth:`load`; ``"all"`` joins every split."""
        return (*cls.resources, "all")

    @classmethod
    def check_split(cls, split: str) -> str:
        """Return ``split`` if it is known, else raise ``InvalidParameterError``."""
        if split not in cls.splits():
            allowed = ", ".join(repr(s) for s in cls.splits())
            raise InvalidParameterError(
                f"split={split!r}: unknown split of {cls.name}; expected one of {allowed}",
                param="split",
                value=split,
            )
        return split

    @classmethod
    def resolve_split(cls, split: str | None) -> str:
        """``split`` if given, else ``$NUMBER_GENERATOR_SPLIT``, else :attr:`default_split`.

        Raises
        ------
        InvalidParameterError
            If the split is unknown; the message names the environment
            variable when the value came from there.
        """
        if split is not None:
            return cls.check_split(split)
        env = os.environ.get(SPLIT_ENV)
        if not env:
            return cls.default_split
        try:
            return cls.check_split(env)
        except InvalidParameterError as exc:
            raise InvalidParameterError(f"{SPLIT_ENV}: {exc}", param="split", value=env) from None

    @classmethod
    def download(
        cls,
        split: str | None = None,
        data_dir: str | Path | None = None,
        *,
        progress: bool | None = None,
    ) -> list[Path]:
        """Make sure the files of ``split`` are present and verified; return their paths.

        ``split`` defaults to :attr:`default_split`; ``"all"`` means every split.
        """
        parts = cls._parts(split)
        folder = data_dir_for(cls.name, data_dir)
        remove_stale_downloads(folder)
        return [
            cls._ensure_file(part, resource, folder, progress)
            for part in parts
            for resource in cls.resources[part]
        ]

    @classmethod
    def load(
        cls,
        split: str | None = None,
        data_dir: str | Path | None = None,
        *,
        progress: bool | None = None,
    ) -> DigitDataset:
        """Load ``split`` (default :attr:`default_split`; ``"all"`` joins the splits).

        Missing files are downloaded first.
        """
        split = cls.default_split if split is None else split
        names = cls._parts(split)
        folder = data_dir_for(cls.name, data_dir)
        parts = [cls._load_part(part, folder, progress) for part in names]
        if len(parts) == 1:
            images, labels, extents = parts[0]
        else:
            images = np.concatenate([p[0] for p in parts])
            labels = np.concatenate([p[1] for p in parts])
            extents = np.concatenate([p[2] for p in parts])
        return DigitDataset(images, labels, name=cls.name, split=split, ink_extents=extents)

    @classmethod
    def _parts(cls, split: str | None) -> list[str]:
        """The published splits ``split`` stands for (checked; ``None``: :attr:`default_split`)."""
        split = cls.check_split(cls.default_split if split is None else split)
        return list(cls.resources) if split == "all" else [split]

    @classmethod
    def _load_part(
        cls, part: str, folder: Path, progress: bool | None
    ) -> tuple[U8Array, LabelArray, npt.NDArray[np.int16]]:
        image_res, label_res = cls.resources[part]
        image_path, label_path = folder / image_res.file_name, folder / label_res.file_name
        cached = _decoded_cache.load(image_path, label_path)
        if cached is not None:
            return cached
        for resource in (image_res, label_res):
            cls._ensure_file(part, resource, folder, progress)
        images_u8, labels_u8 = read_idx_pair(image_path, label_path)
        extents = compute_ink_extents(images_u8)
        _decoded_cache.save(image_path, label_path, images_u8, labels_u8, extents)
        return images_u8, labels_u8, extents

    @classmethod
    def _ensure_file(
        cls, part: str, resource: Resource, folder: Path, progress: bool | None
    ) -> Path:
        path = folder / resource.file_name
        if path.is_file():
            digest = _sha256(path)
            if digest == resource.sha256:
                return path
            raise ChecksumError(
                f"{path}: SHA-256 is {digest}, expected {resource.sha256} "
                "(the file is corrupt or not the published one); delete it to download it again"
            )
        logger.info("%s not found in %s, downloading", resource.file_name, folder)
        try:
            return fetch_file(
                resource.file_name,
                resource.sha256,
                folder,
                mirrors_from_env(cls.mirrors),
                progress=progress,
            )
        except MirrorsFailedError as exc:
            others = cls._splits_present(folder, besides=part)
            if not others:
                raise
            raise DatasetNotFoundError(cls._other_split_message(part, others, folder, exc)) from exc
        except DownloadError:
            raise
        except OSError as exc:  # the folder cannot be created or written
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise DatasetNotFoundError(
                    f"{resource.file_name} could not be written to {folder}: the disk is full "
                    f"({exc.strerror}); free some space there, or set {DATA_DIR_ENV} or pass "
                    "data_dir= to a folder on a disk with room"
                ) from exc
            raise DatasetNotFoundError(
                f"{resource.file_name} is missing from {folder} and that folder is not writable "
                f"({exc}); set {DATA_DIR_ENV} or pass data_dir= to a writable folder"
            ) from exc

    @classmethod
    def cached_splits(cls, data_dir: str | Path | None = None) -> list[str]:
        """The published splits whose files are all in the data folder (not re-verified).

        Examples
        --------
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     MNIST.cached_splits(tmp)
        []
        """
        return cls._splits_present(data_dir_for(cls.name, data_dir), besides=None)

    @classmethod
    def _splits_present(cls, folder: Path, *, besides: str | None) -> list[str]:
        """The splits other than ``besides`` whose files are all in ``folder``."""
        return [
            split
            for split, files in cls.resources.items()
            if split != besides and all((folder / f.file_name).is_file() for f in files)
        ]

    @classmethod
    def _other_split_message(
        cls, part: str, others: list[str], folder: Path, exc: MirrorsFailedError
    ) -> str:
        """One line: ``folder`` holds another split, the one asked for could not be had."""
        last = exc.failures[-1] if exc.failures else "no mirrors configured"
        tries = f"{len(exc.failures)} attempt(s) failed, the last: {last}"
        other = others[0]
        missing = ", ".join(f.file_name for f in cls.resources[part])
        return (
            f"{folder} holds the {' and '.join(others)} split of {cls.name}, not the {part} "
            f"split: {exc.file_name} is missing there and could not be downloaded ({tries}). "
            f"Fix: use the {other} split (--split {other}, {SPLIT_ENV}={other} or "
            f"split={other!r}), or put {missing} into {folder}"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MNIST(RegisteredDataset):
    """The MNIST database of handwritten digits (LeCun, Cortes, Burges), 60k train + 10k test."""

    name = "mnist"
    mirrors = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    resources = {  # noqa: RUF012 - class-level constant table
        "train": (
            Resource(
                "train-images-idx3-ubyte.gz",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
            Resource(
                "train-labels-idx1-ubyte.gz",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
        ),
        "test": (
            Resource(
                "t10k-images-idx3-ubyte.gz",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
            Resource(
                "t10k-labels-idx1-ubyte.gz",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        ),
    }


def get_registered(name: str) -> type[RegisteredDataset]:
    """The registered dataset called ``name`` (case-insensitive).

    Raises
    ------
    InvalidParameterError
        No dataset is registered under that name; the message lists those that are.

    Examples
    --------
    >>> get_registered("MNIST").name
    'mnist'
    """
    registered = DATASETS.get(name.lower()) if isinstance(name, str) else None
    if registered is None:
        raise InvalidParameterError(
            f"dataset={name!r}: not a registered dataset; expected one of "
            f"{', '.join(repr(known) for known in DATASETS)}",
            param="dataset",
            value=name,
        )
    return registered


def data_dir_for(name: str, data_dir: str | Path | None = None) -> Path:
    """Folder holding a registered dataset's files.

    ``data_dir`` if given, else ``$NUMBER_GENERATOR_DATA_DIR``, else
    ``<user cache dir>/number_generator/<name>``.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("number_generator")) / name


def load_mnist(
    split: str | None = None, data_dir: str | Path | None = None, *, progress: bool | None = None
) -> DigitDataset:
    """Load MNIST, downloading and verifying the files if they are missing.

    Parameters
    ----------
    split:
        ``"train"`` (60,000 glyphs), ``"test"`` (10,000) or ``"all"``.
        Default: ``$NUMBER_GENERATOR_SPLIT``, else ``"train"``.
    data_dir:
        Folder with the ``*-idx?-ubyte.gz`` files. Default:
        ``$NUMBER_GENERATOR_DATA_DIR``, else the user cache folder.
    progress:
        Progress bar while downloading; default: only on a terminal.

    Raises
    ------
    InvalidParameterError
        Unknown ``split``.
    DownloadError, ChecksumError, CorruptDatasetError
        The files could not be had, or are not the published ones.

    Examples
    --------
    >>> ds = load_mnist("test")
    >>> len(ds), ds.glyph_shape
    (10000, (28, 28))
    """
    return MNIST.load(MNIST.resolve_split(split), data_dir, progress=progress)


def get_mnist_data(
    split: str | None = None, data_dir: str | Path | None = None
) -> tuple[U8Array, LabelArray]:
    """``(images, labels)`` of MNIST, the call seed 004's users know.

    Both arrays are read-only (the images are usually memory-mapped from the
    decoded-array cache); ``images.copy()`` gives an array you may modify.
    """
    dataset = load_mnist(split, data_dir)
    return dataset.images, dataset.labels
