"""Filter names -> factories, shared by the CLI and the Python API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from veil.filters.base import Filter
from veil.filters.blur import GaussianBlurFilter, PixelateFilter
from veil.filters.landmark_blur import LandmarkBlurFilter
from veil.filters.masks import MaskSpec
from veil.filters.replace import FACE_MASK_SCALE, FaceReplaceFilter
from veil.filters.solid import DEFAULT_COLOUR, ImageFilter, SolidFilter

DEFAULT_FILTER = "pixelate"  # the one filter that meets the privacy bar (benchmarks/results/privacy.md)


@dataclass(frozen=True)
class FilterOptions:
    """What a filter may take besides its mask (each filter uses its own share)."""

    strength: float
    feature_strength: float
    colour: str | tuple[int, int, int]
    image: str | Path | None


def _image(options: FilterOptions, mask: MaskSpec) -> Filter:
    if options.image is None:
        raise ValueError("the image filter needs an image (--image PATH)")
    return ImageFilter(options.image, mask=mask)


FACTORIES: dict[str, Callable[[FilterOptions, MaskSpec], Filter]] = {
    "pixelate": lambda o, mask: PixelateFilter(o.strength, mask=mask),
    "blur": lambda o, mask: GaussianBlurFilter(o.strength, mask=mask),
    "solid": lambda o, mask: SolidFilter(o.colour, mask=mask),
    "landmark-blur": lambda o, mask: LandmarkBlurFilter(o.strength, o.feature_strength, mask=mask),
    "face": lambda o, mask: FaceReplaceFilter(o.strength, mask=mask),
    "image": _image,
}
"""Every filter by name: the one list the command line, the API, evaluation and the review page read."""
FILTER_NAMES = tuple(FACTORIES)
SELF_CONTAINED_FILTERS = tuple(name for name in FILTER_NAMES if name != "image")
"""The filters that need nothing but a face (no picture): what `veil eval` compares."""


def default_mask_scale(name: str) -> float:
    """How much a filter grows face boxes unless told otherwise."""
    return FACE_MASK_SCALE if name == "face" else MaskSpec().scale


def make_filter(
    name: str = DEFAULT_FILTER,
    *,
    mask: MaskSpec | None = None,
    strength: float = 1.0,
    colour: str | tuple[int, int, int] = DEFAULT_COLOUR,
    image: str | Path | None = None,
    feature_strength: float = 1.0,
) -> Filter:
    """Build a filter by name.

    ``strength`` scales blur, mosaic, landmark-blur's heavy blur and the blur
    around a replacement face; ``feature_strength`` landmark-blur's light blur
    around the eyes, nose and mouth; ``colour`` the solid fill. Every filter
    class takes its own parameters first and ``mask`` as a keyword.

    Examples:
        >>> import numpy as np
        >>> from veil.faces import Faces
        >>> frame = np.random.default_rng(0).integers(0, 256, (100, 100, 3), dtype=np.uint8)
        >>> hide = make_filter("blur", strength=2, mask=MaskSpec("box", scale=1.2))
        >>> hidden = hide.apply(frame, Faces(np.array([[30, 30, 70, 80]]), np.array([0.9])))
        >>> bool((hidden[50, 50] != frame[50, 50]).any()), bool((hidden[5, 5] == frame[5, 5]).all())
        (True, True)
    """
    if name not in FACTORIES:
        raise ValueError(f"unknown filter {name!r}; choose from {', '.join(FILTER_NAMES)}")
    options = FilterOptions(strength, feature_strength, colour, image)
    return FACTORIES[name](options, mask or MaskSpec(scale=default_mask_scale(name)))
