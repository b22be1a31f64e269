"""Synthesize images of handwritten digit sequences from real MNIST digits.

>>> from number_generator import generate_numbers_sequence
>>> generate_numbers_sequence("042", (2, 8), 100, seed=0).shape
(28, 100)
"""

from __future__ import annotations

from ._api import default_generator, generate_numbers_sequence, generate_phone_numbers
from ._params import DEFAULT_SPACING_RANGE, MAX_DIGITS, MAX_IMAGE_HEIGHT, MAX_IMAGE_WIDTH
from ._version import __version__
from .compose import SequenceGenerator, SequenceImage
from .datasets import (
    DATASETS,
    MNIST,
    DigitDataset,
    get_mnist_data,
    load_dataset,
    load_mnist,
    load_npz,
    load_png_folder,
)
from .errors import (
    ChecksumError,
    CorruptDatasetError,
    DatasetNotFoundError,
    DownloadError,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
)
from .export import write_png
from .phone import PHONE_FORMATS

__all__ = [
    "DATASETS",
    "DEFAULT_SPACING_RANGE",
    "MAX_DIGITS",
    "MAX_IMAGE_HEIGHT",
    "MAX_IMAGE_WIDTH",
    "MNIST",
    "PHONE_FORMATS",
    "ChecksumError",
    "CorruptDatasetError",
    "DatasetNotFoundError",
    "DigitDataset",
    "DownloadError",
    "InvalidParameterError",
    "InvalidTypeError",
    "NumberGeneratorError",
    "SequenceGenerator",
    "SequenceImage",
    "__version__",
    "default_generator",
    "generate_numbers_sequence",
    "generate_phone_numbers",
    "get_mnist_data",
    "load_dataset",
    "load_mnist",
    "load_npz",
    "load_png_folder",
    "write_png",
]
