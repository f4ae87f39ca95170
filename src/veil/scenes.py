"""Scene cuts: where a video jumps to another shot, so no track, gap fill or memory crosses.

A face in the last frame of one shot and a face at the same place in the first
frame of the next are different people (or none): linking them would carry a
mask into a shot where it hides nothing, or fill a gap with the wrong place.
PySceneDetect's content detector compares each frame's hue, saturation and
brightness with the previous one; veil runs it on a small copy of the frame
(every n-th pixel, about 256 wide: well under a millisecond a frame).
"""

from __future__ import annotations

import numpy as np
from scenedetect import ContentDetector, FrameTimecode

CUT_THRESHOLD = 27.0
"""PySceneDetect's default content threshold. On the dev clips and the cut clip of
benchmarks/video_precision.py, cuts score 46-107 and camera motion or crowds at most 22."""
SAMPLE_WIDTH = 256


class SceneCuts:
    """Tells, frame after frame, whether a frame starts a new shot.

    Examples:
        >>> cuts = SceneCuts()
        >>> dark, light = np.zeros((90, 160, 3), np.uint8), np.full((90, 160, 3), 200, np.uint8)
        >>> [cuts.starts_shot(frame) for frame in (dark, dark, light, light)]
        [False, False, True, False]
    """

    def __init__(self, threshold: float = CUT_THRESHOLD) -> None:
        # min_scene_len 1: every cut is told at its own frame (a longer minimum holds cuts back)
        self._detector = ContentDetector(threshold=threshold, min_scene_len=1)
        self._frames = 0

    def starts_shot(self, pixels: np.ndarray) -> bool:
        """Whether ``pixels`` (the next BGR frame) is the first of a new shot."""
        step = max(1, pixels.shape[1] // SAMPLE_WIDTH)
        sample = np.ascontiguousarray(pixels[::step, ::step, :3])
        index = self._frames
        self._frames += 1
        return bool(self._detector.process_frame(FrameTimecode(index, 25.0), sample))
