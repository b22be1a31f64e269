"""The exports, read by the libraries users load them with (really installed, not mocked).

* ``png``: Hugging Face ``datasets``' ``imagefolder`` builder over the output folder;
* ``webdataset``: the ``webdataset`` library's shard reader inside a torch ``DataLoader``
  with worker processes;
* ``npz``: ``numpy.load`` without pickles.

Every label is a phone number starting with 0: a consumer that turned labels into
numbers would lose the leading zero, and the tests would see it.
"""

from __future__ import annotations

import csv
import json
import tarfile
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from _helpers import require
from number_generator import export_dataset

COUNT, WIDTH = 10, 120


def export(out: Path, format: str) -> Path:
    export_dataset(out, COUNT, "phone", format=format, workers=1, seed=0, shard_size=4,
                   image_width=WIDTH, progress=False)  # fmt: skip
    return out


@pytest.fixture(scope="module")
def png_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export(tmp_path_factory.mktemp("png") / "out", "png")


def on_disk_records(folder: Path) -> list[dict[str, Any]]:
    """``metadata.jsonl`` as written, in order."""
    lines = (folder / "metadata.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_hugging_face_imagefolder_loads_the_png_export(
    png_export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    datasets = require("datasets")
    loaded = datasets.load_dataset(
        "imagefolder", data_dir=str(png_export), split="train", cache_dir=str(tmp_path / "hf")
    )
    assert loaded.num_rows == COUNT
    assert set(loaded.column_names) == {"image", "label", "boxes"}
    # Labels stay strings: the leading zero survives (a CSV reader would make them ints).
    assert loaded.features["label"].dtype == "string"
    records = {record["label"]: record for record in on_disk_records(png_export)}
    with (png_export / "labels.csv").open() as handle:
        assert sorted(row["label"] for row in csv.DictReader(handle)) == sorted(loaded["label"])
    for row in loaded:
        label = row["label"]
        assert label.startswith("0") and len(label) == 11
        record = records[label]
        assert row["boxes"] == record["boxes"]  # a list of [x0, y0, x1, y1] per digit
        assert len(row["boxes"]) == 11
        image = np.asarray(row["image"])
        assert image.shape == (28, WIDTH) and row["image"].mode == "L"
        on_disk = cv2.imread(str(png_export / record["file_name"]), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(image, on_disk)
        x0, y0, x1, y1 = row["boxes"][0]
        assert (image[y0:y1, x0:x1] < 128).any(), "the first box holds ink"


# webdataset's tar reader leaves its shard files to the garbage collector (webdataset#311).
@pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_webdataset_shards_feed_a_torch_dataloader(tmp_path: Path) -> None:
    wds = require("webdataset")
    torch = require("torch")
    out = export(tmp_path / "out", "webdataset")
    manifest = json.loads((out / "dataset.json").read_text())
    (pattern,) = manifest["files"]
    assert pattern == "shard-{00000..00002}.tar"
    shards = (
        wds.WebDataset(str(out / pattern), shardshuffle=False, nodesplitter=None,
                       workersplitter=wds.split_by_worker)
        .decode("torchl8")
        .to_tuple("__key__", "png", "json")
    )  # fmt: skip
    loader = torch.utils.data.DataLoader(shards, batch_size=4, num_workers=2)
    written = {}
    for shard in sorted(out.glob("shard-*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar.getmembers():
                data = tar.extractfile(member).read()  # type: ignore[union-attr]
                written[member.name] = data
    keys: list[str] = []
    for batch_keys, images, metas in loader:
        assert images.dtype == torch.uint8 and tuple(images.shape[1:]) == (28, WIDTH)
        for key, image, label in zip(batch_keys, images, metas["label"]):
            assert label == json.loads(written[f"{key}.json"])["label"]
            assert isinstance(label, str) and label.startswith("0") and len(label) == 11
            png = cv2.imdecode(np.frombuffer(written[f"{key}.png"], np.uint8), -1)
            np.testing.assert_array_equal(image.numpy(), png)
            keys.append(key)
    # Each image exactly once across the two worker processes.
    assert sorted(keys) == [f"{index:06d}" for index in range(COUNT)]


def test_numpy_reads_the_npz_export(tmp_path: Path) -> None:
    out = export(tmp_path / "out", "npz")
    with np.load(out / "dataset.npz", allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
        lengths, boxes = archive["lengths"], archive["boxes"]
    assert images.shape == (COUNT, 28, WIDTH) and images.dtype == np.uint8
    assert labels.dtype.kind == "U" and all(label.startswith("0") for label in labels)
    assert lengths.tolist() == [len(label) for label in labels] == [11] * COUNT
    assert boxes.shape == (COUNT, 11, 4) and (boxes >= 0).all()
    x0, y0, x1, y1 = boxes[0, 0]
    assert (images[0, y0:y1, x0:x1] < 128).any()
