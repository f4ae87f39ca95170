"""Video in and out: frames, timing, rotation, audio and size survive; bad input fails cleanly."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from benchmarks.hostile_corpus import _ffmpeg, edit_list_mp4, ffmpeg
from tests.conftest import EXAMPLES, make_clip
from veil.errors import MediaError
from veil.media.kinds import is_video
from veil.media.video import VideoReader
from veil.media.video_writer import EncoderSettings, VideoWriter


def copy_through(source: Path, target: Path, settings: EncoderSettings | None = None) -> None:
    """Decode and re-encode unchanged, as the pipeline does around its filter."""
    with VideoReader(source) as reader, VideoWriter(target, reader, settings or EncoderSettings()) as writer:
        for frame in reader.frames():
            writer.write(frame.pixels, frame.pts)


def codecs(path: Path) -> dict[str, list[str]]:
    """Codec names per stream type ("mp3", not the decoder's "mp3float")."""
    with av.open(str(path)) as container:
        found: dict[str, list[str]] = {"video": [], "audio": []}
        for stream in container.streams:
            found.setdefault(stream.type, []).append(stream.codec_context.codec.canonical_name)
        return found


def decoded(path: Path) -> list[av.VideoFrame]:
    with av.open(str(path)) as container:
        return [frame for frame in container.decode(video=0)]


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        return sum(frame.samples / frame.sample_rate for frame in container.decode(audio=0))


def test_frames_timing_and_audio_survive(clip, tmp_path):
    out = tmp_path / "out.mp4"
    copy_through(clip, out)
    source, result = decoded(clip), decoded(out)
    assert len(result) == len(source) == 20
    assert [f.time for f in result] == pytest.approx([f.time for f in source], abs=1e-3)
    with av.open(str(out)) as container:
        assert container.streams.video[0].average_rate == 10
        assert (container.streams.video[0].width, container.streams.video[0].height) == (320, 240)
    assert audio_seconds(out) == pytest.approx(audio_seconds(clip), abs=0.01)
    assert codecs(out)["audio"][0] == "aac"  # copied, not re-encoded into something else


def test_no_audio_drops_audio(clip, tmp_path):
    out = tmp_path / "silent.mp4"
    copy_through(clip, out, EncoderSettings(audio=False))
    assert codecs(out)["audio"] == []
    assert len(decoded(out)) == 20


def test_variable_frame_rate_is_kept(tmp_path):
    times = [0, 40, 200, 240, 600, 650, 700, 1500, 1540, 1580]
    source = make_clip(tmp_path / "vfr.mp4", frames=len(times), pts=times)
    out = tmp_path / "out.mp4"
    copy_through(source, out)
    assert [round(f.time * 1000) for f in decoded(out)] == times


def test_odd_size_is_kept_exactly(tmp_path):
    source = make_clip(tmp_path / "odd.mp4", size=(321, 241), frames=5)
    out = tmp_path / "out.mp4"
    copy_through(source, out)
    frame = decoded(out)[0]
    assert (frame.width, frame.height) == (321, 241)


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotated_video_is_read_upright_and_keeps_its_flag(tmp_path, rotation):
    upright = cv2.imread(str(EXAMPLES / "newton.png"))[40:280, 200:520]
    source = make_clip(tmp_path / "phone.mp4", rotation=rotation, frames=3)
    with VideoReader(source) as reader:
        assert (reader.info.width, reader.info.height) == (320, 240)
        first = next(iter(reader.frames())).pixels
    assert np.abs(first.astype(int) - upright).mean() < 5
    out = tmp_path / "out.mp4"
    copy_through(source, out)
    stored = decoded(out)[0]
    assert (stored.width, stored.height) == (240, 320)  # stored sideways, as the input was
    assert stored.rotation == decoded(source)[0].rotation


def test_audio_the_container_refuses_is_reencoded(tmp_path):
    source = make_clip(tmp_path / "pcm.mkv", audio="pcm_s16le")
    out = tmp_path / "out.mp4"
    copy_through(source, out)
    assert codecs(out)["audio"][0] == "aac"
    assert audio_seconds(out) == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    ("name", "codec", "audio", "audio_out"),
    [("in.avi", "mpeg4", "libmp3lame", "mp3"), ("in.webm", "libvpx-vp9", "libopus", "opus")],
)
def test_other_containers_become_playable_mp4(tmp_path, name, codec, audio, audio_out):
    source = make_clip(tmp_path / name, codec=codec, audio=audio, frames=10)
    out = tmp_path / "out.mp4"
    copy_through(source, out)
    assert len(decoded(out)) == 10
    assert codecs(out)["video"][0] == "h264"
    assert codecs(out)["audio"][0] == audio_out  # MP4 holds it as it is: copied
    assert audio_seconds(out) == pytest.approx(audio_seconds(source), abs=0.05)


def test_video_without_frames_is_refused(tmp_path):
    path = tmp_path / "empty.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height = 64, 64
        container.start_encoding()  # a header, then nothing
    with pytest.raises(MediaError, match=r"before any frame|no frames"):
        VideoReader(path)


def test_full_disk_while_writing_is_a_clear_error_and_removes_the_partial_file(clip, tmp_path, monkeypatch):
    out = tmp_path / "out.mp4"
    calls = {"n": 0}
    original = VideoWriter._mux

    def filling_up(self, packets):
        calls["n"] += 1
        if calls["n"] > 5:
            raise OSError(28, "No space left on device")
        original(self, packets)

    monkeypatch.setattr(VideoWriter, "_mux", filling_up)
    with pytest.raises(MediaError, match="No space left on device"):
        copy_through(clip, out)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [clip]


def test_gif_in_and_out(tmp_path):
    source = make_clip(tmp_path / "loop.gif", codec="gif", audio=None, frames=8)
    for name in ("out.mp4", "out.gif"):
        copy_through(source, tmp_path / name)
        assert len(decoded(tmp_path / name)) == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"this is not a video at all" * 50, "cannot open as video"),
    ],
)
def test_unreadable_input_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "bad.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaError, match=message):
        VideoReader(path)


def test_audio_only_file_has_no_video_stream(tmp_path):
    path = tmp_path / "voice.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 16000
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    with pytest.raises(MediaError, match="no video stream"):
        VideoReader(path)


def test_truncated_video_fails_and_leaves_no_partial_output(clip, tmp_path):
    data = clip.read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data[: len(data) // 3])
    out = tmp_path / "out.mp4"
    with pytest.raises(MediaError):
        copy_through(broken, out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_unknown_output_container_and_codec(clip, tmp_path):
    with VideoReader(clip) as reader:
        with pytest.raises(MediaError, match=r"cannot write video as '\.xyz'"):
            VideoWriter(tmp_path / "out.xyz", reader, EncoderSettings())
        with pytest.raises(MediaError, match="unknown encoder"):
            VideoWriter(tmp_path / "out.mp4", reader, EncoderSettings(codec="nonsense264"))
    assert not list(tmp_path.glob(".out*"))


def test_unwritable_output_folder(clip, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with VideoReader(clip) as reader, pytest.raises(MediaError, match="cannot write here"):
        VideoWriter(blocker / "out.mp4", reader, EncoderSettings())


def test_repeated_timestamps_do_not_lose_frames(clip, tmp_path):
    out = tmp_path / "out.mp4"
    with VideoReader(clip) as reader, VideoWriter(out, reader, EncoderSettings(audio=False)) as writer:
        for frame in reader.frames():
            writer.write(frame.pixels, (frame.pts or 0) // 2048 * 2048)  # pairs of frames share a time
    assert len(decoded(out)) == 20


def top_level_boxes(path: Path) -> list[str]:
    """The ISO-BMFF boxes at the top of an MP4/MOV file, in file order."""
    data, boxes, at = path.read_bytes(), [], 0
    while at + 8 <= len(data):
        size, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[at + 8 : at + 16], "big")
        boxes.append(kind)
        if size < 8:
            break
        at += size
    return boxes


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_mp4_and_mov_are_written_index_first(clip, tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    copy_through(clip, out)
    boxes = top_level_boxes(out)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat"), f"index after the media: {boxes} (no faststart)"
    assert len(decoded(out)) == 20


def read_all(path: Path) -> tuple[int, object]:
    """Frames decoded and what `VideoReader.incomplete` says once they are all read."""
    with VideoReader(path) as reader:
        count = sum(1 for _ in reader.frames())
        return count, reader.incomplete()


@pytest.mark.skipif(ffmpeg() is None, reason="needs the ffmpeg binary of the dev extra")
def test_an_edit_list_is_not_a_cut_but_a_cut_edit_list_file_is(tmp_path):
    trimmed = tmp_path / "trimmed.mp4"
    edit_list_mp4(trimmed)
    with av.open(str(trimmed)) as container:
        assert container.streams.video[0].frames == 75  # the count still includes the hidden samples
    assert read_all(trimmed) == (70, None)
    index_first = tmp_path / "index_first.mp4"
    _ffmpeg("-i", str(trimmed), "-c", "copy", "-movflags", "+faststart", str(index_first))
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(index_first.read_bytes()[: index_first.stat().st_size * 6 // 10])
    count, incomplete = read_all(cut)
    assert count < 60 and incomplete is not None and "truncated" in str(incomplete)


@pytest.mark.skipif(ffmpeg() is None, reason="needs the ffmpeg binary of the dev extra")
def test_videos_are_known_by_content_when_the_extension_says_nothing(clip, tmp_path):
    renamed = tmp_path / "recording.dat"
    renamed.write_bytes(clip.read_bytes())
    assert is_video(renamed) and not is_video(renamed, sniff=False)
    assert read_all(renamed)[1] is None
    png = cv2.imencode(".png", np.full((40, 40, 3), 90, np.uint8))[1]
    (tmp_path / "still.bin").write_bytes(png.tobytes())
    (tmp_path / "notes.nfo").write_text("hello\n")  # FFmpeg's tty demuxer claims .nfo as ANSI art
    (tmp_path / "blob.bin").write_bytes(np.random.default_rng(3).bytes(1000))  # claimed as BIN art
    assert not any(is_video(tmp_path / name) for name in ("still.bin", "notes.nfo", "blob.bin"))
    assert is_video(tmp_path / "missing.mkv") and not is_video(tmp_path / "missing.dat")
