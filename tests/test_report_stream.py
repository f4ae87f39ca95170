"""Reports written as files finish and frames are done: the same document, nothing held, nothing partial."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.conftest import mixed_folder
from tests.conftest import run_cli as run
from veil import Anonymizer
from veil.errors import MediaError
from veil.report import schema
from veil.report_stream import ReportWriter, iter_frames


def test_a_folder_report_is_streamed_whole_and_a_failed_video_leaves_no_frames(clip, tmp_path):
    folder = mixed_folder(clip, tmp_path / "media")
    report = tmp_path / "report.json"
    code, _ = run(str(folder), "-o", str(tmp_path / "out"), "--report", str(report), "-q")
    assert code == 1  # the broken clip
    document = json.loads(report.read_text())
    jsonschema.validate(document, schema())
    names = sorted(entry["path"].rsplit("/", 1)[1] for entry in document["files"])
    assert names == ["clip.mp4", "newton.png"]
    assert [error["path"].rsplit("/", 1)[1] for error in document["errors"]] == ["broken.mp4"]
    video = next(entry for entry in document["files"] if entry["path"].endswith("clip.mp4"))
    assert video["frame_count"] == len(video["frames"]) == 20
    assert [frame["index"] for frame in video["frames"]] == list(range(20))
    assert all(frame["faces"][0]["action"]["filter"] == "pixelate" for frame in video["frames"])
    assert video["tracks"] == 1 and video["track_summary"][0]["detections"] >= 10
    assert list(iter_frames(report)) == [(video["path"], frame) for frame in video["frames"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "out", "report.json"], "temporaries left"


def test_a_record_without_its_frames_counts_the_same_tracks(clip):
    anonymizer = Anonymizer(profile="fast")
    kept = anonymizer.process_file(clip, None)
    tallied = anonymizer.process_file(clip, None, keep_frames=False)
    assert kept.frames is not None and tallied.frames is None
    assert tallied.frame_count == kept.frame_count == 20
    assert tallied.face_count == kept.face_count == 1
    assert tallied.to_json()["track_summary"] == kept.to_json()["track_summary"]
    assert "frames" not in tallied.to_json()


def test_detect_json_streams_too(clip, tmp_path):
    out = tmp_path / "faces.json"
    code, _ = run("detect", str(clip), "--json", str(out), "-q")
    assert code == 0
    (entry,) = json.loads(out.read_text())["files"]
    assert len(entry["frames"]) == 20 and "action" not in entry["frames"][0]["faces"][0]


def test_an_unwritable_report_stops_before_any_work(clip, tmp_path):
    out = tmp_path / "out.mp4"
    (tmp_path / "a_file").write_text("")
    code, output = run(str(clip), "-o", str(out), "--report", str(tmp_path / "a_file" / "r.json"))
    assert code == 1 and "r.json: cannot write" in output
    code, output = run(str(clip), "-o", str(out), "--report", str(tmp_path))
    assert code == 1 and f"{tmp_path}: is a folder" in output
    assert not out.exists()


def test_a_report_abandoned_midway_leaves_nothing(tmp_path):
    path = tmp_path / "report.json"
    with pytest.raises(MediaError), ReportWriter(path) as writer:
        writer.follow(lambda observers: Anonymizer(profile="fast").process_file(tmp_path / "none.mp4", None))
    assert list(tmp_path.iterdir()) == []
