"""``format="npz"``: one ``.npz`` per shard, merged into one ``dataset.npz``."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ...compose import RenderOptions
from ...errors import InvalidParameterError
from ..shards import ExportJob, Sample, ShardTask
from .base import ShardFormat, replacing

#: The merged file.
NPZ_NAME = "dataset.npz"
#: Largest ``npz`` export, in bytes of pixels (the merge holds them all in memory).
NPZ_MAX_BYTES = 2 * 2**30


class NpzFormat(ShardFormat):
    """``NAME.npz``, merged at the end into ``dataset.npz``: ``images`` uint8 ``[N, H, W]``,
    ``labels``, ``lengths``, ``boxes`` ``[N, L, 4]`` padded with -1, and with
    ``writer="same"`` ``writers`` ``[N, L]`` (the writer of each label character, -1 padded).

    For small sets (at most :data:`NPZ_MAX_BYTES` of pixels) of a fixed ``image_width``.
    """

    name = "npz"
    suffix = ".npz"
    damage = (zipfile.BadZipFile,)

    def check(self, count: int, options: RenderOptions) -> None:
        width, height = options.image_width, options.image_height
        if width is None:
            raise InvalidParameterError(
                "image_width=None: the npz format stores one array, so it needs a fixed "
                "image_width",
                param="image_width",
                value=width,
            )
        if count * height * width > NPZ_MAX_BYTES:
            raise InvalidParameterError(
                f"count={count!r}: {count:,} images of {height}x{width} px is more than the "
                f"{NPZ_MAX_BYTES // 2**30} GiB an npz export may hold; use format='png' or "
                "'webdataset' for large sets",
                param="count",
                value=count,
            )

    def write(self, task: ShardTask, samples: Iterable[Sample], temp: Path) -> None:
        options = task.options
        width = options.image_width
        assert width is not None  # checked when the export is planned
        size, length = task.size, task.max_label_length
        images = np.empty((size, options.image_height, width), np.uint8)
        boxes = np.full((size, length, 4), -1, np.int32)
        writers = np.full((size, length), -1, np.int32)
        labels: list[str] = []
        for k, sample in enumerate(samples):
            images[k] = sample.paper
            for position, box in enumerate(sample.boxes):
                if box is not None:
                    boxes[k, position] = box
            for position, writer in enumerate(sample.writers or ()):
                if writer is not None:  # None: a kept space
                    writers[k, position] = writer
            labels.append(sample.label)
        label_array = np.array(labels, dtype=f"<U{length}")
        lengths = np.array([len(label) for label in labels], np.int32)
        arrays = {"images": images, "labels": label_array, "lengths": lengths, "boxes": boxes}
        if options.writer == "same":
            arrays["writers"] = writers
        write_npz(temp, arrays)

    def holds(self, path: Path, size: int) -> bool:
        with np.load(path) as archive:
            return len(archive["labels"]) == size and archive["images"].shape[0] == size

    def files(self, names: Sequence[str]) -> list[str]:
        return [NPZ_NAME]

    def merge(self, job: ExportJob, names: Sequence[str]) -> None:
        """Join the shards' arrays into ``dataset.npz`` (written atomically)."""
        out, count, options = Path(job.out), job.count, job.options
        width = options.image_width
        assert width is not None
        length = job.max_label_length
        images = np.empty((count, options.image_height, width), np.uint8)
        boxes = np.empty((count, length, 4), np.int32)
        writers = np.empty((count, length), np.int32) if options.writer == "same" else None
        labels = np.empty(count, f"<U{length}")
        lengths = np.empty(count, np.int32)
        position = 0
        for name in names:
            with np.load(out / self.final_name(name)) as archive:
                part = archive["labels"]
                end = position + len(part)
                images[position:end] = archive["images"]
                boxes[position:end] = archive["boxes"]
                if writers is not None:
                    writers[position:end] = archive["writers"]
                labels[position:end] = part
                lengths[position:end] = archive["lengths"]
                position = end
        arrays = {"images": images, "labels": labels, "lengths": lengths, "boxes": boxes}
        if writers is not None:
            arrays["writers"] = writers
        with replacing(out, NPZ_NAME) as temp:
            write_npz(temp, arrays)

    def clean_merged(self, folder: Path, names: Sequence[str]) -> None:
        """An npz export keeps only ``dataset.npz``: its shards were merged into it."""
        for name in names:
            (folder / self.final_name(name)).unlink(missing_ok=True)


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
