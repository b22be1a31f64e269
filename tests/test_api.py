"""Module-level API: the spec functions, the seeds' calling conventions, the default instance."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import number_generator
from number_generator import (
    InvalidParameterError,
    InvalidTypeError,
    default_generator,
    generate_numbers_sequence,
    generate_phone_numbers,
    get_mnist_data,
)


def test_public_names_are_exported() -> None:
    for name in (
        "generate_numbers_sequence",
        "generate_phone_numbers",
        "load_mnist",
        "SequenceGenerator",
        "get_mnist_data",
    ):
        assert name in number_generator.__all__
        assert callable(getattr(number_generator, name))
    assert number_generator.__version__.count(".") == 2


def test_spec_call() -> None:
    image = generate_numbers_sequence([3, 5, 0], (2, 8), 120)
    assert image.shape == (28, 120) and image.dtype == np.float32
    assert image.max() == 1.0 and image.min() < 0.1


def test_same_seed_same_bytes_through_the_module_function() -> None:
    first = generate_numbers_sequence("0123456789", (0, 6), 280, seed=42)
    second = generate_numbers_sequence("0123456789", (0, 6), 280, seed=42)
    assert first.tobytes() == second.tobytes()


def test_default_instance_is_cached_and_loads_data_once() -> None:
    assert default_generator() is default_generator()
    assert default_generator().dataset is default_generator("mnist").dataset
    assert len(default_generator().dataset) == 10_000  # NUMBER_GENERATOR_SPLIT=test


def test_loaded_dataset_can_be_passed(mnist_test: number_generator.DigitDataset) -> None:
    sevens = mnist_test.subset(np.flatnonzero(mnist_test.labels == 7))
    image = generate_numbers_sequence("777", (2, 2), 80, dataset=sevens, seed=0)
    assert image.shape == (28, 80)


def test_seed_000_keywords_save_a_png(tmp_path: Path) -> None:
    """Seed 000 passed image_width= and output_path= as keywords and omitted spacing_range."""
    image = generate_numbers_sequence(digits=[7, 8, 6, 7, 7], image_width=150, output_path=tmp_path)
    saved = cv2.imread(str(tmp_path / "78677.png"), cv2.IMREAD_UNCHANGED)
    assert saved.dtype == np.uint8 and saved.shape == (28, 150)
    assert np.array_equal(saved, np.rint(image * 255).astype(np.uint8))


def test_output_path_may_name_the_png_file(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "number.png"
    generate_numbers_sequence("12", (2, 8), 60, output_path=target)
    assert cv2.imread(str(target), cv2.IMREAD_GRAYSCALE).shape == (28, 60)
    assert sorted(p.name for p in target.parent.iterdir()) == ["number.png"]


def test_natural_width_when_width_omitted() -> None:
    image = generate_numbers_sequence("11", (3, 3), seed=0)  # unseeded, two wide 1s could pass 40
    assert image.shape[0] == 28 and image.shape[1] < 40


def test_seed_004_augment_flag() -> None:
    image = generate_numbers_sequence(
        digits=[4, 2], spacing_range=(5, 10), image_width=56, augment_flag="false"
    )
    assert image.shape == (28, 56)
    flagged = generate_numbers_sequence([4, 2], (5, 10), 56, augment_flag="true", seed=3)
    preset = generate_numbers_sequence([4, 2], (5, 10), 56, augment=True, seed=3)
    assert flagged.shape == (28, 56) and flagged.tobytes() == preset.tobytes()
    with pytest.raises(InvalidParameterError, match="augment_flag='maybe'"):
        generate_numbers_sequence([4, 2], (5, 10), 56, augment_flag="maybe")


def test_output_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(InvalidParameterError, match="exists and is not a folder"):
        generate_numbers_sequence("12", (2, 8), 60, output_path=blocker)
    with pytest.raises(InvalidParameterError, match="cannot create the folder"):
        generate_numbers_sequence("12", (2, 8), 60, output_path=blocker / "sub")


def test_get_mnist_data() -> None:
    images, labels = get_mnist_data()
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,) and set(np.unique(labels).tolist()) == set(range(10))


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    """Atomic writes must not leave owner-only (0600) files behind."""
    umask = os.umask(0o022)
    os.umask(umask)
    generate_numbers_sequence("12", (2, 8), 60, output_path=tmp_path)
    assert (tmp_path / "12.png").stat().st_mode & 0o777 == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["12.png"], "no temporary file left"


def _bad_output_paths(tmp_path: Path) -> list[tuple[object, type, str]]:
    """``output_path`` values that must be refused: (value, error class, exact message)."""
    nul = str(tmp_path / "a") + "\0b"
    return [
        (nul, InvalidParameterError, f"output_path={nul!r}: a path cannot hold a NUL character"),
        (5, InvalidTypeError, "output_path=5: expected a path (str or os.PathLike)"),
        (b"out", InvalidTypeError, "output_path=b'out': expected a path (str or os.PathLike)"),
        (
            "/proc",
            InvalidParameterError,
            "output_path='/proc': cannot write into the folder (No such file or directory)",
        ),
    ]


@pytest.mark.parametrize("case", range(4), ids=["nul", "int", "bytes", "proc"])
def test_bad_output_path_is_a_parameter_error(tmp_path: Path, case: int) -> None:
    value, error, message = _bad_output_paths(tmp_path)[case]
    for call in (
        lambda: generate_numbers_sequence("12", (2, 8), 60, output_path=value),
        lambda: generate_phone_numbers(2, 200, value),  # type: ignore[arg-type]
    ):
        with pytest.raises(error) as caught:
            call()
        assert (str(caught.value), caught.value.param) == (message, "output_path")
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_bad_png_output_path_is_a_parameter_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        generate_numbers_sequence("12", (2, 8), 60, output_path="/proc/digits.png")
    assert str(caught.value) == (
        "output_path='/proc': cannot write into the folder (No such file or directory)"
    )
    with pytest.raises(InvalidParameterError, match="a path cannot hold a NUL character"):
        generate_numbers_sequence("12", (2, 8), 60, output_path=str(tmp_path / "a\0.png"))
    folder = tmp_path / "taken.png"  # a folder where the file should go
    folder.mkdir()
    with pytest.raises(InvalidParameterError) as caught:
        generate_numbers_sequence("12", (2, 8), 60, output_path=folder)
    assert str(caught.value) == (
        f"output_path={str(folder)!r}: cannot write the image (Is a directory)"
    )
    assert caught.value.param == "output_path"
    assert [p.name for p in tmp_path.iterdir()] == ["taken.png"]
    assert list(folder.iterdir()) == [], "no temporary file left behind"


@pytest.mark.parametrize(
    ("digits", "error", "message"),
    [
        ([[1], [2, 3]], InvalidTypeError, "digits[0]: [1] is not a digit"),
        ([True, 1], InvalidTypeError, "digits[0]: True is not a digit"),
        ([1, True], InvalidTypeError, "digits[1]: True is not a digit"),
        ([3, "a", 5], InvalidTypeError, "digits[1]: 'a' is not a digit"),
        ([3, 5.0], InvalidTypeError, "digits[1]: 5.0 is not a digit"),
        ([3, 5, 12], InvalidParameterError, "digits[2]: 12 is not a digit"),
        (np.array([3, 5.0]), InvalidTypeError, "digits: an array of dtype float64"),
    ],
    ids=["ragged", "bool-first", "bool-later", "str", "float", "twelve", "float-array"],
)
def test_a_bad_digit_is_named_by_its_index_and_value(
    digits: object, error: type, message: str
) -> None:
    with pytest.raises(error) as caught:
        generate_numbers_sequence(digits, (2, 8), 60)
    assert str(caught.value).startswith(message)
    assert caught.value.param == "digits"
