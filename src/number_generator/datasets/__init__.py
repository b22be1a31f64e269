"""Digit sources: the dataset object, built-in MNIST (downloaded and cached) and local files."""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from ..errors import (
    ChecksumError,
    CorruptDatasetError,
    DatasetNotFoundError,
    DownloadError,
    InvalidParameterError,
    InvalidTypeError,
)
from . import cache as _decoded_cache
from .download import fetch_file, mirrors_from_env
from .idx import read_idx

__all__ = [
    "DATASETS",
    "MNIST",
    "DigitDataset",
    "RegisteredDataset",
    "data_dir_for",
    "get_mnist_data",
    "load_dataset",
    "load_idx_folder",
    "load_mnist",
    "load_npz",
    "load_png_folder",
]

logger = logging.getLogger("number_generator")

DATA_DIR_ENV = "NUMBER_GENERATOR_DATA_DIR"
SPLIT_ENV = "NUMBER_GENERATOR_SPLIT"

U8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.intp]


class DigitDataset:
    """Handwritten digit glyphs with labels, indexed for fast sampling.

    Parameters
    ----------
    images:
        ``uint8`` array of shape ``(N, H, W)``, white ink (255) on black (0),
        as MNIST stores it.
    labels:
        Integer array of shape ``(N,)`` with values 0-9.
    name, split:
        Descriptive names, shown in messages and by the service.

    Notes
    -----
    On construction the ink extent of every glyph is computed once: the first
    and one-past-last column (and row) holding any non-zero pixel. Glyphs with
    no ink at all are never sampled.

    Examples
    --------
    >>> import numpy as np
    >>> images = np.zeros((10, 28, 28), np.uint8)
    >>> images[:, 10:18, 12:15] = 255
    >>> ds = DigitDataset(images, np.arange(10))
    >>> ds.ink_columns[0].tolist()
    [12, 15]
    """

    def __init__(
        self,
        images: npt.ArrayLike,
        labels: npt.ArrayLike,
        *,
        name: str = "custom",
        split: str | None = None,
        ink_extents: npt.NDArray[np.int16] | None = None,
    ) -> None:
        images_arr = np.asarray(images)
        labels_arr = np.asarray(labels)
        if images_arr.dtype != np.uint8 or images_arr.ndim != 3:
            raise InvalidParameterError(
                f"images: expected a uint8 array of shape (N, H, W), "
                f"got {images_arr.dtype} with shape {images_arr.shape}"
            )
        if labels_arr.shape != (images_arr.shape[0],) or labels_arr.dtype.kind not in "iu":
            raise InvalidParameterError(
                f"labels: expected {images_arr.shape[0]} integers to match the images, "
                f"got {labels_arr.dtype} with shape {labels_arr.shape}"
            )
        if labels_arr.size and (labels_arr.min() < 0 or labels_arr.max() > 9):
            bad = labels_arr[(labels_arr < 0) | (labels_arr > 9)][0]
            raise InvalidParameterError(f"labels: {int(bad)!r} is not a digit 0-9")
        self.images: U8Array = images_arr
        self.labels: npt.NDArray[np.uint8] = labels_arr.astype(np.uint8, copy=False)
        self.name = name
        self.split = split
        if ink_extents is None:
            ink_extents = compute_ink_extents(images_arr)
        #: ``(N, 4)`` int16: left, right, top, bottom ink bounds (right/bottom exclusive).
        self.ink_extents = ink_extents
        self.ink_columns = ink_extents[:, :2]
        has_ink = ink_extents[:, 1] > ink_extents[:, 0]
        candidates = np.flatnonzero(has_ink)
        order = candidates[np.argsort(self.labels[candidates], kind="stable")]
        counts = np.bincount(self.labels[order], minlength=10)
        #: Dataset indices grouped by class: ``class_order[class_start[d]:][:class_count[d]]``.
        self.class_order: IntArray = order.astype(np.intp)
        self.class_count: IntArray = counts.astype(np.intp)
        self.class_start: IntArray = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp)

    @property
    def glyph_shape(self) -> tuple[int, int]:
        """``(height, width)`` of one glyph."""
        return int(self.images.shape[1]), int(self.images.shape[2])

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        split = f", split={self.split!r}" if self.split else ""
        return f"<DigitDataset {self.name!r}{split}: {len(self)} glyphs {self.glyph_shape}>"

    def class_indices(self, digit: int) -> IntArray:
        """Dataset indices of the (non-blank) glyphs of class ``digit``."""
        start = self.class_start[digit]
        return self.class_order[start : start + self.class_count[digit]]

    def missing_classes(self) -> list[int]:
        """Digits with no usable glyph."""
        return [d for d in range(10) if self.class_count[d] == 0]

    def subset(self, indices: npt.ArrayLike) -> DigitDataset:
        """A new dataset holding only the glyphs at ``indices`` (integers or a boolean mask).

        Examples
        --------
        >>> images = np.zeros((4, 28, 28), np.uint8)
        >>> images[:, 5:9, 5:9] = 255
        >>> ds = DigitDataset(images, [0, 1, 1, 2])
        >>> len(ds.subset(ds.labels == 1)), len(ds.subset([0, 3]))
        (2, 2)
        """
        idx = np.asarray(indices)
        if idx.dtype == np.bool_:
            if idx.shape != (len(self),):
                raise InvalidParameterError(
                    f"indices: a boolean mask must have shape ({len(self)},), got {idx.shape}"
                )
            idx = np.flatnonzero(idx)
        elif idx.size == 0:
            idx = idx.astype(np.intp)
        elif idx.dtype.kind not in "iu":
            raise InvalidTypeError(
                f"indices: expected integers or a boolean mask, got dtype {idx.dtype}"
            )
        return DigitDataset(
            self.images[idx],
            self.labels[idx],
            name=self.name,
            split=self.split,
            ink_extents=self.ink_extents[idx],
        )

    def partition(
        self, fraction: float = 0.5, *, seed: int | np.random.Generator = 0
    ) -> tuple[DigitDataset, DigitDataset]:
        """Split into two disjoint datasets, e.g. glyphs to train on and held-out glyphs.

        Each class is shuffled with ``seed`` and its first
        ``round(fraction * count)`` glyphs go to the first part, the rest to
        the second, so both parts keep the class balance and together hold
        every glyph exactly once. (Named ``partition`` because
        :attr:`split` already names the source split, e.g. ``"test"``.)

        Parameters
        ----------
        fraction:
            Share of each class that goes to the first part, ``0 < fraction < 1``.
        seed:
            Int or ``numpy.random.Generator``; the same seed gives the same parts.

        Returns
        -------
        tuple of DigitDataset
            ``(first, second)``, each built with :meth:`subset` (glyphs in
            dataset order).

        Raises
        ------
        InvalidParameterError
            If ``fraction`` is not strictly between 0 and 1, or ``seed`` is negative.
        InvalidTypeError
            If ``fraction`` is not a real number or ``seed`` not an int or Generator.

        Examples
        --------
        >>> images = np.zeros((10, 28, 28), np.uint8)
        >>> images[:, 5:9, 5:9] = 255
        >>> train, held_out = DigitDataset(images, [0, 1] * 5).partition(0.6, seed=0)
        >>> len(train), len(held_out), sorted(train.labels.tolist())
        (6, 4, [0, 0, 0, 1, 1, 1])
        """
        if isinstance(fraction, (bool, np.bool_)) or not isinstance(
            fraction, (int, float, np.integer, np.floating)
        ):
            raise InvalidTypeError(f"fraction={fraction!r}: expected a number between 0 and 1")
        if not 0.0 < float(fraction) < 1.0:
            raise InvalidParameterError(f"fraction={fraction!r}: must be strictly between 0 and 1")
        from .._util.params import as_generator

        rng = as_generator(seed)
        first = np.zeros(len(self), np.bool_)
        for digit in range(10):
            members = np.flatnonzero(self.labels == digit)
            take = round(float(fraction) * members.size)
            first[rng.permutation(members)[:take]] = True
        return self.subset(first), self.subset(~first)


def compute_ink_extents(images: U8Array) -> npt.NDArray[np.int16]:
    """Left, right, top, bottom ink bounds of every glyph (right/bottom exclusive).

    A glyph without ink gets ``(0, 0, 0, 0)``.
    """
    n, height, width = images.shape
    cols = images.max(axis=1) > 0
    rows = images.max(axis=2) > 0
    extents = np.zeros((n, 4), np.int16)
    blank = ~cols.any(axis=1)
    extents[:, 0] = cols.argmax(axis=1)
    extents[:, 1] = width - cols[:, ::-1].argmax(axis=1)
    extents[:, 2] = rows.argmax(axis=1)
    extents[:, 3] = height - rows[:, ::-1].argmax(axis=1)
    extents[blank] = 0
    return extents


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class Resource:
    """One published file and its SHA-256 digest."""

    file_name: str
    sha256: str


class RegisteredDataset:
    """A downloadable MNIST-like dataset; subclasses change only class attributes."""

    name: ClassVar[str]
    mirrors: ClassVar[tuple[str, ...]]
    #: split -> (images file, labels file)
    resources: ClassVar[dict[str, tuple[Resource, Resource]]]
    default_split: ClassVar[str] = "train"

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
                f"split={split!r}: unknown split of {cls.name}; expected one of {allowed}"
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
            raise InvalidParameterError(f"{SPLIT_ENV}: {exc}") from None

    @classmethod
    def download(
        cls,
        split: str = "train",
        data_dir: str | Path | None = None,
        *,
        progress: bool | None = None,
    ) -> list[Path]:
        """Make sure the files of ``split`` are present and verified; return their paths."""
        cls.check_split(split)
        folder = data_dir_for(cls.name, data_dir)
        names = list(cls.resources) if split == "all" else [split]
        paths = []
        for part in names:
            for resource in cls.resources[part]:
                paths.append(cls._ensure_file(resource, folder, progress))
        return paths

    @classmethod
    def load(
        cls,
        split: str = "train",
        data_dir: str | Path | None = None,
        *,
        progress: bool | None = None,
    ) -> DigitDataset:
        """Load ``split`` (``"all"`` concatenates the splits), downloading if needed."""
        cls.check_split(split)
        folder = data_dir_for(cls.name, data_dir)
        names = list(cls.resources) if split == "all" else [split]
        parts = [cls._load_part(part, folder, progress) for part in names]
        if len(parts) == 1:
            images, labels, extents = parts[0]
        else:
            images = np.concatenate([p[0] for p in parts])
            labels = np.concatenate([p[1] for p in parts])
            extents = np.concatenate([p[2] for p in parts])
        return DigitDataset(images, labels, name=cls.name, split=split, ink_extents=extents)

    @classmethod
    def _load_part(
        cls, part: str, folder: Path, progress: bool | None
    ) -> tuple[U8Array, npt.NDArray[np.uint8], npt.NDArray[np.int16]]:
        image_res, label_res = cls.resources[part]
        image_path, label_path = folder / image_res.file_name, folder / label_res.file_name
        cached = _decoded_cache.load(image_path, label_path)
        if cached is not None:
            return cached
        for resource in (image_res, label_res):
            cls._ensure_file(resource, folder, progress)
        images_u8, labels_u8 = _read_idx_pair(image_path, label_path)
        extents = compute_ink_extents(images_u8)
        _decoded_cache.save(image_path, label_path, images_u8, labels_u8, extents)
        return images_u8, labels_u8, extents

    @classmethod
    def _ensure_file(cls, resource: Resource, folder: Path, progress: bool | None) -> Path:
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
        except DownloadError:
            raise
        except OSError as exc:  # the folder cannot be created or written
            raise DatasetNotFoundError(
                f"{resource.file_name} is missing from {folder} and that folder is not writable "
                f"({exc}); set {DATA_DIR_ENV} or pass data_dir= to a writable folder"
            ) from exc


def _read_idx_pair(image_path: Path, label_path: Path) -> tuple[U8Array, npt.NDArray[np.uint8]]:
    """Read an images / labels IDX pair and check they describe the same digits."""
    images = read_idx(image_path)
    labels = read_idx(label_path)
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


#: Registered dataset names -> class.
DATASETS: dict[str, type[RegisteredDataset]] = {"mnist": MNIST}


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
) -> tuple[U8Array, npt.NDArray[np.uint8]]:
    """``(images, labels)`` of MNIST, the call seed 004's users know.

    Both arrays are read-only (the images are usually memory-mapped from the
    decoded-array cache); ``images.copy()`` gives an array you may modify.
    """
    dataset = load_mnist(split, data_dir)
    return dataset.images, dataset.labels


def load_npz(path: str | Path, *, split: str | None = None) -> DigitDataset:
    """Load glyphs from a ``.npz`` holding ``x_<split>`` / ``y_<split>`` arrays.

    Parameters
    ----------
    path:
        The ``.npz`` file, e.g. the ``mnist.npz`` Keras distributes.
    split:
        Read only ``x_<split>`` / ``y_<split>``. Default: every ``x_*`` array
        with a matching ``y_*`` is joined (a file with plain ``x`` / ``y``
        works too).

    Raises
    ------
    DatasetNotFoundError
        No such file.
    CorruptDatasetError
        Not a readable ``.npz``, the arrays are missing, or they are not uint8
        ``(N, H, W)`` glyphs with as many labels 0-9.

    Examples
    --------
    >>> import tempfile
    >>> x = np.zeros((2, 28, 28), np.uint8)
    >>> x[:, 8:20, 10:16] = 255
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     np.savez(f"{tmp}/digits.npz", x_train=x, y_train=[3, 4], x_test=x[:1], y_test=[5])
    ...     len(load_npz(f"{tmp}/digits.npz")), len(load_npz(f"{tmp}/digits.npz", split="test"))
    (3, 1)
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetNotFoundError(f"dataset={str(path)!r}: no such .npz file")
    # Our own handle: np.load leaks the one it opens when the zip is corrupt.
    with path.open("rb") as handle:
        try:
            archive = np.load(handle)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise CorruptDatasetError(f"{path}: not a readable .npz file ({exc})") from exc
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise CorruptDatasetError(
                f"{path}: holds a single array, not a .npz archive of x_/y_ arrays"
            )
        with archive:
            keys = sorted(archive.files)
            if split is not None:
                pairs = [(f"x_{split}", f"y_{split}")]
                wanted = f"x_{split} and y_{split} (split={split!r})"
            else:
                pairs = [
                    (k, f"y{k[1:]}") for k in keys if k.startswith("x") and f"y{k[1:]}" in keys
                ]
                wanted = "x_<split> and y_<split> (or x and y)"
            if not pairs or any(k not in keys for pair in pairs for k in pair):
                raise CorruptDatasetError(f"{path}: expected arrays {wanted}, found {keys}")
            try:
                arrays = [(x, archive[x], y, archive[y]) for x, y in pairs]
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
                raise CorruptDatasetError(f"{path}: an array cannot be read ({exc})") from exc
    for x, images, y, labels in arrays:
        if images.dtype != np.uint8 or images.ndim != 3:
            raise CorruptDatasetError(
                f"{path}: {x} must be uint8 glyphs of shape (N, H, W), "
                f"got {images.dtype} {images.shape}"
            )
        if images.shape[1:] != arrays[0][1].shape[1:]:
            raise CorruptDatasetError(
                f"{path}: {x} glyphs are {images.shape[1:]} but {arrays[0][0]} "
                f"glyphs are {arrays[0][1].shape[1:]}"
            )
        if labels.shape != (images.shape[0],) or labels.dtype.kind not in "iu":
            raise CorruptDatasetError(
                f"{path}: {y} must hold {images.shape[0]} integer labels to match {x}, "
                f"got {labels.dtype} {labels.shape}"
            )
        if labels.size and (labels.min() < 0 or labels.max() > 9):
            bad = labels[(labels < 0) | (labels > 9)][0]
            raise CorruptDatasetError(f"{path}: {y} holds {int(bad)!r}; labels must be digits 0-9")
    return DigitDataset(
        np.concatenate([a[1] for a in arrays]),
        np.concatenate([a[3] for a in arrays]),
        name=path.stem,
        split=split,
    )


def load_idx_folder(path: str | Path) -> DigitDataset:
    """Load every ``*images-idx3*`` / ``*labels-idx1*`` IDX pair (``.gz`` or raw) in a folder.

    When a file is there both compressed and extracted (as torchvision leaves
    them), it is read once, from the extracted copy.

    Raises
    ------
    DatasetNotFoundError
        No such folder, no images file in it, or an images file without its labels.
    CorruptDatasetError
        A file is not valid IDX, or images and labels do not match.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise DatasetNotFoundError(f"dataset={str(folder)!r}: no such folder")
    by_stem: dict[str, Path] = {}
    for file in sorted(folder.iterdir()):
        if file.is_file() and "images" in file.name and "idx3" in file.name:
            stem = file.name.removesuffix(".gz")
            if stem not in by_stem or file.suffix != ".gz":
                by_stem[stem] = file
    if not by_stem:
        raise DatasetNotFoundError(f"dataset={str(folder)!r}: no *images-idx3* files in the folder")
    images: list[U8Array] = []
    labels: list[npt.NDArray[np.uint8]] = []
    for stem, image_file in sorted(by_stem.items()):
        label_stem = stem.replace("images", "labels").replace("idx3", "idx1")
        label_candidates = [folder / label_stem, folder / f"{label_stem}.gz"]
        label_file = next((f for f in label_candidates if f.is_file()), None)
        if label_file is None:
            raise DatasetNotFoundError(
                f"{image_file}: no matching labels file {label_stem}[.gz] in {folder}"
            )
        part_images, part_labels = _read_idx_pair(image_file, label_file)
        if images and part_images.shape[1:] != images[0].shape[1:]:
            raise CorruptDatasetError(
                f"{image_file}: glyphs are {part_images.shape[1:]}, "
                f"unlike the {images[0].shape[1:]} glyphs of the other files"
            )
        images.append(part_images)
        labels.append(part_labels)
    return DigitDataset(np.concatenate(images), np.concatenate(labels), name=folder.name)


def load_png_folder(path: str | Path, *, invert: bool | None = None) -> DigitDataset:
    """Load a folder with one sub-folder of PNG glyphs per class (``0/`` … ``9/``).

    Parameters
    ----------
    path:
        The folder holding ``0/`` … ``9/`` (missing classes are allowed).
    invert:
        ``True`` if the glyphs are black ink on white paper and must be
        inverted to MNIST's white on black; default: guessed from the mean of
        the border pixels.

    Raises
    ------
    DatasetNotFoundError
        No such folder, or no PNG in any class folder.
    CorruptDatasetError
        A PNG cannot be decoded, or the images differ in size.
    """
    import cv2

    folder = Path(path)
    if not folder.is_dir():
        raise DatasetNotFoundError(f"dataset={str(folder)!r}: no such folder")
    images: list[U8Array] = []
    labels: list[int] = []
    for digit in range(10):
        class_dir = folder / str(digit)
        if not class_dir.is_dir():
            continue
        files = sorted(f for f in class_dir.iterdir() if f.suffix.lower() == ".png")
        for file in files:
            # imdecode, not imread: imread fails silently on non-ASCII paths on Windows.
            glyph = cv2.imdecode(np.fromfile(file, np.uint8), cv2.IMREAD_GRAYSCALE)
            if glyph is None:
                raise CorruptDatasetError(f"{file}: not a readable PNG image")
            if images and glyph.shape != images[0].shape:
                raise CorruptDatasetError(
                    f"{file}: size {glyph.shape} differs from the first glyph's {images[0].shape}"
                )
            images.append(np.asarray(glyph, dtype=np.uint8))
            labels.append(digit)
    if not images:
        raise DatasetNotFoundError(f"dataset={str(folder)!r}: no PNG files in sub-folders 0/ … 9/")
    stack = np.stack(images)
    if invert is None:
        edges = [stack[:, 0, :], stack[:, -1, :], stack[:, :, 0], stack[:, :, -1]]
        border = np.concatenate(edges, axis=1)
        invert = float(border.mean()) > 127
    if invert:
        stack = 255 - stack
    return DigitDataset(stack, np.array(labels), name=folder.name)


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
        dataset = "mnist"
    if not isinstance(dataset, (str, os.PathLike)):
        raise InvalidTypeError(
            f"dataset={dataset!r}: expected a DigitDataset, a registered name "
            f"({', '.join(DATASETS)}) or a path"
        )
    key = str(dataset)
    # Only a str names a registered set: a Path is always a path, even Path("mnist").
    if isinstance(dataset, str) and key.lower() in DATASETS:
        registered = DATASETS[key.lower()]
        return registered.load(registered.resolve_split(split), data_dir)
    path = Path(key).expanduser()
    if path.suffix == ".npz":
        return load_npz(path, split=split)
    if path.is_dir():
        if any((path / str(d)).is_dir() for d in range(10)):
            return load_png_folder(path)
        return load_idx_folder(path)
    raise InvalidParameterError(
        f"dataset={key!r}: not a registered dataset ({', '.join(sorted(DATASETS))}), "
        "a .npz file or a folder"
    )
