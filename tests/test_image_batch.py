"""The image stage applied to a whole stack at once: ``Pipeline.transform_images``.

The batch path draws each transform's coins for the whole stack, then the
parameters of the images it applies to, and applies them to that sub-stack at
once. It draws in another order than the per-image path
(``Pipeline.transform_field``), so these tests pin what a user relies on: each
transform applies with its probability ``p`` and leaves the same pixel
statistics as the per-image path (over a few thousand images, so a wrong
range, mean or spread fails), the same seed gives the same stack, the fields'
matrices follow a scan warp, and any user transform still works in a batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest

import number_generator as ng
from number_generator import augment as aug
from number_generator.augment.base import Params
from number_generator.errors import InvalidParameterError, InvalidTypeError, ParameterError

U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]
DRAWS = 4000
SHAPE = (28, 96)


@pytest.fixture(scope="module")
def ink_stack() -> tuple[U8, list[npt.NDArray[np.int32]]]:
    """32 phone numbers, 28x280, in the ink convention (0 = paper), with their digit boxes."""
    batch = next(iter(ng.batches(32, "phone", seed=0, image_width=280, dtype="uint8")))
    images = 255 - np.asarray(batch.images, np.uint8)
    boxes = [b[(b >= 0).all(axis=1)].astype(np.int32) for b in batch.boxes]
    return images, boxes


def _flat(level: int) -> U8:
    return np.full(SHAPE, level, np.uint8)


def _halves() -> U8:
    """Left half at ink level 100, right half at 150 (away from clipping)."""
    image = _flat(100)
    image[:, SHAPE[1] // 2 :] = 150
    return image


def _spot() -> U8:
    image = _flat(0)
    image[12:16, 46:50] = 255
    return image


def _noise_sd(image: U8) -> F64:
    return np.array([np.std(image.astype(np.float64) - 128)])


def _tone(image: U8) -> F64:
    """The paper's darkening and its texture's spread (the picture is blank paper)."""
    return np.array([image.mean(), image.std()])


def _brightness_contrast(image: U8) -> F64:
    """``b`` and ``c`` read back from the two halves: out = clip((1 + c) v - 255 (b + c))."""
    low, high = image[:, : SHAPE[1] // 2].mean(), image[:, SHAPE[1] // 2 :].mean()
    contrast = (high - low) / 50 - 1
    return np.array([contrast, (1 + contrast) * 100 / 255 - low / 255 - contrast])


def _spread(image: U8) -> F64:
    """Second moment of the blurred spot about its centre: grows with sigma squared."""
    weights = image.astype(np.float64)
    xs = np.arange(SHAPE[1])[None, :]
    return np.array([((xs - 47.5) ** 2 * weights).sum() / weights.sum()])


def _lines() -> U8:
    """Lines two pixels wide on grey paper: a 3-pixel median keeps them, a 5-pixel one not."""
    image = _flat(60)
    image[:, 20:22] = image[10:12, :] = 255
    return image


def _line_left(image: U8) -> F64:
    return np.array([(image == 255).mean()])


def _relief(image: U8) -> F64:
    return np.array([np.abs(image.astype(np.float64) - _spot()).mean()])


def _paper(image: U8) -> F64:
    """Darkening, its spread (blotches, gradient) and the darkest spots (fibres) of blank paper."""
    values = image.astype(np.float64)
    return np.array([values.mean(), values.std(), values.max() - np.median(values)])


def _pen_test() -> U8:
    """Full ink on the left half, a spot on the right."""
    image = _spot()
    image[:, : SHAPE[1] // 3] = 255
    return image


def _pen(image: U8) -> F64:
    """Ink darkness, its change along the strokes, and how far the spot bled."""
    full = image[:, : SHAPE[1] // 3].astype(np.float64)
    return np.array([full.mean(), full.std(), (image[:, SHAPE[1] // 2 :] > 0).sum()])


def _centre(image: U8) -> F64:
    weights = image.astype(np.float64)
    ys, xs = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]]
    total = weights.sum()
    return np.array([(xs * weights).sum() / total, (ys * weights).sum() / total])


def _darkness(image: U8) -> F64:
    values = image.astype(np.float64)
    return np.array([values.mean(), values.std(), values.max()])


def _specks(image: U8) -> F64:
    return np.array([(image == 0).mean(), (image == 255).mean()])


# Transform (with p < 1), a test image, the per-image statistics it leaves.
CASES: dict[str, tuple[Callable[[], aug.Transform], Callable[[], U8], Callable[[U8], F64]]] = {
    "paper_tone": (lambda: aug.PaperTone((5.0, 30.0), (0.0, 6.0), p=0.4), lambda: _flat(0), _tone),
    "brightness_contrast": (
        lambda: aug.BrightnessContrast((0.05, 0.2), (-0.3, 0.1), p=0.3),
        _halves,
        _brightness_contrast,
    ),
    "blur": (lambda: aug.Blur((0.3, 0.9), p=0.25), _spot, _spread),
    "gaussian_noise": (
        lambda: aug.GaussianNoise((3.0, 10.0), p=0.3),
        lambda: _flat(128),
        _noise_sd,
    ),
    "salt_and_pepper": (lambda: aug.SaltAndPepper(p=0.25), lambda: _flat(128), _specks),
    "median_blur": (lambda: aug.MedianBlur((3, 5), p=0.4), _lines, _line_left),
    "emboss": (lambda: aug.Emboss(p=0.3), _spot, _relief),
    "paper": (lambda: aug.Paper(p=0.5), lambda: _flat(0), _paper),
    "security_pattern": (lambda: aug.SecurityPattern(p=0.5), lambda: _flat(0), _darkness),
    "ink_variation": (lambda: aug.InkVariation(p=0.6), _pen_test, _pen),
    "illumination": (lambda: aug.Illumination((0.05, 0.25), p=0.3), lambda: _flat(0), _darkness),
    "scan_warp": (lambda: aug.ScanWarp(p=0.4), _spot, _centre),
    "one_of": (
        lambda: aug.OneOf(
            [aug.BaselineRule(p=1.0), aug.CombBoxes(p=1.0), aug.FieldFrame(p=0.7)],
            (0.45, 0.35, 0.2),
            p=0.6,
        ),
        _spot,
        _darkness,
    ),
}


def _per_image(pipeline: aug.Pipeline, image: U8, seed: int) -> U8:
    rng = np.random.default_rng(seed)
    return np.stack([pipeline.transform_field(image.copy(), rng)[0] for _ in range(DRAWS)])


def _batched(pipeline: aug.Pipeline, image: U8, seed: int) -> U8:
    stack = np.repeat(image[None], DRAWS, axis=0)
    out, matrices = pipeline.transform_images(stack, np.random.default_rng(seed))
    moved = [m is not None for m in matrices]
    assert (
        moved == list((out != image).any(axis=(1, 2)))
        if isinstance(pipeline.transforms[0], aug.ScanWarp)
        else not any(moved)
    )  # only a scan warp moves the field
    return out


def _applied_p(transform: aug.Transform) -> float:
    """Chance that ``transform`` changes an image: its ``p``, times its choices' for OneOf."""
    if isinstance(transform, aug.OneOf):
        inner = sum(w * t.p for w, t in zip(transform.weights, transform.transforms))
        return transform.p * inner
    return transform.p


def _ks_distance(a: F64, b: F64) -> float:
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the two CDFs."""
    points = np.concatenate([a, b])
    gaps = np.searchsorted(np.sort(a), points, "right") / len(a) - np.searchsorted(
        np.sort(b), points, "right"
    ) / len(b)
    return float(np.abs(gaps).max())


@pytest.mark.parametrize("name", list(CASES))
def test_each_transform_keeps_its_probability_and_pixel_statistics(name: str) -> None:
    make, image_of, statistics = CASES[name]
    transform, image = make(), image_of()
    pipeline = aug.Pipeline([transform])
    reference, batched = _per_image(pipeline, image, 1), _batched(pipeline, image, 2)
    assert batched.dtype == np.uint8 and batched.shape == (DRAWS, *SHAPE)
    found = []
    for out in (reference, batched):
        applied = (out != image).any(axis=(1, 2))
        p = _applied_p(transform)
        assert abs(applied.mean() - p) <= 4 * math.sqrt(p * (1 - p) / DRAWS)
        assert (out[~applied] == image).all()  # the others are left as they were
        found.append(np.array([statistics(x) for x in out[applied]]))
    want, got = found
    error = np.sqrt(want.var(axis=0) / len(want) + got.var(axis=0) / len(got))
    assert np.all(np.abs(got.mean(axis=0) - want.mean(axis=0)) <= 4 * error + 1e-9)
    # The whole distribution of each statistic (range, spread, shape): a two-sample
    # Kolmogorov-Smirnov test at the 1e-4 level.
    limit = 2.23 * math.sqrt((len(want) + len(got)) / (len(want) * len(got)))
    for k in range(want.shape[1]):
        assert _ks_distance(want[:, k], got[:, k]) <= limit, k


def test_values_saturate_instead_of_wrapping() -> None:
    """uint8 in, uint8 out: noise and brightness clip at 0 and 255 (no wrap-around)."""
    pipeline = aug.Pipeline(
        [aug.GaussianNoise((8.0, 12.0), p=1.0), aug.BrightnessContrast(0.0, (0.1, 0.2), p=1.0)]
    )
    stack = np.zeros((64, *SHAPE), np.uint8)
    stack[32:] = 255
    out, _ = pipeline.transform_images(stack, np.random.default_rng(0))
    assert out.dtype == np.uint8 and out.shape == stack.shape
    assert out[:32].max() < 60 and (out[:32] == 0).mean() > 0.4  # paper: no ink from wrapping
    assert out[32:].min() > 195 and (out[32:] == 255).mean() > 0.4  # ink: no holes


@pytest.mark.parametrize("name", ["light", "medium", "heavy", "document"])
def test_same_seed_same_stack(ink_stack: tuple[U8, list[npt.NDArray[np.int32]]], name: str) -> None:
    images, boxes = ink_stack
    pipeline = aug.preset(name)
    first, moved = pipeline.transform_images(images.copy(), np.random.default_rng(3), boxes)
    again, moved_again = pipeline.transform_images(images.copy(), np.random.default_rng(3), boxes)
    other, _ = pipeline.transform_images(images.copy(), np.random.default_rng(4), boxes)
    assert first.dtype == np.uint8 and first.shape == images.shape
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert len(moved) == len(images)
    for a, b in zip(moved, moved_again):
        assert (a is None and b is None) or (a is not None and b is not None and (a == b).all())
    changed = (first != images).any(axis=(1, 2)).mean()
    assert changed > 0.3  # every preset's image stage changes most images


def test_the_fields_matrices_follow_a_scan_warp() -> None:
    """Two scan warps in a row: each image's matrix takes a dot to where it ended up."""
    pipeline = aug.Pipeline([aug.ScanWarp(3.0, 3.0, max_shift=4.0, p=1.0)] * 2)
    stack = np.zeros((40, 28, 120), np.uint8)
    stack[:, 13:16, 10:13] = 255  # a dot near an end moves the most
    out, matrices = pipeline.transform_images(stack, np.random.default_rng(0))
    ys, xs = np.mgrid[0:28, 0:120]
    for image, matrix in zip(out.astype(np.float64), matrices):
        assert matrix is not None and matrix.shape == (3, 3)
        x, y, w = matrix @ np.array([11.0, 14.0, 1.0])
        total = image.sum()
        found = ((xs * image).sum() / total, (ys * image).sum() / total)
        assert math.hypot(found[0] - x / w, found[1] - y / w) < 0.35


def test_one_of_chooses_per_image_and_reports_its_warp(
    ink_stack: tuple[U8, list[npt.NDArray[np.int32]]],
) -> None:
    images, _ = ink_stack
    choice = aug.OneOf([aug.ScanWarp(p=1.0), aug.CombBoxes(p=1.0)], p=1.0)
    out, moved = aug.Pipeline([choice]).transform_images(images.copy(), np.random.default_rng(1))
    warped = [m is not None for m in moved]
    assert 0 < sum(warped) < len(images)
    assert (out != images).any(axis=(1, 2)).all()


class _Invert(aug.Transform):
    """A user's own transform: only _sample and apply, no batch hook."""

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [{"level": int(v)} for v in rng.integers(0, 100, n)]

    def apply(self, image: U8, params: Params) -> U8:
        return np.maximum(255 - image, params["level"]).astype(np.uint8)


def test_user_transforms_and_callables_work_in_a_batch(
    ink_stack: tuple[U8, list[npt.NDArray[np.int32]]],
) -> None:
    images, boxes = ink_stack
    calls: list[tuple[int, int]] = []

    def shade(image: U8, rng: np.random.Generator) -> U8:
        calls.append(image.shape)
        return np.minimum(image, rng.integers(100, 200)).astype(np.uint8)

    pipeline = aug.Pipeline([_Invert(p=0.5), shade, aug.GaussianNoise(p=0.5)])
    out, _ = pipeline.transform_images(images.copy(), np.random.default_rng(5), boxes)
    again, _ = pipeline.transform_images(images.copy(), np.random.default_rng(5), boxes)
    assert np.array_equal(out, again)
    assert calls == [images.shape[1:]] * (2 * len(images))
    inverted = (out >= 100).mean(axis=(1, 2)) > 0.5  # inverted: mostly ink, unless shaded below
    assert 0 < inverted.sum() < len(images)


def test_a_callable_returning_the_wrong_shape_is_refused() -> None:
    pipeline = aug.Pipeline([lambda image, rng: image[:, :10]])
    with pytest.raises(InvalidParameterError, match="shape"):
        pipeline.transform_images(np.zeros((4, *SHAPE), np.uint8), np.random.default_rng(0))


@pytest.mark.parametrize(
    ("images", "boxes", "error", "param"),
    [
        (np.zeros((2, *SHAPE), np.float32), None, InvalidTypeError, "images"),
        ([[[0]]], None, InvalidTypeError, "images"),
        (np.zeros(SHAPE, np.uint8), None, InvalidParameterError, "images"),
        (
            np.zeros((2, *SHAPE), np.uint8),
            [np.zeros((0, 4), np.int32)],
            InvalidParameterError,
            "boxes",
        ),
    ],
)
def test_bad_input_names_the_parameter(
    images: object, boxes: object, error: type[ParameterError], param: str
) -> None:
    with pytest.raises(error, match=param) as caught:
        aug.preset("document").transform_images(images, np.random.default_rng(0), boxes)  # type: ignore[arg-type]
    assert caught.value.param == param
