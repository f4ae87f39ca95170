"""Face detectors behind one interface: ``detect(frame) -> Faces``."""

from veil.detection.base import Detector
from veil.detection.fusion import FusedDetector
from veil.detection.multiscale import FlippedDetector, ScaledDetector
from veil.detection.profiles import DEFAULT_PROFILE, PROFILE_NAMES, load_profile
from veil.detection.registry import (
    DEFAULT_DETECT_SCALE,
    DEFAULT_DETECTOR,
    detector_names,
    load_detector,
)
from veil.detection.thresholds import default_threshold
from veil.errors import DetectorUnavailable

__all__ = [
    "DEFAULT_DETECTOR",
    "DEFAULT_DETECT_SCALE",
    "DEFAULT_PROFILE",
    "PROFILE_NAMES",
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
