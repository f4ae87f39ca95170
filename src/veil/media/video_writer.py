"""Writing video with PyAV: frames encoded at their own timestamps, audio copied as it goes.

Writes go to a temporary file beside the output that is renamed only when
the whole video is written; a failure removes it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from veil.errors import MediaError
from veil.files import commit, discard, temporary_beside
from veil.media.video import AV_ERRORS, VideoReader, describe_av_error
from veil.threads import thread_budget


@dataclass(frozen=True)
class ContainerSpec:
    """How veil writes one output container."""

    video_codec: str
    audio_copy: frozenset[str] | None  # codecs the container takes as they are; None: any
    audio_codec: str | None  # what other audio is re-encoded to; None: audio dropped
    muxer_options: tuple[tuple[str, str], ...] = ()  # options for FFmpeg's muxer


_MP4_AUDIO = frozenset({"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"})
_FASTSTART = (("movflags", "+faststart"),)
"""MP4 and MOV are written index first (the ``moov`` box before the media): a browser or web
player can start playing before the whole file has downloaded, as published files need."""
OUTPUT_CONTAINERS = {
    ".mp4": ContainerSpec("libx264", _MP4_AUDIO, "aac", _FASTSTART),
    ".m4v": ContainerSpec("libx264", _MP4_AUDIO, "aac", _FASTSTART),
    ".mov": ContainerSpec("libx264", _MP4_AUDIO | {"pcm_s16le", "pcm_s24le"}, "aac", _FASTSTART),
    ".mkv": ContainerSpec("libx264", None, "aac"),
    ".webm": ContainerSpec("libvpx-vp9", frozenset({"opus", "vorbis"}), "libopus"),
    ".gif": ContainerSpec("gif", frozenset(), None),
}
DEFAULT_VIDEO_SUFFIX = ".mp4"
"""Videos are written as H.264 MP4 unless ``-o`` names another container: it plays everywhere."""


X264_PRESETS = (
    *("ultrafast", "superfast", "veryfast", "faster", "fast"),
    *("medium", "slow", "slower", "veryslow"),
)


@dataclass(frozen=True)
class EncoderSettings:
    """Video encoder choices (``--codec``, ``--crf``, ``--preset``, ``--pix-fmt``, ``--no-audio``)."""

    codec: str | None = None  # None: the container's default (H.264 for MP4/MOV/MKV)
    crf: int = 20
    # veryfast: x264's time halves against "fast" at a similar picture for a somewhat
    # larger file, and on a small CPU the encoder competes with the detector.
    preset: str = "veryfast"
    pix_fmt: str | None = None  # None: yuv420p, or yuv444p when a side is odd
    audio: bool = True


def start_shift(reader: VideoReader) -> float:
    """Seconds added to every timestamp written from ``reader``'s source, video and audio alike.

    A source that starts before 0 s is shifted to start at 0: an MP4 edit list
    would otherwise hide what comes before 0, and players would drop it.
    """
    return max(0.0, -reader.start_time)


class VideoWriter:
    """Encodes frames to ``path`` (atomically), copying audio from ``source`` as it goes.

    Frames must be upright BGR of the reader's displayed size, in order.
    """

    def __init__(
        self,
        path: str | Path,
        reader: VideoReader | None,
        settings: EncoderSettings,
        *,
        fps: Fraction | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        if suffix not in OUTPUT_CONTAINERS:
            known = ", ".join(sorted(OUTPUT_CONTAINERS))
            raise MediaError(
                self.path, f"cannot write video as '{suffix or '(none)'}' (choose one of {known})"
            )
        self.spec = OUTPUT_CONTAINERS[suffix]
        self.reader = reader
        self.turns = reader.rotation // 90 if reader is not None else 0
        self.shift = start_shift(reader) if reader is not None else 0.0
        self._temp = temporary_beside(self.path)
        try:
            self.container = av.open(str(self._temp), "w", options=dict(self.spec.muxer_options))
            self._open_video(settings, fps, size)
            self._audio = (
                _AudioCopier(self.container, reader, self.spec, self.shift) if settings.audio else None
            )
        except AV_ERRORS as exc:
            self.abort()
            raise MediaError(self.path, f"cannot set up the encoder ({describe_av_error(exc)})") from None
        except BaseException:
            self.abort()
            raise
        self._count = 0
        self._last_pts: int | None = None

    def _open_video(
        self, settings: EncoderSettings, fps: Fraction | None, size: tuple[int, int] | None
    ) -> None:
        source = self.reader.stream if self.reader is not None else None
        if source is not None:
            context = source.codec_context
            width, height = context.width, context.height  # stored (not displayed) size
            fps = self.reader.info.fps if self.reader is not None else fps
        else:
            assert size is not None
            width, height = size
        codec = settings.codec or self.spec.video_codec
        if codec not in av.codecs_available:
            raise MediaError(self.path, f"unknown encoder '{codec}'")
        stream: Any = self.container.add_stream(codec, rate=fps or Fraction(25))
        stream.width, stream.height = width, height
        stream.pix_fmt = settings.pix_fmt or _default_pix_fmt(codec, width, height)
        self.time_base = source.time_base if source is not None and source.time_base else Fraction(1, 1000)
        stream.time_base = self.time_base
        stream.codec_context.time_base = self.time_base
        options = {}
        if codec in ("libx264", "libx265"):
            options = {"crf": str(settings.crf), "preset": settings.preset}
        elif codec == "libvpx-vp9":
            options = {
                "crf": str(settings.crf + 11),
                "b": "0",
                "row-mt": "1",
                "deadline": "good",
                "cpu-used": "4",
            }
        stream.options = options
        stream.thread_type = "AUTO"
        stream.thread_count = thread_budget() or 0  # 0: the encoder's own choice
        if source is not None:
            out, src = stream.codec_context, source.codec_context
            for name in ("color_range", "colorspace", "color_primaries", "color_trc"):
                with contextlib.suppress(AttributeError, ValueError, TypeError):
                    setattr(out, name, getattr(src, name))
            if self.turns:
                # keep the flag: players turn the picture exactly as they did the input
                stream.set_display_rotation((-self.turns * 90) % 360)
        self.stream = stream

    def write(self, pixels: np.ndarray, pts: int | None) -> None:
        """Encode one upright BGR frame at ``pts`` (in the source's time base; None: next frame)."""
        if self.turns:
            pixels = np.ascontiguousarray(np.rot90(pixels, self.turns))
        frame = av.VideoFrame.from_ndarray(pixels, format="bgr24")
        if pts is None:
            pts = self._next_pts()
        else:
            pts += round(self.shift / self.time_base)
        if self._last_pts is not None and pts <= self._last_pts:
            pts = self._last_pts + 1  # broken source timing: encoders need strictly rising pts
        frame.pts, frame.time_base = pts, self.time_base
        self._last_pts = pts
        self._count += 1
        try:
            self._mux(self.stream.encode(frame))
        except AV_ERRORS as exc:
            reason = describe_av_error(exc)
            raise MediaError(self.path, f"cannot encode frame {self._count} ({reason})") from None

    def _next_pts(self) -> int:
        step = 1 / (float(self.stream.codec_context.framerate or 25) * float(self.time_base))
        return 0 if self._last_pts is None else round(self._last_pts + max(1.0, step))

    def _mux(self, packets: Iterable[av.Packet]) -> None:
        for packet in packets:
            if self._audio is not None and packet.pts is not None and packet.time_base is not None:
                self._audio.mux_until(float(packet.pts * packet.time_base))
            self.container.mux(packet)

    def close(self, path: Path | None = None) -> None:
        """Flush the encoder and the remaining audio, then move the file into place.

        ``path``: the final name, when it is not the one given at the start
        (a partial output's ``*_partial`` name).
        """
        try:
            self._mux(self.stream.encode(None))
            if self._audio is not None:
                self._audio.mux_until(float("inf"))
            self.container.close()
            commit(self._temp, path or self.path)
        except AV_ERRORS as exc:
            self.abort()
            raise MediaError(self.path, f"cannot finish writing ({describe_av_error(exc)})") from None

    def abort(self) -> None:
        """Stop and remove the partial output."""
        with contextlib.suppress(*AV_ERRORS, AttributeError):
            self.container.close()
        discard(self._temp)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        """Finish the file on success; remove it if the block raised."""
        if kind is None:
            self.close()
        else:
            self.abort()


def join_parts(parts: Sequence[Path], output: Path, source: str | Path, audio: bool = True) -> None:
    """Join videos encoded apart from consecutive stretches of ``source`` into ``output``, atomically,
    copying their packets (nothing is encoded twice) and ``source``'s audio.

    The parts must come from one encoder with one set of options (`veil.batch.chunked`
    writes them with `VideoWriter`), so that the first part's parameter sets serve all.
    """
    spec = OUTPUT_CONTAINERS[output.suffix.lower()]
    temp = temporary_beside(output)
    inputs: list[Any] = []
    try:
        with VideoReader(source) as reader:
            container = av.open(str(temp), "w", options=dict(spec.muxer_options))
            inputs = [av.open(str(part)) for part in parts]
            stream = container.add_stream_from_template(inputs[0].streams.video[0])
            if reader.rotation:
                stream.set_display_rotation((-reader.rotation) % 360)
            copier = _AudioCopier(container, reader, spec, start_shift(reader)) if audio else None
            for part in inputs:
                for packet in part.demux(part.streams.video[0]):
                    if packet.dts is None:
                        continue  # the demuxer's end-of-stream marker
                    if copier is not None and packet.pts is not None and packet.time_base is not None:
                        copier.mux_until(float(packet.pts * packet.time_base))
                    packet.stream = stream
                    container.mux(packet)
            if copier is not None:
                copier.mux_until(float("inf"))
            container.close()
        commit(temp, output)
    except AV_ERRORS as exc:
        discard(temp)
        raise MediaError(output, f"cannot join the video's chunks ({describe_av_error(exc)})") from None
    except BaseException:
        discard(temp)
        raise
    finally:
        for part in inputs:
            with contextlib.suppress(*AV_ERRORS):
                part.close()


class _AudioCopier:
    """Copies (or, where the container refuses the codec, re-encodes) every audio stream."""

    def __init__(
        self, output: Any, reader: VideoReader | None, spec: ContainerSpec, shift: float = 0.0
    ) -> None:
        self.shift = shift  # seconds added to every timestamp (see `VideoWriter`)
        self.routes: dict[int, tuple[Any, Any | None]] = {}
        self.packets: Iterator[av.Packet] = iter(())
        self.held: av.Packet | None = None
        self.done = False  # every packet muxed and every encoder flushed
        if reader is None or not reader.container.streams.audio or spec.audio_codec is None:
            return
        self.source = av.open(str(reader.path))
        inputs = list(self.source.streams.audio)
        for stream in inputs:
            # the codec, not the decoder ("mp3", not "mp3float")
            name = stream.codec_context.codec.canonical_name if stream.codec_context is not None else None
            if name is None:
                continue
            if spec.audio_copy is None or name in spec.audio_copy:
                self.routes[stream.index] = (output.add_stream_from_template(stream), None)
            else:
                encoder = output.add_stream(spec.audio_codec, rate=stream.codec_context.sample_rate or 48000)
                # by channel count: sources may carry an "unspecified" layout encoders refuse
                encoder.layout = "mono" if stream.codec_context.channels == 1 else "stereo"
                self.routes[stream.index] = (encoder, stream)
        self.packets = self.source.demux([s for s in inputs if s.index in self.routes])

    def mux_until(self, seconds: float) -> None:
        """Mux audio packets that start before ``seconds`` (keeps the file interleaved)."""
        while not self.done:
            packet = self.held if self.held is not None else next(self.packets, None)
            self.held = None
            if packet is None:
                self._finish()
                return
            if (
                packet.pts is not None
                and packet.time_base is not None
                and packet.pts * packet.time_base + self.shift > seconds
            ):
                self.held = packet
                return
            self._mux(packet)

    def _mux(self, packet: av.Packet) -> None:
        target, decoded_from = self.routes[packet.stream.index]
        output = target.container
        if self.shift and packet.time_base is not None:
            ticks = round(self.shift / packet.time_base)
            if packet.pts is not None:
                packet.pts += ticks
            if packet.dts is not None:
                packet.dts += ticks
        if decoded_from is None:
            if packet.dts is None:
                return  # the demuxer's end-of-stream marker
            packet.stream = target
            output.mux(packet)
            return
        for frame in packet.decode():
            output.mux(target.encode(frame))

    def _finish(self) -> None:
        self.done = True
        for target, decoded_from in self.routes.values():
            if decoded_from is not None:
                target.container.mux(target.encode(None))
        with contextlib.suppress(*AV_ERRORS, AttributeError):
            self.source.close()


def _default_pix_fmt(codec: str, width: int, height: int) -> str:
    if codec == "gif":
        return "rgb8"  # FFmpeg cannot build a palette on the fly; 3-3-2 colour is what we can do
    if codec in ("libx264", "libx265", "libvpx-vp9", "h264") and (width % 2 or height % 2):
        return "yuv444p"  # 4:2:0 needs even sides; keep the exact size instead of resizing
    return "yuv420p"
