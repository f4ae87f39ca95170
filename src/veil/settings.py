"""`Settings`: every choice a run makes, built from CLI flags or API keywords, and what they resolve to.

The fields are flat (``Anonymizer(filter="blur", memory=15)`` reads better
than nested groups), in four groups: detection, filter, video, known faces.
Defaults are the ones the benchmarks support; each names its evidence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from veil.detection import DEFAULT_DETECT_SCALE, DEFAULT_DETECTOR, DEFAULT_PROFILE, Detector, load_detector
from veil.detection.onnx_session import DEVICES, on_device
from veil.detection.profiles import PROFILES, load_profile, load_video_search, recipe_key
from veil.detection.thresholds import default_threshold
from veil.detection.video import VideoSearch
from veil.filters import DEFAULT_FILTER, Filter, MaskSpec, default_mask_scale, make_filter
from veil.media.images import DEFAULT_MAX_PIXELS
from veil.media.video_writer import EncoderSettings
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD, Mode
from veil.tracking import DEFAULT_MEMORY, TemporalCoverage, TrackingMode

DEFAULT_VIDEO_DETECT_SCALE = 1.0
"""With ``--detector``: video frames are detected at their own size. Faces in video are
rarely as small as in WIDER's crowd photos, the tracker covers the frames a detector
misses, and 2x would cost 4x per frame (benchmarks/results/video.md)."""


@dataclass(frozen=True)
class Settings:
    """Every choice a run makes; built from CLI flags or API keywords (hashable, JSON-ready).

    Examples:
        >>> Settings(filter="blur", strength=2).effective_mask_scale
        1.3
        >>> Settings(profile="fast").detection_for(video=True)
        {'members': 'scan centerface@1x<=1024px', 'threshold': 0.2}
    """

    # detection
    profile: str = DEFAULT_PROFILE
    detector: str | None = None  # one detector instead of the profile's fused recipe
    threshold: float | None = None  # None: the profile's (or detector's) own default
    detect_scale: float | None = None  # single detector only; None: 2x for photos, 1x for video
    max_pixels: int = DEFAULT_MAX_PIXELS
    device: str = "auto"  # onnxruntime execution provider: auto, cpu, cuda, ... (`onnx_session.DEVICES`)
    # filter
    filter: str = DEFAULT_FILTER
    mask: str = "ellipse"
    mask_scale: float | None = None  # None: the filter's own (1.3; 1.6 for face)
    feather: float = 0.05
    strength: float = 1.0
    feature_strength: float = 1.0
    colour: str = "black"
    image: str | None = None
    keep_metadata: bool = False
    # video
    memory: int = DEFAULT_MEMORY
    detect_every: int = 1  # run the detector on every n-th frame; tracking covers the rest
    tracking: TrackingMode = "both"
    allow_partial: bool = False  # write what decodes of a truncated video, as NAME_partial.EXT
    max_memory: int | None = None  # bytes a video may take (estimated up front); None: half the RAM
    codec: str | None = None
    crf: int = EncoderSettings.crf
    preset: str = EncoderSettings.preset
    pix_fmt: str | None = None
    audio: bool = True
    escrow: tuple[str, ...] = ()  # public keys (.pub files or age1...) the hidden faces are sealed to
    # known faces
    keep: str | None = None  # gallery file: leave its members visible, hide everyone else
    only: str | None = None  # gallery file: hide only its members
    match_threshold: float = DEFAULT_MATCH_THRESHOLD

    def __post_init__(self) -> None:
        """Check what can be checked before any model loads, so bad settings fail before any file."""
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; choose from {', '.join(PROFILES)}")
        if self.device not in DEVICES:
            raise ValueError(f"unknown device {self.device!r}; choose from {', '.join(DEVICES)}")
        if self.max_memory is not None and self.max_memory <= 0:
            raise ValueError("--max-memory must be positive")
        if self.keep is not None and self.only is not None:
            raise ValueError("give --keep or --only, not both")
        object.__setattr__(self, "escrow", tuple(self.escrow))  # a list, from JSON
        if self.escrow:
            from veil.errors import VeilError
            from veil.escrow.seal import recipients_of

            try:
                recipients_of(self.escrow)
            except VeilError as exc:
                raise ValueError(f"--escrow {exc.path}: {exc.reason}") from None
        memory = TemporalCoverage(self.memory, self.tracking).memory
        if not 1 <= self.detect_every <= memory + 1:
            raise ValueError(
                f"--detect-every must be between 1 and memory + 1 = {memory + 1} "
                "(with tracking on), or the frames between detections go uncovered"
            )

    # -- detection ------------------------------------------------------------
    @property
    def single_detector(self) -> str | None:
        """The one detector to run, or None to run the profile (``--detect-scale`` alone means CenterFace)."""
        if self.detector is None and self.detect_scale is not None:
            return DEFAULT_DETECTOR
        return self.detector

    def single_scale(self, video: bool) -> float:
        """With one detector: ``--detect-scale``, else 2x for photos and 1x for video."""
        return self.detect_scale or (DEFAULT_VIDEO_DETECT_SCALE if video else DEFAULT_DETECT_SCALE)

    def threshold_for(self, video: bool) -> float:
        """The score cut-off for photos or video: the one given, else the default for what runs."""
        if self.threshold is not None:
            return self.threshold
        return default_threshold(self.single_detector or self.profile, video)

    def detection_for(self, video: bool) -> dict[str, Any]:
        """The members (detector@scale) and score cut-off used for photos or video frames."""
        name = self.single_detector
        if name is None:
            profile = PROFILES[self.profile]
            members = profile.video.label if video else recipe_key(profile.photo)
        else:
            members = f"{name}@{self.single_scale(video):g}x"
        return {"members": members, "threshold": self.threshold_for(video)}

    def load_detector(self) -> Detector:
        """The detector these settings ask for on photos."""
        name = self.single_detector
        with on_device(self.device):
            if name is None:
                return load_profile(self.profile, threshold=self.threshold_for(False))
            return load_detector(name, self.threshold_for(False), self.single_scale(False))

    def load_video_detector(self) -> Detector | VideoSearch:
        """What searches video frames: the profile's `VideoSearch`, or one ``--detector`` on every frame."""
        name = self.single_detector
        with on_device(self.device):
            if name is None:
                return load_video_search(self.profile, self.threshold_for(True))
            return load_detector(name, self.threshold_for(True), self.single_scale(True))

    # -- filter ---------------------------------------------------------------
    @property
    def effective_mask_scale(self) -> float:
        """The mask growth in use: the one given, else the filter's own (1.6 for face, 1.3 otherwise)."""
        return self.mask_scale or default_mask_scale(self.filter)

    def make_filter(self) -> Filter:
        """The filter these settings ask for."""
        return make_filter(
            self.filter,
            mask=MaskSpec(self.mask, self.effective_mask_scale, self.feather),
            strength=self.strength,
            feature_strength=self.feature_strength,
            colour=self.colour,
            image=self.image,
        )

    # -- video and known faces -----------------------------------------------
    @property
    def encoder(self) -> EncoderSettings:
        return EncoderSettings(self.codec, self.crf, self.preset, self.pix_fmt, self.audio)

    @property
    def gallery(self) -> tuple[Path, Mode] | None:
        """The gallery file and its mode (``keep`` or ``only``), if one was given."""
        if self.keep is not None:
            return Path(self.keep), "keep"
        if self.only is not None:
            return Path(self.only), "only"
        return None

    def to_json(self) -> dict[str, Any]:
        """The fields, plus what detection actually ran for photos and for video."""
        return {
            **asdict(self),
            "mask_scale": self.effective_mask_scale,
            "detection": {"photo": self.detection_for(False), "video": self.detection_for(True)},
        }
