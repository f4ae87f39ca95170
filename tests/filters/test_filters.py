"""Filters change pixels inside the face mask and nothing outside it."""

from __future__ import annotations

import numpy as np
import pytest

from veil.faces import Faces
from veil.filters import MaskSpec, PixelateFilter, make_filter, parse_colour
from veil.filters.masks import mask_alpha, region_of

FACES = Faces([[40, 50, 100, 130], [200, 20, 260, 90]], [0.9, 0.8])


def union_alpha(faces: Faces, spec: MaskSpec, shape: tuple[int, int]) -> np.ndarray:
    alpha = np.zeros(shape, np.float32)
    for box in faces.xyxy:
        region = region_of(box, spec.scale, shape[1], shape[0])
        x1, y1, x2, y2 = region
        alpha[y1:y2, x1:x2] = np.maximum(alpha[y1:y2, x1:x2], mask_alpha(box, spec, region))
    return alpha


@pytest.mark.parametrize("name", ["blur", "pixelate", "solid", "landmark-blur", "face", "image"])
@pytest.mark.parametrize("shape", ["ellipse", "box"])
def test_changes_inside_only(name, shape, textured, tmp_path):
    spec = MaskSpec(shape=shape)
    overlay = np.full((20, 20, 4), (0, 200, 0, 255), np.uint8)
    flt = make_filter(name, mask=spec, image=_png(tmp_path, overlay) if name == "image" else None)
    out = flt.apply(textured, FACES)
    alpha = union_alpha(FACES, spec, textured.shape[:2])
    outside = alpha == 0
    assert np.array_equal(out[outside], textured[outside]), "pixels outside the mask changed"
    inside = alpha == 1
    changed = np.any(out[inside] != textured[inside], axis=-1).mean()
    assert changed > 0.9, f"only {changed:.0%} of the fully masked pixels changed"
    assert not np.shares_memory(out, textured)


def test_input_frame_is_not_modified(textured):
    before = textured.copy()
    make_filter("blur").apply(textured, FACES)
    assert np.array_equal(before, textured)


def test_face_centre_is_covered_with_default_mask():
    spec = MaskSpec()
    box = np.array([100, 100, 200, 220], np.float32)
    region = region_of(box, spec.scale, 400, 400)
    alpha = mask_alpha(box, spec, region)
    x1, y1 = region[:2]
    # The whole face box, not just its centre, is fully filtered under the default ellipse.
    ys, xs = np.mgrid[100:220, 100:200]
    inside_ellipse = ((xs + 0.5 - 150) / 50) ** 2 + ((ys + 0.5 - 160) / 60) ** 2 <= 1
    assert alpha[ys[inside_ellipse] - y1, xs[inside_ellipse] - x1].min() == 1.0


def test_feather_ramps_inside_the_mask():
    box = np.array([0, 0, 100, 100], np.float32)
    hard = mask_alpha(box, MaskSpec("box", 1.0, 0.0), (0, 0, 100, 100))
    soft = mask_alpha(box, MaskSpec("box", 1.0, 0.2), (0, 0, 100, 100))
    assert hard.min() == 1.0
    assert soft[50, 50] == 1.0 and 0 < soft[50, 1] < 1
    assert np.all(soft <= hard)


def test_mask_at_frame_border_stays_hard_at_the_border():
    box = np.array([-20, 10, 40, 70], np.float32)  # cut by the left edge
    region = region_of(box, 1.0, 200, 200)
    alpha = mask_alpha(box, MaskSpec("box", 1.0, 0.2), region)
    assert region[0] == 0
    assert alpha[30, 0] == 1.0


def test_strength_scales_with_face_size():
    pixelate = PixelateFilter()
    assert pixelate.block_size(400) == 10 * pixelate.block_size(40)


def test_blur_hides_detail_on_large_faces(textured):
    big = Faces([[0, 0, 300, 200]], [1.0])
    out = make_filter("blur", mask=MaskSpec("box", 1.0, 0.0)).apply(textured, big)
    # Noise averaged over a sigma of ~37 px leaves almost no variance.
    assert out.astype(float).std() < 0.1 * textured.astype(float).std()


def test_solid_colour_fills_exactly(textured):
    out = make_filter("solid", colour="#ff0000", mask=MaskSpec("box", 1.0, 0.0)).apply(textured, FACES)
    assert out[90, 70].tolist() == [0, 0, 255]


def test_image_overlay_respects_alpha(textured, tmp_path):
    overlay = np.zeros((10, 10, 4), np.uint8)
    overlay[..., 1] = 255
    overlay[:, :5, 3] = 255  # left half opaque green, right half transparent
    flt = make_filter("image", image=_png(tmp_path, overlay), mask=MaskSpec("box", 1.0, 0.0))
    out = flt.apply(textured, Faces([[0, 0, 200, 200]], [1.0]))
    assert out[100, 40].tolist() == [0, 255, 0]
    # Under the transparent half the face is still hidden (blurred), not shown as is.
    assert not np.array_equal(out[:, 120:190], textured[:, 120:190])
    assert out[:, 120:190].astype(float).std() < 0.2 * textured.astype(float).std()


def test_parse_colour_forms():
    assert parse_colour("white") == (255, 255, 255)
    assert parse_colour("#102030") == (0x30, 0x20, 0x10)
    assert parse_colour("1,2,3") == (3, 2, 1)
    with pytest.raises(ValueError):
        parse_colour("#12")
    with pytest.raises(ValueError):
        parse_colour("300,0,0")


def test_unknown_filter_and_missing_image():
    with pytest.raises(ValueError, match="unknown filter"):
        make_filter("smudge")
    with pytest.raises(ValueError, match="needs an image"):
        make_filter("image")
    with pytest.raises(ValueError):
        MaskSpec(shape="triangle")


def _png(tmp_path, rgba: np.ndarray) -> str:
    import cv2

    path = tmp_path / "overlay.png"
    cv2.imwrite(str(path), rgba)
    return str(path)
