"""The video recipes benchmarks/video.py compares, and a runner that times one end to end.

    python benchmarks/video_recipes.py NAME CLIP OUT.mp4 REPORT.json

runs veil on CLIP with recipe NAME (the shipped profile's detector swapped
for a `VideoSearch` of that recipe) and writes the video, the usual report,
and ``REPORT.passes.json``: milliseconds per frame in each pass.
"""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from unittest import mock

from veil.anonymizer import Anonymizer
from veil.detection.fusion import Member
from veil.detection.profiles import VIDEO_RECIPES
from veil.detection.thresholds import default_threshold
from veil.detection.video import VideoRecipe, VideoSearch
from veil.report import build_report
from veil.tracking import DEFAULT_MEMORY

CF, YN, RF = "centerface", "yunet", "retinaface"
BALANCED = VIDEO_RECIPES["balanced"]
HALF_SWEEP = replace(BALANCED, scan=(Member(YN, 0.5), Member(CF, 1.0, fit_side=256)), sweep_share=0.5)
"""balanced before its sweep grew from half a frame's pixels a frame to three quarters (and its
CenterFace scan shrank from a copy 256 px long to 192)."""
OLD = replace(HALF_SWEEP, scan=(Member(YN, 0.5),))
"""balanced before CenterFace joined its scan: scan YuNet 0.5x + YuNet sweep 2x + zoom 96 px."""

BEFORE_CENTERFACE_SCAN = (
    "scan YuNet 0.5x + YuNet sweep 2x + zoom 96 px, memory 10 (balanced until CenterFace joined it)"
)
"""The row of `OLD` with its look-ahead of then (benchmarks/video_coverage.py runs it too)."""

HALF_SWEEP_ROW = (
    "scan YuNet 0.5x + CenterFace <=256 px, YuNet sweep 2x, zoom 96 px (balanced until its sweep grew)"
)
"""The row of `HALF_SWEEP` (benchmarks/video_coverage.py runs it too)."""

RECIPES: dict[str, VideoRecipe] = {
    "before: CenterFace 1x every frame, memory 10 (balanced until issue 14)": VideoRecipe(
        scan=(Member(CF, 1.0),)
    ),
    "CenterFace sweep 2x + zoom, no scan": VideoRecipe(
        scan=(), sweep=Member(CF, 2.0), sweep_share=0.5, sweep_side=2048, zoom=(CF,), zoom_hits=2,
        zoom_score=0.5,
    ),
    "scan CenterFace 0.5x + CenterFace sweep 2x + zoom": VideoRecipe(
        scan=(Member(CF, 0.5),), sweep=Member(CF, 2.0), sweep_share=0.5, sweep_side=2048, zoom=(CF,),
        zoom_hits=2, zoom_score=0.5,
    ),
    "scan YuNet 0.5x + CenterFace sweep 2x + zoom 128 px on every track": VideoRecipe(
        scan=(Member(YN, 0.5),), sweep=Member(CF, 2.0), sweep_share=0.5, sweep_side=2048, zoom=(CF,),
        zoom_hits=2, zoom_score=0.5,
    ),
    "scan YuNet 0.5x + CenterFace sweep 2x + zoom 96 px": VideoRecipe(
        scan=(Member(YN, 0.5),), sweep=Member(CF, 2.0), sweep_share=0.5, sweep_side=2048, zoom=(CF,),
        zoom_side=96, zoom_hits=3, zoom_score=0.6, zoom_skip=0.5,
    ),
    "... with the CenterFace sweep at 1.5x": VideoRecipe(
        scan=(Member(YN, 0.5),), sweep=Member(CF, 1.5), sweep_share=0.5, sweep_side=2048, zoom=(CF,),
        zoom_side=96, zoom_hits=3, zoom_score=0.6, zoom_skip=0.5,
    ),
    BEFORE_CENTERFACE_SCAN: OLD,
    "scan YuNet 0.5x + YuNet sweep 2x + zoom 96 px": OLD,
    "... its YuNet sweep at 0.4 of a frame": replace(OLD, sweep_share=0.4),
    "... its YuNet sweep at 0.75 of a frame": replace(OLD, sweep_share=0.75),
    "... its scan on every other frame": replace(OLD, scan_every=(2,)),
    "... its scan on every other frame, its sweep at 0.75": replace(OLD, scan_every=(2,), sweep_share=0.75),
    "... its scan at YuNet 0.75x": replace(OLD, scan=(Member(YN, 0.75),)),
    "... zooming on more tracks (2 hits or score 0.5)": replace(OLD, zoom_hits=2, zoom_score=0.5),
    "... zooming with CenterFace and YuNet": replace(OLD, zoom=(CF, YN)),
    "... scanning with CenterFace at 0.5x too": replace(OLD, scan=(Member(YN, 0.5), Member(CF, 0.5))),
    HALF_SWEEP_ROW: HALF_SWEEP,
    "... YuNet run in libfacedetection (its engine until onnxruntime ran it)": HALF_SWEEP,
    "... zooming with YuNet too": replace(HALF_SWEEP, zoom=(CF, YN)),
    "balanced until its sweep grew, with its YuNet sweep at 0.75 of a frame": replace(
        HALF_SWEEP, sweep_share=0.75
    ),
    "balanced, the shipped recipe: the sweep at 0.75 of a frame, CenterFace's scan copy 192 px long": (
        BALANCED
    ),
    "balanced with CenterFace's scan copy 128 px long": replace(
        BALANCED, scan=(Member(YN, 0.5), Member(CF, 1.0, fit_side=128))
    ),
    "balanced, zooming with CenterFace and RetinaFace": replace(BALANCED, zoom=(CF, RF)),
    "balanced, zooming with RetinaFace instead of CenterFace": replace(BALANCED, zoom=(RF,)),
    "balanced with a RetinaFace sweep at 2x instead of YuNet's": replace(BALANCED, sweep=Member(RF, 2.0)),
}  # fmt: skip
"""Every recipe tried, the losers kept: benchmarks/results/video.md has a row for each (the
RetinaFace rows, run beside the shipped recipe in one session: video_retinaface.md)."""

MEMORY = {row: 10 for row in RECIPES if "memory 10" in row}
"""Rows that run with the old default look-ahead (the rest take today's, `DEFAULT_MEMORY`)."""

LIBFACEDETECTION = {row for row in RECIPES if "run in libfacedetection" in row}
"""Rows whose YuNet runs in the wheel's libfacedetection instead of onnxruntime (same results)."""


def anonymizer_for(row: str) -> Anonymizer:
    """veil with row ``row``'s recipe and look-ahead in place of the balanced profile's."""
    engine = mock.patch("veil.detection.yunet.graph_detect", return_value=None)
    with engine if row in LIBFACEDETECTION else nullcontext():
        search = VideoSearch(RECIPES[row], default_threshold("balanced", video=True))
    return Anonymizer(detector=search, memory=MEMORY.get(row, DEFAULT_MEMORY))


def main() -> None:
    name, clip, out, report = sys.argv[1:5]
    anonymizer = anonymizer_for(name)
    search = anonymizer.video_detector
    assert isinstance(search, VideoSearch)
    record = anonymizer.process_file(clip, out)
    Path(report).write_text(json.dumps(build_report([record], [], anonymizer.to_json())))
    frames = max(1, len(record.frames))
    passes = {stage: 1000 * seconds / frames for stage, seconds in search.seconds.items()}
    Path(report).with_suffix(".passes.json").write_text(json.dumps(passes))


if __name__ == "__main__":
    main()
