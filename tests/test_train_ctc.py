"""The CTC training example (examples/train_ctc.py) runs end to end and learns.

A few dozen steps on tiny batches: the loss must go down, the evaluation
must report accuracies on held-out writers and on a folder of image files,
the saved model must evaluate again without retraining, and every input a
user can get wrong must end in one line and exit code 2. The full
15-minute run is not part of CI.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest

from _helpers import require
from number_generator import DigitDataset
from number_generator.batches import batches

require("torch")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "train_ctc.py"


@pytest.fixture(scope="module")
def train_ctc() -> ModuleType:
    import torch

    torch.set_num_threads(1)
    spec = importlib.util.spec_from_file_location("train_ctc", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_ctc"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def renders(mnist_test: DigitDataset) -> tuple[np.ndarray, list[str]]:
    """Six unaugmented renders of 3-7 digits (1.0 = paper), as our own 'scans'."""
    batch = next(batches(6, "random:3-7", n=1, seed=5, augment=None, dataset=mnist_test))
    return batch.images, list(batch.labels)


def _colour(grey: np.ndarray) -> np.ndarray:
    """Blue ink on cream paper, BGR 8-bit."""
    paper, ink = np.array([205, 235, 250.0]), np.array([120, 40, 20.0])
    return (grey[..., None] * paper + (1 - grey[..., None]) * ink).astype(np.uint8)


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory, renders: tuple[np.ndarray, list[str]]) -> Path:
    """A folder of real image files with a labels.csv: grey, colour, odd sizes, 16-bit, alpha."""
    images, labels = renders
    folder = tmp_path_factory.mktemp("scans")
    grey = [(image * 255).round().astype(np.uint8) for image in images]
    files = {
        "grey.png": grey[0],
        "colour.png": _colour(images[1]),
        "odd-size.png": cv2.resize(grey[2], (2 * grey[2].shape[1] + 3, 61)),
        "sixteen-bit.png": (images[3] * 65535).round().astype(np.uint16),
        "alpha.png": np.dstack([np.zeros_like(grey[4])] * 3 + [255 - grey[4]]),
        "colour-small.jpg": cv2.resize(_colour(images[5]), None, fx=0.7, fy=0.7),
    }
    for name, pixels in files.items():
        assert cv2.imwrite(str(folder / name), pixels)
    rows = [f"{name},{label}" for name, label in zip(files, labels)]
    rows[1] = f"colour.png,{labels[1][:2]}-{labels[1][2:]}"  # a separator, dropped
    (folder / "labels.csv").write_text("file_name,label\n" + "\n".join(rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def untrained_model(train_ctc: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "untrained.pt"
    config = train_ctc.Config()
    train_ctc.save_model(train_ctc.CRNN(config.channels, config.hidden), config, path)
    return path


def test_trains_evaluates_saves_and_evaluates_again_without_training(
    train_ctc: ModuleType, tmp_path: Path, data_dir: Path, scans: Path
) -> None:
    model_path = tmp_path / "saved" / "model.pt"
    config, out, figure = train_ctc.parse_args(
        [
            "--steps", "40",
            "--batch-size", "8",
            "--lr", "3e-3",
            "--eval-size", "12",
            "--data-dir", str(data_dir),
            "--augment", "medium",
            "--threads", "1",
            "--log-every", "10",
            "--out", str(tmp_path / "run"),
            "--figure", str(tmp_path / "misread.png"),
            "--eval-folder", str(scans),
            "--save-model", str(model_path),
        ]
    )  # fmt: skip
    lines: list[str] = []
    results = train_ctc.run(config, out, figure, log=lines.append)

    assert results["steps"] == 40
    assert results["loss_last"] < 0.5 * results["loss_first"]
    assert results["train_glyphs"] + results["held_out_glyphs"] == 10000
    assert abs(results["train_glyphs"] - 5000) < 100  # whole writers, near half
    for name in train_ctc.EVAL_SETS:
        metrics = results["metrics"][name]
        assert metrics["count"] == 12
        assert metrics["per_digit"] <= 1.0
        assert 0.0 <= metrics["whole_sequence"] <= 1.0
    parts = results["metrics"]["document"]["parts"]
    assert list(parts) == list(train_ctc.DOCUMENT_SET)
    assert [part["count"] for part in parts.values()] == [3, 3, 3, 3]
    assert "parts" not in results["metrics"]["phone"]
    folder = results["eval_folder"]
    assert folder["count"] == 6
    assert folder["per_digit"] <= 1.0
    assert folder["read_too_short"] + folder["read_too_long"] <= 6
    if folder["misread_figure"]:
        assert cv2.imread(folder["misread_figure"]).shape[0] > 28
    written = json.loads((tmp_path / "run" / "results.json").read_text())
    assert written["config"]["augment"] == "medium"
    assert written["config"]["split_by"] == "writer"
    assert written["machine"]["cores"] >= 1
    assert model_path.is_file() and not (tmp_path / "run" / "model.pt").exists()
    assert any(line.startswith("step    40") for line in lines)
    assert any("images of the folder" in line for line in lines)

    # --eval-only: the saved file rebuilds the model and its held-out split: same figures.
    again_out = tmp_path / "again"
    code = train_ctc.main(
        ["--eval-only", str(model_path), "--eval-size", "12", "--data-dir", str(data_dir),
         "--threads", "1", "--out", str(again_out)]
    )  # fmt: skip
    assert code == 0
    again = json.loads((again_out / "results.json").read_text())
    assert "steps" not in again and again["trained_with"]["steps"] == 40
    assert again["metrics"] == written["metrics"]
    assert "eval_folder" not in again

    # With a folder: only the folder (no MNIST needed), read as during the run.
    only_out = tmp_path / "only"
    assert train_ctc.main(["--eval-only", str(model_path), "--eval-folder", str(scans),
                           "--threads", "1", "--out", str(only_out)]) == 0  # fmt: skip
    only = json.loads((only_out / "results.json").read_text())
    assert "metrics" not in only
    assert only["eval_folder"]["per_digit"] == folder["per_digit"]
    assert only["eval_folder"]["misread_examples"] == written["eval_folder"]["misread_examples"]
    assert (only_out / "misread-folder.png").is_file() == bool(folder["misread_figure"])


def test_held_out_writers_are_not_trained_on(train_ctc: ModuleType, data_dir: Path) -> None:
    config = train_ctc.Config(data_dir=str(data_dir))
    train, held_out = train_ctc.glyph_halves(config)
    assert not set(train.writers.tolist()) & set(held_out.writers.tolist())
    seen = {image.tobytes() for image in train.images}
    assert not any(image.tobytes() in seen for image in held_out.images)


def test_split_by_glyph_keeps_the_per_class_halves(train_ctc: ModuleType, data_dir: Path) -> None:
    config, _, _ = train_ctc.parse_args(["--split-by", "glyph", "--data-dir", str(data_dir)])
    train, held_out = train_ctc.glyph_halves(config)
    assert (len(train), len(held_out)) == (5000, 5000)
    assert abs(np.bincount(train.labels) - np.bincount(held_out.labels)).max() <= 1
    assert set(train.writers.tolist()) & set(held_out.writers.tolist())  # writers shared


def test_evaluation_sets_are_fixed_whatever_the_recipe(
    train_ctc: ModuleType, data_dir: Path
) -> None:
    config = train_ctc.Config(data_dir=str(data_dir), eval_size=8, writer="same")
    _, held_out = train_ctc.glyph_halves(config)
    first = train_ctc.evaluation_sets(config, held_out)
    recipe = train_ctc.Config(
        data_dir=str(data_dir), eval_size=8, augment="document", templates=(("##:##", 1),)
    )
    again = train_ctc.evaluation_sets(recipe, held_out)
    assert tuple(first) == train_ctc.EVAL_SETS == ("phone", "random:4-12", "document")
    assert list(first["document"]) == list(train_ctc.DOCUMENT_SET)
    phones = first["phone"]["phone"]
    assert all(len(label) == 11 and label[0] == "0" for label in phones.labels)
    assert all(4 <= len(label) <= 12 for label in first["random:4-12"]["random:4-12"].labels)
    for name in train_ctc.EVAL_SETS:
        # The same images whatever the training recipe (here: other writer, preset, templates).
        for one, other in zip(first[name].values(), again[name].values(), strict=True):
            np.testing.assert_array_equal(one.images, other.images)
    for name in train_ctc.CLEAN_SETS:
        # Unaugmented: every pixel is paper or a glyph pixel (no noise, no paper tone).
        assert first[name][name].images.max() == 1.0


def test_document_set_is_one_hand_per_string_on_printed_forms(
    train_ctc: ModuleType, data_dir: Path
) -> None:
    config = train_ctc.Config(data_dir=str(data_dir), eval_size=40)
    _, held_out = train_ctc.glyph_halves(config)
    parts = list(train_ctc.evaluation_sets(config, held_out)["document"].values())
    assert [len(part.labels) for part in parts] == [10, 10, 10, 10]
    lengths = {6, 4, 11, 8}  # #,###.## / #.###.- / 0##-####-#### / ########: digits read
    assert {len(label) for part in parts for label in part.labels} == lengths
    for part in parts:
        assert all(label.isdigit() for label in part.labels)  # separators are not read
        writers = part.writers[part.writers >= 0].reshape(len(part.labels), -1)
        assert (writers == writers[:, :1]).all()  # one writer per string
        assert not set(writers.ravel().tolist()) - set(held_out.writers.tolist())
        # Paper, not the renderer's flat white: almost no pixel is exactly 1.0.
        assert ((part.images < 1.0).mean(axis=(1, 2)) > 0.5).all()


def test_greedy_decode_and_edit_distance(train_ctc: ModuleType) -> None:
    import torch

    blank = train_ctc.BLANK
    path = [blank, 0, 0, blank, 0, 9, 9, blank, blank, 1]
    logits = torch.nn.functional.one_hot(torch.tensor([path]), blank + 1).float()
    assert train_ctc.greedy_decode(logits) == ["0091"]
    assert train_ctc.edit_distance("09012345678", "0901234567") == 1
    assert train_ctc.edit_distance("123", "321") == 2
    assert train_ctc.edit_distance("", "12") == 2


def test_score_counts_short_and_long_readings(train_ctc: ModuleType) -> None:
    m = train_ctc.score("x", ["123", "4567", "89"], ["123", "457", "889"])
    assert (m.count, m.too_short, m.too_long) == (3, 1, 1)
    assert m.per_digit == pytest.approx(1 - 2 / 9)
    assert m.whole_sequence == pytest.approx(1 / 3)
    assert m.misread == [(1, "4567", "457"), (2, "89", "889")]


@pytest.mark.parametrize(
    ("flag", "expected"), [("none", None), ("off", None), ("document", "document")], ids=str
)
def test_augment_flag(train_ctc: ModuleType, flag: str, expected: str | None) -> None:
    config, _, _ = train_ctc.parse_args(["--augment", flag])
    assert config.augment == expected


def test_recipe_options_reach_the_config(train_ctc: ModuleType) -> None:
    config, _, _ = train_ctc.parse_args(
        ["--templates", "phone@3", "#,###.##", "random:4-12@2", "(0#) ####-####",
         "--writer", "same", "--spacing-mode", "contour", "--digit-height", "12-28",
         "--width-scale", "0.75-1", "--min-spacing", "-1", "--max-spacing", "4"]
    )  # fmt: skip
    assert config.templates == (
        ("phone", 3), ("#,###.##", 1), ("random:4-12", 2), ("(0#) ####-####", 1)
    )  # fmt: skip
    assert (config.writer, config.spacing_mode, config.digit_height) == (
        "same",
        "contour",
        (12, 28),
    )
    assert (config.width_scale, config.spacing) == ((0.75, 1.0), (-1, 4))
    default, _, _ = train_ctc.parse_args([])
    # The defaults are the README's recommended recipe.
    assert default.templates == train_ctc.RECOMMENDED_TEMPLATES
    assert default.templates[:2] == (("phone", 2), ("random:4-12", 2))
    assert (default.augment, default.writer, default.spacing_mode) == (
        "document",
        "same",
        "contour",
    )
    assert (default.split_by, default.digit_height) == ("writer", (14, 26))
    assert (default.width_scale, default.spacing, default.steps) == ((0.75, 1.1), (0, 8), 3000)


def test_weighted_cycle_interleaves_by_weight(train_ctc: ModuleType) -> None:
    cycle = train_ctc.weighted_cycle([3, 1])
    assert [next(cycle) for _ in range(8)] == [0, 0, 1, 0, 0, 0, 1, 0]
    equal = train_ctc.weighted_cycle([1, 1])
    assert [next(equal) for _ in range(4)] == [0, 1, 0, 1]  # the old alternation


def _ink_rows(images: np.ndarray) -> np.ndarray:
    """Per image, how many of the rows hold ink (a pixel darker than 0.5)."""
    return (images < 0.5).any(axis=2).sum(axis=1)


def test_digit_height_shrinks_or_fills_the_field(
    train_ctc: ModuleType, renders: tuple[np.ndarray, list[str]]
) -> None:
    import torch

    images = torch.from_numpy(renders[0]).unsqueeze(1)  # [6, 1, 28, W]
    rng = np.random.default_rng(0)
    same = (1.0, 1.0)
    assert train_ctc.resize_batch(images, (20, 20), same, rng) is images  # default: untouched
    small = train_ctc.resize_batch(images, (10, 10), same, rng).numpy()[:, 0]
    assert small.shape == (6, 28, round(images.shape[-1] / 2))
    assert (_ink_rows(small) <= 12).all() and (_ink_rows(renders[0]) >= 17).all()
    tops = [np.flatnonzero((image < 0.5).any(axis=1))[0] for image in small]
    assert len(set(tops)) > 1  # each image its own vertical place
    full = train_ctc.resize_batch(images, (28, 28), same, rng).numpy()[:, 0]
    assert full.shape == (6, 28, round(images.shape[-1] * 1.4))
    assert (_ink_rows(full) >= 24).all()
    again = train_ctc.resize_batch(images, (10, 10), same, np.random.default_rng(0)).numpy()
    np.testing.assert_array_equal(
        again[:, 0], train_ctc.resize_batch(images, (10, 10), same, np.random.default_rng(0))[:, 0]
    )


def test_width_scale_narrows_the_strings_and_keeps_the_rows(
    train_ctc: ModuleType, renders: tuple[np.ndarray, list[str]]
) -> None:
    import torch

    images = torch.from_numpy(renders[0]).unsqueeze(1)  # [6, 1, 28, W]
    width = images.shape[-1]
    narrow = train_ctc.resize_batch(images, (20, 20), (0.75, 0.75), np.random.default_rng(0))
    assert narrow.shape == (6, 1, 28, round(0.75 * width))
    ink_rows = (narrow.numpy()[:, 0] < 0.5).any(axis=2)
    np.testing.assert_array_equal(ink_rows, (renders[0] < 0.5).any(axis=2))  # rows unmoved
    ink_columns = (narrow.numpy()[:, 0] < 0.5).any(axis=1).sum(axis=1)
    before = (renders[0] < 0.5).any(axis=1).sum(axis=1)
    assert (ink_columns < 0.85 * before).all()
    drawn = {
        train_ctc.resize_batch(images, (20, 20), (0.6, 1.0), rng).shape[-1]
        for rng in map(np.random.default_rng, range(8))
    }
    assert len(drawn) > 3 and min(drawn) >= round(0.6 * width) and max(drawn) <= width


def test_prepare_image_gives_what_the_model_reads(
    train_ctc: ModuleType, renders: tuple[np.ndarray, list[str]], scans: Path
) -> None:
    render = renders[0][0]
    grey = train_ctc.prepare_image((render * 255).round().astype(np.uint8))
    # Our own grey render comes back as it was drawn, with 8+ columns of paper each side.
    assert grey.shape[0] == 28 and grey.shape[1] % 4 == 0
    np.testing.assert_allclose(grey[:, 8 : 8 + render.shape[1]], render, atol=1e-6)
    assert (grey[:, :8] == 1.0).all() and (grey[:, 8 + render.shape[1] :] == 1.0).all()
    # Colour, light-on-dark, 16-bit and transparent versions read the same.
    eight_bit = (render * 255).round().astype(np.uint8)
    variants = [
        _colour(render),
        255 - eight_bit,
        (render * 65535).round().astype(np.uint16),
        np.dstack([np.zeros_like(eight_bit)] * 3 + [255 - eight_bit]),  # ink as opacity
    ]
    for variant in variants:
        np.testing.assert_allclose(train_ctc.prepare_image(variant), grey, atol=0.03)
    # An odd-sized enlargement is brought back to 28 rows, about the same width.
    names, images, labels = train_ctc.load_folder(scans)
    assert names[2] == "odd-size.png" and labels == [*renders[1][:6]]
    assert images[2].shape[0] == 28
    assert abs(images[2].shape[1] - grey.shape[1]) <= 16
    assert all(image.dtype == np.float32 and image.shape[0] == 28 for image in images)


def _one_line_error(
    train_ctc: ModuleType, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> str:
    assert train_ctc.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("train_ctc.py: error: "), err
    return err


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing-folder", "no such folder"),
        ("no-labels", "no labels.csv"),
        ("bad-header", "starts with 'name,digits'; expected 'file_name,label'"),
        ("bad-label", "label '12a4' is not a digit string"),
        ("extra-field", "line 2 has 3 fields; expected 2"),
        ("empty", "labels.csv lists no images"),
        ("missing-image", "'gone.png' (in labels.csv) not found"),
        ("unreadable", "'broken.png' is not a readable image"),
    ],
)
def test_bad_eval_folder_is_one_line_and_exit_2(
    train_ctc: ModuleType,
    tmp_path: Path,
    untrained_model: Path,
    capsys: pytest.CaptureFixture[str],
    setup: str,
    expected: str,
) -> None:
    folder = tmp_path / "scans"
    if setup != "missing-folder":
        folder.mkdir()
        assert cv2.imwrite(str(folder / "ok.png"), np.full((28, 60), 255, np.uint8))
    (folder / "broken.png").write_bytes(b"not a png") if setup == "unreadable" else None
    csv_text = {
        "bad-header": "name,digits\nok.png,12\n",
        "bad-label": "file_name,label\nok.png,12a4\n",
        "extra-field": "file_name,label\nok.png,12,3\n",
        "empty": "file_name,label\n\n",
        "missing-image": "file_name,label\nok.png,1\ngone.png,12\n",
        "unreadable": "file_name,label\nbroken.png,12\n",
    }.get(setup)
    if csv_text is not None:
        (folder / "labels.csv").write_text(csv_text)
    argv = ["--eval-only", str(untrained_model), "--eval-folder", str(folder),
            "--out", str(tmp_path / "out")]  # fmt: skip
    err = _one_line_error(train_ctc, capsys, argv)
    assert f"--eval-folder {str(folder)!r}" in err and expected in err


def test_bad_eval_folder_stops_a_training_run_before_training(
    train_ctc: ModuleType, tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--steps", "100000", "--data-dir", str(data_dir), "--threads", "1",
            "--eval-folder", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]  # fmt: skip
    assert "no such folder" in _one_line_error(train_ctc, capsys, argv)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--templates", "phone@0"], "--templates 'phone@0': expected TEMPLATE or TEMPLATE@WEIGHT"),
        (["--templates", "@3"], "--templates '@3'"),
        (["--templates", "phone@x"], "--templates 'phone@x'"),
        (["--digit-height", "30"], "--digit-height '30': expected H or LOW-HIGH pixels"),
        (["--digit-height", "20-12"], "--digit-height '20-12'"),
        (["--width-scale", "2"], "--width-scale '2': expected F or LOW-HIGH factors"),
        (["--width-scale", "1-0.8"], "--width-scale '1-0.8'"),
        (["--width-scale", "wide"], "--width-scale 'wide'"),
        (["--split-by", "page"], "argument --split-by: invalid choice: 'page'"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    train_ctc: ModuleType, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert expected in _one_line_error(train_ctc, capsys, argv)


def test_bad_model_file_is_one_line_and_exit_2(
    train_ctc: ModuleType, tmp_path: Path, scans: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.pt"
    junk.write_text("not a model")
    for path, expected in ((junk, "not a model file"), (tmp_path / "none.pt", "no such model")):
        argv = ["--eval-only", str(path), "--eval-folder", str(scans), "--out", str(tmp_path)]
        assert expected in _one_line_error(train_ctc, capsys, argv)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--writer", "twins"], "writer='twins'"),
        (["--spacing-mode", "tight"], "spacing_mode='tight'"),
        (["--min-spacing", "9", "--max-spacing", "3"], "spacing_range=(9, 3)"),
    ],
)
def test_bad_recipe_values_from_the_library_are_one_line_and_exit_2(
    train_ctc: ModuleType,
    tmp_path: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    expected: str,
) -> None:
    base = ["--steps", "1", "--batch-size", "2", "--data-dir", str(data_dir), "--threads", "1",
            "--out", str(tmp_path)]  # fmt: skip
    assert expected in _one_line_error(train_ctc, capsys, base + argv)


def test_ablation_script_names_an_unknown_run(tmp_path: Path) -> None:
    script = EXAMPLE.parent / "ablation.sh"
    done = subprocess.run(
        ["bash", str(script), str(tmp_path / "runs")],
        env={"RUNS": "medium-rare", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "ablation.sh: unknown run 'medium-rare'\n"
    assert not (tmp_path / "runs").exists()


#: The recorded ablation runs (examples/results/ablation/NAME.json) and the config fields
#: that make a recipe.
_RECIPE_FIELDS = ("steps", "augment", "templates", "writer", "spacing_mode", "digit_height",
                  "width_scale", "spacing", "split_by", "seed", "batch_size")  # fmt: skip
_RECORDED_RUNS = (
    "none", "medium", "document", "same-writer", "contour", "punctuation", "realism", "compact",
    "broad",
)  # fmt: skip


def test_ablation_script_runs_the_recipes_its_recorded_results_were_trained_with(
    train_ctc: ModuleType, tmp_path: Path
) -> None:
    # A stand-in `python` on the PATH records each run's arguments instead of training.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text('#!/bin/sh\nshift\nprintf "%s\\0" "$@" > "$ARGS_DIR/$RUN_INDEX"\n')
    fake.chmod(0o755)
    results = EXAMPLE.parent / "results" / "ablation"
    for index, name in enumerate(_RECORDED_RUNS):
        done = subprocess.run(
            ["bash", str(EXAMPLE.parent / "ablation.sh"), str(tmp_path / "runs")],
            env={"RUNS": name, "PATH": f"{bin_dir}:/usr/bin:/bin", "ARGS_DIR": str(tmp_path),
                 "RUN_INDEX": str(index)},
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        argv = (tmp_path / str(index)).read_text().split("\0")[:-1]
        config, out, _ = train_ctc.parse_args(argv)
        assert out == tmp_path / "runs" / name
        recorded = json.loads((results / f"{name}.json").read_text())["config"]
        got = json.loads(json.dumps(vars(config)))  # tuples as lists, as in the file
        assert {f: got[f] for f in _RECIPE_FIELDS} == {f: recorded[f] for f in _RECIPE_FIELDS}, name
