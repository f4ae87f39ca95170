"""Utility of anonymised faces, on the shipped portraits."""

from __future__ import annotations

from tests.evaluation.test_datasets import coco_of_portraits
from veil.detection import load_detector
from veil.evaluation import load_detection_dataset
from veil.evaluation.utility import evaluate_utility
from veil.filters import make_filter


def test_solid_hides_from_the_detector_and_a_light_blur_does_not(tmp_path):
    items, _ = load_detection_dataset(coco_of_portraits(tmp_path))
    filters = {"light blur": make_filter("blur", strength=0.05), "solid": make_filter("solid")}
    result = evaluate_utility(items, filters, load_detector("centerface"))
    assert result["faces"] == 2
    light, solid = result["filters"]["light blur"], result["filters"]["solid"]
    assert light["detected_before"] == 1.0 and light["detected_after"] == 1.0
    assert light["landmark_error"] < 0.05  # landmarks barely move
    assert solid["detected_after"] < 1.0


def test_filters_get_the_landmarks_found_on_the_clean_face():
    import numpy as np

    from veil.evaluation.utility import with_landmarks
    from veil.faces import Faces

    truth = np.array([[10, 10, 50, 60], [100, 100, 140, 150]], np.float32)
    points = np.arange(10, dtype=np.float32).reshape(1, 5, 2)
    found = Faces([[11, 11, 50, 60]], [0.9], points)
    faces = with_landmarks(truth, found, np.array([0, -1]))
    assert np.array_equal(faces.landmarks[0], points[0])
    assert np.isnan(faces.landmarks[1]).all()  # the filter estimates these from the box


def test_eval_utility_command_compares_the_drawn_face_with_a_solid_fill(tmp_path):
    import json

    from tests.conftest import run_cli

    out = tmp_path / "utility.json"
    dataset = coco_of_portraits(tmp_path)
    code, printed = run_cli(
        "eval", "utility", "--dataset", str(dataset), "--filter", "face", "--filter", "solid",
        "--detector", "centerface", "--out", str(out), "-q",
    )  # fmt: skip
    assert code == 0, printed
    result = json.loads(out.read_text())["filters"]
    assert result["face"]["still_detected"] == 1.0
    assert result["solid"]["still_detected"] < 1.0
    assert result["face"]["landmark_error"] < 0.1
