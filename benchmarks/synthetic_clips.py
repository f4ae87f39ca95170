"""Generated test material shared by the tests and the benchmarks: a clip of a moving face.

`make_clip` pans across the shipped Newton portrait, so the face's box in every
frame is known exactly (`clip_face_box`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# Hand-checked face boxes in the shipped portraits (xyxy, image pixels).
PORTRAIT_FACES = {
    "newton.png": (333, 89, 438, 233),
    "gauss.png": (370, 210, 655, 565),
}
NEWTON_FACE = PORTRAIT_FACES["newton.png"]


def clip_face_box(index: int, step: int = 3) -> tuple[int, int, int, int]:
    """Where Newton's face is in frame ``index`` of `make_clip` (the camera pans ``step`` px/frame)."""
    x0, y0 = 200 + index * step, 40
    x1, y1, x2, y2 = NEWTON_FACE
    return x1 - x0, y1 - y0, x2 - x0, y2 - y0


def make_clip(
    path: Path,
    *,
    frames: int = 20,
    fps: int = 10,
    size: tuple[int, int] = (320, 240),
    audio: str | None = "aac",
    rotation: int = 0,
    pts: list[int] | None = None,
    codec: str = "libx264",
    keyint: int | None = None,
) -> Path:
    """Write a short clip panning across the shipped Newton portrait, with a sine tone.

    Ground truth for frame i is `clip_face_box(i)`. ``rotation`` stores the frames
    turned and flags them to be shown upright (as phones do); ``pts`` gives
    variable frame timing in 1/1000 s; ``keyint``, a keyframe every that many frames.
    """
    import av

    portrait = cv2.imread(str(EXAMPLES / "newton.png"))
    width, height = size
    turns = {0: 0, 90: 1, 180: 2, 270: 3}[rotation]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=fps)
        stored = (height, width) if turns % 2 else (width, height)
        stream.width, stream.height = stored
        stream.pix_fmt = "rgb8" if codec == "gif" else ("yuv444p" if width % 2 or height % 2 else "yuv420p")
        if pts is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if keyint is not None:
            stream.options = {"g": str(keyint), "keyint_min": str(keyint), "sc_threshold": "0"}
        if rotation:
            stream.set_display_rotation(rotation)
        sound = None
        if audio is not None:
            sound = container.add_stream(audio, rate=16000)
            sound.layout = "mono"
        for i in range(frames):
            x0 = 200 + i * 3
            upright = np.ascontiguousarray(portrait[40 : 40 + height, x0 : x0 + width])
            stored_pixels = np.ascontiguousarray(np.rot90(upright, -turns))  # players turn it back
            frame = av.VideoFrame.from_ndarray(stored_pixels, format="bgr24")
            if pts is not None:
                frame.pts, frame.time_base = pts[i], Fraction(1, 1000)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
        if sound is not None:
            samples = int(16000 * frames / fps)
            tone = (0.3 * np.sin(np.arange(samples) * 2 * np.pi * 440 / 16000)).astype(np.float32)
            fmt = sound.codec_context.codec.audio_formats[0].name
            for start in range(0, samples, 1024):
                chunk = tone[None, start : start + 1024]
                audio_frame = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
                audio_frame.sample_rate = 16000
                audio_frame.pts = start
                audio_frame = av.AudioResampler(format=fmt, layout="mono", rate=16000).resample(audio_frame)
                for part in audio_frame:
                    container.mux(sound.encode(part))
            container.mux(sound.encode(None))
    return path
