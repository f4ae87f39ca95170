import numpy as np
import pytest

from veil.faces import Faces
from veil.geometry import box_iou


def make(n: int, landmarks: bool = False) -> Faces:
    xyxy = np.array([[i * 10, 0, i * 10 + 8, 8] for i in range(n)], np.float32)
    lm = np.zeros((n, 5, 2), np.float32) if landmarks else None
    return Faces(xyxy, np.linspace(0.9, 0.5, n), lm, source="test")


def test_indexing_keeps_fields_aligned():
    faces = make(4, landmarks=True)
    picked = faces[np.array([True, False, True, False])]
    assert len(picked) == 2
    assert picked.xyxy[1, 0] == 20
    assert picked.landmarks.shape == (2, 5, 2)
    assert list(picked.source) == ["test", "test"]
    assert len(faces[3]) == 1


def test_concat_fills_missing_landmarks_with_nan():
    merged = Faces.concat([make(2, landmarks=True), make(1)])
    assert len(merged) == 3
    assert np.isnan(merged.landmarks[2]).all()
    assert not np.isnan(merged.landmarks[:2]).any()


def test_concat_of_nothing_is_empty():
    assert len(Faces.concat([])) == 0
    assert len(Faces.concat([Faces.empty(), Faces.empty()])) == 0


def test_nms_keeps_highest_of_overlapping_boxes():
    faces = Faces([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], [0.6, 0.9, 0.5])
    kept = faces.nms(0.4)
    assert len(kept) == 2
    assert kept.score.tolist() == pytest.approx([0.9, 0.5])


def test_scaled_and_clipped():
    faces = Faces([[10, 10, 20, 20], [95, 95, 120, 120], [200, 200, 210, 210]], [1, 1, 1])
    doubled = faces.scaled(2.0)
    assert doubled.xyxy[0].tolist() == [20, 20, 40, 40]
    clipped = faces.clipped(100, 100)
    assert len(clipped) == 2  # the face fully outside is dropped
    assert clipped.xyxy[1].tolist() == [95, 95, 100, 100]


def test_box_iou_known_values():
    iou = box_iou(np.array([[0, 0, 10, 10]]), np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]]))
    assert iou[0].tolist() == pytest.approx([1.0, 1 / 3, 0.0])


def test_source_length_is_checked():
    with pytest.raises(ValueError):
        Faces([[0, 0, 1, 1], [1, 1, 2, 2]], [1, 1], source=np.array(["a", "b", "c"], dtype=object))
