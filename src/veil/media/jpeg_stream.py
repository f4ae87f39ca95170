"""Telling a motion-JPEG stream (JPEG after JPEG, as webcams and old cameras write) from one photo.

Pillow reads such a file as its first JPEG and drops the rest in silence;
`holds_jpeg_stream` finds where the first image ends by walking its segments.
"""

from __future__ import annotations

from pathlib import Path


def holds_jpeg_stream(path: Path) -> bool:
    """Whether another JPEG starts where the first one in ``path`` ends: a motion-JPEG stream, not a photo.

    Pillow reads such a file as one JPEG and drops the other frames; a
    multi-picture JPEG (MPO) says what it holds and is read page by page.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return False
    end = _first_jpeg_end(data)
    return end is not None and data.find(b"\xff\xd8\xff", end, end + 16) >= 0


def _first_jpeg_end(data: bytes) -> int | None:
    """Where the first JPEG in ``data`` ends (after its EOI marker), walking its segments; else None."""
    if not data.startswith(b"\xff\xd8"):
        return None
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
        elif marker == 0xD9:
            return position + 2
        elif marker == 0xDA:  # scan data: it ends at the first marker that is not stuffing or a restart
            start = position + 2 + int.from_bytes(data[position + 2 : position + 4], "big")
            position = _next_marker(data, start)
            if position < 0:
                return None
        else:
            position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return None


def _next_marker(data: bytes, start: int) -> int:
    """The next marker at or after ``start`` in entropy-coded data (not ``FF00`` nor a restart), or -1."""
    position = data.find(b"\xff", start)
    while 0 <= position < len(data) - 1:
        following = data[position + 1]
        if following != 0 and not 0xD0 <= following <= 0xD7 and following != 0xFF:
            return position
        position = data.find(b"\xff", position + 1)
    return -1
