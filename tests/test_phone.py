"""Phone numbers: formats, uniqueness, capacity, files and manifest."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from number_generator import (
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
    generate_phone_numbers,
)
from number_generator.templates.phone import PHONE_FORMATS, PhoneFormat, sample_unique_numbers

PATTERNS = {
    "mobile": r"0[789]0\d{8}",
    "landline": r"0[1-9][1-9]\d{7}",
    "toll_free": r"0120\d{6}",
    "ip": r"050\d{8}",
}


@pytest.mark.parametrize("name", sorted(PATTERNS), ids=str)
def test_formats_are_well_formed(name: str) -> None:
    spec = PHONE_FORMATS[name]
    numbers = sample_unique_numbers(2000, name, np.random.default_rng(0))
    assert all(re.fullmatch(PATTERNS[name], n) for n in numbers)
    assert len(set(numbers)) == 2000
    assert {len(n) for n in numbers} == {spec.length}
    assert re.fullmatch(PATTERNS[name], spec.number(0))
    assert re.fullmatch(PATTERNS[name], spec.number(spec.capacity - 1))


def test_capacities() -> None:
    assert PHONE_FORMATS["mobile"].capacity == 3 * 10**8
    assert PHONE_FORMATS["landline"].capacity == 9 * 9 * 10**7
    assert PHONE_FORMATS["toll_free"].capacity == 10**6
    assert PHONE_FORMATS["ip"].capacity == 10**8


def test_a_format_can_be_exhausted_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = PhoneFormat("tiny", ("01", "02"), 2, "01-23")
    monkeypatch.setitem(PHONE_FORMATS, "tiny", tiny)
    numbers = sample_unique_numbers(200, "tiny", np.random.default_rng(1))
    assert sorted(numbers) == sorted(tiny.number(k) for k in range(200))
    with pytest.raises(InvalidParameterError, match="has only 200 distinct numbers"):
        sample_unique_numbers(201, "tiny", np.random.default_rng(1))


def test_generate_phone_numbers_writes_files_and_manifest(tmp_path: Path) -> None:
    written = generate_phone_numbers(25, 200, tmp_path, seed=3)
    labels = [label for label, _ in written]
    assert len(set(labels)) == 25
    assert all(re.fullmatch(PATTERNS["mobile"], label) for label in labels)
    with (tmp_path / "labels.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file_name"], r["label"]) for r in rows] == [(p.name, lab) for lab, p in written]
    assert all(r["label"].startswith("0") for r in rows), "labels are strings, zero kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"{label}.png" for label in labels] + ["labels.csv"]
    )
    for _, path in written[:5]:
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        assert image.shape == (28, 200) and image.dtype == np.uint8
        assert image.max() == 255 and image.min() < 60


@pytest.mark.parametrize("format_name", ["landline", "toll_free", "ip"], ids=str)
def test_other_formats(tmp_path: Path, format_name: str) -> None:
    written = generate_phone_numbers(4, 180, tmp_path, (1, 3), format=format_name, seed=0)
    assert all(re.fullmatch(PATTERNS[format_name], label) for label, _ in written)


def test_same_seed_same_files(tmp_path: Path) -> None:
    first = generate_phone_numbers(5, 150, tmp_path / "a", seed=11)
    second = generate_phone_numbers(5, 150, tmp_path / "b", seed=11)
    assert [lab for lab, _ in first] == [lab for lab, _ in second]
    assert [p.read_bytes() for _, p in first] == [p.read_bytes() for _, p in second]


BAD = [
    ({"num_images": 0}, InvalidParameterError, "num_images=0: must be at least 1"),
    ({"num_images": -3}, InvalidParameterError, "num_images=-3"),
    ({"num_images": 2.5}, InvalidTypeError, "num_images=2.5"),
    ({"num_images": True}, InvalidTypeError, "num_images=True"),
    (
        {"num_images": 1_000_001, "format": "toll_free"},
        InvalidParameterError,
        "only 1,000,000 distinct numbers",
    ),
    ({"format": "cellular"}, InvalidParameterError, "format='cellular': expected one of"),
    ({"image_width": 0}, InvalidParameterError, "image_width=0"),
    ({"spacing_range": (9, 1)}, InvalidParameterError, "minimum must not exceed maximum"),
]


@pytest.mark.parametrize(("overrides", "error", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_input_writes_nothing(
    tmp_path: Path, overrides: dict[str, object], error: type, message: str
) -> None:
    arguments: dict[str, object] = {
        "num_images": 3,
        "image_width": 100,
        "output_path": tmp_path / "out",
    }
    arguments.update(overrides)
    with pytest.raises(error, match=message) as caught:
        generate_phone_numbers(**arguments)  # type: ignore[arg-type]
    assert isinstance(caught.value, NumberGeneratorError)
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


def test_output_path_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("")
    with pytest.raises(InvalidParameterError, match="exists and is not a folder"):
        generate_phone_numbers(2, 100, blocker)
