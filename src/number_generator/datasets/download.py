"""Verified downloads: mirrors tried in order, bounded retries, atomic placement."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DownloadError

__all__ = ["MIRRORS_ENV", "RETRIES", "TIMEOUT", "fetch_file", "mirrors_from_env"]

logger = logging.getLogger("number_generator")

MIRRORS_ENV = "NUMBER_GENERATOR_MIRRORS"
#: Attempts per mirror after the first one, for transient errors only
#: (connection refused or reset, timeout, truncated body, HTTP 5xx/429).
RETRIES = 2
#: Seconds to wait for the server to answer (connect and each read).
TIMEOUT = 30.0


def mirrors_from_env(builtin: Sequence[str]) -> list[str]:
    """Return the mirrors named in ``NUMBER_GENERATOR_MIRRORS``, else ``builtin``."""
    raw = os.environ.get(MIRRORS_ENV, "")
    override = [url.strip() for url in raw.split(",") if url.strip()]
    return override or list(builtin)


def fetch_file(
    file_name: str,
    sha256: str,
    dest_dir: Path,
    mirrors: Sequence[str],
    *,
    retries: int = RETRIES,
    progress: bool | None = None,
) -> Path:
    """Download ``file_name`` from the first mirror that serves it with the right hash.

    The file is streamed to a temporary name in ``dest_dir``, checked against
    ``sha256`` and only then renamed into place, so a failed or interrupted
    download never leaves a file a later run would trust.

    Parameters
    ----------
    file_name:
        Name of the file on the mirrors and on disk.
    sha256:
        Expected hex digest.
    dest_dir:
        Folder to place the file in (created if missing).
    mirrors:
        Base URLs, tried in order.
    retries:
        Extra attempts per mirror after a transient error. A wrong hash, a
        client error such as 404 or a malformed URL moves straight on to the
        next mirror.
    progress:
        Show a progress bar; default: only when stderr is a terminal.

    Raises
    ------
    DownloadError
        If no mirror delivered a file with the expected digest.
    OSError
        If ``dest_dir`` cannot be created or written (nothing is downloaded).
    """
    import pooch

    if progress is None:
        progress = sys.stderr is not None and sys.stderr.isatty()
    # Local problems (a file in the way, no permission) are not the mirrors'
    # fault: raise them as they are, before any request is made.
    dest_dir.mkdir(parents=True, exist_ok=True)
    download = _Download(
        file_name, sha256, dest_dir, pooch.HTTPDownloader(progressbar=progress, timeout=TIMEOUT)
    )
    failures: list[str] = []
    for mirror in mirrors:
        if download.from_mirror(f"{mirror.rstrip('/')}/{file_name}", retries, failures):
            return dest_dir / file_name
    tried = "\n  ".join(failures) or "(no mirrors configured)"
    raise DownloadError(
        f"could not download {file_name} into {dest_dir}; every mirror failed:\n  {tried}\n"
        f"Fix: check your network, point {MIRRORS_ENV} at a working mirror "
        "(comma-separated base URLs), or fetch the file by other means into a folder "
        "and set NUMBER_GENERATOR_DATA_DIR (or pass data_dir=) to that folder."
    )


@dataclass(frozen=True)
class _Download:
    """One file to fetch into ``dest_dir``, verified against ``sha256``."""

    file_name: str
    sha256: str
    dest_dir: Path
    downloader: Any  # pooch.HTTPDownloader, imported lazily

    def from_mirror(self, url: str, retries: int, failures: list[str]) -> bool:
        """Try ``url`` up to ``retries + 1`` times; ``True`` once the file is in place.

        Each failed attempt adds a line to ``failures``. Transient errors are
        retried after a short back-off; others move on to the next mirror.
        """
        for attempt in range(retries + 1):
            failure = self.attempt(url, attempt)
            if failure is None:
                return True
            reason, may_retry = failure
            failures.append(reason)
            if not may_retry:
                return False
            if attempt < retries:
                time.sleep(min(0.5 * 2**attempt, 4.0))
        return False

    def attempt(self, url: str, attempt: int) -> tuple[str, bool] | None:
        """Download ``url`` once: ``None`` on success, else ``(failure line, worth retrying)``.

        Raises
        ------
        PermissionError
            If the file cannot be written (not the mirror's fault).
        """
        import pooch
        import requests

        logger.info("downloading %s into %s", url, self.dest_dir)
        try:
            with _quiet_pooch():
                pooch.retrieve(
                    url,
                    known_hash=f"sha256:{self.sha256}",
                    fname=self.file_name,
                    path=self.dest_dir,
                    downloader=self.downloader,
                )
        except PermissionError:
            raise
        except requests.RequestException as exc:
            # Checked before ValueError: InvalidURL, MissingSchema … are both.
            logger.warning("download of %s failed: %s", url, _describe(exc))
            return f"{url} (attempt {attempt + 1}): {_describe(exc)}", _is_transient(exc)
        except ValueError as exc:  # pooch's hash mismatch
            logger.warning("checksum mismatch for %s, trying the next mirror", url)
            return f"{url}: {_first_line(exc).split('. Deleted')[0]}", False
        except OSError as exc:  # a socket error requests did not wrap
            logger.warning("download of %s failed: %s", url, _first_line(exc))
            return f"{url} (attempt {attempt + 1}): {_first_line(exc)}", True
        return None


@contextmanager
def _quiet_pooch() -> Iterator[None]:
    """Silence pooch's own stderr logger ("Downloading data from …"): we log ourselves.

    A filter of our own rather than a level change, so concurrent downloads
    cannot leave pooch's logger in a state its other users did not choose.
    """
    import pooch

    def only_warnings(record: logging.LogRecord) -> bool:  # a new object per call
        return record.levelno >= logging.WARNING

    pooch_logger = pooch.get_logger()
    pooch_logger.addFilter(only_warnings)
    try:
        yield
    finally:
        pooch_logger.removeFilter(only_warnings)


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
