"""dlib's HOG+SVM and CNN (MMOD) face detectors, from the `veil[dlib]` extra.

Models come from `face_recognition_models`; five landmarks are derived from
dlib's 68-point shape predictor so these faces work with landmark filters too.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from veil.detection.base import as_bgr
from veil.errors import DetectorUnavailable
from veil.faces import Faces

# 68-point indices: eyes are averaged, nose tip and mouth corners taken as is.
_LEFT_EYE = slice(36, 42)  # image-left eye (the subject's right)
_RIGHT_EYE = slice(42, 48)
_NOSE_TIP, _MOUTH_LEFT, _MOUTH_RIGHT = 30, 48, 54


def _import_dlib() -> tuple[Any, Any]:
    try:
        import dlib
        import face_recognition_models
    except ImportError as exc:
        raise DetectorUnavailable(
            None, "the dlib detectors need the dlib extra: pip install 'veil[dlib]'"
        ) from exc
    return dlib, face_recognition_models


def margin_to_score(margin: np.ndarray) -> np.ndarray:
    """Map dlib's signed detection margin onto ``(0, 1)``; margin 0 -> 0.5."""
    return (1.0 / (1.0 + np.exp(-2.0 * margin))).astype(np.float32)


class DlibDetector:
    """dlib frontal face detector: ``kind="hog"`` (fast) or ``kind="cnn"`` (MMOD, slow on CPU)."""

    def __init__(self, threshold: float = 0.5, kind: str = "hog", upsample: int = 0) -> None:
        dlib, models = _import_dlib()
        self.name = "dlib" if kind == "hog" else "dlib-cnn"
        self.kind = kind
        self.threshold = threshold
        self.upsample = upsample
        if kind == "hog":
            self._detector = dlib.get_frontal_face_detector()
        elif kind == "cnn":
            self._detector = dlib.cnn_face_detection_model_v1(models.cnn_face_detector_model_location())
        else:
            raise ValueError(f"unknown dlib detector kind {kind!r} (hog or cnn)")
        self._predictor = dlib.shape_predictor(models.pose_predictor_model_location())
        self._rectangle = dlib.rectangle

    def detect(self, frame: np.ndarray) -> Faces:
        rgb = cv2.cvtColor(as_bgr(frame), cv2.COLOR_BGR2RGB)
        # Ask dlib for everything down to the threshold's margin (score 0.5 <-> margin 0).
        threshold = float(np.clip(self.threshold, 1e-4, 1 - 1e-4))
        margin_floor = float(np.log(threshold / (1 - threshold)) / 2.0)
        if self.kind == "hog":
            rects, margins, _ = self._detector.run(rgb, self.upsample, margin_floor)
        else:
            found = self._detector(rgb, self.upsample)
            rects = [d.rect for d in found]
            margins = [d.confidence for d in found]
        if len(rects) == 0:
            return Faces.empty(with_landmarks=True).with_source(self.name)
        xyxy = np.array([[r.left(), r.top(), r.right() + 1, r.bottom() + 1] for r in rects], np.float32)
        landmarks = np.stack([self._five_points(rgb, r) for r in rects])
        faces = Faces(xyxy, margin_to_score(np.asarray(margins, np.float64)), landmarks, source=self.name)
        height, width = frame.shape[:2]
        return faces.above(self.threshold).clipped(width, height)

    def _five_points(self, rgb: np.ndarray, rect: Any) -> np.ndarray:
        shape = self._predictor(rgb, rect)
        pts = np.array([(p.x, p.y) for p in shape.parts()], np.float32)
        return np.stack(
            [
                pts[_LEFT_EYE].mean(axis=0),
                pts[_RIGHT_EYE].mean(axis=0),
                pts[_NOSE_TIP],
                pts[_MOUTH_LEFT],
                pts[_MOUTH_RIGHT],
            ]
        )
