"""`Settings`: every choice a run makes, in groups, each default and list of choices defined once.

The groups follow what a choice is about: `DetectionSettings` (which faces
are found), `HidingSettings` (the filter and its mask), `VideoSettings`
(temporal coverage and video limits), `KnownSettings` (``--keep``/``--only``),
`EncoderSettings` (how video is written) and `OutputSettings` (what else goes
into an output). The command line takes its defaults and choices from these
classes, and `Settings` takes their fields flat too (``Settings(filter="blur",
memory=15)``), so the Python API reads as the command line does. Settings are
plain values: they read no file and load no model (`veil.loaders` does).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from veil.association import TRACKERS, TrackerName, resolved, tracker_for
from veil.detection import DEFAULT_DETECT_SCALE, DEFAULT_DETECTOR, DEFAULT_PROFILE
from veil.detection.onnx_session import DEFAULT_DEVICE, DEVICES
from veil.detection.profiles import PROFILES, recipe_key
from veil.detection.thresholds import default_threshold
from veil.filters import (
    DEFAULT_COLOUR,
    DEFAULT_FILTER,
    FILTER_NAMES,
    MASK_SHAPES,
    MaskSpec,
    default_mask_scale,
)
from veil.media.images import DEFAULT_MAX_PIXELS
from veil.media.video_writer import EncoderSettings
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD, Mode
from veil.tracking import DEFAULT_MEMORY, DEFAULT_TRACKING, TRACKING_MODES, TrackingMode

DEFAULT_VIDEO_DETECT_SCALE = 1.0
"""With ``--detector``: video frames are detected at their own size. Faces in video are
rarely as small as in WIDER's crowd photos, the tracker covers the frames a detector
misses, and 2x would cost 4x per frame (benchmarks/results/video.md)."""


def _choose(value: str, choices: tuple[str, ...] | list[str], what: str) -> None:
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose from {', '.join(choices)}")


@dataclass(frozen=True)
class DetectionSettings:
    """Which faces are found: the profile (or one detector), its cut-off, scale and device."""

    profile: str = DEFAULT_PROFILE
    detector: str | None = None  # one detector instead of the profile's fused recipe
    threshold: float | None = None  # None: the profile's (or detector's) own default
    detect_scale: float | None = None  # single detector only; None: 2x for photos, 1x for video
    max_pixels: int = DEFAULT_MAX_PIXELS  # refuse images and video frames with more pixels
    device: str = DEFAULT_DEVICE  # onnxruntime execution provider (`onnx_session.DEVICES`)

    def __post_init__(self) -> None:
        _choose(self.profile, tuple(PROFILES), "profile")
        _choose(self.device, DEVICES, "device")

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

    def described(self, video: bool) -> dict[str, Any]:
        """The members (detector@scale) and score cut-off used for photos or video frames."""
        name = self.single_detector
        if name is None:
            profile = PROFILES[self.profile]
            members = profile.video.label if video else recipe_key(profile.photo)
        else:
            members = f"{name}@{self.single_scale(video):g}x"
        return {"members": members, "threshold": self.threshold_for(video)}


@dataclass(frozen=True)
class HidingSettings:
    """How a face is hidden: the filter, its strength and colour, and the mask it fills."""

    filter: str = DEFAULT_FILTER
    mask: str = MaskSpec.shape
    mask_scale: float | None = None  # None: the filter's own (`default_mask_scale`)
    feather: float = MaskSpec.feather
    strength: float = 1.0
    feature_strength: float = 1.0
    colour: str = DEFAULT_COLOUR
    image: str | None = None  # the picture for the image filter

    def __post_init__(self) -> None:
        _choose(self.filter, FILTER_NAMES, "filter")
        _choose(self.mask, MASK_SHAPES, "mask shape")
        if self.filter == "image" and self.image is None:
            raise ValueError("the image filter needs an image (--image PATH)")

    @property
    def effective_mask_scale(self) -> float:
        """The mask growth in use: the one given, else the filter's own (1.6 for face, 1.3 otherwise)."""
        return self.mask_scale or default_mask_scale(self.filter)

    @property
    def mask_spec(self) -> MaskSpec:
        return MaskSpec(self.mask, self.effective_mask_scale, self.feather)


@dataclass(frozen=True)
class VideoSettings:
    """Temporal coverage (memory, tracking, detecting every n-th frame) and video limits."""

    memory: int = DEFAULT_MEMORY
    detect_every: int = 1  # run the detector on every n-th frame; tracking covers the rest
    tracking: TrackingMode = DEFAULT_TRACKING
    scene_cuts: bool = True  # end every track at a cut to another shot (veil.scenes)
    tracker: TrackerName = "auto"  # what links detections (veil.association): OC-SORT where installed
    max_memory: int | None = None  # bytes a video may take (estimated up front); None: half the RAM
    allow_partial: bool = False  # write what decodes of a truncated video, as NAME_partial.EXT

    def __post_init__(self) -> None:
        _choose(self.tracking, TRACKING_MODES, "tracking mode")
        _choose(self.tracker, TRACKERS, "tracker")
        resolved(self.tracker)  # --tracker ocsort without the tracking extra: say so before any file
        if self.memory < 0:
            raise ValueError("--memory must be 0 or more")
        if self.max_memory is not None and self.max_memory <= 0:
            raise ValueError("--max-memory must be positive")
        if not 1 <= self.detect_every <= self.effective_memory + 1:
            raise ValueError(
                f"--detect-every must be between 1 and memory + 1 = {self.effective_memory + 1} "
                "(with tracking on), or the frames between detections go uncovered"
            )

    @property
    def effective_memory(self) -> int:
        """The frames of look-ahead and look-behind in use: none with ``--tracking off``."""
        return 0 if self.tracking == "off" else self.memory


@dataclass(frozen=True)
class KnownSettings:
    """``--keep``/``--only``: a gallery file whose people stay visible, or are the only ones hidden."""

    keep: str | None = None
    only: str | None = None
    match_threshold: float = DEFAULT_MATCH_THRESHOLD

    def __post_init__(self) -> None:
        if self.keep is not None and self.only is not None:
            raise ValueError("give --keep or --only, not both")

    @property
    def gallery(self) -> tuple[Path, Mode] | None:
        """The gallery file and its mode (``keep`` or ``only``), if one was given."""
        if self.keep is not None:
            return Path(self.keep), "keep"
        if self.only is not None:
            return Path(self.only), "only"
        return None


@dataclass(frozen=True)
class OutputSettings:
    """What else goes into an output: metadata kept, and escrow of the hidden faces."""

    keep_metadata: bool = False  # EXIF/GPS/XMP (stripped by default)
    escrow: tuple[str, ...] = ()  # public keys (.pub files or age1...) the hidden faces are sealed to

    def __post_init__(self) -> None:
        object.__setattr__(self, "escrow", tuple(self.escrow))  # a list, from JSON


GROUPS: dict[str, type] = {
    "detection": DetectionSettings,
    "hiding": HidingSettings,
    "video": VideoSettings,
    "known": KnownSettings,
    "encoder": EncoderSettings,
    "output": OutputSettings,
}
GROUP_OF: dict[str, str] = {f.name: group for group, kind in GROUPS.items() for f in fields(kind)}
"""Each flat field name (``filter``, ``memory``, ...) and the group it belongs to."""


@dataclass(frozen=True, init=False)
class Settings:
    """Every choice a run makes, in groups; built from CLI flags or API keywords (hashable, JSON-ready).

    Takes groups, flat fields, or both (a flat field overrides its group's).

    Examples:
        >>> Settings(filter="blur", strength=2).hiding.effective_mask_scale
        1.3
        >>> Settings(profile="fast").detection.described(video=True)
        {'members': 'scan centerface@1x<=1024px', 'threshold': 0.2}
        >>> Settings(video=VideoSettings(memory=5)).replace(filter="solid").video.memory
        5
    """

    detection: DetectionSettings
    hiding: HidingSettings
    video: VideoSettings
    known: KnownSettings
    encoder: EncoderSettings
    output: OutputSettings

    def __init__(self, **given: Any) -> None:
        flat = {key: given.pop(key) for key in list(given) if key not in GROUPS}
        unknown = sorted(set(flat) - set(GROUP_OF))
        if unknown:
            raise TypeError(f"unknown setting {unknown[0]!r}; settings are: {', '.join(sorted(GROUP_OF))}")
        for group, kind in GROUPS.items():
            value = given.get(group) or kind()
            mine = {key: v for key, v in flat.items() if GROUP_OF[key] == group}
            object.__setattr__(self, group, replace(value, **mine) if mine else value)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields (flat names) or groups changed."""
        return Settings(**{group: getattr(self, group) for group in GROUPS}, **changes)

    def flat(self) -> dict[str, Any]:
        """Every field by its flat name (what reports and review documents record)."""
        return {key: value for group in GROUPS for key, value in asdict(getattr(self, group)).items()}

    @classmethod
    def from_json(cls, recorded: dict[str, Any]) -> Settings:
        """The settings a report or review recorded (`to_json`); what it describes is ignored."""
        return cls(**{key: value for key, value in recorded.items() if key in GROUP_OF})

    def to_json(self) -> dict[str, Any]:
        """The fields, plus what detection and tracking actually ran for photos and for video."""
        detection = self.detection
        looks_twice = detection.single_detector is None and PROFILES[detection.profile].video.looks_twice
        video = {**detection.described(True), "tracker": tracker_for(self.video.tracker, looks_twice)}
        return {
            **self.flat(),
            "mask_scale": self.hiding.effective_mask_scale,
            "detection": {"photo": detection.described(False), "video": video},
        }
