"""The per-call path of ``generate``/``render``: the same pixels and boxes as the drawing rules say.

The common case (digits only, glyphs as stored, ink spacing, ``fit="pad"``) is
drawn with plain ints per glyph; these tests rebuild each image independently
with array arithmetic, from the rules (a glyph of each class at
``floor(u * count)``, gaps ``floor(u * (max - min + 1)) + min``, glyphs cut to
their ink columns side by side, the strip centred, ``(255 - ink) / 255`` in
float32) and compare bytes. The limits checked against bounds computed once per
options give the same errors, at the same lengths, as the checks themselves.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from number_generator import DigitDataset, SequenceGenerator
from number_generator._util.params import (
    MIN_DIGIT_WIDTH,
    check_legible,
    check_strip,
    parse_digits,
    strip_capacity,
)
from number_generator.compose.glyphs import native_glyphs, pick_glyphs, read_digits
from number_generator.compose.layout import arrange, place_and_fit, place_stored
from number_generator.compose.options import RenderOptions
from number_generator.compose.spacing import draw_gaps
from number_generator.errors import InvalidParameterError, InvalidTypeError


def _reference(
    dataset: DigitDataset, digits: str, spacing: tuple[int, int], width: int, seed: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp], npt.NDArray[np.int32]]:
    """The image, glyph indices and boxes of a plain digit string, with array arithmetic."""
    rng = np.random.default_rng(seed)
    values = np.array([int(c) for c in digits], np.intp)
    n = values.size
    uniform = rng.random(2 * n - 1)
    picks = (uniform[:n] * dataset.class_count[values]).astype(np.intp)
    indices = dataset.class_order[dataset.class_start[values] + picks]
    low, high = spacing
    gaps = (uniform[n:] * (high - low + 1)).astype(np.intp) + low
    extents = dataset.ink_extents[indices].astype(np.intp)
    widths = extents[:, 1] - extents[:, 0]
    starts = np.concatenate([[0], np.cumsum(widths[:-1] + gaps)])
    strip = int(starts[-1] + widths[-1])
    assert strip <= width, "the reference draws strips that fit only"
    offset = (width - strip) // 2
    ink = np.zeros((dataset.glyph_shape[0], width), np.uint8)
    for i, x, (left, right, _, _) in zip(indices, starts + offset, extents):
        ink[:, x : x + right - left] = dataset.images[i, :, left:right]
    image = (255 - ink).astype(np.float32) / np.float32(255)
    boxes = np.stack(
        [starts + offset, extents[:, 2], starts + offset + widths, extents[:, 3]], axis=1
    ).astype(np.int32)
    return image, indices, boxes


def _strings(count: int) -> list[str]:
    rng = np.random.default_rng(123)
    return ["".join(map(str, rng.integers(0, 10, rng.integers(1, 13)))) for _ in range(count)]


@pytest.mark.parametrize(
    "spacing", [(2, 8), (0, 0), (0, 4), (5, 30)], ids=["2-8", "0-0", "0-4", "5-30"]
)
def test_plain_digit_strings_match_the_rules_byte_for_byte(
    mnist_test: DigitDataset, spacing: tuple[int, int]
) -> None:
    generator = SequenceGenerator(mnist_test)
    for seed, digits in enumerate(_strings(60)):
        width = len(digits) * (28 + spacing[1]) + 3 * (seed % 5)  # always fits
        image, indices, boxes = _reference(mnist_test, digits, spacing, width, seed)
        rendered = generator.render(digits, spacing, width, seed=seed)
        assert rendered.image.tobytes() == image.tobytes(), (digits, seed)
        assert rendered.indices.tolist() == indices.tolist()
        assert rendered.boxes.tolist() == boxes.tolist()
        assert rendered.label == digits
        again = generator.generate(digits, spacing, width, seed=seed)
        assert again.dtype == np.float32 and again.flags.c_contiguous
        assert again.tobytes() == image.tobytes()


def test_digits_as_a_string_list_or_array_draw_the_same(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test)
    for seed, digits in enumerate(_strings(20)):
        as_list = [int(c) for c in digits]
        images = [
            generator.generate(form, (1, 6), 400, seed=seed)
            for form in (digits, as_list, tuple(as_list), np.array(as_list, np.int64))
        ]
        for image in images[1:]:
            assert image.tobytes() == images[0].tobytes()


def test_the_instance_stream_advances_as_seeded_calls_do(mnist_test: DigitDataset) -> None:
    """Without a per-call seed, successive calls take successive numbers of the stream."""
    streamed = SequenceGenerator(mnist_test, seed=np.random.default_rng(7))
    shared = np.random.default_rng(7)
    fresh = SequenceGenerator(mnist_test)
    for digits in _strings(10):
        expected = fresh.generate(digits, (2, 8), 400, seed=shared)
        assert streamed.generate(digits, (2, 8), 400).tobytes() == expected.tobytes()


def test_string_digits_are_a_writable_array_of_their_values() -> None:
    values = parse_digits("0907")
    assert values.tolist() == [0, 9, 0, 7]
    assert values.flags.writeable
    assert parse_digits("".join(map(str, range(10)))).tolist() == list(range(10))


def test_gaps_from_a_list_equal_gaps_from_an_array() -> None:
    rng = np.random.default_rng(5)
    uniform = np.concatenate([rng.random(2000), [0.0, 1 - 2**-53, 0.5, 0.25, 0.999999]])
    for low, high in [(2, 8), (0, 0), (-14, 3), (-5, -1), (0, 16384)]:
        from_array = draw_gaps(uniform, low, high)
        from_list = draw_gaps(uniform.tolist(), low, high)
        assert from_list == from_array.tolist()
        assert all(type(gap) is int for gap in from_list)
        assert min(from_list) >= low and max(from_list) <= high


@pytest.mark.parametrize(
    ("height", "spacing"),
    [(28, (2, 8)), (1024, (2, 8)), (512, (-5, 0)), (28, (0, 16384)), (8, (-4, 9000))],
    ids=["28", "1024", "512-neg", "wide-gaps", "8-wide"],
)
def test_strip_capacity_is_where_check_strip_starts_refusing(
    height: int, spacing: tuple[int, int]
) -> None:
    most = strip_capacity(height, spacing[1])
    check_strip(most, height, spacing)
    with pytest.raises(InvalidParameterError):
        check_strip(most + 1, height, spacing)


def _error(call: Any) -> tuple[str, str | None] | None:
    try:
        call()
    except InvalidParameterError as error:
        return str(error), error.param
    return None


@pytest.mark.parametrize(
    ("height", "spacing", "width"),
    [(28, (2, 8), 280), (1024, (2, 8), None), (200, (0, 16384), 16384), (28, (-3, 2), 41)],
    ids=["default", "tall", "wide-gaps", "narrow"],
)
@pytest.mark.parametrize("separators", [False, True], ids=["digits", "characters"])
def test_check_string_refuses_exactly_what_the_checks_refuse(
    height: int, spacing: tuple[int, int], width: int | None, separators: bool
) -> None:
    options = RenderOptions(spacing, width, height)
    most = strip_capacity(height, spacing[1])
    legible = 10**6 if width is None else width // MIN_DIGIT_WIDTH
    for digits in sorted({1, 2, 9, 10, 11, most - 1, most, most + 1, legible, legible + 1}):
        if digits < 1:
            continue
        characters = digits + 2 if separators else None
        count, what = (digits, "digits") if characters is None else (characters, "characters")

        def checks(count: int = count, what: str = what, digits: int = digits) -> None:
            check_strip(count, height, spacing, what)
            check_legible(digits, width)

        expected = _error(checks)
        assert _error(lambda d=digits, c=characters: options.check_string(d, c)) == expected


def test_a_string_too_long_for_the_options_is_refused_before_drawing(
    mnist_test: DigitDataset,
) -> None:
    generator = SequenceGenerator(mnist_test, seed=0)
    before = generator.rng.bit_generator.state
    with pytest.raises(InvalidParameterError, match=r"image_width=39: too narrow for 10 digits"):
        generator.generate("0123456789", (2, 8), 39)
    with pytest.raises(InvalidParameterError, match=r"image_height=1024: 1000 digits") as error:
        generator.generate("7" * 1000, (2, 8), None, image_height=1024)
    assert error.value.param == "image_height"
    assert generator.rng.bit_generator.state == before
    assert generator.generate("0123456789", (2, 8), 40).shape == (28, 40)


@pytest.mark.parametrize("writer", ["any", "same"])
def test_digits_of_a_class_the_dataset_lacks_are_named_before_any_draw(
    mnist_test: DigitDataset, writer: str
) -> None:
    no_sevens_or_twos = mnist_test.subset(np.flatnonzero(~np.isin(mnist_test.labels, [2, 7])))
    generator = SequenceGenerator(no_sevens_or_twos, seed=0)
    before = generator.rng.bit_generator.state
    with pytest.raises(
        InvalidParameterError, match=r"digits: .* no glyph of class \[2, 7\]"
    ) as error:
        generator.generate([7, 1, 2, 7], (2, 2), 100, writer=writer)
    assert error.value.param == "digits" and error.value.value == [7, 1, 2, 7]
    assert generator.rng.bit_generator.state == before
    assert generator.generate("1345", (2, 2), 100, writer=writer).shape == (28, 100)


@pytest.mark.parametrize("spacing", [(2, 8), (0, 0), (0, 30)], ids=["2-8", "0-0", "0-30"])
def test_glyphs_copied_side_by_side_equal_the_general_layout(
    mnist_test: DigitDataset, spacing: tuple[int, int]
) -> None:
    """``place_stored`` (the common case in one pass) gives the ink and boxes of cropping,
    arranging and placing the glyphs step by step, and declines strips wider than the paper."""
    rng = np.random.default_rng(11)
    declined = 0
    for digits in _strings(80):
        indices, gaps = pick_glyphs(mnist_test, read_digits(digits), spacing, rng)
        for width in (None, 40, 6 * len(digits) + 30, 30 * len(digits) + 25):
            placed = place_stored(mnist_test, indices, gaps, 28, width)
            glyphs = native_glyphs(mnist_test, indices)
            layout = arrange(glyphs, gaps)
            if width is not None and layout.strip_width > width:
                assert placed is None
                declined += 1
                continue
            ink = place_and_fit(glyphs, layout, (28, width), "pad", overlap=False)
            assert placed is not None
            assert placed[0].tobytes() == ink.tobytes() and placed[0].shape == ink.shape
            assert placed[1].boxes(ink.shape).tolist() == layout.boxes(ink.shape).tolist()
    assert declined > 10  # both outcomes were exercised


def test_side_by_side_is_set_from_the_options_and_not_compared() -> None:
    assert RenderOptions((2, 8), 280).side_by_side
    assert RenderOptions((0, 0), None).side_by_side
    for changed in ({"fit": "stretch"}, {"spacing_mode": "contour"}, {"spacing_range": (-2, 4)}):
        options = RenderOptions((2, 8), 280).replace(**changed)
        assert not options.side_by_side
    assert RenderOptions((2, 8), 280) == RenderOptions((2, 8), 280, fit="pad")
    assert "side_by_side" not in repr(RenderOptions())


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"spacing_range": (2.0, 8.0)}, "spacing_range"),
        ({"image_width": 280.0}, "image_width"),
        ({"image_width": True}, "image_width"),
        ({"fit": "Pad"}, "fit"),
        ({"image_height": np.float64(28)}, "image_height"),
    ],
)
def test_a_reused_check_lets_no_bad_value_through(
    mnist_test: DigitDataset, kwargs: dict[str, Any], param: str
) -> None:
    """Options checked once are reused only for the same plain values: a value equal to a
    good one but of another type is still refused, naming its parameter, after good calls."""
    generator = SequenceGenerator(mnist_test, seed=0)
    good: dict[str, Any] = {"spacing_range": (2, 8), "image_width": 280, "fit": "pad"}
    first = generator.generate("0123456789", **good)
    for _ in range(2):
        with pytest.raises((InvalidParameterError, InvalidTypeError)) as raised:
            generator.generate("0123456789", **{**good, **kwargs})
        assert raised.value.param == param
    again = SequenceGenerator(mnist_test, seed=0).generate("0123456789", **good)
    assert again.tobytes() == first.tobytes()
