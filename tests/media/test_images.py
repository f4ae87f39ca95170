"""Photos round-trip in every format; orientation, alpha and metadata are handled; bad files fail clearly."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from veil.errors import MediaError
from veil.media.images import IMAGE_EXTENSIONS, Photo, holds_jpeg_stream, read_photo, write_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112
ARTIST = 0x013B


def gradient(width: int = 64, height: int = 48) -> np.ndarray:
    ys, xs = np.mgrid[:height, :width]
    return np.dstack([xs * 4 % 256, ys * 5 % 256, (xs + ys) % 256]).astype(np.uint8)


@pytest.mark.parametrize("extension", sorted(IMAGE_EXTENSIONS))
def test_every_format_round_trips(tmp_path, extension):
    pixels = gradient()
    path = tmp_path / f"photo{extension}"
    write_photo(path, Photo(pixels))
    back = read_photo(path)
    assert back.pixels.shape == pixels.shape
    error = np.abs(back.pixels.astype(int) - pixels).mean()
    lossy = IMAGE_EXTENSIONS[extension] in ("JPEG", "WEBP", "AVIF")
    assert error < (6 if lossy else 1e-9), f"{extension}: mean error {error}"
    assert sorted(tmp_path.iterdir()) == [path], "temporary file left behind"


def _jpeg_with_exif(path: Path, orientation: int = 1) -> np.ndarray:
    rgb = gradient(60, 40)[..., ::-1]
    image = Image.fromarray(np.ascontiguousarray(rgb))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[ARTIST] = "Jane Doe"
    exif.get_ifd(GPS_IFD)[2] = (51.0, 30.0, 0.0)  # latitude
    image.save(path, exif=exif.tobytes(), quality=95)
    return rgb


def test_exif_orientation_is_applied(tmp_path):
    path = tmp_path / "rotated.jpg"
    _jpeg_with_exif(path, orientation=6)  # "rotate 90 CW to display"
    photo = read_photo(path)
    assert (photo.width, photo.height) == (40, 60)
    out = tmp_path / "out.jpg"
    write_photo(out, photo, keep_metadata=True)
    with Image.open(out) as written:
        assert written.size == (40, 60)
        assert written.getexif().get(ORIENTATION, 1) == 1  # pixels are upright now


def test_metadata_is_stripped_by_default_and_kept_on_request(tmp_path):
    path = tmp_path / "gps.jpg"
    _jpeg_with_exif(path)
    photo = read_photo(path)
    stripped, kept = tmp_path / "stripped.jpg", tmp_path / "kept.jpg"
    write_photo(stripped, photo)
    write_photo(kept, photo, keep_metadata=True)
    with Image.open(stripped) as image:
        exif = image.getexif()
        assert ARTIST not in exif and not exif.get_ifd(GPS_IFD)
    with Image.open(kept) as image:
        exif = image.getexif()
        assert exif[ARTIST] == "Jane Doe"
        assert exif.get_ifd(GPS_IFD)


def test_icc_profile_is_kept(tmp_path):
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = tmp_path / "icc.png"
    Image.fromarray(gradient()).save(path, icc_profile=profile)
    out = tmp_path / "out.png"
    write_photo(out, read_photo(path))
    with Image.open(out) as image:
        assert image.info.get("icc_profile") == profile


def test_alpha_and_grey_are_preserved(tmp_path):
    rgba = np.dstack([gradient(), np.tile(np.arange(64, dtype=np.uint8) * 4, (48, 1))])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    photo = read_photo(tmp_path / "alpha.png")
    assert photo.alpha is not None
    write_photo(tmp_path / "alpha_out.png", photo)
    with Image.open(tmp_path / "alpha_out.png") as image:
        assert image.mode == "RGBA"
        assert np.array_equal(np.asarray(image)[..., 3], rgba[..., 3])

    Image.fromarray(gradient()[..., 0], "L").save(tmp_path / "grey.png")
    write_photo(tmp_path / "grey_out.png", read_photo(tmp_path / "grey.png"))
    with Image.open(tmp_path / "grey_out.png") as image:
        assert image.mode == "L"


def test_sixteen_bit_png_is_read(tmp_path):
    deep = (np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    photo = read_photo(tmp_path / "deep.png")
    assert photo.pixels.dtype == np.uint8 and photo.pixels.max() > 200


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"this is not an image at all", "not a supported image"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, content, reason):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(MediaError, match=reason):
        read_photo(path)


def test_truncated_jpeg(tmp_path):
    whole = tmp_path / "whole.jpg"
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (400, 400, 3), dtype=np.uint8)).save(whole)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(MediaError, match="truncated"):
        read_photo(truncated)


def test_missing_file_and_huge_image(tmp_path):
    with pytest.raises(MediaError, match="no such file"):
        read_photo(tmp_path / "nope.png")
    Image.fromarray(gradient()).save(tmp_path / "big.png")
    with pytest.raises(MediaError, match="too large"):
        read_photo(tmp_path / "big.png", max_pixels=1000)


def test_multi_frame_tiff_is_refused_not_truncated(tmp_path):
    frames = [Image.fromarray(gradient()), Image.fromarray(gradient()[::-1].copy())]
    frames[0].save(tmp_path / "pages.tif", save_all=True, append_images=frames[1:])
    with pytest.raises(MediaError, match="2 frames"):
        read_photo(tmp_path / "pages.tif")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_unwritable_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(MediaError, match="cannot write"):
            write_photo(folder / "out.png", Photo(gradient()))
    finally:
        folder.chmod(0o700)


def test_write_failure_leaves_no_partial_file(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    target.write_bytes(b"previous output")

    def broken_save(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(MediaError, match="No space left"):
        write_photo(target, Photo(gradient()))
    assert target.read_bytes() == b"previous output"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]


def test_unsupported_output_extension(tmp_path):
    with pytest.raises(MediaError, match="unsupported output format"):
        write_photo(tmp_path / "out.xyz", Photo(gradient()))


def test_output_under_a_file_fails_clearly(tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder")
    with pytest.raises(MediaError, match="cannot write"):
        write_photo(blocker / "out.png", Photo(gradient()))


def _jpeg_bytes(progressive: bool = False) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(gradient(80, 60)).save(buffer, "JPEG", progressive=progressive, quality=90)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "stream"),
    [
        (lambda: _jpeg_bytes(), False),
        (lambda: _jpeg_bytes(progressive=True), False),
        (lambda: _jpeg_bytes() + b"\0\0\0\x18ftypmp42" + bytes(200), False),  # a motion photo's MP4 trailer
        (lambda: _jpeg_bytes() + _jpeg_bytes(), True),
        (lambda: _jpeg_bytes(progressive=True) + _jpeg_bytes() + _jpeg_bytes(), True),
    ],
    ids=["baseline", "progressive", "motion-photo-trailer", "two-frames", "three-frames"],
)
def test_a_motion_jpeg_stream_is_told_from_a_photo(tmp_path, content, stream):
    path = tmp_path / "picture.jpg"
    path.write_bytes(content())
    assert holds_jpeg_stream(path) is stream
    if stream:
        with pytest.raises(MediaError, match="motion-JPEG stream"):
            read_photo(path)
    else:
        assert read_photo(path).pixels.shape == (60, 80, 3)
