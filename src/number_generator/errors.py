"""The exception hierarchy: one base class, each subclass also a matching built-in.

A parameter error names the parameter it is about in :attr:`ParameterError.param`
and carries the bad value in :attr:`ParameterError.value`, so a face (the CLI, the
web service) can blame its own flag or field without reading the message.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChecksumError",
    "CorruptDatasetError",
    "DatasetNotFoundError",
    "DownloadError",
    "InvalidParameterError",
    "InvalidTypeError",
    "NumberGeneratorError",
    "ParameterError",
    "ShardError",
]


class NumberGeneratorError(Exception):
    """Base class of every error this package raises on purpose."""


class ParameterError(NumberGeneratorError):
    """A parameter a caller gave is wrong; the message names it, the value and what is allowed.

    Attributes
    ----------
    param:
        The library's name of the parameter (``"image_width"``, ``"spacing_range"``,
        ``"digits"`` …), or ``None`` when the error is about no single one.
    value:
        The value that was refused (``None`` when there is none to show).

    Examples
    --------
    >>> error = InvalidParameterError("image_width=0: must be 1..64", param="image_width", value=0)
    >>> error.param, error.value, str(error)
    ('image_width', 0, 'image_width=0: must be 1..64')
    """

    def __init__(self, message: str, *, param: str | None = None, value: Any = None) -> None:
        super().__init__(message)
        self.param = param
        self.value = value

    def __reduce__(self) -> tuple[Any, ...]:  # keep param and value across processes
        return (_rebuild, (type(self), str(self), self.param, self.value))


def _rebuild(cls: type[ParameterError], message: str, param: str | None, value: Any) -> Any:
    return cls(message, param=param, value=value)


class InvalidParameterError(ParameterError, ValueError):
    """A parameter has a value outside what is allowed."""


class InvalidTypeError(ParameterError, TypeError):
    """A parameter has a type that is not accepted."""


class DatasetNotFoundError(NumberGeneratorError, FileNotFoundError):
    """Dataset files are missing and could not be downloaded."""


class CorruptDatasetError(NumberGeneratorError, ValueError):
    """A dataset file exists but its content is malformed or truncated."""


class ChecksumError(NumberGeneratorError, ValueError):
    """A file's SHA-256 digest does not match the published one."""


class DownloadError(NumberGeneratorError, OSError):
    """Every mirror failed to deliver a file."""


class ShardError(NumberGeneratorError, RuntimeError):
    """A shard of an export could not be written as planned (e.g. a worker holds other data)."""
