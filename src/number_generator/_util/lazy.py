"""Loaded when first used: a package's public names (PEP 562), the package's logger.

So that ``import number_generator`` stays cheap: a process that only draws images
never loads the batch stream, augmentation, templates, export or preview code, nor
:mod:`logging`.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging


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
        package, so later accesses are plain attribute lookups. A name served
        by the submodule of the same name (``batches`` from ``".batches"``)
        stays that name when the submodule is imported: the import system
        binds the submodule on its package, and the package ignores it.

    Examples
    --------
    >>> getattr_, dir_ = lazy_names("number_generator", {".errors": ("InvalidParameterError",)})
    >>> getattr_("InvalidParameterError").__name__
    'InvalidParameterError'
    """
    where = {name: module for module, names in origins.items() for name in names}
    shadowed = frozenset(name for name, module in where.items() if module == f".{name}")
    if shadowed:
        sys.modules[package].__class__ = _package_keeping(shadowed)

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


def _package_keeping(names: frozenset[str]) -> type[types.ModuleType]:
    """A module class whose ``names`` are never rebound to a submodule."""

    class Package(types.ModuleType):
        def __setattr__(self, name: str, value: Any) -> None:
            if name in names and isinstance(value, types.ModuleType):
                return  # the submodule stays reachable through sys.modules and imports
            super().__setattr__(name, value)

    return Package


def logger() -> logging.Logger:
    """The ``"number_generator"`` logger; :mod:`logging` is imported by the first message.

    Examples
    --------
    >>> logger().name
    'number_generator'
    """
    import logging

    return logging.getLogger("number_generator")
