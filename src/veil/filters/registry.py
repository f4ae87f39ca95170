"""Filter names -> factories, shared by the CLI and the Python API."""

from __future__ import annotations

from pathlib import Path

from veil.filters.base import Filter
from veil.filters.blur import GaussianBlurFilter, PixelateFilter
from veil.filters.masks import MaskSpec
from veil.filters.solid import ImageFilter, SolidFilter

FILTER_NAMES = ("blur", "pixelate", "solid", "image")
DEFAULT_FILTER = "pixelate"  # the one filter that meets the privacy bar (benchmarks/results/privacy.md)


def make_filter(
    name: str = DEFAULT_FILTER,
    *,
    mask: MaskSpec | None = None,
    strength: float = 1.0,
    colour: str | tuple[int, int, int] = "black",
    image: str | Path | None = None,
) -> Filter:
    """Build a filter by name; ``strength`` scales blur and mosaic, ``colour`` the solid fill."""
    mask = mask or MaskSpec()
    if name == "blur":
        return GaussianBlurFilter(strength, mask)
    if name == "pixelate":
        return PixelateFilter(strength, mask)
    if name == "solid":
        return SolidFilter(colour, mask)
    if name == "image":
        if image is None:
            raise ValueError("the image filter needs an image (--image PATH)")
        return ImageFilter(image, mask)
    raise ValueError(f"unknown filter {name!r}; choose from {', '.join(FILTER_NAMES)}")
