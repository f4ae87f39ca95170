"""Scene cuts end every track: no mask is carried into another shot; the report sums up each track."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from benchmarks.synthetic_clips import EXAMPLES, clip_face_box
from veil import Anonymizer
from veil.report import schema
from veil.scenes import SceneCuts

SHOT = 12  # frames of the first shot (Newton); the second shows a street-grey wall, no face


def cut_clip(path: Path) -> Path:
    """Newton panning for `SHOT` frames, then a hard cut to a faceless textured wall."""
    import av

    portrait = cv2.imread(str(EXAMPLES / "newton.png"))
    rng = np.random.default_rng(0)
    wall = cv2.GaussianBlur(rng.integers(60, 200, (240, 320, 3), dtype=np.uint8), (0, 0), 3)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(2 * SHOT):
            x0 = 200 + i * 3
            pixels = portrait[40:280, x0 : x0 + 320] if i < SHOT else wall
            container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), "bgr24")))
        container.mux(stream.encode(None))
    return path


def test_scene_cuts_are_found_where_the_shot_changes(tmp_path):
    import av

    cuts = SceneCuts()
    with av.open(str(cut_clip(tmp_path / "cut.mp4"))) as container:
        found = [
            i
            for i, f in enumerate(container.decode(video=0))
            if cuts.starts_shot(f.to_ndarray(format="bgr24"))
        ]
    assert found == [SHOT]


@pytest.mark.parametrize("scene_cuts", [True, False])
def test_no_box_is_carried_across_a_hard_cut(tmp_path, scene_cuts):
    clip = cut_clip(tmp_path / "cut.mp4")
    record = Anonymizer(scene_cuts=scene_cuts).process_video(clip, tmp_path / "out.mp4")
    assert record.frames is not None
    before = [len(f.faces) for f in record.frames[:SHOT]]
    after = [len(f.faces) for f in record.frames[SHOT:]]
    assert min(before) >= 1, "Newton's face is hidden in every frame of its shot"
    if scene_cuts:
        assert sum(after) == 0, f"boxes carried into the next shot: {after}"
    else:
        assert after[0] >= 1, "without cut detection the track runs on into the wall (what the cut stops)"


def test_the_report_sums_up_each_track(tmp_path):
    import jsonschema

    from benchmarks.synthetic_clips import make_clip

    clip = make_clip(tmp_path / "clip.mp4", frames=20)
    record = Anonymizer().process_video(clip, None)
    entry = record.to_json()
    jsonschema.validate({"veil_version": "x", "files": [entry], "errors": []}, schema())
    summary = entry["track_summary"]
    newton = max(summary, key=lambda t: t["detections"])
    assert (newton["first"], newton["last"]) == (0, 19)
    assert newton["confirmed"] and not newton["unsure"]
    assert 0.5 <= newton["max_score"] <= 1 and newton["mean_score"] <= newton["max_score"]
    frames_of = [f for f in entry["frames"] for face in f["faces"] if face.get("track") == newton["track"]]
    span = 20 - newton["first"]
    assert len(frames_of) == span and newton["detections"] <= span
    assert newton["filled_share"] == pytest.approx(1 - newton["detections"] / span, abs=1e-3)
    box = frames_of[10]["faces"][0]["box"]
    truth = clip_face_box(10)
    assert abs(box[0] - truth[0]) < 15 and abs(box[2] - truth[2]) < 15
