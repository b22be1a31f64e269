"""The exception hierarchy: one base class, each subclass also a matching built-in."""

from __future__ import annotations

__all__ = [
    "ChecksumError",
    "CorruptDatasetError",
    "DatasetNotFoundError",
    "DownloadError",
    "InvalidParameterError",
    "InvalidTypeError",
    "NumberGeneratorError",
]


class NumberGeneratorError(Exception):
    """Base class of every error this package raises on purpose."""


class InvalidParameterError(NumberGeneratorError, ValueError):
    """A parameter has a value outside what is allowed."""


class InvalidTypeError(NumberGeneratorError, TypeError):
    """A parameter has a type that is not accepted."""


class DatasetNotFoundError(NumberGeneratorError, FileNotFoundError):
    """Dataset files are missing and could not be downloaded."""


class CorruptDatasetError(NumberGeneratorError, ValueError):
    """A dataset file exists but its content is malformed or truncated."""


class ChecksumError(NumberGeneratorError, ValueError):
    """A file's SHA-256 digest does not match the published one."""


class DownloadError(NumberGeneratorError, OSError):
    """Every mirror failed to deliver a file."""
