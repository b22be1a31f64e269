"""The published digit sets: MNIST (with QMNIST's writers), EMNIST digits, QMNIST.

Each is a :class:`~.registry.RegisteredDataset` subclass that sets only class
attributes; defining it registers it in :data:`~.registry.DATASETS` (in this
module's order: MNIST first, the default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import DigitDataset, LabelArray, U8Array
from .registry import RegisteredDataset, Resource

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["MNIST", "QMNIST", "EMNISTDigits", "get_mnist_data", "load_mnist"]


class MNIST(RegisteredDataset):
    """The MNIST database of handwritten digits (LeCun, Cortes, Burges), 60k train + 10k test.

    The writer of every digit comes from QMNIST's extended labels (Yadav &
    Bottou, "Cold Case: The Lost MNIST Digits", 2019): column 2 of
    ``qmnist-train-labels-idx2-int.gz`` (train, row for row) and of the first
    10,000 rows of ``qmnist-test-labels-idx2-int.gz`` (test).
    """

    name = "mnist"
    mirrors = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    resources = {  # noqa: RUF012 - class-level constant table
        "train": (
            Resource(
                "train-images-idx3-ubyte.gz",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
            Resource(
                "train-labels-idx1-ubyte.gz",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
        ),
        "test": (
            Resource(
                "t10k-images-idx3-ubyte.gz",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
            Resource(
                "t10k-labels-idx1-ubyte.gz",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        ),
    }
    writers_mirrors = ("https://raw.githubusercontent.com/facebookresearch/qmnist/master/",)
    writers_resources = {  # noqa: RUF012 - class-level constant table
        "train": Resource(
            "qmnist-train-labels-idx2-int.gz",
            "2c05dc77f6b916b38e455e97ab129a42a444f3dbef09b278a366f82904e0dd9f",
        ),
        "test": Resource(
            "qmnist-test-labels-idx2-int.gz",
            "9fbcbe594c3766fdf4f0b15c5165dc0d1e57ac604e01422608bb72c906030d06",
        ),
    }


#: EMNIST's archive in its IDX form, holding six sets; SHA-256 as tensorflow-datasets
#: publishes it (url_checksums/emnist.txt: 561,753,746 bytes).
_EMNIST_ZIP = Resource(
    "gzip.zip", "sha256:fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e"
)


def _emnist_digits(part: str) -> tuple[Resource, Resource]:
    """The images and labels members of EMNIST digits' ``part`` inside :data:`_EMNIST_ZIP`."""
    return (
        Resource(f"gzip/emnist-digits-{part}-images-idx3-ubyte.gz", archive=_EMNIST_ZIP),
        Resource(f"gzip/emnist-digits-{part}-labels-idx1-ubyte.gz", archive=_EMNIST_ZIP),
    )


class EMNISTDigits(RegisteredDataset):
    """EMNIST digits (Cohen et al., 2017): NIST SD 19 digits, 240k train + 40k test.

    Published only inside EMNIST's ``gzip.zip`` (562 MB, six sets): the
    archive is downloaded and verified once, the four ``emnist-digits-*``
    members are extracted (each checked against its CRC-32), and the archive
    is deleted once both splits are out. The images are stored transposed;
    they are turned upright on load.
    """

    name = "emnist-digits"
    mirrors = (
        "https://biometrics.nist.gov/cs_links/EMNIST/",
        "https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/",
    )
    transposed = True
    resources = {"train": _emnist_digits("train"), "test": _emnist_digits("test")}  # noqa: RUF012


class QMNIST(RegisteredDataset):
    """QMNIST (Yadav & Bottou, 2019): MNIST rebuilt from NIST, 60k train + 60k test, with writers.

    ``train`` matches MNIST's training set digit for digit; ``test`` holds
    60,000 digits, the first 10,000 matching MNIST's test set. The labels are
    QMNIST's extended labels (class, NIST writer and more per digit), which
    also give :attr:`DigitDataset.writers`. Hashes: the images' MD5 as
    torchvision publishes them (no SHA-256 is published); the label files'
    SHA-256 of the published files, whose MD5 matches torchvision's.
    """

    name = "qmnist"
    mirrors = ("https://raw.githubusercontent.com/facebookresearch/qmnist/master/",)
    label_column = 0
    resources = {  # noqa: RUF012 - class-level constant table
        "train": (
            Resource("qmnist-train-images-idx3-ubyte.gz", "md5:ed72d4157d28c017586c42bc6afe6370"),
            MNIST.writers_resources["train"],
        ),
        "test": (
            Resource("qmnist-test-images-idx3-ubyte.gz", "md5:1394631089c404de565df7b7aeaf9412"),
            MNIST.writers_resources["test"],
        ),
    }
    writers_mirrors = mirrors
    writers_resources = MNIST.writers_resources


def load_mnist(
    split: str | None = None, data_dir: str | Path | None = None, *, progress: bool | None = None
) -> DigitDataset:
    """Load MNIST, downloading and verifying the files if they are missing.

    Parameters
    ----------
    split:
        ``"train"`` (60,000 glyphs), ``"test"`` (10,000) or ``"all"``.
        Default: ``$NUMBER_GENERATOR_SPLIT``, else ``"train"``.
    data_dir:
        Folder with the ``*-idx?-ubyte.gz`` files. Default:
        ``$NUMBER_GENERATOR_DATA_DIR``, else the user cache folder.
    progress:
        Progress bar while downloading; default: only on a terminal.

    Raises
    ------
    InvalidParameterError
        Unknown ``split``.
    DownloadError, ChecksumError, CorruptDatasetError
        The files could not be had, or are not the published ones.

    Examples
    --------
    >>> ds = load_mnist("test")
    >>> len(ds), ds.glyph_shape
    (10000, (28, 28))
    """
    return MNIST.load(MNIST.resolve_split(split), data_dir, progress=progress)


def get_mnist_data(
    split: str | None = None, data_dir: str | Path | None = None
) -> tuple[U8Array, LabelArray]:
    """``(images, labels)`` of MNIST, the call seed 004's users know.

    Both arrays are read-only (the images are usually memory-mapped from the
    decoded-array cache); ``images.copy()`` gives an array you may modify.
    """
    dataset = load_mnist(split, data_dir)
    return dataset.images, dataset.labels
