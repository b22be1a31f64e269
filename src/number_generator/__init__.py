"""Synthesize images of handwritten digit sequences from real MNIST digits.

>>> from number_generator import generate_numbers_sequence
>>> generate_numbers_sequence("042", (2, 8), 100, seed=0).shape
(28, 100)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._api import default_generator, generate_numbers_sequence, generate_phone_numbers
from ._util.files import write_png
from ._util.params import DEFAULT_SPACING_RANGE, MAX_DIGITS, MAX_IMAGE_HEIGHT, MAX_IMAGE_WIDTH
from ._version import __version__
from .augment import (
    DEFAULT_PRESET,
    PRESETS,
    TRANSFORM_NAMES,
    Lambda,
    Pipeline,
    Transform,
    preset,
)
from .batches import ALPHABET, BLANK, Batch, batches
from .compose import SequenceGenerator, SequenceImage
from .datasets import (
    DATASETS,
    MNIST,
    QMNIST,
    DigitDataset,
    EMNISTDigits,
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
from .preview import contact_sheet
from .templates import Template, parse_template
from .templates.phone import PHONE_FORMATS

if TYPE_CHECKING:
    from .export import ExportSummary, export_dataset

# Dataset export (its formats, plan and process runners) loads on first use, so that a
# process that only draws images does not pay for importing it.
_EXPORT_NAMES = frozenset({"ExportSummary", "export_dataset"})


def __getattr__(name: str) -> Any:
    if name in _EXPORT_NAMES:
        from . import export

        return getattr(export, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _EXPORT_NAMES)


__all__ = [
    "ALPHABET",
    "BLANK",
    "DATASETS",
    "DEFAULT_PRESET",
    "DEFAULT_SPACING_RANGE",
    "MAX_DIGITS",
    "MAX_IMAGE_HEIGHT",
    "MAX_IMAGE_WIDTH",
    "MNIST",
    "PHONE_FORMATS",
    "PRESETS",
    "QMNIST",
    "TRANSFORM_NAMES",
    "Batch",
    "ChecksumError",
    "CorruptDatasetError",
    "DatasetNotFoundError",
    "DigitDataset",
    "DownloadError",
    "EMNISTDigits",
    "ExportSummary",
    "InvalidParameterError",
    "InvalidTypeError",
    "Lambda",
    "NumberGeneratorError",
    "Pipeline",
    "SequenceGenerator",
    "SequenceImage",
    "Template",
    "Transform",
    "__version__",
    "batches",
    "contact_sheet",
    "default_generator",
    "export_dataset",
    "generate_numbers_sequence",
    "generate_phone_numbers",
    "get_mnist_data",
    "load_dataset",
    "load_mnist",
    "load_npz",
    "load_png_folder",
    "parse_template",
    "preset",
    "write_png",
]
