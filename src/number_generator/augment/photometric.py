"""Photometric transforms: grey-level changes of the picture as a person sees it.

They work on the ink image (0 = paper, 255 = ink) like every transform, but
their settings describe the black-on-white picture: brightness greys the
ink, paper tone darkens the paper, and so on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from ..errors import InvalidParameterError
from .base import F32Array, Params, Transform, U8Array, uniform, uniforms
from .batched import Matrices, bilinear_levels, padded_rows, random_bytes, stack_2d
from .checks import Boxes, check_int_range, check_number, check_range

__all__ = [
    "Blur",
    "BrightnessContrast",
    "Emboss",
    "GaussianNoise",
    "MedianBlur",
    "PaperTone",
    "SaltAndPepper",
]


class Blur(Transform):
    """Gaussian blur (seed 004's "blur"), like an out-of-focus scan.

    Parameters
    ----------
    sigma:
        Standard deviation in pixels, ``0..8``; a number or a ``(min, max)``
        range. Default ``(0.3, 1.0)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "blur"

    def __init__(
        self,
        sigma: float | tuple[float, float] = (0.3, 1.0),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.sigma = check_range(sigma, "Blur", "sigma", 0.0, 8.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        return [{"sigma": s} for s in uniform(rng, self.sigma, n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        sigma = params["sigma"]
        if sigma < 0.05:
            return image
        ksize = 2 * math.ceil(3 * sigma) + 1
        blurred = cv2.GaussianBlur(image, (ksize, ksize), sigma, borderType=cv2.BORDER_REPLICATE)
        return cast(U8Array, blurred)

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        for image, sigma in zip(images, uniform(rng, self.sigma, len(images))):
            image[...] = self.apply(image, {"sigma": sigma})
        return images, None


class MedianBlur(Transform):
    """Median filter (seed 004's "median blur"): rounds stroke edges, removes specks.

    Parameters
    ----------
    ksize:
        Odd window size, ``3..7``; an int or a ``(min, max)`` range of which
        an odd size is drawn. Default 3 (larger windows erase thin strokes).
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "median_blur"

    def __init__(
        self, ksize: int | tuple[int, int] = 3, *, p: float = 0.5, stage: str | None = None
    ) -> None:
        super().__init__(p=p, stage=stage)
        low, high = check_int_range(ksize, "MedianBlur", "ksize", 3, 7)
        self._sizes = [k for k in range(low, high + 1) if k % 2]
        if not self._sizes:
            raise InvalidParameterError(
                f"MedianBlur: ksize={ksize!r}: the range holds no odd size; use 3, 5 or 7",
                param="ksize",
                value=ksize,
            )
        self.ksize = (low, high) if low != high else low

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        if len(self._sizes) == 1:
            return [{"ksize": self._sizes[0]}] * n
        picks = rng.integers(0, len(self._sizes), n).tolist()
        return [{"ksize": self._sizes[i]} for i in picks]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        return cast(U8Array, cv2.medianBlur(image, params["ksize"]))

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        import cv2

        sizes = np.array(
            [item["ksize"] for item in self._sample(rng, images.shape[1:], len(images))]
        )
        for size in np.unique(sizes).tolist():
            index = np.flatnonzero(sizes == size)
            # One filter over the group, each image padded as its own border would be.
            padded = padded_rows(images[index], size // 2)
            filtered = cv2.medianBlur(stack_2d(padded), size).reshape(padded.shape)
            images[index] = filtered[:, size // 2 : size // 2 + images.shape[1]]
        return images, None


@cache
def _normal_quantiles() -> npt.NDArray[np.float64]:
    """Quantiles of the standard normal at ``(i + 0.5) / 256``, scaled to unit variance.

    A byte drawn uniformly and looked up here is a Gaussian sample (quantised
    to 256 levels, tails cut at 2.9 sigma), several times cheaper than drawing
    normals. Built on first use: :mod:`statistics` takes a few milliseconds to
    import, which a process that never adds noise need not pay.
    """
    from statistics import NormalDist

    unit = NormalDist()
    out = np.array([unit.inv_cdf((i + 0.5) / 256) for i in range(256)])
    scaled: npt.NDArray[np.float64] = out / out.std()  # unit variance after quantisation
    return scaled


class GaussianNoise(Transform):
    """Additive Gaussian noise (seed 004's "Gaussian noise"), like sensor grain.

    Parameters
    ----------
    std:
        Standard deviation in grey levels (of 255), ``0..100``; a number or a
        ``(min, max)`` range. Default ``(3, 12)``. Values are clipped to
        0-255, so on pure white paper only the darkening half shows.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "gaussian_noise"

    def __init__(
        self,
        std: float | tuple[float, float] = (3.0, 12.0),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.std = check_range(std, "GaussianNoise", "std", 0.0, 100.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        stds = uniform(rng, self.std, n)
        codes = rng.integers(0, 256, (n, *shape), dtype=np.uint8)
        return [{"std": stds[k], "codes": codes[k]} for k in range(n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        noise = np.clip(np.rint(_normal_quantiles() * params["std"]), -255, 255)
        codes = params["codes"]
        # Each code is either positive or negative, so saturating adds give clip(image + noise).
        raised = cv2.add(image, cv2.LUT(codes, np.maximum(noise, 0).astype(np.uint8)))
        lowered = cv2.subtract(raised, cv2.LUT(codes, np.maximum(-noise, 0).astype(np.uint8)))
        return cast(U8Array, lowered)

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        import cv2

        stds = uniforms(rng, self.std, len(images)).astype(np.float32)
        codes = random_bytes(rng, images.shape)
        noise = cv2.LUT(stack_2d(codes), _normal_quantiles().astype(np.float32))
        scaled = noise.reshape(images.shape)
        np.multiply(scaled, stds[:, None, None], out=scaled)
        # Added in float and rounded once: clip(image + rint(noise)), as apply gives.
        out = cv2.add(stack_2d(images), stack_2d(noise), dtype=cv2.CV_8U)
        return cast(U8Array, out.reshape(images.shape)), None


class SaltAndPepper(Transform):
    """Isolated white and black pixels, like dust and toner specks.

    Parameters
    ----------
    amount:
        Fraction of pixels hit, ``0..0.5``; a number or ``(min, max)``.
        Default ``(0.002, 0.02)``.
    salt_vs_pepper:
        Fraction of the hit pixels that turn white (paper); the rest turn
        black (ink). ``0..1``, default 0.5.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "salt_and_pepper"

    def __init__(
        self,
        amount: float | tuple[float, float] = (0.002, 0.02),
        salt_vs_pepper: float = 0.5,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.amount = check_range(amount, "SaltAndPepper", "amount", 0.0, 0.5, symmetric=False)
        self.salt_vs_pepper = check_number(
            salt_vs_pepper, "SaltAndPepper", "salt_vs_pepper", 0.0, 1.0
        )

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        amounts = uniform(rng, self.amount, n)
        draws = rng.random((n, *shape), dtype=np.float32)
        return [{"amount": amounts[k], "draws": draws[k]} for k in range(n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        draws: F32Array = params["draws"]
        amount = params["amount"]
        salt = amount * self.salt_vs_pepper
        out: U8Array = image.copy()
        out[draws < salt] = 0
        out[(draws >= salt) & (draws < amount)] = 255
        return out

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        # Draws of 1/65536 steps: cheaper than floats, and finer than any amount's effect.
        amounts = uniforms(rng, self.amount, len(images))[:, None, None] * 65536
        draws = random_bytes(rng, (*images.shape, 2)).view(np.uint16)[..., 0]
        salt = draws < amounts * self.salt_vs_pepper
        images[salt] = 0
        images[~salt & (draws < amounts)] = 255
        return images, None


class BrightnessContrast(Transform):
    """Brightness and contrast of the picture as seen (seed 004's "brightness/contrast").

    On the black-on-white picture ``v`` (0-255) this computes
    ``clip((1 + c) * v + 255 * b)`` like albumentations: ``b > 0`` greys
    the ink, ``b < 0`` greys the paper, ``c < 0`` greys the paper.

    Parameters
    ----------
    brightness_limit:
        ``b`` from ``(-v, v)`` or ``(min, max)`` within ``-1..1``. Default 0.2.
    contrast_limit:
        ``c`` from ``(-v, v)`` or ``(min, max)`` within ``-1..1``. Default 0.2.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "brightness_contrast"

    def __init__(
        self,
        brightness_limit: float | tuple[float, float] = 0.2,
        contrast_limit: float | tuple[float, float] = 0.2,
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        owner = "BrightnessContrast"
        self.brightness_limit = check_range(
            brightness_limit, owner, "brightness_limit", -1.0, 1.0, symmetric=True
        )
        self.contrast_limit = check_range(
            contrast_limit, owner, "contrast_limit", -1.0, 1.0, symmetric=True
        )

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        brightness = uniform(rng, self.brightness_limit, n)
        contrast = uniform(rng, self.contrast_limit, n)
        return [{"brightness": b, "contrast": c} for b, c in zip(brightness, contrast)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        seen = (1.0 + params["contrast"]) * (255.0 - np.arange(256)) + 255.0 * params["brightness"]
        table = (255 - np.clip(np.rint(seen), 0, 255)).astype(np.uint8)
        return cast(U8Array, cv2.LUT(image, table))

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        import cv2

        brightness = uniforms(rng, self.brightness_limit, len(images))[:, None]
        contrast = uniforms(rng, self.contrast_limit, len(images))[:, None]
        # apply's table, one row per image
        seen = (1.0 + contrast) * (255.0 - np.arange(256)) + 255.0 * brightness
        tables = (255 - np.clip(np.rint(seen), 0, 255)).astype(np.uint8)
        for image, table in zip(images, tables):
            cv2.LUT(image, table, dst=image)
        return images, None


class Emboss(Transform):
    """Relief effect (seed 004's "emboss"): light and dark edges as if pressed into paper.

    The 3x3 emboss kernel of ``strength`` s, ``[[-1-s, -s, 0], [-s, 1, s],
    [0, s, 1+s]]``, is mixed with the identity by ``alpha`` (albumentations'
    definition). The kernel sums to 1, so flat paper stays as it was.

    Parameters
    ----------
    alpha:
        Mix, ``0..1``; a number or ``(min, max)``. Default ``(0.2, 0.5)``.
    strength:
        ``0..2``; a number or ``(min, max)``. Default ``(0.2, 0.7)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "emboss"

    def __init__(
        self,
        alpha: float | tuple[float, float] = (0.2, 0.5),
        strength: float | tuple[float, float] = (0.2, 0.7),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.alpha = check_range(alpha, "Emboss", "alpha", 0.0, 1.0, symmetric=False)
        self.strength = check_range(strength, "Emboss", "strength", 0.0, 2.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        alphas, strengths = uniform(rng, self.alpha, n), uniform(rng, self.strength, n)
        return [{"alpha": a, "strength": s} for a, s in zip(alphas, strengths)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        a, s = params["alpha"], params["strength"]
        effect = np.array([[-1 - s, -s, 0.0], [-s, 1.0, s], [0.0, s, 1 + s]])
        kernel = (1 - a) * np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
        kernel += a * effect
        # The kernel sums to 1, so filtering the ink equals filtering the seen picture.
        out = cv2.filter2D(image, -1, kernel.astype(np.float32), borderType=cv2.BORDER_REPLICATE)
        return cast(U8Array, out)


class PaperTone(Transform):
    """Paper that is not pure white: an even tint plus soft blotchy texture.

    The picture becomes ``paper * (1 - ink / 255)`` where the paper's
    brightness is ``255 - tone`` plus a smooth random field of amplitude
    ``texture`` (never above 255).

    Parameters
    ----------
    tone:
        Darkening of the paper in grey levels, ``0..128``; a number or
        ``(min, max)``. Default ``(5, 35)``.
    texture:
        Amplitude of the blotches in grey levels, ``0..64``. Default ``(0, 8)``.
    p, stage:
        See :class:`Transform`; default ``p=0.5``.
    """

    name = "paper_tone"
    _CELL = 10  # pixels between the texture's random control points

    def __init__(
        self,
        tone: float | tuple[float, float] = (5.0, 35.0),
        texture: float | tuple[float, float] = (0.0, 8.0),
        *,
        p: float = 0.5,
        stage: str | None = None,
    ) -> None:
        super().__init__(p=p, stage=stage)
        self.tone = check_range(tone, "PaperTone", "tone", 0.0, 128.0, symmetric=False)
        self.texture = check_range(texture, "PaperTone", "texture", 0.0, 64.0, symmetric=False)

    def _sample(self, rng: np.random.Generator, shape: tuple[int, int], n: int) -> list[Params]:
        height, width = shape
        grid = (n, height // self._CELL + 2, width // self._CELL + 2)
        control = rng.uniform(-1.0, 1.0, grid)
        tones, textures = uniform(rng, self.tone, n), uniform(rng, self.texture, n)
        return [{"tone": tones[k], "texture": textures[k], "control": control[k]} for k in range(n)]

    def apply(self, image: U8Array, params: Params) -> U8Array:
        import cv2

        height, width = image.shape
        # Paper brightness at the control points, interpolated over the image.
        control = _levels(params["tone"], params["texture"], params["control"])
        paper = cv2.resize(control, (width, height), interpolation=cv2.INTER_LINEAR)
        seen = cv2.multiply(paper, cv2.bitwise_not(image), scale=1 / 255)
        return cast(U8Array, cv2.bitwise_not(seen))

    def apply_batch(
        self, images: U8Array, rng: np.random.Generator, boxes: Sequence[Boxes] | None = None
    ) -> tuple[U8Array, Matrices | None]:
        import cv2

        count, height, width = images.shape
        grid = (count, height // self._CELL + 2, width // self._CELL + 2)
        control = rng.uniform(-1.0, 1.0, grid)
        tones, textures = uniforms(rng, self.tone, count), uniforms(rng, self.texture, count)
        levels = _levels(tones[:, None, None], textures[:, None, None], control)
        paper = bilinear_levels(levels, (height, width))
        seen = cv2.multiply(stack_2d(paper), cv2.bitwise_not(stack_2d(images)), scale=1 / 255)
        return cast(U8Array, cv2.bitwise_not(seen).reshape(images.shape)), None


def _levels(tone: Any, texture: Any, control: npt.NDArray[np.float64]) -> U8Array:
    """The paper's brightness at the texture's control points (``control`` in -1..1)."""
    levels: U8Array = np.clip(np.rint(255.0 - tone + texture * control), 0, 255).astype(np.uint8)
    return levels
