"""Contour spacing: gaps measured row by row between inks, through every surface."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from _helpers import require, run_cli
from number_generator import (
    DigitDataset,
    InvalidParameterError,
    SequenceGenerator,
    batches,
    export_dataset,
    generate_numbers_sequence,
)
from number_generator.batches import BatchStream
from number_generator.compose import RenderOptions
from number_generator.compose.spacing import cap_overlap

Mask = npt.NDArray[np.bool_]


def glyph_masks(image: Any, dataset: DigitDataset) -> list[tuple[int, Mask]]:
    """Each digit's own ink as it lies in the output: (first column, mask of its columns).

    Checked against the output: the digits' masks together are exactly the ink drawn.
    """
    placed = []
    union = np.zeros(image.ink.shape, np.uint8)
    for index, (x0, y0, x1, y1) in zip(image.indices.tolist(), image.boxes.tolist()):
        left, right = dataset.ink_extents[index, :2].tolist()
        glyph = dataset.images[index, :, left:right]
        assert x1 - x0 == right - left, "the box hugs the digit's own ink columns"
        rows = np.flatnonzero(glyph.max(axis=1))
        assert (y0, y1) == (rows[0], rows[-1] + 1), "the box hugs the digit's own ink rows"
        region = union[:, x0:x1]
        np.maximum(region, glyph, out=region)
        placed.append((x0, glyph > 0))
    np.testing.assert_array_equal(union, image.ink)
    return placed


def row_gap(left: tuple[int, Mask], right: tuple[int, Mask]) -> int | None:
    """Fewest paper columns between two inks over the rows both have ink (None: no such row)."""
    (xa, a), (xb, b) = left, right
    shared = a.any(axis=1) & b.any(axis=1)
    if not shared.any():
        return None
    last = xa + a.shape[1] - 1 - np.argmax(a[:, ::-1], axis=1)
    first = xb + np.argmax(b, axis=1)
    return int((first - last - 1)[shared].min())


def strip_gap(placed: list[tuple[int, Mask]], j: int) -> int | None:
    """Fewest paper columns, row by row, between digit ``j``'s ink and all the ink before it."""
    gaps = [row_gap(placed[i], placed[j]) for i in range(j)]
    known = [gap for gap in gaps if gap is not None]
    return min(known) if known else None


@pytest.mark.parametrize("gap", [0, 1, 3, 6, -1, -3])
def test_row_wise_gap_in_the_output_is_the_drawn_gap(mnist_test: DigitDataset, gap: int) -> None:
    generator = SequenceGenerator(mnist_test)
    to_neighbour = exact = pairs = 0
    for seed in range(60):
        digits = "".join(map(str, np.random.default_rng(seed).integers(0, 10, 8)))
        image = generator.render(digits, (gap, gap), 400, seed=seed, spacing_mode="contour")
        placed = glyph_masks(image, mnist_test)
        widths = image.boxes[:, 2] - image.boxes[:, 0]
        drawn = cap_overlap(np.full(7, gap), widths) if gap < 0 else np.full(7, gap)
        for j in range(1, 8):
            pairs += 1
            neighbour = row_gap(placed[j - 1], placed[j])
            if neighbour is None:  # no shared ink row: the bounding columns are spaced
                assert image.boxes[j, 0] - image.boxes[j - 1, 2] == drawn[j - 1]
                continue
            assert neighbour >= drawn[j - 1]
            assert strip_gap(placed, j) == drawn[j - 1], (seed, j)
            to_neighbour += neighbour == drawn[j - 1]
            exact += 1
    assert exact >= 0.95 * pairs, "nearly every pair of digits shares an ink row"
    assert to_neighbour >= 0.95 * exact, "the tightest row is against the neighbour"


def test_zero_gap_makes_strokes_touch(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test)
    for seed in range(40):
        image = generator.render("7474147", (0, 0), 300, seed=seed, spacing_mode="contour")
        placed = glyph_masks(image, mnist_test)
        for j in range(1, len(placed)):
            gap = strip_gap(placed, j)
            assert gap in (0, None), (seed, j, gap)  # adjacent ink in at least one row


def test_contour_tucks_digits_closer_than_ink(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test)
    widths = {}
    for mode in ("ink", "contour"):
        images = [
            generator.render("7474", (2, 2), None, seed=s, spacing_mode=mode) for s in range(30)
        ]
        widths[mode] = np.array([image.ink.shape[1] for image in images])
    assert (widths["contour"] <= widths["ink"]).all()
    assert (widths["contour"] < widths["ink"]).mean() > 0.8


def test_negative_contour_gap_hides_no_digit(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test)
    for seed in range(20):
        image = generator.render("11111", (-14, -14), 300, seed=seed, spacing_mode="contour")
        starts = image.boxes[:, 0]
        assert (np.diff(starts) > 0).all(), "each digit starts right of the one before"
        for x0, y0, x1, y1 in image.boxes.tolist():
            assert image.ink[y0:y1, x0:x1].any()


def test_contour_with_separators_and_augmentation(mnist_test: DigitDataset) -> None:
    generator = SequenceGenerator(mnist_test)
    for augment in (None, "light"):
        image = generator.render(
            "090-1234 5678", (0, 2), 400, seed=5, augment=augment, spacing_mode="contour"
        )
        assert image.glyph_boxes.shape == (12, 4) and image.label == "09012345678"
        again = generator.render(
            "090-1234 5678", (0, 2), 400, seed=5, augment=augment, spacing_mode="contour"
        )
        assert again.ink.tobytes() == image.ink.tobytes()
    scaled = generator.render("7474", (0, 0), None, seed=1, image_height=56, spacing_mode="contour")
    assert scaled.ink.shape[0] == 56


def test_module_function_and_options(mnist_test: DigitDataset) -> None:
    image = generate_numbers_sequence(
        "7474", (0, 0), 120, seed=3, dataset=mnist_test, spacing_mode="contour"
    )
    expected = SequenceGenerator(mnist_test).render(
        "7474", (0, 0), 120, seed=3, spacing_mode="contour"
    )
    np.testing.assert_array_equal(image, expected.image)
    assert RenderOptions(spacing_mode="contour").spacing_mode == "contour"
    assert RenderOptions().spacing_mode == "ink"


def test_batches_draw_contour_one_image_at_a_time(mnist_test: DigitDataset) -> None:
    stream = BatchStream(
        6, "####", seed=4, spacing_range=(0, 0), image_width=120, spacing_mode="contour",
        dataset=mnist_test,
    )  # fmt: skip
    batch = stream.next_batch()
    # The same stream of draws through the per-image composer.
    rng = np.random.default_rng(4)
    texts = stream.template.sample(rng, 6)
    generator = SequenceGenerator(mnist_test)
    for i, text in enumerate(texts):
        image = generator.draw(text, stream.options, None, rng)
        np.testing.assert_array_equal(batch.images[i], image.image)
        np.testing.assert_array_equal(batch.boxes[i], image.boxes)
    assert batch.labels == texts
    ink = next(
        batches(6, "####", seed=4, spacing_range=(0, 0), image_width=120, dataset=mnist_test)
    )
    assert ink.images.tobytes() != batch.images.tobytes()


def test_torch_dataset_takes_spacing_mode() -> None:
    require("torch")
    from number_generator.torch import DigitSequenceDataset

    data = DigitSequenceDataset("####", length=3, seed=1, image_width=120, spacing_mode="contour")
    assert data.options.spacing_mode == "contour"
    assert len(list(data)) == 3
    with pytest.raises(InvalidParameterError, match="spacing_mode='tight'"):
        DigitSequenceDataset("####", spacing_mode="tight")


def test_export_records_and_draws_contour(mnist_test: DigitDataset, tmp_path: Path) -> None:
    import json

    common: dict[str, Any] = {
        "format": "npz", "seed": 2, "workers": 1, "progress": False, "dataset": mnist_test,
        "spacing_range": (0, 0), "image_width": 120,
    }  # fmt: skip
    export_dataset(tmp_path / "contour", 8, "####", spacing_mode="contour", **common)
    export_dataset(tmp_path / "ink", 8, "####", **common)
    plan = json.loads((tmp_path / "contour" / "dataset.json").read_text())
    assert plan["spacing_mode"] == "contour"
    contour = np.load(next((tmp_path / "contour").rglob("*.npz")))
    ink = np.load(next((tmp_path / "ink").rglob("*.npz")))
    assert list(contour["labels"]) == list(ink["labels"])
    assert contour["images"].tobytes() != ink["images"].tobytes()


@pytest.mark.parametrize("value", ["tight", "", None, 1])
def test_bad_spacing_mode_is_a_clear_error(generator: SequenceGenerator, value: Any) -> None:
    message = rf"spacing_mode={value!r}: expected one of 'ink', 'contour'"
    with pytest.raises(InvalidParameterError, match=message) as caught:
        generator.render("12", spacing_mode=value)
    assert caught.value.param == "spacing_mode"
    with pytest.raises(InvalidParameterError, match=message):
        next(batches(2, "##", spacing_mode=value))
    with pytest.raises(InvalidParameterError, match=message):
        generate_numbers_sequence("12", spacing_mode=value)


# --------------------------------------------------------------------------- CLI and service


def test_cli_spacing_mode(
    mnist_test: DigitDataset, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import cv2

    target = tmp_path / "x.png"
    argv = ["sequence", "7474", "-w", "120", "--seed", "3", "--min-spacing", "0",
            "--max-spacing", "0", "--output-path", str(target)]  # fmt: skip
    code, _, err = run_cli([*argv, "--spacing-mode", "contour"], capsys)
    assert (code, err) == (0, "")
    expected = SequenceGenerator(mnist_test).render(
        "7474", (0, 0), 120, seed=3, spacing_mode="contour"
    )
    np.testing.assert_array_equal(cv2.imread(str(target), cv2.IMREAD_UNCHANGED), expected.paper)
    out = tmp_path / "set"
    code, _, err = run_cli(
        ["dataset", "--out", str(out), "--count", "3", "--template", "####", "--workers", "1",
         "--spacing-mode", "contour"],
        capsys,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert '"spacing_mode": "contour"' in (out / "dataset.json").read_text()


@pytest.mark.parametrize("command", [["sequence", "12"], ["phone", "--num-images", "1"]])
def test_cli_bad_spacing_mode_exits_2_with_one_line(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli([*command, "--spacing-mode", "tight"], capsys)
    assert (code, out) == (2, "")
    assert "argument --spacing-mode: invalid choice: 'tight'" in err
    assert "'ink', 'contour'" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_service_spacing_mode(mnist_test: DigitDataset) -> None:
    from fastapi.testclient import TestClient

    from number_generator.service import Settings, create_app

    app = create_app(Settings(), generator=SequenceGenerator(mnist_test))
    expected = SequenceGenerator(mnist_test).render(
        "7474", (0, 0), 120, seed=3, spacing_mode="contour"
    )
    with TestClient(app) as client:
        sent = {"digits": "7474", "spacing_min": 0, "spacing_max": 0, "image_width": 120, "seed": 3}
        body = client.post("/generate", json={**sent, "spacing_mode": "contour"}).json()
        assert body["spacing_mode"] == "contour"
        np.testing.assert_array_equal(
            np.asarray(body["generatedImage"], np.float32), expected.image
        )
        png = client.get("/generate.png", params={**sent, "spacing_mode": "contour"})
        assert png.status_code == 200
        decoded = np.frombuffer(png.content, np.uint8)
        import cv2

        np.testing.assert_array_equal(cv2.imdecode(decoded, cv2.IMREAD_UNCHANGED), expected.paper)
        assert client.post("/generate", json=sent).json()["spacing_mode"] == "ink"
        for answer in (
            client.post("/generate", json={**sent, "spacing_mode": "tight"}),
            client.get("/generate.png", params={**sent, "spacing_mode": "tight"}),
        ):
            assert answer.status_code == 422
            (item,) = answer.json()["detail"]
            assert item["loc"][1] == "spacing_mode"
            assert item["msg"] == "spacing_mode='tight': expected one of 'ink', 'contour'"


def test_row_profiles_agree_with_the_cached_dataset_profiles(mnist_test: DigitDataset) -> None:
    from number_generator.compose.glyphs import native_glyphs
    from number_generator.compose.spacing import dataset_profiles, row_profiles

    indices = np.random.default_rng(0).integers(0, len(mnist_test.labels), 200)
    glyphs = native_glyphs(mnist_test, indices)
    np.testing.assert_array_equal(
        row_profiles(glyphs.images), dataset_profiles(mnist_test)[:, indices]
    )
