"""Which tracker links faces best: veil's IoU tracker or Roboflow's `trackers` (SORT, ByteTrack, OC-SORT).

    python benchmarks/video_trackers.py      # writes benchmarks/results/video_trackers.md

Every tracker gets the same detections: each clip is searched once with the
default video recipe (zoom windows from veil's own tracker), and the
detections of every frame, with the scene cuts, are replayed through each
tracker with veil's fills on top (confirmation, interpolation, look-ahead and
look-behind, motion growth). The library's trackers run through veil's adapter
(`veil.association.LibraryTracker`: first sights join their track, zoom finds
continue the track they were looking for). So the rows differ only in which detections are
linked into which track. Coverage and precision are counted as in
benchmarks/video.py (one frame in three; `video_precision`). The full pipeline,
where the zoom follows the tracker in use, is `video.py`'s `veil` and
`veil --tracker iou` rows.

norfair 2.3.0 pins numpy < 2 and cannot be installed beside veil's numpy; it is left out.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np

import veil.tracking as tracking
from common import DATA, RESULTS, machine_line, markdown_table, require_data, write_results
from veil import Anonymizer
from veil.association import LibraryTracker, ocsort
from veil.faces import Faces
from veil.media.video import Frame
from veil.tracking import TemporalCoverage, Track, Tracker, within_frame
from video import CLIPS, VEIL_MASK, count_uncovered, reference_faces, reviewed
from video_precision import CUT_CLIP, make_cut_clip, precision, search_reference

Pushed = list[tuple[int, Faces, bool]]


def library(kind: str, **options: object) -> Callable[[int], Tracker]:
    """One of Roboflow's trackers through veil's adapter (as OC-SORT runs in veil)."""

    def make(max_age: int) -> object:
        import trackers

        cls = {"sort": trackers.SORTTracker, "bytetrack": trackers.ByteTrackTracker}[kind]
        return cls(lost_track_buffer=max_age, frame_rate=25.0, minimum_consecutive_frames=1, **options)

    return lambda max_age: LibraryTracker(max_age, make)


ROWS: dict[str, Callable[[int], Tracker]] = {
    "veil IoU tracker (greedy IoU on doubled boxes, constant velocity)": Tracker,
    "SORT (trackers 2.6, activation 0.2)": library("sort", track_activation_threshold=0.2),
    "ByteTrack (trackers 2.6, high 0.5, activation 0.2)": library(
        "bytetrack", high_conf_det_threshold=0.5, track_activation_threshold=0.2
    ),
    "**OC-SORT (trackers 2.6, high 0.5: veil's default)**": lambda max_age: LibraryTracker(max_age, ocsort),
}


def recorded(clip: Path) -> tuple[list[np.ndarray], Pushed]:
    """Each frame, and what the video search handed to tracking in it (with veil's IoU tracker)."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 25)
        frames = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    pushed: Pushed = []
    push = TemporalCoverage.push

    def recording(self: TemporalCoverage, index: int, faces: Faces, cut: bool = False):  # type: ignore[no-untyped-def]
        pushed.append((index, faces, cut))
        yield from push(self, index, faces, cut)

    TemporalCoverage.push = recording  # type: ignore[method-assign]
    try:
        stream_frames = (Frame(i, f, i, i / fps) for i, f in enumerate(frames))
        for _ in Anonymizer(tracker="iou").track(stream_frames):
            pass
    finally:
        TemporalCoverage.push = push  # type: ignore[method-assign]
    return frames, pushed


def replayed(
    pushed: Pushed, make: Callable[[int], Tracker], size: tuple[int, int]
) -> tuple[dict[int, Faces], list]:
    coverage = TemporalCoverage(tracking.DEFAULT_MEMORY, tracker=make(tracking.DEFAULT_MEMORY))
    seen: dict[int, Track] = {}
    out: dict[int, Faces] = {}
    for index, faces, cut in pushed:
        out.update(coverage.push(index, faces, cut))
        seen.update((t.id, t) for t in coverage.tracker.tracks())
    out.update(coverage.flush())
    seen.update((t.id, t) for t in coverage.tracker.tracks())
    return {i: within_frame(f, *size) for i, f in out.items()}, list(seen.values())


def measure(name: str, every: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        if name == CUT_CLIP:
            clip = make_cut_clip(require_data(DATA / "video"), Path(folder) / "cuts.mp4")
        else:
            clip = require_data(DATA / "video" / name)
        frames, pushed = recorded(clip)
    size = (frames[0].shape[1], frames[0].shape[0])
    sample = {i: f for i, f in enumerate(frames) if i % every == 0}
    strong, plausible = reference_faces(sample), search_reference(sample)
    checked = reviewed(strong, name)
    rows = {}
    for row, make in ROWS.items():
        covered, tracks = replayed(pushed, make, size)
        hidden = {i: covered[i].xyxy.astype(np.float64) for i in sample}
        confirmed = sum(t.confirmed for t in tracks)
        rows[row] = {
            "uncovered": count_uncovered(strong, hidden, VEIL_MASK, size),
            "uncovered_reviewed": count_uncovered(checked, hidden, VEIL_MASK, size),
            "boxes_per_frame": float(np.mean([len(covered[i]) for i in sample])),
            "tracks": confirmed,
            "lone": len(tracks) - confirmed,
            **precision(hidden, plausible, VEIL_MASK, size),
        }
        print(name, row, json.dumps(rows[row]), flush=True)
    return {
        "size": size,
        "frames": len(frames),
        "reference_faces": sum(len(f) for f in strong.values()),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--every", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "video_trackers.md"))
    args = parser.parse_args()
    results = {name: measure(name, args.every) for name in CLIPS}
    table = []
    for name, result in results.items():
        for row, r in result["rows"].items():
            table.append([
                name, row, f"{r['uncovered']} ({r['uncovered_reviewed']})", f"{r['boxes_per_frame']:.1f}",
                f"{r['hidden_pct']:.1f}", f"{r['collateral_pct']:.2f}", f"{r['false_blocks']:.2f}",
                f"{r['tracks']} (+{r['lone']})",
            ])  # fmt: skip
    header = ["clip", "tracker", "uncovered (reviewed)", "boxes per frame", "hidden %", "collateral %",
              "false blocks per frame", "tracks (+ lone finds)"]  # fmt: skip
    text = (
        "# Trackers compared on the same detections\n\n"
        f"`python benchmarks/video_trackers.py --every {args.every}` ({machine_line()}). Each clip searched "
        "once with the balanced video recipe (zoom windows from veil's IoU tracker); every tracker links "
        "the same detections, with veil's fills on top. Columns as in video.md and video_precision.md.\n\n"
        + markdown_table(header, table)
        + "\n"
    )
    write_results(text, results, args.out)


if __name__ == "__main__":
    main()
