"""Video frames for the page, fast when the reviewer steps frame by frame.

Seeking costs a decode from the keyframe before the frame asked for (about
200 ms at 1080p). A reviewer mostly steps to the next frame, or plays: each
file keeps its decoder open where it stopped, so the next frame is one
decode. Recent frames are kept, so stepping back costs nothing.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import av
import numpy as np

from veil.errors import MediaError
from veil.media.images import read_photo
from veil.media.video import AV_ERRORS, describe_av_error, quarter_turns, upright_bgr

DECODE_AHEAD = 60
"""Frames to decode on rather than seek (a seek decodes up to a keyframe interval anyway)."""
KEEP_FRAMES = 24


class VideoFrames:
    """One video's frames by index: an open decoder that goes on from where it stopped."""

    def __init__(self, path: str, times: list[float]) -> None:
        self.path = path
        self.times = times
        self.lock = threading.Lock()
        self._container: Any = None
        self._frames: Iterator[Any] | None = None
        self._at = -1  # index of the frame last decoded
        self._kept: OrderedDict[int, np.ndarray] = OrderedDict()

    def get(self, index: int) -> np.ndarray:
        with self.lock:
            if index in self._kept:
                self._kept.move_to_end(index)
                return self._kept[index]
            try:
                if self._frames is None or not self._at < index <= self._at + DECODE_AHEAD:
                    self._seek(index)
                pixels = self._decode_to(index)
            except AV_ERRORS as exc:
                self.close()
                reason = f"cannot decode the frame at {self.times[index]:.3f} s ({describe_av_error(exc)})"
                raise MediaError(self.path, reason) from None
            self._kept[index] = pixels
            while len(self._kept) > KEEP_FRAMES:
                self._kept.popitem(last=False)
            return pixels

    def _seek(self, index: int) -> None:
        if self._container is None:
            self._container = av.open(self.path)
            self._container.streams.video[0].thread_type = "AUTO"
        stream = self._container.streams.video[0]
        if stream.time_base is not None:
            self._container.seek(int(self.times[index] / stream.time_base), stream=stream, backward=True)
        self._frames = iter(self._container.decode(stream))
        self._at = -1

    def _decode_to(self, index: int) -> np.ndarray:
        """Decode on until frame ``index`` (frames are told apart by their time)."""
        assert self._frames is not None
        target = self.times[index]
        for frame in self._frames:
            time = frame.time
            found = index if time is None else bisect.bisect_left(self.times, time - 1e-4)
            self._at = min(found, len(self.times) - 1)
            if self._at >= index or time is None:
                self._at = index
                return upright_bgr(frame, quarter_turns(frame))
        self._frames = None
        raise MediaError(self.path, f"no frame at {target:.3f} s")

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
        self._container, self._frames, self._at = None, None, -1


class FrameStore:
    """Every file's frames for the web app: videos through `VideoFrames`, photos read as asked."""

    def __init__(self) -> None:
        self._videos: dict[str, VideoFrames] = {}
        self._lock = threading.Lock()

    def pixels(self, entry: dict[str, Any], index: int) -> np.ndarray:
        """Frame ``index`` of a file in the review (a photo has only frame 0)."""
        if entry["kind"] == "photo":
            return read_photo(entry["path"]).pixels
        with self._lock:
            video = self._videos.get(entry["id"])
            if video is None or video.times is not entry["times"]:
                video = self._videos[entry["id"]] = VideoFrames(entry["path"], entry["times"])
        return video.get(index)

    def close(self) -> None:
        with self._lock:
            for video in self._videos.values():
                video.close()
            self._videos.clear()
