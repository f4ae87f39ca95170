"""Builders for the hostile-input corpus: odd but valid files, and broken ones, made on the spot.

Each `Case` names a file, how to build it, and what veil must do with it in a
folder run (`tests/hostile/test_hostile.py`); the docs' bad-input page (docs/bad-input.md)
lists the same cases. Nothing is downloaded: files come from Pillow, PyAV,
the ffmpeg binary of the dev extra (imageio-ffmpeg) and a few hand-made bytes.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, TiffImagePlugin

from benchmarks.synthetic_clips import EXAMPLES, make_clip

CLIP_FRAMES = 25
MAX_PIXELS = 20_000_000  # the folder run's --max-pixels
MAX_MEMORY = "1G"  # the folder run's --max-memory


@dataclass(frozen=True)
class Case:
    """One hostile input and what veil must do with it.

    Attributes:
        name: the file name in the corpus folder.
        build: writes the file at the path given.
        outcome: ``written`` (output, no message), ``warning`` (output and a
            ``warning:`` line), ``error`` (an ``error:`` line, no output),
            ``skipped`` (a ``skipped:`` line, no output).
        says: text the line about this file must contain (the reason).
        output: the output's name when it differs from the input's.
        frames: frames or pages the output must have (videos, multi-frame images).
        what: the bad-input page's description of the case.
    """

    name: str
    build: Callable[[Path], object]
    outcome: str
    says: str = ""
    output: str | None = None
    frames: int | None = None
    what: str = ""


# -- helpers ----------------------------------------------------------------------


def ffmpeg() -> str | None:
    """The ffmpeg binary the dev extra installs (imageio-ffmpeg), or None."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return shutil.which("ffmpeg")


def _ffmpeg(*args: str) -> None:
    binary = ffmpeg()
    if binary is None:
        raise RuntimeError("no ffmpeg binary (pip install imageio-ffmpeg)")
    subprocess.run([binary, "-v", "error", "-y", *args], check=True)


def portrait(width: int = 160, height: int = 120) -> Image.Image:
    return Image.open(EXAMPLES / "newton.png").convert("RGB").resize((width, height))


def _clip(path: Path, **options: object) -> Path:
    return make_clip(path, frames=CLIP_FRAMES, size=(160, 120), **options)  # type: ignore[arg-type]


def _truncated(path: Path, fraction: float, suffix: str, faststart: bool = True) -> None:
    full = path.with_name(f".full-{path.name}")
    make_clip(full.with_suffix(".mp4"), frames=75, size=(160, 120))
    flags = ["-movflags", "+faststart"] if faststart and suffix == ".mp4" else []
    source = full.with_suffix(".mp4")
    remuxed = path.with_name(".remux-" + path.name)
    _ffmpeg("-i", str(source), "-c", "copy", *flags, str(remuxed))
    data = remuxed.read_bytes()
    path.write_bytes(data[: int(len(data) * fraction)])
    source.unlink()
    remuxed.unlink()


def _jpeg_with_app1(path: Path, payload: bytes) -> None:
    buffer = io.BytesIO()
    portrait().save(buffer, "JPEG")
    jpeg = buffer.getvalue()
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    path.write_bytes(jpeg[:2] + segment + jpeg[2:])


def _tiff_ifd(entries: list[tuple[int, int, int, bytes]]) -> bytes:
    """A little-endian TIFF header and one IFD of ``(tag, type, count, value bytes)``."""
    data_offset = 8 + 2 + 12 * len(entries) + 4
    body, extra = b"", b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            body += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            body += struct.pack("<HHII", tag, kind, count, data_offset + len(extra))
            extra += value
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(entries)) + body + b"\0\0\0\0" + extra


RATIONAL, ASCII, SHORT = 5, 2, 3
X_RESOLUTION, Y_RESOLUTION, RESOLUTION_UNIT, MAKE = 0x011A, 0x011B, 0x0128, 0x010F


def _inch() -> tuple[int, int, int, bytes]:
    return (RESOLUTION_UNIT, SHORT, 1, struct.pack("<H", 2))


# -- videos -----------------------------------------------------------------------


def negative_start_mkv(path: Path) -> None:
    source = path.with_name(".src-" + path.name)
    _clip(source, audio=None)
    _ffmpeg("-itsoffset", "-1", "-i", str(source), "-c", "copy", "-avoid_negative_ts", "disabled", str(path))
    source.unlink()


def wrapped_clock_ts(path: Path) -> None:
    """An MPEG-TS whose 90 kHz clock (33 bits) wraps 0.4 s in: it starts at a negative time."""
    source = path.with_name(".src-" + path.name + ".mp4")
    _clip(source)
    wrap = 2**33 / 90000
    _ffmpeg("-i", str(source), "-c", "copy", "-output_ts_offset", f"{wrap - 1.8:.3f}", str(path))
    source.unlink()


def vfr_mkv(path: Path) -> None:
    _clip(path, pts=[0, 40, 80, 200, 240, 400, 420, 440, 700, 740, *range(800, 800 + 15 * 50, 50)])


def _from_clip(*args: str, fps: int = 25, frames: int = CLIP_FRAMES) -> Callable[[Path], None]:
    """A builder that converts a clip with ffmpeg: ``args`` go between the input and the output."""

    def build(path: Path) -> None:
        source = path.with_name(".src-" + path.name + ".mp4")
        make_clip(source, frames=frames, fps=fps, size=(160, 120))
        _ffmpeg("-i", str(source), *args, str(path))
        source.unlink()

    return build


def edit_list_mp4(path: Path) -> None:
    """A trim without re-encoding: the MP4 keeps every sample and an edit list hides the first 0.5 s."""
    source = path.with_name(".src-" + path.name)
    make_clip(source, frames=75, size=(160, 120))
    _ffmpeg("-ss", "0.5", "-i", str(source), "-c", "copy", str(path))
    source.unlink()


def short_video_mkv(path: Path) -> None:
    """A video stream of 1.2 s (cut at a packet) in a file whose audio runs 2.5 s."""
    source = path.with_name(".src-" + path.name + ".mp4")
    video = path.with_name(".video-" + path.name + ".mp4")
    make_clip(source, size=(160, 120))  # 2 s of picture and sound
    _ffmpeg("-i", str(source), "-t", "1", "-an", "-c", "copy", str(video))
    _ffmpeg("-i", str(video), "-f", "lavfi", "-i", "sine=duration=2.5", "-map", "0:v", "-map", "1:a",
            "-c:v", "copy", str(path))  # fmt: skip
    source.unlink()
    video.unlink()


def no_index_avi(path: Path) -> None:
    """An AVI whose index (the ``idx1`` chunk at its end) is missing: players read it in order."""
    _from_clip("-c:v", "mpeg4", "-c:a", "pcm_s16le")(path)
    data = path.read_bytes()
    kept = bytearray(data[: data.rfind(b"idx1")])
    kept[4:8] = struct.pack("<I", len(kept) - 8)
    path.write_bytes(bytes(kept))


def cut_flv(path: Path) -> None:
    _from_clip("-c:v", "flv", "-c:a", "aac", frames=50)(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def motion_jpeg_named_jpg(path: Path) -> None:
    _from_clip("-c:v", "mjpeg", "-f", "mjpeg")(path)


def mp3_with_cover(path: Path) -> None:
    """A song whose cover picture FFmpeg lists as a video stream (an attached picture)."""
    cover = path.with_name(".cover-" + path.name + ".png")
    portrait().save(cover)
    _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-i", str(cover), "-map", "0", "-map", "1",
            "-c:a", "libmp3lame", "-c:v", "png", "-disposition:v", "attached_pic", str(path))  # fmt: skip
    cover.unlink()


def headerless_builders() -> list[Case]:
    """Valid videos in containers without a header or an index, and videos known by content only."""
    # one case, one row
    # fmt: off
    return [
        Case("edit_list.mp4", edit_list_mp4, "written", frames=70,
             what="MP4 trimmed without re-encoding: an edit list hides its first 0.5 s (70 of 75 shown)"),
        Case("program_stream.mpg", _from_clip("-c:v", "mpeg1video", "-c:a", "mp2", "-f", "mpeg"), "written",
             frames=CLIP_FRAMES, what="MPEG-1 program stream with MP2 audio (no header)"),
        Case("dvd.vob", _from_clip("-c:v", "mpeg2video", "-c:a", "ac3", "-f", "vob"), "written",
             output="dvd.mp4", frames=CLIP_FRAMES, what="DVD VOB: MPEG-2 with AC-3 audio"),
        Case("flash.flv", _from_clip("-c:v", "flv", "-c:a", "aac"), "written", output="flash.mp4",
             frames=CLIP_FRAMES, what="FLV (Sorenson video, AAC)"),
        Case("elementary.h264", _from_clip("-c:v", "libx264", "-f", "h264"), "written",
             output="elementary.mp4", frames=CLIP_FRAMES, what="raw H.264 elementary stream (no container)"),
        Case("elementary_hevc.hevc", _from_clip("-c:v", "libx265", "-x265-params", "log-level=error",
                                                "-f", "hevc"), "written",
             output="elementary_hevc.mp4", frames=CLIP_FRAMES, what="raw H.265 elementary stream"),
        Case("no_index.avi", no_index_avi, "written", frames=CLIP_FRAMES, what="AVI without its index"),
        Case("motion.mjpeg", _from_clip("-c:v", "mjpeg", "-f", "mjpeg"), "written", output="motion.mp4",
             frames=CLIP_FRAMES, what="raw motion-JPEG stream (not read as one JPEG)"),
        Case("motion_named.jpg", motion_jpeg_named_jpg, "error", says="motion-JPEG stream",
             what="motion-JPEG stream named .jpg: refused, not cut to its first frame"),
        Case("recording", _from_clip("-c:v", "libx264", "-c:a", "aac", "-f", "mp4"), "written",
             output="recording.mp4", frames=CLIP_FRAMES, what="an MP4 with no extension (known by content)"),
        Case("camera.dat", _from_clip("-c:v", "libx264", "-c:a", "aac", "-f", "flv"), "written",
             output="camera.mp4", frames=CLIP_FRAMES, what="an FLV named .dat (known by content)"),
        Case("short_video.mkv", short_video_mkv, "written", frames=12,
             what="video stream of 1.2 s, audio of 2.5 s (not truncated)"),
        Case("cut_half.flv", cut_flv, "error", says="truncated:", what="FLV cut at 50%"),
        Case("song.mp3", mp3_with_cover, "skipped", says="not an image or video",
             what="MP3 with a cover picture (an attached picture is not a video)"),
    ]
    # fmt: on


def video_builders() -> list[Case]:
    # one case, one row
    # fmt: off
    return [
        Case("negative_start.mkv", negative_start_mkv, "written", frames=CLIP_FRAMES,
             what="MKV whose first frames have no timestamp and start at -1 s"),
        Case("wrapped_clock.ts", wrapped_clock_ts, "written", frames=CLIP_FRAMES,
             what="MPEG-TS whose 33-bit clock wraps: starts at a negative time"),
        Case("cut_50.mp4", lambda p: _truncated(p, 0.5, ".mp4"), "error", says="truncated:",
             what="MP4 (index first) cut at 50%"),
        Case("cut_90.mp4", lambda p: _truncated(p, 0.9, ".mp4"), "error", says="truncated:",
             what="MP4 (index first) cut at 90%"),
        Case("cut_90_matroska.mkv", lambda p: _truncated(p, 0.9, ".mkv"), "error", says="truncated:",
             what="MKV cut at 90%"),
        Case("cut_index_last.mp4", lambda p: _truncated(p, 0.7, ".mp4", faststart=False), "error",
             says="cannot open as video", what="MP4 with its index at the end, cut at 70%"),
        Case("empty.mp4", lambda p: p.write_bytes(b""), "error", says="empty file", what="0-byte video"),
        Case("noise.mp4", lambda p: p.write_bytes(np.random.default_rng(1).bytes(4096)), "error",
             says="cannot open as video", what="random bytes named .mp4"),
        Case("audio_only.mkv", lambda p: _ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(p)), "error",
             says="no video stream", what="a sound file named as a video"),
        Case("odd_size.mp4", lambda p: make_clip(p, frames=5, size=(161, 121)), "written", frames=5,
             what="odd width and height (kept exactly, 4:4:4)"),
        Case("rotated.mp4", lambda p: make_clip(p, frames=5, size=(120, 160), rotation=90), "written",
             frames=5, what="phone video stored sideways with a rotation flag"),
        Case("variable_rate.mkv", vfr_mkv, "written", frames=CLIP_FRAMES, what="variable frame rate"),
        Case("one_frame.mp4", lambda p: make_clip(p, frames=1, audio=None), "written", frames=1,
             what="a single frame"),
        Case("animated.gif", lambda p: make_clip(p, frames=5, audio=None, codec="gif"), "written",
             output="animated.mp4", frames=5, what="animated GIF (read as video)"),
        Case("huge_frame.mp4", lambda p: _ffmpeg(
            "-f", "lavfi", "-i", "color=c=gray:s=5000x5000:d=0.04", "-c:v", "libx264", "-preset",
            "ultrafast", str(p)), "error", says="exceed the limit",
             what=f"5000x5000 frame, over --max-pixels {MAX_PIXELS:,} (refused before decoding)"),
        Case("long_4k.mp4", lambda p: _ffmpeg(
            "-f", "lavfi", "-i", "color=c=gray:s=4000x3000:d=0.8:r=25", "-c:v", "libx264", "-preset",
            "ultrafast", str(p)), "error", says="budget",
             what=f"20 frames of 4000x3000, over --max-memory {MAX_MEMORY} (refused before decoding)"),
    ]
    # fmt: on


# -- photos -----------------------------------------------------------------------


def exif_wrong_type(path: Path) -> None:
    ascii_dpi = (X_RESOLUTION, ASCII, 4, b"72\0\0")
    _jpeg_with_app1(path, b"Exif\0\0" + _tiff_ifd([ascii_dpi, _inch()]))


def exif_truncated(path: Path) -> None:
    full = _tiff_ifd([(MAKE, ASCII, 20, b"CameraMakerName12345"), (X_RESOLUTION, RATIONAL, 1, b"\0" * 8)])
    _jpeg_with_app1(path, b"Exif\0\0" + full[:30])


def exif_no_x_resolution(path: Path) -> None:
    y_only = (Y_RESOLUTION, RATIONAL, 1, struct.pack("<II", 72, 1))
    _jpeg_with_app1(path, b"Exif\0\0" + _tiff_ifd([y_only, _inch()]))


def exif_zero_denominator(path: Path) -> None:
    zero = struct.pack("<II", 72, 0)
    entries = [(X_RESOLUTION, RATIONAL, 1, zero), (Y_RESOLUTION, RATIONAL, 1, zero), _inch()]
    _jpeg_with_app1(path, b"Exif\0\0" + _tiff_ifd(entries))


def _cut(fmt: str, fraction: float) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        buffer = io.BytesIO()
        portrait(320, 240).save(buffer, fmt)
        path.write_bytes(buffer.getvalue()[: int(len(buffer.getvalue()) * fraction)])

    return build


def _frames(count: int = 4) -> list[Image.Image]:
    base = Image.open(EXAMPLES / "newton.png").convert("RGB").crop((200, 0, 600, 300))
    return [base.transform(base.size, Image.Transform.AFFINE, (1, 0, -3 * i, 0, 1, 0)) for i in range(count)]


def apng(path: Path) -> None:
    frames = _frames()
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=[100, 120, 140, 160], loop=0)


def animated_webp(path: Path) -> None:
    frames = _frames()
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=2)


def multipage_tiff(path: Path) -> None:
    frames = _frames(3)
    frames[0].save(path, save_all=True, append_images=[frames[1].resize((200, 150)), frames[2]])


def mpo(path: Path) -> None:
    frames = _frames(2)
    frames[0].save(path, format="MPO", save_all=True, append_images=frames[1:])


def dcx(path: Path) -> None:
    """A two-page DCX (multi-page PCX), which Pillow reads but cannot write."""
    pages = []
    for page in _frames(2):
        buffer = io.BytesIO()
        page.save(buffer, "PCX")
        pages.append(buffer.getvalue())
    header = 4 + 4 * 1024
    offsets = [header, header + len(pages[0])]
    table = struct.pack("<I", 987654321) + struct.pack("<1024I", *offsets, *[0] * 1022)
    path.write_bytes(table + b"".join(pages))


def noisy_tiff(path: Path) -> None:
    """Deflate-compressed, with private tags libtiff complains about."""
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    for tag in range(65000, 65010):
        tags[tag] = "junk"
    portrait().save(path, compression="tiff_deflate", tiffinfo=tags)


def corrupt_tiff(path: Path) -> None:
    noisy_tiff(path)
    data = bytearray(path.read_bytes())
    for i in range(200, 260):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def samples_bomb_tiff(path: Path) -> None:
    """A 10x10 TIFF that declares 303,169,682 samples a pixel (Pillow logs it at ERROR, then refuses)."""
    long_ = 4
    entries = [
        (256, SHORT, 1, struct.pack("<H", 10)),  # width
        (257, SHORT, 1, struct.pack("<H", 10)),  # height
        (258, SHORT, 1, struct.pack("<H", 8)),  # bits per sample
        (262, SHORT, 1, struct.pack("<H", 2)),  # RGB
        (277, long_, 1, struct.pack("<I", 303_169_682)),  # samples per pixel
        (273, long_, 1, struct.pack("<I", 8)),  # strip offset
        (279, long_, 1, struct.pack("<I", 300)),  # strip bytes
    ]
    path.write_bytes(_tiff_ifd(entries) + bytes(300))


def _save(
    fmt: str | None = None, mode: str = "RGB", size: tuple[int, int] = (160, 120)
) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        image = portrait(*size)
        if mode == "I;16":
            image = Image.fromarray(np.asarray(image.convert("L"), np.uint16) * 257)
        elif mode != "RGB":
            image = image.convert(mode)
        image.save(path, format=fmt)

    return build


def rgba(path: Path) -> None:
    image = portrait().convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    image.save(path)


def photo_builders() -> list[Case]:
    # one case, one row
    # fmt: off
    return [
        Case("exif_wrong_type.jpg", exif_wrong_type, "warning", says="broken metadata dropped",
             what="EXIF resolution stored as text"),
        Case("exif_truncated.jpg", exif_truncated, "warning", says="broken metadata dropped",
             what="EXIF block cut short"),
        Case("exif_no_x_resolution.jpg", exif_no_x_resolution, "written", what="EXIF with no XResolution"),
        Case("exif_zero_denominator.jpg", exif_zero_denominator, "written",
             what="EXIF resolution 72/0"),
        Case("cut.jpg", _cut("JPEG", 0.6), "error", says="truncated", what="JPEG cut at 60%"),
        Case("cut.png", _cut("PNG", 0.6), "error", says="truncated", what="PNG cut at 60%"),
        Case("empty.jpg", lambda p: p.write_bytes(b""), "error", says="empty file", what="0-byte photo"),
        Case("noise.png", lambda p: p.write_bytes(np.random.default_rng(2).bytes(2048)), "error",
             says="not a supported image", what="random bytes named .png"),
        Case("text.jpg", lambda p: p.write_text("not a picture\n"), "error", says="not a supported image",
             what="a text file named .jpg"),
        Case("targa.tga", _save(), "written", what="TGA (written back as TGA)"),
        Case("jpeg2000.jp2", _save(), "written", what="JPEG 2000"),
        Case("paintbrush.pcx", _save(), "written", what="PCX"),
        Case("silicon.sgi", _save(), "written", what="SGI"),
        Case("portable.ppm", _save(), "written", what="PPM"),
        Case("favicon.ico", _save(size=(64, 64)), "written", output="favicon.png",
             what="ICO (Pillow cannot write it faithfully: PNG)"),
        Case("no_extension", _save("PNG"), "written", output="no_extension.png",
             what="a PNG with no extension (found by its first bytes)"),
        Case("grey16.png", _save(mode="I;16"), "written", what="16-bit greyscale"),
        Case("cmyk.jpg", _save(mode="CMYK"), "written", what="CMYK JPEG"),
        Case("palette.png", _save(mode="P"), "written", what="palette PNG"),
        Case("alpha.png", rgba, "written", what="RGBA with a gradient alpha (kept)"),
        Case("tiny.png", _save(size=(1, 1)), "written", what="1x1 pixel"),
        Case("huge.png", _save(size=(6000, 4000)), "error", says="too large",
             what=f"24 MP photo, over --max-pixels {MAX_PIXELS:,}"),
        Case("noisy.tif", noisy_tiff, "written", what="TIFF with unknown private tags (libtiff warns)"),
        Case("corrupt_strip.tif", corrupt_tiff, "error", says="cannot decode image",
             what="TIFF with a damaged deflate strip (libtiff prints errors)"),
        Case("samples_bomb.tif", samples_bomb_tiff, "error", says="not a supported image",
             what="TIFF declaring 303,169,682 samples a pixel (Pillow logs a line)"),
        Case("animated.png", apng, "written", frames=4, what="APNG, 4 frames (tracked like video)"),
        Case("animated.webp", animated_webp, "written", frames=4, what="animated WebP, 4 frames"),
        Case("pages.tif", multipage_tiff, "written", frames=3, what="3-page TIFF, pages of different sizes"),
        Case("stereo.jpg", mpo, "written", frames=2, what="multi-picture JPEG (MPO), 2 frames"),
        Case("two_pages.dcx", dcx, "error", says="cannot be written",
             what="2-page DCX: Pillow reads it but cannot write it"),
    ]
    # fmt: on


def other_builders() -> list[Case]:
    # one case, one row
    # fmt: off
    return [
        Case("notes.txt", lambda p: p.write_text("hello\n"), "skipped", says="not an image or video",
             what="a text file"),
        Case("blob.bin", lambda p: p.write_bytes(np.random.default_rng(3).bytes(1000)), "skipped",
             says="not an image or video", what="random bytes, unknown extension"),
        Case(".hidden.jpg", _save(), "skipped", says="hidden file", what="a hidden file"),
        Case("old_anonymized.jpg", _save(), "skipped", says="a previous veil output",
             what="a previous run's output"),
    ]
    # fmt: on


CASES: list[Case] = [*video_builders(), *headerless_builders(), *photo_builders(), *other_builders()]


def build_corpus(folder: Path) -> list[Case]:
    """Write every case's file into ``folder``; returns the cases built."""
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        case.build(folder / case.name)
    return CASES
