"""Synthesize images of handwritten digit sequences from real MNIST digits.

>>> from number_generator import generate_numbers_sequence
>>> generate_numbers_sequence("042", (2, 8), 100, seed=0).shape
(28, 100)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._util.lazy import lazy_names
from ._version import __version__
from .errors import (
    ChecksumError,
    CorruptDatasetError,
    DatasetNotFoundError,
    DownloadError,
    InvalidParameterError,
    InvalidTypeError,
    NumberGeneratorError,
)

if TYPE_CHECKING:
    from ._api import default_generator, generate_numbers_sequence, generate_phone_numbers
    from ._util.files import write_png
    from ._util.params import DEFAULT_SPACING_RANGE, MAX_DIGITS, MAX_IMAGE_HEIGHT, MAX_IMAGE_WIDTH
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
    from .export import ExportSummary, export_dataset
    from .preview import contact_sheet
    from .templates import Template, parse_template
    from .templates.phone import PHONE_FORMATS

# Everything but the errors loads on first use (PEP 562), so that ``import number_generator``
# does no more than drawing an image needs: the batch stream, augmentation, templates,
# export and the preview load when a caller first asks for them. The function ``batches``
# stays the package's ``batches`` when its submodule is imported (see lazy_names).
__getattr__, __dir__ = lazy_names(
    __name__,
    {
        "._api": ("default_generator", "generate_numbers_sequence", "generate_phone_numbers"),
        "._util.files": ("write_png",),
        "._util.params": (
            "DEFAULT_SPACING_RANGE",
            "MAX_DIGITS",
            "MAX_IMAGE_HEIGHT",
            "MAX_IMAGE_WIDTH",
        ),
        ".augment": (
            "DEFAULT_PRESET",
            "PRESETS",
            "TRANSFORM_NAMES",
            "Lambda",
            "Pipeline",
            "Transform",
            "preset",
        ),
        ".batches": ("ALPHABET", "BLANK", "Batch", "batches"),
        ".compose": ("SequenceGenerator", "SequenceImage"),
        ".datasets": (
            "DATASETS",
            "MNIST",
            "QMNIST",
            "DigitDataset",
            "EMNISTDigits",
            "get_mnist_data",
            "load_dataset",
            "load_mnist",
            "load_npz",
            "load_png_folder",
        ),
        ".export": ("ExportSummary", "export_dataset"),
        ".preview": ("contact_sheet",),
        ".templates": ("Template", "parse_template"),
        ".templates.phone": ("PHONE_FORMATS",),
    },
)

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
