"""A long video cut into chunks for several workers is covered exactly as one pass covers it."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import EXAMPLES, make_clip, run_cli
from tests.media.test_video import top_level_boxes
from veil.anonymizer import Anonymizer
from veil.batch import chunked
from veil.settings import Settings


def timing(path: Path) -> tuple[list[int], list[str], float]:
    with av.open(str(path)) as container:
        pts = [frame.pts for frame in container.decode(video=0)]
        return pts, [s.type for s in container.streams], float(container.duration) / av.time_base


def serial(anonymizer: Anonymizer):
    def run(name, calls):
        return [getattr(chunked, name)(anonymizer, *call) for call in calls]

    return run


@pytest.fixture
def newton_gallery(tmp_path):
    from veil.recognition.embedding import FaceEmbedder
    from veil.recognition.gallery import Gallery

    gallery = Gallery([])
    gallery.add("Newton", EXAMPLES / "newton.png", Anonymizer().detector, FaceEmbedder())
    path = tmp_path / "gallery.json"
    gallery.save(path)
    return path


def test_plan_cuts_at_keyframes_and_refuses_what_is_not_worth_it(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", frames=60, keyint=12)
    plan = chunked.plan_chunks(clip, 1.0)
    assert plan is not None and len(plan.pts) == 60
    assert [c.first_index for c in plan.chunks] == [0, 12, 24, 36, 48]
    assert [c.seek for c in plan.chunks] == [None, plan.pts[0], plan.pts[12], plan.pts[24], plan.pts[36]]
    assert sum(len(c.pts) for c in plan.chunks) == 60
    assert chunked.plan_chunks(clip, 5.0) is None  # one chunk: nothing to share
    one_key = make_clip(tmp_path / "one.mp4", frames=30, keyint=100)
    assert chunked.plan_chunks(one_key, 1.0) is None
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    assert chunked.plan_chunks(broken, 1.0) is None


@pytest.mark.parametrize(
    "settings",
    [
        dict(profile="balanced", filter="face"),  # zoom on tracks; a drawn face chosen per track
        dict(profile="fast", detect_every=2, memory=6, keep="GALLERY"),  # votes per track
    ],
    ids=["balanced-face", "fast-every2-keep"],
)
def test_chunks_cover_every_frame_as_one_pass_does(tmp_path, settings, request):
    if settings.get("keep") == "GALLERY":
        settings = {**settings, "keep": str(request.getfixturevalue("newton_gallery"))}
    clip = make_clip(tmp_path / "clip.mp4", frames=60, keyint=12, rotation=90)
    plan = chunked.plan_chunks(clip, 1.0)
    assert plan is not None and len(plan.chunks) == 5
    anonymizer = Anonymizer(Settings(**settings))
    tracked = chunked.run_chunked(serial(anonymizer), str(clip), plan, tmp_path / "chunked.mp4", tmp_path)
    whole = anonymizer.process_video(clip, tmp_path / "whole.mp4")

    assert tracked.faces == whole.face_count >= 1
    assert whole.frames is not None and len(whole.frames) == len(tracked.hide) == 60
    hidden = 0
    for frame, pts in zip(whole.frames, plan.pts, strict=True):
        expected = frame.faces.to_hide()
        np.testing.assert_array_equal(tracked.hide[pts].xyxy, expected.xyxy)
        hidden += len(expected)
    if "keep" in settings:
        assert hidden <= 10  # Newton is in the gallery: kept once his track has its votes
    else:
        assert hidden >= 55
    chunked_timing, whole_timing = timing(tmp_path / "chunked.mp4"), timing(tmp_path / "whole.mp4")
    assert chunked_timing == whole_timing  # the same frames at the same times, audio kept
    assert chunked_timing[1] == ["video", "audio"]
    joined = top_level_boxes(tmp_path / "chunked.mp4")
    assert joined.index("moov") < joined.index("mdat"), "the joined video is written index first too"
    with av.open(str(tmp_path / "chunked.mp4")) as a, av.open(str(tmp_path / "whole.mp4")) as b:
        for x, y in zip(a.decode(video=0), b.decode(video=0), strict=True):
            diff = np.abs(x.to_ndarray(format="rgb24").astype(int) - y.to_ndarray(format="rgb24").astype(int))
            assert diff.mean() < 4  # only x264's bits differ (a keyframe per chunk)


def test_batch_with_two_workers_chunks_a_long_video(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    make_clip(source / "long.mov", frames=60, keyint=12)
    code, out = run_cli(
        "batch", str(source), "--dest", str(tmp_path / "batch"), "--workers", "2",
        "--chunk-seconds", "1", "--profile", "fast",
    )  # fmt: skip
    assert code == 0, out
    entry = json.loads((tmp_path / "batch" / "veil-batch.json").read_text())["items"]["long.mp4"]
    assert entry["status"] == "done" and entry["chunks"] == 5 and entry["faces"] >= 1
    assert set(entry["phases"]) == {"scan", "track", "render", "join"}
    plain = tmp_path / "plain.mp4"
    code, out = run_cli(str(source / "long.mov"), "-o", str(plain), "--profile", "fast", "-q")
    assert code == 0, out
    assert timing(tmp_path / "batch" / "long.mp4") == timing(plain)
    assert not list((tmp_path / "batch").rglob("*.part*"))


def test_a_truncated_long_video_fails_whole_or_is_written_partial(tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    clip = make_clip(tmp_path / "long.mkv", frames=60, keyint=12, audio=None)
    data = clip.read_bytes()
    (source / "cut.mkv").write_bytes(data[: int(len(data) * 0.7)])
    args = ["batch", str(source), "--workers", "2", "--chunk-seconds", "1", "--profile", "fast"]
    code, out = run_cli(*args, "--dest", str(tmp_path / "strict"))
    assert code == 1 and "cut.mkv: truncated:" in out, out
    assert not list((tmp_path / "strict").glob("*.mp4"))
    code, out = run_cli(*args, "--dest", str(tmp_path / "lenient"), "--allow-partial")
    assert code == 0, out
    entry = json.loads((tmp_path / "lenient" / "veil-batch.json").read_text())["items"]["cut.mp4"]
    assert entry["output"].endswith("cut_partial.mp4") and entry["warnings"] and entry["chunks"] >= 2
    frames = timing(tmp_path / "lenient" / "cut_partial.mp4")[0]
    assert 10 < len(frames) < 60
