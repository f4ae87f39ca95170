"""The Python API takes the ecosystem's image types and hands back the type it was given."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

import veil
from tests.conftest import EXAMPLES, PORTRAIT_FACES, make_clip

NEWTON = EXAMPLES / "newton.png"
MAGENTA_BGR = (255, 0, 255)
ORANGE_RGB = (255, 128, 0)


def face_box(faces: veil.Faces) -> tuple[int, int, int, int]:
    assert len(faces) == 1, f"{len(faces)} faces found"
    return tuple(int(v) for v in faces.xyxy[0])  # type: ignore[return-value]


def inside(box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    x1, y1, x2, y2 = box
    cx, cy = (x1 + x2) // 2, (y1 + y2) // 2
    return slice(cy - 5, cy + 5), slice(cx - 5, cx + 5)


def close_to(found: veil.Faces, expected: tuple[int, int, int, int], slack: int = 20) -> bool:
    return all(abs(a - b) <= slack for a, b in zip(face_box(found), expected, strict=True))


def test_a_pil_image_comes_back_as_a_pil_image_of_the_same_mode():
    rgb = Image.open(NEWTON).convert("RGB")
    for mode in ("RGB", "L", "RGBA"):
        given = rgb.convert(mode)
        if mode == "RGBA":
            given.putalpha(Image.new("L", given.size, 200))
        hidden, faces = veil.anonymize(given, filter="solid")
        assert isinstance(hidden, Image.Image) and hidden.mode == mode and hidden.size == given.size
        assert close_to(faces, PORTRAIT_FACES["newton.png"]), mode
        rows, cols = inside(face_box(faces))
        array = np.asarray(hidden)
        colour = array[..., :3] if array.ndim == 3 else array
        assert colour[rows, cols].max() < 10, f"{mode}: the face is filled black"
        if mode == "RGBA":
            assert (np.asarray(hidden)[..., 3] == 200).all(), "transparency is kept"


def test_a_rotated_jpeg_is_turned_upright_as_the_command_line_does():
    upright = Image.open(NEWTON).convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # shown upright by orientation 6
    exif = Image.Exif()
    exif[0x0112] = 6
    data = io.BytesIO()
    stored.save(data, "JPEG", exif=exif, quality=95)
    hidden, faces = veil.anonymize(Image.open(io.BytesIO(data.getvalue())))
    assert hidden.size == upright.size, "the result is the picture as shown"
    assert close_to(faces, PORTRAIT_FACES["newton.png"], slack=25)
    assert 0x0112 not in hidden.getexif(), "no orientation (or other metadata) left to turn it again"


def test_an_rgb_array_keeps_its_colours():
    bgr = cv2.imread(str(NEWTON))
    rgb = np.ascontiguousarray(bgr[..., ::-1])
    hidden_bgr, faces_bgr = veil.anonymize(bgr, filter="solid", colour="#ff8000")
    hidden_rgb, faces_rgb = veil.anonymize(rgb, color="rgb", filter="solid", colour="#ff8000")
    assert np.array_equal(faces_bgr.xyxy, faces_rgb.xyxy), "detection sees the same picture"
    rows, cols = inside(face_box(faces_rgb))
    assert tuple(hidden_rgb[rows, cols].reshape(-1, 3)[0]) == ORANGE_RGB
    assert tuple(hidden_bgr[rows, cols].reshape(-1, 3)[0]) == ORANGE_RGB[::-1]
    assert np.array_equal(hidden_rgb, hidden_bgr[..., ::-1])


def test_the_drawn_face_comes_out_in_the_right_colours():
    bgr = cv2.imread(str(NEWTON))
    hidden_bgr, _ = veil.anonymize(bgr, filter="face")
    hidden_rgb, _ = veil.anonymize(np.ascontiguousarray(bgr[..., ::-1]), color="rgb", filter="face")
    assert np.array_equal(hidden_rgb[..., ::-1], hidden_bgr), "skin colour is matched the same way"


def test_grey_rgba_and_float_arrays():
    bgr = cv2.imread(str(NEWTON))
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    hidden, faces = veil.anonymize(grey)
    assert hidden.shape == grey.shape and hidden.dtype == np.uint8 and len(faces) == 1
    hidden, _ = veil.anonymize(grey[..., None])
    assert hidden.shape == (*grey.shape, 1)
    bgra = np.dstack([bgr, np.full(grey.shape, 77, np.uint8)])
    hidden, faces = veil.anonymize(bgra)
    assert hidden.shape == bgra.shape and (hidden[..., 3] == 77).all() and len(faces) == 1
    floats = bgr.astype(np.float32) / 255
    hidden, faces = veil.anonymize(floats)
    assert hidden.dtype == np.float32 and hidden.min() >= 0 and hidden.max() <= 1 and len(faces) == 1


@pytest.mark.parametrize(
    ("image", "error", "message"),
    [
        (np.zeros((40, 40, 3), np.float64) + 200, ValueError, r"\[0, 1\].*divide by 255"),
        (np.full((40, 40, 3), np.nan), ValueError, "NaN"),
        (np.zeros((40, 40, 3), np.uint16), TypeError, "dtype uint16"),
        (np.zeros((40, 40, 2), np.uint8), ValueError, r"shape \(40, 40, 2\)"),
        (np.zeros((3, 40, 40, 3), np.uint8), ValueError, "shape"),
        ([[0, 1], [2, 3]], TypeError, "got list"),
    ],
)
def test_what_cannot_be_taken_is_named(image, error, message):
    with pytest.raises(error, match=message):
        veil.anonymize(image)


def test_an_unknown_color_order_is_refused():
    with pytest.raises(ValueError, match="color must be one of bgr, rgb"):
        veil.anonymize(np.zeros((40, 40, 3), np.uint8), color="hsv")


def test_anonymize_frames_equals_the_file_path(tmp_path):
    clip = make_clip(tmp_path / "clip.mp4", frames=16, audio=None)
    anonymizer = veil.Anonymizer(profile="fast")
    seen: dict[int, tuple[np.ndarray, veil.Faces]] = {}
    anonymizer.process_video(
        clip,
        tmp_path / "out.mp4",
        observers=[lambda frame, r: seen.update({frame.index: (r.pixels, r.faces)})],
    )
    with veil.media.VideoReader(clip) as reader:
        frames = [Image.fromarray(frame.pixels[..., ::-1]) for frame in reader.frames()]
    results = list(anonymizer.anonymize_frames(frames, fps=10))
    assert len(results) == len(seen) == 16
    for index, (image, faces) in enumerate(results):
        pixels, expected = seen[index]
        assert isinstance(image, Image.Image)
        assert np.array_equal(np.asarray(image)[..., ::-1], pixels), f"frame {index}"
        assert np.array_equal(faces.xyxy, expected.xyxy) and np.array_equal(faces.track_id, expected.track_id)
    assert any(len(faces) for _, faces in results)
