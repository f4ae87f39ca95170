"""Reading and writing photos with Pillow: EXIF orientation, alpha, metadata, atomic writes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from veil.errors import MediaError, require_input_file
from veil.files import atomic_output

IMAGE_EXTENSIONS = {
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".jpe": "JPEG",
    ".png": "PNG",
    ".webp": "WEBP",
    ".bmp": "BMP",
    ".tif": "TIFF",
    ".tiff": "TIFF",
}
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
    """

    pixels: np.ndarray
    alpha: np.ndarray | None = None
    mode: str = "RGB"
    icc_profile: bytes | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    def with_pixels(self, pixels: np.ndarray) -> Photo:
        return replace(self, pixels=pixels)


def image_format(path: Path) -> str | None:
    """Pillow format name for a supported extension, else ``None``."""
    return IMAGE_EXTENSIONS.get(path.suffix.lower())


def read_photo(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> Photo:
    """Decode a photo fully (so truncation is caught here, not half-way through writing).

    Raises:
        MediaError: missing, unreadable, empty, not an image, truncated, multi-frame
            or larger than ``max_pixels``.
    """
    path = Path(path)
    require_input_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                if opened.width * opened.height > max_pixels:
                    raise MediaError(
                        path,
                        f"too large ({opened.width}x{opened.height} = "
                        f"{opened.width * opened.height / 1e6:.0f} MP; limit {max_pixels / 1e6:.0f} MP)",
                    )
                frames = int(getattr(opened, "n_frames", 1))
                if frames > 1:
                    raise MediaError(path, f"has {frames} frames; multi-frame images are not supported yet")
                opened.load()
                return _to_photo(opened)
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
    except (OSError, SyntaxError, ValueError) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason:
            reason = "truncated or corrupt image data"
        raise MediaError(path, f"cannot decode image ({reason})") from None


def _to_photo(image: Image.Image) -> Photo:
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image) or image
    metadata = _collect_metadata(upright)
    mode = upright.mode
    alpha = None
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit grey: scale to 8 bits for processing and writing.
        array = np.asarray(upright, dtype=np.float64)
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
    return Photo(pixels=pixels, alpha=alpha, mode=mode, icc_profile=icc, metadata=metadata)


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
    path = Path(path)
    fmt = image_format(path)
    if fmt is None:
        raise MediaError(
            path, f"cannot write {path.suffix or 'files without an extension'}: unsupported output format"
        )
    image = _to_pillow(photo, fmt)
    options = _save_options(fmt, photo, keep_metadata, quality)
    with atomic_output(path) as temp:
        image.save(temp, format=fmt, **options)


def _to_pillow(photo: Photo, fmt: str) -> Image.Image:
    rgb = np.ascontiguousarray(photo.pixels[..., ::-1])
    if photo.alpha is not None and fmt in ("PNG", "WEBP", "TIFF"):
        return Image.fromarray(np.dstack([rgb, photo.alpha]), "RGBA")
    image = Image.fromarray(rgb, "RGB")
    if photo.mode == "L":
        image = image.convert("L")
    return image


def _save_options(fmt: str, photo: Photo, keep_metadata: bool, quality: int) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if photo.icc_profile:
        options["icc_profile"] = photo.icc_profile
    if fmt in ("JPEG", "WEBP"):
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
