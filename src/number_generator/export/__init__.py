"""Writing images to disk: atomic PNG files, CSV manifests, and sharded dataset export.

:func:`export_dataset` (``number-generator dataset``) writes a training set
of any size as PNG files with ``labels.csv`` + ``metadata.jsonl``, WebDataset
tar shards, or one ``.npz``. Its steps live beside it: :mod:`.options` (the
export's own options), :mod:`.plan` (``dataset.json``, resuming),
:mod:`.formats` (one writer per output format), :mod:`.shards` (what a shard
is) and :mod:`.runners` (local processes, Dask).
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._util.files import encode_png, prepare_output_dir, write_atomic, write_manifest, write_png
from ..compose import RenderOptions, SequenceGenerator
from ..templates import Template, UniqueStrings, parse_template
from .formats import FORMATS
from .formats.npz import NPZ_MAX_BYTES
from .options import EXECUTORS, MAX_COUNT, MAX_SHARD_SIZE, MAX_WORKERS, ExportOptions
from .plan import (
    PLAN_FILE,
    build_plan,
    clean_temporaries,
    compare_plans,
    export_target,
    open_folder,
    resolve_seed,
    shards_to_write,
    write_plan,
)
from .runners import run_shards
from .shards import (
    STAGING,
    DatasetRef,
    ExportJob,
    draw,
    make_staging,
    open_digits,
    remove,
    share_data,
    unique_seed,
)

__all__ = [
    "EXECUTORS",
    "FORMATS",
    "MAX_COUNT",
    "MAX_SHARD_SIZE",
    "MAX_WORKERS",
    "NPZ_MAX_BYTES",
    "PLAN_FILE",
    "ExportSummary",
    "encode_png",
    "export_dataset",
    "prepare_output_dir",
    "write_atomic",
    "write_manifest",
    "write_png",
]


@dataclass
class ExportSummary:
    """What :func:`export_dataset` did.

    Attributes
    ----------
    out:
        The output folder.
    images_written, shards_written:
        Produced by this call.
    shards_skipped:
        Already complete (``resume=True``) and left as they were.
    seconds:
        Wall time of this call.
    """

    out: Path
    format: str
    count: int
    shards: int
    shards_written: int
    shards_skipped: int
    images_written: int
    seconds: float
    executor: str
    workers: int
    files: list[str] = field(default_factory=list)

    @property
    def images_per_second(self) -> float:
        """Images written per second of wall time."""
        return self.images_written / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        def counted(count: int, one: str, many: str) -> str:
            return f"{count:,} {one if count == 1 else many}"

        text = (
            f"wrote {counted(self.images_written, 'image', 'images')} in "
            f"{counted(self.shards_written, 'shard', 'shards')} ({self.format}) to {self.out} "
            f"in {self.seconds:.1f} s"
        )
        if self.shards_written:  # a resumed run with nothing left to do used no worker
            if self.executor == "dask":
                where = counted(self.workers, "Dask worker thread", "Dask worker threads")
            else:
                where = counted(self.workers, "worker process", "worker processes")
            text += f" ({self.images_per_second:,.0f} images/s, {where})"
        if self.shards_skipped:
            kept = counted(self.shards_skipped, "complete shard", "complete shards")
            text += f"; kept {kept} from an earlier run"
        return text


def export_dataset(
    out: str | os.PathLike[str],
    count: int,
    template: Any = "phone",
    *,
    format: str = "png",
    workers: int | None = None,
    seed: int | None = None,
    shard_size: int = 1000,
    resume: bool = False,
    unique: bool = False,
    keep_separators: bool = False,
    writer: str = "any",
    spacing_range: tuple[int, int] = (2, 8),
    image_width: int | None = None,
    image_height: int = 28,
    fit: str = "pad",
    augment: Any = None,
    spacing_mode: str = "ink",
    dataset: Any = None,
    split: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    executor: str = "processes",
    scheduler: str | None = None,
    client: Any = None,
    progress: bool | None = None,
) -> ExportSummary:
    """Write a dataset of ``count`` images of digit strings, in shards, reproducibly.

    Parameters
    ----------
    out:
        Output folder: created if missing; must be empty unless ``resume``.
    count:
        Number of images, 1 to 10**12.
    template:
        What to draw (see :mod:`number_generator.templates`): ``"phone"``,
        ``"phone:toll_free"``, ``"random:4-12"``, a pattern such as
        ``"0##-####-####"`` (``#`` a random digit), ``"file:PATH"``, a list of
        strings, or a :class:`~number_generator.templates.Template`.
    format:
        ``"png"``: ``shard-NNNNN/KEY.png`` with ``labels.csv``
        (``file_name,label``) and ``metadata.jsonl`` (``file_name``,
        ``label``, ``boxes``; Hugging Face ``imagefolder`` reads it).
        ``"webdataset"``: ``shard-NNNNN.tar`` of ``KEY.png`` + ``KEY.json``.
        ``"npz"``: one ``dataset.npz`` (``images`` uint8 ``[N, H, W]``,
        ``labels``, ``lengths``, ``boxes`` ``[N, L, 4]`` padded with -1); for
        small sets (at most 2 GiB of pixels) and needs ``image_width``.
    workers:
        Local processes (this one included); default: every available core,
        never more than there are shards; not used with Dask. The output
        does not depend on it.
    seed:
        Seed of the whole export; ``None`` draws one and records it in
        ``dataset.json``. Shard ``i`` draws from
        ``numpy.random.SeedSequence(seed).spawn(shards)[i]``: its strings,
        then each image as :meth:`~number_generator.SequenceGenerator.render`
        draws it in turn. Augmented images (at a set ``image_width`` or the
        natural width) are drawn 256 strings at once by the batched path
        (:func:`~number_generator.compose.augmented.augmented_images`): the same
        seed gives the same bytes and ``render``'s distributions, not
        ``render``'s images (``dataset.json`` records ``"draw"``, and
        ``resume`` refuses an export begun with images drawn otherwise).
    shard_size:
        Images per shard (1 to 10**6): the unit of work, of atomic writing
        and of resuming.
    resume:
        Continue an interrupted export in ``out``: complete shards are kept,
        anything half-written is deleted and redone. The options must be the
        ones of the first run (a ``seed`` of ``None`` reuses the recorded one).
    unique:
        Every label distinct; checked against the template's capacity first.
    keep_separators:
        Keep the template's separators and symbols (``-/.,+():`` and spaces)
        in the labels (they are drawn either way).
    writer:
        ``"any"`` (default) or ``"same"``: every string from one writer's hand
        (see :meth:`~number_generator.SequenceGenerator.render`). With
        ``"same"`` every format records the writer of each label character
        (``writers``, beside ``boxes``: ``-1`` for a separator, ``null`` for a
        kept space); with ``"any"`` the files are as before.
    spacing_range, image_width, image_height, fit, augment, spacing_mode:
        As for :func:`~number_generator.generate_numbers_sequence`.
    dataset, split, data_dir:
        The digit source (default MNIST, ``$NUMBER_GENERATOR_SPLIT`` split).
    executor:
        ``"processes"`` (default) or ``"dask"``: shards are mapped over a
        Dask cluster given by ``scheduler`` (an address such as
        ``"tcp://10.0.0.5:8786"``) or ``client`` (a ``distributed.Client``);
        workers write to ``out``, which they must all see. Same output.
    progress:
        Progress bar (images/s, ETA) on stderr; default: only on a terminal.

    Returns
    -------
    ExportSummary

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        For a bad option, a template without enough distinct labels for
        ``unique``, or an output folder that is a file, not writable, not
        empty (without ``resume``), or holds an export with other options
        (or, unfinished, with augmented images drawn another way).

    Notes
    -----
    Worker processes are started with ``spawn``: a script that calls this with
    ``workers > 1`` needs the usual ``if __name__ == "__main__":`` guard.

    Examples
    --------
    >>> import tempfile
    >>> summary = export_dataset(tempfile.mkdtemp(), 20, "0##-####", seed=1,
    ...                          shard_size=10, workers=1)
    >>> summary.images_written, summary.shards_written
    (20, 2)
    """
    started = time.perf_counter()
    options = ExportOptions(
        count,
        format=format,
        shard_size=shard_size,
        workers=workers,
        seed=seed,
        resume=resume,
        unique=unique,
        executor=executor,
        scheduler=scheduler,
        client=client,
        progress=progress,
    )
    parsed = parse_template(template)
    render = RenderOptions(
        spacing_range=spacing_range,
        image_width=image_width,
        image_height=image_height,
        fit=fit,
        augment=augment,
        keep_separators=keep_separators,
        writer=writer,
        spacing_mode=spacing_mode,
    )
    options.check_against(parsed, render)
    target = export_target(out)
    # The digit data: loaded (and cached) here; workers load it by name, memory-mapped.
    generator, ref = open_digits(dataset, split, data_dir)
    _probe(generator, parsed, render)

    folder, old_plan = open_folder(target, options.resume)
    plan = build_plan(options, parsed, render, ref, resolve_seed(options.seed, old_plan))
    shard_format = options.writer
    if old_plan is not None:
        compare_plans(folder, old_plan, plan)
        if old_plan.get("complete"):
            shard_format.clean_merged(folder, options.names)
            return _summary(options, folder, plan, started, kept=options.shards)
    clean_temporaries(folder)
    write_plan(folder, plan)
    make_staging(folder)

    job = _job(folder, options, parsed, render, ref, plan["seed"])
    # This process already holds the data: its generator serves the shards written here.
    share_data(ref, generator.dataset)
    todo, kept_images = shards_to_write(job, shard_format, options.resume)
    try:
        written, images, used = run_shards(job, todo, kept_images, options, template)
    finally:  # empty by now: each shard was renamed out, or deleted when it failed
        remove(folder / STAGING)

    shard_format.merge(job, options.names)
    plan["complete"] = True
    write_plan(folder, plan)
    shard_format.clean_merged(folder, options.names)
    kept = options.shards - len(todo)
    return _summary(options, folder, plan, started, written, kept, images, used)


def _summary(
    options: ExportOptions,
    folder: Path,
    plan: dict[str, Any],
    started: float,
    written: int = 0,
    kept: int = 0,
    images: int = 0,
    workers: int = 0,
) -> ExportSummary:
    """What the export did: ``written``/``kept`` shards, ``images`` written, by ``workers``."""
    return ExportSummary(
        out=folder,
        format=options.format,
        count=options.count,
        shards=options.shards,
        shards_written=written,
        shards_skipped=kept,
        images_written=images,
        seconds=time.perf_counter() - started,
        executor=options.executor,
        workers=workers,
        files=plan["files"],
    )


def _probe(generator: SequenceGenerator, template: Template, render: RenderOptions) -> None:
    """Every option is checked by drawing one image before anything is written."""
    render.check_template(template)
    draw(generator, template.sample(np.random.default_rng(0), 1)[0], render, 0)


def _job(
    folder: Path,
    options: ExportOptions,
    template: Template,
    render: RenderOptions,
    ref: DatasetRef,
    seed: int,
) -> ExportJob:
    """What every shard shares; with ``unique``, the run's distinct labels are drawn here."""
    keep = render.keep_separators
    source: Template | UniqueStrings = template
    if options.unique:
        source = template.unique(options.count, unique_seed(seed), keep_separators=keep)
    return ExportJob(
        key=uuid.uuid4().hex,
        out=str(folder),
        format=options.format,
        count=options.count,
        shard_size=options.shard_size,
        seed=seed,
        source=source,
        options=render,
        max_label_length=template.max_label_length(keep),
        ref=ref,
    )
