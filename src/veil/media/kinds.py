"""Photo or video: by extension, else by content (Pillow's or FFmpeg's reading of the first bytes).

A file is a video when its extension says so; a file with a photo extension
is a photo; any other file (an unknown extension, or none) is asked: Pillow
first, then FFmpeg. Nothing is passed over for its name alone.
"""

from __future__ import annotations

import functools
from pathlib import Path

import av

from veil.errors import MediaError
from veil.media.images import is_photo, readable_extensions
from veil.media.jpeg_stream import holds_jpeg_stream
from veil.media.video import open_video

# fmt: off
VIDEO_EXTENSIONS = {
    ".mp4", ".m4v", ".mov", ".3gp", ".3g2", ".mkv", ".webm", ".avi", ".divx", ".wmv", ".asf", ".flv",
    ".f4v", ".mpg", ".mpeg", ".mpe", ".m1v", ".m2v", ".vob", ".ts", ".mts", ".m2ts", ".ogv", ".gif",
    ".mjpeg", ".mjpg", ".h264", ".264", ".avc", ".h265", ".265", ".hevc", ".y4m", ".dv", ".mxf", ".nut",
}
# fmt: on
"""Extensions read as video without looking inside; a file FFmpeg finds a video stream in is one too."""

NOT_VIDEO_CODECS = frozenset({"ansi", "bintext", "xbin", "idf"})
"""What FFmpeg decodes as "video" from text files (ANSI and BIN art): not video to veil."""


def is_video(path: str | Path, sniff: bool = True) -> bool:
    """Whether veil reads ``path`` as a video: by extension, else (``sniff``) by its content.

    A file with a photo extension is a photo; one with an extension neither
    list knows (or none) is a video when FFmpeg finds a moving picture in it
    (FLV, VOB, raw H.264 under any name) or it is a motion-JPEG stream.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        return True
    if not sniff or suffix in readable_extensions() or not path.is_file():
        return False
    status = path.stat()
    return _holds_video(path.resolve(), status.st_size, status.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _holds_video(path: Path, size: int, modified: int) -> bool:
    """Whether FFmpeg finds a video stream in ``path`` (cached by size and time: a scan and a run ask)."""
    if is_photo(path):
        return holds_jpeg_stream(path)
    try:
        container = open_video(path, skip_frames=True)
    except MediaError:
        return False
    try:
        if container.format.name.endswith("_pipe") or container.format.name.startswith("image2"):
            return False  # a still image Pillow cannot read
        return any(
            stream.codec_context is not None
            and stream.codec_context.name not in NOT_VIDEO_CODECS
            and not stream.disposition & av.stream.Disposition.attached_pic
            for stream in container.streams.video
        )
    finally:
        container.close()
