"""The PyTorch adapter: per-worker streams, DataLoader with two workers, CTC-ready batches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from _helpers import require
from number_generator import BLANK, InvalidParameterError, InvalidTypeError

torch = require("torch")
from torch.utils.data import DataLoader  # noqa: E402

from number_generator.torch import DigitSequenceDataset  # noqa: E402


def load(dataset: DigitSequenceDataset, **loader: Any) -> list[dict[str, Any]]:
    return list(DataLoader(dataset, **loader))


def samples(batches: list[dict[str, Any]]) -> list[tuple[str, bytes]]:
    return [
        (label, image.numpy().tobytes())
        for batch in batches
        for label, image in zip(batch["label"], batch["image"])
    ]


def test_two_workers_give_distinct_reproducible_samples() -> None:
    data = DigitSequenceDataset("phone", length=96, seed=3)
    # spawn: no fork of a multi-threaded test process; workers load MNIST memory-mapped.
    options = {"batch_size": 16, "num_workers": 2, "multiprocessing_context": "spawn"}
    first = load(data, **options)
    drawn = samples(first)
    assert len(drawn) == 96
    assert len({label for label, _ in drawn}) == 96, "no sample twice across workers"
    assert len({image for _, image in drawn}) == 96
    # Workers alternate batches: the two streams are not copies of each other.
    assert samples(first[0:1]) != samples(first[1:2])
    assert samples(load(data, **options)) == drawn, "a fixed seed reproduces the data"

    batch = first[0]
    assert tuple(batch["image"].shape) == (16, 1, 28, 304)
    assert batch["image"].dtype == torch.float32
    assert batch["target"].dtype == torch.int64 and tuple(batch["target"].shape) == (16, 11)
    assert batch["target_length"].tolist() == [11] * 16
    assert tuple(batch["boxes"].shape) == (16, 11, 4)


def test_worker_streams_follow_the_seed_contract() -> None:
    """Worker w of epoch e draws SeedSequence(seed, spawn_key=(e, w)), in or out of a loader."""
    from number_generator.batches import BatchStream

    data = DigitSequenceDataset("0##-####", length=4, seed=9, image_width=200)
    expected = BatchStream(
        128, "0##-####", image_width=200, seed=np.random.SeedSequence(9, spawn_key=(0, 0))
    ).next_batch()
    got = list(data)
    assert [s["label"] for s in got] == expected.labels[:4]
    assert np.array_equal(got[0]["image"][0].numpy(), expected.images[0])
    data.set_epoch(1)
    assert [s["label"] for s in data] != expected.labels[:4], "each epoch differs"


def test_batch_mode_and_ctc_loss() -> None:
    data = DigitSequenceDataset("random:3-8", batch_size=8, length=2, seed=1, image_width=160)
    batches = load(data, batch_size=None)
    assert len(batches) == 2 == len(data)
    batch = batches[0]
    assert tuple(batch["image"].shape) == (8, 1, 28, 160) and len(batch["label"]) == 8
    frames = 40
    log_probs = torch.randn(frames, 8, BLANK + 1).log_softmax(2)
    loss = torch.nn.functional.ctc_loss(
        log_probs,
        batch["target"],
        torch.full((8,), frames, dtype=torch.int64),
        batch["target_length"],
        blank=BLANK,
    )
    assert torch.isfinite(loss)


def test_unseeded_and_endless() -> None:
    data = DigitSequenceDataset("##", image_width=64)
    stream = iter(data)
    assert len([next(stream) for _ in range(300)]) == 300
    with pytest.raises(TypeError, match="endless"):
        len(data)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"length": -1}, InvalidParameterError, r"length=-1: must be in the range 0\.\."),
        ({"batch_size": 0}, InvalidParameterError, r"batch_size=0: must be in the range 1"),
        ({"seed": "x"}, InvalidTypeError, r"seed='x': expected an integer"),
        ({"template": "0x"}, InvalidParameterError, r"template='0x': 'x' is not allowed"),
        ({"image_width": 0}, InvalidParameterError, r"image_width=0"),
        ({"dtype": "float64"}, InvalidParameterError, r"dtype='float64': expected 'float32'"),
    ],
    ids=["length", "batch-size", "seed", "template", "width", "dtype"],
)
def test_bad_options_fail_at_construction(
    kwargs: dict[str, Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        DigitSequenceDataset(**kwargs)


def test_uint8_images_are_the_float_images_times_255() -> None:
    options: dict[str, Any] = {"length": 6, "seed": 2, "image_width": 120}
    plain = load(DigitSequenceDataset("0##-####", **options), batch_size=3)
    small = load(DigitSequenceDataset("0##-####", dtype="uint8", **options), batch_size=3)
    for a, b in zip(plain, small, strict=True):
        assert a["image"].dtype == torch.float32 and b["image"].dtype == torch.uint8
        assert tuple(b["image"].shape) == (3, 1, 28, 120) and a["label"] == b["label"]
        assert torch.equal(b["image"].float() / 255, a["image"])
