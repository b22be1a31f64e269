"""A package's public names, each imported from its module when first used (PEP 562).

So that ``import number_generator`` stays cheap: a process that only draws images
never loads the augmentation, templates, export or preview code.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(
    package: str, origins: Mapping[str, tuple[str, ...]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, serving ``origins`` lazily.

    Parameters
    ----------
    package:
        The package's ``__name__``.
    origins:
        Relative module name (``".augment"``) -> the public names it defines.
        On first access a name is imported from its module and kept in the
        package, so later accesses are plain attribute lookups.

    Examples
    --------
    >>> getattr_, dir_ = lazy_names("number_generator", {".errors": ("InvalidParameterError",)})
    >>> getattr_("InvalidParameterError").__name__
    'InvalidParameterError'
    """
    where = {name: module for module, names in origins.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | where.keys())

    return __getattr__, __dir__
