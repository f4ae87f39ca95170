"""The one video pipeline: source frames -> a per-frame stage -> writer, with observers.

Every path that turns a video into another one runs through `run_video`:
anonymising a file, live input, the review's export, a chunk of a long video
and the reveal of sealed faces. It owns what each of them needs alike:
progress, observers (escrow sealing, a preview window), a stop request,
what a truncated input becomes (an error, a ``NAME_partial`` output, or a
warning), and removing the output when anything fails, so a failure never
leaves a half-written file under its final name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from veil.core import FrameResult
from veil.errors import VeilError
from veil.faces import Faces
from veil.media.discovery import partial_output
from veil.media.video import Frame
from veil.media.video_writer import VideoWriter

FrameCallback = Callable[[int, int | None], None]
"""``on_frame(frames_done, frames_total_or_None)``, for progress bars."""

Observer = Callable[[Frame, FrameResult], None]
"""``observe(frame, result)``: sees every frame (its original pixels) after its stage ran."""

Stage = Callable[[Iterable[Frame]], Iterable[tuple[Frame, FrameResult]]]
"""What happens to the frames: a function of the whole stream, so it may look ahead (tracking)."""

WhenIncomplete = Literal["error", "partial", "warn"]
"""A truncated input: raise, write what decoded as ``NAME_partial.EXT``, or only warn (live input)."""


class FrameSource(Protocol):
    """Where frames come from and whether all of them came (a `VideoReader`, a `FrameCount`)."""

    def incomplete(self) -> VeilError | None: ...


class FrameCount:
    """Frames that must number exactly ``expected``: a `FrameSource` that checks it before the
    output is committed (a seek that missed frames, a sealed video that lost some)."""

    def __init__(self, frames: Iterable[Frame], expected: int, error: Callable[[int], VeilError]) -> None:
        self.frames = frames
        self.expected = expected
        self.error = error
        self.seen = 0

    def __iter__(self) -> Iterator[Frame]:
        for frame in self.frames:
            self.seen += 1
            yield frame

    def incomplete(self) -> VeilError | None:
        return None if self.seen == self.expected else self.error(self.seen)


@dataclass
class VideoRun:
    """What one run of the pipeline did.

    Attributes:
        frames: frames that went through the stage.
        output: the file written (``NAME_partial.EXT`` for a truncated input), or None.
        incomplete: the input was cut short and the run went on with what decoded.
        warnings: printed as ``warning: PATH: ...``.
    """

    frames: int = 0
    output: Path | None = None
    incomplete: bool = False
    warnings: list[str] = field(default_factory=list)


def observe_still(observers: Sequence[Observer], pixels: np.ndarray, result: FrameResult) -> None:
    """Show a photo to the observers of a video: it is the one-frame case (frame 0, time 0)."""
    for observe in observers:
        observe(Frame(0, pixels, None, 0.0), result)


def per_frame(render: Callable[[Frame], FrameResult]) -> Stage:
    """A stage from a function of one frame (no look-ahead)."""

    def stage(frames: Iterable[Frame]) -> Iterator[tuple[Frame, FrameResult]]:
        for frame in frames:
            yield frame, render(frame)

    return stage


def only_pixels(pixels: np.ndarray) -> FrameResult:
    """A result that is pixels alone (no faces recorded): what a reveal writes."""
    return FrameResult(pixels, Faces.empty(), [])


def run_video(
    frames: Iterable[Frame],
    stage: Stage,
    writer: VideoWriter | None = None,
    *,
    source: FrameSource | None = None,
    when_incomplete: WhenIncomplete = "error",
    observers: Sequence[Observer] = (),
    on_frame: FrameCallback | None = None,
    total: int | None = None,
    stop: Callable[[], bool] | None = None,
    interruptible: bool = False,
) -> VideoRun:
    """Run ``frames`` through ``stage`` into ``writer`` (which this closes, or aborts on failure).

    Args:
        source: asked once the frames end whether all of them came.
        when_incomplete: what a truncated ``source`` becomes (`WhenIncomplete`).
        observers: called with each frame (its original pixels) and its result.
        on_frame: progress, ``(done, total)``.
        stop: asked after each frame; True ends the run as if the input ended.
        interruptible: Ctrl-C ends the run as ``stop`` does (live input) instead of failing it.

    Raises:
        VeilError: what ``source.incomplete()`` gave, when ``when_incomplete`` is "error".
    """
    run = VideoRun()
    processed = iter(stage(frames))
    try:
        try:
            for frame, result in processed:
                if writer is not None:
                    if result.pixels is None:
                        raise ValueError("the stage rendered no pixels for a video being written")
                    writer.write(result.pixels, frame.pts)
                for observe in observers:
                    observe(frame, result)
                run.frames += 1
                if on_frame is not None:
                    on_frame(run.frames, total)
                if stop is not None and stop():
                    break
        except KeyboardInterrupt:
            if not interruptible:
                raise
        finally:
            close = getattr(processed, "close", None)
            if callable(close):
                close()  # stops the stage's threads and the decoder
        target = None if writer is None else writer.path
        incomplete = source.incomplete() if source is not None else None
        if incomplete is not None:
            if when_incomplete == "error":
                raise incomplete
            run.incomplete = True
            if when_incomplete == "partial" and target is not None:
                target = partial_output(target)
                run.warnings.append(f"{incomplete.reason}; the frames read are written to {target}")
            else:
                run.warnings.append(incomplete.reason)
        if writer is not None:
            writer.close(target)
        run.output = target
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    return run
