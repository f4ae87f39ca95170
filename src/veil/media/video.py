"""Reading video with PyAV (FFmpeg): every frame, its timing and rotation; nothing lost in silence.

What users lose with other tools, and what reading (here) and writing
(`veil.media.video_writer`) keep:

* every frame, with its own presentation time (variable frame rate and the
  start offset survive, so audio stays in sync), including frames before 0 s;
* the resolution, exactly (odd sizes are encoded as 4:4:4 rather than resized);
* the rotation flag of phone videos (frames are handed out upright, so the
  detector sees faces the right way up, and turned back before encoding);
* colour metadata, and every audio stream.

A truncated file is noticed (`VideoReader.incomplete`), and a huge one is
refused from its headers (`probe_video`), before FFmpeg decodes a frame.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from veil.errors import MediaError, require_input_file
from veil.threads import prefetch, thread_budget


@dataclass(frozen=True)
class VideoInfo:
    """What a video is, before decoding it; sizes are as displayed (rotation applied)."""

    width: int
    height: int
    fps: Fraction
    frames: int | None
    duration: float | None
    rotation: int
    codec: str


@dataclass
class Frame:
    """One decoded frame: upright BGR pixels plus the timing needed to write it back."""

    index: int
    pixels: np.ndarray
    pts: int | None
    time: float


DURATION_SLACK_SECONDS = 0.25
"""How far a video may end before its declared duration and still count as whole."""
TAIL_SECONDS = 10
"""How much of a file's end is read to find where its last packet ends."""


class IncompleteVideo(MediaError):
    """A video that ends before what its container declares: truncated, or corrupt part way.

    Attributes:
        frames_read: frames decoded.
        frames_expected: frames declared (or estimated from the duration), None if unknown.
    """

    def __init__(self, path: object, reason: str, frames_read: int, frames_expected: int | None) -> None:
        super().__init__(path, reason)
        self.frames_read = frames_read
        self.frames_expected = frames_expected


AV_ERRORS: tuple[type[BaseException], ...] = (av.FFmpegError, OSError, ValueError, EOFError)
"""What PyAV raises for bad media or a failing disk."""


def open_video(source: str | Path, skip_frames: bool = False) -> Any:
    """``av.open`` with veil's errors; ``skip_frames`` reads the headers without decoding a frame."""
    # FFmpeg decodes a frame while probing streams; a decoder told to skip every frame does not.
    options: Any = [{"skip_frame": "all"}] * 32 if skip_frames else None  # PyAV types this as list[str]
    try:
        try:
            container = av.open(str(source), metadata_errors="replace", stream_options=options)
        except ValueError as exc:
            if options is None or "stream_options" not in str(exc):
                raise
            # A format without a header (MPEG program streams) finds its streams by decoding a few frames.
            container = av.open(str(source), metadata_errors="replace")
    except EOFError:
        raise MediaError(source, "the file ends before any frame (an empty or truncated video)") from None
    except AV_ERRORS as exc:
        raise MediaError(source, f"cannot open as video ({describe_av_error(exc)})") from None
    if not container.streams.video:
        container.close()
        raise MediaError(source, "no video stream in this file")
    return container


def probe_video(source: str | Path) -> tuple[int, int, int | None]:
    """A video file's stored frame size and declared frame count, read without decoding any frame."""
    require_input_file(Path(source))
    container = open_video(source, skip_frames=True)
    try:
        stream = container.streams.video[0]
        context = stream.codec_context
        width, height = (context.width, context.height) if context is not None else (0, 0)
        return width, height, stream.frames or None
    finally:
        container.close()


def check_frame_size(source: str | Path, width: int, height: int, max_pixels: int | None) -> None:
    """Refuse frames over ``max_pixels`` (``--max-pixels``) before any is decoded."""
    if max_pixels is not None and width * height > max_pixels:
        raise MediaError(
            source,
            f"frames of {width}x{height} = {width * height:,} pixels exceed the limit of {max_pixels:,} "
            "(--max-pixels)",
        )


def quarter_turns(frame: av.VideoFrame) -> int:
    """Clockwise quarter turns that make ``frame`` upright (0 to 3) from its display matrix."""
    return round(-(frame.rotation or 0) / 90) % 4  # FFmpeg's angle is counter-clockwise


def upright_bgr(frame: av.VideoFrame, turns: int) -> np.ndarray:
    """``frame``'s BGR pixels, turned ``turns`` quarter turns clockwise."""
    pixels: np.ndarray = frame.to_ndarray(format="bgr24")
    return np.ascontiguousarray(np.rot90(pixels, -turns)) if turns else pixels


class VideoReader:
    """Decodes a video file or stream URL frame by frame, in a background thread.

    Raises `MediaError` when the input is missing, not a video, has no video
    stream, uses a codec FFmpeg cannot decode, or turns out to be corrupt.
    """

    def __init__(self, source: str | Path, *, live: bool = False, max_pixels: int | None = None) -> None:
        self.path = source
        self.max_pixels = max_pixels
        self.live = live
        if not live:
            width, height, _ = probe_video(source)  # before FFmpeg decodes a frame of a huge video
            check_frame_size(source, width, height, max_pixels)
        self.container = open_video(source)
        try:
            self.stream = self.container.streams.video[0]
            if self.stream.codec_context is None:
                raise MediaError(source, "unknown video codec (FFmpeg has no decoder for it)")
            if live:  # (a file's size was checked from its headers above)
                context = self.stream.codec_context
                check_frame_size(source, context.width, context.height, max_pixels)
            self.stream.thread_type = "AUTO"
            self.stream.thread_count = thread_budget() or 0  # 0: FFmpeg's own choice
            self._first: av.VideoFrame | None = None
            self._decoded = 0
            self._last_time: float | None = None
            self._error: str | None = None
            self._finished = False
            self.rotation = self._rotation()
            self.info = self._probe()
        except BaseException:
            self.container.close()
            raise

    def _rotation(self) -> int:
        """Clockwise degrees the frames must turn to be upright (0, 90, 180 or 270).

        The first frame is decoded to read it and kept for `frames`: seeking
        back to the start instead loses every frame before 0 s in a stream
        that starts at a negative time (a wrapped MPEG-TS clock, an MKV with
        a negative start), where ``seek(0)`` lands on the keyframe after 0 s.
        """
        self._decoder = self.container.decode(self.stream)
        try:
            self._first = next(self._decoder)
        except StopIteration:
            raise MediaError(self.path, "the video has no frames") from None
        except AV_ERRORS as exc:
            raise MediaError(self.path, f"cannot decode the first frame ({describe_av_error(exc)})") from None
        return quarter_turns(self._first) * 90

    @property
    def start_time(self) -> float:
        """When the earliest stream starts, in seconds (negative for a wrapped clock or a negative start)."""
        start = self.container.start_time
        return start / av.time_base if start is not None else 0.0

    def _probe(self) -> VideoInfo:
        context = self.stream.codec_context
        width, height = context.width, context.height
        if self.rotation in (90, 270):
            width, height = height, width
        fps = self.stream.average_rate or self.stream.guessed_rate or Fraction(25)
        duration = None
        if self.stream.duration is not None and self.stream.time_base is not None:
            duration = float(self.stream.duration * self.stream.time_base)
        elif self.container.duration is not None:
            duration = self.container.duration / av.time_base
        return VideoInfo(
            width=width,
            height=height,
            fps=Fraction(fps),
            frames=self.stream.frames or None,
            duration=duration,
            rotation=self.rotation,
            codec=context.name,
        )

    def frames(self) -> Iterator[Frame]:
        """Every frame, upright, decoded a few frames ahead in a background thread (once per reader).

        A decoding error after the first frame ends the frames early rather
        than raising, so what was decoded can still be written; `incomplete`
        then says what is missing.
        """
        first, self._first = self._first, None
        if first is None:
            raise RuntimeError("VideoReader.frames() can be called only once")
        return prefetch(self._decode(first), depth=4)

    def frames_from(self, pts: int) -> Iterator[Frame]:
        """Frames from the keyframe at or before ``pts`` (in the stream's time base) onwards, upright.

        For reading a stretch of a file (`veil.batch.chunked`), instead of `frames`:
        every index is -1 (the caller knows where the stretch is) and a decoding
        error raises `MediaError`.
        """
        self._first = None
        time_base = self.stream.time_base or Fraction(1, 1000)
        turns = self.rotation // 90
        try:
            self.container.seek(pts, stream=self.stream, backward=True, any_frame=False)
            for frame in self.container.decode(self.stream):
                time = float(frame.pts * time_base) if frame.pts is not None else 0.0
                yield Frame(-1, upright_bgr(frame, turns), frame.pts, time)
        except AV_ERRORS as exc:
            raise MediaError(self.path, f"cannot decode from {pts} ({describe_av_error(exc)})") from None

    def _decode(self, first: av.VideoFrame) -> Iterator[Frame]:
        time_base = self.stream.time_base or Fraction(1, 1000)
        turns = self.rotation // 90
        index = 0
        try:
            for frame in itertools.chain([first], self._decoder):
                pixels = upright_bgr(frame, turns)
                pts = frame.pts
                time = float(pts * time_base) if pts is not None else index / float(self.info.fps)
                self._last_time = time
                yield Frame(index, pixels, pts, time)
                index += 1
        except AV_ERRORS as exc:
            self._error = f"corrupt or truncated video at frame {index} ({describe_av_error(exc)})"
        self._decoded = index
        self._finished = True

    def incomplete(self) -> IncompleteVideo | None:
        """Why the frames decoded are fewer than the file declares, once `frames` is exhausted.

        A decoding error, or a shortfall against the declared frame count (else
        the declared duration): FFmpeg's threaded decoders end a truncated file
        quietly, so comparing is the only way to notice. None when complete
        (a live stream declares nothing: only a decoding error counts).
        """
        if not self._finished:
            return None
        expected = None if self.live else self._expected_frames()
        if self._error is not None:
            return IncompleteVideo(self.path, self._error, self._decoded, expected)
        if expected is None or self._decoded >= expected - _frame_slack(expected):
            return None
        about = "" if self.info.frames else "about "
        return IncompleteVideo(
            self.path,
            f"truncated: {self._decoded} of {about}{expected} frames decoded",
            self._decoded,
            expected,
        )

    def _expected_frames(self) -> int | None:
        """Frames the file declares, or (from its declared duration) about how many when some are missing.

        In order: the frame count (MP4, MOV), unless the frames decoded reach the
        stream's declared end (an edit list, as a trim without re-encoding
        writes, hides samples the count includes); the video stream's duration (MP4,
        and the DURATION tag FFmpeg and mkvmerge write in MKV); the container's
        duration, compared with where the file's last packet of any stream
        ends (audio may rightly run on past the video; a cut file ends early).
        """
        if self._last_time is None:
            return self.info.frames
        step = 1 / float(self.info.fps)
        own = _stream_duration(self.stream)
        if self.info.frames:
            if own is not None and self._missing_seconds(own, step) <= step:
                return None  # an edit list hides samples the count includes; the frames shown all decoded
            return self.info.frames
        if own is not None:
            missing = self._missing_seconds(own, step)
            duration = own
        elif self.container.duration is not None:
            ends = _last_packet_end(self.path)
            duration = self.container.duration / av.time_base
            declared = (self.container.start_time or 0) / av.time_base + duration
            missing = 0.0 if ends is None else declared - ends
        else:
            return None
        if missing <= _time_slack(step, duration):
            return None
        return self._decoded + round(missing / step)

    def _missing_seconds(self, duration: float, step: float) -> float:
        """How long before the stream's declared end (its start plus ``duration``) the last frame ends."""
        start = _seconds(self.stream.start_time, self.stream.time_base)
        if start is None:
            start = (self.container.start_time or 0) / av.time_base
        return start + duration - (self._last_time or 0.0) - step

    def close(self) -> None:
        self.container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stream_duration(stream: Any) -> float | None:
    """A video stream's own duration in seconds: its header's, or an MKV DURATION tag."""
    own = _seconds(stream.duration, stream.time_base)
    if own is not None:
        return own
    tag = (stream.metadata or {}).get("DURATION")
    match = re.fullmatch(r"(\d+):(\d+):(\d+(?:\.\d+)?)", str(tag).strip()) if tag else None
    return int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3]) if match else None


_TAIL_ERRORS: tuple[type[BaseException], ...] = (MediaError, *AV_ERRORS)


def _last_packet_end(path: str | Path) -> float | None:
    """Where the file's last packet (of any stream) ends, in seconds; reads only the file's tail."""
    try:
        container = open_video(path, skip_frames=True)
    except MediaError:
        return None
    end: float | None = None
    try:
        tail = (container.start_time or 0) + (container.duration or 0) - TAIL_SECONDS * av.time_base
        if tail > 0:
            try:
                container.seek(tail, backward=True, any_frame=True)
            except AV_ERRORS:  # a failed seek leaves the demuxer lost (FLV): read from the start
                container.close()
                container = open_video(path, skip_frames=True)
        for packet in container.demux():
            if packet.pts is not None and packet.time_base is not None:
                packet_end = float((packet.pts + (packet.duration or 0)) * packet.time_base)
                end = packet_end if end is None else max(end, packet_end)
    except _TAIL_ERRORS:
        pass  # a damaged tail: what was read is where the file ends
    finally:
        container.close()
    return end


def _time_slack(step: float, duration: float) -> float:
    """How far before its declared end a video may stop and still count as whole."""
    return max(2 * step, DURATION_SLACK_SECONDS, 0.02 * duration)


def _frame_slack(expected: int) -> int:
    """Frames a declared count may exceed what decodes (edit lists drop a few): 1%, at least 1."""
    return max(1, expected // 100)


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    return None if value is None or time_base is None else float(value * time_base)


def describe_av_error(exc: BaseException) -> str:
    """A PyAV/FFmpeg error as the reason in an ``error:`` line."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip() or type(exc).__name__
