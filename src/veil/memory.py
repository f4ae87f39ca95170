"""How much memory a video will take, estimated before its first frame is decoded.

A video's frames are held in flight: decoded ahead, held for the tracker's
look-ahead (``--memory`` frames), and buffered by the encoder. At 12000x12000
one BGR frame is 432 MB, so a huge video can ask for tens of GiB; veil
refuses it at once, with the numbers, rather than swap the machine to a halt.

The estimate (bytes) is ``BASE + pixels * (WORK + 3 * held + ENCODER * encoded)``:
``held`` = min(frames, memory + PIPELINE_FRAMES) BGR frames and ``encoded`` =
min(frames, ENCODER_FRAMES) frames in x264's look-ahead and threads. The
constants are fitted to peak RSS on 1-40 frame videos of 12 and 144
megapixels (x264 veryfast); the estimate runs up to 40% above what was
measured, and below it by at most 10% (a 3 MP video held 50 frames deep):
`benchmarks/hostile.py` measures it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from veil.errors import MediaError
from veil.media.video import check_frame_size, probe_video
from veil.threads import MAX_SEARCH_THREADS

BASE_BYTES = 450 * 2**20  # models, libraries and Python (scene cuts, trackers and YuNet on onnxruntime)
WORK_BYTES_PER_PIXEL = 8  # decoder surfaces and the filter's working copies of one frame
PIPELINE_FRAMES = 9 + 2 * MAX_SEARCH_THREADS  # decoded (4), searched (2 a thread), tracked (4), filtered (1)
ENCODER_BYTES_PER_PIXEL = 10  # per frame x264 holds (planes, half-pel and look-ahead copies)
ENCODER_FRAMES = 14

_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``"8G"`` -> 8 GiB in bytes; ``K``, ``M``, ``G``, ``T`` are powers of 1024 (``"512M"``, ``"2.5G"``).

    >>> parse_size("1.5G") == 1.5 * 2**30
    True
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", text.upper())
    if not match:
        raise ValueError(f"cannot read {text!r} as a size (write e.g. 512M or 8G)")
    return int(float(match[1]) * _UNITS[match[2]])


def default_budget() -> int:
    """Half the machine's physical memory (4 GiB where it cannot be read)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 4 * 2**30


def estimate_video_bytes(width: int, height: int, frames: int | None, memory: int) -> int:
    """Peak memory to anonymise a ``width`` x ``height`` video of ``frames`` frames (None: unknown)."""
    pixels = width * height
    count = frames if frames else 10**9
    held = min(count, memory + PIPELINE_FRAMES)
    encoded = min(count, ENCODER_FRAMES)
    return BASE_BYTES + pixels * (WORK_BYTES_PER_PIXEL + 3 * held + ENCODER_BYTES_PER_PIXEL * encoded)


def check_video_memory(
    source: object, width: int, height: int, frames: int | None, memory: int, budget: int
) -> None:
    """Refuse a video whose estimated peak memory exceeds ``budget`` bytes, saying what would fit.

    Raises:
        MediaError: with the estimate, the budget, and the ``--memory`` that would fit (if any).
    """
    need = estimate_video_bytes(width, height, frames, memory)
    if need <= budget:
        return
    fitting = [m for m in range(memory, -1, -1) if estimate_video_bytes(width, height, frames, m) <= budget]
    advice = f"--memory {fitting[0]} would fit, or raise" if fitting else "raise"
    raise MediaError(
        source,
        f"{width}x{height} frames with --memory {memory} need about {gib(need)}, more than the "
        f"{gib(budget)} budget; {advice} --max-memory",
    )


def check_video_fits(source: str | Path, max_pixels: int | None, memory: int, max_memory: int | None) -> None:
    """Refuse a video from its headers alone, before FFmpeg decodes a frame: frames over
    ``max_pixels`` first, then an estimated peak over ``max_memory`` (default: `default_budget`)."""
    width, height, frames = probe_video(source)
    check_frame_size(source, width, height, max_pixels)
    check_video_memory(source, width, height, frames, memory, max_memory or default_budget())


def gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"
