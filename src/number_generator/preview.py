"""Contact sheets: a labelled grid of samples, one row per augmentation setting."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ._util.params import DEFAULT_SPACING_RANGE, check_int
from .augment import PRESETS, TRANSFORMS, resolve_augment
from .compose import RenderOptions, SequenceGenerator
from .compose.glyphs import read_digits
from .datasets import DigitDataset
from .errors import InvalidParameterError, InvalidTypeError

__all__ = ["ROW_SETS", "contact_sheet"]

U8Array = npt.NDArray[np.uint8]

# The transforms of the page, the print and the scan (the ``"document"`` preset's own).
_DOCUMENT_MODULES = ("document", "printed", "scan")
_DOCUMENT_TRANSFORMS = tuple(
    name
    for name, cls in TRANSFORMS.items()
    if cls.__module__.rpartition(".")[2] in _DOCUMENT_MODULES
)

#: Named row sets of :func:`contact_sheet`.
ROW_SETS: dict[str, tuple[str, ...]] = {
    "presets": ("none", *(name for name in PRESETS if name != "document")),
    "document": ("none", "document", *_DOCUMENT_TRANSFORMS),
    "transforms": ("none", *TRANSFORMS),
}
ROW_SETS["all"] = ("none", *PRESETS, *TRANSFORMS)

_GAP = 4  # pixels of grey between cells, at output scale
_LABEL_WIDTH = 150  # pixels, at output scale
_BACKGROUND = 200


def contact_sheet(
    rows: str | Sequence[Any] = "presets",
    *,
    digits: str = "0123456789",
    samples: int = 4,
    seed: int = 0,
    image_width: int = 280,
    spacing_range: tuple[int, int] = DEFAULT_SPACING_RANGE,
    zoom: int = 2,
    dataset: DigitDataset | str | Path | None = None,
    writer: str = "any",
) -> U8Array:
    """A labelled grid of augmented samples, as a ``uint8`` picture (black ink on white).

    Column ``j`` of every row draws the same glyphs and gaps (seed ``seed +
    j``), so the rows differ only by their augmentation.

    Parameters
    ----------
    rows:
        A row-set name (``"presets"``: none, light, medium, heavy;
        ``"document"``: none, the document preset, and each of its paper, print
        and scan transforms at ``p=1``; ``"transforms"``: none and every
        transform at ``p=1``; ``"all"``), or a
        list of ``augment=`` values (names, pipelines, callables).
    digits:
        The sequence drawn in every cell.
    samples:
        Cells per row, 1-16.
    seed:
        Seed of the first column.
    image_width, spacing_range:
        As for :meth:`SequenceGenerator.render`.
    zoom:
        Integer magnification (nearest neighbour), 1-8, so pixels stay visible.
    dataset:
        Where glyphs come from; default MNIST.
    writer:
        ``"any"`` or ``"same"`` (each cell one writer's hand), as for
        :meth:`SequenceGenerator.render`.

    Examples
    --------
    >>> sheet = contact_sheet("presets", digits="42", samples=2, image_width=64)
    >>> sheet.dtype.name, sheet.shape[0] > 4 * 28
    ('uint8', True)
    """
    samples = check_int(samples, "samples", 1, 16)
    zoom = check_int(zoom, "zoom", 1, 8)
    settings = _settings(rows)
    generator = SequenceGenerator(dataset)
    pipelines = [resolve_augment(setting) for setting in settings]
    text = read_digits(digits)
    options = RenderOptions(spacing_range, image_width, writer=writer)
    lines: list[U8Array] = []
    for setting, pipeline in zip(settings, pipelines):
        cells = [
            generator.draw(text, options, pipeline, generator.rng_for(seed + j)).paper
            for j in range(samples)
        ]
        lines.append(_row(_label(setting, pipeline), cells, zoom))
    gap = np.full((_GAP, lines[0].shape[1]), _BACKGROUND, np.uint8)
    parts = [gap]
    for line in lines:
        parts += [line, gap]
    return np.vstack(parts)


def _settings(rows: str | Sequence[Any]) -> Sequence[Any]:
    """The ``augment=`` value of each row."""
    if isinstance(rows, str):
        if rows not in ROW_SETS:
            raise InvalidParameterError(
                f"rows={rows!r}: expected one of {', '.join(map(repr, ROW_SETS))} or a list of "
                "augment= values",
                param="rows",
                value=rows,
            )
        return ROW_SETS[rows]
    if isinstance(rows, Sequence) and len(rows) > 0:
        return rows
    raise InvalidTypeError(
        f"rows={rows!r}: expected a row-set name or a non-empty list of augment= values",
        param="rows",
        value=rows,
    )


def _label(setting: Any, augment: Any) -> str:
    if isinstance(setting, str):
        return setting
    name = getattr(augment, "name", None)
    return str(name) if name else type(setting).__name__


def _row(label: str, cells: list[U8Array], zoom: int) -> U8Array:
    height = cells[0].shape[0] * zoom
    text = np.full((height, _LABEL_WIDTH), 255, np.uint8)
    import cv2

    font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, 0.5, 1
    (width, text_height), _ = cv2.getTextSize(label, font, scale, thickness)
    while width > _LABEL_WIDTH - 8 and scale > 0.3:
        scale -= 0.05
        (width, text_height), _ = cv2.getTextSize(label, font, scale, thickness)
    cv2.putText(
        text, label, (4, (height + text_height) // 2), font, scale, 0, thickness, cv2.LINE_AA
    )
    gap = np.full((height, _GAP), _BACKGROUND, np.uint8)
    parts = [gap, text, gap]
    for cell in cells:
        parts += [np.kron(cell, np.ones((zoom, zoom), np.uint8)) if zoom > 1 else cell, gap]
    return np.hstack(parts)
