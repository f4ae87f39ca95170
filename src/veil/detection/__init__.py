"""Face detectors behind one interface: ``detect(frame) -> Faces``."""

from veil.detection.base import Detector, DetectorUnavailable
from veil.detection.fusion import FusedDetector
from veil.detection.multiscale import FlippedDetector, ScaledDetector
from veil.detection.profiles import load_profile
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
    "FlippedDetector",
    "FusedDetector",
    "ScaledDetector",
    "default_threshold",
    "detector_names",
    "load_detector",
    "load_profile",
]
