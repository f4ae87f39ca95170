"""The one video pipeline: frames through a stage into a writer, observed, stopped, cut short, failed."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from veil.core import FrameResult
from veil.faces import Faces
from veil.media.video import Frame, IncompleteVideo
from veil.media.video_writer import EncoderSettings, VideoWriter
from veil.pipeline import FrameCount, only_pixels, per_frame, run_video

SIZE = (64, 48)


def frames(count: int):
    for index in range(count):
        pixels = np.full((SIZE[1], SIZE[0], 3), index * 10 % 255, np.uint8)
        yield Frame(index, pixels, index, index / 10)


def writer(path):
    return VideoWriter(path, None, EncoderSettings(audio=False), fps=Fraction(10), size=SIZE)


def frame_count(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


class Cut:
    """A source that says it was truncated."""

    def incomplete(self):
        return IncompleteVideo("clip.mp4", "truncated: 5 of 9 frames decoded", 5, 9)


def test_every_frame_is_written_observed_and_counted(tmp_path):
    seen, progress = [], []
    run = run_video(
        frames(6),
        per_frame(lambda frame: only_pixels(255 - frame.pixels)),
        writer(tmp_path / "out.mp4"),
        observers=[lambda frame, result: seen.append((frame.index, int(result.pixels[0, 0, 0])))],
        on_frame=lambda done, total: progress.append((done, total)),
        total=6,
    )
    assert run.frames == 6 and run.output == tmp_path / "out.mp4" and not run.warnings and not run.incomplete
    assert frame_count(tmp_path / "out.mp4") == 6
    assert seen == [(i, 255 - i * 10) for i in range(6)], "observers see the original frame and its result"
    assert progress[-1] == (6, 6)


def test_a_failing_stage_leaves_nothing_behind(tmp_path):
    def explode(frame: Frame) -> FrameResult:
        if frame.index == 3:
            raise RuntimeError("boom")
        return only_pixels(frame.pixels)

    with pytest.raises(RuntimeError, match="boom"):
        run_video(frames(6), per_frame(explode), writer(tmp_path / "out.mp4"))
    assert list(tmp_path.iterdir()) == [], "no output and no temporary file"


def test_stop_ends_the_run_with_a_complete_file(tmp_path):
    run = run_video(
        frames(10), per_frame(lambda f: only_pixels(f.pixels)), writer(tmp_path / "o.mp4"), stop=lambda: True
    )
    assert run.frames == 1 and frame_count(tmp_path / "o.mp4") == 1


def test_a_truncated_source_is_an_error_a_partial_output_or_a_warning(tmp_path):
    stage = per_frame(lambda f: only_pixels(f.pixels))
    with pytest.raises(IncompleteVideo):
        run_video(frames(5), stage, writer(tmp_path / "a.mp4"), source=Cut())
    assert not list(tmp_path.iterdir())
    run = run_video(frames(5), stage, writer(tmp_path / "b.mp4"), source=Cut(), when_incomplete="partial")
    assert run.output == tmp_path / "b_partial.mp4" and run.output.is_file()
    assert "written to" in run.warnings[0] and not (tmp_path / "b.mp4").exists()
    assert run.incomplete
    run = run_video(frames(5), stage, writer(tmp_path / "c.mp4"), source=Cut(), when_incomplete="warn")
    assert run.output == tmp_path / "c.mp4" and run.warnings == ["truncated: 5 of 9 frames decoded"]


def test_frame_count_checks_before_the_output_is_committed(tmp_path):
    counted = FrameCount(frames(4), 5, lambda seen: IncompleteVideo("x", f"{seen} of 5", seen, 5))
    with pytest.raises(IncompleteVideo, match="4 of 5"):
        run_video(
            counted, per_frame(lambda f: only_pixels(f.pixels)), writer(tmp_path / "o.mp4"), source=counted
        )
    assert not list(tmp_path.iterdir())


def test_without_a_writer_the_stage_only_records():
    faces = Faces(np.array([[1, 2, 10, 12]]), np.array([0.9]))
    found = []
    run = run_video(
        frames(3),
        per_frame(lambda frame: FrameResult(None, faces, [(1, 2, 10, 12)])),
        observers=[lambda frame, result: found.append(len(result.faces))],
    )
    assert run.frames == 3 and run.output is None and found == [1, 1, 1]
