"""Viola-Jones Haar cascade (OpenCV's frontal-face model), the classic CCTV detector.

Kept as a baseline: fast on small frames, frontal faces only, no landmarks.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from veil.errors import DetectorUnavailable
from veil.faces import Faces

CASCADE_FILE = "haarcascade_frontalface_default.xml"


def cascade_path(name: str = CASCADE_FILE) -> Path:
    """Where the installed OpenCV keeps its bundled cascade XML files."""
    data = getattr(cv2, "data", None)
    path = Path(getattr(data, "haarcascades", "")) / name
    if not hasattr(cv2, "CascadeClassifier") or not path.is_file():
        raise DetectorUnavailable(
            None,
            f"the haar detector needs cv2.CascadeClassifier and {name}; OpenCV "
            f"{cv2.__version__} lacks them (OpenCV 5 moved them out). "
            "Install veil's pinned 'opencv-python<5'."
        )
    return path


class HaarDetector:
    """OpenCV Haar cascade on the equalised grey image.

    The score is ``n / (n + 5)`` where ``n`` is the number of overlapping raw
    detections (OpenCV's "neighbours"), so the classic ``minNeighbors=5``
    setting is ``--threshold 0.5``.
    """

    name = "haar"

    def __init__(self, threshold: float = 0.5, scale_factor: float = 1.1, min_size: int = 16) -> None:
        self.threshold = threshold
        self.scale_factor = scale_factor
        self.min_size = min_size
        self._cascade = cv2.CascadeClassifier(str(cascade_path()))

    def detect(self, frame: np.ndarray) -> Faces:
        grey = frame if frame.ndim == 2 else cv2.cvtColor(frame[..., :3], cv2.COLOR_BGR2GRAY)
        grey = cv2.equalizeHist(grey)
        # Score from the neighbour count; ask for at least the count the threshold implies.
        min_neighbours = max(1, int(np.ceil(5 * self.threshold / max(1e-6, 1 - self.threshold))))
        rects, neighbours = self._cascade.detectMultiScale2(
            grey,
            scaleFactor=self.scale_factor,
            minNeighbors=min(min_neighbours, 50),
            minSize=(self.min_size, self.min_size),
        )
        if len(rects) == 0:
            return Faces.empty().with_source(self.name)
        xywh = np.asarray(rects, np.float32).reshape(-1, 4)
        n = np.asarray(neighbours, np.float32).reshape(-1)
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        return Faces(xyxy, n / (n + 5), source=self.name).above(self.threshold)
