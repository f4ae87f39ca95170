"""The video recipes benchmarks/video.py compares, and a runner that times one end to end.

    python benchmarks/video_recipes.py NAME CLIP OUT.mp4 REPORT.json

runs veil on CLIP with recipe NAME (the shipped profile's detector swapped
for a `VideoSearch` of that recipe) and writes the video, the usual report,
and ``REPORT.passes.json``: milliseconds per frame in each pass.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from veil.anonymizer import Anonymizer
from veil.detection.fusion import Member
from veil.detection.profiles import VIDEO_RECIPES
from veil.detection.thresholds import default_threshold
from veil.detection.video import VideoRecipe, VideoSearch
from veil.report import build_report

CF, YN = "centerface", "yunet"
RECIPES: dict[str, VideoRecipe] = {
    "before: CenterFace 1x every frame (balanced until issue 14)": VideoRecipe(scan=(Member(CF, 1.0),)),
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
    "balanced with its YuNet sweep at 0.4 of a frame": VideoRecipe(
        scan=(Member(YN, 0.5),), sweep=Member(YN, 2.0), sweep_share=0.4, sweep_side=2048, zoom=(CF,),
        zoom_side=96, zoom_hits=3, zoom_score=0.6, zoom_skip=0.5,
    ),
    "balanced (the shipped recipe: scan YuNet 0.5x + YuNet sweep 2x + zoom 96 px)": VIDEO_RECIPES["balanced"],
}  # fmt: skip
"""Every recipe tried, the losers kept: benchmarks/results/video.md has a row for each."""


def main() -> None:
    name, clip, out, report = sys.argv[1:5]
    search = VideoSearch(RECIPES[name], default_threshold("balanced", video=True))
    anonymizer = Anonymizer(detector=search)
    record = anonymizer.process_file(clip, out)
    Path(report).write_text(json.dumps(build_report([record], [], anonymizer.to_json())))
    frames = max(1, len(record.frames))
    passes = {stage: 1000 * seconds / frames for stage, seconds in search.seconds.items()}
    Path(report).with_suffix(".passes.json").write_text(json.dumps(passes))


if __name__ == "__main__":
    main()
