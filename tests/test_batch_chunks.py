"""The batch composer's chunks and buffers: a batch is composed a few strings at a
time (so its columns stay in cache), into ``float32`` directly for the float
stream; the images are the same whatever the chunk size, and a batch handed out
is never written again.
"""

from __future__ import annotations

import numpy as np
import pytest

from number_generator import DigitDataset, batches, parse_template
from number_generator.compose import batch as _batch

# (template, width): digits only, all fitting; separators and spaces, some too wide.
CASES = [("phone", 280), ("0##-## ####/#", 120), ("random:1-12", 150)]


def _compose(dataset: DigitDataset, template: str, width: int, floats: bool) -> _batch.Composed:
    texts = parse_template(template).sample(np.random.default_rng(3), 75)
    return _batch.compose_batch(
        dataset, texts, (0, 6), width, np.random.default_rng(8), floats=floats
    )


@pytest.mark.parametrize(("template", "width"), CASES)
@pytest.mark.parametrize("floats", [False, True])
def test_every_chunk_size_composes_the_same_images(
    mnist_test: DigitDataset,
    monkeypatch: pytest.MonkeyPatch,
    template: str,
    width: int,
    floats: bool,
) -> None:
    monkeypatch.setattr(_batch, "_CHUNK", 1000)  # the whole batch at once
    whole = _compose(mnist_test, template, width, floats)
    monkeypatch.setattr(_batch, "_CHUNK", 7)  # ten chunks of 7, then 5 strings
    chunked = _compose(mnist_test, template, width, floats)
    assert chunked.paper.dtype == (np.float32 if floats else np.uint8)
    assert chunked.paper.flags.c_contiguous and chunked.paper.shape == (75, 28, width)
    np.testing.assert_array_equal(chunked.paper, whole.paper)
    np.testing.assert_array_equal(chunked.boxes, whole.boxes)
    # Every image that fits has ink; one that does not is left blank for the caller.
    white = 1.0 if floats else 255
    ink = (chunked.paper < white).any(axis=(1, 2))
    np.testing.assert_array_equal(ink, chunked.fits)


@pytest.mark.parametrize(("template", "width"), CASES)
def test_float_paper_is_the_uint8_paper_divided_to_the_bit(
    mnist_test: DigitDataset, template: str, width: int
) -> None:
    paper = _compose(mnist_test, template, width, floats=False).paper
    floats = _compose(mnist_test, template, width, floats=True).paper
    expected = np.divide(paper, np.float32(255), dtype=np.float32)
    assert np.array_equal(floats.view(np.uint32), expected.view(np.uint32))


@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_a_batch_handed_out_is_never_written_again(mnist_test: DigitDataset, dtype: str) -> None:
    stream = batches(40, "phone", seed=0, dtype=dtype, dataset=mnist_test)
    first = next(stream)
    kept = [np.copy(array) for array in (first.images, first.targets, first.boxes, first.writers)]
    later = [next(stream) for _ in range(3)]
    for before, now in zip(
        kept, (first.images, first.targets, first.boxes, first.writers), strict=True
    ):
        np.testing.assert_array_equal(now, before)
    for batch in later:
        assert not np.shares_memory(batch.images, first.images)
        assert not np.shares_memory(batch.targets, first.targets)
        assert not np.array_equal(batch.images, first.images)  # new images, new memory
