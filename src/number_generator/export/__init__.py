"""Writing images to disk: atomic PNG files, CSV manifests, and sharded dataset export.

:func:`export_dataset` (``number-generator dataset``) writes a training set
of any size as PNG files with ``labels.csv`` + ``metadata.jsonl``, WebDataset
tar shards, or one ``.npz``; the shard mechanics live in :mod:`._shards`.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import os
import sys
import time
import uuid
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from .._util.files import encode_png, prepare_output_dir, write_atomic, write_manifest, write_png
from ..errors import InvalidParameterError, InvalidTypeError

__all__ = [
    "EXECUTORS",
    "FORMATS",
    "ExportSummary",
    "encode_png",
    "export_dataset",
    "prepare_output_dir",
    "write_atomic",
    "write_manifest",
    "write_png",
]

logger = logging.getLogger("number_generator")


# --------------------------------------------------------------------------- dataset export

#: Output formats of :func:`export_dataset`.
FORMATS = ("png", "webdataset", "npz")
#: Where the shards of an export run.
EXECUTORS = ("processes", "dask")
#: The plan (and, once finished, the summary) of an export, at the top of its folder.
PLAN_FILE = "dataset.json"
#: Most images in one export.
MAX_COUNT = 10**12
#: Most images in one shard.
MAX_SHARD_SIZE = 10**6
#: Most local worker processes.
MAX_WORKERS = 256
#: Largest ``npz`` export, in bytes of pixels (the merge holds them all in memory).
NPZ_MAX_BYTES = 2 * 2**30
_PLAN_VERSION = 1
_UNIQUE_SPAWN_KEY = 0x756E69717565  # b"unique": never a shard's index


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
        if self.executor == "dask":
            where = f"{self.workers} Dask worker threads"
        else:
            where = f"{self.workers} worker process" + ("es" if self.workers != 1 else "")
        text = (
            f"wrote {self.images_written:,} images in {self.shards_written} shards "
            f"({self.format}) to {self.out} in {self.seconds:.1f} s "
            f"({self.images_per_second:,.0f} images/s, {where})"
        )
        if self.shards_skipped:
            text += f"; kept {self.shards_skipped} complete shards from an earlier run"
        return text


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidTypeError(f"{name}={value!r}: expected True or False")
    return bool(value)


def _describe_augment(augment: Any) -> Any:
    if augment is None or isinstance(augment, (bool, str)):
        return augment
    return {"repr": repr(augment)}


def _read_plan(folder: Path) -> dict[str, Any] | None:
    path = folder / PLAN_FILE
    if not path.is_file():
        return None
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(
            f"out={str(folder)!r}: {PLAN_FILE} cannot be read ({exc}); it is not an export "
            "this version can resume: choose a new folder"
        ) from None
    if not isinstance(plan, dict) or plan.get("format_version") != _PLAN_VERSION:
        raise InvalidParameterError(
            f"out={str(folder)!r}: {PLAN_FILE} is not an export plan this version can resume"
        )
    return plan


def _compare_plans(folder: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    ignored = {"complete", "template", "files"}
    if isinstance(old.get("augment"), dict) or isinstance(new.get("augment"), dict):
        ignored.add("augment")  # a custom callable: its repr is no identity
    changed = [
        f"{key}={new.get(key)!r} (was {old.get(key)!r})"
        for key in sorted(set(old) | set(new))
        if key not in ignored and old.get(key) != new.get(key)
    ]
    if changed:
        raise InvalidParameterError(
            f"resume: the export in {str(folder)!r} was planned with other options; "
            f"changed: {'; '.join(changed)}. Resume with the same options, or choose a new folder"
        )


def _run_processes(
    tasks: Iterator[Any], workers: int, job: Any, on_done: Callable[[Any], None]
) -> None:
    """Write shards here and, for ``workers > 1``, in ``workers - 1`` spawned processes.

    This process works too: it starts at once, while the others are still
    importing, and takes a shard whenever every helper already has two (one
    running, one waiting, so a helper never idles while this process is busy);
    at most ``2 * (workers - 1)`` shards are in flight (bounded memory for any
    number of shards).
    """
    from .shards import write_shard

    if workers == 1:
        for task in tasks:
            on_done(write_shard(task))
        return
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # "spawn": no fork of a possibly multi-threaded parent; each helper loads the
    # digits once, memory-mapped from the decoded-array cache (see _init_helper).
    pool = ProcessPoolExecutor(
        workers - 1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_helper,
        initargs=(job,),
    )
    pending: set[Any] = set()

    def collect(block: bool) -> None:
        nonlocal pending
        if not pending:
            return
        done, pending = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            on_done(future.result())

    try:
        for task in tasks:
            collect(block=False)
            if len(pending) < 2 * (workers - 1):  # a helper finishing finds its next shard
                pending.add(pool.submit(write_shard, task))
            else:
                on_done(write_shard(task))
        while pending:
            collect(block=True)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _init_helper(job: Any) -> None:
    """Set up a helper process: Ctrl-C is the parent's to handle; load the digit data."""
    import signal

    from .shards import install

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    install(job)


def _run_dask(
    tasks: Iterator[Any],
    job: Any,
    client: Any,
    scheduler: str | None,
    on_done: Callable[[Any], None],
) -> int:
    """Map the shards over a Dask cluster; returns the number of worker threads."""
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise InvalidParameterError(
            "executor='dask': needs Dask; install the 'distributed' extra: "
            "pip install 'number-generator[distributed]'"
        ) from None
    from .shards import write_shard

    own = client is None
    if own:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InvalidParameterError(
                f"scheduler={scheduler!r}: cannot connect to a Dask scheduler there ({exc})"
            ) from None
    try:
        # The job (template, options, a dataset object if one was given) travels once
        # per worker; a dataset name or path is loaded there, memory-mapped.
        shipped = client.scatter(job, broadcast=True)
        threads = max(1, sum(client.nthreads().values()))
        futures = distributed.as_completed()
        for task in _take(tasks, 2 * threads):
            futures.add(client.submit(write_shard, task, shipped, pure=False))
        for future in futures:
            on_done(future.result())
            for task in _take(tasks, 1):
                futures.add(client.submit(write_shard, task, shipped, pure=False))
        return int(threads)
    finally:
        if own:
            client.close()


def _take(iterator: Iterator[Any], n: int) -> list[Any]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= n:
            break
    return out


def _available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


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
    spacing_range: tuple[int, int] = (2, 8),
    image_width: int | None = None,
    image_height: int = 28,
    fit: str = "pad",
    augment: Any = None,
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
        ``numpy.random.SeedSequence(seed).spawn(shards)[i]``.
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
        Keep ``-``, ``/`` and spaces of the template in the labels (they are
        drawn either way).
    spacing_range, image_width, image_height, fit, augment:
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
        empty (without ``resume``), or holds an export with other options.

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
    from tqdm import tqdm

    from .._util.params import check_choice, check_height, check_int, check_spacing, check_width
    from .._version import __version__
    from ..augment import resolve_augment
    from ..compose import SequenceGenerator
    from ..templates import parse_template
    from .shards import (
        _GENERATORS,
        TEMP_PREFIX,
        DatasetRef,
        ExportJob,
        RenderOptions,
        ShardResult,
        ShardTask,
        install,
        merge_npz,
        merge_png_metadata,
        remove,
        shard_is_complete,
        shard_name,
        uninstall,
    )

    started = time.perf_counter()
    check_choice(format, "format", FORMATS)
    count = check_int(count, "count", 1, MAX_COUNT)
    shard_size = check_int(shard_size, "shard_size", 1, MAX_SHARD_SIZE)
    if workers is not None:
        workers = check_int(workers, "workers", 1, MAX_WORKERS)
    if client is not None and executor == "processes":
        executor = "dask"
    check_choice(executor, "executor", EXECUTORS)
    if executor == "dask" and client is None and not scheduler:
        raise InvalidParameterError(
            "scheduler=None: executor='dask' needs a scheduler address "
            "(e.g. 'tcp://10.0.0.5:8786') or a distributed.Client as client="
        )
    if executor == "processes" and scheduler is not None:
        raise InvalidParameterError(f"scheduler={scheduler!r}: only used with executor='dask'")
    resume = _check_flag(resume, "resume")
    unique = _check_flag(unique, "unique")
    keep_separators = _check_flag(keep_separators, "keep_separators")
    if seed is not None:
        seed = check_int(seed, "seed", 0, 2**128 - 1)
    parsed = parse_template(template)
    height = check_height(image_height)
    low, high = check_spacing(spacing_range, height)
    width = check_width(image_width)
    check_choice(fit, "fit", ("pad", "stretch"))
    resolve_augment(augment)
    if unique and count > parsed.capacity(keep_separators):
        raise InvalidParameterError(
            f"count={count!r}: the template {parsed.spec!r} has only "
            f"{parsed.capacity(keep_separators):,} distinct labels; ask for fewer, "
            "drop unique, or use a larger template"
        )
    if format == "npz":
        if width is None:
            raise InvalidParameterError(
                "image_width=None: the npz format stores one array, so it needs a fixed image_width"
            )
        if count * height * width > NPZ_MAX_BYTES:
            raise InvalidParameterError(
                f"count={count!r}: {count:,} images of {height}x{width} px is more than the "
                f"{NPZ_MAX_BYTES // 2**30} GiB an npz export may hold; use format='png' or "
                "'webdataset' for large sets"
            )

    target = _export_target(out)
    # The digit data: loaded (and cached) here; workers load it by name, memory-mapped.
    if isinstance(dataset, os.PathLike):
        dataset = Path(dataset)
    folder_of_data = None if data_dir is None else Path(data_dir)
    generator = SequenceGenerator(dataset, split=split, data_dir=folder_of_data)
    ref = DatasetRef(dataset, split, folder_of_data, generator.dataset)
    # Every option is checked by drawing one image before anything is written.
    probe = parsed.sample(np.random.default_rng(0), 1)[0]
    generator.render(
        probe, (low, high), width, seed=0, image_height=height, fit=fit, augment=augment
    )

    folder = prepare_output_dir(target, "out")
    old_plan = _read_plan(folder)
    if resume and old_plan is None and any(folder.iterdir()):
        raise InvalidParameterError(
            f"out={str(folder)!r}: resume: the folder holds no {PLAN_FILE}, so there is no "
            "export to resume in it; choose an empty or new folder"
        )
    if not resume and any(folder.iterdir()):
        raise InvalidParameterError(
            f"out={str(folder)!r}: the folder is not empty; choose a new or empty folder, "
            "or pass resume=True (--resume) to continue an interrupted export in it"
        )
    if seed is None:
        fresh: Any = np.random.SeedSequence().entropy
        seed = int(old_plan["seed"]) if old_plan else int(fresh)

    shards = math.ceil(count / shard_size)
    key_width = max(6, len(str(count - 1)))
    plan: dict[str, Any] = {
        "format_version": _PLAN_VERSION,
        "generator": f"number_generator {__version__}",
        "format": format,
        "count": count,
        "shard_size": shard_size,
        "shards": shards,
        "template": parsed.spec,
        "template_fingerprint": parsed.fingerprint,
        "unique": unique,
        "keep_separators": keep_separators,
        "seed": seed,
        "spacing_range": [low, high],
        "image_width": width,
        "image_height": height,
        "fit": fit,
        "augment": _describe_augment(augment),
        "dataset": ref.describe(),
        "complete": False,
    }
    names = _ShardNames(shards)
    plan["files"] = _file_summary(format, names)
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if old_plan is not None:
        _compare_plans(folder, old_plan, plan)
        if old_plan.get("complete"):
            _clean_after_merge(folder, format, names)
            return ExportSummary(
                folder,
                format,
                count,
                shards,
                0,
                shards,
                0,
                time.perf_counter() - started,
                executor,
                0,
                plan["files"],
            )
    for entry in folder.iterdir():  # what an interrupted run left half-written
        if entry.name.startswith(TEMP_PREFIX):
            remove(entry)
    write_atomic(folder / PLAN_FILE, _plan_bytes(plan))

    source: Any = parsed
    if unique:
        unique_seed = np.random.SeedSequence(seed, spawn_key=(_UNIQUE_SPAWN_KEY,))
        source = parsed.unique(count, unique_seed, keep_separators=keep_separators)
    options = RenderOptions(
        spacing_range=(low, high),
        image_width=width,
        image_height=height,
        fit=fit,
        augment=augment,
        keep_separators=keep_separators,
        max_label_length=parsed.max_label_length(keep_separators),
    )

    job = ExportJob(
        key=uuid.uuid4().hex,
        out=str(folder),
        format=format,
        key_width=key_width,
        source=source,
        options=options,
        ref=ref,
    )
    # This process already holds the data: its generator serves the shards written here.
    _GENERATORS.setdefault(ref.key, SequenceGenerator(generator.dataset))
    install(job)

    def task(i: int) -> ShardTask:
        return ShardTask(
            job_key=job.key,
            index=i,
            name=shard_name(i, shards),
            start=i * shard_size,
            stop=min(count, (i + 1) * shard_size),
            # The i-th child of SeedSequence(seed).spawn(shards), made without the others.
            seed=np.random.SeedSequence(seed, spawn_key=(i,)),
        )

    todo = array("q")  # shard indices still to write: 8 bytes each, whatever the count
    skipped_images = 0
    for i in range(shards):
        planned = task(i)
        if resume and shard_is_complete(planned):
            skipped_images += planned.size
            continue
        if planned.final_path().exists():
            logger.warning("%s is incomplete or damaged; writing it again", planned.final_path())
            remove(planned.final_path())
        todo.append(i)

    if executor == "processes":
        workers = min(workers or _available_cores(), max(1, len(todo)))
        if workers > 1:
            _check_picklable(job, augment)
    written = [0, 0]
    bar = tqdm(
        total=count,
        initial=skipped_images,
        unit="img",
        desc=f"dataset ({format})",
        disable=not show,
        dynamic_ncols=True,
    )

    def on_done(result: ShardResult) -> None:
        written[0] += 1
        written[1] += result.images
        bar.update(result.images)

    try:
        with bar:
            tasks = (task(i) for i in todo)
            if executor == "dask":
                workers = _run_dask(tasks, job, client, scheduler, on_done)
            else:
                _run_processes(tasks, workers or 1, job, on_done)
    finally:
        uninstall(job)

    if format == "png":
        merge_png_metadata(folder, names)
    elif format == "npz":
        merge_npz(folder, names, count, options)
    plan["complete"] = True
    write_atomic(folder / PLAN_FILE, _plan_bytes(plan))
    _clean_after_merge(folder, format, names)
    return ExportSummary(
        folder,
        format,
        count,
        shards,
        written[0],
        shards - len(todo),
        written[1],
        time.perf_counter() - started,
        executor,
        workers or 1,
        plan["files"],
    )


def _check_picklable(job: Any, augment: Any) -> None:
    """Worker processes receive the job pickled: say so up front if it cannot be."""
    import pickle

    try:
        pickle.dumps(job)
    except Exception as exc:
        culprit = f"augment={augment!r}" if augment is not None else "template"
        raise InvalidParameterError(
            f"{culprit}: cannot be sent to worker processes ({exc}); use workers=1, or "
            "something that pickles (a preset name, a Pipeline of built-in transforms, "
            "a module-level function)"
        ) from None


def _export_target(out: Any) -> Path:
    """``out`` as a path, refused early (before any data is loaded) if it is a file."""
    if not isinstance(out, (str, os.PathLike)):
        raise InvalidTypeError(f"out={out!r}: expected a folder path")
    folder = Path(out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InvalidParameterError(f"out={str(folder)!r}: exists and is not a folder")
    return folder


def _plan_bytes(plan: dict[str, Any]) -> bytes:
    return (json.dumps(plan, indent=2) + "\n").encode("utf-8")


class _ShardNames(Sequence[str]):
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
        from .shards import shard_name

        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.shards))]
        if index < 0:
            index += self.shards
        if not 0 <= index < self.shards:
            raise IndexError(index)
        return shard_name(index, self.shards)


def _file_summary(format: str, names: Sequence[str]) -> list[str]:
    """The files a user opens: for WebDataset, the shards as one brace pattern."""
    if format == "png":
        return ["metadata.jsonl", "labels.csv"]
    if format == "npz":
        return ["dataset.npz"]
    first, last = names[0].removeprefix("shard-"), names[-1].removeprefix("shard-")
    return [f"shard-{{{first}..{last}}}.tar" if first != last else f"{names[0]}.tar"]


def _clean_after_merge(folder: Path, format: str, names: Sequence[str]) -> None:
    """An npz export keeps only ``dataset.npz``: its shards were merged into it."""
    if format == "npz":
        for name in names:
            (folder / f"{name}.npz").unlink(missing_ok=True)
