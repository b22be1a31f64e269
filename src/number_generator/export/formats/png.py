"""``format="png"``: a folder of PNG files per shard, with ``labels.csv`` and ``metadata.jsonl``."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..shards import ExportJob, Sample, ShardTask
from .base import ShardFormat, replacing
from .pngbytes import with_png_bytes

#: A shard's records, one JSON line per image (merged into ``metadata.jsonl``).
RECORDS = "_records.jsonl"
#: A shard's ``file_name,label`` rows (merged into ``labels.csv``).
LABELS = "_labels.csv"

_json_str = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


class PngFormat(ShardFormat):
    """``NAME/KEY.png`` plus ``NAME/_records.jsonl`` and ``NAME/_labels.csv``.

    The shards' records are merged at the end into ``metadata.jsonl``
    (``file_name``, ``label``, ``boxes``, and ``writers`` with ``writer="same"``) and
    ``labels.csv`` (``file_name,label``)
    at the top of the output folder.
    """

    name = "png"

    def write(self, task: ShardTask, samples: Iterable[Sample], temp: Path) -> None:
        temp.mkdir()
        folder = f"{temp}{os.sep}"
        records: list[str] = []
        rows: list[tuple[str, str]] = []
        for sample, data in with_png_bytes(samples):
            _write_file(f"{folder}{sample.key}.png", data)
            file_name = f"{task.name}/{sample.key}.png"
            records.append(_record(file_name, sample))
            rows.append((file_name, sample.label))
        labels = io.StringIO()
        csv.writer(labels, lineterminator="\n").writerows(rows)
        # Written last: a shard folder holding both files was written to the end.
        (temp / LABELS).write_text(labels.getvalue(), encoding="utf-8")
        (temp / RECORDS).write_text("".join(records), encoding="utf-8")

    def holds(self, path: Path, size: int) -> bool:
        records = path / RECORDS
        if not records.is_file() or not (path / LABELS).is_file():
            return False
        lines = records.read_text(encoding="utf-8").splitlines()
        if len(lines) != size:
            return False
        for line in lines:
            png = path.parent / json.loads(line)["file_name"]
            with open(png, "rb") as handle:  # a missing or cut file fails here
                handle.seek(-12, os.SEEK_END)
                if handle.read(12)[4:8] != b"IEND":
                    return False
        return True

    def files(self, names: Sequence[str]) -> list[str]:
        return ["metadata.jsonl", "labels.csv"]

    def merge(self, job: ExportJob, names: Sequence[str]) -> None:
        """Concatenate the shards' records into ``metadata.jsonl`` and ``labels.csv``."""
        out = Path(job.out)
        for target, part, header in (
            ("metadata.jsonl", RECORDS, b""),
            ("labels.csv", LABELS, b"file_name,label\n"),
        ):
            with replacing(out, target) as temp, open(temp, "wb") as sink:
                sink.write(header)
                for name in names:
                    with open(out / name / part, "rb") as source:
                        shutil.copyfileobj(source, sink)


def _record(file_name: str, sample: Sample) -> str:
    """The sample's line of ``metadata.jsonl``: what ``json.dumps(record, separators=(",",
    ":"))`` writes for ``file_name``, ``label``, ``boxes`` (and ``writers``), made faster.

    ``boxes`` and ``writers`` hold only ints and ``None``, whose ``repr`` is JSON but
    for the spaces and ``None``.
    """
    line = f'{{"file_name":{_json_str(file_name)},"label":{_json_str(sample.label)},'
    line += f'"boxes":{_json_list(sample.boxes)}'
    if sample.writers is not None:
        line += f',"writers":{_json_list(sample.writers)}'
    return line + "}\n"


def _json_list(values: list[Any]) -> str:
    return repr(values).replace(" ", "").replace("None", "null")


def _write_file(path: str, data: bytes) -> None:
    """One small file with a single write (cheaper than ``open()``'s buffered file object)."""
    fd = os.open(path, _WRITE_FLAGS, 0o644)
    try:
        view = memoryview(data)
        while view:  # a regular file takes it all at once; loop in case it does not
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)
