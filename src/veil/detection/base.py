"""What every face detector looks like (wrappers that resize or tile live in `multiscale`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from veil.faces import Faces


@runtime_checkable
class Detector(Protocol):
    """Anything that finds faces in a BGR ``uint8`` frame.

    ``threshold`` is the score below which faces are dropped; detectors score
    in ``[0, 1]`` so that one ``--threshold`` means the same kind of thing for all.

    Examples:
        >>> import cv2
        >>> from veil import load_detector
        >>> detector = load_detector("yunet")
        >>> isinstance(detector, Detector), len(detector.detect(cv2.imread("examples/newton.png")))
        (True, 1)
    """

    name: str
    threshold: float

    def detect(self, frame: np.ndarray) -> Faces: ...


def same_size_bgr(frames: Sequence[np.ndarray]) -> tuple[list[np.ndarray], int, int]:
    """The frames of a batched call as BGR, with their one ``height`` and ``width``.

    Raises:
        ValueError: the frames differ in size (one model call takes one input shape).
    """
    images = [as_bgr(frame) for frame in frames]
    height, width = images[0].shape[:2]
    if any(image.shape[:2] != (height, width) for image in images):
        raise ValueError("detect_batch needs frames of one size")
    return images, height, width


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """A contiguous 3-channel BGR view of a grey, BGR or BGRA frame."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(frame)
