"""Contact sheets (``contact_sheet``, ``number-generator preview``) and ``--augment`` on the CLI."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from number_generator import (
    DigitDataset,
    InvalidParameterError,
    InvalidTypeError,
    SequenceGenerator,
    contact_sheet,
)
from number_generator import augment as aug
from number_generator.augment import TRANSFORM_NAMES
from number_generator.cli import main

CELL_GAP, LABEL_WIDTH = 4, 150


def sheet_shape(rows: int, samples: int, width: int, zoom: int) -> tuple[int, int]:
    height = CELL_GAP + rows * (28 * zoom + CELL_GAP)
    return height, CELL_GAP + LABEL_WIDTH + CELL_GAP + samples * (width * zoom + CELL_GAP)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_contact_sheet_layout(mnist_test: DigitDataset) -> None:
    sheet = contact_sheet(
        "presets", digits="42", samples=2, image_width=64, zoom=1, dataset=mnist_test
    )
    assert sheet.dtype == np.uint8 and sheet.shape == sheet_shape(4, 2, 64, 1)
    top = CELL_GAP
    label = sheet[top : top + 28, CELL_GAP : CELL_GAP + LABEL_WIDTH]
    assert (label < 128).any(), "each row is labelled"
    first_cell = sheet[top : top + 28, 2 * CELL_GAP + LABEL_WIDTH :][:, :64]
    plain = SequenceGenerator(mnist_test).render("42", (2, 8), 64, seed=0).paper
    assert np.array_equal(first_cell, plain), "row 'none', column 0 is the plain image, seed 0"


def test_contact_sheet_rows_of_any_augment_value(mnist_test: DigitDataset) -> None:
    rows = ["light", aug.Rotate(20, p=1.0), lambda image, generator: image]
    sheet = contact_sheet(rows, digits="7", samples=1, image_width=40, zoom=2, dataset=mnist_test)
    assert sheet.shape == sheet_shape(3, 1, 40, 2)


@pytest.mark.parametrize(
    ("rows", "options", "error", "message"),
    [
        ("everything", {}, InvalidParameterError, r"rows='everything': expected one of 'presets'"),
        ([], {}, InvalidTypeError, r"rows=\[\]: expected a row-set name or a non-empty list"),
        ("presets", {"samples": 0}, InvalidParameterError, r"samples=0: must be in the range"),
        ("presets", {"zoom": 9}, InvalidParameterError, r"zoom=9: must be in the range 1..8"),
        (["light", "nope"], {}, InvalidParameterError, r"augment='nope': unknown preset"),
    ],
    ids=["row-set", "empty", "samples", "zoom", "unknown"],
)
def test_contact_sheet_bad_arguments(
    rows: object, options: dict[str, int], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        contact_sheet(rows, digits="1", image_width=30, **options)


def test_preview_command_writes_a_labelled_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "sheet.png"
    argv = [
        "preview",
        "--rows",
        "transforms",
        "--samples",
        "2",
        "--image-width",
        "100",
        "--zoom",
        "1",
        "--digits",
        "905",
        "-o",
        str(target),
    ]
    code, out, err = run(argv, capsys)
    assert (code, err) == (0, "") and out.strip() == str(target)
    picture = cv2.imread(str(target), cv2.IMREAD_GRAYSCALE)
    assert picture.shape == sheet_shape(1 + len(TRANSFORM_NAMES), 2, 100, 1)


def test_preview_into_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        ["preview", "--rows", "light,elastic", "--samples", "1", "-o", str(tmp_path / "out")],
        capsys,
    )
    target = tmp_path / "out" / "augment_preview.png"
    assert code == 0 and out.strip() == str(target)
    assert cv2.imread(str(target), cv2.IMREAD_GRAYSCALE).shape == sheet_shape(2, 1, 280, 2)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["preview", "--rows", "light,bogus"], "--rows='light,bogus': 'bogus' is neither"),
        (["preview", "--rows", "ultra"], "--rows='ultra': 'ultra' is neither a row set"),
        (["preview", "--rows", ","], "--rows=',': ',' is neither a row set"),
        (["preview", "--samples", "0"], "0 is not in the range 1..16"),
        (["preview", "--digits", "4x"], "--digits='4x': 'x' is neither a digit nor a separator"),
    ],
    ids=["rows", "row-name", "no-rows", "samples", "digits"],
)
def test_preview_bad_input_exits_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == 2 and out == "" and message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_preview_unknown_row_names_the_rows_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["preview", "--rows", "ultra"], capsys)
    names = ", ".join(["none", "light", "medium", "heavy", "document", *TRANSFORM_NAMES])
    assert (code, out) == (2, "")
    assert err == (
        "number-generator preview: error: --rows='ultra': 'ultra' is neither a row set "
        f"(presets, document, transforms, all) nor a preset or transform name ({names}); give a "
        "row set or a comma-separated list of names\n"
    )


def test_augment_flag_on_the_sequence_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pictures = {}
    for flag in ("0", "heavy", "1"):
        target = tmp_path / f"{flag}.png"
        code, _, err = run(
            [
                "sequence",
                "4242",
                "--image-width",
                "120",
                "--seed",
                "5",
                "--augment",
                flag,
                "-o",
                str(target),
            ],
            capsys,
        )
        assert (code, err) == (0, "")
        pictures[flag] = cv2.imread(str(target), cv2.IMREAD_GRAYSCALE)
    assert pictures["0"].shape == pictures["heavy"].shape == (28, 120)
    assert not np.array_equal(pictures["0"], pictures["heavy"])
    assert not np.array_equal(pictures["1"], pictures["heavy"])
