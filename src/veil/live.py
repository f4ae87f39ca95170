"""Live input: a camera or a stream URL, anonymised as it arrives, shown and/or recorded.

The same `Anonymizer.track` as for files runs here, so a live picture gets
the same temporal coverage; the price is a delay of ``memory`` frames.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import cv2

from veil.errors import MediaError
from veil.media.video import Frame, VideoReader, VideoWriter
from veil.pipeline import Anonymizer

WINDOW = "veil (q to quit)"


def has_display() -> bool:
    """Whether a preview window can be opened (a desktop session, not a server shell)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def camera_frames(index: int) -> tuple[Iterator[Frame], tuple[int, int], Fraction]:
    """Frames from a local camera, timed by the wall clock (milliseconds)."""
    capture = cv2.VideoCapture(index)
    ok, first = capture.read() if capture.isOpened() else (False, None)
    if not ok or first is None:
        capture.release()
        raise MediaError(f"camera {index}", "cannot open the camera (is it connected and free?)")
    fps = Fraction(capture.get(cv2.CAP_PROP_FPS) or 30).limit_denominator(1001)
    started = time.monotonic()

    def frames() -> Iterator[Frame]:
        pixels, index_ = first, 0
        try:
            while pixels is not None:
                elapsed = time.monotonic() - started
                yield Frame(index_, pixels, round(elapsed * 1000), elapsed)
                index_ += 1
                ok, pixels = capture.read()
                if not ok:
                    return
        finally:
            capture.release()

    return frames(), (first.shape[1], first.shape[0]), fps


def run_live_source(anonymizer: Anonymizer, source: int | str, output: Path | None, show: bool) -> int:
    """Anonymise a camera index or URL until it ends, q is pressed or Ctrl-C; returns frames done."""
    settings = replace(anonymizer.settings.encoder, audio=False)
    writer: VideoWriter | None = None
    reader: VideoReader | None = None
    if isinstance(source, int):
        frames, size, fps = camera_frames(source)
        if output is not None:
            writer = VideoWriter(output, None, settings, fps=fps, size=size)
    else:
        reader = VideoReader(source, live=True)
        frames = reader.frames()
        if output is not None:
            writer = VideoWriter(output, reader, settings)
    done = 0
    try:
        for frame, faces in anonymizer.track(frames):
            hidden = anonymizer.filter.apply(frame.pixels, faces)
            if writer is not None:
                writer.write(hidden, frame.pts)
            done += 1
            if show:
                cv2.imshow(WINDOW, hidden)
                if cv2.waitKey(1) & 0xFF in (ord("q"), 27):
                    break
    except KeyboardInterrupt:
        pass
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    finally:
        if show:
            cv2.destroyAllWindows()
        if reader is not None:
            reader.close()
    if writer is not None:
        writer.close()  # a stopped recording is still a complete, playable file
    return done
