"""The misses tool: crops of the faces a detector did not find, and miss rates by kind."""

from __future__ import annotations

import json

import cv2
import numpy as np

from tests.conftest import run_cli
from tests.evaluation.test_datasets import coco_of_portraits
from veil.evaluation.datasets import GroundTruth
from veil.evaluation.misses import label_faces, miss_rates


def test_a_box_with_no_face_is_reported_missed_with_a_crop(tmp_path):
    coco = coco_of_portraits(tmp_path)
    data = json.loads(coco.read_text())
    data["annotations"].append(
        {"image_id": 0, "bbox": [10, 10, 30, 30]}
    )  # bare background: no detector finds it
    coco.write_text(json.dumps(data))
    misses, out = tmp_path / "misses", tmp_path / "eval.json"
    code, output = run_cli(
        "eval",
        "detect",
        "--dataset",
        str(coco),
        "--profile",
        "fast",
        "--misses",
        str(misses),
        "--out",
        str(out),
    )
    assert code == 0, output
    summary = json.loads((misses / "misses.json").read_text())
    assert [m["box"] for m in summary["misses"]] == [[10.0, 10.0, 40.0, 40.0]]
    crop = cv2.imread(str(misses / "miss_00000.png"))
    assert crop.shape == (96, 96, 3) and crop.std() > 0
    assert cv2.imread(str(misses / "sheet.png")) is not None
    assert json.loads(out.read_text())["misses"]["missed"] == 1
    assert "missed faces by" in output


def test_miss_rates_group_by_size_and_attribute():
    item = GroundTruth(
        image="x.png",  # type: ignore[arg-type]
        boxes=np.array([[0, 0, 8, 8], [20, 20, 60, 60], [100, 100, 130, 130]], float),
        positives={"all": np.array([True, True, True])},
        attributes=[{"pose": 1}, {"pose": 0}, {"pose": 0}],
    )
    found = [(np.array([[20, 20, 60, 60]], float), np.array([0.9]))]
    faces = label_faces([item], found, "all", 0.5)
    assert [f.found for f in faces] == [False, True, False]
    rates = miss_rates(faces)
    assert rates["pose"]["1"] == {"faces": 1, "missed": 1, "miss_rate": 1.0}
    assert rates["pose"]["0"]["miss_rate"] == 0.5
    assert rates["size"]["0-10 px"]["missed"] == 1
