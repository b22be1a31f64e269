"""Members of a published zip archive, extracted one at a time, checked and placed atomically.

Some sets are published only inside one large archive holding several sets
(EMNIST's ``gzip.zip``). The archive is downloaded and verified against its
published hash like any file; then only the members a split needs are
extracted. Each member is checked against the CRC-32 the archive records for
it while it is written to a temporary file, and renamed into place only when
complete, so a later run never trusts a half-extracted file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import zipfile
import zlib
from pathlib import Path

from ..errors import CorruptDatasetError

__all__ = ["extract_member"]


def extract_member(archive: Path, member: str, target: Path) -> Path:
    """Extract ``member`` of the zip ``archive`` to ``target`` (its folder is created).

    Raises
    ------
    CorruptDatasetError
        ``archive`` is not a readable zip, has no ``member``, or the member's
        bytes do not match its recorded CRC-32.
    OSError
        ``target`` cannot be written (no room, no permission).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with zipfile.ZipFile(f"{tmp}/a.zip", "w") as z:
    ...         z.writestr("gzip/x.gz", b"payload")
    ...     extract_member(Path(tmp, "a.zip"), "gzip/x.gz", Path(tmp, "out/x.gz")).read_bytes()
    b'payload'
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with zipfile.ZipFile(archive) as opened:
            try:
                source = opened.open(member)
            except KeyError:
                raise CorruptDatasetError(
                    f"{archive}: holds no member {member!r}; it is not the published archive"
                ) from None
            with source, open(temp, "wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)  # the CRC is checked at the end
                sink.flush()
                os.fsync(sink.fileno())
        os.replace(temp, target)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise CorruptDatasetError(
            f"{archive}: {member} cannot be extracted ({exc}); delete the archive to "
            "download it again"
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return target
