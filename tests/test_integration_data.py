"""Detection on real, annotated photos from ../shared/data (skipped when it is absent)."""

import cv2

from tests.conftest import require_data
from veil.detection import load_detector
from veil.evaluation import load_detection_dataset, score_detections


def test_default_detector_on_pascal_faces():
    folder = require_data("detection/dlib_pascal_faces9")
    items = [
        (cv2.imread(str(folder / "images" / entry)), entry)
        for entry in sorted(p.name for p in (folder / "images").iterdir())
    ]
    assert items
    detector = load_detector()
    found = sum(len(detector.detect(image)) for image, _ in items)
    assert found >= 30  # 43 annotated faces in 9 photos


def test_mask_set_recall_with_centerface():
    folder = require_data("detection/face_mask_kaggle853")
    items, _subsets = load_detection_dataset(folder)
    items = items[:25]
    detector = load_detector("centerface", threshold=0.05)
    detections = []
    for item in items:
        faces = detector.detect(cv2.imread(str(item.image)))
        detections.append((faces.xyxy, faces.score))
    scores = score_detections(detections, [(i.boxes, i.positives["all"]) for i in items], 0.4)
    assert scores.ap > 0.6
    assert scores.recall > 0.6
