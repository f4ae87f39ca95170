"""Reading and writing photos with Pillow: EXIF orientation, alpha, metadata, atomic writes."""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from veil.errors import MediaError, require_input_file
from veil.files import atomic_output
from veil.media.jpeg_stream import holds_jpeg_stream

IMAGE_EXTENSIONS = {
    **dict.fromkeys((".jpg", ".jpeg", ".jpe", ".jfif"), "JPEG"),
    **dict.fromkeys((".png", ".apng"), "PNG"),
    ".webp": "WEBP",
    **dict.fromkeys((".bmp", ".dib"), "BMP"),
    **dict.fromkeys((".tif", ".tiff"), "TIFF"),
    **dict.fromkeys((".tga", ".icb", ".vda", ".vst"), "TGA"),
    **dict.fromkeys((".ppm", ".pgm", ".pbm", ".pnm"), "PPM"),
    **dict.fromkeys((".jp2", ".j2k", ".jpx", ".jpf", ".j2c", ".jpc"), "JPEG2000"),
    ".pcx": "PCX",
    **dict.fromkeys((".sgi", ".rgb", ".rgba", ".bw"), "SGI"),
    ".qoi": "QOI",
    ".avif": "AVIF",
    ".dds": "DDS",
}
"""Photo formats written back as they came (each round-trips an RGB picture through Pillow).

Any other format Pillow decodes (ICO, PSD, XPM, ...) is read and written as PNG."""

NOT_PHOTOS = frozenset({"BUFR", "GRIB", "HDF5", "WMF", "EPS", "MPEG", "GIF"})
"""Formats Pillow identifies but veil does not read as photos: stubs with no decoder,
PostScript (needs Ghostscript), and GIF and MPEG, which veil reads as video."""

_ALPHA_FORMATS = frozenset({"PNG", "WEBP", "TIFF", "TGA", "QOI", "AVIF", "JPEG2000"})
_ANIMATED_FORMATS = frozenset({"PNG", "WEBP", "AVIF"})
"""Multi-frame formats whose frames are moments of one scene (tracked like video);
other multi-frame files (TIFF, MPO) hold independent pages."""
_SAVE_ALL_FORMATS = frozenset({"PNG", "WEBP", "TIFF", "AVIF", "MPO"})

MJPEG_AS_PHOTO = "a motion-JPEG stream of several frames, not one photo: name it .mjpeg to hide every frame"

DEFAULT_MAX_PIXELS = 178_956_970
"""Largest image accepted by default (Pillow's own decompression-bomb limit)."""

_ORIENTATION_TAG = 0x0112


@dataclass
class Photo:
    """A decoded photo: BGR pixels upright, plus what is needed to write it back faithfully.

    Attributes:
        pixels: ``(H, W, 3)`` BGR uint8, EXIF orientation already applied.
        alpha: ``(H, W)`` uint8 transparency, or ``None``; never filtered.
        mode: the Pillow mode of the source (``"L"`` sources are written grey).
        icc_profile: colour profile bytes; always kept (it is not personal data).
        metadata: EXIF (orientation reset), XMP and text chunks; written only on request.
        warnings: what was wrong but did not stop reading (broken metadata dropped).
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    mode: str = "RGB"
    icc_profile: bytes | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    def with_pixels(self, pixels: np.ndarray) -> Photo:
        return replace(self, pixels=pixels)


def image_format(path: Path) -> str | None:
    """The Pillow format veil writes for ``path``'s extension, else ``None``."""
    return IMAGE_EXTENSIONS.get(path.suffix.lower())


@lru_cache(maxsize=1)
def readable_extensions() -> frozenset[str]:
    """Extensions of every format Pillow decodes that veil reads as a photo."""
    Image.init()
    return frozenset(
        ext
        for ext, fmt in Image.registered_extensions().items()
        if fmt in Image.OPEN and fmt not in NOT_PHOTOS
    )


def is_photo(path: Path, sniff: bool = True) -> bool:
    """Whether ``path`` is a photo veil reads: by extension, else (``sniff``) by its first bytes.

    A file named ``.tga`` or ``.psd`` counts without being opened; a file with
    no or an unknown extension counts when Pillow recognises its header.
    """
    if path.suffix.lower() in readable_extensions():
        return True
    if not sniff:
        return False
    try:
        with _quiet_pillow(), Image.open(path) as opened:
            return opened.format not in NOT_PHOTOS
    except Exception:  # anything Pillow cannot identify is not a photo
        return False


def photo_output_suffix(source: Path) -> str:
    """The extension a photo is written with: its own where veil writes that format, else ``.png``."""
    return source.suffix if image_format(source) else ".png"


@dataclass
class Pages:
    """A multi-frame image: an animation (APNG, animated WebP) or a document of pages (TIFF, MPO).

    Attributes:
        format: the Pillow format read (``"MPO"`` for a multi-picture JPEG).
        pages: one `Photo` per frame, composited as displayed.
        durations: each frame's display time in milliseconds (animations).
        loop: how often an animation repeats (0: forever), when it says.
        animated: frames are moments of one scene, so faces are tracked across them.
    """

    format: str
    pages: list[Photo]
    durations: list[float]
    loop: int | None
    animated: bool


def read_photo(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo:
    """Decode a single-frame photo fully (so truncation is caught here, not half-way through writing).

    Raises:
        MediaError: missing, unreadable, empty, not an image, truncated, larger
            than ``max_pixels``, or several frames (see `read_image`).
    """
    image = read_image(path, max_pixels)
    if isinstance(image, Pages):
        raise MediaError(path, f"has {len(image.pages)} frames; read it with read_image")
    return image


def read_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo | Pages:
    """Decode a photo, or every frame of a multi-frame image (all frames count against ``max_pixels``).

    Broken metadata (a mistyped or truncated EXIF block) does not stop a
    photo whose pixels decode: it is dropped, and `Photo.warnings` says so.

    Raises:
        MediaError: missing, unreadable, empty, not an image, truncated or too large.
    """
    path = Path(path)
    require_input_file(path)
    try:
        with _quiet_pillow(), Image.open(path) as opened:
            frames = 1 if opened.format == "PSD" else int(getattr(opened, "n_frames", 1))
            pixels = opened.width * opened.height * frames
            if pixels > max_pixels:
                size = f"{opened.width}x{opened.height}" + (f" x {frames} frames" if frames > 1 else "")
                raise MediaError(
                    path, f"too large ({size} = {pixels / 1e6:.0f} MP; limit {max_pixels / 1e6:.0f} MP)"
                )
            if frames == 1 and opened.format == "JPEG" and holds_jpeg_stream(path):
                raise MediaError(path, MJPEG_AS_PHOTO)
            if frames == 1:
                opened.load()
                return photo_from_pil(opened)
            return _read_pages(opened, frames)
    except MediaError:
        raise
    except Image.DecompressionBombError:
        raise MediaError(path, f"too large (over {max_pixels / 1e6:.0f} MP)") from None
    except UnidentifiedImageError:
        raise MediaError(path, "not a supported image (unknown or corrupt format)") from None
    except PermissionError:
        raise MediaError(path, "permission denied") from None
    except IsADirectoryError:
        raise MediaError(path, "is a directory") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason:
            reason = "truncated or corrupt image data"
        raise MediaError(path, f"cannot decode image ({reason})") from None


def _read_pages(opened: Image.Image, frames: int) -> Pages:
    pages, durations = [], []
    for index in range(frames):
        opened.seek(index)
        opened.load()
        pages.append(photo_from_pil(opened.copy() if opened.format != "MPO" else opened.convert("RGB")))
        durations.append(float(opened.info.get("duration", 0) or 0))
    loop = opened.info.get("loop")
    fmt = str(opened.format)
    return Pages(fmt, pages, durations, None if loop is None else int(loop), fmt in _ANIMATED_FORMATS)


@contextlib.contextmanager
def _quiet_pillow() -> Iterator[list[warnings.WarningMessage]]:
    """Pillow's own warnings, caught (they become `Photo.warnings` where they matter)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield caught


def photo_from_pil(image: Image.Image) -> Photo:
    """A decoded Pillow image as a `Photo`: upright (EXIF orientation applied), BGR, alpha apart."""
    icc = image.info.get("icc_profile")
    problems: list[str] = []
    with _quiet_pillow() as caught:
        try:
            upright = ImageOps.exif_transpose(image) or image
        except Exception as exc:  # a broken EXIF block: keep the pixels as stored
            upright = image
            problems.append(f"orientation unreadable ({_describe(exc)})")
        try:
            metadata = _collect_metadata(upright)
        except Exception as exc:
            metadata = {}
            problems.append(_describe(exc))
    problems += [str(message.message) for message in caught]
    warnings_ = [f"broken metadata dropped ({'; '.join(problems)})"] if problems else []
    if problems:
        metadata = {}
    mode = upright.mode
    alpha = None
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16/32-bit grey: scale to 8 bits for processing and writing.
        array = np.nan_to_num(np.asarray(upright, dtype=np.float64))
        peak = 65535.0 if array.max(initial=0) > 255 else 255.0
        upright = Image.fromarray(np.clip(array * 255.0 / peak, 0, 255).astype(np.uint8), "L")
        mode = "L"
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        rgba = upright.convert("RGBA")
        alpha = np.asarray(rgba)[..., 3].copy()
        rgb = np.asarray(rgba)[..., :3]
    else:
        rgb = np.asarray(upright.convert("RGB"))
    pixels = np.ascontiguousarray(rgb[..., ::-1])
    return Photo(
        pixels=pixels, alpha=alpha, mode=mode, icc_profile=icc, metadata=metadata, warnings=warnings_
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _positive(value: object) -> bool:
    return isinstance(value, numbers.Real) and float(value) > 0


def _collect_metadata(image: Image.Image) -> dict[str, Any]:
    """Everything that may identify a person or place, kept only with --keep-metadata."""
    metadata: dict[str, Any] = {}
    exif = image.getexif()
    if exif:
        exif.pop(_ORIENTATION_TAG, None)  # pixels are written upright
        metadata["exif"] = exif.tobytes()
    for key in ("xmp", "XML:com.adobe.xmp", "comment", "dpi"):
        if key in image.info:
            metadata[key] = image.info[key]
    dpi = metadata.get("dpi")
    if dpi is not None and not (isinstance(dpi, tuple) and len(dpi) == 2 and all(map(_positive, dpi))):
        raise ValueError(f"resolution {dpi!r} is not two positive numbers")
    text = getattr(image, "text", None)
    if isinstance(text, dict) and text:
        metadata["text"] = {k: v for k, v in text.items() if k != "XML:com.adobe.xmp"}
    return metadata


def write_photo(path: str | Path, photo: Photo, keep_metadata: bool = False, quality: int = 95) -> None:
    """Write atomically (see `veil.files.atomic_output`); strip metadata by default.

    The format follows the output extension. The ICC profile is always kept so
    colours stay right; EXIF (GPS, camera serial, timestamps), XMP and comments
    are only written with ``keep_metadata``.
    """
    write_image(path, photo, keep_metadata, quality)


def write_image(
    path: str | Path, image: Photo | Pages, keep_metadata: bool = False, quality: int = 95
) -> None:
    """Write a photo, or every frame of a multi-frame image, atomically in ``path``'s format.

    Raises:
        MediaError: the extension is not one veil writes, or the format holds only one frame.
    """
    path = Path(path)
    fmt = image_format(path)
    if fmt is None:
        raise MediaError(
            path, f"cannot write {path.suffix or 'files without an extension'}: unsupported output format"
        )
    first = image.pages[0] if isinstance(image, Pages) else image
    options = _save_options(fmt, first, keep_metadata, quality)
    if isinstance(image, Pages):
        if image.format == "MPO" and fmt == "JPEG":
            fmt = "MPO"  # a multi-picture JPEG stays one
        if fmt not in _SAVE_ALL_FORMATS or (fmt in _ANIMATED_FORMATS and not image.animated):
            # (an animation can hold pages only by pretending they are frames in time)
            raise MediaError(
                path,
                f"its {len(image.pages)} {'frames' if image.animated else 'pages'} cannot be written "
                f"as {fmt} (Pillow cannot write {image.format} with several; convert it to TIFF first)",
            )
        options.update(save_all=True, append_images=[_to_pillow(page, fmt) for page in image.pages[1:]])
        if image.animated and any(image.durations):
            options["duration"] = [max(1, round(d)) for d in image.durations]
        if image.loop is not None and fmt in ("PNG", "WEBP", "AVIF"):
            options["loop"] = image.loop
    with atomic_output(path) as temp:
        _to_pillow(first, fmt).save(temp, format=fmt, **options)


def _to_pillow(photo: Photo, fmt: str) -> Image.Image:
    rgb = np.ascontiguousarray(photo.pixels[..., ::-1])
    if photo.alpha is not None and fmt in _ALPHA_FORMATS:
        return Image.fromarray(np.dstack([rgb, photo.alpha]), "RGBA")
    image = Image.fromarray(rgb, "RGB")
    if photo.mode == "L":
        image = image.convert("L")
    return image


def _save_options(fmt: str, photo: Photo, keep_metadata: bool, quality: int) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if photo.icc_profile:
        options["icc_profile"] = photo.icc_profile
    if fmt in ("JPEG", "WEBP", "AVIF"):
        options["quality"] = quality
    if fmt == "TIFF":
        options["compression"] = "tiff_deflate"
    if "dpi" in photo.metadata and fmt in ("JPEG", "PNG", "TIFF"):
        options["dpi"] = photo.metadata["dpi"]
    if not keep_metadata:
        return options
    meta = photo.metadata
    if "exif" in meta and fmt in ("JPEG", "PNG", "WEBP", "TIFF"):
        options["exif"] = meta["exif"]
    xmp = meta.get("xmp") or meta.get("XML:com.adobe.xmp")
    if xmp and fmt in ("JPEG", "WEBP", "PNG"):
        options["xmp"] = xmp if isinstance(xmp, bytes) else str(xmp).encode()
    if "comment" in meta and fmt == "JPEG":
        options["comment"] = meta["comment"]
    if fmt == "PNG" and meta.get("text"):
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        for key, value in meta["text"].items():
            info.add_text(str(key), str(value))
        options["pnginfo"] = info
    return options
