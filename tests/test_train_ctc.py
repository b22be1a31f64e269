"""The CTC training example (examples/train_ctc.py) runs end to end and learns.

A few dozen steps on tiny batches: the loss must go down, the evaluation
must report accuracies on held-out glyphs, and the results file, model and
misread picture must be written. The full 15-minute run is not part of CI.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from _helpers import require
from number_generator import DigitDataset

require("torch")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "train_ctc.py"


@pytest.fixture(scope="module")
def train_ctc() -> ModuleType:
    spec = importlib.util.spec_from_file_location("train_ctc", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_ctc"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_runs_end_to_end_and_the_loss_goes_down(
    train_ctc: ModuleType, tmp_path: Path, mnist_dir: Path
) -> None:
    config, out, figure = train_ctc.parse_args(
        [
            "--steps", "40",
            "--batch-size", "8",
            "--lr", "3e-3",
            "--eval-size", "12",
            "--data-dir", str(mnist_dir),
            "--augment", "medium",
            "--log-every", "10",
            "--out", str(tmp_path / "run"),
            "--figure", str(tmp_path / "misread.png"),
        ]
    )  # fmt: skip
    lines: list[str] = []
    results = train_ctc.run(config, out, figure, log=lines.append)

    assert results["steps"] == 40
    assert results["loss_last"] < 0.5 * results["loss_first"]
    assert (results["train_glyphs"], results["held_out_glyphs"]) == (5000, 5000)
    for template in train_ctc.TEMPLATES:
        metrics = results["metrics"][template]
        assert metrics["count"] == 12
        assert metrics["per_digit"] <= 1.0
        assert 0.0 <= metrics["whole_sequence"] <= 1.0
    written = json.loads((tmp_path / "run" / "results.json").read_text())
    assert written["config"]["augment"] == "medium"
    assert written["machine"]["cores"] >= 1
    assert (tmp_path / "run" / "model.pt").is_file()
    assert any(line.startswith("step    40") for line in lines)
    if results["misread_figure"]:
        assert figure.is_file()


def test_training_and_evaluation_glyphs_are_disjoint(
    train_ctc: ModuleType, mnist_dir: Path
) -> None:
    config = train_ctc.Config(data_dir=str(mnist_dir))
    train, held_out = train_ctc.glyph_halves(config)
    seen = {image.tobytes() for image in train.images}
    assert not any(image.tobytes() in seen for image in held_out.images)


def test_evaluation_set_is_fixed_and_unaugmented(train_ctc: ModuleType, mnist_dir: Path) -> None:
    config = train_ctc.Config(data_dir=str(mnist_dir), eval_size=6)
    _, held_out = train_ctc.glyph_halves(config)
    first = train_ctc.evaluation_sets(config, held_out)
    again = train_ctc.evaluation_sets(config, held_out)
    phones = first["phone"]
    assert all(len(label) == 11 and label[0] == "0" for label in phones.labels)
    assert all(4 <= len(label) <= 12 for label in first["random:4-12"].labels)
    for template in train_ctc.TEMPLATES:
        np.testing.assert_array_equal(first[template].images, again[template].images)
        # Unaugmented: every pixel is paper or a glyph pixel (no noise, no paper tone).
        assert first[template].images.max() == 1.0


def test_greedy_decode_and_edit_distance(train_ctc: ModuleType) -> None:
    import torch

    blank = train_ctc.BLANK
    path = [blank, 0, 0, blank, 0, 9, 9, blank, blank, 1]
    logits = torch.nn.functional.one_hot(torch.tensor([path]), blank + 1).float()
    assert train_ctc.greedy_decode(logits) == ["0091"]
    assert train_ctc.edit_distance("09012345678", "0901234567") == 1
    assert train_ctc.edit_distance("123", "321") == 2
    assert train_ctc.edit_distance("", "12") == 2


@pytest.mark.parametrize(
    ("flag", "expected"), [("none", None), ("off", None), ("heavy", "heavy")], ids=str
)
def test_augment_flag(train_ctc: ModuleType, flag: str, expected: str | None) -> None:
    config, _, _ = train_ctc.parse_args(["--augment", flag])
    assert config.augment == expected


def test_disjoint_halves_keep_class_balance(mnist_test: DigitDataset) -> None:
    train, held_out = mnist_test.partition(0.5, seed=0)
    assert abs(np.bincount(train.labels) - np.bincount(held_out.labels)).max() <= 1
