"""Where shards are written: here and in local worker processes, or on a Dask cluster.

Every runner maps :func:`write_shard` over the tasks it is given and reports
each :class:`~.shards.ShardResult` to ``on_done`` in this process, in the
order shards finish; the bytes of a shard never depend on which runner wrote it.

No process outlives the export: while shards are written, ``SIGTERM`` (what
``timeout``, docker, systemd and Kubernetes send) stops the export as Ctrl-C
does (:class:`KeyboardInterrupt`), and an interrupted export stops its helper
processes at once. A helper whose parent dies (``kill -9``) exits without
writing: on Linux the kernel kills it (``PR_SET_PDEATHSIG``), elsewhere a
watcher thread notices, and it checks its parent before renaming a shard into place.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from typing import Any

from .._util.threads import blas_threads_chosen
from .._version import DISTRIBUTION
from ..errors import InvalidParameterError, ShardError
from .formats import writer_for
from .options import ExportOptions
from .shards import (
    ExportJob,
    ShardResult,
    ShardTask,
    generator_for,
    install,
    is_installed,
    remove,
    samples,
    temp_path,
    uninstall,
)

OnDone = Callable[[ShardResult], None]


def run_shards(
    job: ExportJob, todo: Sequence[int], kept_images: int, options: ExportOptions, template: Any
) -> tuple[int, int, int]:
    """Write the shards ``todo`` as ``options`` say, with a progress bar if asked.

    Returns the shards and images written and the workers (processes or Dask
    threads) that wrote them. ``job`` is known in this process only meanwhile.
    """
    from tqdm import tqdm  # loaded only when an export runs

    workers = options.workers
    if options.executor == "processes":
        workers = local_workers(workers, len(todo))
        if workers > 1:
            check_picklable(job, template)
    written = [0, 0]
    bar = tqdm(
        total=options.count,
        initial=kept_images,
        unit="img",
        desc=f"dataset ({options.format})",
        disable=not options.show_progress,
        dynamic_ncols=True,
    )

    def on_done(result: ShardResult) -> None:
        written[0] += 1
        written[1] += result.images
        bar.update(result.images)

    install(job)
    try:
        with bar, _sigterm_as_interrupt():
            if options.executor == "dask":
                tasks = (job.task(i) for i in todo)
                workers = run_dask(tasks, job, options.client, options.scheduler, on_done)
            else:
                run_processes(todo, workers or 1, job, on_done)
    finally:
        uninstall(job)
    return written[0], written[1], workers or 1


def write_shard(task: ShardTask, job: ExportJob | None = None) -> ShardResult:
    """Write one shard under a temporary name, then rename it into place.

    ``job`` is installed in this process first (Dask workers); a local helper
    process has it installed when it starts.
    """
    started = time.perf_counter()
    if job is not None and not is_installed(job):
        install(job)
    _exit_if_orphaned()
    generator = generator_for(task.job.ref)
    writer = writer_for(task.format)
    temp = temp_path(task, writer.suffix)
    try:
        writer.write(task, samples(task, generator), temp)
        _exit_if_orphaned(temp)  # the export is gone: nothing new in its folder
        os.replace(temp, writer.final_path(task.out, task.name))
    except BaseException:
        remove(temp)
        raise
    return ShardResult(task.index, task.size, time.perf_counter() - started)


# --------------------------------------------------------------------------- local processes


def local_workers(requested: int | None, shards: int) -> int:
    """Processes to use: as asked, else every available core; never more than the shards."""
    return min(requested or _available_cores(), max(1, shards))


def _available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def check_picklable(job: ExportJob, template: Any) -> None:
    """Worker processes receive the job pickled: say so up front if it cannot be."""
    try:
        pickle.dumps(job)
    except Exception as exc:
        augment = job.options.augment
        param, value = ("augment", augment) if augment is not None else ("template", template)
        culprit = f"augment={augment!r}" if param == "augment" else "template"
        raise InvalidParameterError(
            f"{culprit}: cannot be sent to worker processes ({exc}); use workers=1, or "
            "something that pickles (a preset name, a Pipeline of built-in transforms, "
            "a module-level function)",
            param=param,
            value=value,
        ) from None


def run_processes(todo: Sequence[int], workers: int, job: ExportJob, on_done: OnDone) -> None:
    """Write the shards ``todo`` here and, with ``workers > 1``, in ``workers - 1`` helpers.

    Every process, this one included, takes the next shard from a shared
    counter whenever it is free and writes it whole: this process starts at
    once, while the others are still importing; none waits while shards remain,
    so the last shards end at most one shard apart. A helper sends back only a
    :class:`~.shards.ShardResult` per shard, and exits as soon as no shard is
    left (while this process may still be writing its last one).
    """
    if workers == 1:
        for index in todo:
            on_done(write_shard(job.task(index)))
        return
    # Loaded only here: helpers cost import time (multiprocessing) one worker never needs.
    import multiprocessing
    from multiprocessing.connection import wait

    # "spawn": no fork of a possibly multi-threaded parent; each helper loads the
    # digits once, memory-mapped from the decoded-array cache (see _init_helper).
    context = multiprocessing.get_context("spawn")
    shared = _Shared(context.Value("q", 0), todo, context.SimpleQueue())
    helpers = [
        context.Process(target=_help, args=(job, os.getpid(), shared), daemon=True)
        for _ in range(workers - 1)
    ]

    def collect() -> None:
        """Report the helpers' finished shards; raise a helper's error, or say it died."""
        # Exit codes first: a helper that fails reports why before it exits.
        died = [helper for helper in helpers if helper.exitcode]
        while not shared.results.empty():
            report = shared.results.get()
            if isinstance(report, _Failure):
                report.throw()
            on_done(report)
        if died:
            raise ShardError(
                f"a worker process of the export died (exit code {died[0].exitcode}); run it "
                "again with resume=True (--resume) to keep the complete shards and write the rest"
            )

    try:
        with _helper_environment():
            for helper in helpers:
                helper.start()
        while (shard := shared.claim(stalled=collect)) is not None:
            on_done(write_shard(job.task(shard)))
            collect()
        while any(helper.exitcode is None for helper in helpers):
            wait([helper.sentinel for helper in helpers], timeout=0.05)
            collect()
        collect()
    except BaseException:
        # Interrupted or failed: the helpers stop now, not after their shards (a shard
        # cut short stays a ``.tmp-`` entry, which a resumed export deletes).
        for helper in helpers:
            if helper.pid is not None:
                helper.terminate()
        raise
    finally:
        for helper in helpers:
            if helper.pid is not None:
                helper.join()


class _Shared:
    """What the processes of one export share: the next shard to take, and the results."""

    def __init__(self, taken: Any, todo: Sequence[int], results: Any) -> None:
        self.taken = taken  # a multiprocessing.Value: how many of ``todo`` were taken
        self.todo = todo
        self.results = results  # a multiprocessing.SimpleQueue of ShardResult or _Failure

    def claim(self, stalled: Callable[[], None] = lambda: None) -> int | None:
        """The index of the next shard to write, ``None`` once every one is taken.

        ``stalled`` is called each second the counter stays locked (a helper killed
        while holding it never lets go): it may raise to give up.
        """
        lock = self.taken.get_lock()
        while not lock.acquire(timeout=1.0):
            stalled()
        try:
            position = self.taken.value
            if position >= len(self.todo):
                return None
            self.taken.value = position + 1
        finally:
            lock.release()
        return int(self.todo[position])


class _Failure:
    """A helper's error, sent to the export's process to be raised there."""

    def __init__(self, error: BaseException) -> None:
        self.trace = "".join(traceback.format_exception(error)).rstrip()
        try:  # sent as it is if it survives the trip, else as a ShardError saying what it was
            self.error = pickle.loads(pickle.dumps(error))
        except Exception:
            self.error = ShardError(f"a worker process of the export failed: {error!r}")

    def throw(self) -> None:
        """Raise the error here, with the helper's traceback as its cause."""
        raise self.error from _HelperTraceback(self.trace)


class _HelperTraceback(Exception):
    """Shown as the cause of an error raised in a helper: where it happened there."""

    def __str__(self) -> str:
        return f"in a worker process of the export:\n{self.args[0]}"


def _help(job: ExportJob, parent: int, shared: _Shared) -> None:
    """A helper process: write shards until none is left, reporting each to the export.

    It leaves with ``os._exit``: nothing of its own needs tidying (its files are
    renamed or deleted shard by shard, its reports are in the pipe already), and
    skipping the interpreter's teardown saves tens of milliseconds at the end.
    """
    code = 0
    try:
        _init_helper(job, parent)
        while (index := shared.claim()) is not None:
            shared.results.put(write_shard(job.task(index)))
    except BaseException as exc:
        code = 1
        shared.results.put(_Failure(exc))
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


@contextlib.contextmanager
def _helper_environment() -> Iterator[None]:
    """Meanwhile, processes started get one BLAS thread (unless the user set a count:
    :data:`~.._util.threads.BLAS_THREAD_VARIABLES`, as the commands do).

    Each helper is one process per core already; NumPy's OpenBLAS would start a
    thread per core in each, which spin for a while after starting, on cores the
    other processes of the export are using.
    """
    added = not blas_threads_chosen()
    if added:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        yield
    finally:
        if added:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Meanwhile, ``SIGTERM`` raises :class:`KeyboardInterrupt`, as Ctrl-C does.

    Only in the main thread, and only where ``SIGTERM`` still has its default
    action (a program that handles it keeps its own handler).
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


# The pid of the export's process, in a helper process; None elsewhere.
_PARENT: int | None = None
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _init_helper(job: ExportJob, parent: int) -> None:
    """Set up a helper process: Ctrl-C is the parent's to handle; it dies with its
    parent; load the digit data.
    """
    global _PARENT
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _PARENT = parent
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    _exit_if_orphaned()  # the parent died before the line above
    threading.Thread(target=_watch_parent, name="watch-parent", daemon=True).start()
    install(job)


def _watch_parent() -> None:
    """Exit this helper as soon as the export's process is gone (where no kernel does it)."""
    while True:
        _exit_if_orphaned()
        time.sleep(0.5)


def _exit_if_orphaned(temp: Any = None) -> None:
    """In a helper whose parent is gone: delete ``temp`` (if given) and exit at once."""
    if _PARENT is not None and os.getppid() != _PARENT:
        if temp is not None:
            remove(temp)
        os._exit(1)


# --------------------------------------------------------------------------- Dask


def run_dask(
    tasks: Iterator[ShardTask],
    job: ExportJob,
    client: Any,
    scheduler: str | None,
    on_done: OnDone,
) -> int:
    """Map the shards over a Dask cluster; returns the number of worker threads."""
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise InvalidParameterError(
            "executor='dask': needs Dask; install the 'distributed' extra: "
            f"pip install '{DISTRIBUTION}[distributed]'",
            param="executor",
            value="dask",
        ) from None
    own = client is None
    if own:
        try:
            client = distributed.Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InvalidParameterError(
                f"scheduler={scheduler!r}: cannot connect to a Dask scheduler there ({exc})",
                param="scheduler",
                value=scheduler,
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
            on_done(_dask_result(future, distributed))
            for task in _take(tasks, 1):
                futures.add(client.submit(write_shard, task, shipped, pure=False))
        return int(threads)
    finally:
        if own:
            client.close()


def _dask_result(future: Any, distributed: Any) -> ShardResult:
    """The shard a Dask future wrote; a lost worker or a cancelled shard is one clear error."""
    try:
        result: ShardResult = future.result()
    except (CancelledError, distributed.KilledWorker) as exc:
        reason = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        raise ShardError(
            "executor='dask': the export was interrupted: a shard was cancelled or its "
            f"Dask worker was lost ({reason}); run it again with resume=True (--resume) "
            "to keep the complete shards and write the rest"
        ) from None
    return result


def _take(iterator: Iterator[ShardTask], n: int) -> list[ShardTask]:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= n:
            break
    return out
