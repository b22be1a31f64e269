"""A fresh process: what ``import number_generator`` and the first image load (and not)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs
import pytest

import number_generator
from _helpers import json_from_python
from number_generator.datasets import data_dir_for, data_folder
from number_generator.datasets.cache import _key, cache_dir
from number_generator.datasets.environment import user_cache_dir

#: Third-party packages that cost a cold process time and that drawing a plain image never uses.
HEAVY = ("cv2", "requests", "tqdm", "platformdirs", "fastapi", "torch", "dask")
#: Standard-library modules a plain image from cached data does not need.
STDLIB = ("logging", "pathlib", "tempfile", "shutil", "bz2", "lzma")
#: Our own code that a plain image does not need: it loads when first used.
LATER = (
    "number_generator.batches",
    "number_generator.augment",
    "number_generator.templates",
    "number_generator.export",
    "number_generator.preview",
    "number_generator.datasets.download",
    "number_generator.datasets.hashes",
    "number_generator.datasets.archive",
    "number_generator.datasets.local",
    "number_generator.datasets.idx",
)


def loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (this test's environment:
    the shared MNIST test split, already decoded into the session's cache; or ``env``)."""
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    return set(json_from_python(script, env))


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
    assert sorted(loaded & {*HEAVY, *STDLIB, *LATER}) == []


def test_the_package_alone_loads_no_numpy() -> None:
    """``import number_generator`` binds the errors and the version; NumPy loads with the
    first name that needs it."""
    code = "import number_generator as ng\nassert ng.__version__ and ng.InvalidParameterError"
    loaded = loaded_after(code)
    assert "numpy" not in loaded
    assert "numpy" in loaded_after(code + "\nng.generate_numbers_sequence")


def test_the_default_cache_folder_needs_no_platformdirs(tmp_path: Path) -> None:
    """With no cache variable set, a second process finds the decoded glyphs in the user
    cache folder (``$XDG_CACHE_HOME``) without importing platformdirs."""
    env = {key: value for key, value in os.environ.items() if key != "NUMBER_GENERATOR_CACHE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = "import number_generator as ng; ng.generate_numbers_sequence('12', (0, 4), 60)"
    loaded_after(code, env)  # decodes the split into the user cache folder
    assert (tmp_path / "number_generator" / "decoded").is_dir()
    assert sorted(loaded_after(code, env) & {*HEAVY, *STDLIB, *LATER}) == []


@pytest.mark.parametrize(
    ("xdg", "home"),
    [
        (None, "/home/someone"),
        ("", "/home/someone/"),
        ("/var/cache/someone", "/home/someone"),
        ("/var/cache/someone/", "/home/someone"),
        ("relative/cache", "/home/someone"),
        ("~/cache", "/home/someone"),
        (None, "/"),
    ],
)
def test_the_user_cache_folder_is_the_one_platformdirs_names(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None, home: str
) -> None:
    """The folder found without platformdirs is the one it would give (the data folder and
    the decoded cache live there), whatever ``$XDG_CACHE_HOME`` and ``$HOME`` hold."""
    monkeypatch.setenv("HOME", home)
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    monkeypatch.delenv("NUMBER_GENERATOR_DATA_DIR")
    monkeypatch.delenv("NUMBER_GENERATOR_CACHE_DIR")
    expected = platformdirs.user_cache_dir("number_generator")
    assert user_cache_dir() == expected
    assert data_dir_for("mnist") == Path(expected, "mnist")
    assert Path(cache_dir()) == Path(expected, "decoded")


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


def _key_as_before(*paths: Path) -> str:
    """The decoded-cache key as the pathlib code computed it, so entries written then are
    still found."""
    identity = hashlib.sha256()
    parts = []
    for path in paths:
        stat = path.stat()
        parts.append(f"{path.name}-{stat.st_size}-{stat.st_mtime_ns}")
        identity.update(os.fsencode(path.parent.resolve()) + b"\0")
    return f"v1-{identity.hexdigest()[:16]}-" + "-".join(parts)


@pytest.mark.parametrize(
    "folder",
    ["real", "real/", "real//", "./real/./", "link", "link/../real", "sub/gz", "."],
)
def test_the_cache_key_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    """However a folder is spelled (and through a symlink), the string-based key is the one
    the pathlib-based code gave, so existing cache entries stay valid."""
    for sub in ("real", "real/sub/gz"):
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        (tmp_path / sub / "images.gz").write_bytes(b"0123")
        (tmp_path / sub / "labels.gz").write_bytes(b"01")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "real" if folder.startswith("sub") or folder == "." else tmp_path)
    names = [os.path.join(folder, "images.gz"), os.path.join(folder, "labels.gz")]
    expected = _key_as_before(*map(Path, names))
    assert _key(*names) == expected
    assert _key(*map(Path, names)) == expected
    assert _key(names[0], os.path.join(folder, "missing.gz")) is None


@pytest.mark.parametrize("given", ["data//x/", "~/digits", "~", "./rel", "", Path("p/q")])
def test_the_data_folder_string_is_data_dir_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | Path
) -> None:
    """The string the cached data is found with names the folder data_dir_for gives,
    as an argument or from the environment variable."""
    monkeypatch.setenv("HOME", str(tmp_path))
    assert Path(data_folder("mnist", given)) == data_dir_for("mnist", given)
    assert data_dir_for("mnist", given) == Path(given).expanduser()
    if isinstance(given, str) and given:
        monkeypatch.setenv("NUMBER_GENERATOR_DATA_DIR", given)
        assert Path(data_folder("mnist")) == data_dir_for("mnist") == Path(given).expanduser()
    monkeypatch.delenv("NUMBER_GENERATOR_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert (
        Path(data_folder("mnist"))
        == data_dir_for("mnist")
        == tmp_path / "cache/number_generator/mnist"
    )
