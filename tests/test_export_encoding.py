"""Exported PNG files and metadata lines: the batch encoder writes OpenCV's bytes exactly,
falls back to OpenCV where this zlib differs, and each line is what ``json.dumps`` writes."""

from __future__ import annotations

import json
import zlib
from typing import Any

import cv2
import numpy as np
import pytest

from number_generator._util.files import encode_png
from number_generator.export.formats import png as png_format
from number_generator.export.formats import pngbytes
from number_generator.export.shards import Sample

SHAPES = [
    (h, w) for h in (1, 2, 5, 28, 29, 64, 200) for w in (1, 2, 3, 31, 64, 129, 280, 281, 600, 1000)
]


def _images(shape: tuple[int, int], rng: np.random.Generator) -> list[np.ndarray]:
    """White paper, sparse ink, and noise (which deflates to several ``IDAT`` chunks)."""
    paper = np.full(shape, 255, np.uint8)
    ink = paper.copy()
    mask = rng.random(shape) < 0.2
    ink[mask] = rng.integers(0, 256, int(mask.sum()), dtype=np.uint8)
    noise = rng.integers(0, 256, shape, dtype=np.uint8)
    return [paper, ink, noise]


@pytest.mark.parametrize("shape", SHAPES)
def test_batch_encoding_gives_opencvs_bytes(shape: tuple[int, int]) -> None:
    images = _images(shape, np.random.default_rng(shape[0] * 1000 + shape[1]))
    encoded = pngbytes.encode_pngs(images)
    assert pngbytes._SAME_AS_OPENCV is True
    assert encoded == [cv2.imencode(".png", image)[1].tobytes() for image in images]
    for image, data in zip(images, encoded):
        decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(decoded, image)


def test_mixed_shapes_keep_their_order() -> None:
    rng = np.random.default_rng(0)
    images = [img for shape in ((28, 280), (28, 150), (28, 280)) for img in _images(shape, rng)]
    assert pngbytes.encode_pngs(images) == [encode_png(image) for image in images]
    assert pngbytes.encode_pngs([]) == []


def test_a_zlib_that_deflates_otherwise_falls_back_to_opencv(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = zlib.compressobj

    def other_zlib(level: int, method: int, wbits: int, memlevel: int, strategy: int) -> Any:
        return real(9, method, wbits, memlevel, zlib.Z_DEFAULT_STRATEGY)

    monkeypatch.setattr(pngbytes, "_SAME_AS_OPENCV", None)
    monkeypatch.setattr(pngbytes.zlib, "compressobj", other_zlib)
    images = _images((28, 280), np.random.default_rng(1))
    assert pngbytes._encode(np.stack(images)) != [encode_png(image) for image in images]
    assert pngbytes.encode_pngs(images) == [encode_png(image) for image in images]
    assert pngbytes._SAME_AS_OPENCV is False


def _sample(label: str, boxes: list[Any], writers: list[Any] | None) -> Sample:
    return Sample("000007", np.zeros((1, 1), np.uint8), label, boxes, writers)


@pytest.mark.parametrize(
    "sample",
    [
        _sample("09012345678", [[0, 1, 10, 27], [12, 0, 30, 28]], None),
        _sample("+81 (3) 1234-5678", [[0, 1, 10, 27], None, [-1, -1, -1, -1]], [5, None, -1]),
        _sample('a "quoted" \\ label é\n', [], []),
        _sample("", [None], [None]),
    ],
)
def test_metadata_lines_are_what_json_dumps_writes(sample: Sample) -> None:
    record: dict[str, Any] = {
        "file_name": "shard-00003/000007.png",
        "label": sample.label,
        "boxes": sample.boxes,
    }
    if sample.writers is not None:
        record["writers"] = sample.writers
    expected = json.dumps(record, separators=(",", ":")) + "\n"
    assert png_format._record("shard-00003/000007.png", sample) == expected


@pytest.mark.parametrize(
    ("shape", "count", "batches"),
    [((28, 280), 600, [256, 256, 88]), ((1024, 2048), 5, [2, 2, 1]), ((28, 100), 0, [0])],
)
def test_samples_are_encoded_in_bounded_batches(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, int], count: int, batches: list[int]
) -> None:
    sizes: list[int] = []
    real = pngbytes.encode_pngs

    def spying(images: list[np.ndarray]) -> list[bytes]:
        sizes.append(len(images))
        return real(images)

    monkeypatch.setattr(pngbytes, "encode_pngs", spying)
    rng = np.random.default_rng(2)
    papers = [np.full(shape, 255 - k % 7, np.uint8) for k in range(count)]
    papers[: min(count, 3)] = [_images(shape, rng)[1] for _ in range(min(count, 3))]
    samples = [_sample(str(k), [], None)._replace(paper=paper) for k, paper in enumerate(papers)]
    pairs = list(pngbytes.with_png_bytes(samples))
    assert sizes == batches  # at most 256 images, or 4 Mpx, at a time
    assert [sample for sample, _ in pairs] == samples
    assert [data for _, data in pairs] == [encode_png(paper) for paper in papers]
