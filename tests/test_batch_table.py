"""The batch composer's glyph table and the templates' batch sampling: the table keeps
only ink columns (in rows padded to 32 bytes) and still composes every glyph as
``draw`` does, its edges included; strings sampled a batch at once are those the
documented draw order gives.
"""

from __future__ import annotations

import numpy as np
import pytest

from number_generator import DigitDataset, SequenceGenerator, parse_template
from number_generator.compose import RenderOptions
from number_generator.compose import batch as _batch
from number_generator.templates.blocks import PatternBlock


def _edge_glyphs(height: int, width: int) -> DigitDataset:
    """Ten glyphs of ``height`` x ``width``: ink in the first column only, the last only,
    every pixel, the top row, the bottom row, and two columns at different places."""
    images = np.zeros((10, height, width), np.uint8)
    images[0, :, 0] = 255  # the leftmost column only
    images[1, :, -1] = 255  # the rightmost column only
    images[2] = 200  # every pixel
    images[3, 0, 2:5] = 90  # the top row
    images[4, -1, 1:-1] = 255  # the bottom row
    for k in range(5, 10):  # two columns wide, at different places
        column = (k - 5) % (width - 1)
        images[k, 1 : height - 1, column : column + 2] = 25 * k
    return DigitDataset(images, np.arange(10))


@pytest.mark.parametrize(("height", "width"), [(28, 28), (9, 7), (40, 33)])
def test_glyphs_at_the_edges_compose_as_draw_draws_them(height: int, width: int) -> None:
    dataset = _edge_glyphs(height, width)
    texts = parse_template("random:1-6").sample(np.random.default_rng(1), 60)
    spacing, paper_width = (0, 3), 6 * width
    composed = _batch.compose_in_order(
        dataset, texts, spacing, paper_width, np.random.default_rng(2)
    )
    generator, rng = SequenceGenerator(dataset), np.random.default_rng(2)
    options = RenderOptions(spacing, paper_width, image_height=height)
    for i, text in enumerate(texts):
        image = generator.draw(text, options, None, rng)
        assert composed.fits[i]
        np.testing.assert_array_equal(composed.paper[i], image.paper)
        np.testing.assert_array_equal(composed.boxes[composed.glyph_text == i], image.boxes)


@pytest.mark.parametrize(("height", "width"), [(9, 7), (40, 33)])
def test_float_paper_of_any_glyph_height_is_the_uint8_paper_divided(
    height: int, width: int
) -> None:
    """Rows padded (9 pixels to 16 bytes) or not (40 pixels): the same images either way."""
    dataset = _edge_glyphs(height, width)
    texts = parse_template("0#-## #/#").sample(np.random.default_rng(4), 40)
    composed = [
        _batch.compose_batch(
            dataset, texts, (0, 4), 12 * width, np.random.default_rng(6), floats=floats
        )
        for floats in (False, True)
    ]
    paper, floats = composed[0].paper, composed[1].paper
    expected = np.divide(paper, np.float32(255), dtype=np.float32)
    assert floats.dtype == np.float32 and floats.shape == (40, height, 12 * width)
    assert np.array_equal(floats.view(np.uint32), expected.view(np.uint32))
    # Every string that fits is drawn, with ink.
    np.testing.assert_array_equal((paper < 255).any(axis=(1, 2)), composed[0].fits)
    assert composed[0].fits.all()


def test_the_table_holds_each_ink_column_once_in_padded_rows(mnist_test: DigitDataset) -> None:
    table = _batch.column_table(mnist_test)
    extents = mnist_test.ink_extents.astype(np.intp)
    ink_columns = int((extents[:, 1] - extents[:, 0]).sum())
    assert table.table.shape[1] == 32  # 28 pixels and 4 of padding
    separator_columns = int(table.separators[..., 2].sum())
    assert table.table.shape[0] == ink_columns + separator_columns + 1  # and one blank row
    # Glyph 7's first ink column, as the table holds it.
    start, top, width, bottom = table.glyphs[7]
    first = 255 - mnist_test.images[7][:, extents[7, 0]]
    np.testing.assert_array_equal(table.table[start, :28], first)
    assert (table.table[:, 28:] == 255).all()
    assert (width, top, bottom) == (extents[7, 1] - extents[7, 0], extents[7, 2], extents[7, 3])


@pytest.mark.parametrize("spec", ["random:1-12", "random:3-4", "random:5"])
@pytest.mark.parametrize("count", [0, 1, 9, 300])
def test_random_strings_are_each_length_drawn_in_turn(spec: str, count: int) -> None:
    """Each string's length first, then the digits of the strings of each length in
    turn, shortest first: the draw order the seed contract names."""
    template = parse_template(spec)
    low, high = (int(n) for n in (spec[7:] + "-" + spec[7:]).split("-")[:2])
    for seed in range(3):
        rng = np.random.default_rng(seed)
        choice = rng.integers(0, high - low + 1, count)
        expected = [""] * count
        for b, length in enumerate(range(low, high + 1)):
            where = np.flatnonzero(choice == b).tolist()
            drawn = PatternBlock("#" * length).sample(rng, len(where))
            for position, text in zip(where, drawn, strict=True):
                expected[position] = text
        after = rng.random()
        rng = np.random.default_rng(seed)
        assert template.sample(rng, count) == expected
        assert rng.random() == after  # the stream left where the reference leaves it
