"""Augmentation: turning the ``augment=`` argument into transforms.

The augmentation engine is not built yet; until it is, any request for
augmentation is refused with :class:`AugmentationUnavailableError` rather
than silently ignored.
"""

from __future__ import annotations

from typing import Any

from .errors import NumberGeneratorError

__all__ = ["AugmentationUnavailableError", "resolve_augment"]


class AugmentationUnavailableError(NumberGeneratorError, NotImplementedError):
    """Augmentation was requested but this version cannot do it yet."""


def resolve_augment(augment: Any) -> None:
    """Return the augmentation ``augment`` asks for; ``None``/``False`` mean none.

    Raises
    ------
    AugmentationUnavailableError
        For any other value: augmentation is not implemented in this version.
    """
    if augment is None or augment is False:
        return None
    raise AugmentationUnavailableError(
        f"augment={augment!r}: augmentation is not available in this version yet; "
        "pass augment=None (or False)"
    )
