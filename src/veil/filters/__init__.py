"""Ways to hide a face: ``apply(frame, faces) -> frame``."""

from veil.filters.base import Filter, RegionFilter
from veil.filters.blur import GaussianBlurFilter, PixelateFilter
from veil.filters.masks import MASK_SHAPES, MaskSpec
from veil.filters.registry import DEFAULT_FILTER, FILTER_NAMES, make_filter
from veil.filters.solid import ImageFilter, SolidFilter, parse_colour

__all__ = [
    "DEFAULT_FILTER",
    "FILTER_NAMES",
    "MASK_SHAPES",
    "Filter",
    "GaussianBlurFilter",
    "ImageFilter",
    "MaskSpec",
    "PixelateFilter",
    "RegionFilter",
    "SolidFilter",
    "make_filter",
    "parse_colour",
]
