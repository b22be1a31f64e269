"""Regenerate the README figures from real MNIST digits.

Usage: ``python docs/make_figures.py`` (uses $NUMBER_GENERATOR_DATA_DIR /
$NUMBER_GENERATOR_SPLIT like every other entry point). Writes
``docs/images/examples.png``, ``docs/images/augment_document.png`` (the
``document`` contact sheet) and ``docs/images/document_examples.png`` (form
use cases); ``python docs/make_figures.py document`` writes only the last two.
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
        "cheque amount, 1500 with a trailing dash",
        "1500",
        (3, 7),
        190,
        _use_case(
            aug.StrayStrokes(leading=0.0, length=(9, 14), p=1.0),
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


def _labelled(caption: str, image: np.ndarray) -> np.ndarray:
    """``image`` (uint8, black on white) with ``caption`` to its left and a grey rule below."""
    label = np.full((image.shape[0], LABEL_WIDTH), 255, np.uint8)
    cv2.putText(
        label,
        caption,
        (6, image.shape[0] // 2 + 5),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.42,
        0,
        1,
        cv2.LINE_AA,
    )
    row = np.hstack([label, np.full((image.shape[0], 2), 200, np.uint8), image])
    return np.vstack([row, np.full((2, row.shape[1]), 200, np.uint8)])


def document_figures() -> None:
    """The ``document`` contact sheet and the form use cases, three samples each."""
    sheet = contact_sheet("document", digits="0901234567", samples=3, seed=3)
    write_png(OUT / "augment_document.png", sheet)
    rows = []
    for caption, digits, spacing, width, pipeline in USE_CASES:
        generator = SequenceGenerator(seed=7, augment=pipeline)
        for k in range(3):
            paper = generator.render(digits, spacing, width, seed=100 + k).paper
            image = cv2.resize(paper, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)
            padded = np.pad(image, ((0, 0), (0, ZOOM * (WIDTH - width))), constant_values=255)
            rows.append(_labelled(caption if k == 0 else "", padded))
    write_png(OUT / "document_examples.png", np.vstack(rows))
    print(OUT / "augment_document.png", OUT / "document_examples.png")


def main() -> None:
    generator = SequenceGenerator(seed=2024)
    rows = []
    for caption, digits, spacing, options in ROWS:
        paper = generator.render(digits, spacing, WIDTH, **options).paper
        if paper.shape[0] != 28:
            paper = cv2.resize(
                paper, (WIDTH * 28 // paper.shape[0], 28), interpolation=cv2.INTER_AREA
            )
            paper = np.pad(paper, ((0, 0), (0, WIDTH - paper.shape[1])), constant_values=255)
        image = cv2.resize(paper, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)
        label = np.full((image.shape[0], LABEL_WIDTH), 255, np.uint8)
        cv2.putText(
            label,
            caption,
            (6, image.shape[0] // 2 + 5),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.42,
            0,
            1,
            cv2.LINE_AA,
        )
        row = np.hstack([label, np.full((image.shape[0], 2), 200, np.uint8), image])
        rows.append(np.vstack([row, np.full((2, row.shape[1]), 200, np.uint8)]))
    OUT.mkdir(parents=True, exist_ok=True)
    write_png(OUT / "examples.png", np.vstack(rows))
    print(OUT / "examples.png")
    document_figures()


if __name__ == "__main__":
    if sys.argv[1:] == ["document"]:
        document_figures()
    else:
        main()
