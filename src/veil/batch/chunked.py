"""One long video on many workers, covered exactly as one pass covers it.

Tracking is sequential: whether a face in frame 9,000 is covered can depend
on a track that began in frame 1. Overlapping chunks only make that likely,
not certain, so the work is split where it can be exactly:

1. **scan** (parallel, per chunk): the full-frame passes (`veil.streams.full_frames`:
   scan and sweep, most of the cost), which need no tracks;
2. **track** (one worker, the whole video): decoding again, the zoom around
   tracked faces, tracking, gap filling, `--keep` votes and the per-track
   choices of stateful filters, from the chunks' scans; any frame whose scan is
   missing or was taken at another index is searched again here;
3. **render** (parallel, per chunk): hiding the decided faces and encoding;
4. **join** (the driver): the chunks' packets into one file, with the source's
   audio, without encoding anything twice (`veil.media.video_writer.join_parts`).

Chunks start at keyframes and are decoded from the keyframe before, so their
pixels are those of a single pass. The result equals a single pass's faces,
frame by frame; only x264's bits differ (it starts a keyframe per chunk).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from veil.anonymizer import Anonymizer
from veil.core import FrameResult
from veil.errors import MediaError
from veil.faces import Faces
from veil.filters import Filter
from veil.media.discovery import partial_output
from veil.media.video import AV_ERRORS, Frame, VideoReader
from veil.media.video_writer import VideoWriter, join_parts
from veil.memory import check_video_fits
from veil.pipeline import FrameCount, per_frame, run_video
from veil.report import FrameRecord, TrackSummary

JOINABLE_CODECS = ("libx264", "libx265")
"""Encoders whose chunks join by copying packets (same parameter sets, a keyframe per chunk)."""
UNREADABLE: tuple[type[BaseException], ...] = (*AV_ERRORS, IndexError)  # IndexError: no video stream


@dataclass(frozen=True)
class Chunk:
    """A run of frames that starts at a keyframe: their pts in display order, and where to seek."""

    number: int
    first_index: int
    pts: tuple[int, ...]
    seek: int | None  # the keyframe before the chunk's own; None: decode from the start


@dataclass(frozen=True)
class ChunkPlan:
    """How a video is cut (`plan_chunks`); ``pts``: every frame's, in display order."""

    pts: tuple[int, ...]
    chunks: tuple[Chunk, ...]


def plan_chunks(path: str | Path, chunk_seconds: float) -> ChunkPlan | None:
    """Cut a video at keyframes into chunks of at least ``chunk_seconds``; None when it is not worth
    it or not safe (under two chunks, packets without or with repeated timestamps, unreadable).

    Only packets are read, not decoded: a few milliseconds per thousand frames.
    """
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or Fraction(25)
            packets = [(p.pts, p.is_keyframe) for p in container.demux(stream) if p.size]
    except UNREADABLE:
        return None
    timed = [(pts, key) for pts, key in packets if pts is not None]
    if not timed or len(timed) != len(packets):
        return None
    ordered = sorted(pts for pts, _ in timed)
    if len(set(ordered)) != len(ordered):
        return None
    keys = sorted(bisect.bisect_left(ordered, pts) for pts, key in timed if key)
    step = max(1, round(chunk_seconds * float(rate)))
    starts = [0]
    for index in keys:
        if index >= starts[-1] + step and len(ordered) - index >= step // 2:
            starts.append(index)
    if len(starts) < 2:
        return None
    chunks = []
    for number, (start, stop) in enumerate(zip(starts, [*starts[1:], len(ordered)], strict=True)):
        earlier = [k for k in keys if k < start]
        seek = None if number == 0 else ordered[earlier[-1] if earlier else start]
        chunks.append(Chunk(number, start, tuple(ordered[start:stop]), seek))
    return ChunkPlan(tuple(ordered), tuple(chunks))


def chunk_frames(reader: VideoReader, chunk: Chunk) -> Iterator[Frame]:
    """The chunk's frames, with their indices in the whole video (a generator: close it to stop)."""
    wanted = {pts: chunk.first_index + i for i, pts in enumerate(chunk.pts)}
    last = chunk.pts[-1]
    frames = reader.frames() if chunk.seek is None else reader.frames_from(chunk.seek)
    try:
        for frame in frames:
            if frame.pts in wanted:
                yield Frame(wanted[frame.pts], frame.pixels, frame.pts, frame.time)
            if frame.pts is not None and frame.pts >= last:
                return
    finally:
        close = getattr(frames, "close", None)
        if callable(close):
            close()


def scan_chunk(anonymizer: Anonymizer, source: str, chunk: Chunk) -> dict[int, tuple[int, Faces]]:
    """Phase 1: the full-frame search of each frame of the chunk, by pts: ``(index, faces)``."""
    with VideoReader(source, max_pixels=anonymizer.settings.detection.max_pixels) as reader:
        return {
            frame.pts: (frame.index, faces)
            for frame, faces in anonymizer.full_frames(chunk_frames(reader, chunk))
            if frame.pts is not None and faces is not None
        }


@dataclass
class Tracked:
    """Phase 2's result: the faces to hide in each frame (by pts), and what the ledger records."""

    hide: dict[int, Faces]
    faces: int
    warnings: list[str]
    partial: bool
    filter: Filter | None  # the filter with its per-track choices made, when it has any
    written: Path | None = None  # the output, once joined (``*_partial`` for a truncated video)
    seconds: dict[str, float] = field(default_factory=dict)  # each phase's wall time


class ChunkMismatch(MediaError):
    """The frames decoded are not those the packets promised: the video is done in one pass."""


def track_whole(
    anonymizer: Anonymizer, source: str, plan: ChunkPlan, scanned: dict[int, tuple[int, Faces]]
) -> Tracked:
    """Phase 2: zoom, tracking and decisions over the whole video, in order, from the chunks' scans."""
    settings = anonymizer.settings
    limit, video = settings.detection.max_pixels, settings.video
    check_video_fits(source, limit, video.effective_memory, video.max_memory)
    stateful = anonymizer.filter.stateful  # its per-track choices are made by rendering, in order
    hide: dict[int, Faces] = {}
    tracks = TrackSummary()

    def collect(frame: Frame, result: FrameResult) -> None:
        if frame.index >= len(plan.pts) or frame.pts != plan.pts[frame.index]:
            raise ChunkMismatch(source, f"frame {frame.index} is not the one its packets promised")
        hide[frame.pts] = result.faces.to_hide()
        tracks.add(FrameRecord(frame.index, frame.time, result.faces, result.regions))

    with VideoReader(source, max_pixels=limit) as reader:
        run = run_video(
            reader.frames(),
            lambda frames: anonymizer.anonymize_stream(frames, render=stateful, scanned=scanned),
            source=reader,
            when_incomplete="partial" if video.allow_partial else "error",
            observers=[collect],
        )
    if not run.incomplete and tracks.frames != len(plan.pts):
        raise ChunkMismatch(source, f"{tracks.frames} frames decoded of {len(plan.pts)} packets")
    primed = anonymizer.filter if stateful else None
    return Tracked(hide, tracks.face_count(), run.warnings, run.incomplete, primed)


def render_chunk(
    anonymizer: Anonymizer,
    source: str,
    chunk: Chunk,
    hide: dict[int, Faces],
    primed: Filter | None,
    part: str,
) -> str | None:
    """Phase 3: the chunk's frames with ``hide`` hidden, encoded into ``part`` (video only).

    None when none of its frames was decoded in phase 2 (past the end of a truncated video).
    """
    wanted = sum(pts in hide for pts in chunk.pts)
    if not wanted:
        return None
    hider = primed or anonymizer.filter

    def render(frame: Frame) -> FrameResult:
        assert frame.pts is not None, "only frames with a pts in hide come here"
        faces = hide[frame.pts]
        return FrameResult(hider.apply(frame.pixels, faces), faces, [])

    def missed(seen: int) -> ChunkMismatch:  # the seek missed frames: the video is done in one pass
        return ChunkMismatch(source, f"chunk {chunk.number}: {seen} of {wanted} frames decoded")

    encoder = replace(anonymizer.settings.encoder, audio=False)
    with VideoReader(source, max_pixels=anonymizer.settings.detection.max_pixels) as reader:
        frames = FrameCount((f for f in chunk_frames(reader, chunk) if f.pts in hide), wanted, missed)
        run_video(frames, per_frame(render), VideoWriter(part, reader, encoder), source=frames)
    return part


Runner = Callable[[str, Sequence[tuple[Any, ...]]], list[Any]]
"""Runs a phase (a function name of this module) once per argument tuple on the workers, in order."""


def run_chunked(
    run: Runner, source: str, plan: ChunkPlan, output: Path, parts: Path, audio: bool = True
) -> Tracked:
    """All four phases for one video: ``output`` written atomically (``*_partial`` for a truncated
    video with ``--allow-partial``). ``parts``: a folder the workers can write to."""
    started = time.perf_counter()
    scans = run("scan_chunk", [(source, chunk) for chunk in plan.chunks])
    scanned = {pts: found for scan in scans for pts, found in scan.items()}
    seconds = {"scan": time.perf_counter() - started}
    tracked: Tracked = run("track_whole", [(source, plan, scanned)])[0]
    seconds["track"] = time.perf_counter() - started - sum(seconds.values())
    suffix = output.suffix
    jobs = [
        (source, c, {p: tracked.hide[p] for p in c.pts if p in tracked.hide}, tracked.filter,
         str(parts / f"part{c.number:05d}{suffix}"))
        for c in plan.chunks
    ]  # fmt: skip
    written = [Path(p) for p in run("render_chunk", jobs) if p is not None]
    seconds["render"] = time.perf_counter() - started - sum(seconds.values())
    target = partial_output(output) if tracked.partial else output
    if tracked.partial:
        tracked.warnings[-1] += f"; the frames read are written to {target}"
    join_parts(written, target, source, audio)
    seconds["join"] = time.perf_counter() - started - sum(seconds.values())
    tracked.written = target
    tracked.seconds = {phase: round(value, 3) for phase, value in seconds.items()}
    return tracked
