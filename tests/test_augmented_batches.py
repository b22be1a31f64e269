"""The augmented batch path: a whole batch's glyph stage at once, then its image stage.

``batches(..., augment=...)`` draws every augmented image of a batch together
(:mod:`number_generator.compose.augmented`, :mod:`number_generator.augment.fused`).
These tests pin what a user relies on: the same seed gives the same bytes; the
batch's arrays have their shapes and rules; the batched path draws the same
distributions as the per-image path (parameters over thousands of glyphs, ink and
image means over thousands of images); every digit stays legible; and pipelines it
does not understand fall back to the per-image path.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import numpy.typing as npt
import pytest

import number_generator as ng
from number_generator import DigitDataset, SequenceGenerator
from number_generator import augment as aug
from number_generator._util.glyphs import crop_stack, ink_extents
from number_generator.augment import Lambda, Pipeline, preset
from number_generator.augment.batched import bilinear, bilinear_levels
from number_generator.augment.fused import batch_plan, transform_glyph_batch
from number_generator.batches import BatchStream
from number_generator.compose import RenderOptions, augmented
from number_generator.compose.augmented import STRINGS, batches_glyph_stage, draw_augmented
from number_generator.compose.glyphs import GLYPH_MARGIN, Glyphs, glyph_canvases
from number_generator.compose.layout import (
    Layout,
    arrange,
    layout_boxes,
    place_and_fit,
    place_stack,
)
from number_generator.compose.legibility import (
    DigitInk,
    glyph_clear_ink,
    legible_at_once,
    placed_clear_ink,
    stored_floor,
)

U8 = npt.NDArray[np.uint8]
WIDE = RenderOptions((2, 8), 400)  # ten digits fit unscaled
GLYPHS = 4000


def _texts(count: int, seed: int = 7) -> list[str]:
    digits = np.random.default_rng(seed).integers(0, 10, (count, 10))
    return ["".join(map(str, row)) for row in digits.tolist()]


def test_the_same_seed_gives_the_same_batches(mnist_test: DigitDataset) -> None:
    def draw(seed: int) -> list[ng.Batch]:
        stream = ng.batches(32, "phone", n=2, seed=seed, augment="medium", dataset=mnist_test)
        return list(stream)

    first, again, other = draw(3), draw(3), draw(4)
    for a, b in zip(first, again):
        assert a.images.tobytes() == b.images.tobytes()
        assert a.labels == b.labels and np.array_equal(a.boxes, b.boxes)
        assert np.array_equal(a.writers, b.writers)
    assert first[0].images.tobytes() != other[0].images.tobytes()
    assert first[0].images.tobytes() != first[1].images.tobytes()


def test_a_batch_has_its_shapes_and_rules(mnist_test: DigitDataset) -> None:
    stream = BatchStream(
        24, "0##-####-####", seed=1, augment="medium", dataset=mnist_test,
        writer="same", image_width=300, keep_separators=True, dtype="uint8",
    )  # fmt: skip
    assert stream._augmented
    batch = stream.next_batch()
    assert batch.images.shape == (24, 28, 300) and batch.images.dtype == np.uint8
    assert batch.targets.shape == (24, 13) and batch.boxes.shape == (24, 13, 4)
    assert all(len(label) == 13 and label[3] == "-" and label[8] == "-" for label in batch.labels)
    digit = np.array([[c.isdigit() for c in label] for label in batch.labels])
    # Every digit has a box on the image, every separator too; a string is one writer's hand.
    boxes = batch.boxes
    assert (boxes[..., 0] >= 0).all() and (boxes[..., 2] <= 300).all()
    assert (boxes[..., 2] > boxes[..., 0]).all() and (boxes[..., 3] > boxes[..., 1]).all()
    assert (batch.writers[~digit] == -1).all() and (batch.writers[digit] >= 0).all()
    for row, is_digit in zip(batch.writers, digit):
        assert len(set(row[is_digit].tolist())) == 1
    # Ink where the boxes are, paper far from them.
    for image, row in zip(batch.images, boxes):
        x0, x1 = row[:, 0].min(), row[:, 2].max()
        assert image[:, x0:x1].min() < 80
        assert (image[:, : max(0, x0 - 6)] > 100).all() and (image[:, x1 + 6 :] > 100).all()


def test_floats_are_the_uint8_pixels_over_255(mnist_test: DigitDataset) -> None:
    kw = {"seed": 2, "augment": "light", "dataset": mnist_test, "n": 1}
    floats = next(ng.batches(16, "random:3-9", **kw))  # type: ignore[arg-type]
    ints = next(ng.batches(16, "random:3-9", dtype="uint8", **kw))  # type: ignore[arg-type]
    assert floats.images.dtype == np.float32
    assert np.array_equal(floats.images, ints.images.astype(np.float32) / np.float32(255))


def _angles(linear: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.degrees(np.arctan2(linear[:, 0, 1], linear[:, 0, 0]))


def _uniform(values: npt.NDArray[np.float64], low: float, high: float) -> None:
    """``values`` look uniform on ``[low, high]``: bounds, mean and spread."""
    width, std = high - low, (high - low) / math.sqrt(12)
    assert values.min() >= low - 1e-9 and values.max() <= high + 1e-9
    assert values.min() < low + 0.01 * width and values.max() > high - 0.01 * width
    assert abs(values.mean() - (low + high) / 2) <= 4 * std / math.sqrt(values.size)
    assert values.std() == pytest.approx(std, rel=0.05)


def _coin(chosen: npt.NDArray[np.bool_], p: float) -> None:
    assert abs(chosen.mean() - p) <= 4 * math.sqrt(p * (1 - p) / chosen.size)


@pytest.mark.parametrize(
    ("transform", "low", "high"),
    [(aug.Rotate(10.0, p=0.6), -10.0, 10.0), (aug.Shear(14.0, p=0.5), -14.0, 14.0)],
)
def test_angles_drawn_for_a_batch_keep_their_distribution(
    transform: aug.AffineTransform, low: float, high: float
) -> None:
    rng = np.random.default_rng(0)
    chosen = rng.random(GLYPHS) < transform.p
    linear, offset = transform.batch_maps(rng, (28, 40), chosen, np.full(GLYPHS // 10, 10))
    assert linear is not None and offset is None
    _coin(chosen, transform.p)
    moved = chosen & ~np.all(linear == np.eye(2), axis=(1, 2))
    assert np.array_equal(moved, chosen)
    angles = _angles(linear[chosen])
    if isinstance(transform, aug.Shear):
        angles = np.degrees(np.arctan(-linear[chosen, 0, 1]))
    else:
        assert np.allclose(linear[chosen, 1, 0], -linear[chosen, 0, 1])
    _uniform(angles, low, high)


def test_scales_drawn_for_a_batch_keep_their_distribution() -> None:
    rng = np.random.default_rng(1)
    chosen = np.ones(GLYPHS, np.bool_)
    linear, _ = aug.SizeVariation(0.12).batch_maps(rng, (28, 40), chosen, np.full(400, 10))
    assert linear is not None
    assert np.array_equal(linear[:, 0, 0], linear[:, 1, 1]) and not linear[:, 0, 1].any()
    _uniform(linear[:, 0, 0], 0.88, 1.12)


def test_the_baseline_wanders_along_each_string_not_across_strings() -> None:
    """As for one string (tests/test_augment_statistics.py): each string's walk is centred,
    so its mean offset is its jitters' mean; a step between neighbours has the variance of
    two jitters and one walk step."""
    strings, length = 600, 10
    jitter = aug.BaselineJitter(1.5, wander=0.75)
    chosen = np.ones(strings * length, np.bool_)
    lengths = np.full(strings, length)
    _, offset = jitter.batch_maps(np.random.default_rng(2), (28, 40), chosen, lengths)
    assert offset is not None and not offset[:, 0].any()
    dy = offset[:, 1].reshape(strings, length)
    jitter_std = 3.0 / math.sqrt(12)
    assert dy.mean(axis=1).std() == pytest.approx(jitter_std / math.sqrt(length), rel=0.1)
    steps = np.diff(dy, axis=1)
    assert steps.std() == pytest.approx(math.sqrt(2 * jitter_std**2 + 0.75**2), rel=0.05)
    # Strings of one glyph only jitter; the coin still decides who moves.
    single = np.zeros(GLYPHS, np.bool_)
    single[::2] = True
    _, alone = jitter.batch_maps(
        np.random.default_rng(3), (28, 40), single, np.ones(GLYPHS, np.intp)
    )
    assert alone is not None and not alone[~single].any()
    _uniform(alone[single, 1], -1.5, 1.5)


def test_elastic_fields_from_the_bank_match_fresh_fields() -> None:
    """Displacements of the bank's windows (sign flips, drawn alpha) have the spread and the
    cap of freshly smoothed fields."""
    elastic = aug.ElasticTransform(alpha=(20.0, 34.0), sigma=4.0, p=1.0)
    sampled = elastic.sample(np.random.default_rng(4), (28, 40), 600)
    fresh = np.stack([item["displacement"] for item in sampled if item is not None])
    banked = elastic.coarse_fields(np.random.default_rng(5), fresh.shape[1], fresh.shape[2], 600)
    assert banked.shape == fresh.shape
    assert np.abs(banked).max() <= elastic.pad - 1
    for axis in (0, 1):
        assert banked[..., axis].std() == pytest.approx(fresh[..., axis].std(), rel=0.1)
        assert abs(banked[..., axis].mean()) < 0.05 * fresh[..., axis].std()

    # Neighbouring cells move together as much as in a fresh field (the same smoothness).
    def correlation(field: npt.NDArray[np.float32]) -> float:
        return float(np.corrcoef(field[:, :, 1:, 0].ravel(), field[:, :, :-1, 0].ravel())[0, 1])

    assert correlation(banked) == pytest.approx(correlation(fresh), abs=0.05)


def test_a_fixed_affine_run_gives_the_per_string_glyphs(mnist_test: DigitDataset) -> None:
    """With every parameter fixed, the fused map is the per-string warp: the same frame fit,
    the same pixels (within rounding)."""
    transforms = [
        aug.SizeVariation((0.1, 0.1)), aug.Shear((10.0, 10.0), p=1.0),
        aug.Rotate((-8.0, -8.0), p=1.0), aug.BaselineJitter((1.0, 1.0), wander=0.0),
    ]  # fmt: skip
    canvases = glyph_canvases(mnist_test.images, np.arange(200))
    per_string = Pipeline(transforms).transform_glyphs(canvases.copy(), np.random.default_rng(0))
    batched = transform_glyph_batch(
        transforms, canvases.copy(), np.full(20, 10), np.random.default_rng(0)
    )
    # One grey level at most: OpenCV's warp and remap round their sub-pixel weights alike.
    assert np.abs(per_string.astype(np.int16) - batched).max() <= 1


def test_strong_distortions_cut_no_ink(mnist_test: DigitDataset) -> None:
    """Ink turned, grown and distorted to the frame's edge keeps as much ink as per string
    (the elastic canvases hold all of it and are fitted back into the frame)."""
    transforms = [
        aug.Rotate((30.0, 30.0), p=1.0), aug.SizeVariation((0.3, 0.3)),
        aug.ElasticTransform(alpha=(60.0, 60.0), sigma=4.0, p=1.0),
    ]  # fmt: skip
    canvases = glyph_canvases(mnist_test.images, np.arange(2000))
    per_string = Pipeline(transforms).transform_glyphs(canvases.copy(), np.random.default_rng(1))
    batched = transform_glyph_batch(
        transforms, canvases.copy(), np.full(200, 10), np.random.default_rng(1)
    )
    before = canvases.reshape(2000, -1).sum(axis=1)
    kept = [stack.reshape(2000, -1).sum(axis=1) / before for stack in (per_string, batched)]
    for share in (0, 1, 50):
        assert np.percentile(kept[1], share) == pytest.approx(np.percentile(kept[0], share), 0.06)


def test_stroke_thickness_on_a_stack_is_each_glyphs(mnist_test: DigitDataset) -> None:
    """Bolder and thinner pens filtered as one tall image give each glyph its own pixels,
    those touching the frame's edge included (they are changed one at a time)."""
    canvases = glyph_canvases(mnist_test.images, np.arange(600))
    canvases[:50] = np.roll(canvases[:50], -4, axis=1)  # ink in the top rows
    stroke = aug.StrokeThickness((-1.0, 2.0), p=1.0)
    ts = np.random.default_rng(17).uniform(-1.0, 2.0, 600)
    stacked = canvases.copy()
    stroke.apply_stack(stacked, np.arange(600), ts, ink_extents(canvases))
    alone = np.stack([stroke.apply(glyph, {"t": t}) for glyph, t in zip(canvases, ts.tolist())])
    assert np.abs(stacked.astype(np.int16) - alone).max() <= 1
    assert not np.array_equal(stacked, canvases)


def test_glyphs_keep_their_ink_statistics(mnist_test: DigitDataset) -> None:
    """The medium glyph stage on 4,000 glyphs, per string and batched: the same ink."""
    pipeline = preset("medium")
    indices = np.random.default_rng(6).integers(len(mnist_test.images), size=GLYPHS)
    canvases = glyph_canvases(mnist_test.images, indices)
    rng = np.random.default_rng(7)
    per_string = np.concatenate(
        [pipeline.transform_glyphs(canvases[k : k + 10].copy(), rng) for k in range(0, GLYPHS, 10)]
    )
    batched = transform_glyph_batch(
        pipeline.glyph_transforms, canvases.copy(), np.full(GLYPHS // 10, 10), rng
    )

    def clear(stack: U8) -> npt.NDArray[np.intp]:
        counts: npt.NDArray[np.intp] = np.count_nonzero(stack >= 112, axis=(1, 2))
        return counts

    assert batched.mean() == pytest.approx(per_string.mean(), rel=0.03)
    assert clear(batched).mean() == pytest.approx(clear(per_string).mean(), rel=0.03)
    assert clear(batched).std() == pytest.approx(clear(per_string).std(), rel=0.1)
    # Where the ink sits: the mean row and column of ink (size, slant, baseline) alike.
    for axis, size in ((2, 28), (1, 40)):
        weights = [stack.sum(axis=(0, axis)) for stack in (batched, per_string)]
        centres = [np.average(np.arange(size), weights=w) for w in weights]
        spreads = [
            math.sqrt(np.average((np.arange(size) - c) ** 2, weights=w))
            for c, w in zip(centres, weights)
        ]
        assert centres[0] == pytest.approx(centres[1], abs=0.3)
        assert spreads[0] == pytest.approx(spreads[1], rel=0.03)


def test_images_keep_their_statistics(mnist_test: DigitDataset) -> None:
    """2,000 images of ten digits, batched and one by one: mean, ink and its spread alike."""
    texts = _texts(2000)
    pipeline = preset("medium")
    _, drawn = draw_augmented(mnist_test, texts, WIDE, pipeline, np.random.default_rng(8))
    batched = np.stack([image.ink for image in drawn])
    assert all(np.array_equal(mnist_test.labels[i.indices], i.digits) for i in drawn)
    picked = np.concatenate([image.indices for image in drawn])
    # Uniform picks among each class's glyphs: 20,000 picks of 10,000 glyphs hit about
    # 10,000 (1 - e^-2) distinct ones (the classes' sizes differ a little).
    glyphs = len(mnist_test.images)
    expected = glyphs * (1 - math.exp(-picked.size / glyphs))
    assert np.unique(picked).size == pytest.approx(expected, rel=0.02)
    generator = SequenceGenerator(mnist_test)
    rng = np.random.default_rng(9)
    one_by_one = [generator.draw(text, WIDE, pipeline, rng) for text in texts]
    alone = np.stack([image.ink for image in one_by_one])
    assert batched.mean() == pytest.approx(alone.mean(), rel=0.03)
    ink = [np.count_nonzero(stack >= 112, axis=(1, 2)) for stack in (batched, alone)]
    assert ink[0].mean() == pytest.approx(ink[1].mean(), rel=0.03)
    assert ink[0].std() == pytest.approx(ink[1].std(), rel=0.1)
    # The digits' boxes: as wide and as tall.
    for side in (2, 3):
        sizes = [
            np.concatenate([i.boxes[:, side] - i.boxes[:, side - 2] for i in images])
            for images in (drawn, one_by_one)
        ]
        assert sizes[0].mean() == pytest.approx(sizes[1].mean(), rel=0.02)
        assert sizes[0].std() == pytest.approx(sizes[1].std(), rel=0.1)


@pytest.mark.parametrize(("name", "count"), [("medium", 2000), ("heavy", 1000)])
def test_every_digit_stays_legible(mnist_test: DigitDataset, name: str, count: int) -> None:
    """Every digit (2,000 medium images, 1,000 heavy: grid and lens too) keeps its floor
    after each stage.

    The ink before the image stage is the same strings drawn with the glyph stage alone
    (the image stage draws last, so the glyphs and layouts are the same draws).
    """
    full = preset(name)
    glyph_only = Pipeline(full.glyph_transforms)
    floors = stored_floor(mnist_test, GLYPH_MARGIN)
    texts = _texts(count, seed=11)
    final: list[ng.SequenceImage] = []
    before: list[ng.SequenceImage] = []
    for k in range(0, count, STRINGS):  # one draw each (longer lists draw several in turn)
        part = texts[k : k + STRINGS]
        final += draw_augmented(mnist_test, part, WIDE, full, np.random.default_rng([12, k]))[1]
        before += draw_augmented(
            mnist_test, part, WIDE, glyph_only, np.random.default_rng([12, k])
        )[1]
    faded_glyphs = faded_digits = checked = 0
    for after, placed in zip(final, before):
        assert np.array_equal(after.indices, placed.indices)
        glyph_ink = placed_clear_ink(placed.ink, placed.boxes, GLYPH_MARGIN)
        faded_glyphs += int((glyph_ink < floors[after.indices]).sum())
        digits = DigitInk(placed.ink, placed.boxes, 1.0)
        faded_digits += int((digits.surviving(after.ink) < digits.floor).sum())
        checked += after.digits.size
    assert checked == 10 * count
    assert (faded_glyphs, faded_digits) == (0, 0)


def test_a_fading_glyph_stage_is_redrawn_then_left_out(mnist_test: DigitDataset) -> None:
    """Halving every glyph fades many below the floor: their stage is redrawn, then left out."""
    pipeline = Pipeline([aug.Scale((-0.5, -0.5), p=0.7)])
    texts = _texts(60, seed=13)
    _, drawn = draw_augmented(mnist_test, texts, WIDE, pipeline, np.random.default_rng(14))
    floors = stored_floor(mnist_test, GLYPH_MARGIN)
    assert sum(image.repairs.glyph_redraws for image in drawn) > 20
    for image in drawn:
        glyph_ink = placed_clear_ink(image.ink, image.boxes, GLYPH_MARGIN)
        assert (glyph_ink >= floors[image.indices]).all()


def _sometimes_erase(image: U8, rng: np.random.Generator) -> U8:
    return np.zeros_like(image) if rng.random() < 0.3 else image


def test_an_image_stage_that_erases_is_redrawn_per_image(mnist_test: DigitDataset) -> None:
    """A user's image-stage callable runs on the batch (the glyph stage is built in); every
    image it erases has its own image stage redrawn."""
    pipeline = Pipeline([*preset("light").glyph_transforms, Lambda(_sometimes_erase)])
    assert batches_glyph_stage(pipeline)
    _, drawn = draw_augmented(mnist_test, _texts(64), WIDE, pipeline, np.random.default_rng(15))
    assert sum(image.repairs.image_redraws for image in drawn) > 5
    for image in drawn:
        assert image.ink.max() > 200


def test_the_legibility_test_at_once_agrees_with_each_image(mnist_test: DigitDataset) -> None:
    _, drawn = draw_augmented(
        mnist_test, _texts(40), WIDE, Pipeline(preset("medium").glyph_transforms),
        np.random.default_rng(16),
    )  # fmt: skip
    placed = np.stack([image.ink for image in drawn])
    boxes = [image.boxes for image in drawn]
    out = np.clip(placed * 0.9 + 20, 0, 255).astype(np.uint8)  # grey paper, lighter ink
    out[::3] //= 4  # faded
    at_once = legible_at_once(placed, out, boxes, np.ones(len(drawn)))
    each = [DigitInk(p, b, 1.0).legible(o) for p, b, o in zip(placed, boxes, out)]
    assert not at_once[::3].any() and at_once.sum() > 20
    assert all(each[k] for k in np.flatnonzero(at_once))


class _Turn(aug.Rotate):
    """A user's transform: a subclass of a built-in one."""


@pytest.mark.parametrize(
    "glyph_stage",
    [
        [Lambda(lambda image, rng: image, stage="glyph")],
        [_Turn(5.0)],
        [aug.Blur(0.5, stage="glyph")],
    ],
)
def test_glyph_stages_it_does_not_understand_fall_back(
    mnist_test: DigitDataset, glyph_stage: list[aug.Transform]
) -> None:
    pipeline = Pipeline(glyph_stage)
    assert batch_plan(pipeline.glyph_transforms) is None and not batches_glyph_stage(pipeline)
    stream = BatchStream(8, "random:3-6", seed=0, augment=pipeline, dataset=mnist_test)
    assert not stream._augmented
    # The per-image path: the stream's images are those draw makes from its stream.
    generator, rng = stream.generator, np.random.default_rng(0)
    batch = stream.next_batch()
    texts = stream.template.sample(rng, 8)
    for text, image in zip(texts, batch.images):
        expected = generator.draw(text, stream.options, pipeline, rng).image
        assert np.array_equal(image, expected)


def test_a_batch_with_every_kind_of_string(mnist_test: DigitDataset) -> None:
    """Separators, symbols, spaces, contour spacing and a scaled height, all in the batch path."""
    texts = ["(0) 12.5-7", "3/4 5,6+7:8", "90", "1 2 3"]
    options = RenderOptions((0, 4), 200, 40, spacing_mode="contour")
    _, drawn = draw_augmented(
        mnist_test, texts, options, preset("medium"), np.random.default_rng(3)
    )
    for text, image in zip(texts, drawn):
        assert image.text == text and image.ink.shape == (40, 200)
        assert len(image.boxes) == sum(c.isdigit() for c in text)
        assert len(image.glyph_boxes) == sum(c != " " for c in text)


def test_boxes_of_many_layouts_are_each_layouts() -> None:
    rng = np.random.default_rng(5)
    layouts = []
    for k in range(40):
        count = int(rng.integers(1, 12))
        widths = rng.integers(1, 20, count).tolist()
        starts = np.cumsum([0, *widths[:-1]]).tolist()
        top = rng.integers(0, 10, count)
        rows = np.stack([top, top + rng.integers(1, 18, count)], axis=1).astype(np.int16)
        scale = 1.0 if k % 3 else 0.5 + k / 80  # every third strip resized to fit
        layouts.append(Layout(starts, widths, rows, scale_x=scale, scale_y=scale))
        layouts[-1].offset_x, layouts[-1].offset_y = int(rng.integers(0, 50)), k % 4
    together = layout_boxes(layouts, (28, 300))
    assert [b.tolist() for b in together] == [one.boxes((28, 300)).tolist() for one in layouts]
    assert all(b.dtype == np.int32 for b in together)
    assert layout_boxes([], (28, 300)) == []
    scaled = layouts[::3]
    assert [b.tolist() for b in layout_boxes(scaled, (28, 300))] == [
        one.boxes((28, 300)).tolist() for one in scaled
    ]


def _glyph_stack(
    rng: np.random.Generator, count: int, height: int, width: int
) -> tuple[U8, npt.NDArray[np.intp]]:
    """Random glyph canvases (ink in a random band of columns, some blank) and the columns
    each is cut to."""
    canvases = (rng.random((count, height, width)) < 0.4) * rng.integers(1, 256, (count, 1, 1))
    for glyph in canvases:
        left = int(rng.integers(0, width))
        glyph[:, :left] = 0
        glyph[:, int(rng.integers(left, width + 1)) :] = 0
    canvases[rng.random(count) < 0.05] = 0  # glyphs without ink
    stack = canvases.astype(np.uint8)
    extents = ink_extents(stack)
    extents[extents[:, 2] == 0] = (0, 0, 1, height)  # no ink: one blank column
    return stack, extents


@pytest.mark.parametrize(("height", "width", "paper"), [(28, 40, 100), (13, 9, 40)])
def test_strings_placed_together_are_each_strings_layout(
    height: int, width: int, paper: int
) -> None:
    """place_stack gives each string the ink, starts and offset of laying it out alone
    (arrange + place_and_fit, fit="pad"); a string wider than the paper is left blank."""
    rng = np.random.default_rng(21)
    lengths = rng.integers(1, 9, 70)
    canvases, extents = _glyph_stack(rng, int(lengths.sum()), height, width)
    gaps = rng.integers(0, 7, lengths.sum())
    ink, starts, offsets = place_stack(canvases, extents, gaps, lengths, paper)
    assert ink.shape == (70, height, paper) and ink.dtype == np.uint8
    glyphs, rows = crop_stack(canvases.copy())
    wide = 0
    for k, end in enumerate(np.cumsum(lengths).tolist()):
        first = end - int(lengths[k])
        alone = Glyphs(glyphs[first:end], [g.shape[1] for g in glyphs[first:end]], rows[first:end])
        layout = arrange(alone, gaps[first : end - 1].tolist())
        assert starts[first:end].tolist() == layout.starts
        if layout.strip_width > paper:
            wide += 1
            assert offsets[k] < 0 and not ink[k].any()
            continue
        expected = place_and_fit(alone, layout, (height, paper), "pad", overlap=False)
        assert offsets[k] == layout.offset_x
        assert np.array_equal(ink[k], expected)
    assert 0 < wide < 70


def test_placing_together_draws_the_images_of_laying_out_one_by_one(
    mnist_test: DigitDataset,
) -> None:
    """Strings of digits that fit, placed together, give the same images, layouts and boxes
    as each laid out alone; separators and strings too wide are laid out alone among them."""
    texts = [*_texts(40), "12-34", "9" * 30, "5", "0 1/2"]

    def draw(together: bool) -> tuple[U8, list[ng.SequenceImage]]:
        options = RenderOptions((2, 8), 280)
        if not together:  # options no fast placement takes: every string laid out alone
            object.__setattr__(options, "side_by_side", False)
        return draw_augmented(
            mnist_test, texts, options, preset("medium"), np.random.default_rng(4)
        )

    ink, drawn = draw(together=True)
    alone_ink, alone = draw(together=False)
    assert np.array_equal(ink, alone_ink)
    for image, one in zip(drawn, alone):
        assert image._layout.starts == one._layout.starts
        assert image._layout.offset_x == one._layout.offset_x
        assert image._layout.strip_width == one._layout.strip_width
        assert np.array_equal(image.glyph_boxes, one.glyph_boxes)
        assert np.array_equal(image.boxes, one.boxes)
        assert image.label == one.label and image.text == one.text
    assert drawn[-3]._layout.scale_x < 1.0  # thirty digits: resized to fit
    assert drawn[-1].text == "0 1/2" and len(drawn[-1].glyph_boxes) == 4


@pytest.mark.parametrize("augment", ["medium", "heavy"])
def test_natural_width_images_come_in_order_each_as_wide_as_its_strip(
    mnist_test: DigitDataset, augment: str
) -> None:
    """At the natural width the images are grouped by width for the image stage, and
    come back in the order of the texts, each as wide as its strip, the same for a seed."""
    texts = [str(n % 10) * (1 + n % 9) for n in range(STRINGS + 40)] + ["12-34", "5 6.7"]
    options, pipeline = RenderOptions((2, 8)), preset(augment)

    def draw(seed: int) -> list[ng.SequenceImage]:
        rng = np.random.default_rng(seed)
        return augmented.augmented_images(mnist_test, texts, options, pipeline, rng)

    drawn = draw(3)
    assert [image.text or image.label for image in drawn] == texts
    widths = [image.paper.shape[1] for image in drawn]
    assert all(image.paper.shape[0] == 28 for image in drawn)
    assert len(set(widths)) > 40
    assert [w == image._layout.strip_width for w, image in zip(widths, drawn)] == [True] * len(
        texts
    )
    for image, width in zip(drawn, widths):
        boxes = image.boxes
        assert (boxes[:, :2] >= 0).all() and (boxes[:, 2] <= width).all()
        assert (boxes[:, 3] <= 28).all() and (boxes[:, 2] > boxes[:, 0]).all()
        assert all(image.ink[y0:y1, x0:x1].max() > 0 for x0, y0, x1, y1 in boxes.tolist())
    again = draw(3)
    assert all(np.array_equal(a.paper, b.paper) for a, b in zip(drawn, again))
    assert not all(np.array_equal(a.paper, b.paper) for a, b in zip(drawn, draw(4)))


def test_at_a_fixed_width_augmented_images_are_draw_augmenteds(mnist_test: DigitDataset) -> None:
    texts = _texts(STRINGS + 20)
    stack, drawn = draw_augmented(
        mnist_test, texts, WIDE, preset("medium"), np.random.default_rng(5)
    )
    images = augmented.augmented_images(
        mnist_test, texts, WIDE, preset("medium"), np.random.default_rng(5)
    )
    assert all(np.array_equal(a.ink, b.ink) for a, b in zip(images, drawn))
    assert np.array_equal(stack, np.stack([image.ink for image in images]))
    with pytest.raises(ng.InvalidParameterError, match=r"image_width=None is not allowed") as info:
        draw_augmented(
            mnist_test, texts, RenderOptions(), preset("medium"), np.random.default_rng(5)
        )
    assert info.value.param == "image_width"


@pytest.mark.parametrize("texts", [["12", ""], ["3", "1" * 1025]])
def test_a_batch_refuses_an_empty_or_too_long_string(
    mnist_test: DigitDataset, texts: list[str]
) -> None:
    with pytest.raises(ng.InvalidParameterError, match="digits") as caught:
        draw_augmented(mnist_test, texts, WIDE, preset("medium"), np.random.default_rng(0))
    assert caught.value.param == "digits"


@pytest.mark.parametrize("shape", [(300, 28, 40), (5, 28, 40), (0, 28, 40), (9, 45, 45), (4, 3, 5)])
def test_clear_ink_counts_every_clear_pixel(shape: tuple[int, int, int]) -> None:
    """Counted a word at a time or row by row, the clear pixels of each glyph canvas."""
    rng = np.random.default_rng(22)
    stack = rng.integers(0, 256, shape).astype(np.uint8)
    stack[:, :, 0] = stack[:, :, -1] = 0  # blank outer columns: paper level 0
    expected = (stack >= 112).sum(axis=(1, 2))
    assert glyph_clear_ink(stack).tolist() == expected.tolist()


@pytest.mark.parametrize("count", [1, 7])
def test_paper_levels_are_the_rounded_bilinear_paper(count: int) -> None:
    grids = np.random.default_rng(23).integers(0, 256, (count, 4, 30)).astype(np.uint8)
    levels = bilinear_levels(grids, (28, 280))
    assert levels.dtype == np.uint8 and levels.shape == (count, 28, 280)
    assert np.array_equal(levels, np.rint(bilinear(grids, (28, 280))).astype(np.uint8))
    assert np.array_equal(levels[0], np.rint(cv2.resize(grids[0].astype(np.float32), (280, 28))))
