"""Images as the Python ecosystem hands them over, to veil's BGR uint8 and back to the same type.

veil works on OpenCV's convention: ``(H, W, 3)`` BGR ``uint8``. People arrive
with PIL images, RGB arrays (Pillow, imageio, matplotlib, most deep-learning
loaders), greyscale or RGBA arrays, and float images in ``[0, 1]``
(scikit-image, tensors). `to_bgr` takes any of them and says what it was;
`restore` gives the result back in that same form. Greyscale stays grey and
transparency is kept, as the command line treats such files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from veil.media.images import Photo, photo_from_pil, read_photo

ColorOrder = Literal["bgr", "rgb"]
COLOR_ORDERS: tuple[ColorOrder, ...] = ("bgr", "rgb")
ACCEPTED = (
    "a numpy array (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), uint8 or float in [0, 1]; "
    "a PIL.Image.Image; or a path to a photo"
)


@dataclass(frozen=True)
class Given:
    """How an image arrived: enough to hand the result back in the same form.

    Attributes:
        kind: ``"array"``, ``"pil"`` or ``"path"`` (a path's result is a BGR array).
        color: the channel order of a colour array.
        shape: the array's shape (greyscale ``(H, W)`` or ``(H, W, 1)`` comes back so).
        dtype: the array's dtype (a float image comes back as floats in ``[0, 1]``).
        mode: the PIL image's mode (``RGB``, ``L``, ``RGBA``, ...).
    """

    kind: Literal["array", "pil", "path"]
    color: ColorOrder = "bgr"
    shape: tuple[int, ...] = ()
    dtype: Any = np.uint8
    mode: str = "RGB"


def to_bgr(image: object, color: str = "bgr") -> tuple[Photo, Given]:
    """``image`` as veil's `Photo` (BGR uint8 pixels, alpha apart), and how it was given.

    Raises:
        TypeError: not an array, a PIL image or a path, or an array of an unsupported dtype.
        ValueError: an unknown ``color``, an unsupported shape, or float values outside ``[0, 1]``.
    """
    if color not in COLOR_ORDERS:
        raise ValueError(f"color must be one of {', '.join(COLOR_ORDERS)}, not {color!r}")
    if isinstance(image, Image.Image):
        return photo_from_pil(image), Given("pil", mode=image.mode)
    if isinstance(image, str | Path):
        return read_photo(image), Given("path")
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be {ACCEPTED}; got {type(image).__name__}")
    given = Given("array", color, tuple(image.shape), image.dtype)
    pixels = _as_uint8(image)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim == 2:
        return Photo(np.repeat(pixels[..., None], 3, axis=2), mode="L"), given
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or 0 in pixels.shape[:2]:
        raise ValueError(f"image must be {ACCEPTED}; got an array of shape {image.shape}")
    alpha = np.ascontiguousarray(pixels[..., 3]) if pixels.shape[2] == 4 else None
    colour = pixels[..., :3] if color == "bgr" else pixels[..., 2::-1]
    mode = "RGBA" if alpha is not None else "RGB"
    return Photo(np.ascontiguousarray(colour), alpha=alpha, mode=mode), given


def restore(pixels: np.ndarray, photo: Photo, given: Given) -> Any:
    """The anonymised BGR ``pixels`` of ``photo`` in the form ``given`` (same type, mode, shape, dtype)."""
    if given.kind == "path":
        return pixels
    if given.kind == "pil":
        return _to_pil(pixels, photo.alpha, given.mode)
    if photo.mode == "L":  # grey as the command line writes it: Pillow's luma of the result
        out = np.asarray(Image.fromarray(np.ascontiguousarray(pixels[..., ::-1]), "RGB").convert("L"))
        out = out.reshape(given.shape)
    else:
        out = pixels if given.color == "bgr" else pixels[..., ::-1]
        if photo.alpha is not None:
            out = np.dstack([out, photo.alpha])
    out = np.ascontiguousarray(out)
    if np.issubdtype(given.dtype, np.floating):
        scaled: np.ndarray = out.astype(given.dtype)
        scaled /= 255  # in place: a 3000 px photo is 18 M values
        return scaled
    return out


def _as_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if np.issubdtype(image.dtype, np.floating):
        if image.size and not np.isfinite(image).all():
            raise ValueError("a float image must hold finite values in [0, 1]; it has NaN or infinity")
        low, high = (float(image.min()), float(image.max())) if image.size else (0.0, 0.0)
        if low < 0 or high > 1:
            raise ValueError(
                f"a float image must be in [0, 1] (scikit-image's convention); this one spans "
                f"{low:g} to {high:g}: pass uint8 pixels, or divide by 255 first"
            )
        return (image * 255 + 0.5).astype(np.uint8)  # round to nearest: the values are in [0, 255.5)
    raise TypeError(f"image must be {ACCEPTED}; got an array of dtype {image.dtype}")


def _to_pil(pixels: np.ndarray, alpha: np.ndarray | None, mode: str) -> Image.Image:
    rgb = np.ascontiguousarray(pixels[..., ::-1])
    if alpha is not None:
        image = Image.fromarray(np.dstack([rgb, alpha]), "RGBA")
        return image.convert("LA") if mode in ("L", "LA") else image
    image = Image.fromarray(rgb, "RGB")
    return image.convert("L") if mode in ("L", "1", "I;16", "I;16B", "I;16L", "I", "F") else image
