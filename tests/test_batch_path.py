"""The array paths: the same bytes as the per-image path where that is their contract;
``uint8`` batches.

Exports compose strings of digits many at once in the order ``draw`` takes its
random numbers (:func:`number_generator.compose.batch.draw_in_order`), so an
export is what ``render`` draws in turn; the batch stream converts its paper to
``float32`` with OpenCV only where that gives NumPy's exact bits; phone numbers
are made all at once as one at a time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from number_generator import (
    DigitDataset,
    InvalidParameterError,
    SequenceGenerator,
    batches,
    export_dataset,
    parse_template,
)
from number_generator.batches import BatchStream
from number_generator.compose import RenderOptions
from number_generator.compose import batch as _batch
from number_generator.export.shards import shard_seed
from number_generator.templates.phone import PHONE_FORMATS, PhoneFormat

# (template, width, spacing): strings that all fit, and lengths of which some do not.
CASES = [
    ("phone", 280, (2, 8)),
    ("random:1-12", 150, (0, 3)),
    ("random:1-4", 60, (5, 9)),
]


@pytest.mark.parametrize(("template", "width", "spacing"), CASES)
def test_composed_in_order_is_what_draw_draws_in_turn(
    mnist_test: DigitDataset, template: str, width: int, spacing: tuple[int, int]
) -> None:
    texts = parse_template(template).sample(np.random.default_rng(0), 200)
    composed = _batch.compose_in_order(mnist_test, texts, spacing, width, np.random.default_rng(5))
    generator = SequenceGenerator(mnist_test)
    options = RenderOptions(spacing, width)
    rng = np.random.default_rng(5)
    for i, text in enumerate(texts):
        image = generator.draw(text, options, None, rng)
        if composed.fits[i]:
            np.testing.assert_array_equal(composed.paper[i], image.paper)
            np.testing.assert_array_equal(composed.boxes[composed.glyph_text == i], image.boxes)
    assert composed.fits.any()
    after = np.random.default_rng(5)
    _batch.compose_in_order(mnist_test, texts, spacing, width, after)
    assert after.random() == rng.random()  # the stream is left where draw leaves it


@pytest.mark.parametrize(("template", "width", "spacing"), CASES)
def test_draw_in_order_gives_every_image_draw_gives(
    mnist_test: DigitDataset, template: str, width: int, spacing: tuple[int, int]
) -> None:
    texts = parse_template(template).sample(np.random.default_rng(1), 120)
    generator = SequenceGenerator(mnist_test)
    options = RenderOptions(spacing, width)
    assert _batch.in_order_applies(options, mnist_test, texts)
    rng = np.random.default_rng(9)
    drawn = list(_batch.draw_in_order(generator, texts, options, np.random.default_rng(9)))
    for text, (paper, boxes) in zip(texts, drawn, strict=True):
        image = generator.draw(text, options, None, rng)
        np.testing.assert_array_equal(paper, image.paper)
        assert boxes == image.boxes.tolist()


@pytest.mark.parametrize(
    ("options", "texts"),
    [
        (RenderOptions((2, 8), None), ["123"]),  # natural width
        (RenderOptions((2, 8), 100, writer="same"), ["123"]),
        (RenderOptions((2, 8), 100, 36), ["123"]),  # scaled glyphs
        (RenderOptions((2, 8), 100, fit="stretch"), ["123"]),
        (RenderOptions((-2, 8), 100), ["123"]),  # overlapping digits
        (RenderOptions((2, 8), 100, spacing_mode="contour"), ["123"]),
        (RenderOptions((2, 8), 100, augment="light"), ["123"]),
        (RenderOptions((2, 8), 100), ["12-3"]),  # separators: drawn one at a time
        (RenderOptions((2, 8), 100), ["12", "3 4"]),
    ],
)
def test_in_order_applies_only_where_it_draws_the_same(
    mnist_test: DigitDataset, options: RenderOptions, texts: list[str]
) -> None:
    assert not _batch.in_order_applies(options, mnist_test, texts)


def _metadata(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "metadata.jsonl").read_text().splitlines()]


def test_a_digit_export_holds_what_render_draws_in_turn(
    mnist_test: DigitDataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    composed: list[int] = []
    too_wide = [0]
    compose = _batch.compose_in_order

    def counting(*args: Any) -> Any:
        result = compose(*args)
        composed.append(len(args[1]))
        too_wide[0] += int((~result.fits).sum())
        return result

    monkeypatch.setattr(_batch, "compose_in_order", counting)
    export_dataset(
        tmp_path, 300, "random:1-9", format="png", seed=4, shard_size=260, workers=1,
        image_width=120, dataset=mnist_test, progress=False,
    )  # fmt: skip
    assert composed == [256, 4, 40]  # chunks of the two shards, composed at once
    generator = SequenceGenerator(mnist_test)
    records = iter(_metadata(tmp_path))
    for shard, size in enumerate((260, 40)):
        rng = np.random.default_rng(shard_seed(4, shard))
        for text in parse_template("random:1-9").sample(rng, size):
            image = generator.render(text, (2, 8), 120, seed=rng)
            record = next(records)
            written = cv2.imread(str(tmp_path / record["file_name"]), cv2.IMREAD_UNCHANGED)
            np.testing.assert_array_equal(written, image.paper)
            assert record["label"] == text and record["boxes"] == image.boxes.tolist()
    assert too_wide[0] > 10  # some were drawn scaled down, one at a time, as render draws them


def test_float_images_are_numpys_division_to_the_bit() -> None:
    values = (np.arange(3 * 300) % 256).astype(np.uint8).reshape(3, 1, 300)
    images = _batch.as_float(values)
    assert images.dtype == np.float32 and images.shape == (3, 1, 300)
    expected = np.divide(values, np.float32(255), dtype=np.float32)
    assert np.array_equal(images.view(np.uint32), expected.view(np.uint32))
    assert _batch.as_float(np.zeros((0, 28, 10), np.uint8)).shape == (0, 28, 10)


def test_float_images_fall_back_to_numpy_where_opencv_differs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_batch, "_EXACT_DIVIDE", [])
    monkeypatch.setattr(
        _batch, "_opencv_divide", lambda rows, out: np.multiply(rows, np.float32(0.5), out=out)
    )
    values = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    expected = np.divide(values, np.float32(255), dtype=np.float32)
    assert np.array_equal(_batch.as_float(values), expected)


@pytest.mark.parametrize(
    "spec", [*PHONE_FORMATS.values(), PhoneFormat("mixed", ("1", "22"), 3, "1-234")]
)
def test_phone_numbers_made_at_once_are_those_made_one_at_a_time(spec: PhoneFormat) -> None:
    ks = np.concatenate(
        [[0, spec.capacity - 1], np.random.default_rng(2).integers(0, spec.capacity, 3000)]
    )
    assert spec.numbers(ks) == [spec.number(int(k)) for k in ks]
    assert spec.numbers(np.zeros(0, np.int64)) == []


# Vectorized; symbols and too-wide strings drawn alone among composed ones; every image alone.
DTYPE_CASES: dict[str, dict[str, Any]] = {
    "vectorized": {"template": "0##-####/##", "keep_separators": True, "image_width": 200},
    "mixed": {"template": ["12.5", "3-4", "99", "123456789012345"], "image_width": 90},
    "symbols-only": {"template": ["1,5", "(2)"], "image_width": 90},
    "per-image": {"template": "random:2-6", "augment": "light", "image_height": 32},
}


@pytest.mark.parametrize("case", DTYPE_CASES, ids=list(DTYPE_CASES))
def test_uint8_batches_are_the_float_batches_times_255(mnist_test: DigitDataset, case: str) -> None:
    options = {"dataset": mnist_test, "seed": 3, "n": 2, **DTYPE_CASES[case]}
    floats = list(batches(16, **options))
    for dtype in ("uint8", np.uint8, np.dtype("uint8")):
        for plain, small in zip(floats, batches(16, dtype=dtype, **options), strict=True):
            assert small.images.dtype == np.uint8 and small.images.shape == plain.images.shape
            assert plain.images.dtype == np.float32
            expected = np.rint(plain.images * np.float32(255)).astype(np.uint8)
            np.testing.assert_array_equal(small.images, expected)
            np.testing.assert_array_equal(small.images / np.float32(255), plain.images)
            assert small.labels == plain.labels
            np.testing.assert_array_equal(small.boxes, plain.boxes)
            assert small.images.min() < 100 and small.images.max() == 255  # ink on paper


@pytest.mark.parametrize("dtype", ["float64", "int8", "uint16", np.float16, None, "pixels", 3])
def test_other_image_types_are_refused_at_the_call(mnist_test: DigitDataset, dtype: Any) -> None:
    with pytest.raises(
        InvalidParameterError, match=r"^dtype=.*expected 'float32'.*'uint8'"
    ) as info:
        batches(4, dtype=dtype, dataset=mnist_test)
    assert info.value.param == "dtype"
    with pytest.raises(InvalidParameterError, match=r"^dtype="):
        BatchStream(4, dtype=dtype, dataset=mnist_test)
