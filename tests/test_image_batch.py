"""The image stage applied to a whole stack at once: ``Pipeline.transform_images``.

A stack of finished images goes through a pipeline's image stage in one call;
each image gets what :meth:`~number_generator.augment.Pipeline.transform_field`
would give it (a transformed image and how its field moved).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

import number_generator as ng
from number_generator import augment as aug

U8 = npt.NDArray[np.uint8]


@pytest.fixture(scope="module")
def ink_stack() -> tuple[U8, list[npt.NDArray[np.int32]]]:
    """32 phone numbers, 28x280, in the ink convention (0 = paper), with their digit boxes."""
    batch = next(iter(ng.batches(32, "phone", seed=0, image_width=280, dtype="uint8")))
    images = 255 - np.asarray(batch.images, np.uint8)
    boxes = [b[(b >= 0).all(axis=1)].astype(np.int32) for b in batch.boxes]
    return images, boxes


@pytest.mark.parametrize("name", ["light", "medium", "document"])
def test_transform_images_returns_images_and_matrices(
    ink_stack: tuple[U8, list[npt.NDArray[np.int32]]], name: str
) -> None:
    images, boxes = ink_stack
    pipeline = aug.preset(name)
    out, matrices = pipeline.transform_images(images.copy(), np.random.default_rng(3), boxes)
    assert out.dtype == np.uint8 and out.shape == images.shape
    assert len(matrices) == len(images)
    assert all(m is None or m.shape == (3, 3) for m in matrices)
    assert (out != images).any(axis=(1, 2)).sum() > len(images) // 4
