"""Output formats of :func:`~number_generator.export.export_dataset`, one class each.

Adding a format: a module here with a :class:`ShardFormat` subclass, listed
once in :data:`WRITERS`; :data:`FORMATS`, the ``format=`` check and the CLI's
``--format`` choices follow from it.
"""

from __future__ import annotations

from ..._util.params import check_choice
from .base import ShardFormat
from .npz import NpzFormat
from .png import PngFormat
from .webdataset import WebDatasetFormat

__all__ = ["FORMATS", "WRITERS", "ShardFormat", "writer_for"]

#: Every output format by its ``format=`` name, in the order they are listed.
WRITERS: dict[str, ShardFormat] = {
    writer.name: writer for writer in (PngFormat(), WebDatasetFormat(), NpzFormat())
}
#: Output formats of :func:`~number_generator.export.export_dataset`.
FORMATS = tuple(WRITERS)


def writer_for(format: str) -> ShardFormat:
    """The writer of ``format`` (one of :data:`FORMATS`)."""
    return WRITERS[check_choice(format, "format", FORMATS)]
