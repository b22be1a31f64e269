"""Pipelines: an ordered list of transforms, sampled in one go and applied along a plan.

A :class:`Pipeline` draws every transform's parameters for a whole sequence
at once (every ``p`` coin first, then the rest, transform by transform; an
affine transform's as arrays for all glyphs) and then applies them to the
stack of glyphs with no randomness left, fusing each run of consecutive
affine transforms into one warp per glyph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from ..errors import InvalidTypeError
from .affine import AffineMaps, AffineTransform, warp_run
from .base import AugmentFn, Lambda, Params, Transform, U8Array
from .batched import transform_stack
from .boxes import ink_boxes
from .checks import Boxes, check_image

__all__ = ["Pipeline"]


class Pipeline:
    """An ordered list of transforms; the glyph ones run per digit, the image ones per image.

    A pipeline is itself a callable ``(uint8 image, Generator) -> uint8
    image``: called directly it applies every transform, in order, to that
    one image. Consecutive affine transforms (shift, scale, rotate, shear,
    size variation, baseline jitter) are fused into a single warp.

    Parameters
    ----------
    transforms:
        :class:`Transform` objects, or plain callables ``fn(image, rng)``
        (wrapped in :class:`Lambda`, image stage).
    name:
        Shown in ``repr`` and on contact sheets.

    Examples
    --------
    >>> from number_generator import SequenceGenerator
    >>> from number_generator.augment import Pipeline, Rotate, ElasticTransform, Blur
    >>> pipeline = Pipeline([Rotate(10), ElasticTransform(alpha=30, sigma=4), Blur(0.5)])
    >>> [t.stage for t in pipeline]
    ['glyph', 'glyph', 'image']
    >>> SequenceGenerator("mnist", seed=0, augment=pipeline).generate("42", (4, 4), 64).shape
    (28, 64)
    """

    def __init__(
        self, transforms: Iterable[Transform | AugmentFn] = (), *, name: str | None = None
    ) -> None:
        if isinstance(transforms, (Transform, Pipeline, str)) or callable(transforms):
            raise InvalidTypeError(
                f"Pipeline: transforms={transforms!r}: expected a list of transforms",
                param="transforms",
                value=transforms,
            )
        steps: list[Transform] = []
        for item in transforms:
            if isinstance(item, Pipeline):
                steps.extend(item.transforms)
            elif isinstance(item, Transform):
                steps.append(item)
            elif callable(item):
                steps.append(Lambda(item))
            else:
                raise InvalidTypeError(
                    f"Pipeline: {item!r} is neither a Transform nor a callable "
                    "fn(uint8 image, Generator) -> uint8 image",
                    param="transforms",
                    value=item,
                )
        self.transforms: tuple[Transform, ...] = tuple(steps)
        self.name = name
        self.glyph_transforms = tuple(t for t in steps if t.stage == "glyph")
        self.image_transforms = tuple(t for t in steps if t.stage == "image")
        self._glyph_plan = _plan(self.glyph_transforms)
        self._image_plan = _plan(self.image_transforms)
        self._all_plan = _plan(self.transforms)
        self._glyph_p = _probabilities(self.glyph_transforms)
        self._image_p = _probabilities(self.image_transforms)
        self._all_p = _probabilities(self.transforms)
        #: Whether the image stage draws from the digits' boxes (printed lines, comb boxes …).
        self.uses_boxes = any(t.uses_boxes for t in self.image_transforms)

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"Pipeline({label}[{', '.join(map(repr, self.transforms))}])"

    def __iter__(self) -> Iterator[Transform]:
        return iter(self.transforms)

    def __len__(self) -> int:
        return len(self.transforms)

    def __call__(self, image: U8Array, rng: np.random.Generator) -> U8Array:
        """Apply every transform, in order, to one ``uint8`` image (0 = paper, 255 = ink)."""
        image = check_image(image, "Pipeline")
        shape = (int(image.shape[0]), int(image.shape[1]))
        boxes = ink_boxes(image) if self.uses_boxes else None
        params = _sample(self.transforms, self._all_p, rng, shape, 1, boxes)
        return _run(self._all_plan, [image], params)[0]

    def transform_glyphs(self, glyphs: U8Array, rng: np.random.Generator) -> U8Array:
        """Apply the glyph stage to a stack ``(n, height, width)`` of one sequence's glyphs.

        Parameters are drawn for the whole sequence at once, transform by
        transform (so e.g. the baseline can wander from digit to digit).
        Returns the transformed stack.
        """
        n, height, width = glyphs.shape
        params = _sample(self.glyph_transforms, self._glyph_p, rng, (height, width), n)
        return np.stack(_run(self._glyph_plan, list(glyphs), params))

    def transform_image(
        self, image: U8Array, rng: np.random.Generator, boxes: Boxes | None = None
    ) -> U8Array:
        """Apply the image stage to a finished ``uint8`` image.

        Parameters
        ----------
        image:
            The laid-out image (0 = paper, 255 = ink).
        rng:
            The random stream.
        boxes:
            The digits' boxes (``int32`` ``(n, 4)``, ``x0, y0, x1, y1``, exclusive
            ends), known from the layout; layout-aware transforms (ruled lines,
            comb boxes …) draw from them. ``None``: found in the ink when needed
            (:func:`~.boxes.ink_boxes`).
        """
        return self.transform_field(image, rng, boxes)[0]

    def transform_field(
        self, image: U8Array, rng: np.random.Generator, boxes: Boxes | None = None
    ) -> tuple[U8Array, npt.NDArray[np.float64] | None]:
        """:meth:`transform_image`, also returning how the field moved.

        Returns
        -------
        The image and the 3x3 matrix mapping input to output pixel coordinates
        (scan rotation, shear, perspective), or ``None`` when nothing moved; the
        digits' boxes map through it (:func:`~.boxes.warp_boxes`).
        """
        shape = (int(image.shape[0]), int(image.shape[1]))
        if boxes is None and self.uses_boxes:
            boxes = ink_boxes(image)
        params = _sample(self.image_transforms, self._image_p, rng, shape, 1, boxes)
        out = _run(self._image_plan, [image], params)[0]
        matrix = None
        for transform, column in zip(self.image_transforms, params):
            item = column[0] if isinstance(column, list) else None  # image stage: not affine
            step = None if item is None else transform.warp(item)
            if step is not None:
                matrix = step if matrix is None else step @ matrix
        return out, matrix

    def transform_images(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, list[npt.NDArray[np.float64] | None]]:
        """:meth:`transform_field` for a stack ``(B, height, width)`` of finished images at once.

        Each transform's coins are drawn for the whole stack, then its
        parameters for the images it applies to, applied to that sub-stack
        at once (:mod:`.batched`). The distributions are :meth:`transform_field`'s,
        the draws are not: a seeded stack is not the images that method gives one
        by one, but the same seed gives the same stack.

        Parameters
        ----------
        images:
            ``uint8`` stack (0 = paper, 255 = ink); may be modified in place.
        rng:
            The random stream.
        boxes:
            ``None``, or one :data:`~.checks.Boxes` array per image, as
            :meth:`transform_field` takes them.

        Returns
        -------
        The transformed stack and, per image, the 3x3 matrix of how its field
        moved (``None`` when nothing moved).

        Examples
        --------
        >>> import numpy as np
        >>> from number_generator.augment import preset
        >>> stack = np.zeros((8, 28, 280), np.uint8); stack[:, 8:20, 20:30] = 255
        >>> out, moved = preset("document").transform_images(stack, np.random.default_rng(0))
        >>> out.shape, out.dtype.name, len(moved)
        ((8, 28, 280), 'uint8', 8)
        """
        return transform_stack(self.image_transforms, images, rng, boxes)


# A plan step is either a run of affine transforms (fused into one warp) or one other transform,
# each with its index into the parameter list.
_Step = tuple[list[tuple[int, AffineTransform]], tuple[int, Transform] | None]


def _plan(transforms: Sequence[Transform]) -> list[_Step]:
    plan: list[_Step] = []
    for i, transform in enumerate(transforms):
        if isinstance(transform, AffineTransform):
            if plan and plan[-1][1] is None:
                plan[-1][0].append((i, transform))
            else:
                plan.append(([(i, transform)], None))
        else:
            plan.append(([], (i, transform)))
    return plan


def _probabilities(transforms: Sequence[Transform]) -> npt.NDArray[np.float64]:
    return np.array([[t.p] for t in transforms], np.float64).reshape(len(transforms), 1)


# One transform's parameters for n items: affine maps as arrays, or one entry per item.
_Column = AffineMaps | list[Params | None]


def _sample(
    transforms: Sequence[Transform],
    probabilities: npt.NDArray[np.float64],
    rng: np.random.Generator,
    shape: tuple[int, int],
    n: int,
    boxes: Boxes | None = None,
) -> list[_Column]:
    """Parameters of ``n`` items per transform: every ``p`` coin in one draw, then the rest."""
    if not transforms:
        return []
    coins = (rng.random((len(transforms), n)) < probabilities).tolist()
    return [
        t.draw_maps(rng, shape, n, chosen)
        if isinstance(t, AffineTransform)
        else t.sample_chosen(rng, shape, n, chosen, boxes=boxes)
        for t, chosen in zip(transforms, coins)
    ]


def _run(plan: list[_Step], images: list[U8Array], params: list[_Column]) -> list[U8Array]:
    """Apply sampled parameters (``params[transform]``, per item) to ``images`` along a plan;
    no randomness. An image no transform applies to is returned as it is."""
    for affine, single in plan:
        if single is None:
            # _sample draws an affine transform's parameters as maps
            images = warp_run(
                images, [(step.anchor, cast(AffineMaps, params[i])) for i, step in affine]
            )
            continue
        i, transform = single
        images = [
            image if item is None else transform.apply(image, item)
            for image, item in zip(images, cast(list[Params | None], params[i]))
        ]
    return images
