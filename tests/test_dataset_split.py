"""DigitDataset.partition: a seeded, stratified split into two disjoint parts."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import numpy as np
import pytest

from number_generator import (
    DigitDataset,
    InvalidParameterError,
    InvalidTypeError,
    SequenceGenerator,
)


def _fingerprints(dataset: DigitDataset) -> Counter[tuple[bytes, int]]:
    return Counter(
        (hashlib.sha1(image.tobytes()).digest(), int(label))
        for image, label in zip(dataset.images, dataset.labels)
    )


def test_halves_of_the_real_test_split_are_disjoint_and_cover_it(
    mnist_test: DigitDataset,
) -> None:
    first, second = mnist_test.partition(0.5, seed=0)
    assert (len(first), len(second)) == (5000, 5000)
    whole = _fingerprints(mnist_test)
    assert max(whole.values()) == 1  # no duplicate glyphs, so disjoint parts share none
    a, b = _fingerprints(first), _fingerprints(second)
    assert not set(a) & set(b)
    assert a + b == whole


def test_every_class_is_split_by_the_fraction(mnist_test: DigitDataset) -> None:
    first, second = mnist_test.partition(0.3, seed=1)
    counts = np.bincount(mnist_test.labels, minlength=10)
    expected = [round(0.3 * int(c)) for c in counts]
    assert np.bincount(first.labels, minlength=10).tolist() == expected
    assert (np.bincount(second.labels, minlength=10) == counts - expected).all()


def test_parts_keep_ink_extents_names_and_order(mnist_test: DigitDataset) -> None:
    first, _ = mnist_test.partition(0.5, seed=0)
    assert (first.name, first.split) == (mnist_test.name, mnist_test.split)
    np.testing.assert_array_equal(
        first.ink_extents, DigitDataset(first.images, first.labels).ink_extents
    )


def test_same_seed_same_parts_other_seed_other_parts(mnist_test: DigitDataset) -> None:
    a1, b1 = mnist_test.partition(0.5, seed=7)
    a2, b2 = mnist_test.partition(0.5, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a1.images, a2.images)
    np.testing.assert_array_equal(b1.labels, b2.labels)
    a3, _ = mnist_test.partition(0.5, seed=8)
    assert not np.array_equal(a1.images, a3.images)


def test_sequences_from_a_part_use_only_its_glyphs(mnist_test: DigitDataset) -> None:
    train, held_out = mnist_test.partition(0.5, seed=0)
    train_prints = {key for key, _ in _fingerprints(train).items()}
    image = SequenceGenerator(held_out, seed=0).render("09012345678", (2, 8), 304)
    for index in image.indices:
        key = (hashlib.sha1(held_out.images[index].tobytes()).digest(), held_out.labels[index])
        assert key not in train_prints


@pytest.mark.parametrize(
    ("fraction", "error", "match"),
    [
        (0.0, InvalidParameterError, r"fraction=0\.0: must be strictly between 0 and 1"),
        (1, InvalidParameterError, r"fraction=1: must be strictly between 0 and 1"),
        (-0.5, InvalidParameterError, r"fraction=-0\.5"),
        (float("nan"), InvalidParameterError, r"fraction=nan"),
        ("0.5", InvalidTypeError, r"fraction='0\.5': expected a number"),
        (True, InvalidTypeError, r"fraction=True"),
    ],
    ids=["zero", "one", "negative", "nan", "string", "bool"],
)
def test_bad_fraction(mnist_test: DigitDataset, fraction: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        mnist_test.partition(fraction)


def test_bad_seed(mnist_test: DigitDataset) -> None:
    with pytest.raises(InvalidParameterError, match=r"seed=-1"):
        mnist_test.partition(0.5, seed=-1)


# --------------------------------------------------------------------------- by writer


@pytest.mark.parametrize(("fraction", "seed"), [(0.5, 0), (0.3, 1), (0.8, 2)])
def test_writer_partition_shares_no_writer_and_holds_every_glyph_once(
    mnist_test: DigitDataset, fraction: float, seed: int
) -> None:
    first, second = mnist_test.partition(fraction, seed=seed, by="writer")

    assert not set(first.writers.tolist()) & set(second.writers.tolist())
    assert _fingerprints(first) + _fingerprints(second) == _fingerprints(mnist_test)
    assert abs(len(first) - fraction * len(mnist_test)) < 60  # a writer holds ~34 glyphs
    # The class balance follows the writers: each class within 1.5 points of its share.
    for part in (first, second):
        shares = part.class_counts() / len(part)
        np.testing.assert_allclose(shares, mnist_test.class_counts() / 10000, atol=0.015)
    again, _ = mnist_test.partition(fraction, seed=seed, by="writer")
    np.testing.assert_array_equal(again.images, first.images)


def test_writer_partition_keeps_unknown_glyphs_one_by_one() -> None:
    images = np.zeros((6, 28, 28), np.uint8)
    images[:, 5:9, 5:9] = 255
    dataset = DigitDataset(images, [0, 1, 2, 3, 4, 5], writers=[7, 7, 7, -1, -1, -1])
    first, second = dataset.partition(0.5, seed=0, by="writer")
    assert len(first) + len(second) == 6
    assert 7 not in set(first.writers.tolist()) & set(second.writers.tolist())


def test_glyph_partition_is_the_default_and_unchanged(mnist_test: DigitDataset) -> None:
    default, _ = mnist_test.partition(0.5, seed=3)
    by_glyph, _ = mnist_test.partition(0.5, seed=3, by="glyph")
    np.testing.assert_array_equal(default.images, by_glyph.images)
    np.testing.assert_array_equal(default.writers, by_glyph.writers)


def test_bad_by(mnist_test: DigitDataset) -> None:
    with pytest.raises(
        InvalidParameterError, match=r"by='writers': expected one of 'glyph', 'writer'"
    ) as info:
        mnist_test.partition(0.5, by="writers")
    assert info.value.param == "by"


def test_by_writer_needs_writers() -> None:
    images = np.zeros((4, 28, 28), np.uint8)
    images[:, 5:9, 5:9] = 255
    with pytest.raises(
        InvalidParameterError,
        match=r"by='writer': the dataset 'custom' has no writer ids, so it cannot be split "
        r"by writer\. Give the writer of each glyph as DigitDataset\(\.\.\., writers=\.\.\.\)",
    ) as info:
        DigitDataset(images, [0, 1, 2, 3]).partition(0.5, by="writer")
    assert info.value.param == "by"
    with pytest.raises(InvalidParameterError, match=r"has a single writer \(5\)"):
        DigitDataset(images, [0, 1, 2, 3], writers=[5] * 4).partition(0.5, by="writer")
