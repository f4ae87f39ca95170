"""Ways to hide a face: ``apply(frame, faces) -> frame``."""

from veil.filters.base import Filter, RegionFilter
from veil.filters.blur import GaussianBlurFilter, PixelateFilter
from veil.filters.landmark_blur import LandmarkBlurFilter
from veil.filters.masks import MASK_SHAPES, MaskSpec
from veil.filters.registry import DEFAULT_FILTER, FILTER_NAMES, default_mask_scale, make_filter
from veil.filters.replace import FaceReplaceFilter
from veil.filters.solid import ImageFilter, SolidFilter, parse_colour

__all__ = [
    "DEFAULT_FILTER",
    "FILTER_NAMES",
    "MASK_SHAPES",
    "FaceReplaceFilter",
    "Filter",
    "GaussianBlurFilter",
    "ImageFilter",
    "LandmarkBlurFilter",
    "MaskSpec",
    "PixelateFilter",
    "RegionFilter",
    "SolidFilter",
    "default_mask_scale",
    "make_filter",
    "parse_colour",
]
