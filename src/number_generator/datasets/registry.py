"""Registered datasets: published IDX files, downloaded, verified and cached.

The sets themselves (MNIST, EMNIST digits, QMNIST) are in :mod:`.sets`.

A registered dataset is a subclass of :class:`RegisteredDataset` that sets
only class attributes: its ``name``, ``mirrors``, ``resources`` (per split, the
images and labels files with their published hashes, or the members of a
published archive that hold them), if not ``"train"``, its
``default_split``, how its files differ from MNIST's (``label_column``,
``transposed``), and, when someone published who wrote each glyph,
``writers_resources`` / ``writers_mirrors`` (per split, an IDX int32 table with
one row per glyph, e.g. QMNIST's extended labels for MNIST). Defining the
subclass at module level registers it in :data:`DATASETS` under its
``name``; a face (CLI, service) lists the sets and their splits from there
alone::

    for name, dataset in DATASETS.items():
        print(name, dataset.description(), dataset.splits(), dataset.default_split)
"""

from __future__ import annotations

import errno
import os
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from .._util.lazy import logger
from ..errors import (
    ChecksumError,
    CorruptDatasetError,
    DatasetNotFoundError,
    DownloadError,
    InvalidParameterError,
)
from . import cache as _decoded_cache
from .base import DigitDataset, LabelArray, U8Array, WriterArray, compute_ink_extents
from .environment import DATA_DIR_ENV, MIRRORS_ENV, SPLIT_ENV, user_cache_dir

if TYPE_CHECKING:
    from pathlib import Path

    from .download import MirrorsFailedError

# Downloads, hashes, archives and the IDX parser (.download, .hashes, .archive, .idx) are
# imported where they are used: a process whose data is already decoded (see .cache) never
# loads them. Nor pathlib: the decoded arrays are found with plain strings (data_folder).

__all__ = [
    "DATASETS",
    "DATA_DIR_ENV",
    "DEFAULT_DATASET",
    "MIRRORS_ENV",
    "SPLIT_ENV",
    "RegisteredDataset",
    "Resource",
    "data_dir_for",
    "data_folder",
    "get_registered",
]

#: Registered dataset names -> class, filled by defining :class:`RegisteredDataset` subclasses.
DATASETS: dict[str, type[RegisteredDataset]] = {}
#: The registered set used when a caller names none.
DEFAULT_DATASET = "mnist"


class Resource(NamedTuple):
    """One published file and its published hash, or one member of a published archive.

    ``known_hash`` is ``"sha256:<hex>"``, ``"md5:<hex>"`` (where that is all
    the source publishes) or a bare SHA-256 hex digest. A member of an
    ``archive`` has no hash of its own: ``file_name`` is its path inside the
    archive (and below the data folder once extracted); the archive is
    verified against its hash, the member against the CRC-32 the archive
    records for it. Immutable (a named tuple: cheaper to define at import than
    a frozen dataclass).
    """

    file_name: str
    known_hash: str = ""
    archive: Resource | None = None


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
    #: split -> IDX int32 table whose first N rows describe the split's N glyphs in order.
    writers_resources: ClassVar[dict[str, Resource]] = {}
    #: Base URLs of the writers files (``$NUMBER_GENERATOR_MIRRORS`` overrides these too).
    writers_mirrors: ClassVar[tuple[str, ...]] = ()
    #: Columns of the writers table: the class (checked against the labels), the writer id.
    writers_columns: ClassVar[tuple[int, int]] = (0, 2)
    #: The labels file is an int32 table (QMNIST's extended labels); the class is this column.
    label_column: ClassVar[int | None] = None
    #: The images are stored transposed (EMNIST): rows and columns are swapped back on load.
    transposed: ClassVar[bool] = False

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
        The writers files (:attr:`writers_resources`) are fetched too, after
        the glyphs.
        """
        from .download import remove_stale_downloads

        parts = cls._parts(split)
        folder = data_dir_for(cls.name, data_dir)
        remove_stale_downloads(folder)
        paths = [
            cls._ensure_file(part, resource, folder, progress)
            for part in parts
            for resource in cls.resources[part]
        ]
        paths += [
            cls._ensure_file(part, cls.writers_resources[part], folder, progress, writers=True)
            for part in parts
            if part in cls.writers_resources
        ]
        return list(dict.fromkeys(paths))  # QMNIST's labels file is its writers file too

    @classmethod
    def load(
        cls,
        split: str | None = None,
        data_dir: str | Path | None = None,
        *,
        progress: bool | None = None,
    ) -> DigitDataset:
        """Load ``split`` (default :attr:`default_split`; ``"all"`` joins the splits).

        Missing glyph files are downloaded first, and with them the split's
        writers file. The writers file is otherwise only read when present: a
        folder holding just the glyph files loads without any network, with
        every writer unknown and :attr:`DigitDataset.writers_hint` saying how
        to fetch the file (``number-generator download``).
        """
        split = cls.default_split if split is None else split
        names = cls._parts(split)
        folder = data_folder(cls.name, data_dir)
        parts = [cls._load_part(part, folder, progress) for part in names]
        found = [
            cls._load_writers(part, folder, arrays[1], progress, fetch=arrays[3])
            for part, arrays in zip(names, parts, strict=True)
        ]
        hint = " ".join(note for _, note in found if note)
        if len(parts) == 1:
            images, labels, extents, _ = parts[0]
            writers = found[0][0]
        else:
            images = np.concatenate([p[0] for p in parts])
            labels = np.concatenate([p[1] for p in parts])
            extents = np.concatenate([p[2] for p in parts])
            writers = np.concatenate([ids for ids, _ in found])
        return DigitDataset(
            images,
            labels,
            name=cls.name,
            split=split,
            ink_extents=extents,
            writers=writers,
            writers_hint=hint,
        )

    @classmethod
    def _parts(cls, split: str | None) -> list[str]:
        """The published splits ``split`` stands for (checked; ``None``: :attr:`default_split`)."""
        split = cls.check_split(cls.default_split if split is None else split)
        return list(cls.resources) if split == "all" else [split]

    @classmethod
    def _load_part(
        cls, part: str, folder: str, progress: bool | None
    ) -> tuple[U8Array, LabelArray, npt.NDArray[np.int16], bool]:
        """The split's arrays, and whether a file had to be downloaded for them."""
        image_res, label_res = cls.resources[part]
        cached = _decoded_cache.load(
            os.path.join(folder, image_res.file_name), os.path.join(folder, label_res.file_name)
        )
        if cached is not None:
            return (*cached, False)
        return cls._decode_part(part, _as_path(folder), progress)

    @classmethod
    def _decode_part(
        cls, part: str, folder: Path, progress: bool | None
    ) -> tuple[U8Array, LabelArray, npt.NDArray[np.int16], bool]:
        """:meth:`_load_part` without a cache entry: fetch, verify, parse and cache the files."""
        image_res, label_res = cls.resources[part]
        image_path, label_path = folder / image_res.file_name, folder / label_res.file_name
        fetched = not (image_path.is_file() and label_path.is_file())
        for resource in (image_res, label_res):
            cls._ensure_file(part, resource, folder, progress)
        from .idx import read_idx_pair

        images_u8, labels_u8 = read_idx_pair(image_path, label_path, label_column=cls.label_column)
        if cls.transposed:
            images_u8 = np.ascontiguousarray(images_u8.transpose(0, 2, 1))
        extents = compute_ink_extents(images_u8)
        _decoded_cache.save(image_path, label_path, images_u8, labels_u8, extents)
        return images_u8, labels_u8, extents, fetched

    @classmethod
    def _load_writers(
        cls, part: str, folder: str, labels: LabelArray, progress: bool | None, *, fetch: bool
    ) -> tuple[WriterArray, str]:
        """The writer of each glyph of ``part`` (-1 when unknown) and, when unknown, why.

        The file is downloaded only when ``fetch`` (the glyph files were just
        downloaded too); a failed download then leaves the writers unknown.
        """
        unknown = np.full(labels.shape[0], -1, np.int32)
        resource = cls.writers_resources.get(part)
        if resource is None:
            return unknown, ""
        path = os.path.join(folder, resource.file_name)
        table = _decoded_cache.load_writers(path)
        if table is None:
            return cls._decode_writers(part, _as_path(folder), labels, progress, fetch=fetch)
        return _writers_of(path, table, labels, f"{cls.name} {part}"), ""

    @classmethod
    def _decode_writers(
        cls, part: str, folder: Path, labels: LabelArray, progress: bool | None, *, fetch: bool
    ) -> tuple[WriterArray, str]:
        """:meth:`_load_writers` without a cache entry: read (or fetch) the file and cache it."""
        unknown = np.full(labels.shape[0], -1, np.int32)
        resource = cls.writers_resources[part]
        path = folder / resource.file_name
        if not path.is_file() and not fetch:
            return unknown, cls._writers_hint(part, folder, "it is not there")
        try:
            cls._ensure_file(part, resource, folder, progress, writers=True)
        except (DownloadError, DatasetNotFoundError) as exc:
            logger().warning("%s: writer ids left unknown: %s", resource.file_name, exc)
            return unknown, cls._writers_hint(part, folder, "downloading it failed")
        table = _class_and_writer(path, cls.writers_columns)
        _decoded_cache.save_writers(path, table)
        return _writers_of(path, table, labels, f"{cls.name} {part}"), ""

    @classmethod
    def _writers_hint(cls, part: str, folder: Path, reason: str) -> str:
        """How to get the writers file of ``part`` into ``folder`` (one sentence)."""
        name = cls.writers_resources[part].file_name
        source = f" from {cls.writers_mirrors[0]}{name}" if cls.writers_mirrors else ""
        return (
            f"The writer ids of {cls.name} {part} come from {name} in {folder}, and {reason}: "
            f"run `number-generator download --split {part} --data-dir {folder}` (set "
            f"{MIRRORS_ENV} to a mirror that has it if needed), or copy the file there by "
            f"hand{source}, or set {DATA_DIR_ENV} to a folder holding every file."
        )

    @classmethod
    def _ensure_file(
        cls,
        part: str,
        resource: Resource,
        folder: Path,
        progress: bool | None,
        *,
        writers: bool = False,
    ) -> Path:
        from .download import MirrorsFailedError, fetch_file, mirrors_from_env
        from .hashes import file_digest, parse_known_hash

        path = folder / resource.file_name
        if resource.archive is not None:
            return path if path.is_file() else cls._extract(part, resource, folder, progress)
        if path.is_file():
            known = parse_known_hash(resource.known_hash)
            digest = file_digest(path, known)
            if known.matches(digest):
                return path
            raise ChecksumError(
                f"{path}: {known.label} is {digest}, expected {known.hexdigest} "
                "(the file is corrupt or not the published one); delete it to download it again"
            )
        logger().info("%s not found in %s, downloading", resource.file_name, folder)
        try:
            return fetch_file(
                resource.file_name,
                resource.known_hash,
                folder,
                mirrors_from_env(cls.writers_mirrors if writers else cls.mirrors),
                progress=progress,
            )
        except MirrorsFailedError as exc:
            others = [] if writers else cls._splits_present(folder, besides=part)
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
    def _extract(cls, part: str, member: Resource, folder: Path, progress: bool | None) -> Path:
        """Extract ``member`` from its archive (downloaded and verified first, if missing).

        Once every member the dataset needs from that archive is extracted,
        the archive is deleted: the other sets it holds are not used.
        """
        from .archive import extract_member

        archive = member.archive
        assert archive is not None
        archive_path = cls._ensure_file(part, archive, folder, progress)
        logger().info("extracting %s from %s", member.file_name, archive_path)
        target = extract_member(archive_path, member.file_name, folder / member.file_name)
        members = [r for pair in cls.resources.values() for r in pair if r.archive == archive]
        if all((folder / other.file_name).is_file() for other in members):
            archive_path.unlink(missing_ok=True)
        return target

    @classmethod
    def cached_splits(cls, data_dir: str | Path | None = None) -> list[str]:
        """The published splits whose files are all in the data folder (not re-verified).

        Examples
        --------
        >>> import tempfile
        >>> from number_generator.datasets import MNIST
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


def _class_and_writer(path: Path, columns: tuple[int, int]) -> npt.NDArray[np.int32]:
    """The ``(rows, 2)`` class and writer columns of the IDX int32 table at ``path``."""
    from .idx import read_idx_int

    table = read_idx_int(path)
    if table.shape[1] <= max(columns):
        raise CorruptDatasetError(
            f"{path}: a writers table needs columns {columns[0]} (class) and {columns[1]} "
            f"(writer), but it has {table.shape[1]}"
        )
    return table[:, list(columns)].astype(np.int32)


def _writers_of(
    path: str | os.PathLike[str], table: npt.NDArray[np.int32], labels: LabelArray, what: str
) -> WriterArray:
    """The writer column of the first ``len(labels)`` rows of ``table`` (class, writer),
    after checking that their classes are ``labels`` (``path``, the file's, for the errors).

    Raises
    ------
    CorruptDatasetError
        If the table is shorter than the split or its classes differ from the labels.
    """
    rows = labels.shape[0]
    if table.shape[0] < rows:
        raise CorruptDatasetError(
            f"{_as_path(path)}: holds {table.shape[0]} rows, but {what} has {rows} glyphs; "
            "it is not the writers file of this split"
        )
    differ = np.flatnonzero(table[:rows, 0] != labels)
    if differ.size:
        row = int(differ[0])
        raise CorruptDatasetError(
            f"{_as_path(path)}: the classes of its first {rows} rows do not match the labels of "
            f"{what} ({differ.size} differ; row {row}: {int(table[row, 0])} against "
            f"{int(labels[row])}); it is not the writers file of this split"
        )
    return table[:rows, 1]


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
    return _as_path(data_folder(name, data_dir))


def data_folder(name: str, data_dir: str | os.PathLike[str] | None = None) -> str:
    """:func:`data_dir_for` as a string, without pathlib where a string does.

    ``Path(data_folder(name, data_dir)) == data_dir_for(name, data_dir)``; a
    plain string without ``~`` is returned as given (not normalized).
    """
    if data_dir is None:
        env = os.environ.get(DATA_DIR_ENV)
        if not env:
            return os.path.join(user_cache_dir(), name)
        data_dir = env
    if isinstance(data_dir, str) and not data_dir.startswith("~"):
        return data_dir
    return str(_as_path(data_dir).expanduser())


def _as_path(folder: str | os.PathLike[str]) -> Path:
    """``Path(folder)``, pathlib imported when first needed."""
    from pathlib import Path

    return Path(folder)
