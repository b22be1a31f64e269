"""Affine parameters drawn for whole stacks: their distributions, the composed warp, seeds.

The affine transforms draw the parameters of every glyph of a sequence at once
and a run of them is composed into one map per glyph. These tests pin what a
user relies on: each parameter's range, mean, spread and apply probability
(over thousands of seeded draws, so a wrong range or ``p`` fails), the warp a
run applies (the maps composed about the ink box, in order), and that the same
seed gives the same glyphs.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from number_generator import DigitDataset, SequenceGenerator
from number_generator import augment as aug
from number_generator.augment import Pipeline
from number_generator.augment.base import Params
from number_generator.compose.glyphs import GLYPH_MARGIN

U8 = npt.NDArray[np.uint8]
DRAWS = 4000
SHAPE = (28, 40)


def _applied(transform: aug.Transform, seed: int = 0) -> list[dict[str, Any]]:
    """The parameters of the items ``transform`` applies to, out of DRAWS seeded draws."""
    params = transform.sample(np.random.default_rng(seed), SHAPE, DRAWS)
    return [item for item in params if item is not None]


def _check_p(count: int, p: float) -> None:
    """``count`` successes of DRAWS within 4 binomial standard deviations of ``p``."""
    assert abs(count / DRAWS - p) <= 4 * math.sqrt(p * (1 - p) / DRAWS) + 1e-12


def _check_uniform(values: list[float], low: float, high: float) -> None:
    """``values`` look uniform on ``[low, high]``: bounds, mean and spread."""
    array = np.asarray(values)
    width = high - low
    assert array.min() >= low and array.max() <= high
    assert array.min() < low + 0.01 * width and array.max() > high - 0.01 * width
    std = width / math.sqrt(12)
    assert abs(array.mean() - (low + high) / 2) <= 4 * std / math.sqrt(array.size)
    assert array.std() == pytest.approx(std, rel=0.05)


@pytest.mark.parametrize(
    ("transform", "name", "low", "high", "p"),
    [
        (aug.Rotate(10.0, p=0.6), "angle", -10.0, 10.0, 0.6),
        (aug.Rotate((-3.0, 12.0), p=0.7), "angle", -3.0, 12.0, 0.7),
        (aug.Shear(14.0, p=0.5), "angle", -14.0, 14.0, 0.5),
        (aug.Scale(0.12, p=0.5), "factor", 0.88, 1.12, 0.5),
        (aug.SizeVariation(0.12), "factor", 0.88, 1.12, 1.0),
        (aug.SizeVariation((-0.2, 0.05), p=0.3), "factor", 0.8, 1.05, 0.3),
    ],
)
def test_each_affine_parameter_keeps_its_distribution(
    transform: aug.Transform, name: str, low: float, high: float, p: float
) -> None:
    applied = _applied(transform)
    _check_p(len(applied), p)
    _check_uniform([item[name] for item in applied], low, high)


def test_the_linear_parts_follow_the_drawn_numbers() -> None:
    for item in _applied(aug.Rotate(15.0, p=1.0))[:200]:
        cos, sin = math.cos(math.radians(item["angle"])), math.sin(math.radians(item["angle"]))
        assert item["linear"] == pytest.approx((cos, sin, -sin, cos))
        assert item["offset"] == (0.0, 0.0)
    for item in _applied(aug.Shear(12.0, p=1.0))[:200]:
        assert item["linear"] == pytest.approx((1.0, -math.tan(math.radians(item["angle"])), 0, 1))
    for item in _applied(aug.Scale(0.3, p=1.0))[:200]:
        assert item["linear"] == pytest.approx((item["factor"], 0, 0, item["factor"]))


def test_shift_is_a_fraction_of_the_frame() -> None:
    applied = _applied(aug.Shift(0.05, p=0.5))
    _check_p(len(applied), 0.5)
    height, width = SHAPE
    _check_uniform([item["dx"] for item in applied], -0.05 * width, 0.05 * width)
    _check_uniform([item["dy"] for item in applied], -0.05 * height, 0.05 * height)
    assert all(item["offset"] == (item["dx"], item["dy"]) for item in applied)


def test_baseline_jitter_is_a_centred_walk_plus_uniform_jitter() -> None:
    """The walk is centred, so a sequence's mean offset is its jitters' mean; a step between
    neighbours has the variance of two uniform jitters plus one walk step."""
    jitter = aug.BaselineJitter(1.5, wander=0.75)
    steps: list[float] = []
    means: list[float] = []
    for seed in range(400):
        params = jitter.sample(np.random.default_rng(seed), SHAPE, 10)
        dy = [item["dy"] for item in params if item is not None]
        assert len(dy) == 10
        steps += np.diff(dy).tolist()
        means.append(float(np.mean(dy)))
    jitter_std = 3.0 / math.sqrt(12)
    assert np.std(means) == pytest.approx(jitter_std / math.sqrt(10), rel=0.1)
    assert abs(np.mean(means)) < 4 * jitter_std / math.sqrt(10 * 400)
    expected = math.sqrt(2 * jitter_std**2 + 0.75**2)
    assert np.std(steps) == pytest.approx(expected, rel=0.05)
    alone = _applied(aug.BaselineJitter(2.0, wander=0.0, p=0.4))
    _check_p(len(alone), 0.4)
    _check_uniform([item["dy"] for item in alone], -2.0, 2.0)


@pytest.fixture(scope="module")
def stack(mnist_test: DigitDataset) -> U8:
    """Sixty real glyphs on glyph-stage canvases (28 x 40)."""
    glyphs = mnist_test.images[:60]
    out = np.zeros((len(glyphs), 28, 28 + 2 * GLYPH_MARGIN), np.uint8)
    out[:, :, GLYPH_MARGIN : GLYPH_MARGIN + 28] = glyphs
    return out


def test_a_pipeline_flips_each_coin_with_its_probability(stack: U8) -> None:
    """Across many glyphs, the share a p=0.35 rotation changes is 0.35 (the pipeline's own
    coins, drawn for the whole stack at once)."""
    glyphs = np.repeat(stack[:1], DRAWS, axis=0)
    out = Pipeline([aug.Rotate((20.0, 30.0), p=0.35)]).transform_glyphs(
        glyphs, np.random.default_rng(3)
    )
    changed = (out != glyphs).reshape(DRAWS, -1).any(axis=1)
    _check_p(int(changed.sum()), 0.35)


def _about(linear: npt.NDArray[np.float64], x: float, y: float) -> npt.NDArray[np.float64]:
    """The 3x3 map applying ``linear`` about ``(x, y)``."""
    step = np.eye(3)
    step[:2, :2] = linear
    step[:2, 2] = np.array([x, y]) - linear @ np.array([x, y])
    return step


def test_a_run_is_one_warp_of_the_maps_composed_about_the_ink_box(stack: U8) -> None:
    """Size variation (about the baseline), then shear and rotation (about the centre), then a
    baseline offset: one warp by their product, computed here independently."""
    steps = [
        aug.SizeVariation((-0.1, -0.1)),
        aug.Shear((8.0, 8.0), p=1.0),
        aug.Rotate((5.0, 5.0), p=1.0),
        aug.BaselineJitter((1.0, 1.0), wander=0.0),
    ]
    out = Pipeline(steps).transform_glyphs(stack, np.random.default_rng(0))
    turn, slant = math.radians(5.0), math.tan(math.radians(8.0))
    for glyph, got in zip(stack, out):
        x, y, w, h = cv2.boundingRect(glyph)
        cx, cy, base = x + (w - 1) / 2, y + (h - 1) / 2, y + h - 1
        matrix = _about(np.diag([0.9, 0.9]), cx, base)
        matrix = _about(np.array([[1.0, -slant], [0.0, 1.0]]), cx, cy) @ matrix
        rotate = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]])
        matrix = _about(rotate, cx, cy) @ matrix
        matrix[1, 2] += 1.0
        corners = np.array(
            [[x, y, 1], [x + w - 1, y, 1], [x, y + h - 1, 1], [x + w - 1, y + h - 1, 1]]
        )
        mapped = corners @ matrix[:2].T
        if mapped.min() < 0 or (mapped.max(axis=0) > np.array([39, 27])).any():
            continue  # moved back inside the frame: covered by the frame tests
        assert np.array_equal(got, cv2.warpAffine(glyph, matrix[:2], (40, 28)))


def test_glyphs_no_transform_chose_are_left_as_they_are(stack: U8) -> None:
    pipeline = Pipeline([aug.Rotate(10.0, p=0.5), aug.Shear(10.0, p=0.5)])
    coins = np.random.default_rng(5).random((2, len(stack))) < 0.5
    out = pipeline.transform_glyphs(stack, np.random.default_rng(5))
    untouched = ~coins.any(axis=0)
    assert untouched.any() and (~untouched).any()
    assert np.array_equal(out[untouched], stack[untouched])
    assert all(not np.array_equal(a, b) for a, b in zip(out[~untouched], stack[~untouched]))


def test_same_seed_same_glyphs_and_images(stack: U8, mnist_test: DigitDataset) -> None:
    for name in ("light", "medium", "heavy", "document"):
        pipeline = aug.preset(name)
        first = pipeline.transform_glyphs(stack, np.random.default_rng(11))
        again = pipeline.transform_glyphs(stack.copy(), np.random.default_rng(11))
        assert np.array_equal(first, again)
        one, two = (SequenceGenerator(mnist_test, seed=4, augment=name) for _ in range(2))
        for _ in range(5):
            assert np.array_equal(one.render("0123456789", (2, 8), 280).ink,
                                  two.render("0123456789", (2, 8), 280).ink)  # fmt: skip


class _PerItemShift(aug.AffineTransform):
    """An affine transform written against the per-item ``_sample`` contract: item ``k``
    moves ``k % 3 - 1`` pixels right."""

    name = "test-per-item-shift"

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [
            {"dx": k % 3 - 1, "linear": (1.0, 0.0, 0.0, 1.0), "offset": (k % 3 - 1, 0.0)}
            for k in range(n)
        ]


def test_an_affine_transform_with_a_per_item_sample_still_moves_each_glyph(stack: U8) -> None:
    out = Pipeline([_PerItemShift(p=1.0)]).transform_glyphs(stack, np.random.default_rng(3))
    for k, (glyph, got) in enumerate(zip(stack, out)):
        assert np.array_equal(got, np.roll(glyph, k % 3 - 1, axis=1)), k
    params = _PerItemShift(p=1.0).sample(np.random.default_rng(0), (28, 40), 3)
    assert [item["dx"] for item in params if item is not None] == [-1, 0, 1]
