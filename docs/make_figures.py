"""Regenerate the README figures from real MNIST digits.

Usage: ``python docs/make_figures.py`` (uses $NUMBER_GENERATOR_DATA_DIR /
$NUMBER_GENERATOR_SPLIT like every other entry point; the writers figure needs
the split's QMNIST writers file there too). Writes ``docs/images/examples.png``,
``docs/images/writers.png`` (one number in four writers' hands),
``docs/images/contour_spacing.png`` (the same draws with ink and contour spacing
side by side), ``docs/images/punctuation.png`` (templates with symbols),
``docs/images/augment_document.png`` (the ``document`` contact sheet) and
``docs/images/document_examples.png`` (form use cases); ``python
docs/make_figures.py document`` writes only the last two.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from number_generator import SequenceGenerator, contact_sheet, preset, write_png
from number_generator import augment as aug

OUT = Path(__file__).resolve().parent / "images"
WIDTH, LABEL_WIDTH, ZOOM = 300, 290, 2

ROWS = [
    ("090-1234-5678, gaps 2-8, pad", "09012345678", (2, 8), {}),
    ("0123456789, gaps 0-0, pad", "0123456789", (0, 0), {}),
    ("0123456789, gaps 10-10, pad", "0123456789", (10, 10), {}),
    ("31415, gaps -4 to -2 (touching)", "31415", (-4, -2), {}),
    ("31415, gaps 2-8, stretch", "31415", (2, 8), {"fit": "stretch"}),
    ("8675309, height 40", "8675309", (3, 6), {"image_height": 40}),
]

#: The number drawn in four writers' hands, and how many hands.
WRITERS_NUMBER, HANDS = "0901234567", 4

#: Contour vs ink: caption, text, spacing; each row drawn with the same seed both ways.
SPACING_ROWS = [
    ("7474147, gaps 2", "7474147", (2, 2)),
    ("0123456789, gaps 0", "0123456789", (0, 0)),
    ("1,234.56, gaps 1", "1,234.56", (1, 1)),
    ("31415, gaps -2", "31415", (-2, -2)),
]
SPACING_WIDTH = 240

PUNCTUATION_WIDTH = 380
#: Punctuated templates: caption, text (drawn as written), spacing.
PUNCTUATION_ROWS = [
    ("amount 1,234.56", "1,234.56", (2, 6)),
    ("phone +81 90-1234-5678", "+81 90-1234-5678", (2, 6)),
    ("landline (03) 1234-5678", "(03) 1234-5678", (2, 6)),
    ("time 12:30", "12:30", (2, 6)),
    ("cheque 12.345.678,90", "12.345.678,90", (1, 5)),
]


def _scan() -> list[aug.Transform]:
    """Paper and a scan, as the ``document`` preset draws them."""
    return [
        aug.InkVariation(p=0.7),
        aug.Paper(p=1.0),
        aug.ScanWarp(p=0.6),
        aug.Illumination(p=0.4),
        aug.Blur((0.3, 0.7), p=0.3),
        aug.JpegCompression((35, 80), p=0.6),
    ]


def _use_case(*printed: aug.Transform) -> aug.Pipeline:
    handwriting = preset("medium").glyph_transforms
    return aug.Pipeline([*handwriting, *printed, *_scan()])


#: Real-looking uses of the ``document`` transforms: caption, digits, gaps, width, pipeline.
USE_CASES = [
    (
        "cheque amount 1.500.-",
        "1.500.-",
        (2, 5),
        190,
        _use_case(
            aug.SecurityPattern(p=1.0),
            aug.FieldFrame(margin=(22, 26), p=1.0),  # room for the dash inside the box
        ),
    ),
    (
        "form field in comb boxes",
        "40213377",
        (7, 11),
        300,
        _use_case(aug.CombBoxes(margin=(0, 3), p=1.0)),
    ),
    (
        "phone number on ruled paper",
        "090-1234-5678",
        (1, 4),
        300,
        _use_case(aug.BaselineRule(full_width=1.0, dashed=0.0, offset=(-1.5, 1), p=1.0)),
    ),
]


def _caption(text: str, height: int, width: int = LABEL_WIDTH) -> np.ndarray:
    label = np.full((height, width), 255, np.uint8)
    cv2.putText(
        label, text, (6, height // 2 + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.42, 0, 1, cv2.LINE_AA
    )
    return label


def _zoom(paper: np.ndarray) -> np.ndarray:
    return cv2.resize(paper, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)


def _row(*parts: np.ndarray) -> np.ndarray:
    """Parts side by side with grey rules between, and a rule below."""
    rule = np.full((parts[0].shape[0], 2), 200, np.uint8)
    row = np.hstack([piece for part in parts for piece in (part, rule)][:-1])
    return np.vstack([row, np.full((2, row.shape[1]), 200, np.uint8)])


def _save(name: str, rows: list[np.ndarray]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    write_png(OUT / name, np.vstack(rows))
    print(OUT / name)


def examples(generator: SequenceGenerator) -> None:
    rows = []
    for caption, digits, spacing, options in ROWS:
        paper = generator.render(digits, spacing, WIDTH, **options).paper
        if paper.shape[0] != 28:
            paper = cv2.resize(
                paper, (WIDTH * 28 // paper.shape[0], 28), interpolation=cv2.INTER_AREA
            )
            paper = np.pad(paper, ((0, 0), (0, WIDTH - paper.shape[1])), constant_values=255)
        image = _zoom(paper)
        rows.append(_row(_caption(caption, image.shape[0]), image))
    _save("examples.png", rows)


def writers() -> None:
    """The same number in the hands of the first four writers seeds 0, 1, … draw."""
    generator = SequenceGenerator()
    pictures: dict[int, np.ndarray] = {}
    seed = 0
    while len(pictures) < HANDS:
        image = generator.render(WRITERS_NUMBER, (2, 8), WIDTH, seed=seed, writer="same")
        pictures.setdefault(int(image.writers[0]), image.paper)
        seed += 1
    rows = []
    for hand, paper in pictures.items():
        image = _zoom(paper)
        rows.append(_row(_caption(f"{WRITERS_NUMBER}, writer {hand}", image.shape[0]), image))
    _save("writers.png", rows)


def contour_spacing(generator: SequenceGenerator) -> None:
    """The same glyphs and gaps, measured between bounding columns (left) and contours (right)."""
    height = 28 * ZOOM
    rows = [_row(_caption("", 24), _caption("ink (default)", 24, SPACING_WIDTH * ZOOM),
                 _caption("contour", 24, SPACING_WIDTH * ZOOM))]  # fmt: skip
    for k, (caption, text, spacing) in enumerate(SPACING_ROWS):
        drawn = [
            _zoom(generator.render(text, spacing, SPACING_WIDTH, seed=k, spacing_mode=mode).paper)
            for mode in ("ink", "contour")
        ]
        rows.append(_row(_caption(caption, height), *drawn))
    _save("contour_spacing.png", rows)


def punctuation(generator: SequenceGenerator) -> None:
    rows = []
    for k, (caption, text, spacing) in enumerate(PUNCTUATION_ROWS):
        image = _zoom(generator.render(text, spacing, PUNCTUATION_WIDTH, seed=10 + k).paper)
        rows.append(_row(_caption(caption, image.shape[0]), image))
    _save("punctuation.png", rows)


def document_figures() -> None:
    """The ``document`` contact sheet and the form use cases, three samples each."""
    OUT.mkdir(parents=True, exist_ok=True)
    sheet = contact_sheet("document", digits="0901234567", samples=3, seed=3)
    write_png(OUT / "augment_document.png", sheet)
    rows = []
    for caption, digits, spacing, width, pipeline in USE_CASES:
        generator = SequenceGenerator(seed=7, augment=pipeline)
        for k in range(3):
            paper = generator.render(digits, spacing, width, seed=100 + k).paper
            image = np.pad(_zoom(paper), ((0, 0), (0, ZOOM * (WIDTH - width))), constant_values=255)
            rows.append(_row(_caption(caption if k == 0 else "", image.shape[0]), image))
    _save("document_examples.png", rows)
    print(OUT / "augment_document.png")


def main() -> None:
    generator = SequenceGenerator(seed=2024)
    examples(generator)
    writers()
    contour_spacing(generator)
    punctuation(generator)
    document_figures()


if __name__ == "__main__":
    if sys.argv[1:] == ["document"]:
        document_figures()
    else:
        main()
