"""Property-based tests: random pipelines with random (valid) parameters never break anything."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from number_generator import DigitDataset, SequenceGenerator
from number_generator import augment as aug
from number_generator.augment import TRANSFORM_NAMES, TRANSFORMS, Pipeline

SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _finite(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def signed(low: float, high: float) -> st.SearchStrategy[Any]:
    """A symmetric limit ``v`` or an ordered ``(min, max)`` pair within the bounds."""
    pair = st.tuples(_finite(low, high), _finite(low, high)).map(lambda p: tuple(sorted(p)))
    return st.one_of(_finite(0.0, min(-low, high)), pair)


def magnitude(low: float, high: float) -> st.SearchStrategy[Any]:
    """A fixed value or an ordered ``(min, max)`` pair within the bounds."""
    pair = st.tuples(_finite(low, high), _finite(low, high)).map(lambda p: tuple(sorted(p)))
    return st.one_of(_finite(low, high), pair)


#: Valid constructor arguments of every transform, over their whole documented ranges.
ARGUMENTS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "shift": {"limit": signed(-0.5, 0.5)},
    "scale": {"limit": signed(-0.5, 1.0)},
    "rotate": {"limit": signed(-180.0, 180.0)},
    "shear": {"limit": signed(-45.0, 45.0)},
    "size_variation": {"limit": signed(-0.5, 0.5)},
    "baseline_jitter": {"limit": signed(-8.0, 8.0), "wander": _finite(0.0, 4.0)},
    "elastic": {"alpha": magnitude(0.0, 200.0), "sigma": _finite(1.0, 20.0)},
    "grid_distortion": {"num_steps": st.integers(1, 16), "limit": signed(-0.9, 0.9)},
    "optical_distortion": {"limit": signed(-0.5, 0.5), "shift_limit": signed(-0.2, 0.2)},
    "stroke_thickness": {"limit": signed(-1.0, 2.0)},
    "blur": {"sigma": magnitude(0.0, 8.0)},
    "median_blur": {"ksize": st.sampled_from([3, 5, 7, (3, 5), (3, 7), (5, 7), (4, 5)])},
    "gaussian_noise": {"std": magnitude(0.0, 100.0)},
    "salt_and_pepper": {"amount": magnitude(0.0, 0.5), "salt_vs_pepper": _finite(0.0, 1.0)},
    "brightness_contrast": {
        "brightness_limit": signed(-1.0, 1.0),
        "contrast_limit": signed(-1.0, 1.0),
    },
    "emboss": {"alpha": magnitude(0.0, 1.0), "strength": magnitude(0.0, 2.0)},
    "paper_tone": {"tone": magnitude(0.0, 128.0), "texture": magnitude(0.0, 64.0)},
    "paper": {
        "kinds": st.lists(st.sampled_from(sorted(aug.PAPER_KINDS)), min_size=1, unique=True),
        "gradient": magnitude(0.0, 96.0),
    },
    "security_pattern": {
        "intensity": magnitude(0.0, 160.0),
        "period": magnitude(2.0, 16.0),
        "dots": _finite(0.0, 1.0),
    },
    "ink_variation": {
        "intensity": magnitude(0.3, 1.0),
        "pressure": magnitude(0.0, 0.7),
        "bleed": magnitude(0.0, 3.0),
    },
    "baseline_rule": {
        "offset": magnitude(-8.0, 8.0),
        "full_width": _finite(0.0, 1.0),
        "dashed": _finite(0.0, 1.0),
        "intensity": magnitude(0.0, 255.0),
        "thickness": magnitude(0.5, 6.0),
    },
    "comb_boxes": {"margin": magnitude(-4.0, 12.0), "open_comb": _finite(0.0, 1.0)},
    "field_frame": {"margin": magnitude(0.0, 40.0), "thickness": magnitude(0.5, 6.0)},
    "stray_strokes": {
        "length": magnitude(2.0, 40.0),
        "leading": _finite(0.0, 1.0),
        "double": _finite(0.0, 1.0),
    },
    "downscale": {"factor": magnitude(0.2, 1.0)},
    "jpeg": {"quality": st.integers(1, 100) | st.tuples(st.integers(1, 50), st.integers(50, 100))},
    "scan_warp": {
        "rotate": signed(-5.0, 5.0),
        "shear": signed(-5.0, 5.0),
        "perspective": _finite(0.0, 0.1),
        "max_shift": _finite(0.5, 4.0),
    },
    "illumination": {"strength": magnitude(0.0, 0.8)},
    "binarize": {"offset": signed(-60.0, 60.0)},
}


def test_every_transform_has_a_strategy() -> None:
    assert set(ARGUMENTS) == set(TRANSFORM_NAMES)


@st.composite
def transforms(draw: st.DrawFn) -> aug.Transform:
    name = draw(st.sampled_from(TRANSFORM_NAMES))
    cls = TRANSFORMS[name]
    kwargs = {key: draw(strategy) for key, strategy in ARGUMENTS[name].items()}
    kwargs["p"] = draw(st.sampled_from([0.0, 0.5, 1.0]) | _finite(0.0, 1.0))
    if not (cls.geometric or cls.image_only or cls.uses_boxes) and draw(st.booleans()):
        kwargs["stage"] = draw(st.sampled_from(["glyph", "image"]))
    transform: aug.Transform = cls(**kwargs)
    return transform


pipelines = st.lists(transforms(), min_size=1, max_size=5).map(Pipeline)


@st.composite
def images(draw: st.DrawFn) -> npt.NDArray[np.uint8]:
    height = draw(st.integers(8, 48))
    width = draw(st.integers(8, 96))
    seed = draw(st.integers(0, 2**16))
    generator = np.random.default_rng(seed)
    image = generator.integers(0, 256, (height, width), dtype=np.uint8)
    image[generator.random((height, width)) < draw(_finite(0.0, 1.0))] = 0
    return image


@SETTINGS
@given(pipeline=pipelines, image=images(), seed=st.integers(0, 2**32))
def test_random_pipelines_on_any_image(
    pipeline: Pipeline, image: npt.NDArray[np.uint8], seed: int
) -> None:
    out = pipeline(image, np.random.default_rng(seed))
    assert out.dtype == np.uint8 and out.shape == image.shape
    again = pipeline(image, np.random.default_rng(seed))
    assert np.array_equal(out, again)


@pytest.fixture(scope="module")
def small_generator(mnist_test: DigitDataset) -> SequenceGenerator:
    return SequenceGenerator(mnist_test.subset(np.arange(500)), seed=0)


@SETTINGS
@given(
    pipeline=pipelines,
    digits=st.text("0123456789", min_size=1, max_size=8),
    spacing=st.tuples(st.integers(-6, 6), st.integers(0, 10)).map(lambda p: (p[0], p[0] + p[1])),
    width=st.none() | st.integers(32, 400),  # 32: MIN_DIGIT_WIDTH (4 px) x 8 digits
    height=st.sampled_from([16, 28, 40]),
    fit=st.sampled_from(["pad", "stretch"]),
    seed=st.integers(0, 2**32),
)
def test_random_pipelines_through_the_composer(
    small_generator: SequenceGenerator,
    pipeline: Pipeline,
    digits: str,
    spacing: tuple[int, int],
    width: int | None,
    height: int,
    fit: str,
    seed: int,
) -> None:
    options: dict[str, Any] = {"seed": seed, "image_height": height, "fit": fit}
    result = small_generator.render(digits, spacing, width, augment=pipeline, **options)
    image = result.image
    assert image.dtype == np.float32 and image.shape[0] == height
    if width is not None:
        assert image.shape[1] == width
    assert not np.isnan(image).any() and image.min() >= 0.0 and image.max() <= 1.0
    assert result.boxes.shape == (len(digits), 4)
    again = small_generator.render(digits, spacing, width, augment=pipeline, **options)
    assert again.image.tobytes() == image.tobytes()
