"""The training batch stream: shapes, CTC targets, boxes on the ink, layout rules, seeds."""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest

from number_generator import (
    ALPHABET,
    BLANK,
    Batch,
    DigitDataset,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
    batches,
    parse_template,
)
from number_generator.batches import BatchStream, default_width


def decode(batch: Batch) -> list[str]:
    return [
        "".join(ALPHABET[c] for c in row[:length])
        for row, length in zip(batch.targets.tolist(), batch.target_lengths.tolist())
    ]


def check_boxes(batch: Batch, *, all_ink: bool = True, scaled: bool = False) -> None:
    """Every label character's box holds ink and no ink lies outside the boxes; at native
    scale each box is tight on all four sides (resampled strokes may fade in a 1 px rim).
    """
    for image, boxes, label in zip(batch.images, batch.boxes, batch.labels):
        ink = image < (0.5 if scaled else 1.0)
        uncovered = ink.copy()
        for position, (x0, y0, x1, y1) in enumerate(boxes.tolist()):
            if position >= len(label) or label[position] == " ":
                assert (x0, y0, x1, y1) == (-1, -1, -1, -1)
                continue
            inside = ink[y0:y1, x0:x1]
            assert inside.any(), (label, position)
            if not scaled:
                assert inside[:, 0].any() and inside[:, -1].any(), (label, position)
                assert inside[0].any() and inside[-1].any(), (label, position)
            uncovered[y0:y1, x0:x1] = False
        assert not (all_ink and uncovered.any()), label


# The vectorized path (native height, pad, no overlap) and every fallback to render().
PATHS: dict[str, dict[str, Any]] = {
    "vectorized": {},
    "narrow-width": {"image_width": 110},
    "taller": {"image_height": 36},
    "stretch": {"fit": "stretch", "image_width": 200},
    "overlap": {"spacing_range": (-3, 0)},
}


@pytest.mark.parametrize("options", PATHS.values(), ids=PATHS.keys())
def test_batch_contents(mnist_test: DigitDataset, options: dict[str, Any]) -> None:
    batch = next(batches(32, "phone", seed=1, n=1, dataset=mnist_test, **options))
    height = options.get("image_height", 28)
    spacing = options.get("spacing_range", (2, 8))
    width = options.get("image_width") or default_width(parse_template("phone"), height, spacing)
    assert batch.images.shape == (32, height, width) and batch.images.dtype == np.float32
    assert batch.images.min() >= 0.0 and batch.images.max() == 1.0
    assert all(re.fullmatch(r"0[789]0\d{8}", label) for label in batch.labels)
    assert batch.targets.shape == (32, 11) and batch.targets.dtype == np.int64
    assert batch.target_lengths.dtype == np.int64 and (batch.target_lengths == 11).all()
    assert decode(batch) == batch.labels
    assert batch.boxes.shape == (32, 11, 4) and batch.boxes.dtype == np.int32
    if "spacing_range" not in options:  # overlapping digits share ink: boxes overlap
        check_boxes(batch, scaled=bool(options))


@pytest.mark.parametrize("options", PATHS.values(), ids=PATHS.keys())
def test_separators(mnist_test: DigitDataset, options: dict[str, Any]) -> None:
    kept = next(
        batches(24, "0#-## #/#", seed=2, keep_separators=True, dataset=mnist_test, **options)
    )
    assert all(re.fullmatch(r"0\d-\d\d \d/\d", label) for label in kept.labels)
    assert decode(kept) == kept.labels and kept.targets.shape == (24, 9)
    assert set(kept.targets[:, 2].tolist()) == {ALPHABET.index("-")}
    assert set(kept.targets[:, 5].tolist()) == {ALPHABET.index(" ")}
    dropped = next(batches(24, "0#-## #/#", seed=2, dataset=mnist_test, **options))
    assert all(re.fullmatch(r"0\d{5}", label) for label in dropped.labels)
    assert dropped.targets.shape == (24, 6)
    assert (kept.images == dropped.images).all(), "the label option does not change the image"
    if "spacing_range" not in options:
        check_boxes(kept, scaled=bool(options))
        check_boxes(dropped, all_ink=False, scaled=bool(options))


def test_exact_spacing_and_centring(mnist_test: DigitDataset) -> None:
    batch = next(batches(64, "random:2-9", seed=3, spacing_range=(3, 3), dataset=mnist_test))
    for image, boxes, length in zip(batch.images, batch.boxes, batch.target_lengths):
        digits = boxes[:length]
        assert ((digits[1:, 0] - digits[:-1, 2]) == 3).all()
        left, right = digits[0, 0], image.shape[1] - digits[-1, 2]
        assert abs(left - right) <= 1, "centred on the paper"
        assert (image[:, : digits[0, 0]] == 1.0).all() and (image[:, digits[-1, 2] :] == 1.0).all()


def test_gaps_beside_strokes_and_spaces(mnist_test: DigitDataset) -> None:
    batch = next(
        batches(64, "1-1 1", seed=4, spacing_range=(0, 0), keep_separators=True, dataset=mnist_test)
    )
    for boxes in batch.boxes:
        one, hyphen, _, space_after = boxes[0], boxes[1], boxes[2], boxes[4]
        assert hyphen[0] - one[2] == 1 and boxes[2][0] - hyphen[2] == 1, "1 px beside a stroke"
        assert 28 // 3 <= space_after[0] - boxes[2][2] <= 2 * 28 // 3


def test_digits_follow_their_class(mnist_test: DigitDataset) -> None:
    """Each glyph's pixels are a real glyph of its class: compare against every candidate."""
    batch = next(batches(8, "7", seed=5, dataset=mnist_test, spacing_range=(0, 0)))
    sevens = mnist_test.images[mnist_test.labels == 7]
    for image, box in zip(batch.images, batch.boxes[:, 0]):
        x0, _, x1, _ = box
        ink = np.rint((1.0 - image[:, x0:x1]) * 255).astype(np.uint8)
        found = any(
            (glyph[:, cols[0] : cols[-1] + 1] == ink).all()
            for glyph in sevens
            if (cols := np.flatnonzero(glyph.max(axis=0)))[-1] + 1 - cols[0] == x1 - x0
        )
        assert found


def test_reproducible_and_seeded(mnist_test: DigitDataset) -> None:
    first = list(batches(16, "random:1-12", seed=7, n=3, dataset=mnist_test))
    again = list(batches(16, "random:1-12", seed=7, n=3, dataset=mnist_test))
    other = list(batches(16, "random:1-12", seed=8, n=3, dataset=mnist_test))
    assert len(first) == 3
    for a, b, c in zip(first, again, other):
        assert a.labels == b.labels and a.images.tobytes() == b.images.tobytes()
        assert (a.boxes == b.boxes).all() and (a.targets == b.targets).all()
        assert a.labels != c.labels
    assert first[0].labels != first[1].labels, "consecutive batches differ"
    sequence = list(batches(4, seed=np.random.SeedSequence(7), n=1, dataset=mnist_test))
    generator = list(batches(4, seed=np.random.default_rng(7), n=1, dataset=mnist_test))
    assert sequence[0].labels == generator[0].labels


def test_forever_and_zero(mnist_test: DigitDataset) -> None:
    endless = batches(2, "##", seed=0, dataset=mnist_test)
    assert len(list(itertools.islice(endless, 25))) == 25
    assert list(batches(2, "##", n=0, dataset=mnist_test)) == []


def test_padding_and_ctc_constants(mnist_test: DigitDataset) -> None:
    batch = next(batches(50, "random:1-5", seed=9, pad_value=BLANK, dataset=mnist_test))
    assert BLANK == len(ALPHABET) == 19  # the digits, "-/ " and the symbols ".,+():"
    for row, length in zip(batch.targets, batch.target_lengths):
        assert (row[length:] == BLANK).all() and (row[:length] < 10).all()
        assert 1 <= length <= 5
    assert batch.targets.shape == (50, 5)


def test_default_width_and_a_named_dataset() -> None:
    stream = BatchStream(3, "0##-####", seed=0)  # MNIST by name ($NUMBER_GENERATOR_SPLIT=test)
    assert stream.image_width == default_width(stream.template, 28, (2, 8)) == 221
    assert stream.next_batch().images.shape == (3, 28, 221)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"batch_size": 0}, InvalidParameterError, r"batch_size=0: must be in the range 1\.\."),
        ({"batch_size": 2.0}, InvalidTypeError, r"batch_size=2\.0: expected an integer"),
        ({"n": -1}, InvalidParameterError, r"n=-1: must be in the range 0\.\."),
        ({"template": "0x"}, InvalidParameterError, r"template='0x': 'x' is not allowed"),
        ({"image_width": 0}, InvalidParameterError, r"image_width=0: must be in the range 1"),
        ({"image_height": 4}, InvalidParameterError, r"image_height=4: must be in the range 8"),
        ({"spacing_range": (3, 1)}, InvalidParameterError, r"spacing_range=\(3, 1\)"),
        ({"fit": "crop"}, InvalidParameterError, r"fit='crop': expected one of"),
        ({"keep_separators": 1}, InvalidTypeError, r"keep_separators=1: expected True or False"),
        ({"pad_value": "x"}, InvalidTypeError, r"pad_value='x': expected an integer"),
        ({"augment": "wobbly"}, InvalidParameterError, r"augment='wobbly'"),
        ({"seed": -2}, InvalidParameterError, r"seed=-2: must be a non-negative int"),
    ],
    ids=[
        "batch-zero",
        "batch-float",
        "n-negative",
        "template",
        "width",
        "height",
        "spacing",
        "fit",
        "keep-not-bool",
        "pad-not-int",
        "augment",
        "seed",
    ],
)
def test_bad_arguments_fail_at_the_call(
    mnist_test: DigitDataset, kwargs: dict[str, Any], error: type, message: str
) -> None:
    arguments: dict[str, Any] = {"batch_size": 4, "dataset": mnist_test, **kwargs}
    with pytest.raises(error, match=message) as info:
        batches(**arguments)  # no next(): checked before the first batch
    assert isinstance(info.value, NumberGeneratorError)


def test_a_dataset_without_a_class(mnist_test: DigitDataset) -> None:
    no_sevens = mnist_test.subset(mnist_test.labels != 7)
    with pytest.raises(InvalidParameterError, match=r"no glyph of class \[7\]"):
        batches(4, "7#", dataset=no_sevens)
