"""The video recipe: scan, sweep (a tile per frame) and zoom, each face labelled with its pass."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.detection.test_zoom import small_face_scene
from veil.detection.fusion import Member
from veil.detection.profiles import PROFILES
from veil.detection.registry import load_detector
from veil.detection.video import Sweep, VideoRecipe, VideoSearch, tile_grid


@pytest.mark.parametrize(("width", "height", "tiles"), [(1920, 1080, 3), (640, 360, 8), (826, 540, 6)])
def test_tiles_cover_every_pixel(width, height, tiles):
    covered = np.zeros((height, width), bool)
    grid = tile_grid(width, height, tiles, 24)
    assert len(grid) == tiles
    for x1, y1, x2, y2 in grid:
        covered[y1:y2, x1:x2] = True
    assert covered.all()


def test_sweep_tile_count_follows_the_pixel_share():
    sweep = Sweep(load_detector("centerface"), scale=2.0, share=0.5, max_side=2048)
    assert sweep.tiles(640, 360) == 8  # 4x the pixels at half a frame's worth per frame
    assert sweep.tiles(1920, 1080) == 3  # upscaling capped at 2048 px: 1.07x


def test_sweep_finds_a_small_face_within_one_round(solvay):
    frame = cv2.resize(solvay, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)  # ~12 px faces
    sweep = Sweep(load_detector("centerface", 0.3), scale=2.0, share=0.5, max_side=4096)
    tiles = sweep.tiles(frame.shape[1], frame.shape[0])
    per_frame = [sweep.detect(i, frame) for i in range(tiles)]
    whole = load_detector("centerface", 0.3, scale=2.0).detect(frame)
    found = sum(len(f) for f in per_frame)
    assert found >= 0.85 * len(whole) >= 15
    assert all(len(f) < len(whole) for f in per_frame)  # each frame searched only a part


def test_search_labels_each_face_with_its_pass(newton):
    frame, _ = small_face_scene(newton, face_px=60)
    recipe = VideoRecipe(scan=(Member("yunet", 1.0),), zoom=("centerface",))
    search = VideoSearch(recipe, threshold=0.3)
    first = search.detect(frame)
    assert first.found_by.tolist() == ["scan"]
    tiny, tiny_box = small_face_scene(newton, face_px=9)
    zoomed = search.detect(tiny, tiny_box[None])
    assert zoomed.found_by.tolist() == ["zoom"]


def test_profiles_name_their_video_recipes():
    labels = {name: profile.video.label for name, profile in PROFILES.items()}
    assert labels["fast"] == "scan centerface@1x<=1024px"
    assert "sweep yunet@2x" in labels["balanced"] and "zoom centerface" in labels["balanced"]
    assert "zoom centerface+yunet" in labels["thorough"]


def test_scan_every_other_frame_leaves_the_rest_to_the_sweep(newton):
    frame, _ = small_face_scene(newton, face_px=60)
    recipe = VideoRecipe(
        scan=(Member("yunet", 1.0),), scan_every=(2,), sweep=Member("yunet", 2.0), sweep_share=1.0
    )
    search = VideoSearch(recipe, threshold=0.3)
    found = [search.full_frame(frame, i) for i in range(4)]
    assert ["scan" in (f.found_by.tolist() if len(f) else []) for f in found] == [True, False, True, False]
    assert recipe.label.startswith("scan yunet@1x/2 + sweep")
