"""Augmented export: a shard's images are drawn a batch at once.

``export_dataset(..., augment=...)`` draws each shard's augmented images by
:func:`~number_generator.compose.augmented.augmented_images`, 256 strings at a time
from the shard's own stream, at a set ``image_width`` or the natural width. These
tests pin what a user relies on: the same seed gives the same files, whatever the
workers and however often the export was resumed; labels, boxes and writers describe
the pixels; the images have the distributions of the per-image path (at the natural
width, their widths too); a pipeline the batched path cannot run still gives
:meth:`SequenceGenerator.render`'s images; and an export begun by a version that drew
augmented images one by one is not finished with images drawn otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from number_generator import DigitDataset, InvalidParameterError, SequenceGenerator, export_dataset
from number_generator.augment import Lambda, Pipeline, preset
from number_generator.cli import main
from number_generator.compose import RenderOptions
from number_generator.compose.augmented import augmented_images, draw_augmented
from number_generator.export import PLAN_FILE
from number_generator.export.shards import shard_seed
from number_generator.templates import parse_template
from test_export import Crash, assert_boxes_enclose_ink, crash_after, read_export, tree

OPTIONS: dict[str, Any] = {"seed": 5, "shard_size": 40, "workers": 1, "progress": False}
#: The handwriting of ``"medium"`` without its image stage: the paper stays white.
GLYPH_STAGE = Pipeline(preset("medium").glyph_transforms, name="glyphs")


def _plan(folder: Path) -> dict[str, Any]:
    plan: dict[str, Any] = json.loads((folder / PLAN_FILE).read_text())
    return plan


def _metadata(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "metadata.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def _keep_ink(image: npt.NDArray[np.uint8], rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """A user's glyph-stage transform: the batched glyph stage cannot run it."""
    return image


# --------------------------------------------------------------------------- same seed, same files


def test_the_same_seed_gives_the_same_files_with_one_or_two_workers(tmp_path: Path) -> None:
    kw = {**OPTIONS, "augment": "medium", "image_width": 200, "shard_size": 30}
    runs = {}
    for workers in (1, 2):
        summary = export_dataset(
            tmp_path / f"w{workers}", 100, "phone", **{**kw, "workers": workers}
        )
        assert summary.workers == workers and summary.shards_written == 4
        runs[workers] = tree(tmp_path / f"w{workers}")
    assert runs[1] == runs[2]
    export_dataset(tmp_path / "again", 100, "phone", **kw)
    assert tree(tmp_path / "again") == runs[1]
    export_dataset(tmp_path / "other", 100, "phone", **{**kw, "seed": 6})
    assert tree(tmp_path / "other")["shard-00000/000000.png"] != runs[1]["shard-00000/000000.png"]
    plan = _plan(tmp_path / "w1")
    assert plan["augment"] == "medium" and plan["draw"] == "augmented-batch-1"


def test_natural_width_exports_are_drawn_in_batches_to_the_same_files(
    tmp_path: Path, mnist_test: DigitDataset
) -> None:
    kw = {**OPTIONS, "augment": "medium", "shard_size": 30, "dataset": mnist_test}
    runs = {}
    for workers in (1, 2):
        export_dataset(tmp_path / f"w{workers}", 100, "phone", **{**kw, "workers": workers})
        runs[workers] = tree(tmp_path / f"w{workers}")
    assert runs[1] == runs[2]
    export_dataset(tmp_path / "again", 100, "phone", **kw)
    assert tree(tmp_path / "again") == runs[1]
    plan = _plan(tmp_path / "w1")
    assert plan["image_width"] is None and plan["draw"] == "augmented-batch-1"
    # Shard 0 holds augmented_images of its strings, drawn from its stream.
    exported = read_export(tmp_path / "w1")
    rng = np.random.default_rng(shard_seed(5, 0))
    texts = parse_template("phone").sample(rng, 30)
    expected = augmented_images(mnist_test, texts, RenderOptions((2, 8)), preset("medium"), rng)
    for sample, image in zip(exported, expected):
        assert np.array_equal(sample["image"], image.paper)
        assert sample["boxes"] == image.boxes.tolist()
    widths = {s["image"].shape[1] for s in exported}
    assert len(widths) > 20, "each image as wide as its own strip"


def test_natural_width_images_are_as_wide_as_their_strips(tmp_path: Path) -> None:
    """Without the image stage the paper stays white: each image's width is its strip's,
    from the first digit's ink to the last one's, and every box is tight on its digit."""
    export_dataset(tmp_path, 80, "0##-####", augment=GLYPH_STAGE, **OPTIONS)
    samples = read_export(tmp_path)
    for sample in samples:
        boxes = np.array(sample["boxes"])
        assert sample["image"].shape[0] == 28 and len(sample["label"]) == 7
        assert boxes[:, 0].min() == 0 and boxes[:, 2].max() == sample["image"].shape[1]
        assert_boxes_enclose_ink(sample["image"], sample["boxes"], all_ink=False)
    assert len({s["image"].shape[1] for s in samples}) > 15


def test_a_shards_images_are_draw_augmented_from_its_stream(
    tmp_path: Path, mnist_test: DigitDataset
) -> None:
    """The seed contract: shard ``i`` draws its strings, then their images 256 at a time,
    from ``SeedSequence(seed).spawn(shards)[i]``; not :meth:`render`'s images."""
    export_dataset(
        tmp_path, 300, "0##-####", format="npz", image_width=150, augment="light",
        dataset=mnist_test, **{**OPTIONS, "shard_size": 300},
    )  # fmt: skip
    exported = read_export(tmp_path)
    rng = np.random.default_rng(shard_seed(5, 0))
    texts = parse_template("0##-####").sample(rng, 300)
    options = RenderOptions((2, 8), 150, augment="light")
    pipeline = preset("light")
    expected = []
    for first in (0, 256):  # one call per 256 strings, in turn
        chunk = texts[first : first + 256]
        expected += draw_augmented(mnist_test, chunk, options, pipeline, rng)[1]
    assert [s["label"] for s in exported] == [t.replace("-", "") for t in texts]
    for sample, image in zip(exported, expected):
        assert np.array_equal(sample["image"], image.paper)
        assert sample["boxes"] == image.boxes.tolist()
    generator = SequenceGenerator(mnist_test)
    one = generator.render(texts[0], (2, 8), 150, seed=np.random.default_rng(0), augment="light")
    assert not any(np.array_equal(s["image"], one.paper) for s in exported)


def test_resume_after_a_crash_gives_the_files_of_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kw = {**OPTIONS, "augment": "medium", "image_width": 200}
    export_dataset(tmp_path / "clean", 100, "phone", format="webdataset", **kw)
    crashed = tmp_path / "crashed"
    crash_after(monkeypatch, 50)  # shard 0 completes, shard 1 dies at its tenth image
    with pytest.raises(Crash):
        export_dataset(crashed, 100, "phone", format="webdataset", **kw)
    monkeypatch.undo()
    assert (crashed / "shard-00000.tar").is_file() and not (crashed / "shard-00001.tar").exists()
    summary = export_dataset(crashed, 100, "phone", format="webdataset", resume=True, **kw)
    assert (summary.shards_skipped, summary.shards_written) == (1, 2)
    assert tree(crashed) == tree(tmp_path / "clean")


# --------------------------------------------------------------------------- what the files hold


def test_labels_and_boxes_describe_the_pixels(tmp_path: Path) -> None:
    export_dataset(
        tmp_path / "glyphs", 80, "phone", format="npz", image_width=400, augment=GLYPH_STAGE,
        **OPTIONS,
    )  # fmt: skip
    samples = read_export(tmp_path / "glyphs")
    assert _plan(tmp_path / "glyphs")["draw"] == "augmented-batch-1"
    for sample in samples:
        assert len(sample["label"]) == 11 and sample["label"].isdigit()
        assert sample["image"].shape == (28, 400)
        # Unscaled on white paper: every box tight around its digit's ink, no ink outside the boxes.
        assert_boxes_enclose_ink(sample["image"], sample["boxes"])
    export_dataset(tmp_path / "medium", 80, "phone", image_width=220, augment="medium", **OPTIONS)
    for sample in read_export(tmp_path / "medium"):
        boxes = np.array(sample["boxes"])
        assert boxes.shape == (11, 4) and (boxes[:, :2] >= 0).all()
        assert (boxes[:, 2] <= 220).all() and (boxes[:, 3] <= 28).all()
        # Dark ink in every digit's box; paper well away from the digits.
        image = sample["image"]
        assert all(image[y0:y1, x0:x1].min() < 128 for x0, y0, x1, y1 in boxes)
        x0, x1 = boxes[:, 0].min(), boxes[:, 2].max()
        assert (image[:, : max(0, x0 - 6)] > 150).all() and (image[:, x1 + 6 :] > 150).all()


def test_kept_separators_and_one_writers_hand(tmp_path: Path, mnist_test: DigitDataset) -> None:
    export_dataset(
        tmp_path, 60, "0#-## #/#", keep_separators=True, writer="same", image_width=300,
        augment=GLYPH_STAGE, dataset=mnist_test, **OPTIONS,
    )  # fmt: skip
    records, samples = _metadata(tmp_path), read_export(tmp_path)
    hands = set()
    for record, sample in zip(records, samples):
        label, writers = record["label"], record["writers"]
        assert len(label) == 9 and label[2] == "-" and label[5] == " " and label[7] == "/"
        assert [b is None for b in sample["boxes"]] == [c == " " for c in label]
        assert_boxes_enclose_ink(sample["image"], sample["boxes"])
        assert len(writers) == len(label)
        assert writers[2] == writers[7] == -1 and writers[5] is None
        digits = {w for w, c in zip(writers, label) if c.isdigit()}
        assert len(digits) == 1
        # The writer wrote each of the string's digits (their glyphs are this writer's).
        wrote = set(mnist_test.labels[mnist_test.writers == next(iter(digits))].tolist())
        assert {int(c) for c in label if c.isdigit()} <= wrote
        hands |= digits
    assert len(hands) > 10


# --------------------------------------------------------------------------- the per-image path


@pytest.mark.parametrize("image_width", [200, None], ids=["width-200", "natural-width"])
def test_what_the_batched_path_cannot_draw_is_renders_images(
    tmp_path: Path, mnist_test: DigitDataset, image_width: int | None
) -> None:
    augment = Pipeline([Lambda(_keep_ink, stage="glyph"), *preset("light")])
    export_dataset(
        tmp_path, 50, "0##-####", format="webdataset", image_width=image_width, augment=augment,
        dataset=mnist_test, **{**OPTIONS, "shard_size": 25},
    )  # fmt: skip
    assert "draw" not in _plan(tmp_path)
    exported = read_export(tmp_path)
    generator = SequenceGenerator(mnist_test)
    expected = []
    for shard in range(2):
        rng = np.random.default_rng(shard_seed(5, shard))
        for text in parse_template("0##-####").sample(rng, 25):
            image = generator.render(text, (2, 8), image_width, seed=rng, augment=augment)
            expected.append((image.label, image.paper))
    assert [s["label"] for s in exported] == [label for label, _ in expected]
    assert all(np.array_equal(s["image"], paper) for s, (_, paper) in zip(exported, expected))


@pytest.mark.parametrize("width", [400, None], ids=["width-400", "natural-width"])
def test_the_images_have_the_per_image_distributions(
    tmp_path: Path, mnist_test: DigitDataset, width: int | None
) -> None:
    """1,000 exported images of ten digits against 1,000 drawn by ``render``: as much ink,
    spread alike, digits' boxes as wide and as tall (at the natural width, images as wide)."""
    count = 1000  # ten digits fit unscaled at 400
    export_dataset(
        tmp_path, count, "##########", format="npz" if width else "png", image_width=width,
        augment="medium",
        dataset=mnist_test, **{**OPTIONS, "shard_size": 500},
    )  # fmt: skip
    exported = read_export(tmp_path)
    batched = [255 - s["image"] for s in exported]
    generator, rng = SequenceGenerator(mnist_test), np.random.default_rng(1)
    texts = parse_template("##########").sample(rng, count)
    alone = [generator.render(t, (2, 8), width, seed=rng, augment="medium") for t in texts]
    one_by_one = [image.ink for image in alone]
    sums = [np.array([i.sum(dtype=np.int64) for i in s]) for s in (batched, one_by_one)]
    assert sums[0].mean() == pytest.approx(sums[1].mean(), rel=0.04)
    ink = [np.array([np.count_nonzero(i >= 112) for i in s]) for s in (batched, one_by_one)]
    assert ink[0].mean() == pytest.approx(ink[1].mean(), rel=0.04)
    assert ink[0].std() == pytest.approx(ink[1].std(), rel=0.15)
    widths = [np.array([i.shape[1] for i in s]) for s in (batched, one_by_one)]
    assert widths[0].mean() == pytest.approx(widths[1].mean(), rel=0.03)
    assert widths[0].std() == pytest.approx(widths[1].std(), rel=0.15)
    for side in (2, 3):  # widths, then heights
        sizes = [
            np.array([b[side] - b[side - 2] for s in exported for b in s["boxes"]]),
            np.concatenate([i.boxes[:, side] - i.boxes[:, side - 2] for i in alone]),
        ]
        assert sizes[0].mean() == pytest.approx(sizes[1].mean(), rel=0.03)
        assert sizes[0].std() == pytest.approx(sizes[1].std(), rel=0.15)


# --------------------------------------------------------------------------- resuming old exports


def _as_if_begun_one_by_one(folder: Path, *, complete: bool) -> None:
    """The plan an earlier version wrote: no ``draw``; its augmented images drawn one by one."""
    plan = _plan(folder)
    del plan["draw"]
    (folder / PLAN_FILE).write_text(json.dumps({**plan, "complete": complete}))


@pytest.mark.parametrize(("width", "other"), [(200, None), (None, 200)], ids=["200", "natural"])
def test_an_export_begun_one_by_one_is_not_finished_in_batches(
    tmp_path: Path, width: int | None, other: int | None
) -> None:
    kw = {**OPTIONS, "augment": "light", "image_width": width}
    export_dataset(tmp_path, 50, "phone", **kw)
    _as_if_begun_one_by_one(tmp_path, complete=False)
    (tmp_path / "shard-00001").rename(tmp_path / ".tmp-gone")  # the second shard never written
    before = tree(tmp_path)
    message = (
        r"resume: the export in '.*' drew its augmented images one by one \(draw=None\); "
        r"with these options this version draws them a batch at once "
        r"\(draw='augmented-batch-1'\), which gives other images for the same seed.*"
        r"Finish it with the version and options that began it"
    )
    with pytest.raises(InvalidParameterError, match=message) as info:
        export_dataset(tmp_path, 50, "phone", resume=True, **kw)
    assert info.value.param == "resume"
    assert tree(tmp_path) == before, "nothing written, nothing deleted"
    # Another option is named as such, not taken for another version's drawing.
    changed = rf"changed: image_width={other} \(was {width}\)"
    with pytest.raises(InvalidParameterError, match=changed):
        export_dataset(tmp_path, 50, "phone", resume=True, **{**kw, "image_width": other})


def test_the_cli_says_so_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dataset", "--out", str(tmp_path), "--count", "50", "--template", "phone"]
    argv += ["--augment", "light", "--image-width", "200", "--seed", "5", "--shard-size", "40"]
    argv += ["--workers", "1"]
    assert main(argv) == 0
    assert _plan(tmp_path)["draw"] == "augmented-batch-1"
    _as_if_begun_one_by_one(tmp_path, complete=False)
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("number-generator dataset: error: ") and err.count("\n") == 1
    assert "drew its augmented images one by one (draw=None)" in err


def test_a_finished_export_begun_one_by_one_resumes_to_nothing(tmp_path: Path) -> None:
    kw = {**OPTIONS, "augment": "light", "image_width": 200}
    export_dataset(tmp_path, 50, "phone", **kw)
    _as_if_begun_one_by_one(tmp_path, complete=True)
    before = tree(tmp_path)
    summary = export_dataset(tmp_path, 50, "phone", resume=True, **kw)
    assert (summary.shards_written, summary.shards_skipped) == (0, 2)
    assert tree(tmp_path) == before
