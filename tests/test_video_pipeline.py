"""Videos end to end through the CLI: every frame covered, everything else kept, errors contained."""

from __future__ import annotations

import json
from pathlib import Path

import av
import jsonschema
import numpy as np

import veil
from tests.conftest import clip_face_box, make_clip, mixed_folder, require_data
from tests.conftest import run_cli as run
from veil.faces import Faces
from veil.report import schema


def frames_of(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return 0.0
        return sum(frame.samples / frame.sample_rate for frame in container.decode(audio=0))


def test_every_frame_is_covered_and_the_rest_is_kept(clip):
    code, _ = run(str(clip), "-q")
    assert code == 0
    out = clip.with_name("clip_anonymized.mp4")
    source, hidden = frames_of(clip), frames_of(out)
    assert len(hidden) == len(source) == 20
    assert audio_seconds(out) == audio_seconds(clip) > 1.9
    for index, (before, after) in enumerate(zip(source, hidden, strict=True)):
        x1, y1, x2, y2 = clip_face_box(index)
        inside = np.abs(before[y1:y2, x1:x2].astype(int) - after[y1:y2, x1:x2]).mean()
        corner = np.abs(before[:40, :40].astype(int) - after[:40, :40]).mean()
        assert inside > 15, f"face visible in frame {index}"
        assert corner < 6, f"background damaged in frame {index}"


def test_report_has_every_frame_with_tracks(clip, tmp_path):
    report = tmp_path / "report.json"
    code, _ = run(str(clip), "--report", str(report), "-q", "--filter", "pixelate")
    assert code == 0
    data = json.loads(report.read_text())
    jsonschema.validate(data, schema())
    (entry,) = data["files"]
    assert entry["frame_count"] == len(entry["frames"]) == 20 and entry["fps"] == 10
    assert [frame["index"] for frame in entry["frames"]] == list(range(20))
    for frame in entry["frames"]:
        assert frame["faces"], f"no face in frame {frame['index']}"
        face = frame["faces"][0]
        assert isinstance(face["track"], int) and isinstance(face["filled"], bool)
        assert face["action"]["filter"] == "pixelate"


def test_detect_tracks_a_video(clip, tmp_path):
    out = tmp_path / "faces.json"
    code, output = run("detect", str(clip), "--json", str(out))
    assert code == 0
    assert "1 file, 1 face" in output  # one person, one track
    entry = json.loads(out.read_text())["files"][0]
    assert len(entry["frames"]) == 20 and "output" not in entry
    assert not clip.with_name("clip_anonymized.mp4").exists()


def test_folder_mixes_photos_and_videos_and_survives_a_broken_clip(clip, tmp_path):
    folder = mixed_folder(clip, tmp_path / "media", "clip.mov")
    code, output = run(str(folder), "-o", str(tmp_path / "out"))
    assert code == 1
    assert "broken.mp4" in output and "2 files" in output and "1 failed" in output
    assert len(frames_of(tmp_path / "out" / "clip.mp4")) == 20
    assert (tmp_path / "out" / "newton.png").is_file()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clip.mp4", "newton.png"]


def test_no_audio_and_encoder_options(clip, tmp_path):
    out = tmp_path / "small.mkv"
    code, _ = run(str(clip), "-o", str(out), "--no-audio", "--crf", "35", "--preset", "ultrafast", "-q")
    assert code == 0
    assert audio_seconds(out) == 0 and len(frames_of(out)) == 20


def test_bad_encoder_is_a_file_error_not_a_crash(clip, tmp_path):
    code, output = run(str(clip), "-o", str(tmp_path / "x.mp4"), "--codec", "nonsense264")
    assert code == 1 and "unknown encoder" in output
    assert not list(tmp_path.glob("*x*"))


def test_stream_input_records_a_playable_file(clip, tmp_path):
    out = tmp_path / "live.mp4"
    code, output = run("--stream", str(clip), "-o", str(out), "--no-preview")
    assert code == 0, output
    assert len(frames_of(out)) == 20
    code, output = run("--stream", str(clip), "--no-preview")
    assert code == 2 and "needs -o" in output


def test_rotated_phone_video_is_covered_upright(tmp_path):
    source = make_clip(tmp_path / "phone.mp4", rotation=90, frames=6)
    code, _ = run(str(source), "-q", "--report", str(tmp_path / "r.json"))
    assert code == 0
    entry = json.loads((tmp_path / "r.json").read_text())["files"][0]
    assert (entry["width"], entry["height"]) == (320, 240)
    for frame in entry["frames"]:
        x1, y1, x2, y2 = frame["faces"][0]["box"]
        tx1, ty1, tx2, ty2 = clip_face_box(frame["index"])
        assert abs((x1 + x2) / 2 - (tx1 + tx2) / 2) < 25 and abs((y1 + y2) / 2 - (ty1 + ty2) / 2) < 25


def test_real_clip_is_tracked(tmp_path):
    source = require_data("video/short_hamilton_clip.mp4")
    out = tmp_path / "faces.json"
    code, _ = run("detect", str(source), "--json", str(out), "-q")
    assert code == 0
    entry = json.loads(out.read_text())["files"][0]
    assert len(entry["frames"]) == 275
    with_face = sum(bool(frame["faces"]) for frame in entry["frames"])
    assert with_face > 0.9 * 275
    detected = sum(not face["filled"] for frame in entry["frames"] for face in frame["faces"])
    assert entry["tracks"] < detected / 10  # linked across frames, not one track per detection


def test_detect_every_must_leave_no_frame_uncovered(clip):
    code, output = run(str(clip), "--detect-every", "5", "--memory", "2")
    assert code == 2 and "--detect-every" in output
    code, output = run(str(clip), "--detect-every", "2", "--tracking", "off")
    assert code == 2


def test_detect_every_second_frame_still_covers_every_frame(clip, tmp_path):
    report = tmp_path / "r.json"
    code, _ = run(str(clip), "-q", "--detect-every", "2", "--report", str(report))
    assert code == 0
    frames = json.loads(report.read_text())["files"][0]["frames"]
    assert all(frame["faces"] for frame in frames)
    assert all(face["filled"] for frame in frames[1::2] for face in frame["faces"])


def test_frames_larger_than_max_pixels_are_refused(clip):
    code, output = run(str(clip), "--max-pixels", "1000")
    assert code == 1 and "exceed the limit" in output
    assert not clip.with_name("clip_anonymized.mp4").exists()


def test_face_filter_gives_each_track_one_face_through_a_video(clip, tmp_path):
    from veil import Anonymizer
    from veil.filters import FaceReplaceFilter

    anonymizer = Anonymizer(filter="face")
    assert isinstance(anonymizer.filter, FaceReplaceFilter) and anonymizer.filter.mask.scale == 1.6
    chosen: list[tuple[int | None, int]] = []
    pick = anonymizer.filter.variant

    def spy(patch, face):
        variant = pick(patch, face)
        chosen.append((face.track, variant))
        return variant

    anonymizer.filter.variant = spy  # type: ignore[method-assign]
    out = tmp_path / "face.mp4"
    anonymizer.process_file(clip, out)
    assert len(chosen) >= 20 and all(track is not None for track, _ in chosen)
    by_track: dict[int | None, set[int]] = {}
    for track, variant in chosen:
        by_track.setdefault(track, set()).add(variant)
    assert all(len(variants) == 1 for variants in by_track.values()), by_track
    for index, (before, after) in enumerate(zip(frames_of(clip), frames_of(out), strict=True)):
        x1, y1, x2, y2 = clip_face_box(index)
        assert np.abs(before[y1:y2, x1:x2].astype(int) - after[y1:y2, x1:x2]).mean() > 15, index


def test_report_says_which_pass_found_each_face(clip, tmp_path):
    report = tmp_path / "report.json"
    code, _ = run(str(clip), "--report", str(report), "-q")
    assert code == 0
    data = json.loads(report.read_text())
    jsonschema.validate(data, schema())
    passes = [face["found_by"] for frame in data["files"][0]["frames"] for face in frame["faces"]]
    assert len(passes) >= 20 and set(passes) <= {"scan", "sweep", "zoom", "fill"}
    # Newton's face is large: the cheap every-frame scan finds it, surely enough that zoom is not needed
    assert passes.count("scan") >= 20
    detection = data["settings"]["detection"]["video"]
    assert "sweep yunet@2x" in detection["members"] and "zoom centerface" in detection["members"]


def test_a_face_leaving_the_frame_leaves_no_box_or_empty_region_in_the_report(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", frames=16, audio=None)

    class WalkingOut:
        """A face found in frames 0-4 walking left out of the 320 px frame, then never again."""

        name = "walking out"

        def __init__(self) -> None:
            self.calls = 0

        def detect(self, frame):
            index, self.calls = self.calls, self.calls + 1
            if index > 4:
                return Faces.empty()
            return Faces(np.array([[60 - 15 * index, 80, 110 - 15 * index, 140]]), np.array([0.9]))

    record = veil.Anonymizer(detector=WalkingOut(), memory=10).process_video(clip, tmp_path / "out.mp4")
    report = record.to_json()
    for frame in report["frames"]:
        for face in frame["faces"]:
            x1, y1, x2, y2 = face["box"]
            assert 0 <= x1 < x2 <= 320 and 0 <= y1 < y2 <= 240, (frame["index"], face["box"])
            rx1, ry1, rx2, ry2 = face["action"]["region"]
            assert rx2 > rx1 and ry2 > ry1, "every region listed hides pixels"
    assert report["frames"][5]["faces"], "carried to the edge"
    assert not report["frames"][12]["faces"], "the track ended where it left the frame"
