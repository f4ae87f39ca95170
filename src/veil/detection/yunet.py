"""YuNet (libfacedetection), compiled into the `yuface` wheel: fast, strong on small faces."""

from __future__ import annotations

import warnings

import numpy as np

from veil.detection.base import as_bgr
from veil.faces import Faces


class YuNetDetector:
    """YuNet through `yuface`. Scores are the model's confidence in ``[0, 1]``."""

    name = "yunet"

    def __init__(self, threshold: float = 0.5) -> None:
        import yuface  # imported here so `import veil` stays cheap

        self._detect = yuface.detect
        self.threshold = threshold

    def detect(self, frame: np.ndarray) -> Faces:
        # yuface scores in percent (uint16) and warns on large frames, which we
        # handle ourselves with --detect-scale.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            confs, xywh, points = self._detect(as_bgr(frame), conf=float(self.threshold))
        if len(confs) == 0:
            return Faces.empty(with_landmarks=True).with_source(self.name)
        xywh = np.asarray(xywh, np.float32).reshape(-1, 4)
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        score = np.asarray(confs, np.float32).reshape(-1) / 100.0
        landmarks = np.asarray(points, np.float32).reshape(-1, 5, 2)
        faces = Faces(xyxy, score, landmarks, source=self.name)
        height, width = frame.shape[:2]
        return faces.above(self.threshold).clipped(width, height)
