"""Shards of a dataset export: what one shard is, how it is written, checked and merged.

A shard is ``shard_size`` consecutive images (the last may be shorter). Its
random stream is ``SeedSequence(seed).spawn(shards)[index]``, its strings come
from the template (or, with ``unique``, from the run's :class:`UniqueStrings`
at its index range), so a shard's bytes depend only on the plan and its
index: never on which process, machine or order wrote it.

Every shard is written under a temporary name (``.tmp-…``) and renamed into
place in one step once complete, so a file or folder with a shard's final
name is always whole; a crash leaves only ``.tmp-…`` entries, which a resumed
export deletes.

Layouts (``NAME`` = ``shard-00000`` …, ``KEY`` = the image's global index,
zero-padded):

* ``png``: ``NAME/KEY.png`` plus ``NAME/_records.jsonl`` and
  ``NAME/_labels.csv``, merged at the end into ``metadata.jsonl`` and
  ``labels.csv`` at the top of the output folder.
* ``webdataset``: ``NAME.tar`` holding ``KEY.png`` and ``KEY.json``.
* ``npz``: ``NAME.npz``, merged at the end into ``dataset.npz``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import time
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._util.files import encode_png
from ..compose import SequenceGenerator, SequenceImage
from ..datasets import DATASETS, DigitDataset, data_dir_for, load_dataset
from ..errors import ShardError
from ..templates import Template, UniqueStrings

logger = logging.getLogger("number_generator")

FORMATS = ("png", "webdataset", "npz")
TEMP_PREFIX = ".tmp-"
RECORDS = "_records.jsonl"
LABELS = "_labels.csv"
NPZ_NAME = "dataset.npz"

_TAR_MTIME = 0  # fixed member metadata: identical bytes on every run


# --------------------------------------------------------------------------- the digit data


def dataset_fingerprint(dataset: DigitDataset) -> str:
    """Identifies a dataset's content (labels and ink extents of every glyph)."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(dataset.labels).tobytes())
    digest.update(np.ascontiguousarray(dataset.ink_extents).tobytes())
    digest.update(repr(dataset.images.shape).encode())
    return digest.hexdigest()[:16]


class DatasetRef:
    """How a worker gets the digit data: by name/path (loaded there, memory-mapped
    from the decoded cache for MNIST), or the object itself when the caller passed one.
    """

    def __init__(
        self,
        dataset: DigitDataset | str | Path | None,
        split: str | None,
        data_dir: str | Path | None,
        loaded: DigitDataset,
    ) -> None:
        self.fingerprint = dataset_fingerprint(loaded)
        self.name, self.split, self.size = loaded.name, loaded.split, len(loaded)
        self.obj: DigitDataset | None = None
        self.source: tuple[str, str | None, str | None] | None = None
        if isinstance(dataset, DigitDataset):
            self.obj = dataset
        elif (dataset is None or isinstance(dataset, str)) and str(
            dataset or "mnist"
        ).lower() in DATASETS:
            name = str(dataset or "mnist").lower()
            folder = str(data_dir_for(name, data_dir))
            self.source = (name, loaded.split or split, folder)
        else:
            self.source = (str(Path(str(dataset)).expanduser().resolve()), split, None)
        self.key = f"{self.name}-{self.fingerprint}"

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "split": self.split,
            "glyphs": self.size,
            "fingerprint": self.fingerprint,
        }

    def load(self) -> DigitDataset:
        if self.obj is not None:
            return self.obj
        assert self.source is not None  # one of the two is always set
        name, split, folder = self.source
        if name in DATASETS:
            dataset = load_dataset(name, split=split, data_dir=folder)
        else:
            dataset = load_dataset(Path(name), split=split)
        found = dataset_fingerprint(dataset)
        if found != self.fingerprint:
            raise ShardError(
                f"dataset: the digit data loaded here ({dataset!r}, fingerprint {found}) "
                f"differs from the data the export was planned with (fingerprint "
                f"{self.fingerprint}); give every worker the same files"
            )
        return dataset


_GENERATORS: dict[str, SequenceGenerator] = {}


def generator_for(ref: DatasetRef) -> SequenceGenerator:
    """The generator for ``ref`` in this process, loading the data on first use."""
    generator = _GENERATORS.get(ref.key)
    if generator is None:
        generator = _GENERATORS[ref.key] = SequenceGenerator(ref.load())
    return generator


# --------------------------------------------------------------------------- the plan of a shard


@dataclass(frozen=True)
class RenderOptions:
    """How every image of an export is drawn."""

    spacing_range: tuple[int, int]
    image_width: int | None
    image_height: int
    fit: str
    augment: Any
    keep_separators: bool
    max_label_length: int


@dataclass(frozen=True)
class ExportJob:
    """What every shard of one export shares; sent once to each worker process or machine."""

    key: str
    out: str
    format: str
    key_width: int
    source: Template | UniqueStrings
    options: RenderOptions
    ref: DatasetRef


_JOBS: dict[str, ExportJob] = {}


def install(job: ExportJob) -> None:
    """Make ``job`` known in this process and load its digit data (memory-mapped for MNIST)."""
    generator_for(job.ref)
    _JOBS[job.key] = job


def uninstall(job: ExportJob) -> None:
    _JOBS.pop(job.key, None)


@dataclass(frozen=True)
class ShardTask:
    """One shard: a few numbers, cheap to send; the rest is its :class:`ExportJob`."""

    job_key: str
    index: int
    name: str
    start: int
    stop: int
    seed: np.random.SeedSequence

    @property
    def job(self) -> ExportJob:
        return _JOBS[self.job_key]

    @property
    def out(self) -> str:
        return self.job.out

    @property
    def format(self) -> str:
        return self.job.format

    @property
    def key_width(self) -> int:
        return self.job.key_width

    @property
    def source(self) -> Template | UniqueStrings:
        return self.job.source

    @property
    def options(self) -> RenderOptions:
        return self.job.options

    @property
    def size(self) -> int:
        return self.stop - self.start

    def final_path(self) -> Path:
        return Path(self.out) / final_name(self.format, self.name)


@dataclass(frozen=True)
class ShardResult:
    index: int
    images: int
    seconds: float


def shard_name(index: int, shards: int) -> str:
    return f"shard-{index:0{max(5, len(str(shards - 1)))}d}"


def final_name(format: str, name: str) -> str:
    return {"png": name, "webdataset": f"{name}.tar", "npz": f"{name}.npz"}[format]


def _temp_path(task: ShardTask) -> Path:
    suffix = {"png": "", "webdataset": ".tar", "npz": ".npz"}[task.format]
    unique = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    return Path(task.out) / f"{TEMP_PREFIX}{task.name}-{unique}{suffix}"


# --------------------------------------------------------------------------- drawing


def label_boxes(image: SequenceImage, keep_separators: bool) -> list[list[int] | None]:
    """One box per label character: digits (and kept ``-``/``/``); ``None`` for a space."""
    if not keep_separators:
        boxes: list[list[int] | None] = image.boxes.tolist()
        return boxes
    glyph_boxes = iter(image.glyph_boxes.tolist())
    return [None if char == " " else next(glyph_boxes) for char in image.text]


def _samples(
    task: ShardTask, generator: SequenceGenerator
) -> Iterator[tuple[str, SequenceImage, str]]:
    """``(key, image, label)`` for every image of the shard, in order."""
    rng = np.random.default_rng(task.seed)
    if isinstance(task.source, UniqueStrings):
        strings = task.source.strings(task.start, task.stop)
    else:
        strings = task.source.sample(rng, task.size)
    options = task.options
    for index, text in zip(range(task.start, task.stop), strings):
        image = generator.render(
            text,
            options.spacing_range,
            options.image_width,
            seed=rng,
            image_height=options.image_height,
            fit=options.fit,
            augment=options.augment,
        )
        label = text if options.keep_separators else image.label
        yield f"{index:0{task.key_width}d}", image, label


def write_shard(task: ShardTask, job: ExportJob | None = None) -> ShardResult:
    """Write one shard under a temporary name, then rename it into place.

    ``job`` is installed in this process first (Dask workers); a process-pool
    helper has it installed by its initializer.
    """
    started = time.perf_counter()
    if job is not None and job.key not in _JOBS:
        install(job)
    generator = generator_for(task.job.ref)
    temp = _temp_path(task)
    writer = {"png": _write_png_shard, "webdataset": _write_tar_shard, "npz": _write_npz_shard}
    try:
        writer[task.format](task, generator, temp)
        os.replace(temp, task.final_path())
    except BaseException:
        remove(temp)
        raise
    return ShardResult(task.index, task.size, time.perf_counter() - started)


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _write_file(path: Path, data: bytes) -> None:
    """One small file with a single write (cheaper than ``open()``'s buffered file object)."""
    fd = os.open(path, _WRITE_FLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:  # a regular file takes it all at once; loop in case it does not
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _write_png_shard(task: ShardTask, generator: SequenceGenerator, temp: Path) -> None:
    temp.mkdir()
    records = io.StringIO()
    labels = io.StringIO()
    rows = csv.writer(labels, lineterminator="\n")
    keep = task.options.keep_separators
    for key, image, label in _samples(task, generator):
        file_name = f"{task.name}/{key}.png"
        _write_file(temp / f"{key}.png", encode_png(image.paper))
        record = {"file_name": file_name, "label": label, "boxes": label_boxes(image, keep)}
        records.write(json.dumps(record, separators=(",", ":")) + "\n")
        rows.writerow((file_name, label))
    # Written last: a shard folder holding both files was written to the end.
    (temp / LABELS).write_text(labels.getvalue(), encoding="utf-8")
    (temp / RECORDS).write_text(records.getvalue(), encoding="utf-8")


_TAR_BLOCK = 512
_TAR_RECORD = 20 * _TAR_BLOCK


def _tar_header(name: str, size: int) -> bytes:
    """A POSIX ustar header for a regular file, mode 0644, owner 0, mtime 0.

    ``tarfile.addfile`` costs ~35 us per member; this costs ~3 us, and the bytes
    are the same on every run and machine.
    """
    header = bytearray(_TAR_BLOCK)
    header[0 : len(name)] = name.encode("ascii")
    header[100:108] = b"0000644\0"
    header[108:116] = b"0000000\0"
    header[116:124] = b"0000000\0"
    header[124:136] = b"%011o\0" % size
    header[136:148] = b"%011o\0" % _TAR_MTIME
    header[148:156] = b" " * 8
    header[156:157] = b"0"
    header[257:265] = b"ustar\x0000"
    header[329:337] = b"0000000\0"
    header[337:345] = b"0000000\0"
    header[148:156] = b"%06o\0 " % sum(header)
    return bytes(header)


class _TarWriter:
    """Append-only ustar archive of small in-memory files (what a WebDataset shard is)."""

    def __init__(self, handle: io.BufferedWriter) -> None:
        self.handle = handle
        self.written = 0

    def add(self, name: str, data: bytes) -> None:
        padding = -len(data) % _TAR_BLOCK
        self.handle.write(_tar_header(name, len(data)) + data + b"\0" * padding)
        self.written += _TAR_BLOCK + len(data) + padding

    def close(self) -> None:
        end = self.written + 2 * _TAR_BLOCK
        self.handle.write(b"\0" * (2 * _TAR_BLOCK + (-end % _TAR_RECORD)))


def _write_tar_shard(task: ShardTask, generator: SequenceGenerator, temp: Path) -> None:
    keep = task.options.keep_separators
    with open(temp, "wb") as handle:
        tar = _TarWriter(handle)
        for key, image, label in _samples(task, generator):
            tar.add(f"{key}.png", encode_png(image.paper))
            meta = {"label": label, "boxes": label_boxes(image, keep)}
            tar.add(f"{key}.json", json.dumps(meta, separators=(",", ":")).encode("utf-8"))
        tar.close()
        handle.flush()
        os.fsync(handle.fileno())


def _write_npz_shard(task: ShardTask, generator: SequenceGenerator, temp: Path) -> None:
    options = task.options
    width = options.image_width
    assert width is not None  # checked when the export is planned
    size, length = task.size, options.max_label_length
    images = np.empty((size, options.image_height, width), np.uint8)
    boxes = np.full((size, length, 4), -1, np.int32)
    labels: list[str] = []
    for k, (_, image, label) in enumerate(_samples(task, generator)):
        images[k] = image.paper
        for position, box in enumerate(label_boxes(image, options.keep_separators)):
            if box is not None:
                boxes[k, position] = box
        labels.append(label)
    label_array = np.array(labels, dtype=f"<U{length}")
    lengths = np.array([len(label) for label in labels], np.int32)
    write_npz(
        temp,
        {"images": images, "labels": label_array, "lengths": lengths, "boxes": boxes},
    )


def write_npz(path: Path, arrays: dict[str, npt.NDArray[Any]]) -> None:
    """A compressed ``.npz`` with fixed zip timestamps: the same arrays give the same bytes."""
    with open(path, "wb") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with archive.open(info, "w", force_zip64=True) as member:
                    np.lib.format.write_array(
                        member, np.ascontiguousarray(array), allow_pickle=False
                    )
        handle.flush()
        os.fsync(handle.fileno())


# --------------------------------------------------------------------------- checking, merging


def remove(path: Path) -> None:
    """Delete a file or folder if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def shard_is_complete(task: ShardTask) -> bool:
    """Whether the shard's final file or folder exists and holds all it should."""
    path = task.final_path()
    if not path.exists():
        return False
    try:
        if task.format == "png":
            return _png_shard_ok(path, task.size)
        if task.format == "webdataset":
            with tarfile.open(path) as tar:
                return len(tar.getnames()) == 2 * task.size
        with np.load(path) as archive:
            return len(archive["labels"]) == task.size and archive["images"].shape[0] == task.size
    except (OSError, ValueError, EOFError, tarfile.TarError, zipfile.BadZipFile, KeyError):
        return False


def _png_shard_ok(folder: Path, size: int) -> bool:
    records = folder / RECORDS
    if not records.is_file() or not (folder / LABELS).is_file():
        return False
    lines = records.read_text(encoding="utf-8").splitlines()
    if len(lines) != size:
        return False
    for line in lines:
        png = folder.parent / json.loads(line)["file_name"]
        with open(png, "rb") as handle:  # a missing or cut file fails here
            handle.seek(-12, os.SEEK_END)
            if handle.read(12)[4:8] != b"IEND":
                return False
    return True


def merge_png_metadata(out: Path, names: Sequence[str]) -> None:
    """Concatenate the shards' records into ``metadata.jsonl`` and ``labels.csv``."""
    for target, part, header in (
        ("metadata.jsonl", RECORDS, b""),
        ("labels.csv", LABELS, b"file_name,label\n"),
    ):
        temp = out / f"{TEMP_PREFIX}{target}-{uuid.uuid4().hex[:8]}"
        try:
            with open(temp, "wb") as sink:
                sink.write(header)
                for name in names:
                    with open(out / name / part, "rb") as source:
                        shutil.copyfileobj(source, sink)
            os.replace(temp, out / target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise


def merge_npz(out: Path, names: Sequence[str], count: int, options: RenderOptions) -> None:
    """Join the shards' arrays into ``dataset.npz`` (written atomically)."""
    width = options.image_width
    assert width is not None
    length = options.max_label_length
    images = np.empty((count, options.image_height, width), np.uint8)
    boxes = np.empty((count, length, 4), np.int32)
    labels = np.empty(count, f"<U{length}")
    lengths = np.empty(count, np.int32)
    position = 0
    for name in names:
        with np.load(out / f"{name}.npz") as archive:
            part = archive["labels"]
            end = position + len(part)
            images[position:end] = archive["images"]
            boxes[position:end] = archive["boxes"]
            labels[position:end] = part
            lengths[position:end] = archive["lengths"]
            position = end
    temp = out / f"{TEMP_PREFIX}{NPZ_NAME}-{uuid.uuid4().hex[:8]}"
    try:
        write_npz(temp, {"images": images, "labels": labels, "lengths": lengths, "boxes": boxes})
        os.replace(temp, out / NPZ_NAME)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
