"""Filter names -> factories, shared by the CLI and the Python API."""

from __future__ import annotations

from pathlib import Path

from veil.filters.base import Filter
from veil.filters.blur import GaussianBlurFilter, PixelateFilter
from veil.filters.landmark_blur import LandmarkBlurFilter
from veil.filters.masks import MaskSpec
from veil.filters.replace import FACE_MASK_SCALE, FaceReplaceFilter
from veil.filters.solid import ImageFilter, SolidFilter

FILTER_NAMES = ("blur", "pixelate", "solid", "landmark-blur", "face", "image")
DEFAULT_FILTER = "pixelate"  # the one filter that meets the privacy bar (benchmarks/results/privacy.md)


def default_mask_scale(name: str) -> float:
    """How much a filter grows face boxes unless told otherwise."""
    return FACE_MASK_SCALE if name == "face" else MaskSpec().scale


def make_filter(
    name: str = DEFAULT_FILTER,
    *,
    mask: MaskSpec | None = None,
    strength: float = 1.0,
    colour: str | tuple[int, int, int] = "black",
    image: str | Path | None = None,
    feature_strength: float = 1.0,
) -> Filter:
    """Build a filter by name.

    ``strength`` scales blur, mosaic, landmark-blur's heavy blur and the blur
    around a replacement face; ``feature_strength`` landmark-blur's light blur
    around the eyes, nose and mouth; ``colour`` the solid fill. Every filter
    class takes its own parameters first and ``mask`` as a keyword.

    Examples:
        >>> hide = make_filter("blur", strength=2, mask=MaskSpec("box", scale=1.2))
        >>> hidden = hide.apply(frame, faces)        # doctest: +SKIP
    """
    mask = mask or MaskSpec(scale=default_mask_scale(name))
    if name == "blur":
        return GaussianBlurFilter(strength, mask=mask)
    if name == "pixelate":
        return PixelateFilter(strength, mask=mask)
    if name == "landmark-blur":
        return LandmarkBlurFilter(strength, feature_strength, mask=mask)
    if name == "face":
        return FaceReplaceFilter(strength, mask=mask)
    if name == "solid":
        return SolidFilter(colour, mask=mask)
    if name == "image":
        if image is None:
            raise ValueError("the image filter needs an image (--image PATH)")
        return ImageFilter(image, mask=mask)
    raise ValueError(f"unknown filter {name!r}; choose from {', '.join(FILTER_NAMES)}")
