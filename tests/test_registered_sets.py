"""EMNIST digits and QMNIST, downloaded from a local HTTP server (never the internet).

EMNIST: a small fake ``gzip.zip`` with the real member names (and a member of
another EMNIST set that must not be extracted), its SHA-256 computed here and
put into a monkeypatched resource table. QMNIST: the real extended-label files
from ``../shared/data/qmnist`` (with their published hashes) and fake images in
the real IDX format, verified by an MD5 computed here.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from _helpers import idx_bytes, tiny_glyphs
from _http_server import MirrorServer
from number_generator import (
    DATASETS,
    QMNIST,
    ChecksumError,
    CorruptDatasetError,
    DigitDataset,
    DownloadError,
    EMNISTDigits,
    load_dataset,
)
from number_generator.cli import main
from number_generator.datasets import Resource
from number_generator.datasets.hashes import parse_known_hash
from number_generator.datasets.idx import read_idx_int
from test_cli import run

pytestmark = pytest.mark.network

ZIP_NAME = EMNISTDigits.resources["test"][0].archive.file_name  # type: ignore[union-attr]
MEMBERS = {part: [r.file_name for r in pair] for part, pair in EMNISTDigits.resources.items()}
DECOY = "gzip/emnist-letters-test-images-idx3-ubyte.gz"


def gz_idx(array: npt.NDArray[np.generic]) -> bytes:
    return gzip.compress(idx_bytes(array), compresslevel=1, mtime=0)


def emnist_zip(glyphs: dict[str, tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]) -> bytes:
    """A zip like EMNIST's ``gzip.zip``: each split's members, stored transposed as EMNIST is."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for part, (images, labels) in glyphs.items():
            image_member, label_member = MEMBERS[part]
            archive.writestr(image_member, gz_idx(np.ascontiguousarray(images.transpose(0, 2, 1))))
            archive.writestr(label_member, gz_idx(labels))
        archive.writestr(DECOY, gz_idx(np.zeros((3, 28, 28), np.uint8)))
    return buffer.getvalue()


@pytest.fixture
def glyphs() -> dict[str, tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]]:
    # Bars that are not symmetric under transposition: taller than wide.
    return {"train": tiny_glyphs(40, seed=1), "test": tiny_glyphs(20, seed=2)}


def serve_emnist(
    monkeypatch: pytest.MonkeyPatch, archive_bytes: bytes, server_files: dict[str, bytes]
) -> None:
    """Point EMNISTDigits at ``archive_bytes``: its SHA-256 in the resource table."""
    archive = Resource(ZIP_NAME, "sha256:" + hashlib.sha256(archive_bytes).hexdigest())
    table = {
        part: tuple(Resource(name, archive=archive) for name in names)
        for part, names in MEMBERS.items()
    }
    monkeypatch.setattr(EMNISTDigits, "resources", table)
    server_files[ZIP_NAME] = archive_bytes


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MirrorServer]:
    with MirrorServer({}) as mirror_server:
        monkeypatch.setenv("NUMBER_GENERATOR_MIRRORS", mirror_server.url())
        yield mirror_server


def test_emnist_digits_extracts_only_the_needed_members_upright(
    server: MirrorServer, glyphs: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    serve_emnist(monkeypatch, emnist_zip(glyphs), server.files)
    test = load_dataset("emnist-digits", split="test", data_dir=tmp_path)
    assert (test.name, test.split, len(test)) == ("emnist-digits", "test", 20)
    np.testing.assert_array_equal(test.images, glyphs["test"][0])  # upright again
    np.testing.assert_array_equal(test.labels, glyphs["test"][1])
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.gz")) == sorted(
        MEMBERS["test"]
    )
    assert (tmp_path / ZIP_NAME).is_file()  # the train members are still inside
    assert EMNISTDigits.cached_splits(tmp_path) == ["test"]

    train = load_dataset("emnist-digits", split="train", data_dir=tmp_path)
    np.testing.assert_array_equal(train.images, glyphs["train"][0])
    assert server.count(file_name=ZIP_NAME) == 1  # downloaded once, for both splits
    assert not (tmp_path / ZIP_NAME).exists()  # every needed member is out: deleted
    assert not (tmp_path / DECOY).exists()
    assert EMNISTDigits.cached_splits(tmp_path) == ["train", "test"]
    both = EMNISTDigits.load("all", tmp_path)
    assert len(both) == 60 and server.count() == 1


def test_emnist_member_with_a_bad_crc_is_refused_and_not_kept(
    server: MirrorServer, glyphs: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    archive_bytes = bytearray(emnist_zip(glyphs))
    with zipfile.ZipFile(io.BytesIO(bytes(archive_bytes))) as archive:
        info = archive.getinfo(MEMBERS["test"][0])
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    archive_bytes[data_start + 40] ^= 0xFF  # inside the stored member
    serve_emnist(monkeypatch, bytes(archive_bytes), server.files)
    with pytest.raises(CorruptDatasetError, match=r"emnist-digits-test-images.*Bad CRC-32"):
        load_dataset("emnist-digits", split="test", data_dir=tmp_path)
    assert not (tmp_path / MEMBERS["test"][0]).exists()
    assert [p.name for p in (tmp_path / "gzip").iterdir()] == []  # no temporary file left


def test_emnist_archive_without_the_member_is_refused(
    server: MirrorServer, glyphs: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    serve_emnist(monkeypatch, emnist_zip({"train": glyphs["train"]}), server.files)
    with pytest.raises(CorruptDatasetError, match="holds no member 'gzip/emnist-digits-test-"):
        EMNISTDigits.load("test", tmp_path)


def test_emnist_archive_with_the_wrong_hash_is_not_used(
    server: MirrorServer, glyphs: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    serve_emnist(monkeypatch, emnist_zip(glyphs), server.files)
    server.behave("a", ZIP_NAME, "wrong-hash")
    with pytest.raises(DownloadError, match=r"SHA-256 [0-9a-f]{64} does not match the known hash"):
        EMNISTDigits.load("test", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_command_fetches_emnist_members(
    server: MirrorServer,
    glyphs: dict,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    serve_emnist(monkeypatch, emnist_zip(glyphs), server.files)
    argv = ["download", "--dataset", "emnist-digits", "--split", "test"]
    argv += ["--data-dir", str(tmp_path)]
    code, out, err = run(main, argv, capsys)
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"{tmp_path / name}  (verified)" for name in MEMBERS["test"]]
    code, out, _ = run(main, ["datasets", "--data-dir", str(tmp_path)], capsys)
    assert "emnist-digits: EMNIST digits" in out
    assert out.split("emnist-digits:")[1].splitlines()[3] == "  cached: test"


@pytest.fixture(scope="module")
def qmnist_test_images(mnist_test: DigitDataset) -> npt.NDArray[np.uint8]:
    """60,000 fake QMNIST test glyphs: MNIST's test digits first (as QMNIST's are), then bars."""
    bars, _ = tiny_glyphs(50_000, seed=3)
    return np.concatenate([np.asarray(mnist_test.images), bars])


def serve_qmnist_test(
    monkeypatch: pytest.MonkeyPatch, images: npt.NDArray[np.uint8], server: MirrorServer
) -> tuple[str, bytes]:
    """The fake images (MD5 computed here) and the real label file (its published SHA-256)."""
    image_res, label_res = QMNIST.resources["test"]
    image_bytes = gz_idx(images)
    fake = Resource(image_res.file_name, "md5:" + hashlib.md5(image_bytes).hexdigest())
    monkeypatch.setitem(QMNIST.resources, "test", (fake, label_res))
    server.files[image_res.file_name] = image_bytes
    return image_res.file_name, label_res.file_name


def test_qmnist_test_split_with_labels_and_writers_from_the_real_files(
    server: MirrorServer,
    qmnist_test_images: npt.NDArray[np.uint8],
    qmnist_dir: Path,
    mnist_test: DigitDataset,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    images_name, labels_name = serve_qmnist_test(monkeypatch, qmnist_test_images, server)
    server.files[labels_name] = (qmnist_dir / labels_name).read_bytes()
    dataset = load_dataset("qmnist", split="test", data_dir=tmp_path)
    table = read_idx_int(qmnist_dir / labels_name)
    assert (dataset.name, dataset.split, len(dataset)) == ("qmnist", "test", 60_000)
    np.testing.assert_array_equal(dataset.labels, table[:, 0])
    np.testing.assert_array_equal(dataset.writers, table[:, 2])
    # The first 10,000 are MNIST's test digits: same classes, same writers.
    np.testing.assert_array_equal(dataset.labels[:10_000], mnist_test.labels)
    np.testing.assert_array_equal(dataset.writers[:10_000], mnist_test.writers)
    np.testing.assert_array_equal(dataset.images[:10_000], mnist_test.images)
    assert (dataset.writers >= 0).all()
    assert server.count(file_name=labels_name) == 1  # the labels file is the writers file
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([images_name, labels_name])


def test_qmnist_images_with_the_wrong_md5_are_refused(
    server: MirrorServer,
    qmnist_test_images: npt.NDArray[np.uint8],
    qmnist_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    images_name, labels_name = serve_qmnist_test(monkeypatch, qmnist_test_images, server)
    server.files[labels_name] = (qmnist_dir / labels_name).read_bytes()
    server.behave("a", images_name, "wrong-hash")
    with pytest.raises(DownloadError, match=r"MD5 [0-9a-f]{32} does not match the known hash"):
        QMNIST.load("test", tmp_path)
    assert not (tmp_path / images_name).exists()
    # A present file is checked with its MD5 too.
    (tmp_path / images_name).write_bytes(b"not the published file")
    with pytest.raises(ChecksumError, match=f"{images_name}: MD5 is [0-9a-f]{{32}}, expected"):
        QMNIST.download("test", tmp_path)


def test_registered_sets_list_their_sources() -> None:
    assert list(DATASETS) == ["mnist", "emnist-digits", "qmnist"]
    assert QMNIST.splits() == EMNISTDigits.splits() == ("train", "test", "all")
    # Every hash is one a source published, in a form the verifier understands.
    assert QMNIST.resources["train"][0].known_hash == "md5:ed72d4157d28c017586c42bc6afe6370"
    zip_resource = EMNISTDigits.resources["train"][0].archive
    assert zip_resource is not None and zip_resource.known_hash == (
        "sha256:fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e"
    )


@pytest.mark.parametrize(
    "known_hash", ["md5:" + "0" * 31, "sha1:" + "0" * 40, "sha256:xyz", "0" * 63]
)
def test_malformed_known_hash_is_refused(known_hash: str) -> None:
    with pytest.raises(ValueError, match="expected 'sha256:<64 hex digits>', 'md5:<32 hex"):
        parse_known_hash(known_hash)
