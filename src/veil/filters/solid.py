"""Colour blocking and image overlay: the face region replaced outright."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from veil.filters.base import RegionFilter, blend
from veil.filters.masks import MaskSpec

NAMED_COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "red": (0, 0, 255),
    "green": (0, 255, 0),
    "blue": (255, 0, 0),
}


def parse_colour(text: str) -> tuple[int, int, int]:
    """``"black"``, ``"#rrggbb"`` or ``"r,g,b"`` -> a BGR triple."""
    value = text.strip().lower()
    if value in NAMED_COLOURS:
        return NAMED_COLOURS[value]
    try:
        if value.startswith("#") and len(value) == 7:
            r, g, b = (int(value[i : i + 2], 16) for i in (1, 3, 5))
        else:
            r, g, b = (int(part) for part in value.split(","))
    except ValueError:
        r = g = b = -1
    if not all(0 <= c <= 255 for c in (r, g, b)):
        raise ValueError(f"not a colour: {text!r} (use a name, #rrggbb or r,g,b)")
    return (b, g, r)


DEFAULT_COLOUR = "black"
"""The solid filter's fill unless told otherwise."""


class SolidFilter(RegionFilter):
    """Fill the mask with one colour ("colour blocking")."""

    name = "solid"

    def __init__(
        self, colour: tuple[int, int, int] | str = DEFAULT_COLOUR, *, mask: MaskSpec | None = None
    ) -> None:
        super().__init__(mask=mask)
        self.colour = parse_colour(colour) if isinstance(colour, str) else tuple(colour)

    def transform(self, patch: np.ndarray, size: float) -> np.ndarray:
        return np.broadcast_to(np.array(self.colour, np.uint8), patch.shape).copy()


def load_overlay(path: str | Path) -> np.ndarray:
    """Read an overlay picture as BGRA (opaque alpha added when it has none)."""
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError(f"cannot read overlay image {path}")
    if image.ndim == 2:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGRA)
    elif image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2BGRA)
    return image


class ImageFilter(RegionFilter):
    """Paste a picture (an emoji, a logo) over each face, honouring its alpha channel.

    Transparent parts of the picture would leave the face visible, so under
    them the region is blurred first: the overlay decorates, the blur protects.
    """

    name = "image"

    def __init__(self, image: np.ndarray | str | Path, *, mask: MaskSpec | None = None) -> None:
        super().__init__(mask=mask)
        self.image = load_overlay(image) if isinstance(image, str | Path) else image
        from veil.filters.blur import GaussianBlurFilter

        self._under = GaussianBlurFilter()

    def transform(self, patch: np.ndarray, size: float) -> np.ndarray:
        h, w = patch.shape[:2]
        overlay = cv2.resize(self.image, (w, h), interpolation=cv2.INTER_AREA)
        base = self._under.transform(patch, size)
        return blend(base, overlay[..., :3], overlay[..., 3].astype(np.float32) / 255)
