"""Limits on what one call may draw: the composed strip's size and the narrowest legible width.

The strip tests run in a child process whose address space is capped
(``RLIMIT_AS``): were the library to try the allocation it refuses, the child
would die of ``MemoryError`` instead of printing the expected error.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from number_generator import DigitDataset, batches, export_dataset, generate_numbers_sequence
from number_generator._util.params import MAX_STRIP_PIXELS, MIN_DIGIT_WIDTH
from number_generator.errors import InvalidParameterError

#: Address space of the child: enough to import the library and draw a small image.
ADDRESS_SPACE = 1 << 30


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_capped(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` with at most :data:`ADDRESS_SPACE` bytes of address space."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run(
        argv,
        cwd=cwd,
        env=env,
        preexec_fn=_cap_memory,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CHILD = """
import sys
import numpy as np
from number_generator import generate_numbers_sequence
from number_generator.errors import InvalidParameterError

try:  # the cap is real: a big allocation fails here
    np.ones(2**31, np.uint8)
except MemoryError:
    print("capped")
assert generate_numbers_sequence("12", (2, 8), 60).shape == (28, 60)  # small draws still work
try:
    generate_numbers_sequence(*eval(sys.argv[1]), **eval(sys.argv[2]))
except InvalidParameterError as exc:
    print(exc.param)
    print(exc)
"""

HUGE_SPACING = (
    "spacing_range=(16384, 16384): 1024 digits at image_height 1024 with a spacing maximum of "
    "16384 could compose a strip of 17809408 x 1024 = 18,236,833,792 pixels, more than the "
    "limit of 67,108,864 (MAX_STRIP_PIXELS); use a spacing maximum of at most 2314 at "
    "image_height 28, or at most 4 digits"
)
NATURAL_WIDTH = (
    "spacing_range=(16384, 16384): 1024 digits at image_height 28 with a spacing maximum of "
    "16384 could compose a strip of 16789504 x 28 = 470,106,112 pixels, more than the limit of "
    "67,108,864 (MAX_STRIP_PIXELS); use a spacing maximum of at most 2314, or at most 147 digits"
)
TALL = (
    "image_height=1024: 1024 digits at image_height 1024 with a spacing maximum of 8 could "
    "compose a strip of 1056760 x 1024 = 1,082,122,240 pixels, more than the limit of "
    "67,108,864 (MAX_STRIP_PIXELS); use an image_height of at most 252, or at most 63 digits"
)


@pytest.mark.parametrize(
    ("args", "kwargs", "param", "message"),
    [
        (("7" * 1024, (16384, 16384), 100), {"image_height": 1024}, "spacing_range", HUGE_SPACING),
        (("7" * 1024, (16384, 16384)), {}, "spacing_range", NATURAL_WIDTH),
        (("7" * 1024, (2, 8), 100), {"image_height": 1024}, "image_height", TALL),
    ],
    ids=["huge-spacing-and-height", "natural-width", "tall"],
)
def test_a_strip_over_the_limit_is_refused_before_it_is_allocated(
    args: tuple[object, ...], kwargs: dict[str, object], param: str, message: str, tmp_path: Path
) -> None:
    result = run_capped([sys.executable, "-c", CHILD, repr(args), repr(kwargs)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"capped\n{param}\n{message}\n"


def test_the_cli_refuses_a_strip_over_the_limit_with_one_line(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "number_generator", "sequence", "7" * 1024]
    argv += ["--image-width", "100", "--image-height", "1024"]
    result = run_capped(argv, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert (
        result.stderr
        == f"number-generator sequence: error: --image-height{TALL[len('image_height') :]}\n"
    )
    assert list(tmp_path.iterdir()) == [], "nothing written"


def test_a_strip_at_the_limit_is_drawn() -> None:
    # 5 digits at height 1024: 5 * 1024 + 4 * spacing columns; the largest spacing that fits.
    widest = (MAX_STRIP_PIXELS // 1024 - 5 * 1024) // 4
    image = generate_numbers_sequence("11111", (widest, widest), 100, image_height=1024, seed=0)
    assert image.shape == (1024, 100)
    with pytest.raises(InvalidParameterError, match=r"use a spacing maximum of at most 15104,"):
        generate_numbers_sequence("11111", (widest, widest + 1), 100, image_height=1024)


NARROW = (
    "image_width=5: too narrow for 10 digits, which would be an illegible smear; give at least "
    "40 (4 px per digit), or None for the natural width"
)


@pytest.mark.parametrize("fit", ["pad", "stretch"])
def test_a_width_too_narrow_to_read_is_refused(fit: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        generate_numbers_sequence("0123456789", (2, 8), 5, fit=fit)
    assert str(caught.value) == NARROW
    assert caught.value.param == "image_width" and caught.value.value == 5
    with pytest.raises(InvalidParameterError, match=r"image_width=39: .* at least 40 "):
        generate_numbers_sequence("0123456789", (2, 8), MIN_DIGIT_WIDTH * 10 - 1, fit=fit)
    image = generate_numbers_sequence("0123456789", (2, 8), MIN_DIGIT_WIDTH * 10, fit=fit, seed=0)
    assert image.shape == (28, 40) and float(image.min()) < 0.5, "the smallest width draws ink"


def test_the_narrowest_widths_of_the_fingerprints_stay_allowed() -> None:
    # As in tests/test_fingerprints.py: 10 digits into 90 px, 12 stretched into 60 px.
    assert generate_numbers_sequence("0901234567", (2, 8), 90, seed=0).shape == (28, 90)
    stretched = generate_numbers_sequence("123456789012", (5, 9), 60, fit="stretch", seed=0)
    assert stretched.shape == (28, 60)
    assert np.isfinite(stretched).all()


def test_the_cli_refuses_a_width_too_narrow_to_read(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "number_generator", "sequence", "0123456789", "--image-width", "5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert (
        result.stderr
        == f"number-generator sequence: error: --image-width{NARROW[len('image_width') :]}\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_streams_and_exports_check_the_templates_longest_string_up_front(
    mnist_test: DigitDataset, tmp_path: Path
) -> None:
    message = re.escape("image_width=30: too narrow for 12 digits")
    with pytest.raises(InvalidParameterError, match=message) as raised:
        batches(4, "random:4-12", image_width=30, dataset=mnist_test)
    assert raised.value.param == "image_width"
    with pytest.raises(InvalidParameterError, match=message):
        export_dataset(
            tmp_path / "out", 10, "random:4-12", image_width=30, dataset=mnist_test, workers=1
        )
    assert not (tmp_path / "out").exists()
    with pytest.raises(InvalidParameterError, match="could compose a strip") as raised:
        batches(2, "random:1-1024", image_height=1024, image_width=8192, dataset=mnist_test)
    assert raised.value.param == "image_height"
