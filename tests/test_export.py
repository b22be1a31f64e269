"""Dataset export: every format round-trips, boxes enclose ink, shards resume, errors are clear."""

from __future__ import annotations

import csv
import json
import multiprocessing
import pickle
import re
import tarfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from number_generator import (
    DatasetNotFoundError,
    DigitDataset,
    ExportSummary,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
    export_dataset,
)
from number_generator.cli import main
from number_generator.errors import ShardError
from number_generator.export import PLAN_FILE
from number_generator.export import shards as _shards

OPTIONS: dict[str, Any] = {"seed": 11, "shard_size": 40, "workers": 1, "progress": False}


def decode(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.dtype == np.uint8 and image.ndim == 2
    return image


def read_export(folder: Path) -> list[dict[str, Any]]:
    """Every sample of an export, whatever its format: key, pixels (uint8), label, boxes."""
    plan = json.loads((folder / PLAN_FILE).read_text())
    assert plan["complete"] is True
    samples: list[dict[str, Any]] = []
    if plan["format"] == "png":
        with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        records = [
            json.loads(line) for line in (folder / "metadata.jsonl").read_text().splitlines()
        ]
        assert [r["file_name"] for r in rows] == [r["file_name"] for r in records]
        for row, record in zip(rows, records):
            assert row["label"] == record["label"]
            samples.append(
                {
                    "key": Path(record["file_name"]).stem,
                    "image": decode((folder / record["file_name"]).read_bytes()),
                    "label": record["label"],
                    "boxes": record["boxes"],
                }
            )
    elif plan["format"] == "webdataset":
        for shard in sorted(folder.glob("shard-*.tar")):
            with tarfile.open(shard) as tar:
                members = tar.getmembers()
                for png, meta in zip(members[0::2], members[1::2]):
                    key = png.name.removesuffix(".png")
                    assert meta.name == f"{key}.json"
                    extracted = tar.extractfile(png)
                    described = tar.extractfile(meta)
                    assert extracted is not None and described is not None
                    info = json.loads(described.read())
                    samples.append(
                        {
                            "key": key,
                            "image": decode(extracted.read()),
                            "label": info["label"],
                            "boxes": info["boxes"],
                        }
                    )
    else:
        with np.load(folder / "dataset.npz") as data:
            assert set(data.files) == {"images", "labels", "lengths", "boxes"}
            images, labels, lengths, boxes = (
                data["images"],
                data["labels"],
                data["lengths"],
                data["boxes"],
            )
        assert images.dtype == np.uint8 and boxes.dtype == np.int32
        for k in range(len(labels)):
            label = str(labels[k])
            assert lengths[k] == len(label)
            assert (boxes[k, len(label) :] == -1).all()
            row_boxes = [None if b[0] < 0 else b.tolist() for b in boxes[k, : len(label)]]
            samples.append(
                {"key": f"{k:06d}", "image": images[k], "label": label, "boxes": row_boxes}
            )
    return samples


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path (what 'byte-identical output' means)."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def assert_boxes_enclose_ink(image: np.ndarray, boxes: list[Any], *, all_ink: bool = True) -> None:
    """Each box is tight around ink on all four sides; with ``all_ink``, no ink lies outside
    every box (without it, dropped separators' strokes may)."""
    ink = image < 255
    uncovered = ink.copy()
    for box in boxes:
        if box is None:
            continue
        x0, y0, x1, y1 = box
        inside = ink[y0:y1, x0:x1]
        assert inside[:, 0].any() and inside[:, -1].any(), (box, "left/right edge")
        assert inside[0].any() and inside[-1].any(), (box, "top/bottom edge")
        uncovered[y0:y1, x0:x1] = False
    assert not (all_ink and uncovered.any()), "ink outside every box"


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("format", ["png", "webdataset", "npz"])
@pytest.mark.parametrize("template", ["phone", "0##-####-####"])
def test_round_trip(tmp_path: Path, format: str, template: str) -> None:
    summary = export_dataset(
        tmp_path / format, 100, template, format=format, image_width=300, **OPTIONS
    )
    assert isinstance(summary, ExportSummary)
    assert (summary.images_written, summary.shards_written, summary.shards) == (100, 3, 3)
    assert "wrote 100 images in 3 shards" in str(summary)
    samples = read_export(tmp_path / format)
    assert [s["key"] for s in samples] == [f"{k:06d}" for k in range(100)]
    for sample in samples:
        assert re.fullmatch(r"0\d{10}", sample["label"])
        assert sample["image"].shape == (28, 300)
        assert len(sample["boxes"]) == 11
        assert_boxes_enclose_ink(sample["image"], sample["boxes"], all_ink=template == "phone")
    assert len({s["image"].tobytes() for s in samples}) == 100


def test_formats_hold_the_same_images(tmp_path: Path) -> None:
    """A seed fixes the images: png, webdataset and npz exports of it agree pixel for pixel."""
    for format in ("png", "webdataset", "npz"):
        export_dataset(tmp_path / format, 60, "phone", format=format, image_width=280, **OPTIONS)
    png, wds, npz = (read_export(tmp_path / f) for f in ("png", "webdataset", "npz"))
    for a, b, c in zip(png, wds, npz):
        assert a["label"] == b["label"] == c["label"]
        assert a["boxes"] == b["boxes"] == c["boxes"]
        assert a["image"].tobytes() == b["image"].tobytes() == c["image"].tobytes()
    names = sorted(p.name for p in (tmp_path / "png" / "shard-00000").iterdir())
    assert names[:2] == ["000000.png", "000001.png"] and "_records.jsonl" in names


def test_png_layout_for_hugging_face_imagefolder(tmp_path: Path) -> None:
    export_dataset(tmp_path, 5, "12-34", **OPTIONS)
    first = json.loads((tmp_path / "metadata.jsonl").read_text().splitlines()[0])
    assert list(first) == ["file_name", "label", "boxes"]
    assert first["file_name"] == "shard-00000/000000.png" and first["label"] == "1234"
    assert (tmp_path / first["file_name"]).is_file()
    assert (tmp_path / "labels.csv").read_text().splitlines()[:2] == [
        "file_name,label",
        "shard-00000/000000.png,1234",
    ]
    plan = json.loads((tmp_path / PLAN_FILE).read_text())
    assert plan["files"] == ["metadata.jsonl", "labels.csv"] and plan["seed"] == 11


def test_keep_separators(tmp_path: Path) -> None:
    export_dataset(
        tmp_path, 30, "0#-## #/#", keep_separators=True, image_width=200, format="npz", **OPTIONS
    )
    for sample in read_export(tmp_path):
        label = sample["label"]
        assert re.fullmatch(r"0\d-\d\d \d/\d", label)
        assert len(sample["boxes"]) == len(label)
        assert [b is None for b in sample["boxes"]] == [c == " " for c in label]
        assert_boxes_enclose_ink(sample["image"], sample["boxes"])


def test_unique_labels(tmp_path: Path) -> None:
    export_dataset(tmp_path / "all", 100, "9#-#", unique=True, format="webdataset", **OPTIONS)
    labels = sorted(s["label"] for s in read_export(tmp_path / "all"))
    assert labels == [f"9{d:02d}" for d in range(100)]
    export_dataset(tmp_path / "some", 200, "random:1-3", unique=True, **OPTIONS)
    labels = [s["label"] for s in read_export(tmp_path / "some")]
    assert len(set(labels)) == 200


def test_file_template_and_object_dataset(tmp_path: Path, mnist_test: DigitDataset) -> None:
    strings = tmp_path / "strings.txt"
    strings.write_text("0120-444-555\n03 1234 5512\n", encoding="utf-8")
    ones_and_zeros = mnist_test.subset(mnist_test.labels <= 5)
    export_dataset(
        tmp_path / "out", 20, f"file:{strings}", dataset=ones_and_zeros, image_height=40, **OPTIONS
    )
    samples = read_export(tmp_path / "out")
    assert {s["label"] for s in samples} <= {"0120444555", "0312345512"}
    assert all(s["image"].shape[0] == 40 for s in samples)
    plan = json.loads((tmp_path / "out" / PLAN_FILE).read_text())
    assert plan["dataset"]["glyphs"] == len(ones_and_zeros)


def test_shard_tasks_travel_light() -> None:
    """A task is a few numbers; the template, options and data go once per worker (the job)."""
    task = _shards.ShardTask("job", 7, "shard-00007", 7000, 8000, np.random.SeedSequence(1))
    assert len(pickle.dumps(task)) < 1000


def test_shard_seeds_are_seedsequence_spawn_children() -> None:
    children = np.random.SeedSequence(11).spawn(5)
    for i, child in enumerate(children):
        made = np.random.SeedSequence(11, spawn_key=(i,))  # how export_dataset makes them
        assert (made.generate_state(4) == child.generate_state(4)).all()


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("format", ["png", "webdataset"])
def test_identical_output_with_one_or_two_workers(
    tmp_path: Path, format: str, mnist_test: DigitDataset
) -> None:
    # png: the data by name (workers load it, memory-mapped); webdataset: a dataset object.
    dataset = None if format == "png" else mnist_test
    runs = {}
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        options = {**OPTIONS, "workers": workers, "shard_size": 25}
        summary = export_dataset(folder, 130, "0##-####", format=format, dataset=dataset, **options)
        assert summary.workers == workers and summary.shards_written == 6
        runs[workers] = tree(folder)
    assert runs[1] == runs[2]


def _load_in_child(ref: _shards.DatasetRef) -> tuple[bool, int]:
    import mmap

    dataset = ref.load()
    base = dataset.images
    while base is not None and not isinstance(base, mmap.mmap):
        base = getattr(base, "base", None)
    return isinstance(base, mmap.mmap), len(dataset)


def test_spawned_workers_memory_map_the_decoded_cache(mnist_test: DigitDataset) -> None:
    ref = _shards.DatasetRef("mnist", "test", None, mnist_test)
    assert ref.obj is None, "a name is sent, not 10,000 glyphs"
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        mapped, size = pool.apply(_load_in_child, (ref,))
    assert (mapped, size) == (True, 10000)


def test_a_worker_with_other_data_refuses(mnist_test: DigitDataset) -> None:
    ref = _shards.DatasetRef("mnist", "test", None, mnist_test)
    ref.fingerprint = "0" * 16
    with pytest.raises(ShardError, match="differs from the data the export was planned"):
        ref.load()


# --------------------------------------------------------------------------- resuming


class Crash(Exception):
    """Stands for a kill in the middle of a shard."""


def crash_after(monkeypatch: pytest.MonkeyPatch, images: int) -> None:
    """Make the export die while writing image number ``images + 1``."""
    sample = _shards.Sample
    calls = [0]

    def failing(*fields: Any) -> Any:
        calls[0] += 1
        if calls[0] > images:
            raise Crash
        return sample(*fields)

    monkeypatch.setattr(_shards, "Sample", failing)


@pytest.mark.parametrize("format", ["png", "webdataset", "npz"])
def test_resume_after_a_crash_mid_shard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, format: str
) -> None:
    options = {**OPTIONS, "format": format, "image_width": 200}
    export_dataset(tmp_path / "clean", 100, "phone", **options)

    crashed = tmp_path / "crashed"
    crash_after(monkeypatch, 50)  # shard 0 (40 images) completes, shard 1 dies at image 10
    with pytest.raises(Crash):
        export_dataset(crashed, 100, "phone", **options)
    monkeypatch.undo()
    names = {p.name for p in crashed.iterdir()}
    complete = {"png": "shard-00000", "webdataset": "shard-00000.tar", "npz": "shard-00000.npz"}
    assert complete[format] in names
    assert not names & {"shard-00001", "shard-00001.tar", "shard-00001.npz"}, "no half shard"
    assert not json.loads((crashed / PLAN_FILE).read_text())["complete"]

    with pytest.raises(InvalidParameterError, match=r"not empty.*resume"):
        export_dataset(crashed, 100, "phone", **options)
    # A temporary left by a killed process, as a crash outside Python would leave it.
    (crashed / ".tmp-shard-00002-999-deadbeef").mkdir()
    summary = export_dataset(crashed, 100, "phone", resume=True, **options)
    assert (summary.shards_skipped, summary.shards_written, summary.images_written) == (1, 2, 60)
    assert "kept 1 complete shard from an earlier run" in str(summary)
    assert tree(crashed) == tree(tmp_path / "clean")


def test_resume_redoes_a_damaged_shard(tmp_path: Path) -> None:
    export_dataset(tmp_path / "clean", 90, "phone", format="webdataset", **OPTIONS)
    damaged = tmp_path / "damaged"
    export_dataset(damaged, 90, "phone", format="webdataset", **OPTIONS)
    shard = damaged / "shard-00001.tar"
    shard.write_bytes(shard.read_bytes()[:5000])  # cut, as a full disk would leave it
    pngs = tmp_path / "pngs"
    export_dataset(pngs, 90, "phone", **OPTIONS)
    (pngs / "shard-00002" / "000081.png").unlink()
    for folder in (damaged, pngs):  # as if the run had died before its final step
        plan = json.loads((folder / PLAN_FILE).read_text())
        (folder / PLAN_FILE).write_text(json.dumps({**plan, "complete": False}))
    summary = export_dataset(damaged, 90, "phone", format="webdataset", resume=True, **OPTIONS)
    assert (summary.shards_skipped, summary.shards_written) == (2, 1)
    assert tree(damaged) == tree(tmp_path / "clean")
    summary = export_dataset(pngs, 90, "phone", resume=True, **OPTIONS)
    assert (summary.shards_skipped, summary.shards_written) == (2, 1)
    assert (pngs / "shard-00002" / "000081.png").is_file()


def test_resume_of_a_finished_export_writes_nothing(tmp_path: Path) -> None:
    export_dataset(tmp_path, 50, "phone", format="npz", image_width=200, **OPTIONS)
    before = tree(tmp_path)
    summary = export_dataset(
        tmp_path,
        50,
        "phone",
        format="npz",
        image_width=200,
        resume=True,
        **{**OPTIONS, "seed": None},
    )  # the recorded seed is reused
    assert (summary.shards_written, summary.shards_skipped) == (0, 2)
    assert tree(tmp_path) == before
    assert sorted(before) == ["dataset.json", "dataset.npz"], "npz shards merged away"


def test_resume_with_other_options_is_refused(tmp_path: Path) -> None:
    export_dataset(tmp_path, 50, "phone", **OPTIONS)
    with pytest.raises(InvalidParameterError, match=r"changed: count=60 \(was 50\)"):
        export_dataset(tmp_path, 60, "phone", resume=True, **OPTIONS)
    with pytest.raises(InvalidParameterError, match=r"template_fingerprint='0##'"):
        export_dataset(tmp_path, 50, "0##", resume=True, **OPTIONS)


def test_resume_needs_an_export(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InvalidParameterError, match=r"holds no dataset\.json"):
        export_dataset(tmp_path, 5, resume=True, **OPTIONS)
    summary = export_dataset(tmp_path / "new", 5, resume=True, **OPTIONS)
    assert summary.images_written == 5, "resuming into a new folder just starts"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"count": 0}, InvalidParameterError, r"count=0: must be in the range 1\.\.10"),
        ({"count": 2.5}, InvalidTypeError, r"count=2\.5: expected an integer"),
        ({"shard_size": 0}, InvalidParameterError, r"shard_size=0: must be in the range 1\.\."),
        ({"shard_size": 10**7}, InvalidParameterError, r"shard_size=10000000: must be in"),
        ({"workers": 0}, InvalidParameterError, r"workers=0: must be in the range 1\.\.256"),
        ({"format": "tiff"}, InvalidParameterError, r"format='tiff': expected one of 'png'"),
        ({"template": "0x#"}, InvalidParameterError, r"template='0x#': 'x' is not allowed"),
        (
            {"template": "##", "unique": True, "count": 101},
            InvalidParameterError,
            r"count=101: the template '##' has only 100 distinct labels",
        ),
        ({"format": "npz"}, InvalidParameterError, r"image_width=None: the npz format"),
        (
            {"format": "npz", "image_width": 16000, "count": 10**4},
            InvalidParameterError,
            r"count=10000: 10,000 images of 28x16000 px is more than the 2 GiB",
        ),
        ({"executor": "ray"}, InvalidParameterError, r"executor='ray': expected one of"),
        ({"executor": "dask"}, InvalidParameterError, r"scheduler=None: executor='dask' needs"),
        (
            {"scheduler": "tcp://127.0.0.1:8786"},
            InvalidParameterError,
            r"scheduler='tcp://127.0.0.1:8786': only used with executor='dask'",
        ),
        ({"unique": "yes"}, InvalidTypeError, r"unique='yes': expected True or False"),
        ({"seed": -1}, InvalidParameterError, r"seed=-1: must be in the range 0\.\."),
        ({"spacing_range": (5, 2)}, InvalidParameterError, r"spacing_range=\(5, 2\)"),
        ({"fit": "crop"}, InvalidParameterError, r"fit='crop': expected one of 'pad', 'stretch'"),
        ({"augment": "wobbly"}, InvalidParameterError, r"augment='wobbly'"),
        ({"out": 3}, InvalidTypeError, r"out=3: expected a folder path"),
        ({"dataset": "/no/such/digits.npz"}, DatasetNotFoundError, r"no such \.npz file"),
    ],
    ids=[
        "count-zero",
        "count-float",
        "shard-zero",
        "shard-huge",
        "workers-zero",
        "format",
        "template",
        "unique-over-capacity",
        "npz-without-width",
        "npz-too-big",
        "executor",
        "dask-without-scheduler",
        "scheduler-without-dask",
        "flag-not-bool",
        "negative-seed",
        "spacing",
        "fit",
        "augment",
        "out-not-a-path",
        "missing-dataset",
    ],
)
def test_bad_options(tmp_path: Path, kwargs: dict[str, Any], error: type, message: str) -> None:
    arguments = {"out": tmp_path / "out", "count": 10, **kwargs}
    with pytest.raises(error, match=message) as info:
        export_dataset(**arguments)
    assert isinstance(info.value, NumberGeneratorError)
    assert not (tmp_path / "out").exists(), "nothing is created before the options are checked"


def test_an_augmentation_workers_cannot_receive(tmp_path: Path) -> None:
    def noise(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return image

    with pytest.raises(InvalidParameterError, match=r"augment=<function .*cannot be sent"):
        export_dataset(tmp_path, 20, augment=noise, **{**OPTIONS, "workers": 2, "shard_size": 5})


def test_bad_output_folders(tmp_path: Path) -> None:
    file = tmp_path / "file.txt"
    file.write_text("x")
    with pytest.raises(
        InvalidParameterError, match=r"out='.*file.txt': exists and is not a folder"
    ):
        export_dataset(file, 5, **OPTIONS)
    with pytest.raises(InvalidParameterError, match=r"out='.*sub': cannot create the folder"):
        export_dataset(file / "sub", 5, **OPTIONS)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "photo.png").write_bytes(b"")
    with pytest.raises(InvalidParameterError, match=r"out='.*busy': the folder is not empty"):
        export_dataset(tmp_path / "busy", 5, **OPTIONS)


def test_progress_bar_only_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export_dataset(tmp_path / "quiet", 20, **{**OPTIONS, "progress": None})
    assert capsys.readouterr().err == "", "stderr is not a terminal here: no bar"
    export_dataset(tmp_path / "bar", 20, **{**OPTIONS, "progress": True})
    err = capsys.readouterr().err
    assert "dataset (png)" in err and "20/20" in err and "img/s" in err


# --------------------------------------------------------------------------- the CLI


def run_cli(argv: list[str]) -> int:
    """``number-generator ARGV``'s exit code (argparse errors exit through SystemExit)."""
    try:
        return main(argv)
    except SystemExit as exit:
        return int(exit.code or 0)


def test_cli_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    argv = ["dataset", "--out", str(out), "--count", "30", "--template", "0##-####"]
    argv += ["--format", "webdataset", "--shard-size", "10", "--workers", "1", "--seed", "3"]
    assert main([*argv, "--image-width", "160"]) == 0
    printed = capsys.readouterr()
    assert re.fullmatch(
        r"wrote 30 images in 3 shards \(webdataset\) to .*cli in [\d.]+ s "
        r"\([\d,]+ images/s, 1 worker process\)\n",
        printed.out,
    )
    assert printed.err == ""
    library = tmp_path / "library"
    export_dataset(
        library,
        30,
        "0##-####",
        format="webdataset",
        shard_size=10,
        seed=3,
        image_width=160,
        workers=1,
    )
    assert tree(out) == tree(library)
    assert main([*argv, "--image-width", "160", "--resume"]) == 0
    assert "wrote 0 images in 0 shards" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--count", "0"], "argument --count: 0 is not in the range 1..1000000000000"),
        (["--count", "5", "--shard-size", "0"], "argument --shard-size: 0 is not in the range"),
        (["--count", "5", "--template", "0x"], "--template='0x': 'x' is not allowed in a pattern"),
        (
            ["--count", "101", "--template", "##", "--unique"],
            "--count=101: the template '##' has only 100 distinct labels",
        ),
        (["--count", "5", "--format", "npz"], "--image-width=None: the npz format"),
        (
            ["--count", "5", "--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler is only used with --executor dask",
        ),
        (["--count", "5", "--executor", "dask"], "--scheduler=None: --executor='dask' needs"),
        (["--count", "5", "--min-spacing", "9"], "--min-spacing 9 is greater than --max-spacing 8"),
    ],
    ids=["count", "shard-size", "template", "unique", "npz", "scheduler", "dask", "spacing"],
)
def test_cli_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert run_cli(["dataset", "--out", str(tmp_path / "x"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_out_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "f"
    file.write_text("")
    assert main(["dataset", "--out", str(file), "--count", "5"]) == 2
    assert capsys.readouterr().err == (
        f"number-generator dataset: error: --out='{file}': exists and is not a folder\n"
    )


# --------------------------------------------------------------------------- the staging folder


def _flags(path: Path) -> int | None:
    """ext2/3/4 attribute flags of ``path``, ``None`` where the file system has none."""
    import fcntl
    import os
    import sys

    fd = os.open(path, os.O_RDONLY)
    try:
        flags = bytearray(8)
        fcntl.ioctl(fd, 0x80086601, flags, True)  # FS_IOC_GETFLAGS
        return int.from_bytes(flags[:4], sys.byteorder)
    except OSError:
        return None
    finally:
        os.close(fd)


def test_shards_are_staged_in_a_marked_folder_and_the_users_folder_is_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = _flags(out)
    staged: list[tuple[str, int | None]] = []
    replace = _shards.os.replace

    def spying(source: Any, target: Any) -> None:
        staged.append((Path(source).parent.name, _flags(Path(source).parent)))
        replace(source, target)

    monkeypatch.setattr(_shards.os, "replace", spying)
    export_dataset(out, 50, "phone", image_width=280, **OPTIONS)
    monkeypatch.undo()
    shard_moves = [flags for parent, flags in staged if parent == _shards.STAGING]
    assert len(shard_moves) == 2  # both shards renamed out of the staging folder
    if before is not None:  # a file system with attribute flags (ext4 here): only ours marked
        assert all(flags is not None and flags & 0x00020000 for flags in shard_moves)
        assert _flags(out) == before
    assert sorted(p.name for p in out.iterdir()) == [
        "dataset.json", "labels.csv", "metadata.jsonl", "shard-00000", "shard-00001",
    ]  # fmt: skip


def test_a_file_system_without_flags_still_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    def refused(*args: Any) -> None:
        raise OSError(25, "Inappropriate ioctl for device")

    monkeypatch.setattr(fcntl, "ioctl", refused)
    export_dataset(tmp_path / "plain", 50, "phone", image_width=280, **OPTIONS)
    monkeypatch.undo()
    export_dataset(tmp_path / "marked", 50, "phone", image_width=280, **OPTIONS)
    assert tree(tmp_path / "plain") == tree(tmp_path / "marked")
