"""What settings resolve to: the detectors, filter and gallery decisions a run loads.

`Settings` stay plain values; loading models and reading gallery files happen
here, once per `Anonymizer`.
"""

from __future__ import annotations

from dataclasses import replace

from veil.detection import Detector, load_detector
from veil.detection.onnx_session import on_device
from veil.detection.profiles import load_profile, load_video_search
from veil.detection.video import VideoSearch
from veil.filters import Filter, make_filter
from veil.recognition.gallery import Gallery
from veil.recognition.policy import KnownFaces
from veil.settings import DetectionSettings, HidingSettings, KnownSettings


def photo_detector(detection: DetectionSettings) -> Detector:
    """The detector ``detection`` asks for on photos: the profile's fused recipe, or one detector."""
    name = detection.single_detector
    with on_device(detection.device):
        if name is None:
            return load_profile(detection.profile, threshold=detection.threshold_for(False))
        return load_detector(name, detection.threshold_for(False), detection.single_scale(False))


def video_detector(detection: DetectionSettings) -> Detector | VideoSearch:
    """What searches video frames: the profile's `VideoSearch`, or one ``--detector`` on every frame."""
    name = detection.single_detector
    with on_device(detection.device):
        if name is None:
            return load_video_search(detection.profile, detection.threshold_for(True))
        return load_detector(name, detection.threshold_for(True), detection.single_scale(True))


def hiding_filter(hiding: HidingSettings, name: str | None = None) -> Filter:
    """The filter ``hiding`` asks for; ``name``: another filter with the same strength and colour,
    and its own mask growth (a reviewer's choice for one face)."""
    if name is not None and name != hiding.filter:
        hiding = replace(hiding, filter=name, mask_scale=None)
    return make_filter(
        hiding.filter,
        mask=hiding.mask_spec,
        strength=hiding.strength,
        feature_strength=hiding.feature_strength,
        colour=hiding.colour,
        image=hiding.image,
    )


def known_faces(known: KnownSettings) -> KnownFaces | None:
    """The gallery decisions ``--keep``/``--only`` ask for (None: hide every face)."""
    chosen = known.gallery
    if chosen is None:
        return None
    path, mode = chosen
    return KnownFaces(Gallery.load(path), mode, known.match_threshold)
