"""Verified downloads: mirrors tried in order, bounded retries and time, atomic placement.

A file is streamed to a temporary file beside its final name
(``tmp-download-<pid>@<host>-<random>.part``), hashed as it arrives and renamed
into place only once its hash (SHA-256, or MD5 where that is all the source
publishes: :mod:`.hashes`) matches. The data folder is created only when
the first bytes arrive. Each mirror gets at most :data:`DEADLINE` seconds per
file (``$NUMBER_GENERATOR_DOWNLOAD_TIMEOUT``), retries included, then the next
mirror is tried. Temporary files left by a killed download are removed by the
next download into the same folder (:func:`remove_stale_downloads`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import DownloadError, InvalidParameterError, InvalidTypeError
from .environment import MIRRORS_ENV
from .hashes import KnownHash, parse_known_hash

__all__ = [
    "DEADLINE",
    "DEADLINE_ENV",
    "MIRRORS_ENV",
    "RETRIES",
    "STALE_AFTER",
    "TEMP_PREFIX",
    "TIMEOUT",
    "MirrorsFailedError",
    "download_deadline",
    "fetch_file",
    "mirrors_from_env",
    "remove_stale_downloads",
]

logger = logging.getLogger("number_generator")

DEADLINE_ENV = "NUMBER_GENERATOR_DOWNLOAD_TIMEOUT"
#: Attempts per mirror after the first one, for transient errors only
#: (connection refused or reset, timeout, truncated body, HTTP 5xx/429).
RETRIES = 2
#: Seconds to wait for the server to answer (connect and each read).
TIMEOUT = 30.0
#: Seconds one mirror has to deliver one whole file, its retries included; then the
#: next mirror is tried. ``$NUMBER_GENERATOR_DOWNLOAD_TIMEOUT`` overrides it.
DEADLINE = 600.0
#: How the temporary files of a download are named: ``tmp-download-<pid>@<host>-<random>.part``.
TEMP_PREFIX = "tmp-download-"
#: Seconds without a write after which any temporary download file is stale, even one
#: whose process cannot be checked (another host) or whose pid was reused. A live
#: download writes at least every :data:`TIMEOUT` seconds.
STALE_AFTER = 3600.0

_CHUNK = 1 << 16
_TEMP_NAME = re.compile(rf"^{re.escape(TEMP_PREFIX)}(\d+)@(.+)-[0-9a-f]{{8}}\.part$")


class MirrorsFailedError(DownloadError):
    """No mirror delivered ``file_name``; ``failures`` has one line per failed attempt."""

    def __init__(self, message: str, file_name: str, failures: Sequence[str]) -> None:
        super().__init__(message)
        self.file_name = file_name
        self.failures = tuple(failures)


def mirrors_from_env(builtin: Sequence[str]) -> list[str]:
    """Return the mirrors named in ``NUMBER_GENERATOR_MIRRORS``, else ``builtin``."""
    raw = os.environ.get(MIRRORS_ENV, "")
    override = [url.strip() for url in raw.split(",") if url.strip()]
    return override or list(builtin)


def download_deadline(deadline: float | None = None) -> float:
    """``deadline`` if given, else ``$NUMBER_GENERATOR_DOWNLOAD_TIMEOUT``, else :data:`DEADLINE`.

    Raises
    ------
    InvalidParameterError
        If the value is not a positive, finite number of seconds (the message
        names the environment variable when the value came from there).
    InvalidTypeError
        If ``deadline`` is not a number.
    """
    if deadline is not None:
        if isinstance(deadline, bool) or not isinstance(deadline, (int, float)):
            raise InvalidTypeError(
                f"deadline={deadline!r}: expected a number of seconds",
                param="deadline",
                value=deadline,
            )
        source, seconds = "deadline", float(deadline)
    else:
        raw = os.environ.get(DEADLINE_ENV, "").strip()
        if not raw:
            return DEADLINE
        source = DEADLINE_ENV
        try:
            seconds = float(raw)
        except ValueError:
            seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        value = deadline if deadline is not None else raw
        raise InvalidParameterError(
            f"{source}={value!r}: expected a positive number of seconds",
            param="deadline",
            value=value,
        )
    return seconds


def fetch_file(
    file_name: str,
    known_hash: str,
    dest_dir: Path,
    mirrors: Sequence[str],
    *,
    retries: int = RETRIES,
    progress: bool | None = None,
    deadline: float | None = None,
) -> Path:
    """Download ``file_name`` from the first mirror that serves it with the right hash.

    The file is streamed to a temporary name in ``dest_dir``, checked against
    ``known_hash`` and only then renamed into place, so a failed or interrupted
    download never leaves a file a later run would trust. ``dest_dir`` is
    created only when the first bytes arrive: a failed download into a
    mistyped folder leaves no folder behind.

    Parameters
    ----------
    file_name:
        Name of the file on the mirrors and on disk.
    known_hash:
        Expected digest: ``"sha256:<hex>"``, ``"md5:<hex>"`` or a bare SHA-256 hex.
    dest_dir:
        Folder to place the file in (created if missing).
    mirrors:
        Base URLs, tried in order.
    retries:
        Extra attempts per mirror after a transient error. A wrong hash, a
        client error such as 404, a malformed URL or a spent ``deadline``
        moves straight on to the next mirror.
    progress:
        Show a progress bar; default: only when stderr is a terminal.
    deadline:
        Seconds each mirror has to deliver the whole file, retries included;
        default ``$NUMBER_GENERATOR_DOWNLOAD_TIMEOUT``, else :data:`DEADLINE`.

    Raises
    ------
    MirrorsFailedError
        (a :class:`~number_generator.errors.DownloadError`) If no mirror
        delivered a file with the expected digest.
    OSError
        If ``dest_dir`` cannot be created or written, or the disk is full
        (``errno.ENOSPC``): raised as is, the mirrors are not blamed.
    InvalidParameterError
        If ``deadline`` (or ``$NUMBER_GENERATOR_DOWNLOAD_TIMEOUT``) is not a
        positive number.
    """
    seconds = download_deadline(deadline)
    if progress is None:
        progress = sys.stderr is not None and sys.stderr.isatty()
    # Local problems (a file in the way, no permission) are not the mirrors'
    # fault: raise them as they are, before any request is made.
    _check_can_create(dest_dir)
    remove_stale_downloads(dest_dir)
    download = _Download(file_name, parse_known_hash(known_hash), dest_dir, progress, seconds)
    failures: list[str] = []
    for mirror in mirrors:
        url = f"{mirror.rstrip('/')}/{file_name}"
        if download.from_mirror(url, retries, failures):
            if failures:  # shown once, here; each failure was logged at INFO level
                logger.warning(
                    "%s came from %s after %d failed attempt(s): %s",
                    file_name,
                    url,
                    len(failures),
                    "; ".join(failures),
                )
            return dest_dir / file_name
    tried = "\n  ".join(failures) or "(no mirrors configured)"
    raise MirrorsFailedError(
        f"could not download {file_name} into {dest_dir}; every mirror failed:\n  {tried}\n"
        f"Fix: check your network, point {MIRRORS_ENV} at a working mirror "
        f"(comma-separated base URLs), or fetch the file by other means into {dest_dir} "
        "(or into another folder, and set NUMBER_GENERATOR_DATA_DIR or pass data_dir= "
        "to that folder).",
        file_name,
        failures,
    )


def remove_stale_downloads(folder: Path) -> list[Path]:
    """Delete the temporary files that killed downloads left in ``folder``; return them.

    A temporary file (named ``tmp-download-<pid>@<host>-…``, nothing else is
    touched) is stale when it was made on this host by a process that no longer
    exists, or when nothing has been written to it for :data:`STALE_AFTER`
    seconds. The temporary files of live downloads are kept.
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:  # no folder (yet), or not a folder
        return []
    host = _host()
    removed: list[Path] = []
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            idle = time.time() - entry.stat(follow_symlinks=False).st_mtime
            if not (idle > STALE_AFTER or (match[2] == host and not _pid_alive(int(match[1])))):
                continue
            os.unlink(entry.path)
        except OSError:  # gone meanwhile, or not ours to delete: leave it
            continue
        logger.info("removed %s, left by an interrupted download", entry.path)
        removed.append(Path(entry.path))
    return removed


def _check_can_create(folder: Path) -> None:
    """Raise if ``folder`` could not be created or written; create nothing."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(existing))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "Permission denied", str(existing))


def _host() -> str:
    """This machine's name, as it appears in temporary file names."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:64] or "localhost"


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host exists (``True`` when that cannot be told)."""
    if pid <= 0 or os.name == "nt":  # os.kill(pid, 0) would end the process on Windows
        return pid > 0
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, owned by someone else
        return True
    return True


class _WriteFailed(Exception):
    """The local file could not be written: not the mirror's fault, never retried."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


class _Expired(Exception):
    """The mirror's deadline for this file passed."""


class _TempFile:
    """The temporary file a download streams into, created on the first write."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path: Path | None = None
        self._handle: BinaryIO | None = None

    def write(self, chunk: bytes) -> None:
        try:
            self._open().write(chunk)
        except OSError as exc:
            raise _WriteFailed(exc) from exc

    def commit(self, target: Path) -> None:
        """Flush, sync and rename the file to ``target``."""
        try:
            handle = self._open()
            handle.flush()
            os.fsync(handle.fileno())
            handle.close()
            assert self.path is not None
            os.replace(self.path, target)
        except OSError as exc:
            raise _WriteFailed(exc) from exc
        self.path = None

    def discard(self) -> None:
        """Close and delete the file, if it was made."""
        if self._handle is not None:
            # The buffer may not flush (disk full): irrelevant now.
            with contextlib.suppress(OSError):
                self._handle.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None

    def _open(self) -> BinaryIO:
        if self._handle is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{TEMP_PREFIX}{os.getpid()}@{_host()}-{secrets.token_hex(4)}.part"
            # Mode 0o666 minus the umask, like any ordinary file (mkstemp would make it 0o600).
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            self.path = path
            self._handle = os.fdopen(fd, "wb")
        return self._handle


class _Watchdog:
    """Ends a download at its deadline, even one a trickling server keeps alive.

    A timer shuts the response's socket down when the deadline passes, which
    ends a blocked read at once; between chunks :attr:`expired` is checked too.
    The socket is reached through a duplicate of its descriptor, taken when
    the watch starts, so the timer can never touch a descriptor reused since.
    """

    def __init__(self, give_up_at: float) -> None:
        self.give_up_at = give_up_at
        self._fired = threading.Event()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._sock: socket.socket | None = None

    @property
    def expired(self) -> bool:
        return self._fired.is_set() or time.monotonic() >= self.give_up_at

    def watch(self, response: Any) -> None:
        """Start the timer for ``response`` (a streamed ``requests`` response)."""
        self._sock = _socket_of(response)
        self._timer = threading.Timer(max(0.0, self.give_up_at - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        """Cancel the timer and let go of the socket."""
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def _fire(self) -> None:
        self._fired.set()
        with self._lock:
            if self._sock is not None:
                with contextlib.suppress(OSError):  # already shut down by the peer
                    self._sock.shutdown(socket.SHUT_RDWR)


def _socket_of(response: Any) -> socket.socket | None:
    """A duplicate of the socket a streamed ``requests`` response reads from, if any."""
    try:
        return socket.socket(fileno=os.dup(response.raw.fileno()))
    except (OSError, AttributeError, ValueError):  # no descriptor, or not a socket
        return None


@dataclass(frozen=True)
class _Download:
    """One file to fetch into ``dest_dir``, verified against ``known``."""

    file_name: str
    known: KnownHash
    dest_dir: Path
    progress: bool
    deadline: float

    def from_mirror(self, url: str, retries: int, failures: list[str]) -> bool:
        """Try ``url`` up to ``retries + 1`` times within the deadline; ``True`` once in place.

        Each failed attempt adds a line to ``failures``. Transient errors are
        retried after a short back-off; others move on to the next mirror.
        """
        give_up_at = time.monotonic() + self.deadline
        for attempt in range(retries + 1):
            failure = self.attempt(url, attempt, give_up_at)
            if failure is None:
                return True
            reason, may_retry = failure
            failures.append(reason)
            logger.info("download failed: %s", reason)
            if not may_retry or attempt == retries:
                return False
            delay = min(0.5 * 2**attempt, 4.0)
            if time.monotonic() + delay >= give_up_at:
                return False
            time.sleep(delay)
        return False

    def attempt(self, url: str, attempt: int, give_up_at: float) -> tuple[str, bool] | None:
        """Download ``url`` once: ``None`` on success, else ``(failure line, worth retrying)``.

        Raises
        ------
        OSError
            If the file cannot be written (not the mirror's fault): no room,
            no permission, a file in the way.
        """
        import requests

        where = f"{url} (attempt {attempt + 1})"
        logger.info("downloading %s into %s", url, self.dest_dir)
        temp = _TempFile(self.dest_dir)
        watchdog = _Watchdog(give_up_at)
        done = False
        try:
            wait = max(0.001, min(TIMEOUT, give_up_at - time.monotonic()))
            with requests.get(url, stream=True, timeout=(wait, wait)) as response:
                response.raise_for_status()
                watchdog.watch(response)
                digest = self._receive(response, temp, watchdog)
            if self.known.matches(digest):
                temp.commit(self.dest_dir / self.file_name)
                done = True
                return None
            if watchdog.expired:
                return self._too_slow(where), False
            label, expected = self.known.label, self.known.hexdigest
            return f"{url}: {label} {digest} does not match the known hash {expected}", False
        except _WriteFailed as exc:
            raise exc.error from None
        except (_Expired, requests.RequestException, OSError) as exc:
            if watchdog.expired:
                return self._too_slow(where), False
            if isinstance(exc, requests.RequestException):
                # Checked before OSError: requests' errors are both.
                return f"{where}: {_describe(exc)}", _is_transient(exc)
            return f"{where}: {_first_line(exc)}", True  # a socket error requests did not wrap
        finally:
            watchdog.stop()
            if not done:
                temp.discard()

    def _receive(self, response: Any, temp: _TempFile, watchdog: _Watchdog) -> str:
        """Stream the body into ``temp``; return its digest (the known hash's algorithm)."""
        digest = self.known.new()
        bar = self._progress_bar(response)
        try:
            for chunk in response.iter_content(_CHUNK):
                if watchdog.expired:
                    raise _Expired
                temp.write(chunk)
                digest.update(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        return digest.hexdigest()

    def _progress_bar(self, response: Any) -> Any:
        if not self.progress:
            return None
        from tqdm import tqdm

        length = response.headers.get("Content-Length", "")
        total = int(length) if length.isdigit() else None
        return tqdm(
            total=total, unit="B", unit_scale=True, desc=self.file_name, file=sys.stderr, ascii=True
        )

    def _too_slow(self, where: str) -> str:
        return (
            f"{where}: no complete file within {self.deadline:g} s "
            f"(the limit per file and mirror, {DEADLINE_ENV})"
        )


def _is_transient(exc: BaseException) -> bool:
    """Whether retrying the same URL may help: not for 4xx answers or bad URLs."""
    import requests

    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else None
        return status is None or status >= 500 or status in (408, 429)
    return not isinstance(exc, ValueError)  # InvalidURL, MissingSchema, InvalidSchema …


def _describe(exc: BaseException) -> str:
    """A short reason: the HTTP status, or the innermost cause of a connection error."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code} {exc.response.reason or ''}".rstrip()
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None
    if cause is None:
        return _first_line(exc)
    reason = getattr(cause, "reason", None)
    if isinstance(reason, BaseException):
        # urllib3's MaxRetryError: the real cause, behind a long object repr.
        return _first_line(reason).rsplit(">: ", 1)[-1]
    if cause.args and isinstance(cause.args[0], str):
        # urllib3's ProtocolError("Connection broken: IncompleteRead(…)", IncompleteRead(…))
        return _first_line(Exception(cause.args[0]))
    return _first_line(cause)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
