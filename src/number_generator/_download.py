"""Verified downloads: mirrors tried in order, bounded retries, atomic placement."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import DownloadError

logger = logging.getLogger("number_generator")

MIRRORS_ENV = "NUMBER_GENERATOR_MIRRORS"
#: Attempts per mirror after the first one, for network errors only.
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
        Extra attempts per mirror after a network error (a wrong hash moves
        straight on to the next mirror).
    progress:
        Show a progress bar; default: only when stderr is a terminal.

    Raises
    ------
    DownloadError
        If no mirror delivered a file with the expected digest.
    """
    import pooch
    import requests

    if progress is None:
        progress = sys.stderr.isatty()
    dest_dir.mkdir(parents=True, exist_ok=True)
    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=TIMEOUT)
    failures: list[str] = []
    for mirror in mirrors:
        url = f"{mirror.rstrip('/')}/{file_name}"
        for attempt in range(retries + 1):
            try:
                pooch.retrieve(
                    url,
                    known_hash=f"sha256:{sha256}",
                    fname=file_name,
                    path=dest_dir,
                    downloader=downloader,
                )
            except ValueError as exc:  # pooch's hash mismatch
                failures.append(f"{url}: {_first_line(exc)}")
                logger.warning("checksum mismatch for %s, trying the next mirror", url)
                break
            except (requests.RequestException, OSError) as exc:
                failures.append(f"{url} (attempt {attempt + 1}): {_first_line(exc)}")
                logger.warning("download of %s failed: %s", url, _first_line(exc))
                if attempt < retries:
                    time.sleep(min(0.5 * 2**attempt, 4.0))
                continue
            return dest_dir / file_name
    tried = "\n  ".join(failures) or "(no mirrors configured)"
    raise DownloadError(
        f"could not download {file_name} into {dest_dir}; every mirror failed:\n  {tried}\n"
        f"Fix: check your network, point {MIRRORS_ENV} at a working mirror "
        "(comma-separated base URLs), or copy the file there yourself and set "
        "NUMBER_GENERATOR_DATA_DIR to that folder."
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
