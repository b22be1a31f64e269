"""SequenceGenerator: shape, spacing, fit modes, overlap, determinism, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from number_generator import (
    DigitDataset,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
    SequenceGenerator,
)

TEN = "0123456789"


def ink_columns(image: np.ndarray) -> np.ndarray:
    """Indices of columns holding any ink (any pixel below white)."""
    return np.flatnonzero((image < 1.0).any(axis=0))


@pytest.mark.parametrize("width", [40, 120, 280, 1000], ids=lambda w: f"w{w}")
def test_shape_dtype_range(generator: SequenceGenerator, width: int) -> None:
    image = generator.generate([3, 5, 0], (2, 8), width)
    assert image.shape == (28, width)
    assert image.dtype == np.float32
    assert image.min() == 0.0 or image.min() < 0.2, "MNIST strokes are dark"
    assert image.min() >= 0.0 and image.max() == 1.0
    # Paper is white: the border rows and most pixels are exactly 1.0.
    assert (image[0] == 1.0).all() and (image[-1] == 1.0).all()
    assert (image == 1.0).mean() > 0.6


def test_spacing_is_exact_between_ink(generator: SequenceGenerator) -> None:
    for gap in (0, 1, 4, 9):
        result = generator.render(TEN, (gap, gap), 400)
        image, boxes = result.image, result.boxes
        for left, right in itertools.pairwise(boxes):
            assert right[0] - left[2] == gap
            assert (image[:, left[2] : right[0]] == 1.0).all(), "gap columns are white"
            assert (image[:, left[2] - 1] < 1.0).any(), "glyph's last column holds ink"
            assert (image[:, right[0]] < 1.0).any(), "next glyph's first column holds ink"
        columns = ink_columns(image)
        assert columns[0] == boxes[0, 0] and columns[-1] == boxes[-1, 2] - 1


def test_gaps_are_uniform_on_the_inclusive_range(generator: SequenceGenerator) -> None:
    gaps = []
    for _ in range(300):
        boxes = generator.render(TEN, (2, 5), 400).boxes
        gaps.extend((boxes[1:, 0] - boxes[:-1, 2]).tolist())
    values, counts = np.unique(gaps, return_counts=True)
    assert values.tolist() == [2, 3, 4, 5]
    expected = len(gaps) / 4
    assert np.all(np.abs(counts - expected) < 0.15 * expected)


def test_pad_centres_the_digits(generator: SequenceGenerator) -> None:
    image = generator.generate("42", (3, 3), 200)
    columns = ink_columns(image)
    left_margin, right_margin = columns[0], 199 - columns[-1]
    assert abs(left_margin - right_margin) <= 1


def test_pad_scales_a_too_wide_strip_down_uniformly(generator: SequenceGenerator) -> None:
    natural = generator.render(TEN, (4, 4), None, seed=3)
    squeezed = generator.render(TEN, (4, 4), 100, seed=3)
    assert squeezed.ink.shape == (28, 100)
    scale = 100 / natural.ink.shape[1]
    ink_rows = np.flatnonzero(squeezed.ink.max(axis=1))
    natural_rows = np.flatnonzero(natural.ink.max(axis=1))
    height = ink_rows[-1] - ink_rows[0] + 1
    assert height == pytest.approx((natural_rows[-1] - natural_rows[0] + 1) * scale, abs=2)
    columns = np.flatnonzero(squeezed.ink.max(axis=0))
    assert columns[0] <= 1 and columns[-1] >= 98, "never clipped, spans the width"
    # Nothing clipped: total ink is preserved by area resampling (within rounding).
    assert squeezed.ink.sum() == pytest.approx(natural.ink.sum() * scale * scale, rel=0.05)


def test_stretch_fills_the_exact_size(generator: SequenceGenerator) -> None:
    for width in (40, 500):  # 40: the narrowest allowed, 4 px per digit
        result = generator.render(TEN, (2, 8), width, fit="stretch", seed=1)
        assert result.ink.shape == (28, width)
        columns = np.flatnonzero(result.ink.max(axis=0))
        assert columns[0] <= 1 and columns[-1] >= width - 2


def test_natural_width_when_image_width_is_none(generator: SequenceGenerator) -> None:
    result = generator.render("907", (5, 5), None)
    widths = result.boxes[:, 2] - result.boxes[:, 0]
    assert result.ink.shape == (28, int(widths.sum()) + 2 * 5)
    columns = ink_columns(result.image)
    assert columns[0] == 0 and columns[-1] == result.ink.shape[1] - 1


@pytest.mark.parametrize("height", [16, 56, 100], ids=lambda h: f"h{h}")
def test_image_height_scales_glyphs_and_keeps_spacing(
    generator: SequenceGenerator, height: int
) -> None:
    result = generator.render("3141", (6, 6), 400, image_height=height)
    assert result.image.shape == (height, 400)
    boxes = result.boxes
    assert ((boxes[1:, 0] - boxes[:-1, 2]) == 6).all()
    assert (boxes[:, 3] - boxes[:, 1]).max() > height * 0.5


def test_each_digit_comes_from_its_class(generator: SequenceGenerator) -> None:
    result = generator.render("0901234567", (2, 8), 300)
    assert generator.dataset.labels[result.indices].tolist() == result.digits.tolist()
    assert result.label == "0901234567"


def test_boxes_enclose_each_digit_ink(generator: SequenceGenerator) -> None:
    result = generator.render("5820", (1, 4), 200)
    ink = result.ink
    for (x0, y0, x1, y1), index in zip(result.boxes, result.indices):
        glyph = generator.dataset.images[index]
        assert ink[y0:y1, x0:x1].sum() == int(glyph.astype(np.int64).sum())


def test_negative_spacing_overlaps_without_erasing_ink(generator: SequenceGenerator) -> None:
    result = generator.render("8888", (-4, -4), None, seed=5)
    boxes = result.boxes
    overlaps = boxes[:-1, 2] - boxes[1:, 0]
    assert (overlaps > 0).all() and (overlaps <= 4).all()
    for (x0, _, x1, _), index in zip(boxes, result.indices):
        left, right = generator.dataset.ink_columns[index]
        glyph = generator.dataset.images[index][:, left:right]
        assert (result.ink[:, x0:x1] >= glyph).all(), "merged ink is the max, never erased"


def test_overlap_is_capped_so_no_digit_vanishes(generator: SequenceGenerator) -> None:
    result = generator.render("1111111", (-14, -14), None, seed=2)
    boxes = result.boxes
    assert (np.diff(boxes[:, 0]) > 0).all() and (np.diff(boxes[:, 2]) > 0).all()


def test_same_seed_same_bytes(generator: SequenceGenerator) -> None:
    first = generator.generate(TEN, (0, 10), 280, seed=123)
    second = generator.generate(TEN, (0, 10), 280, seed=123)
    other = generator.generate(TEN, (0, 10), 280, seed=124)
    assert first.tobytes() == second.tobytes()
    assert first.tobytes() != other.tobytes()


def test_instance_seed_makes_runs_reproducible(mnist_test: DigitDataset) -> None:
    first = SequenceGenerator(mnist_test, seed=9).generate("123", (1, 5), 90)
    again = SequenceGenerator(mnist_test, seed=9).generate("123", (1, 5), 90)
    assert first.tobytes() == again.tobytes()
    gen = SequenceGenerator(mnist_test, seed=9)
    assert gen.generate("123", (1, 5), 90).tobytes() != gen.generate("123", (1, 5), 90).tobytes()


def test_generator_seed_is_consumed(generator: SequenceGenerator) -> None:
    rng_a, rng_b = np.random.default_rng(4), np.random.default_rng(4)
    same = generator.generate("77", seed=rng_a), generator.generate("77", seed=rng_b)
    assert same[0].tobytes() == same[1].tobytes()
    advanced = generator.generate("77", seed=rng_a)
    assert advanced.tobytes() != generator.generate("77", seed=4).tobytes()


def test_digit_iterables_are_accepted(generator: SequenceGenerator) -> None:
    for digits in ([0, 4, 2], (0, 4, 2), np.array([0, 4, 2]), "042", iter([0, 4, 2]), range(3)):
        assert generator.render(digits, seed=0).digits.size == 3


BAD_INPUTS = [
    ({"digits": [1, 12]}, InvalidParameterError, "12 is not a digit"),
    ({"digits": [-1]}, InvalidParameterError, "-1 is not a digit"),
    ({"digits": "4a2"}, InvalidParameterError, "'a' is neither a digit nor a separator"),
    ({"digits": ["a"]}, InvalidTypeError, "'a' is not a digit"),
    ({"digits": [3.5]}, InvalidTypeError, "3.5 is not a digit"),
    ({"digits": [True]}, InvalidTypeError, "True is not a digit"),
    ({"digits": []}, InvalidParameterError, "empty"),
    ({"digits": ""}, InvalidParameterError, "empty"),
    ({"digits": 42}, InvalidTypeError, "iterable of ints"),
    ({"digits": None}, InvalidTypeError, "iterable of ints"),
    ({"digits": "1" * 2000}, InvalidParameterError, "maximum of 1024"),
    ({"spacing_range": (5, 2)}, InvalidParameterError, r"\(5, 2\): minimum must not exceed"),
    ({"spacing_range": (1,)}, InvalidTypeError, "expected a pair"),
    ({"spacing_range": 3}, InvalidTypeError, "expected a pair"),
    ({"spacing_range": (1.5, 2)}, InvalidTypeError, "1.5 is not an integer"),
    ({"spacing_range": (-15, 0)}, InvalidParameterError, "would hide whole digits"),
    ({"spacing_range": (0, 10**6)}, InvalidParameterError, "maximum must be at most"),
    ({"image_width": 0}, InvalidParameterError, r"image_width=0: must be in the range 1\.\.16384"),
    ({"image_width": -5}, InvalidParameterError, "image_width=-5"),
    ({"image_width": 100_000}, InvalidParameterError, "image_width=100000"),
    ({"image_width": 3.5}, InvalidTypeError, "image_width=3.5"),
    ({"image_height": 4}, InvalidParameterError, r"image_height=4: must be in the range 8\.\.1024"),
    ({"image_height": 5000}, InvalidParameterError, "image_height=5000"),
    ({"fit": "squash"}, InvalidParameterError, "fit='squash': expected one of 'pad', 'stretch'"),
    ({"seed": -1}, InvalidParameterError, "seed=-1"),
    ({"seed": "abc"}, InvalidTypeError, "seed='abc'"),
]


@pytest.mark.parametrize(
    ("overrides", "error", "message"), BAD_INPUTS, ids=[m for _, _, m in BAD_INPUTS]
)
def test_bad_input_is_a_clear_error(
    generator: SequenceGenerator, overrides: dict[str, object], error: type, message: str
) -> None:
    arguments: dict[str, object] = {"digits": "123", "spacing_range": (2, 8), "image_width": 100}
    arguments.update(overrides)
    with pytest.raises(error, match=message) as caught:
        generator.generate(**arguments)  # type: ignore[arg-type]
    assert isinstance(caught.value, NumberGeneratorError)
    assert isinstance(caught.value, (ValueError, TypeError))
    assert "\n" not in str(caught.value)


def test_missing_class_is_a_clear_error(mnist_test: DigitDataset) -> None:
    no_sevens = mnist_test.subset(np.flatnonzero(mnist_test.labels != 7))
    gen = SequenceGenerator(no_sevens, seed=0)
    assert gen.generate("123", (2, 2), 100).shape == (28, 100)
    with pytest.raises(InvalidParameterError, match=r"no glyph of class \[7\]"):
        gen.generate("1707", (2, 2), 100)


@pytest.mark.parametrize(
    "augment", [True, "medium", lambda img, rng: img], ids=["true", "preset", "callable"]
)
def test_augment_values_are_accepted(generator: SequenceGenerator, augment: object) -> None:
    image = generator.generate("12", (2, 2), 60, augment=augment)
    assert image.shape == (28, 60) and image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    with pytest.raises(InvalidParameterError, match="augment='wobbly': unknown preset"):
        generator.generate("12", augment="wobbly")
