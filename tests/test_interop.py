"""Faces and results outside veil: plain dicts, supervision's Detections, pictures in notebooks."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import veil
from tests.conftest import EXAMPLES
from veil.tracking import FILL_SOURCE


def sample_faces() -> veil.Faces:
    landmarks = np.arange(20, dtype=np.float32).reshape(2, 5, 2)
    return veil.Faces(
        np.array([[10, 20, 50, 70], [60, 5, 90, 40]], np.float32),
        np.array([0.9, 0.4]),
        landmarks,
        track_id=np.array([3, 7]),
        source=np.array(["centerface@2x", FILL_SOURCE], object),
        hide=np.array([True, False]),
        identity=np.array([None, "Ada"], object),
        distance=np.array([np.inf, 0.31]),
        found_by=np.array(["scan", "fill"], object),
    )


def test_to_dict_is_plain_json_and_reads_back():
    faces = sample_faces()
    plain = faces.to_dict()
    text = json.dumps(plain)  # plain Python values only
    again = veil.Faces.from_dict(json.loads(text))
    for name in ("xyxy", "score", "landmarks", "track_id", "hide", "distance"):
        assert np.array_equal(getattr(again, name), getattr(faces, name)), name
    assert list(again.identity) == [None, "Ada"] and list(again.source) == list(faces.source)
    assert veil.Faces.from_dict(veil.Faces.empty().to_dict()).xyxy.shape == (0, 4)


def test_supervision_round_trip():
    sv = pytest.importorskip("supervision", reason="supervision is not installed (pip install supervision)")
    faces = sample_faces()
    detections = faces.to_supervision()
    assert isinstance(detections, sv.Detections) and len(detections) == 2
    assert np.array_equal(detections.tracker_id, [3, 7]) and np.allclose(detections.confidence, [0.9, 0.4])
    again = veil.Faces.from_supervision(detections)
    assert np.array_equal(again.xyxy, faces.xyxy) and np.array_equal(again.landmarks, faces.landmarks)
    assert np.array_equal(again.hide, faces.hide) and list(again.found_by) == ["scan", "fill"]
    plain = veil.Faces.from_supervision(sv.Detections(xyxy=np.array([[1.0, 2.0, 30.0, 40.0]])))
    assert plain.score.tolist() == [1.0] and plain.track_id is None and plain.landmarks is None
    empty = veil.Faces.empty().to_supervision()
    assert len(empty) == 0 and len(veil.Faces.from_supervision(empty)) == 0


def test_supervision_missing_gives_a_clear_message(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_supervision(name, *args, **kwargs):
        if name == "supervision":
            raise ImportError("no module named supervision")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_supervision)
    with pytest.raises(ImportError, match="pip install supervision"):
        sample_faces().to_supervision()


def test_notebooks_show_pictures():
    anonymizer = veil.Anonymizer(profile="fast")
    frame = cv2.imread(str(EXAMPLES / "solvay_conference_1927.jpg"))
    result = anonymizer.step(frame, anonymizer.detect(frame))
    png = result._repr_png_()
    assert png.startswith(b"\x89PNG") and len(png) < 400_000, "small enough for a notebook"
    shown = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert max(shown.shape[:2]) <= 640
    html = result.faces._repr_html_()
    assert f"{len(result.faces)} faces" in html and "<table" in html and "<svg" in html
    assert "<table" in veil.Faces.empty()._repr_html_() or "0 faces" in veil.Faces.empty()._repr_html_()
