"""What every face detector looks like, and wrappers that apply to all of them."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from veil.faces import Faces

MAX_UPSCALED_SIDE = 4096
"""Upscaling for detection stops when the longer side reaches this many pixels."""


@runtime_checkable
class Detector(Protocol):
    """Anything that finds faces in a BGR ``uint8`` frame.

    ``threshold`` is the score below which faces are dropped; detectors score
    in ``[0, 1]`` so that one ``--threshold`` means the same kind of thing for all.
    """

    name: str
    threshold: float

    def detect(self, frame: np.ndarray) -> Faces: ...


class DetectorUnavailable(RuntimeError):
    """A detector's optional dependency or model file is missing."""


class ScaledDetector:
    """Runs another detector on a resized copy of the frame.

    Upscaling (``scale > 1``) lets a detector see faces smaller than its
    smallest anchor; downscaling trades recall of small faces for speed.
    Boxes and landmarks are mapped back to the frame's own pixels.
    """

    def __init__(self, inner: Detector, scale: float, max_side: int = MAX_UPSCALED_SIDE) -> None:
        if scale <= 0:
            raise ValueError(f"detect scale must be positive, got {scale}")
        self.inner = inner
        self.scale = scale
        self.max_side = max_side
        self.name = inner.name

    def effective_scale(self, width: int, height: int) -> float:
        """``scale``, except that upscaling stops at ``max_side`` pixels (never below 1x).

        Faces in a large photo are rarely too small for the detector, while
        doubling a 24-megapixel photo would cost seconds and gigabytes.
        """
        if self.scale <= 1:
            return self.scale
        return max(1.0, min(self.scale, self.max_side / max(width, height)))

    @property
    def threshold(self) -> float:
        return self.inner.threshold

    @threshold.setter
    def threshold(self, value: float) -> None:
        self.inner.threshold = value

    def detect(self, frame: np.ndarray) -> Faces:
        height, width = frame.shape[:2]
        scale = self.effective_scale(width, height)
        if scale == 1.0:
            return self.inner.detect(frame)
        new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
        interpolation = cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA
        resized = cv2.resize(frame, new_size, interpolation=interpolation)
        faces = self.inner.detect(resized)
        return faces.scaled(width / new_size[0], height / new_size[1]).clipped(width, height)


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """A contiguous 3-channel BGR view of a grey, BGR or BGRA frame."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(frame)
