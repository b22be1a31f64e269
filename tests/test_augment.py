"""Augmentation: every transform on real MNIST glyphs, pipelines, presets, compose hooks."""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

import number_generator
from number_generator import (
    DigitDataset,
    InvalidParameterError,
    InvalidTypeError,
    SequenceGenerator,
)
from number_generator import augment as aug
from number_generator.augment import TRANSFORM_NAMES, TRANSFORMS, Pipeline
from number_generator.augment.frame import fit_frame
from number_generator.compose.glyphs import GLYPH_MARGIN

U8 = npt.NDArray[np.uint8]
SEED_004 = (
    "shift",
    "scale",
    "rotate",
    "blur",
    "optical_distortion",
    "grid_distortion",
    "elastic",
    "gaussian_noise",
    "median_blur",
    "brightness_contrast",
    "emboss",
)
GEOMETRIC = [name for name in TRANSFORM_NAMES if TRANSFORMS[name].geometric]


def canvas(glyph: U8) -> U8:
    """A glyph on the canvas the glyph stage uses: 28 rows, GLYPH_MARGIN empty columns each side."""
    out = np.zeros((glyph.shape[0], glyph.shape[1] + 2 * GLYPH_MARGIN), np.uint8)
    out[:, GLYPH_MARGIN : GLYPH_MARGIN + glyph.shape[1]] = glyph
    return out


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.fixture(scope="module")
def glyphs(mnist_test: DigitDataset) -> list[U8]:
    """Four real glyphs of every class, on glyph-stage canvases."""
    picks = [mnist_test.class_indices(d)[:4] for d in range(10)]
    return [canvas(mnist_test.images[i]) for i in np.concatenate(picks)]


@pytest.fixture(scope="module")
def ones(mnist_test: DigitDataset) -> list[U8]:
    """Real '1's that are long and thin: their principal axis is well defined."""
    chosen = []
    for i in mnist_test.class_indices(1)[:200]:
        if _eccentricity(mnist_test.images[i]) > 6:
            chosen.append(canvas(mnist_test.images[i]))
    return chosen[:12]


def _moments(image: U8) -> dict[str, float]:
    return dict(cv2.moments(image.astype(np.float32)))


def _axis_degrees(image: U8) -> float:
    """Angle of the principal axis, counter-clockwise as seen, in degrees."""
    m = _moments(image)
    # y points down in images; flip it so angles grow counter-clockwise as seen
    return math.degrees(0.5 * math.atan2(-2 * m["mu11"], m["mu20"] - m["mu02"]))


def _eccentricity(image: U8) -> float:
    m = _moments(image)
    common = math.hypot(m["mu20"] - m["mu02"], 2 * m["mu11"])
    big, small = m["mu20"] + m["mu02"] + common, m["mu20"] + m["mu02"] - common
    return big / max(small, 1e-9)


def _box(image: U8) -> tuple[int, int, int, int]:
    x, y, w, h = cv2.boundingRect(image)
    return int(x), int(y), int(w), int(h)


def _mass(image: U8) -> float:
    return float(image.sum(dtype=np.int64)) / 255


# --------------------------------------------------------------------------- registry


def test_seed_004_transforms_exist_by_name() -> None:
    assert set(SEED_004) <= set(TRANSFORM_NAMES)
    assert list(TRANSFORMS) == list(TRANSFORM_NAMES)
    for name, cls in TRANSFORMS.items():
        assert cls.name == name
        assert isinstance(cls(p=1.0), aug.Transform)
    extras = {"shear", "stroke_thickness", "baseline_jitter", "size_variation"}
    assert extras | {"salt_and_pepper", "paper_tone"} <= set(TRANSFORM_NAMES)
    for name in ("Pipeline", "Transform", "Lambda", "PRESETS", "contact_sheet", "preset"):
        assert name in number_generator.__all__


def test_presets() -> None:
    assert aug.PRESETS == ("light", "medium", "heavy", "document")
    assert aug.DEFAULT_PRESET == "medium"
    heavy = aug.preset("heavy")
    assert set(SEED_004) <= {t.name for t in heavy}, "heavy uses all eleven of seed 004"
    for name in aug.PRESETS:
        pipeline = aug.preset(name)
        assert pipeline.name == name and pipeline is aug.preset(name)
        assert all(t.stage == "glyph" for t in pipeline.glyph_transforms)
        assert not any(t.geometric for t in pipeline.image_transforms)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (False, None),
        ("false", None),
        ("0", None),
        (np.bool_(False), None),
        (True, ["medium"]),
        ("1", ["medium"]),
        ("true", ["medium"]),
        (np.bool_(True), ["medium"]),
        ("light", ["light"]),
        (" Heavy ", ["heavy"]),
        ("elastic", ["elastic"]),
    ],
    ids=lambda v: repr(v),
)
def test_resolve_augment_values(value: object, expected: list[str] | None) -> None:
    resolved = aug.resolve_augment(value)
    if expected is None:
        assert resolved is None
    else:
        assert resolved is not None and resolved.name == expected[0]


def test_resolve_augment_objects() -> None:
    rotate = aug.Rotate(5)
    pipeline = Pipeline([rotate])
    assert aug.resolve_augment(pipeline) is pipeline
    assert aug.resolve_augment(rotate).transforms == (rotate,)  # type: ignore[union-attr]
    listed = aug.resolve_augment([rotate, aug.Blur(1.0)])
    assert listed is not None and [t.stage for t in listed] == ["glyph", "image"]
    wrapped = aug.resolve_augment(lambda image, generator: image)
    assert wrapped is not None and isinstance(wrapped.transforms[0], aug.Lambda)
    assert wrapped.transforms[0].stage == "image"


# --------------------------------------------------------------------------- bad parameters


BAD_PARAMETERS: list[tuple[Any, type[Exception], str]] = [
    (
        lambda: aug.Blur(sigma=-1.0),
        InvalidParameterError,
        r"Blur: sigma=-1.0 is outside the allowed range 0.0..8.0",
    ),
    (
        lambda: aug.ElasticTransform(sigma=-2.0),
        InvalidParameterError,
        r"ElasticTransform: sigma=-2.0 is outside the allowed range 1.0..20.0",
    ),
    (
        lambda: aug.ElasticTransform(alpha=(40, 10)),
        InvalidParameterError,
        r"alpha=\(40, 10\): the minimum 40 exceeds the maximum 10",
    ),
    (
        lambda: aug.Rotate(p=1.5),
        InvalidParameterError,
        r"Rotate: p=1.5 is outside the allowed range 0.0..1.0",
    ),
    (
        lambda: aug.GaussianNoise(p=-0.1),
        InvalidParameterError,
        r"GaussianNoise: p=-0.1 is outside",
    ),
    (
        lambda: aug.Rotate(p=float("nan")),
        InvalidParameterError,
        r"p=nan is outside",
    ),
    (
        lambda: aug.Rotate(limit=200),
        InvalidParameterError,
        r"Rotate: limit=200 is outside the allowed range 0.0..180.0",
    ),
    (
        lambda: aug.Scale(limit="big"),
        InvalidTypeError,
        r"Scale: limit='big': expected a number or a \(min, max\) pair",
    ),
    (
        lambda: aug.Shear(limit=(1, 2, 3)),
        InvalidTypeError,
        r"Shear: limit=\(1, 2, 3\)",
    ),
    (
        lambda: aug.Blur(sigma=True),
        InvalidTypeError,
        r"Blur: sigma=True: expected a number or a \(min, max\) pair",
    ),
    (
        lambda: aug.MedianBlur(ksize=9),
        InvalidParameterError,
        r"MedianBlur: ksize=9: 9 is outside the allowed range 3..7",
    ),
    (
        lambda: aug.MedianBlur(ksize=(4, 4)),
        InvalidParameterError,
        r"ksize=\(4, 4\): the range holds no odd size",
    ),
    (
        lambda: aug.MedianBlur(ksize=3.5),
        InvalidTypeError,
        r"MedianBlur: ksize=3.5: expected an int",
    ),
    (
        lambda: aug.GridDistortion(num_steps=0),
        InvalidParameterError,
        r"num_steps=0: 0 is outside the allowed range 1..16",
    ),
    (
        lambda: aug.SaltAndPepper(salt_vs_pepper=2),
        InvalidParameterError,
        r"salt_vs_pepper=2 is outside",
    ),
    (
        lambda: aug.PaperTone(tone=-5),
        InvalidParameterError,
        r"PaperTone: tone=-5 is outside the allowed range 0.0..128.0",
    ),
    (
        lambda: aug.BaselineJitter(wander=9),
        InvalidParameterError,
        r"BaselineJitter: wander=9 is outside",
    ),
    (
        lambda: aug.Blur(stage="paper"),
        InvalidParameterError,
        r"Blur: stage='paper': expected one of 'glyph', 'image'",
    ),
    (
        lambda: aug.Rotate(stage="image"),
        InvalidParameterError,
        r"Rotate: stage='image': geometric transforms .* only in the 'glyph' stage",
    ),
    (
        lambda: aug.Lambda(42),  # type: ignore[arg-type]
        InvalidTypeError,
        r"Lambda: fn=42 is not callable",
    ),
    (
        lambda: Pipeline(aug.Rotate()),  # type: ignore[arg-type]
        InvalidTypeError,
        r"expected a list of transforms",
    ),
    (
        lambda: Pipeline([aug.Rotate(), 3]),  # type: ignore[list-item]
        InvalidTypeError,
        r"Pipeline: 3 is neither a Transform nor a callable",
    ),
    (
        lambda: aug.resolve_augment("wobbly"),
        InvalidParameterError,
        r"augment='wobbly': unknown preset; expected one of 'light', 'medium', 'heavy'",
    ),
    (
        lambda: aug.resolve_augment(42),
        InvalidTypeError,
        r"augment=42: expected None/False, True, a preset name",
    ),
    (
        lambda: aug.preset("extreme"),
        InvalidParameterError,
        r"augment='extreme': unknown preset",
    ),
]


@pytest.mark.parametrize(
    ("make", "error", "message"), BAD_PARAMETERS, ids=[m for _, _, m in BAD_PARAMETERS]
)
def test_bad_parameters_name_the_value(make: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        make()


WRONG_OUTPUT: list[tuple[Any, type[Exception], str]] = [
    (
        lambda image, g: image[:, :-1],
        InvalidParameterError,
        r"returned an array of shape \(28, \d+\); expected the input's shape \(28, \d+\)",
    ),
    (
        lambda image, g: image.astype(np.float32),
        InvalidTypeError,
        r"returned a float32 array; expected uint8",
    ),
    (
        lambda image, g: image.tolist(),
        InvalidTypeError,
        r"returned list; expected a uint8 numpy array",
    ),
]


@pytest.mark.parametrize(("fn", "error", "message"), WRONG_OUTPUT, ids=["shape", "dtype", "type"])
def test_callable_with_wrong_output_is_a_clear_error(
    generator: SequenceGenerator, fn: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=r"augment callable '<lambda>' " + message):
        generator.generate("12", (2, 2), 60, augment=fn)
    glyph_stage = aug.Lambda(fn, stage="glyph", name="mine")
    with pytest.raises(error, match=r"augment callable 'mine' returned"):
        generator.generate("12", (2, 2), 60, augment=Pipeline([glyph_stage]))


def test_bad_images_are_refused() -> None:
    with pytest.raises(InvalidTypeError, match=r"Rotate: expected a 2-D uint8 image .* float64"):
        aug.Rotate()(np.zeros((28, 28)), rng())
    with pytest.raises(InvalidTypeError, match=r"Pipeline: expected a 2-D uint8 image .* got list"):
        Pipeline([aug.Blur()])([[0]], rng())  # type: ignore[arg-type]


# --------------------------------------------------------------------------- geometric transforms


def test_rotate_turns_the_principal_axis(ones: list[U8]) -> None:
    assert len(ones) >= 8
    for angle in (-20.0, 20.0):
        rotate = aug.Rotate((angle, angle), p=1.0)
        turns = [_axis_degrees(rotate(g, rng())) - _axis_degrees(g) for g in ones]
        turns = [(t + 90) % 180 - 90 for t in turns]
        assert np.median(turns) == pytest.approx(angle, abs=2.5), turns


def test_shear_slants_the_top_to_the_right(ones: list[U8]) -> None:
    def lean(image: U8) -> float:
        m = _moments(image)
        return -m["mu11"] / m["mu02"]  # d(x)/d(-y): positive when the top is to the right

    for angle in (-15.0, 15.0):
        shear = aug.Shear((angle, angle), p=1.0)
        changes = [lean(shear(g, rng())) - lean(g) for g in ones]
        assert np.median(changes) == pytest.approx(math.tan(math.radians(angle)), abs=0.04)


@pytest.mark.parametrize("factor", [0.7, 1.25])
def test_scale_resizes_the_ink_about_its_centre(glyphs: list[U8], factor: float) -> None:
    scale = aug.Scale((factor - 1, factor - 1), p=1.0)
    for glyph in glyphs[:20]:
        out = scale(glyph, rng())
        h0, h1 = _box(glyph)[3], _box(out)[3]
        assert h1 == pytest.approx(h0 * factor, abs=2.0)
        centre = _moments(out)["m01"] / _moments(out)["m00"]
        assert centre == pytest.approx(_moments(glyph)["m01"] / _moments(glyph)["m00"], abs=1.5)


def test_size_variation_keeps_the_baseline(glyphs: list[U8]) -> None:
    smaller = aug.SizeVariation((-0.2, -0.2), p=1.0)
    for glyph in glyphs[:20]:
        out = smaller(glyph, rng())
        (_, y0, _, h0), (_, y1, _, h1) = _box(glyph), _box(out)
        assert h1 == pytest.approx(0.8 * h0, abs=1.5)
        assert y1 + h1 == pytest.approx(y0 + h0, abs=1), "the bottom of the ink stays put"


def test_shift_moves_the_ink(glyphs: list[U8]) -> None:
    shift = aug.Shift((0.05, 0.05), p=1.0)  # 1.4 px down, 2 px right on a 28 x 40 canvas
    for glyph in glyphs[:20]:
        m0, m1 = _moments(glyph), _moments(shift(glyph, rng()))
        assert m1["m10"] / m1["m00"] - m0["m10"] / m0["m00"] == pytest.approx(2.0, abs=0.2)
        assert m1["m01"] / m1["m00"] - m0["m01"] / m0["m00"] == pytest.approx(1.4, abs=0.2)


def test_baseline_jitter_wanders_along_the_sequence() -> None:
    walk = aug.BaselineJitter(0.0, wander=1.0)
    offsets = [p["dy"] for p in walk.sample(rng(3), (28, 40), 12) if p is not None]
    assert len(offsets) == 12
    assert sum(offsets) == pytest.approx(0.0, abs=1e-9), "the walk is centred"
    assert np.std(offsets) > 0.3
    steps = np.diff(offsets)
    assert np.abs(steps).max() < 5, "neighbours stay close: a walk, not independent jumps"
    fixed = aug.BaselineJitter((2.0, 2.0), wander=0.0)
    assert all(p is not None and p["dy"] == 2.0 for p in fixed.sample(rng(), (28, 40), 5))


def test_geometric_transforms_are_fused_into_one_warp(glyphs: list[U8]) -> None:
    steps = [aug.SizeVariation(0.1), aug.Shear(10, p=1.0), aug.Rotate(10, p=1.0)]
    fused = Pipeline(steps)
    for glyph in glyphs[:10]:
        out = fused(glyph, rng(7))
        assert out.shape == glyph.shape
        assert _mass(out) == pytest.approx(_mass(glyph), rel=0.35)


def _shape_of(image: U8) -> npt.NDArray[np.float64]:
    """The ink cropped to its box and resized to 32 x 32, normalised: its shape, at any size."""
    x, y, w, h = _box(image)
    crop = cv2.resize(image[y : y + h, x : x + w].astype(np.float32), (32, 32))
    crop -= crop.mean()
    return crop / np.linalg.norm(crop)


@pytest.mark.parametrize(
    "transform",
    [
        aug.Scale((0.6, 0.6), p=1.0),
        aug.Rotate((45.0, 45.0), p=1.0),
        aug.Shear((35.0, 35.0), p=1.0),
        aug.SizeVariation((0.5, 0.5), p=1.0),
        aug.BaselineJitter((8.0, 8.0), wander=0.0),
        aug.Shift((0.4, 0.4), p=1.0),
    ],
    ids=lambda t: t.name,
)
def test_affine_transforms_never_clip(glyphs: list[U8], transform: aug.Transform) -> None:
    """In a tight frame the result is the whole unclipped result, moved and at most shrunk."""
    for glyph in glyphs[::3]:
        x, y, w, h = _box(glyph)
        tight = np.pad(glyph[y : y + h, x : x + w], 2)
        roomy = np.pad(tight, 40)
        inside, free = transform(tight, rng()), transform(roomy, rng())
        (_, _, w1, h1), (_, _, w2, h2) = _box(inside), _box(free)
        assert w1 <= tight.shape[1] and h1 <= tight.shape[0]
        assert w1 / w2 == pytest.approx(h1 / h2, abs=0.15), "aspect kept: shrunk, not cut"
        assert float((_shape_of(inside) * _shape_of(free)).sum()) > 0.85, "the same shape"
        if (w1, h1) == (w2, h2):  # no shrink was needed: a pure move keeps every bit of ink
            assert _mass(inside) == pytest.approx(_mass(free), rel=0.03)


def test_fit_frame_keeps_all_ink() -> None:
    big = np.zeros((40, 50), np.uint8)
    big[2:20, 30:48] = 200  # partly right of and above the frame (pad 6, frame 28 x 38)
    framed = fit_frame(big, -6, -6, (28, 38))
    assert framed.shape == (28, 38) and _mass(framed) == _mass(big)
    inside = np.zeros((40, 50), np.uint8)
    inside[10:20, 10:20] = 99  # already in the frame: stays where it is
    assert np.array_equal(fit_frame(inside, -6, -6, (28, 38))[4:14, 4:14], inside[10:20, 10:20])
    huge = np.zeros((40, 50), np.uint8)
    huge[1:39, 5:25] = 255  # taller than the frame: shrunk, aspect kept
    shrunk = fit_frame(huge, -6, -6, (28, 38))
    _, _, w, h = _box(shrunk)
    assert h <= 28 and w / h == pytest.approx(20 / 38, abs=0.08)


@pytest.mark.parametrize(
    "transform",
    [
        aug.ElasticTransform(alpha=80.0, sigma=4.0, p=1.0),
        aug.ElasticTransform(alpha=20.0, sigma=1.5, p=1.0),
        aug.OpticalDistortion((-0.5, -0.5), p=1.0),
        aug.OpticalDistortion((0.5, 0.5), p=1.0),
        aug.StrokeThickness((2.0, 2.0), p=1.0),
    ],
    ids=["elastic", "elastic-fine", "pincushion", "barrel", "bold"],
)
def test_distortions_never_clip(
    glyphs: list[U8], transform: aug.Transform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Distortions draw on a canvas larger than the frame that the moved ink never reaches
    the edge of, and the frame cut from it holds all of that ink (or all of it, shrunk)."""
    from number_generator.augment import distortion, morphology

    calls: list[tuple[U8, U8]] = []
    real_fit = fit_frame

    def spy(canvas: U8, top: int, left: int, shape: tuple[int, int]) -> U8:
        out = real_fit(canvas, top, left, shape)
        calls.append((canvas, out))
        return out

    monkeypatch.setattr(distortion, "fit_frame", spy)
    monkeypatch.setattr(morphology, "fit_frame", spy)
    for k, glyph in enumerate(glyphs[::2]):
        x, y, w, h = _box(glyph)
        tight = np.ascontiguousarray(glyph[y : y + h, x : x + w])  # ink touches every edge
        out = transform(tight, rng(k))
        assert out.shape == tight.shape and out.dtype == np.uint8 and out.any()
    assert len(calls) == len(glyphs[::2])
    for canvas, out in calls:
        edge = np.concatenate([canvas[0], canvas[-1], canvas[:, 0], canvas[:, -1]])
        assert not edge.any(), "moved ink stayed inside the larger canvas"
        _, _, w, h = _box(canvas)
        if w <= out.shape[1] and h <= out.shape[0]:
            assert _mass(out) == _mass(canvas)
        else:
            assert _box(out)[2] / _box(out)[3] == pytest.approx(w / h, abs=0.2)


def test_distortions_keep_ink_in_the_glyph_canvas(glyphs: list[U8]) -> None:
    """On the canvas the composer uses, strong distortions keep (about) all the ink."""
    for transform in (
        aug.ElasticTransform(alpha=60.0, p=1.0),
        aug.GridDistortion(5, 0.6, p=1.0),
        aug.OpticalDistortion(0.5, p=1.0),
    ):
        ratios = [_mass(transform(g, rng(k))) / _mass(g) for k, g in enumerate(glyphs)]
        assert 0.8 < np.median(ratios) < 1.3


def test_elastic_displacements_stay_within_the_padding() -> None:
    elastic = aug.ElasticTransform(alpha=200.0, sigma=4.0, p=1.0)
    for params in elastic.sample(rng(), (28, 40), 5):
        assert params is not None
        assert np.abs(params["displacement"]).max() <= elastic._pad - 1


def test_elastic_strength_follows_alpha(glyphs: list[U8]) -> None:
    def change(alpha: float) -> float:
        elastic = aug.ElasticTransform(alpha=alpha, sigma=4.0, p=1.0)
        return float(
            np.mean(
                [
                    np.abs(elastic(g, rng(i)).astype(int) - g).mean()
                    for i, g in enumerate(glyphs[:20])
                ]
            )
        )

    assert change(0.0) == 0.0
    assert 0 < change(10.0) < change(34.0) < change(80.0)


def test_elastic_field_matches_simard_statistics() -> None:
    """The coarse-grid field has the standard deviation of the full-resolution one."""
    for sigma in (4.0, 6.0):
        elastic = aug.ElasticTransform(alpha=34.0, sigma=sigma, p=1.0)
        params = elastic.sample(rng(), (64, 64), 40)
        pad, step = elastic._pad, elastic._step
        fields = [
            cv2.resize(p["displacement"], (p["displacement"].shape[1] * step,) * 2)[pad:-pad]
            for p in params
            if p is not None
        ]
        expected = 34.0 / (sigma * math.sqrt(12 * math.pi))
        assert np.std(fields) == pytest.approx(expected, rel=0.15)


def test_grid_distortion_keeps_the_frame_edges(glyphs: list[U8]) -> None:
    assert np.array_equal(aug.GridDistortion(5, 0.0, p=1.0)(glyphs[0], rng()), glyphs[0])
    frame = np.zeros((28, 40), np.uint8)
    frame[0, :] = frame[-1, :] = frame[:, 0] = frame[:, -1] = 255
    out = aug.GridDistortion(5, 0.8, p=1.0)(frame, rng())
    assert (out[0] > 0).all() and (out[:, 0] > 0).all() and (out[-1] > 0).all()


def test_optical_distortion_pulls_or_pushes(glyphs: list[U8]) -> None:
    barrel, pincushion = (
        aug.OpticalDistortion((0.4, 0.4), 0.0, p=1.0),
        aug.OpticalDistortion((-0.4, -0.4), 0.0, p=1.0),
    )
    areas = {"barrel": [], "pincushion": []}
    for glyph in glyphs[:20]:
        _, _, w, h = _box(glyph)
        for name, transform in (("barrel", barrel), ("pincushion", pincushion)):
            _, _, w1, h1 = _box(transform(glyph, rng()))
            areas[name].append(w1 * h1 / (w * h))
    assert np.median(areas["barrel"]) < 0.95 < 1.05 < np.median(areas["pincushion"])


def test_stroke_thickness_changes_ink_in_the_right_direction(glyphs: list[U8]) -> None:
    bolder = aug.StrokeThickness((1.0, 1.0), p=1.0)
    thinner = aug.StrokeThickness((-1.0, -1.0), p=1.0)
    for glyph in glyphs:
        assert _mass(bolder(glyph, rng())) > 1.2 * _mass(glyph)
        thin = thinner(glyph, rng())
        assert _mass(thin) < _mass(glyph)
        assert thin.max() >= 0.75 * glyph.max() and _box(thin) == _box(glyph), "nothing fades"
    line = np.zeros((28, 28), np.uint8)
    line[4:24, 13] = 255  # a one-pixel stroke survives thinning untouched
    assert np.array_equal(thinner(line, rng()), line)


# --------------------------------------------------------------------------- photometric transforms


def _seen(ink: U8) -> npt.NDArray[np.float64]:
    """The picture as a person sees it: 255 = white paper."""
    return 255.0 - ink


@pytest.fixture(scope="module")
def sequence_ink(mnist_test: DigitDataset) -> U8:
    return SequenceGenerator(mnist_test, seed=1).render("0123456789", (2, 8), 280).ink


def test_blur_smooths(sequence_ink: U8) -> None:
    blurred = aug.Blur((1.0, 1.0), p=1.0)(sequence_ink, rng())
    gradient = lambda image: np.abs(np.diff(image.astype(int), axis=1)).mean()  # noqa: E731
    assert gradient(blurred) < 0.8 * gradient(sequence_ink)
    assert blurred.mean() == pytest.approx(sequence_ink.mean(), rel=0.02)


def test_median_blur_removes_specks(sequence_ink: U8) -> None:
    specks = sequence_ink.copy()
    specks[1, 5] = specks[26, 270] = 255
    out = aug.MedianBlur(3, p=1.0)(specks, rng())
    assert out[1, 5] == 0 and out[26, 270] == 0


@pytest.mark.parametrize("std", [4.0, 12.0])
def test_gaussian_noise_has_the_configured_spread(std: float) -> None:
    grey = np.full((200, 200), 128, np.uint8)
    noisy = aug.GaussianNoise(std, p=1.0)(grey, rng())
    assert noisy.astype(float).std() == pytest.approx(std, rel=0.08)
    assert noisy.astype(float).mean() == pytest.approx(128, abs=0.5)


def test_salt_and_pepper_hits_the_configured_fraction() -> None:
    grey = np.full((200, 200), 128, np.uint8)
    out = aug.SaltAndPepper(0.05, salt_vs_pepper=0.25, p=1.0)(grey, rng())
    assert (out != 128).mean() == pytest.approx(0.05, rel=0.1)
    assert (out == 0).sum() / (out != 128).sum() == pytest.approx(0.25, abs=0.03)  # salt: paper


def test_brightness_shifts_the_mean(sequence_ink: U8) -> None:
    brighter = aug.BrightnessContrast((0.2, 0.2), (0.0, 0.0), p=1.0)(sequence_ink, rng())
    darker = aug.BrightnessContrast((-0.2, -0.2), (0.0, 0.0), p=1.0)(sequence_ink, rng())
    assert _seen(brighter).mean() > _seen(sequence_ink).mean() > _seen(darker).mean()
    assert _seen(darker)[sequence_ink == 0].max() == pytest.approx(255 - 51, abs=1), "grey paper"
    low_contrast = aug.BrightnessContrast(0.0, (-0.3, -0.3), p=1.0)(sequence_ink, rng())
    assert _seen(low_contrast).std() < 0.8 * _seen(sequence_ink).std()


def test_emboss_keeps_flat_paper_and_changes_edges(sequence_ink: U8) -> None:
    out = aug.Emboss(0.5, 0.5, p=1.0)(sequence_ink, rng())
    assert (out[:, :20] == 0).all(), "blank paper stays blank"
    assert (out != sequence_ink).mean() > 0.05
    assert np.array_equal(aug.Emboss(0.0, 0.5, p=1.0)(sequence_ink, rng()), sequence_ink)


def test_paper_tone_greys_the_paper_not_the_ink(sequence_ink: U8) -> None:
    toned = aug.PaperTone((30.0, 30.0), 0.0, p=1.0)(sequence_ink, rng())
    assert np.all(_seen(toned)[sequence_ink == 0] == 225)
    assert np.all(toned[sequence_ink == 255] == 255), "black ink stays black"
    textured = aug.PaperTone((30.0, 30.0), (20.0, 20.0), p=1.0)(sequence_ink, rng())
    paper = _seen(textured)[sequence_ink == 0]
    assert paper.std() > 2 and paper.max() <= 255


# --------------------------------------------------------------------------- every transform


@pytest.mark.parametrize("name", TRANSFORM_NAMES)
def test_every_transform_keeps_dtype_shape_and_is_reproducible(glyphs: list[U8], name: str) -> None:
    transform = TRANSFORMS[name](p=1.0)
    for k, glyph in enumerate(glyphs[::4]):
        out = transform(glyph, rng(k))
        assert out.dtype == np.uint8 and out.shape == glyph.shape
        assert np.array_equal(out, transform(glyph, rng(k)))
    assert np.array_equal(TRANSFORMS[name](p=0.0)(glyphs[0], rng()), glyphs[0])


@pytest.mark.parametrize("name", TRANSFORM_NAMES)
def test_sampling_then_applying_is_deterministic(glyphs: list[U8], name: str) -> None:
    transform = TRANSFORMS[name](p=0.5)
    boxes = np.array([[10, 4, 30, 24]], np.int32)  # a digit's box, for the layout-aware ones
    params = transform.sample(rng(4), (28, 40), 8, boxes=boxes)
    again = transform.sample(rng(4), (28, 40), 8, boxes=boxes)
    assert [p is None for p in params] == [p is None for p in again]
    for glyph, item in zip(glyphs, params):
        if item is not None:
            assert np.array_equal(transform.apply(glyph, item), transform.apply(glyph, item))


# --------------------------------------------------------------------------- through the composer


@pytest.mark.parametrize("preset", ["light", "medium", "heavy", "document"])
def test_presets_render_float_images_reproducibly(mnist_test: DigitDataset, preset: str) -> None:
    gen = SequenceGenerator(mnist_test, augment=preset)
    for seed in range(5):
        image = gen.generate("0901234567", (2, 8), 280, seed=seed)
        assert image.dtype == np.float32 and image.shape == (28, 280)
        assert not np.isnan(image).any() and image.min() >= 0.0 and image.max() <= 1.0
        again = gen.generate("0901234567", (2, 8), 280, seed=seed)
        assert image.tobytes() == again.tobytes()
    a, b = (gen.generate("0901234567", (2, 8), 280, seed=s) for s in (1, 2))
    assert a.tobytes() != b.tobytes()
    plain = SequenceGenerator(mnist_test).generate("0901234567", (2, 8), 280, seed=1)
    assert a.tobytes() != plain.tobytes()


def test_inactive_pipeline_takes_the_same_glyphs_as_no_augmentation(
    mnist_test: DigitDataset,
) -> None:
    """The augmented path crops, places and boxes glyphs exactly like the fast path."""
    idle = Pipeline([aug.Rotate(p=0.0), aug.Blur(p=0.0)])
    gen = SequenceGenerator(mnist_test)
    for height, fit in ((28, "pad"), (28, "stretch"), (40, "pad"), (20, "pad")):
        for seed in range(3):
            plain = gen.render("31415926", (1, 6), 200, seed=seed, image_height=height, fit=fit)
            idled = gen.render(
                "31415926", (1, 6), 200, seed=seed, image_height=height, fit=fit, augment=idle
            )
            assert np.array_equal(plain.ink, idled.ink)
            assert np.array_equal(plain.boxes, idled.boxes)


def test_gaps_are_measured_between_transformed_ink(mnist_test: DigitDataset) -> None:
    glyph_stage = Pipeline([t for t in aug.preset("heavy").glyph_transforms])
    gen = SequenceGenerator(mnist_test, augment=glyph_stage)
    for seed in range(10):
        result = gen.render("0123456789", (3, 3), None, seed=seed)
        boxes = result.boxes
        assert np.array_equal(boxes[1:, 0] - boxes[:-1, 2], [3] * 9)
        ink = result.ink > 0
        for x0, y0, x1, y1 in boxes.tolist():
            column_ink = ink[:, x0:x1]
            assert column_ink[:, 0].any() and column_ink[:, -1].any(), "boxes hug the ink"
            assert not column_ink[:y0].any() and not column_ink[y1:].any()
        for (_, _, x1, _), (x0, _, _, _) in zip(boxes[:-1].tolist(), boxes[1:].tolist()):
            assert not ink[:, x1:x0].any(), "the gap between two digits is paper"


def test_image_stage_covers_the_whole_output(mnist_test: DigitDataset) -> None:
    tone = aug.PaperTone((40.0, 40.0), 0.0, p=1.0)
    image = SequenceGenerator(mnist_test).generate("42", (4, 4), 200, seed=0, augment=[tone])
    assert image[:, :10].max() == pytest.approx(215 / 255), "the padding is toned too"


def test_glyph_stage_callable_sees_each_glyph(mnist_test: DigitDataset) -> None:
    seen: list[tuple[int, int]] = []

    def spy(image: U8, generator: np.random.Generator) -> U8:
        seen.append(image.shape)
        return image

    gen = SequenceGenerator(mnist_test, augment=Pipeline([aug.Lambda(spy, stage="glyph")]))
    gen.generate("123", (2, 2), 80, seed=0)
    assert seen == [(28, 28 + 2 * GLYPH_MARGIN)] * 3


def test_callable_draws_from_the_generator_reproducibly(mnist_test: DigitDataset) -> None:
    def speckle(image: U8, generator: np.random.Generator) -> U8:
        out = image.copy()
        out[generator.integers(0, 28), generator.integers(0, image.shape[1])] = 255
        return out

    gen = SequenceGenerator(mnist_test, augment=speckle)
    a = gen.generate("12", (2, 2), 60, seed=9)
    assert a.tobytes() == gen.generate("12", (2, 2), 60, seed=9).tobytes()


def test_augment_reaches_the_module_function_and_phone_numbers(tmp_path: Any) -> None:
    image = number_generator.generate_numbers_sequence("123", (2, 2), 90, seed=0, augment="light")
    assert image.shape == (28, 90)
    written = number_generator.generate_phone_numbers(3, 280, tmp_path, seed=0, augment=True)
    assert len(written) == 3


def test_a_glyph_callable_that_erases_everything_is_left_out(mnist_test: DigitDataset) -> None:
    # Label safety (tests/test_label_safety.py): the glyphs are drawn as stored instead.
    eraser = aug.Lambda(lambda image, generator: np.zeros_like(image), stage="glyph")
    result = SequenceGenerator(mnist_test).render("123", (2, 2), 40, seed=0, augment=[eraser])
    plain = SequenceGenerator(mnist_test).render("123", (2, 2), 40, seed=0)
    assert result.repairs.glyph_fallbacks == 3 and result.boxes.shape == (3, 4)
    assert np.array_equal(result.image, plain.image)
