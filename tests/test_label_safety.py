"""Label safety: no augmentation leaves a labelled digit below the legibility floor."""

from __future__ import annotations

import numpy as np
import pytest

from number_generator import DigitDataset, SequenceGenerator
from number_generator.augment import PRESETS, Lambda, Pipeline, Rotate, preset
from number_generator.compose import RenderOptions
from number_generator.compose.glyphs import GLYPH_MARGIN
from number_generator.compose.legibility import (
    CONTRAST,
    DigitInk,
    ink_floor,
    placed_clear_ink,
    stored_floor,
)
from number_generator.compose.safety import MAX_REDRAWS, retry_generator

U8 = np.ndarray
IMAGES, DIGITS = 2000, 10  # 20,000 digits per preset
WIDE = RenderOptions((2, 8), 400)  # ten digits fit unscaled


def _text(seed: int) -> str:
    return "".join(map(str, np.random.default_rng([7, seed]).integers(0, 10, DIGITS).tolist()))


@pytest.mark.parametrize("name", PRESETS)
def test_no_preset_digit_below_the_floor(mnist_test: DigitDataset, name: str) -> None:
    """Every digit of 20,000 per preset keeps its floor after the glyph and the image stage.

    The ink before the image stage is the same draw through the glyph stage alone
    (which consumes the random stream identically); there each glyph's clear ink
    is measured as on its glyph-stage canvas, against the floor of the glyph as stored.
    """
    generator = SequenceGenerator(mnist_test)
    full = preset(name)
    glyph_only = Pipeline(full.glyph_transforms)
    floors = stored_floor(mnist_test, GLYPH_MARGIN)
    checked = faded_glyphs = faded_digits = 0
    for seed in range(IMAGES):
        text = _text(seed)
        final = generator.draw(text, WIDE, full, np.random.default_rng(seed))
        before = generator.draw(text, WIDE, glyph_only, np.random.default_rng(seed))
        # The boxes before the image stage (one that warps the scan maps those it reports).
        glyph_ink = placed_clear_ink(before.ink, before.boxes, GLYPH_MARGIN)
        faded_glyphs += int((glyph_ink < floors[final.indices]).sum())
        digits = DigitInk(before.ink, before.boxes, 1.0)
        faded_digits += int((digits.surviving(final.ink) < digits.floor).sum())
        checked += final.digits.size
    print(f"\n{name}: checked {checked} digits, {faded_glyphs + faded_digits} below the floor")
    assert checked >= 20_000
    assert (faded_glyphs, faded_digits) == (0, 0), (
        f"{name}: of {checked} digits checked, {faded_glyphs} left the glyph stage and "
        f"{faded_digits} left the image stage below the floor"
    )


def _erase(image: U8, rng: np.random.Generator) -> U8:
    return np.zeros_like(image)


def _sometimes_erase(image: U8, rng: np.random.Generator) -> U8:
    return np.zeros_like(image) if rng.random() < 0.5 else image


def _draws_alike(image: U8, rng: np.random.Generator) -> U8:
    rng.random()
    return image


def test_an_image_stage_that_always_erases_falls_back_to_no_image_stage(
    mnist_test: DigitDataset,
) -> None:
    generator = SequenceGenerator(mnist_test)
    plain = generator.render("31415", (2, 6), 160, seed=3)
    erased = generator.render("31415", (2, 6), 160, seed=3, augment=_erase)
    assert erased.repairs.image_fallback
    assert erased.repairs.image_redraws == MAX_REDRAWS
    assert np.array_equal(erased.ink, plain.ink)
    assert erased.label == "31415"


def test_a_printed_line_over_erased_digits_is_not_digit_ink(mnist_test: DigitDataset) -> None:
    def erase_and_rule(image: U8, rng: np.random.Generator) -> U8:
        ruled = np.zeros_like(image)
        ruled[14] = 255  # a printed rule through every digit's box
        return ruled

    generator = SequenceGenerator(mnist_test)
    ruled = generator.render("2718", (2, 6), 140, seed=4, augment=erase_and_rule)
    assert ruled.repairs.image_fallback
    assert np.array_equal(ruled.ink, generator.render("2718", (2, 6), 140, seed=4).ink)


def test_an_image_stage_that_sometimes_erases_is_redrawn(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test)
    repaired = 0
    for seed in range(20):
        image = generator.render("90210", (2, 6), 160, seed=seed, augment=_sometimes_erase)
        plain = generator.render("90210", (2, 6), 160, seed=seed)
        assert not image.repairs.image_fallback
        assert np.array_equal(image.ink, plain.ink), "the erasing draw was replaced"
        repaired += image.repairs.image_redraws > 0
    assert 3 <= repaired <= 17  # about half the seeds needed a redraw


def test_a_glyph_stage_that_erases_falls_back_to_the_stored_glyphs(
    mnist_test: DigitDataset,
) -> None:
    generator = SequenceGenerator(mnist_test)
    erase = Lambda(_erase, stage="glyph")
    erased = generator.render("8675309", (3, 3), 200, seed=5, augment=erase)
    plain = generator.render("8675309", (3, 3), 200, seed=5)
    assert erased.repairs.glyph_redraws == erased.repairs.glyph_fallbacks == 7
    assert np.array_equal(erased.ink, plain.ink)
    assert np.array_equal(erased.boxes, plain.boxes)


def test_heavy_erosion_in_the_glyph_stage_is_repaired(mnist_test: DigitDataset) -> None:
    import cv2

    def erode(image: U8, rng: np.random.Generator) -> U8:
        iterations = int(rng.integers(0, 3))  # 2 erasing passes wipe most MNIST strokes
        return np.asarray(cv2.erode(image, np.ones((3, 3), np.uint8), iterations=iterations))

    generator = SequenceGenerator(mnist_test)
    pipeline = Pipeline([Lambda(erode, stage="glyph")])
    floors = stored_floor(mnist_test, GLYPH_MARGIN)
    redrawn = 0
    for seed in range(10):
        rng = np.random.default_rng(seed)
        image = generator.draw("0123456789", WIDE, pipeline, rng)
        redrawn += image.repairs.glyph_redraws
        # Each placed glyph keeps its floor.
        glyph_ink = placed_clear_ink(image.ink, image.boxes, GLYPH_MARGIN)
        assert (glyph_ink >= floors[image.indices]).all()
    assert redrawn > 0


def test_redraws_are_reproducible_and_leave_the_stream_as_a_plain_draw_does(
    mnist_test: DigitDataset,
) -> None:
    generator = SequenceGenerator(mnist_test)
    flaky = Pipeline([Rotate(5.0), Lambda(_sometimes_erase)])
    alike = Pipeline([Rotate(5.0), Lambda(_draws_alike)])
    options = RenderOptions((2, 6), 160)
    for seed in range(12):
        first, second = np.random.default_rng(seed), np.random.default_rng(seed)
        one = generator.draw("4242", options, flaky, first)
        two = generator.draw("4242", options, flaky, second)
        assert one.ink.tobytes() == two.ink.tobytes()
        assert one.repairs == two.repairs
        untouched = np.random.default_rng(seed)
        generator.draw("4242", options, alike, untouched)
        # Whether or not this draw was redrawn, the stream is where an unchecked one leaves it.
        assert first.bit_generator.state == untouched.bit_generator.state


def test_no_augmentation_repairs_nothing(generator: SequenceGenerator) -> None:
    image = generator.render("123", (2, 4), 80)
    assert (image.repairs.glyph_redraws, image.repairs.image_redraws) == (0, 0)
    assert not image.repairs.image_fallback


def test_the_measure_counts_clear_ink_against_local_paper() -> None:
    ink = np.zeros((28, 60), np.uint8)
    ink[6:22, 10:13] = 255  # a "1" of 48 clear pixels
    ink[6:22, 40:43] = 255  # another
    boxes = np.array([[10, 6, 13, 22], [40, 6, 43, 22]], np.int32)
    digits = DigitInk(ink, boxes, 1.0)
    assert digits.before.tolist() == [48, 48]
    assert digits.floor.tolist() == ink_floor(np.array([48, 48]), 1.0).tolist() == [15, 15]
    toned = ink // 2 + 60  # dark paper (60), ink at 187: contrast 127
    assert digits.surviving(toned).tolist() == [48, 48]
    faded = toned.copy()
    faded[6:22, 40:43] = 60 + CONTRAST - 1  # the second stroke just short of clear
    assert digits.surviving(faded).tolist() == [48, 0]
    assert not digits.legible(faded)
    ruled = faded.copy()
    ruled[14, :] = 255  # a printed rule: only its pixels on the stroke's own mask count
    assert digits.surviving(ruled)[1] == 3
    assert not digits.legible(ruled)


def test_a_callable_that_erases_its_input_in_place_is_caught(mnist_test: DigitDataset) -> None:
    def erase_in_place(image: U8, rng: np.random.Generator) -> U8:
        image[:] = 0
        return image

    generator = SequenceGenerator(mnist_test)
    erased = generator.render("555", (2, 6), 90, seed=6, augment=erase_in_place)
    assert erased.repairs.image_fallback
    assert np.array_equal(erased.ink, generator.render("555", (2, 6), 90, seed=6).ink)


class _OwnBits(np.random.PCG64):
    """A user's bit generator (a kind NumPy does not ship): copied by deepcopy."""


@pytest.mark.parametrize(
    "kind",
    [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937, np.random.Philox, _OwnBits],
)
def test_redraws_are_seeded_from_the_stream_without_moving_it(kind: type) -> None:
    """A redraw's generator is seeded by the stream's next draw, the stage and the item;
    the stream itself gives the same numbers afterwards, whatever its bit generator."""

    def stream() -> np.random.Generator:
        rng = np.random.Generator(kind(11))
        rng.random(5)
        return rng

    rng, peek = stream(), stream()
    expected = np.random.default_rng([int(peek.integers(2**63)), 2, 7]).random(4)
    assert np.array_equal(retry_generator(rng, 2, 7).random(4), expected)
    assert np.array_equal(rng.random(3), stream().random(3))
    assert not np.array_equal(retry_generator(rng, 1, 7).random(4), expected)
