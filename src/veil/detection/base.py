"""What every face detector looks like (wrappers that resize or tile live in `multiscale`)."""

from __future__ import annotations

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


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """A contiguous 3-channel BGR view of a grey, BGR or BGRA frame."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    elif frame.shape[2] == 4:
        frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    return np.ascontiguousarray(frame)
