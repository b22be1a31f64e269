"""What a shard of a dataset export is: its task, the job it shares, its data and its samples.

A shard is ``shard_size`` consecutive images (the last may be shorter). Its
random stream is ``SeedSequence(seed).spawn(shards)[index]``, its strings come
from the template (or, with ``unique``, from the run's :class:`UniqueStrings`
at its index range), so a shard's bytes depend only on the plan and its
index: never on which process, machine or order wrote it.

Every shard is written under a temporary name (``.tmp-…``, in the export's
staging folder :data:`STAGING`) and renamed into place in one step once
complete, so a file or folder with a shard's final name is always whole; a
crash leaves only ``.tmp-…`` entries, which a resumed export deletes. How each
format lays a shard out is in :mod:`.formats`.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import shutil
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast, overload

import numpy as np
import numpy.typing as npt

from ..compose import RenderOptions, SequenceGenerator, SequenceImage
from ..datasets import DATASETS, DEFAULT_DATASET, DigitDataset, data_dir_for, load_dataset
from ..errors import ShardError
from ..templates import Template, UniqueStrings

if TYPE_CHECKING:
    from ..augment import Pipeline

#: Names of half-written shards and merges start with this; a resumed export deletes them.
TEMP_PREFIX = ".tmp-"
#: The folder of an export in which shards are written, then renamed out into place.
STAGING = f"{TEMP_PREFIX}staging"
#: ext2/3/4's "top of a directory hierarchy" flag and the ioctls that read and set it.
_FS_IOC_GETFLAGS, _FS_IOC_SETFLAGS, _FS_TOPDIR_FL = 0x80086601, 0x40086602, 0x00020000
_UNIQUE_SPAWN_KEY = 0x756E69717565  # b"unique": never a shard's index


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
            dataset or DEFAULT_DATASET
        ).lower() in DATASETS:
            name = str(dataset or DEFAULT_DATASET).lower()
            folder = str(data_dir_for(name, data_dir))
            self.source = (name, loaded.split or split, folder)
        else:
            self.source = (str(Path(str(dataset)).expanduser().resolve()), split, None)
        self.key = f"{self.name}-{self.fingerprint}"

    def describe(self) -> dict[str, Any]:
        """The data as recorded in the plan (``dataset.json``)."""
        return {
            "name": self.name,
            "split": self.split,
            "glyphs": self.size,
            "fingerprint": self.fingerprint,
        }

    def load(self) -> DigitDataset:
        """The data, loaded here; refused if it is not what the export was planned with."""
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


def open_digits(
    dataset: Any, split: str | None, data_dir: str | os.PathLike[str] | None
) -> tuple[SequenceGenerator, DatasetRef]:
    """Load the digit data in this process (and cache it) and say how workers find it."""
    if isinstance(dataset, os.PathLike):
        dataset = Path(dataset)
    folder = None if data_dir is None else Path(data_dir)
    generator = SequenceGenerator(dataset, split=split, data_dir=folder)
    return generator, DatasetRef(dataset, split, folder, generator.dataset)


_GENERATORS: dict[str, SequenceGenerator] = {}


def generator_for(ref: DatasetRef) -> SequenceGenerator:
    """The generator for ``ref`` in this process, loading the data on first use."""
    generator = _GENERATORS.get(ref.key)
    if generator is None:
        generator = _GENERATORS[ref.key] = SequenceGenerator(ref.load())
    return generator


def share_data(ref: DatasetRef, dataset: DigitDataset) -> None:
    """This process already holds the data: its shards are drawn from it, not loaded again."""
    _GENERATORS.setdefault(ref.key, SequenceGenerator(dataset))


# --------------------------------------------------------------------------- the plan of a shard


@dataclass(frozen=True)
class ExportJob:
    """What every shard of one export shares; sent once to each worker process or machine."""

    key: str
    out: str
    format: str
    count: int
    shard_size: int
    seed: int
    source: Template | UniqueStrings
    options: RenderOptions
    max_label_length: int
    ref: DatasetRef

    @property
    def shards(self) -> int:
        """Number of shards."""
        return shard_count(self.count, self.shard_size)

    @property
    def key_width(self) -> int:
        """Digits of an image's key (its zero-padded global index)."""
        return max(6, len(str(self.count - 1)))

    def task(self, index: int) -> ShardTask:
        """Shard ``index``: its name, image range and random stream."""
        return ShardTask(
            job_key=self.key,
            index=index,
            name=shard_name(index, self.shards),
            start=index * self.shard_size,
            stop=min(self.count, (index + 1) * self.shard_size),
            seed=shard_seed(self.seed, index),
        )


_JOBS: dict[str, ExportJob] = {}


def install(job: ExportJob) -> None:
    """Make ``job`` known in this process and load its digit data (memory-mapped for MNIST)."""
    generator_for(job.ref)
    _JOBS[job.key] = job


def uninstall(job: ExportJob) -> None:
    """Forget ``job`` in this process."""
    _JOBS.pop(job.key, None)


def is_installed(job: ExportJob) -> bool:
    """Whether ``job`` is known in this process."""
    return job.key in _JOBS


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
    def max_label_length(self) -> int:
        return self.job.max_label_length

    @property
    def size(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class ShardResult:
    """A shard written: its index, images and wall time."""

    index: int
    images: int
    seconds: float


# --------------------------------------------------------------------------- naming and seeding


def shard_count(count: int, shard_size: int) -> int:
    """Number of shards of ``count`` images, ``shard_size`` each (the last may be shorter)."""
    return math.ceil(count / shard_size)


def shard_name(index: int, shards: int) -> str:
    """``shard-00000`` …: at least five digits, as many as the last index needs."""
    return f"shard-{index:0{max(5, len(str(shards - 1)))}d}"


class ShardNames(Sequence[str]):
    """``shard-00000``, ``shard-00001`` …, computed on demand (no list of a million names)."""

    def __init__(self, shards: int) -> None:
        self.shards = shards

    def __len__(self) -> int:
        return self.shards

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.shards))]
        if index < 0:
            index += self.shards
        if not 0 <= index < self.shards:
            raise IndexError(index)
        return shard_name(index, self.shards)


def shard_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The ``index``-th child of ``SeedSequence(seed).spawn(shards)``, made without the others."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def unique_seed(seed: int) -> np.random.SeedSequence:
    """The stream that orders an export's distinct labels (``unique=True``)."""
    return np.random.SeedSequence(seed, spawn_key=(_UNIQUE_SPAWN_KEY,))


def temp_path(task: ShardTask, suffix: str) -> Path:
    """Where ``task`` is written before it is renamed into place: unique to this attempt."""
    unique = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    return Path(task.out) / STAGING / f"{TEMP_PREFIX}{task.name}-{unique}{suffix}"


def make_staging(folder: Path) -> None:
    """Create ``folder``'s staging folder, marked (Linux ext2/3/4, best effort) as the top
    of a directory hierarchy.

    ext4 then spreads the shard folders made in it over the disk's block groups
    instead of packing them into the export folder's group, where creating each
    file can cost up to a millisecond in the kernel after many recent deletions
    (it skips recently freed inodes one by one), and where two workers contend.
    Only this temporary folder is marked: the user's folder is left as it was.
    """
    staging = folder / STAGING
    staging.mkdir(exist_ok=True)
    if not sys.platform.startswith("linux"):
        return
    import fcntl

    with contextlib.suppress(OSError):  # another file system, or not allowed: plain folder
        fd = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)
        try:
            flags = bytearray(8)  # the kernel reads and writes an int; room for a long
            fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags, True)
            marked = int.from_bytes(flags[:4], sys.byteorder) | _FS_TOPDIR_FL
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, marked.to_bytes(4, sys.byteorder) + bytes(4))
        finally:
            os.close(fd)


def remove(path: Path) -> None:
    """Delete a file or folder if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# --------------------------------------------------------------------------- drawing


class Sample(NamedTuple):
    """One image of a shard, as every format stores it."""

    key: str
    paper: npt.NDArray[np.uint8]  # [H, W], 255 = white paper
    label: str
    boxes: list[list[int] | None]
    #: Per label character, as ``boxes`` (-1: separator or unknown); only with ``writer="same"``.
    writers: list[int | None] | None


def draw(
    generator: SequenceGenerator, text: str, options: RenderOptions, rng: Any
) -> SequenceImage:
    """``text`` drawn with ``options``, from ``rng`` (an int seed or a Generator)."""
    return generator.render(
        text,
        options.spacing_range,
        options.image_width,
        seed=rng,
        image_height=options.image_height,
        fit=options.fit,
        augment=options.augment,
        writer=options.writer,
        spacing_mode=options.spacing_mode,
    )


def label_boxes(image: SequenceImage, keep_separators: bool) -> list[list[int] | None]:
    """One box per label character: digits (and kept separators, symbols); ``None`` for a space."""
    if not keep_separators:
        boxes: list[list[int] | None] = image.boxes.tolist()
        return boxes
    glyph_boxes = iter(image.glyph_boxes.tolist())
    return [None if char == " " else next(glyph_boxes) for char in image.text]


def label_writers(image: SequenceImage, keep_separators: bool) -> list[int | None]:
    """The writer of each label character's glyph, as :func:`label_boxes` lays them out."""
    if not keep_separators:
        digits: list[int | None] = image.digit_writers.tolist()
        return digits
    writers = iter(image.writers.tolist())
    return [None if char == " " else next(writers) for char in image.text]


#: Strings composed at once when a shard's options allow it (:func:`.compose.batch.draw_in_order`
#: without augmentation, :func:`.compose.augmented.augmented_images` with it).
_CHUNK = 256
#: How :func:`samples` draws augmented images when :func:`augmented_in_batches` holds;
#: recorded in the plan (``"draw"``) so that a resume never mixes images drawn otherwise.
#: A new value whenever a release changes what ``augmented_images`` draws for a seed.
AUGMENTED_DRAW = "augmented-batch-1"


def augmented_in_batches(options: RenderOptions) -> bool:
    """Whether a shard's augmented images are drawn a batch at once
    (:func:`.compose.augmented.augmented_images`, at a fixed or the natural width): an
    augmentation whose glyph stage the batched stage can run
    (:func:`.compose.augmented.batches_glyph_stage`). For a seed, these are not the
    images :meth:`SequenceGenerator.render` draws one by one."""
    if options.pipeline is None:
        return False
    from ..compose.augmented import batches_glyph_stage

    return batches_glyph_stage(options.pipeline)


def samples(task: ShardTask, generator: SequenceGenerator) -> Iterator[Sample]:
    """Every image of the shard, in order, with its key, label and boxes.

    Each image is what :meth:`SequenceGenerator.render` draws from the shard's
    stream in turn; strings of digits only, without augmentation, at the glyphs'
    height and a fixed width, are composed many at once, to the same bytes.
    Augmented images (:func:`augmented_in_batches`, at a fixed or the natural width)
    are drawn :data:`_CHUNK` strings at once by
    :func:`.compose.augmented.augmented_images` from the shard's stream: the same bytes
    for the same seed, not ``render``'s.
    """
    from ..compose.batch import draw_in_order, in_order_applies

    rng = np.random.default_rng(task.seed)
    if isinstance(task.source, UniqueStrings):
        strings = task.source.strings(task.start, task.stop)
    else:
        strings = task.source.sample(rng, task.size)
    options = task.options
    keep = options.keep_separators
    keys = (f"{index:0{task.key_width}d}" for index in range(task.start, task.stop))
    together = augmented_in_batches(options)
    for first in range(0, len(strings), _CHUNK):
        chunk = strings[first : first + _CHUNK]
        if in_order_applies(options, generator.dataset, chunk):
            for text, (paper, boxes) in zip(chunk, draw_in_order(generator, chunk, options, rng)):
                yield Sample(next(keys), paper, text, list(boxes), None)
            continue
        for text, image in zip(chunk, _drawn(generator, chunk, options, rng, together)):
            yield Sample(
                next(keys),
                image.paper,
                text if keep else image.label,
                label_boxes(image, keep),
                label_writers(image, keep) if options.writer == "same" else None,
            )


def _drawn(
    generator: SequenceGenerator,
    texts: list[str],
    options: RenderOptions,
    rng: np.random.Generator,
    together: bool,
) -> Iterator[SequenceImage]:
    """``texts`` drawn from ``rng``: ``together`` by the batched augmented path, else
    one by one as :meth:`SequenceGenerator.render` draws them."""
    if together:
        from ..compose.augmented import augmented_images

        pipeline = cast("Pipeline", options.pipeline)
        yield from augmented_images(generator.dataset, texts, options, pipeline, rng)
        return
    for text in texts:
        yield draw(generator, text, options, rng)
