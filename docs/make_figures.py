"""Regenerate the README figures from real MNIST digits.

Usage: ``python docs/make_figures.py`` (uses $NUMBER_GENERATOR_DATA_DIR /
$NUMBER_GENERATOR_SPLIT like every other entry point; the writers figure needs
the split's QMNIST writers file there too). Writes ``docs/images/examples.png``
and ``docs/images/writers.png``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from number_generator import SequenceGenerator, write_png

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


def main() -> None:
    generator = SequenceGenerator(seed=2024)
    pictures = []
    for caption, digits, spacing, options in ROWS:
        pictures.append((caption, generator.render(digits, spacing, WIDTH, **options).paper))
    _write("examples.png", pictures)
    _write("writers.png", _writers())


def _writers() -> list[tuple[str, np.ndarray]]:
    """The same number in the hands of the first four writers seeds 0, 1, … draw."""
    generator = SequenceGenerator()
    pictures: dict[int, np.ndarray] = {}
    seed = 0
    while len(pictures) < HANDS:
        image = generator.render(WRITERS_NUMBER, (2, 8), WIDTH, seed=seed, writer="same")
        pictures.setdefault(int(image.writers[0]), image.paper)
        seed += 1
    return [(f"{WRITERS_NUMBER}, writer {hand}", paper) for hand, paper in pictures.items()]


def _write(name: str, pictures: list[tuple[str, np.ndarray]]) -> None:
    """One row per picture: its caption on the left, the picture zoomed on the right."""
    rows = []
    for caption, paper in pictures:
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
    write_png(OUT / name, np.vstack(rows))
    print(OUT / name)


if __name__ == "__main__":
    main()
