"""Digit sources on local disk: a ``.npz`` archive, a folder of IDX files, per-class PNG folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from ..errors import CorruptDatasetError, DatasetNotFoundError
from .base import DigitDataset, LabelArray, U8Array
from .idx import read_idx_pair

__all__ = ["load_idx_folder", "load_npz", "load_png_folder"]


class _NpzPair(NamedTuple):
    """One ``x_*`` array of glyphs and its ``y_*`` array of labels, with their names, and
    its ``w_*`` array of writers if the archive has one."""

    x: str
    images: npt.NDArray[Any]
    y: str
    labels: npt.NDArray[Any]
    writers: npt.NDArray[Any] | None


def load_npz(path: str | Path, *, split: str | None = None) -> DigitDataset:
    """Load glyphs from a ``.npz`` holding ``x_<split>`` / ``y_<split>`` arrays.

    Parameters
    ----------
    path:
        The ``.npz`` file, e.g. the ``mnist.npz`` Keras distributes.
    split:
        Read only ``x_<split>`` / ``y_<split>``. Default: every ``x_*`` array
        with a matching ``y_*`` is joined (a file with plain ``x`` / ``y``
        works too). A ``w_<split>`` (or ``w``) array of integers, when present,
        gives the writer of each glyph (:attr:`DigitDataset.writers`; ``-1``
        unknown); glyphs without one have unknown writers.

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
    pairs = _read_npz_pairs(path, split)
    for pair in pairs:
        _check_npz_pair(path, pair, pairs[0])
    writers = [
        np.full(pair.labels.shape[0], -1, np.int64) if pair.writers is None else pair.writers
        for pair in pairs
    ]
    return DigitDataset(
        np.concatenate([pair.images for pair in pairs]),
        np.concatenate([pair.labels for pair in pairs]),
        name=path.stem,
        split=split,
        writers=np.concatenate(writers),
    )


def _read_npz_pairs(path: Path, split: str | None) -> list[_NpzPair]:
    """The ``x_*`` / ``y_*`` arrays of the archive at ``path`` that ``split`` asks for."""
    import zipfile  # loaded with the first archive read, not with the package

    # What np.load raises for a file that is not a readable .npz:
    npz_errors = (OSError, ValueError, EOFError, zipfile.BadZipFile)
    # Our own handle: np.load leaks the one it opens when the zip is corrupt.
    with path.open("rb") as handle:
        try:
            archive = np.load(handle)
        except npz_errors as exc:
            raise CorruptDatasetError(f"{path}: not a readable .npz file ({exc})") from exc
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise CorruptDatasetError(
                f"{path}: holds a single array, not a .npz archive of x_/y_ arrays"
            )
        with archive:
            names = _choose_npz_names(path, sorted(archive.files), split)
            try:
                return [
                    _NpzPair(x, archive[x], y, archive[y], archive.get(f"w{x[1:]}"))
                    for x, y in names
                ]
            except npz_errors as exc:
                raise CorruptDatasetError(f"{path}: an array cannot be read ({exc})") from exc


def _choose_npz_names(path: Path, keys: list[str], split: str | None) -> list[tuple[str, str]]:
    """``(x name, y name)`` of each pair to read: ``split``'s, else every ``x*`` with its ``y*``."""
    if split is not None:
        names = [(f"x_{split}", f"y_{split}")]
        wanted = f"x_{split} and y_{split} (split={split!r})"
    else:
        names = [(k, f"y{k[1:]}") for k in keys if k.startswith("x") and f"y{k[1:]}" in keys]
        wanted = "x_<split> and y_<split> (or x and y)"
    if not names or any(k not in keys for pair in names for k in pair):
        raise CorruptDatasetError(f"{path}: expected arrays {wanted}, found {keys}")
    return names


def _check_npz_pair(path: Path, pair: _NpzPair, first: _NpzPair) -> None:
    """Raise ``CorruptDatasetError`` unless ``pair`` holds glyphs shaped like ``first``'s."""
    x, images, y, labels, writers = pair
    if images.dtype != np.uint8 or images.ndim != 3:
        raise CorruptDatasetError(
            f"{path}: {x} must be uint8 glyphs of shape (N, H, W), "
            f"got {images.dtype} {images.shape}"
        )
    if images.shape[1:] != first.images.shape[1:]:
        raise CorruptDatasetError(
            f"{path}: {x} glyphs are {images.shape[1:]} but {first.x} "
            f"glyphs are {first.images.shape[1:]}"
        )
    if labels.shape != (images.shape[0],) or labels.dtype.kind not in "iu":
        raise CorruptDatasetError(
            f"{path}: {y} must hold {images.shape[0]} integer labels to match {x}, "
            f"got {labels.dtype} {labels.shape}"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        bad = labels[(labels < 0) | (labels > 9)][0]
        raise CorruptDatasetError(f"{path}: {y} holds {int(bad)!r}; labels must be digits 0-9")
    w = f"w{x[1:]}"
    if writers is not None and (writers.shape != labels.shape or writers.dtype.kind not in "iu"):
        raise CorruptDatasetError(
            f"{path}: {w} must hold {labels.shape[0]} integer writer ids to match {x}, "
            f"got {writers.dtype} {writers.shape}"
        )
    if writers is not None and writers.size and writers.min() < -1:
        raise CorruptDatasetError(f"{path}: {w} holds {int(writers.min())!r}; writer ids are >= -1")


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
    labels: list[LabelArray] = []
    for stem, image_file in sorted(by_stem.items()):
        label_stem = stem.replace("images", "labels").replace("idx3", "idx1")
        label_candidates = [folder / label_stem, folder / f"{label_stem}.gz"]
        label_file = next((f for f in label_candidates if f.is_file()), None)
        if label_file is None:
            raise DatasetNotFoundError(
                f"{image_file}: no matching labels file {label_stem}[.gz] in {folder}"
            )
        part_images, part_labels = read_idx_pair(image_file, label_file)
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
