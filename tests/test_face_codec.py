"""One JSON form of a face: what is written reads back as the very face veil used."""

from __future__ import annotations

import json

import numpy as np

from veil.face_codec import decode_faces, encode_faces, exact
from veil.faces import Faces
from veil.tracking import FILL_SOURCE


def test_a_face_reads_back_exactly_through_json():
    rng = np.random.default_rng(7)
    boxes = rng.uniform(0, 1000, (20, 4)).astype(np.float32)
    landmarks = rng.uniform(0, 1000, (20, 5, 2)).astype(np.float32)
    landmarks[3] = np.nan  # a face from a detector without landmarks
    source = np.array(["centerface@2x"] * 19 + [FILL_SOURCE], object)
    faces = Faces(
        boxes,
        rng.uniform(0, 1, 20),
        landmarks,
        track_id=np.arange(20),
        source=source,
        hide=np.arange(20) % 3 > 0,
        found_by=np.array(["scan"] * 19 + ["fill"], object),
    )
    again = decode_faces(json.loads(json.dumps(encode_faces(faces))))
    assert np.array_equal(again.xyxy, faces.xyxy), "boxes are the same float32 values"
    assert np.array_equal(again.landmarks, faces.landmarks, equal_nan=True)
    assert again.track_id.dtype == np.int64 and np.array_equal(again.track_id, faces.track_id)
    assert np.array_equal(again.hide, faces.hide)
    assert list(again.source) == list(source) and list(again.found_by) == list(faces.found_by)


def test_values_are_written_short():
    assert exact(np.float32(333.1)) == 333.1
    assert json.dumps(encode_faces(Faces(np.array([[0.1, 0.2, 10.3, 20.7]]), np.array([0.5])))[0]["box"]) == (
        "[0.1, 0.2, 10.3, 20.7]"
    )


def test_faces_without_tracks_or_decisions_stay_without():
    faces = decode_faces(encode_faces(Faces(np.array([[1, 2, 3, 4]]), np.array([0.7]))))
    assert faces.track_id is None and faces.hide is None and faces.landmarks is None
    assert len(decode_faces([])) == 0
