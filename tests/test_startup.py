"""A fresh process: what ``import number_generator`` and the first image load (and not)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import number_generator

#: Third-party packages that cost a cold process time and that drawing a plain image never uses.
HEAVY = ("cv2", "requests", "tqdm", "platformdirs", "fastapi", "torch", "dask")
#: Our own code that a plain image does not need: it loads when first used.
LATER = (
    "number_generator.augment",
    "number_generator.templates",
    "number_generator.export",
    "number_generator.preview",
    "number_generator.datasets.download",
    "number_generator.datasets.hashes",
    "number_generator.datasets.archive",
)


def loaded_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (this test's environment:
    the shared MNIST test split, already decoded into the session's cache)."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture(scope="module", autouse=True)
def _decoded() -> None:
    """Decode the dataset into the cache first, as a second process finds it."""
    number_generator.generate_numbers_sequence("0", (2, 8), 28)


@pytest.mark.parametrize(
    "code",
    [
        "import number_generator",
        "import number_generator as ng; ng.generate_numbers_sequence('0123456789', (2, 8), 280)",
        "from number_generator import generate_numbers_sequence as g; g('12', (0, 4), 60, seed=3)",
    ],
    ids=["import", "first-image", "seeded-image"],
)
def test_a_plain_image_loads_nothing_heavy(code: str) -> None:
    loaded = loaded_after(code)
    assert "number_generator" in loaded
    assert sorted(loaded & {*HEAVY, *LATER}) == []


def test_the_decoded_glyphs_are_mapped_not_read() -> None:
    """A second process maps the cached glyphs; pages are read as glyphs are drawn."""
    code = (
        "import numpy as np, number_generator as ng\n"
        "images = ng.default_generator().dataset.images\n"
        "assert isinstance(images.base, np.memmap), type(images.base)"
    )
    assert "mmap" in loaded_after(code)


def test_augmentation_loads_when_asked_for() -> None:
    code = "import number_generator as ng; ng.generate_numbers_sequence('1', augment=True)"
    loaded = loaded_after(code)
    assert "number_generator.augment" in loaded
    assert "number_generator.templates" not in loaded


@pytest.mark.parametrize("name", number_generator.__all__)
def test_every_public_name_resolves(name: str) -> None:
    value = getattr(number_generator, name)
    assert value is not None
    assert name in dir(number_generator)


def test_batches_stays_the_function_after_its_module_is_imported() -> None:
    """The submodule ``number_generator.batches`` and the function share a name."""
    code = (
        "import number_generator.batches\n"
        "import number_generator as ng\n"
        "assert callable(ng.batches) and ng.batches.__name__ == 'batches', ng.batches"
    )
    assert "number_generator.batches" in loaded_after(code)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'generate_number'"):
        number_generator.generate_number  # noqa: B018
