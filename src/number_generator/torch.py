"""PyTorch adapter: an ``IterableDataset`` of synthetic digit strings (extra ``torch``).

Each ``DataLoader`` worker draws its own independent stream: its seed is
``SeedSequence(seed, spawn_key=(epoch, worker_id))`` (the ``worker_id``-th
child of the epoch's sequence), or, with ``seed=None``, the per-worker seed
PyTorch itself assigns (``get_worker_info().seed``, new every epoch). Workers
therefore never yield copies of each other's samples, and a fixed seed with
the same ``num_workers`` gives the same data every run.

Every item is a dict with the same keys whether it is one sample or a batch
(``batch_size=...``, then use ``DataLoader(dataset, batch_size=None)``):

``image``
    ``float32 [1, H, W]`` (``[B, 1, H, W]``), 0.0 = ink, 1.0 = paper; with
    ``dtype="uint8"``, ``uint8``, 0 = ink, 255 = paper.
``label``
    The label string (list of strings).
``target``
    ``int64 [T]``: the label as indices into
    :data:`~number_generator.batches.ALPHABET`, padded with ``pad_value``.
``target_length``
    ``int64`` scalar (``[B]``).
``boxes``
    ``int32 [T, 4]``: each label character's ink box, -1 for padding.
``writers``
    ``int32 [T]``: each label character's writer id (``writer="same"``: one
    id for the whole string), -1 for padding, separators and unknown writers.

PyTorch's default collate stacks samples into exactly the batch layout, ready
for ``torch.nn.CTCLoss(blank=BLANK)`` with ``BLANK + 1`` model outputs.

Examples
--------
>>> from torch.utils.data import DataLoader
>>> data = DigitSequenceDataset("0##-####", length=8, seed=0, image_width=160)
>>> batch = next(iter(DataLoader(data, batch_size=4)))
>>> tuple(batch["image"].shape), tuple(batch["target"].shape)
((4, 1, 28, 160), (4, 7))
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ._version import DISTRIBUTION

try:
    import torch
    from torch.utils.data import IterableDataset, get_worker_info
except ModuleNotFoundError as exc:  # the optional extra is not installed
    if exc.name is None or exc.name.partition(".")[0] != "torch":
        raise
    raise ModuleNotFoundError(
        f"number_generator.torch needs PyTorch ({exc.name} is not installed): "
        f"pip install '{DISTRIBUTION}[torch]' (see the README for the CPU-only wheel)",
        name=exc.name,
    ) from None

from ._util.params import DEFAULT_SPACING_RANGE, check_int
from .batches import ALPHABET, BLANK, MAX_BATCH_SIZE, Batch, BatchStream
from .compose import RenderOptions
from .datasets import DigitDataset

__all__ = ["ALPHABET", "BLANK", "DigitSequenceDataset"]

#: Images drawn at once per worker in sample mode (the vectorized path likes batches).
_CHUNK = 128


class DigitSequenceDataset(IterableDataset[dict[str, Any]]):
    """Synthetic digit-string images for a ``torch.utils.data.DataLoader``.

    Parameters
    ----------
    template:
        What to draw (see :func:`number_generator.batches.batches`).
    length:
        Items per epoch, split over the workers; ``None``: endless.
    batch_size:
        ``None`` (default): yield single samples for the ``DataLoader`` to
        collate. An int: yield ready batches (use ``batch_size=None`` in the
        ``DataLoader``).
    seed:
        Base seed: the same seed, epoch and ``num_workers`` give the same
        data. ``None``: PyTorch's per-worker seeds.
    spacing_range, image_width, image_height, fit, augment, dataset, split,
    data_dir, keep_separators, pad_value, writer, spacing_mode, dtype:
        As for :func:`number_generator.batches.batches`. ``image_width``
        defaults to room for the template's longest string.

    Raises
    ------
    InvalidParameterError, InvalidTypeError
        At construction, for any bad option.
    """

    def __init__(
        self,
        template: Any = "phone",
        *,
        length: int | None = None,
        batch_size: int | None = None,
        seed: int | None = None,
        spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
        image_width: int | None = None,
        image_height: int = 28,
        fit: str = "pad",
        augment: Any = None,
        dataset: DigitDataset | str | Path | None = None,
        split: str | None = None,
        data_dir: str | Path | None = None,
        keep_separators: bool = False,
        pad_value: int = -1,
        writer: str = "any",
        spacing_mode: str = "ink",
        dtype: Any = "float32",
    ) -> None:
        super().__init__()
        self.length = None if length is None else check_int(length, "length", 0, 2**63 - 1)
        self.batch_size = (
            None if batch_size is None else check_int(batch_size, "batch_size", 1, MAX_BATCH_SIZE)
        )
        self.seed = None if seed is None else check_int(seed, "seed", 0, 2**128 - 1)
        self.epoch = 0
        options = RenderOptions(
            spacing_range,
            image_width,
            image_height,
            fit,
            augment,
            keep_separators,
            writer=writer,
            spacing_mode=spacing_mode,
        )
        self._data: dict[str, Any] = {"dataset": dataset, "split": split, "data_dir": data_dir}
        # Checked now (the template parsed, the width fixed), so a bad option fails here,
        # not in a worker; each worker's stream reuses what was checked.
        probe = BatchStream.from_options(
            1, template, options, seed=0, pad_value=pad_value, dtype=dtype, **self._data
        )
        self.template, self.options, self.pad_value = probe.template, probe.options, probe.pad_value
        self.dtype = probe.dtype

    def set_epoch(self, epoch: int) -> None:
        """Draw epoch ``epoch``'s data (with a fixed seed, each epoch differs)."""
        self.epoch = check_int(epoch, "epoch", 0, 2**63 - 1)

    def __len__(self) -> int:
        if self.length is None:
            raise TypeError("DigitSequenceDataset(length=None) is endless and has no len()")
        return self.length

    def _worker_stream(self) -> tuple[BatchStream, int | None]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        if self.seed is None:
            entropy = info.seed if info is not None else torch.initial_seed()
            sequence = np.random.SeedSequence(entropy)
        else:
            sequence = np.random.SeedSequence(self.seed, spawn_key=(self.epoch, worker))
        share = None
        if self.length is not None:
            share = self.length // workers + (worker < self.length % workers)
        size = self.batch_size or _CHUNK
        stream = BatchStream.from_options(
            size,
            self.template,
            self.options,
            seed=sequence,
            pad_value=self.pad_value,
            dtype=self.dtype,
            **self._data,
        )
        return stream, share

    def __iter__(self) -> Iterator[dict[str, Any]]:
        stream, share = self._worker_stream()
        produced = 0
        while share is None or produced < share:
            batch = stream.next_batch()
            if self.batch_size is not None:
                yield _as_tensors(batch)
                produced += 1
                continue
            tensors = _as_tensors(batch)
            for k in range(len(batch.labels)):
                if share is not None and produced >= share:
                    return
                # Copies, not views: a sample must not keep its whole batch alive.
                yield {
                    "image": tensors["image"][k].clone(),
                    "label": batch.labels[k],
                    "target": tensors["target"][k].clone(),
                    "target_length": tensors["target_length"][k].clone(),
                    "boxes": tensors["boxes"][k].clone(),
                    "writers": tensors["writers"][k].clone(),
                }
                produced += 1


def _as_tensors(batch: Batch) -> dict[str, Any]:
    return {
        "image": torch.from_numpy(batch.images).unsqueeze(1),
        "label": batch.labels,
        "target": torch.from_numpy(batch.targets),
        "target_length": torch.from_numpy(batch.target_lengths),
        "boxes": torch.from_numpy(batch.boxes),
        "writers": torch.from_numpy(batch.writers),
    }
