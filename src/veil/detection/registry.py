"""Detector names -> factories, shared by the CLI, the Python API and benchmarks."""

from __future__ import annotations

from collections.abc import Callable

from veil.detection.base import Detector
from veil.detection.multiscale import ScaledDetector
from veil.detection.thresholds import default_threshold

DEFAULT_DETECTOR = "centerface"
DEFAULT_DETECT_SCALE = 2.0
"""Chosen in benchmarks/results/detection.md: best AP on WIDER hard and on masked faces."""

def _yunet(threshold: float) -> Detector:
    from veil.detection.yunet import YuNetDetector

    return YuNetDetector(threshold)


def _centerface(threshold: float) -> Detector:
    from veil.detection.centerface import CenterFaceDetector

    return CenterFaceDetector(threshold)


def _retinaface(threshold: float) -> Detector:
    from veil.detection.retinaface import RetinaFaceDetector

    return RetinaFaceDetector(threshold)


def _haar(threshold: float) -> Detector:
    from veil.detection.haar import HaarDetector

    return HaarDetector(threshold)


def _dlib_hog(threshold: float) -> Detector:
    from veil.detection.dlib_detector import DlibDetector

    return DlibDetector(threshold, kind="hog")


def _dlib_cnn(threshold: float) -> Detector:
    from veil.detection.dlib_detector import DlibDetector

    return DlibDetector(threshold, kind="cnn")


def _mtcnn(threshold: float) -> Detector:
    from veil.detection.mtcnn import MTCNNDetector

    return MTCNNDetector(threshold)


DETECTORS: dict[str, Callable[[float], Detector]] = {
    "yunet": _yunet,
    "centerface": _centerface,
    "retinaface": _retinaface,
    "haar": _haar,
    "dlib": _dlib_hog,
    "dlib-cnn": _dlib_cnn,
    "mtcnn": _mtcnn,
}


def detector_names() -> list[str]:
    """Names accepted by `load_detector` (plus ``onnx:PATH``)."""
    return [*DETECTORS, "onnx:PATH"]


def load_detector(
    name: str = DEFAULT_DETECTOR, threshold: float | None = None, scale: float = 1.0
) -> Detector:
    """Build a detector by name.

    Args:
        name: one of `detector_names()`, or ``onnx:PATH`` for a user's SCRFD model.
        threshold: score cut-off in ``[0, 1]``; ``None`` takes the detector's default
            (`veil.detection.thresholds`).
        scale: run the detector on the frame resized by this factor (boxes are
            mapped back); 2 finds faces half as small, at about 4x the cost.

    Raises:
        ValueError: unknown name or bad value.
        DetectorUnavailable: an optional dependency or model file is missing.

    Examples:
        >>> detector = load_detector("yunet", threshold=0.6, scale=2)
        >>> import cv2
        >>> faces = detector.detect(cv2.imread("examples/newton.png"))
        >>> len(faces), faces.source[0]
        (1, 'yunet')
    """
    if name not in DETECTORS and not name.startswith("onnx:"):
        raise ValueError(f"unknown detector {name!r}; choose from {', '.join(detector_names())}")
    if threshold is None:
        threshold = default_threshold(name)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold}")
    if name.startswith("onnx:"):
        from veil.detection.scrfd import SCRFDDetector

        detector: Detector = SCRFDDetector(name.removeprefix("onnx:"), threshold)
    else:
        detector = DETECTORS[name](threshold)
    return detector if scale == 1.0 else ScaledDetector(detector, scale)
