"""Track-guided zoom: windows around expected faces, magnified, batched."""

from __future__ import annotations

import cv2
import numpy as np

from tests.conftest import PORTRAIT_FACES
from veil.detection import load_detector
from veil.detection.zoom import ZoomDetector, zoom_windows


def small_face_scene(newton: np.ndarray, face_px: int) -> tuple[np.ndarray, np.ndarray]:
    """Newton's portrait shrunk so his face is ``face_px`` wide, on a large grey canvas; and the face box."""
    x1, y1, x2, y2 = PORTRAIT_FACES["newton.png"]
    factor = face_px / (x2 - x1)
    small = cv2.resize(newton, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    canvas = np.full((720, 1280, 3), 128, np.uint8)
    top, left = 300, 600
    canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
    box = np.array([x1, y1, x2, y2], np.float64) * factor + [left, top, left, top]
    return canvas, box


def test_windows_are_squares_inside_the_frame():
    boxes = np.array([[100, 100, 120, 130], [630, 470, 640, 480], [0, 0, 600, 300]])
    windows = zoom_windows(boxes, 640, 480)
    sides = windows[:, 2:] - windows[:, :2]
    assert (sides[:, 0] == sides[:, 1]).all()
    assert (windows[:, :2] >= 0).all() and (windows[:, 2] <= 640).all() and (windows[:, 3] <= 480).all()
    assert sides[0, 0] == 90  # three face sizes around a 30 px face
    assert sides[2, 0] == 480  # never larger than the frame


def test_zoom_finds_a_tiny_face_the_full_frame_pass_misses(newton):
    frame, box = small_face_scene(newton, face_px=8)
    assert len(load_detector("centerface", 0.5).detect(frame)) == 0
    expected = box + np.array([3, -2, 3, -2])  # where a track would predict it: a few pixels off
    faces = ZoomDetector(load_detector("centerface", 0.5)).detect_around(frame, expected[None])
    assert len(faces) == 1 and faces.score[0] > 0.7
    found = faces.xyxy[0]
    centre, truth = (found[:2] + found[2:]) / 2, (box[:2] + box[2:]) / 2
    assert np.abs(centre - truth).max() < 2, (found, box)


def test_batched_windows_match_one_by_one(newton, gauss):
    detector = load_detector("centerface", 0.3)
    crops = [cv2.resize(image, (160, 160)) for image in (newton, gauss)]
    batched = detector.detect_batch(crops)
    for crop, faces in zip(crops, batched, strict=True):
        alone = detector.detect(crop)
        assert len(faces) == len(alone) >= 1
        np.testing.assert_allclose(faces.xyxy, alone.xyxy, atol=0.5)


def test_no_expected_faces_costs_nothing(newton):
    faces = ZoomDetector(load_detector("centerface")).detect_around(newton, np.zeros((0, 4)))
    assert len(faces) == 0
