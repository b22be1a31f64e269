"""The built-in transforms by name: :data:`TRANSFORMS` and :data:`TRANSFORM_NAMES`.

Filled by subclassing: defining a :class:`~.base.Transform` subclass with a
``name`` in this package registers it (see :class:`~.base.Transform` for how
to add one). This module imports every module of :data:`TRANSFORM_MODULES`,
none of which loads OpenCV before a transform is applied.
"""

from __future__ import annotations

import importlib

from .base import Transform, built_in_transforms

__all__ = ["TRANSFORMS", "TRANSFORM_MODULES", "TRANSFORM_NAMES"]

#: The modules that define the built-in transforms, in :data:`TRANSFORM_NAMES` order.
TRANSFORM_MODULES: tuple[str, ...] = (
    "affine",
    "distortion",
    "morphology",
    "photometric",
    "document",
    "printed",
    "scan",
)


def _by_name() -> dict[str, type[Transform]]:
    """Every built-in transform class by name: module by module, then in definition order."""
    modules = [f"{__package__}.{name}" for name in TRANSFORM_MODULES]
    for module in modules:
        importlib.import_module(module)
    classes = built_in_transforms()
    stray = [cls.__qualname__ for cls in classes if cls.__module__ not in modules]
    if stray:
        raise ImportError(
            f"transforms {stray} are defined outside {TRANSFORM_MODULES}: move them there or "
            "add their module to TRANSFORM_MODULES"
        )
    by_name: dict[str, type[Transform]] = {}
    # sorted() is stable: within one module the classes keep their definition order.
    for cls in sorted(classes, key=lambda cls: modules.index(cls.__module__)):
        if cls.name in by_name:
            raise ImportError(f"two transforms are named {cls.name!r}")
        by_name[cls.name] = cls
    return by_name


#: Every built-in transform class by name (in :data:`TRANSFORM_NAMES` order).
TRANSFORMS: dict[str, type[Transform]] = _by_name()

#: Names of the built-in transforms, as :data:`TRANSFORMS` maps them to classes:
#: seed 004's eleven (shift, scale, rotate, blur, optical/grid distortion, elastic, Gaussian
#: noise, median blur, brightness/contrast, emboss) plus the extras, then the document ones
#: (paper, print, scan).
TRANSFORM_NAMES: tuple[str, ...] = tuple(TRANSFORMS)
