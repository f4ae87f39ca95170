"""Where a filter acts: the face box grown by a margin, as a box or an ellipse, with soft edges."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from veil.geometry import grown_box

MASK_SHAPES = ("ellipse", "box")


@dataclass(frozen=True)
class MaskSpec:
    """How a face box becomes a mask.

    Attributes:
        shape: ``"ellipse"`` (inscribed in the grown box) or ``"box"``.
        scale: growth factor of the face box; detector boxes run from brow to
            chin, so 1.3 (the default) also takes in hair line, ears and chin.
        feather: width of the soft edge as a fraction of the face size. The
            ramp runs *inside* the mask, so pixels outside it never change.
    """

    shape: str = "ellipse"
    scale: float = 1.3
    feather: float = 0.05

    def __post_init__(self) -> None:
        if self.shape not in MASK_SHAPES:
            raise ValueError(f"mask shape must be one of {MASK_SHAPES}, got {self.shape!r}")
        if self.scale <= 0:
            raise ValueError(f"mask scale must be positive, got {self.scale}")
        if not 0 <= self.feather <= 1:
            raise ValueError(f"feather must be within [0, 1], got {self.feather}")


def region_of(xyxy: np.ndarray, scale: float, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer pixel region ``x1, y1, x2, y2`` covering the grown box, clipped to the frame."""
    gx1, gy1, gx2, gy2 = grown_box(xyxy, scale)
    x1 = int(np.clip(np.floor(gx1), 0, width))
    y1 = int(np.clip(np.floor(gy1), 0, height))
    x2 = int(np.clip(np.ceil(gx2), 0, width))
    y2 = int(np.clip(np.ceil(gy2), 0, height))
    return x1, y1, x2, y2


def mask_alpha(xyxy: np.ndarray, spec: MaskSpec, region: tuple[int, int, int, int]) -> np.ndarray:
    """Float32 alpha in ``[0, 1]`` over ``region`` for one face (1 = fully filtered)."""
    x1, y1, x2, y2 = region
    h, w = y2 - y1, x2 - x1
    hard = np.zeros((h, w), np.uint8)
    gx1, gy1, gx2, gy2 = grown_box(xyxy, spec.scale)
    if spec.shape == "box":
        hard[:] = 1  # the region is the grown box itself, clipped to the frame
    else:
        # Sub-pixel ellipse via cv2's fixed-point shift, relative to the region origin.
        shift = 4
        one = 1 << shift
        centre = (round(((gx1 + gx2) / 2 - x1) * one), round(((gy1 + gy2) / 2 - y1) * one))
        axes = (max(1, round((gx2 - gx1) / 2 * one)), max(1, round((gy2 - gy1) / 2 * one)))
        cv2.ellipse(hard, centre, axes, 0, 0, 360, 1, thickness=-1, lineType=cv2.LINE_8, shift=shift)
    face_size = max(float(xyxy[2] - xyxy[0]), float(xyxy[3] - xyxy[1]))
    feather_px = spec.feather * face_size
    if feather_px < 1:
        return hard.astype(np.float32)
    # Distance to the mask's own edge, not the frame's: where the frame cut the
    # grown box, pad with the mask itself so it stays hard up to the border.
    padded = cv2.copyMakeBorder(hard, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    if x1 > np.floor(gx1):
        padded[1:-1, 0] = hard[:, 0]
    if y1 > np.floor(gy1):
        padded[0, 1:-1] = hard[0]
    if x2 < np.ceil(gx2):
        padded[1:-1, -1] = hard[:, -1]
    if y2 < np.ceil(gy2):
        padded[-1, 1:-1] = hard[-1]
    distance = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1, 1:-1]
    return np.clip(distance / feather_px, 0, 1).astype(np.float32)
