"""The filter contract and the shared loop: cut each face region, transform it, blend it back."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from veil.faces import Faces
from veil.filters.masks import MaskSpec, mask_alpha, region_of


@runtime_checkable
class Filter(Protocol):
    """Anything that hides faces: ``apply(frame, faces) -> frame`` (a new array)."""

    name: str

    def apply(self, frame: np.ndarray, faces: Faces) -> np.ndarray: ...


def face_size(xyxy: np.ndarray) -> float:
    """The size that filter strength scales with: the longer side of the face box."""
    return max(1.0, float(xyxy[2] - xyxy[0]), float(xyxy[3] - xyxy[1]))


class RegionFilter:
    """Base for filters that replace the masked region with a transformed copy.

    Subclasses implement `transform`; this class handles regions, clipping at
    frame borders, the soft mask and blending, so every filter changes pixels
    inside the mask and leaves every pixel outside it bit-identical.
    """

    name = "region"

    def __init__(self, mask: MaskSpec | None = None) -> None:
        self.mask = mask or MaskSpec()

    def transform(self, patch: np.ndarray, size: float) -> np.ndarray:
        """Return the replacement for ``patch`` (same shape, uint8)."""
        raise NotImplementedError

    def regions(self, faces: Faces, width: int, height: int) -> list[tuple[int, int, int, int]]:
        """The pixel region each face's mask occupies (for reports)."""
        return [region_of(box, self.mask.scale, width, height) for box in faces.xyxy]

    def apply(self, frame: np.ndarray, faces: Faces) -> np.ndarray:
        out = frame.copy()
        height, width = frame.shape[:2]
        for box, region in zip(faces.xyxy, self.regions(faces, width, height), strict=True):
            x1, y1, x2, y2 = region
            if x2 <= x1 or y2 <= y1:
                continue
            patch = out[y1:y2, x1:x2]
            replacement = self.transform(patch, face_size(box))
            alpha = mask_alpha(box, self.mask, region)
            out[y1:y2, x1:x2] = blend(patch, replacement, alpha)
        return out


def blend(patch: np.ndarray, replacement: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``patch`` where alpha is 0, ``replacement`` where 1, a linear mix between."""
    a = alpha[..., None] if patch.ndim == 3 else alpha
    mixed = patch.astype(np.float32) * (1 - a) + replacement.astype(np.float32) * a
    mixed = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return np.where(a > 0, mixed, patch)
