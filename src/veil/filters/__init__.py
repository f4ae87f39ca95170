"""Ways to hide a face: ``apply(frame, faces) -> frame``."""

from veil.filters.base import BaseFilter, Filter, Region, RegionFilter, as_filter
from veil.filters.blur import GaussianBlurFilter, PixelateFilter
from veil.filters.landmark_blur import LandmarkBlurFilter
from veil.filters.masks import MASK_SHAPES, MaskSpec
from veil.filters.registry import (
    DEFAULT_FILTER,
    FILTER_NAMES,
    SELF_CONTAINED_FILTERS,
    default_mask_scale,
    make_filter,
)
from veil.filters.replace import FaceReplaceFilter
from veil.filters.solid import DEFAULT_COLOUR, ImageFilter, SolidFilter, parse_colour

__all__ = [
    "DEFAULT_COLOUR",
    "DEFAULT_FILTER",
    "FILTER_NAMES",
    "MASK_SHAPES",
    "SELF_CONTAINED_FILTERS",
    "BaseFilter",
    "FaceReplaceFilter",
    "Filter",
    "GaussianBlurFilter",
    "ImageFilter",
    "LandmarkBlurFilter",
    "MaskSpec",
    "PixelateFilter",
    "Region",
    "RegionFilter",
    "SolidFilter",
    "as_filter",
    "default_mask_scale",
    "make_filter",
    "parse_colour",
]
