"""Face detectors behind one interface: ``detect(frame) -> Faces``."""

from veil.detection.base import Detector, DetectorUnavailable, ScaledDetector
from veil.detection.registry import (
    DEFAULT_DETECT_SCALE,
    DEFAULT_DETECTOR,
    default_threshold,
    detector_names,
    load_detector,
)

__all__ = [
    "DEFAULT_DETECTOR",
    "DEFAULT_DETECT_SCALE",
    "Detector",
    "DetectorUnavailable",
    "ScaledDetector",
    "default_threshold",
    "detector_names",
    "load_detector",
]
