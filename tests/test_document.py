"""Document transforms and the ``document`` preset on real MNIST glyphs: paper, print, scan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
import pytest

import number_generator as ng
from number_generator import (
    DigitDataset,
    InvalidParameterError,
    InvalidTypeError,
    SequenceGenerator,
)
from number_generator import augment as aug
from number_generator.augment import Pipeline

U8 = npt.NDArray[np.uint8]
DOCUMENT = (
    "paper",
    "security_pattern",
    "ink_variation",
    "baseline_rule",
    "comb_boxes",
    "field_frame",
    "stray_strokes",
    "downscale",
    "jpeg",
    "scan_warp",
    "illumination",
    "binarize",
)


def _field(mnist_test: DigitDataset, digits: str = "31415", seed: int = 0) -> ng.SequenceImage:
    """Digits laid out apart on white paper, no augmentation: the input of the image stage."""
    return SequenceGenerator(mnist_test, seed=seed).render(digits, (5, 9), 200)


def _params(transform: aug.Transform, field: ng.SequenceImage, seed: int = 1) -> dict[str, Any]:
    params = transform.sample(np.random.default_rng(seed), field.ink.shape, 1, boxes=field.boxes)
    assert params[0] is not None
    return params[0]


def test_document_transforms_are_registered_at_the_end() -> None:
    assert ng.TRANSFORM_NAMES[-len(DOCUMENT) :] == DOCUMENT
    assert ng.TRANSFORM_NAMES[: -len(DOCUMENT)][-1] == "paper_tone"
    assert "document" in ng.PRESETS and ng.preset("document").uses_boxes


def test_baseline_rule_is_printed_at_the_digits_baseline(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    rule = aug.BaselineRule(offset=0.0, full_width=1.0, dashed=0.0, intensity=150, thickness=1, p=1)
    params = _params(rule, field)
    baseline = float(np.median(field.boxes[:, 3]))
    assert params["y"] == pytest.approx(baseline - 0.5)
    out = rule.apply(field.ink, params)
    printed = (out.astype(int) - field.ink) > 20  # what the print added
    assert not printed[:, :].any(axis=1)[: int(baseline) - 2].any()  # nothing above the rule
    rows = np.flatnonzero(printed.sum(axis=1) > 0.8 * field.ink.shape[1])
    assert rows.size and set(rows.tolist()) <= {int(baseline) - 1, int(baseline)}
    # Overprinted: no ink was lightened, and the digits' own ink is still there.
    assert (out >= field.ink).all()


def test_a_rule_above_the_baseline_is_crossed_by_the_lower_strokes(
    mnist_test: DigitDataset,
) -> None:
    field = _field(mnist_test, "4729")
    rule = aug.BaselineRule(
        offset=-3.0, full_width=1.0, dashed=0.0, intensity=120, thickness=1, p=1
    )
    params = _params(rule, field)
    y = round(params["y"])
    crossing = field.ink[y] > 128  # digit ink on the rule's row
    assert crossing.any()
    assert (rule.apply(field.ink, params)[y][crossing] >= field.ink[y][crossing]).all()


def test_an_underline_spans_the_digits_not_the_field(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    rule = aug.BaselineRule(full_width=0.0, dashed=0.0, intensity=150, thickness=1, p=1)
    params = _params(rule, field)
    assert 0 < params["x0"] <= field.boxes[:, 0].min()
    assert field.boxes[:, 2].max() <= params["x1"] < field.ink.shape[1]


@pytest.mark.parametrize("seed", range(6), ids=lambda s: f"seed{s}")
def test_comb_boxes_hold_one_digit_each(mnist_test: DigitDataset, seed: int) -> None:
    field = _field(mnist_test, "90210", seed=seed)
    comb = aug.CombBoxes(margin=2.0, open_comb=0.0, intensity=200, thickness=1, p=1)
    params = _params(comb, field, seed)
    edges = np.array(params["edges"])
    assert edges.size == len(field.boxes) + 1 and (np.diff(edges) > 0).all()
    for k, (x0, _, x1, _) in enumerate(field.boxes.tolist()):
        assert edges[k] < x0 and x1 - 1 < edges[k + 1], f"digit {k} is not inside cell {k}"
    out = comb.apply(field.ink, params)
    added = (out.astype(int) - field.ink) > 40
    for x in np.rint(edges).astype(int).tolist():  # every divider is printed, top to bottom
        column = added[int(params["top"]) + 1 : int(params["bottom"]), x]
        assert column.mean() > 0.5


def test_field_frame_surrounds_every_digit(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    params = _params(aug.FieldFrame(margin=4.0, p=1), field)
    boxes = field.boxes
    assert params["x0"] < boxes[:, 0].min() and params["x1"] > boxes[:, 2].max() - 1
    assert params["y0"] >= 0 and params["y1"] <= field.ink.shape[0] - 1


def test_stray_dash_follows_the_last_digit_without_touching_it(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test, "1500")
    stray = aug.StrayStrokes(leading=0.0, double=0.0, length=10.0, p=1)
    params = _params(stray, field)
    assert len(params["marks"]) == 1 and params["x0"] > field.boxes[-1, 2]
    out = stray.apply(field.ink, params)
    changed = np.flatnonzero((out != field.ink).any(axis=0))
    assert changed.min() >= field.boxes[-1, 2]  # no digit touched
    assert out.max() == 255


def test_no_stray_mark_where_there_is_no_room(mnist_test: DigitDataset) -> None:
    tight = SequenceGenerator(mnist_test, seed=0).render("1500", (2, 4), None)
    params = _params(aug.StrayStrokes(leading=0.0, p=1), tight)
    assert params["marks"] == []


def test_jpeg_lower_quality_moves_the_picture_further(mnist_test: DigitDataset) -> None:
    ink = _field(mnist_test).ink
    errors = [
        np.abs(aug.JpegCompression(q).apply(ink, {"quality": q}).astype(int) - ink).mean()
        for q in (95, 50, 10)
    ]
    assert 0 < errors[0] < errors[1] < errors[2]


def test_binarize_leaves_two_levels_and_keeps_the_digits(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    paper = aug.Paper(kinds="recycled", p=1.0)(field.ink, np.random.default_rng(0))
    out = aug.Binarize(0.0, p=1)(paper, np.random.default_rng(0))
    assert set(np.unique(out).tolist()) == {0, 255}
    for x0, y0, x1, y1 in field.boxes.tolist():  # every digit keeps its ink
        assert (out[y0:y1, x0:x1] == 255).sum() > 0.5 * (field.ink[y0:y1, x0:x1] > 128).sum()


def test_paper_darkens_the_paper_and_keeps_black_ink(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    out = aug.Paper(kinds="recycled", gradient=0.0, p=1.0)(field.ink, np.random.default_rng(3))
    paper = field.ink == 0
    assert out[paper].mean() > 15  # the paper is grey (ink convention: above 0)
    assert (out[field.ink == 255] == 255).all()


def test_ink_variation_greys_the_ink_only(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    pen = aug.InkVariation(intensity=0.5, pressure=0.0, bleed=0.0, p=1)
    out = pen.apply(field.ink, _params(pen, field))
    assert out.max() == 128 and (out[field.ink == 0] == 0).all()


def test_security_pattern_covers_the_field_lightly(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    for dots in (0.0, 1.0):
        pattern = aug.SecurityPattern(intensity=60.0, dots=dots, p=1)
        out = pattern.apply(field.ink, _params(pattern, field))
        paper = field.ink == 0
        assert 0 < out[paper].max() <= 60 and (out >= field.ink).all()
        assert (out[paper] > 5).mean() > 0.1  # a pattern, not a speck


def test_downscale_blurs_but_keeps_the_digits_place(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    out = aug.Downscale(0.5).apply(field.ink, {"factor": 0.5})
    assert out.shape == field.ink.shape and 0 < np.abs(out.astype(int) - field.ink).mean() < 30


def test_illumination_darkens_one_side(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    params = {"strength": 0.3, "vignette": False, "angle": 0.0}  # darker to the right
    out = aug.Illumination().apply(field.ink, params)
    assert out[:, -5:].mean() > out[:, :5].mean() + 40


def test_scan_warp_moves_the_boxes_with_the_digits(mnist_test: DigitDataset) -> None:
    pipeline = Pipeline([aug.ScanWarp(rotate=(1.5, 2.0), max_shift=2.0, p=1.0)])
    plain = SequenceGenerator(mnist_test, seed=4).render("0123456789", (2, 6), 280)
    result = SequenceGenerator(mnist_test, seed=4).render(
        "0123456789", (2, 6), 280, augment=pipeline
    )
    moved = np.abs(result.boxes.astype(int) - plain.boxes).max()
    assert 1 <= moved <= 3  # small, and reported
    for x0, y0, x1, y1 in result.boxes.tolist():  # every digit's ink lies in its box
        ink = result.ink > 100
        inside = ink[y0:y1, x0:x1].sum()
        near = ink[max(0, y0 - 3) : y1 + 3, max(0, x0 - 1) : x1 + 1].sum()
        assert inside >= 0.97 * near


@pytest.mark.parametrize("name", DOCUMENT)
def test_each_document_transform_is_seeded(mnist_test: DigitDataset, name: str) -> None:
    def draw(seed: int) -> U8:
        return (
            SequenceGenerator(mnist_test, seed=seed, augment=name).render("2024", (3, 8), 160).ink
        )

    first, again, other = draw(7), draw(7), draw(8)
    assert first.tobytes() == again.tobytes()
    assert first.shape == (28, 160) and first.dtype == np.uint8
    if name != "scan_warp":  # the only one that may leave the same pixels for two seeds
        assert first.tobytes() != other.tobytes()


BAD = [
    (aug.Paper, {"kinds": "glossy"}, InvalidParameterError, r"Paper: kinds='glossy': unknown kind"),
    (aug.Paper, {"kinds": []}, InvalidTypeError, r"kinds=\[\]: expected a kind"),
    (aug.Paper, {"gradient": 200}, InvalidParameterError, r"gradient=200 is outside .* 0.0..96.0"),
    (aug.SecurityPattern, {"period": 1}, InvalidParameterError, r"period=1 is outside"),
    (aug.SecurityPattern, {"dots": 2}, InvalidParameterError, r"dots=2 is outside"),
    (aug.InkVariation, {"intensity": 0.1}, InvalidParameterError, r"intensity=0.1 is outside"),
    (aug.InkVariation, {"bleed": (2, 1)}, InvalidParameterError, r"minimum 2 exceeds"),
    (aug.BaselineRule, {"offset": 9}, InvalidParameterError, r"offset=9 is outside"),
    (aug.BaselineRule, {"thickness": "thin"}, InvalidTypeError, r"thickness='thin'"),
    (aug.CombBoxes, {"margin": -5}, InvalidParameterError, r"margin=-5 is outside"),
    (aug.CombBoxes, {"open_comb": -1}, InvalidParameterError, r"open_comb=-1 is outside"),
    (aug.FieldFrame, {"intensity": 300}, InvalidParameterError, r"intensity=300 is outside"),
    (aug.StrayStrokes, {"length": 50}, InvalidParameterError, r"length=50 is outside"),
    (aug.Downscale, {"factor": 0.1}, InvalidParameterError, r"factor=0.1 is outside"),
    (aug.JpegCompression, {"quality": 0}, InvalidParameterError, r"quality=0: 0 is outside"),
    (aug.JpegCompression, {"quality": 50.5}, InvalidTypeError, r"quality=50.5: expected an int"),
    (aug.ScanWarp, {"rotate": 10}, InvalidParameterError, r"rotate=10 is outside"),
    (aug.ScanWarp, {"max_shift": 9}, InvalidParameterError, r"max_shift=9 is outside"),
    (aug.ScanWarp, {"stage": "glyph"}, InvalidParameterError, r"runs only in the 'image' stage"),
    (aug.CombBoxes, {"stage": "glyph"}, InvalidParameterError, r"runs only in the 'image' stage"),
    (aug.Illumination, {"strength": 0.9}, InvalidParameterError, r"strength=0.9 is outside"),
    (aug.Binarize, {"offset": 61}, InvalidParameterError, r"offset=61 is outside"),
]


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "match"), BAD, ids=[f"{c.name}-{next(iter(k))}" for c, k, *_ in BAD]
)
def test_bad_parameters_are_named(
    cls: type[aug.Transform], kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match) as caught:
        cls(**kwargs)
    assert getattr(caught.value, "param", None) == next(iter(kwargs))


def test_layout_aware_transform_needs_boxes_to_sample() -> None:
    with pytest.raises(InvalidParameterError, match=r"pass boxes= to sample\(\)"):
        aug.CombBoxes(p=1).sample(np.random.default_rng(0), (28, 100), 1)


def test_on_a_bare_image_the_boxes_come_from_the_ink(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    assert np.abs(aug.ink_boxes(field.ink) - field.boxes).max() <= 1  # faint edges aside
    out = aug.CombBoxes(p=1.0)(field.ink, np.random.default_rng(0))
    assert (out >= field.ink).all() and (out != field.ink).any()


# --------------------------------------------------------------------------- the preset's contract


def test_document_preset_output_contract(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test, seed=11, augment="document")
    printed = 0
    for k in range(40):
        result = generator.render("0901234567", (2, 8), 280)
        image = result.image
        assert image.dtype == np.float32 and image.shape == (28, 280)
        assert image.min() >= 0.0 and image.max() <= 1.0
        assert np.array_equal(image, result.paper / np.float32(255))
        assert result.label == "0901234567" and result.boxes.shape == (10, 4)
        for x0, y0, x1, y1 in result.boxes.tolist():  # each box holds ink darker than its paper
            assert 0 <= x0 < x1 <= 280 and 0 <= y0 < y1 <= 28
            cell = result.paper[y0:y1, x0:x1]
            assert int(cell.min()) < int(np.median(result.paper)) - 40, f"image {k}"
        plain = SequenceGenerator(mnist_test, seed=0).render("0901234567", (2, 8), 280)
        printed += int((result.ink[:, :3] > 60).any() or (result.ink[-1] > 60).mean() > 0.5)
        assert plain.ink.shape == result.ink.shape
    assert 0 < printed < 40  # printed context on some images, not all


def test_document_preset_is_reproducible_everywhere(
    mnist_test: DigitDataset, tmp_path: Path
) -> None:
    one = ng.generate_numbers_sequence(
        "1500", (2, 8), 120, seed=5, augment="document", dataset=mnist_test
    )
    two = ng.generate_numbers_sequence(
        "1500", (2, 8), 120, seed=5, augment="document", dataset=mnist_test
    )
    assert one.tobytes() == two.tobytes()
    batch = next(
        iter(
            ng.batches(
                8, "0##-####", n=1, seed=2, augment="document", dataset=mnist_test, image_width=200
            )
        )
    )
    assert batch.images.dtype == np.float32 and batch.images.shape == (8, 28, 200)
    assert batch.images.min() >= 0.0 and batch.images.max() <= 1.0
    assert all(len(label) == 7 for label in batch.labels)
    for image, boxes in zip(batch.images, batch.boxes):  # each box holds its digit's dark ink
        for x0, y0, x1, y1 in boxes[boxes[:, 0] >= 0].tolist():
            assert image[y0:y1, x0:x1].min() < np.median(image) - 0.15
    kwargs: dict[str, Any] = {"seed": 8, "shard_size": 10, "workers": 1, "progress": False}
    for fmt in ("png", "npz"):
        ng.export_dataset(
            tmp_path / fmt,
            10,
            "0##-####",
            format=fmt,
            image_width=150,
            augment="document",
            dataset=mnist_test,
            **kwargs,
        )
    stored = np.load(next((tmp_path / "npz").rglob("*.npz")))
    pngs = sorted((tmp_path / "png").rglob("*.png"))
    assert len(pngs) == 10
    decoded = np.stack([cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) for path in pngs])
    assert np.array_equal(decoded, stored["images"])  # PNG and npz carry the same pixels
    assert (stored["boxes"][stored["boxes"][:, :, 0] >= 0][:, 2] <= 150).all()


def test_preview_document_sheet(mnist_test: DigitDataset) -> None:
    sheet = ng.contact_sheet(
        "document", digits="1500", samples=2, image_width=80, zoom=1, dataset=mnist_test
    )
    assert sheet.dtype == np.uint8 and sheet.shape[0] > 14 * 28


# --------------------------------------------------------------------------- every surface


def test_cli_draws_the_document_preset(tmp_path: Path, mnist_test: DigitDataset) -> None:
    from number_generator.cli import main

    target = tmp_path / "cheque.png"
    argv = ["sequence", "1500", "--image-width", "120", "--seed", "5", "--augment", "document"]
    assert main([*argv, "-o", str(target)]) == 0
    expected = SequenceGenerator(mnist_test).render("1500", (2, 8), 120, seed=5, augment="document")
    assert np.array_equal(cv2.imread(str(target), cv2.IMREAD_GRAYSCALE), expected.paper)


def test_service_draws_the_document_preset(mnist_test: DigitDataset) -> None:
    from fastapi.testclient import TestClient

    from number_generator.service import Settings, create_app

    app = create_app(Settings(), generator=SequenceGenerator(mnist_test))
    payload = {"digits": "1500", "image_width": 120, "seed": 5, "augment": "document"}
    with TestClient(app) as client:
        response = client.post("/generate", json=payload, headers={"Accept": "image/png"})
        refused = client.post("/generate", json={**payload, "augment": "documents"})
    assert response.status_code == 200
    picture = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_UNCHANGED)
    expected = SequenceGenerator(mnist_test).render("1500", (2, 8), 120, seed=5, augment="document")
    assert np.array_equal(picture, expected.paper)
    assert refused.status_code == 422 and "'document'" in refused.text


# --------------------------------------------------------------------------- one kind of form


def test_one_of_draws_exactly_one_printed_form(mnist_test: DigitDataset) -> None:
    field = _field(mnist_test)
    rule, comb = aug.BaselineRule(p=1.0), aug.CombBoxes(p=1.0)
    form = aug.OneOf([rule, comb], weights=(3, 1))
    params = form.sample(np.random.default_rng(0), field.ink.shape, 400, boxes=field.boxes)
    picks = [item["pick"] for item in params if item is not None]
    assert len(picks) == 400 and 0.65 < picks.count(0) / 400 < 0.85
    for item in params[:6]:  # the chosen transform's own parameters, applied alone
        assert item is not None
        chosen = (rule, comb)[item["pick"]]
        expected = chosen.apply(field.ink, item["params"])
        assert np.array_equal(form.apply(field.ink, item), expected)
    again = form.sample(np.random.default_rng(0), field.ink.shape, 400, boxes=field.boxes)
    assert [a["pick"] for a in again if a] == picks


def test_one_of_passes_a_chosen_warp_on(mnist_test: DigitDataset) -> None:
    warp = aug.ScanWarp(rotate=(2, 2), p=1.0)
    form = aug.OneOf([warp, aug.Blur(1.0, p=1.0)], weights=(1, 0))
    result = SequenceGenerator(mnist_test, seed=3).render(
        "0123456789", (2, 6), 280, augment=Pipeline([form])
    )
    plain = SequenceGenerator(mnist_test, seed=3).render("0123456789", (2, 6), 280)
    assert not np.array_equal(result.boxes, plain.boxes)


ONE_OF_BAD = [
    ({"transforms": aug.Blur()}, InvalidTypeError, r"expected a list of two or more transforms"),
    ({"transforms": [aug.Blur()]}, InvalidTypeError, r"two or more transforms"),
    ({"transforms": [aug.Blur(), "blur"]}, InvalidTypeError, r"two or more transforms"),
    ({"transforms": [aug.Blur(), aug.Rotate()]}, InvalidParameterError, r"'glyph' stage"),
    ({"transforms": [aug.Blur(), aug.JpegCompression()],
      "weights": (1,)}, InvalidTypeError, r"weights=\(1,\): expected 2 numbers"),
    ({"transforms": [aug.Blur(), aug.JpegCompression()], "weights": (1, -1)},
     InvalidParameterError, r"weights=-1 is outside"),
    ({"transforms": [aug.Blur(), aug.JpegCompression()], "weights": (0, 0)},
     InvalidParameterError, r"at least one weight must be positive"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    ONE_OF_BAD,
    ids=["not-a-list", "one", "not-a-transform", "glyph-stage", "weights-count", "negative",
         "all-zero"],
)  # fmt: skip
def test_one_of_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as caught:
        aug.OneOf(**kwargs)
    assert getattr(caught.value, "param", None) in kwargs
