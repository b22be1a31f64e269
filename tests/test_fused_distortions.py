"""Grid and optical distortions in the batched glyph stage (``"heavy"`` batches).

:func:`~number_generator.augment.fused.transform_glyph_batch` composes a glyph's affine
run, elastic field, grid and lens into one map and resamples the glyph once; the
per-glyph stage (:meth:`Pipeline.transform_glyphs`) resamples after each of them.
These tests pin what a user relies on: with the same draws the fused map puts the ink
where the chain does, in the chain's order; over thousands of glyphs the ink has the
same size, mass and place; the strongest settings cut no ink; ``"heavy"`` batches take
the batched path and give the same bytes for the same seed (that every heavy digit stays
legible is checked with medium's, in tests/test_augmented_batches.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pytest

import number_generator as ng
from number_generator import DigitDataset
from number_generator import augment as aug
from number_generator._util.glyphs import ink_extents
from number_generator.augment import Pipeline, fused, preset
from number_generator.augment.fused import batch_plan, transform_glyph_batch
from number_generator.batches import BatchStream
from number_generator.compose import RenderOptions
from number_generator.compose.augmented import batches_glyph_stage
from number_generator.compose.glyphs import glyph_canvases

U8 = npt.NDArray[np.uint8]
F64 = npt.NDArray[np.float64]
WIDE = RenderOptions((2, 8), 400)  # ten digits fit unscaled
GLYPHS = 4000
CLEAR = 112  # a grey level counted as clear ink


def _texts(count: int, seed: int) -> list[str]:
    digits = np.random.default_rng(seed).integers(0, 10, (count, 10))
    return ["".join(map(str, row)) for row in digits.tolist()]


def _centroids(stack: U8) -> F64:
    """Each glyph's centre of ink ``(n, 2)``, x and y."""
    mass = stack.sum(axis=(1, 2), dtype=np.float64)
    xs = (stack.sum(axis=1, dtype=np.float64) * np.arange(stack.shape[2])).sum(axis=1)
    ys = (stack.sum(axis=2, dtype=np.float64) * np.arange(stack.shape[1])).sum(axis=1)
    centres: F64 = np.stack([xs, ys], axis=1) / np.maximum(mass, 1.0)[:, None]
    return centres


def _clear_box(stack: U8) -> F64:
    """Each glyph's box of clear ink ``(n, 2)``: width and height."""
    x0, y0, x1, y1 = ink_extents((stack >= CLEAR).astype(np.uint8)).T
    return np.stack([x1 - x0, y1 - y0], axis=1).astype(np.float64)


def _per_string(transforms: Sequence[aug.Transform], canvases: U8, seed: int, length: int) -> U8:
    pipeline, rng = Pipeline(transforms), np.random.default_rng(seed)
    strings = [canvases[k : k + length].copy() for k in range(0, len(canvases), length)]
    return np.concatenate([pipeline.transform_glyphs(string, rng) for string in strings])


def _batched(transforms: Sequence[aug.Transform], canvases: U8, seed: int, length: int) -> U8:
    lengths = np.full(len(canvases) // length, length)
    return transform_glyph_batch(transforms, canvases.copy(), lengths, np.random.default_rng(seed))


def test_heavy_glyph_stage_is_one_geometric_step() -> None:
    """The affine run, elastic field, grid and lens of ``"heavy"``: one step, one map."""
    assert {aug.GridDistortion, aug.OpticalDistortion} <= set(fused.BATCHED)
    glyph_stage = preset("heavy").glyph_transforms
    plan = batch_plan(glyph_stage)
    assert plan is not None and len(plan) == 2
    names = [t.name for t in glyph_stage]
    geometry, stroke = plan
    assert not isinstance(geometry, int) and isinstance(stroke, int)
    assert [names[i] for i in geometry.affine] == names[:6]
    assert [names[i] for i in geometry.distortions] == [
        "elastic", "grid_distortion", "optical_distortion",
    ]  # fmt: skip
    assert names[stroke] == "stroke_thickness"


# With the same draws (one string, fixed affine maps, every coin 1), the batched stage and
# the per-string one draw the same grid and lens numbers: the glyphs must match.
SAME_DRAWS = {
    "grid": [aug.Shear((12.0, 12.0), p=1.0), aug.Rotate((-9.0, -9.0), p=1.0),
             aug.GridDistortion(4, 0.6, p=1.0)],
    "barrel": [aug.SizeVariation((0.1, 0.1)), aug.Rotate((10.0, 10.0), p=1.0),
               aug.OpticalDistortion((0.3, 0.5), 0.1, p=1.0)],
    "pincushion": [aug.Shear((-10.0, -10.0), p=1.0),
                   aug.OpticalDistortion((-0.4, -0.2), 0.1, p=1.0)],
    "grid-then-lens": [aug.Rotate((12.0, 12.0), p=1.0), aug.GridDistortion(3, 0.6, p=1.0),
                       aug.OpticalDistortion((0.3, 0.5), 0.15, p=1.0)],
    "lens-then-grid": [aug.Scale((-0.2, -0.2), p=1.0),
                       aug.OpticalDistortion((-0.5, 0.5), 0.15, p=1.0),
                       aug.GridDistortion(3, 0.6, p=1.0)],
}  # fmt: skip


@pytest.mark.parametrize("name", list(SAME_DRAWS))
def test_the_fused_map_is_the_chain_in_its_order(mnist_test: DigitDataset, name: str) -> None:
    """Ink lands where the chain of warps and remaps puts it (within a few tenths of a
    pixel): one resampling instead of several blurs less, nothing else differs."""
    transforms = SAME_DRAWS[name]
    canvases = glyph_canvases(mnist_test.images, np.arange(400))
    chain = _per_string(transforms, canvases, 0, len(canvases))
    one_map = _batched(transforms, canvases, 0, len(canvases))
    shift = np.hypot(*(_centroids(one_map) - _centroids(chain)).T)
    assert np.percentile(shift, 90) < 0.3 and shift.max() < 2.0
    sizes = _clear_box(one_map) - _clear_box(chain)
    assert np.abs(sizes.mean(axis=0)).max() < 0.3 and np.percentile(np.abs(sizes), 90) <= 1
    alike = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(chain, one_map)]
    assert np.percentile(alike, 10) > 0.95


def _heavy_geometry() -> list[aug.Transform]:
    return [t for t in preset("heavy").glyph_transforms if t.name != "stroke_thickness"]


def test_heavy_glyphs_keep_their_statistics(mnist_test: DigitDataset) -> None:
    """The heavy glyph stage on 4,000 glyphs, per string and batched: as much ink, as big,
    in the same place, spread alike.

    The batched glyphs come out a little sharper and larger (about 1.5 % at the clear-ink
    level): the chain resamples four times, each time adding a faint fringe that the
    frame fits after the elastic field and the lens count as ink, so it shrinks a tall
    glyph a little more."""
    indices = np.random.default_rng(6).integers(len(mnist_test.images), size=GLYPHS)
    canvases = glyph_canvases(mnist_test.images, indices)
    heavy = list(preset("heavy").glyph_transforms)
    chain, one_map = _per_string(heavy, canvases, 7, 10), _batched(heavy, canvases, 8, 10)

    def alike(measure: Callable[[U8], F64], mean: float, spread: float = 0.1) -> None:
        a, b = measure(chain), measure(one_map)
        assert b.mean(axis=0) == pytest.approx(a.mean(axis=0), rel=mean)
        assert b.std(axis=0) == pytest.approx(a.std(axis=0), rel=spread)

    alike(lambda s: s.sum(axis=(1, 2), dtype=np.float64), 0.03)
    alike(lambda s: np.count_nonzero(s >= CLEAR, axis=(1, 2)).astype(np.float64), 0.03)
    alike(_clear_box, 0.025)
    stacks = (chain, one_map)
    centres = [_centroids(s) for s in stacks]
    assert np.abs(centres[1].mean(axis=0) - centres[0].mean(axis=0)).max() < 0.1
    assert centres[1].std(axis=0) == pytest.approx(centres[0].std(axis=0), rel=0.1)


def test_a_glyph_moves_as_far(mnist_test: DigitDataset) -> None:
    """One glyph through the heavy geometry 2,000 times, per string and batched: its ink
    moves as far (the spread of its centre), grows and shrinks alike (its clear box), and
    the average picture of where it lands is the same."""
    glyph = int(np.flatnonzero(mnist_test.labels == 4)[3])
    canvases = glyph_canvases(mnist_test.images, np.full(2000, glyph))
    heavy = _heavy_geometry()
    chain, one_map = _per_string(heavy, canvases, 9, 10), _batched(heavy, canvases, 10, 10)
    before = _centroids(canvases[:1])[0]
    moves = [_centroids(stack) - before for stack in (chain, one_map)]
    assert np.abs(moves[1].mean(axis=0) - moves[0].mean(axis=0)).max() < 0.1
    assert moves[1].std(axis=0) == pytest.approx(moves[0].std(axis=0), rel=0.1)
    assert np.hypot(*moves[1].T).mean() == pytest.approx(np.hypot(*moves[0].T).mean(), rel=0.1)
    boxes = [_clear_box(stack) for stack in (chain, one_map)]
    assert boxes[1].mean(axis=0) == pytest.approx(boxes[0].mean(axis=0), rel=0.03)
    assert boxes[1].std(axis=0) == pytest.approx(boxes[0].std(axis=0), rel=0.15)
    means = [stack.mean(axis=0) for stack in (chain, one_map)]
    assert np.corrcoef(means[0].ravel(), means[1].ravel())[0, 1] > 0.99


@pytest.mark.parametrize("k", [-0.5, 0.5], ids=["pincushion", "barrel"])
def test_the_strongest_distortions_cut_no_ink(
    mnist_test: DigitDataset, k: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ink turned, grown, distorted, its grid squeezed and its lens at the limits: every
    canvas holds all of it (its edges are blank), and each glyph keeps at least as much
    ink as per string.

    (More, in fact: the chain fits the ink into the frame after the elastic field and
    again after the lens, each time measuring a box widened by the faint fringe its
    resamplings leave, and shrinks it more; one map has one fringe and one fit.)
    """
    transforms = [
        aug.Rotate((30.0, 30.0), p=1.0), aug.SizeVariation((0.3, 0.3)),
        aug.ElasticTransform(alpha=(60.0, 60.0), sigma=4.0, p=1.0),
        aug.GridDistortion(5, 0.9, p=1.0), aug.OpticalDistortion((k, k), 0.2, p=1.0),
    ]  # fmt: skip
    canvases = glyph_canvases(mnist_test.images, np.arange(2000))
    seen: list[U8] = []
    into_frames = fused._into_frames

    def spy(
        glyphs: U8, items: npt.NDArray[np.intp], drawn: U8, origin: npt.NDArray[np.intp]
    ) -> None:
        seen.append(drawn.copy())
        into_frames(glyphs, items, drawn, origin)

    monkeypatch.setattr(fused, "_into_frames", spy)
    one_map = _batched(transforms, canvases, 1, 10)
    assert sum(len(drawn) for drawn in seen) == 2000  # canvases of a few sizes
    for drawn in seen:
        edges = [drawn[:, 0], drawn[:, -1], drawn[:, :, 0], drawn[:, :, -1]]
        assert not any(edge.any() for edge in edges), "ink reached a canvas's edge"
    chain = _per_string(transforms, canvases, 1, 10)
    before = canvases.sum(axis=(1, 2), dtype=np.float64)
    kept = [stack.sum(axis=(1, 2), dtype=np.float64) / before for stack in (chain, one_map)]
    for share in (1, 10, 50, 90):
        assert np.percentile(kept[1], share) >= 0.97 * np.percentile(kept[0], share)


def test_a_grid_keeps_the_ink_in_the_frame(mnist_test: DigitDataset) -> None:
    """A grid alone resamples the glyph in its frame, its edges fixed: ink at the frame's
    edges stays there and no ink is lost."""
    canvases = glyph_canvases(mnist_test.images, np.arange(1000))
    canvases[:, :, :3] = 200  # ink along the left edge of every frame
    grid = [aug.GridDistortion(5, 0.9, p=1.0)]
    one_map, chain = _batched(grid, canvases, 2, 10), _per_string(grid, canvases, 2, 10)
    assert (one_map[:, :, 0] > 150).all()
    before = canvases.sum(axis=(1, 2), dtype=np.float64)
    kept = [stack.sum(axis=(1, 2), dtype=np.float64) / before for stack in (chain, one_map)]
    for share in (10, 50, 90):
        assert np.percentile(kept[1], share) == pytest.approx(np.percentile(kept[0], share), 0.03)


def test_heavy_batches_are_drawn_together(mnist_test: DigitDataset) -> None:
    """``augment="heavy"`` takes the batched path: not the bytes the per-image path draws
    from the same seed, the same pictures in distribution."""
    assert batches_glyph_stage(preset("heavy"))
    stream = BatchStream(256, "##########", seed=0, augment="heavy", dataset=mnist_test,
                         image_width=280)  # fmt: skip
    assert stream._augmented
    batch = stream.next_batch()
    generator, rng = stream.generator, np.random.default_rng(0)
    texts = stream.template.sample(rng, 256)
    alone = np.stack(
        [generator.draw(text, stream.options, preset("heavy"), rng).image for text in texts]
    )
    assert alone.shape == batch.images.shape and not np.array_equal(alone, batch.images)
    # Paper is light, ink dark: the same picture on average, as much dark ink.
    assert batch.images.mean() == pytest.approx(alone.mean(), rel=0.02)
    dark = [np.count_nonzero(s < 0.4, axis=(1, 2)) for s in (alone, batch.images)]
    assert dark[1].mean() == pytest.approx(dark[0].mean(), rel=0.05)


def test_the_same_seed_gives_the_same_heavy_batches(mnist_test: DigitDataset) -> None:
    def draw(seed: int) -> list[ng.Batch]:
        return list(ng.batches(32, "phone", n=2, seed=seed, augment="heavy", dataset=mnist_test))

    first, again, other = draw(3), draw(3), draw(4)
    for a, b in zip(first, again):
        assert a.images.tobytes() == b.images.tobytes() and a.labels == b.labels
        assert np.array_equal(a.boxes, b.boxes)
    assert first[0].images.tobytes() != other[0].images.tobytes()
