"""Frames from a local camera (through OpenCV), timed by the wall clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction

import cv2

from veil.errors import MediaError
from veil.media.video import Frame


def camera_frames(index: int) -> tuple[Iterator[Frame], tuple[int, int], Fraction]:
    """Frames from camera ``index`` (pts in milliseconds), its ``(width, height)`` and frame rate.

    Raises:
        MediaError: the camera cannot be opened or gives no picture.
    """
    capture = cv2.VideoCapture(index)
    ok, first = capture.read() if capture.isOpened() else (False, None)
    if not ok or first is None:
        capture.release()
        raise MediaError(f"camera {index}", "cannot open the camera (is it connected and free?)")
    fps = Fraction(capture.get(cv2.CAP_PROP_FPS) or 30).limit_denominator(1001)
    started = time.monotonic()

    def frames() -> Iterator[Frame]:
        pixels, count = first, 0
        try:
            while pixels is not None:
                elapsed = time.monotonic() - started
                yield Frame(count, pixels, round(elapsed * 1000), elapsed)
                count += 1
                ok, pixels = capture.read()
                if not ok:
                    return
        finally:
            capture.release()

    return frames(), (first.shape[1], first.shape[0]), fps
