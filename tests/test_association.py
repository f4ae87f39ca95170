"""Which tracker links detections: OC-SORT where the tracking extra is installed, veil's own otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from veil import association
from veil.association import new_tracker, resolved
from veil.faces import Faces
from veil.settings import Settings
from veil.tracking import TemporalCoverage, Tracker

needs_trackers = pytest.mark.skipif(not association.ocsort_available(), reason="needs veil[tracking]")


def face(index: int, x0: float = 20.0, speed: float = 6.0, size: float = 40.0) -> np.ndarray:
    return np.array([x0 + speed * index, 60, x0 + speed * index + size, 60 + size], np.float32)


def faces(boxes: list[np.ndarray], scores: list[float], found_by: str = "scan") -> Faces:
    return Faces(
        np.array(boxes, np.float32).reshape(-1, 4),
        np.array(scores),
        found_by=np.full(len(boxes), found_by, dtype=object),
    )


@needs_trackers
def test_ocsort_follows_two_faces_each_with_its_own_track():
    tracker = new_tracker("ocsort", 10)
    ids = [tracker.update(i, faces([face(i), face(i, x0=400, speed=-6)], [0.9, 0.8])) for i in range(12)]
    # OC-SORT names a track from its second sight: from then on each face keeps one id
    assert len({int(frame[0]) for frame in ids[1:]}) == 1 and len({int(frame[1]) for frame in ids[1:]}) == 1
    assert ids[5][0] != ids[5][1]


@needs_trackers
def test_weak_faces_start_no_track_but_a_zoom_find_continues_one():
    tracker = new_tracker("ocsort", 10)
    weak = [tracker.update(i, faces([face(i, x0=300)], [0.3]))[0] for i in range(5)]
    assert len(set(weak.tolist() if isinstance(weak, np.ndarray) else weak)) == 5, "each weak find is alone"
    strong = [int(tracker.update(i, faces([face(i)], [0.9]))[0]) for i in range(5, 9)]
    refound = int(tracker.update(9, faces([face(9)], [0.3], found_by="zoom"))[0])
    assert refound == strong[-1], "the zoom's weak re-find continues the track it looked for"
    track = next(t for t in tracker.active if t.id == refound)
    assert track.confirmed and "refound" in track.passes


@needs_trackers
def test_a_cut_restarts_ocsort():
    tracker = new_tracker("ocsort", 10)
    before = [int(tracker.update(i, faces([face(i)], [0.9]))[0]) for i in range(4)]
    after = int(tracker.update(4, faces([face(4)], [0.9]), cut=True)[0])
    assert after != before[-1] and tracker.scene == 1


@needs_trackers
def test_ocsort_fills_the_gaps_of_a_face_it_follows():
    coverage = TemporalCoverage(memory=5, tracker=new_tracker("ocsort", 5))
    out = {}
    for index in range(20):
        seen = [] if index in (8, 9, 10) else [face(index)]
        out.update(coverage.push(index, faces(seen, [0.9] * len(seen))))
    out.update(coverage.flush())
    assert all(len(out[i]) >= 1 for i in range(20)), "every frame covered"
    followed = int(out[12].track_id[0])
    for gap in (8, 9, 10):
        assert out[gap].found_by.tolist() == ["fill"] and out[gap].track_id.tolist() == [followed]
    # OC-SORT names a track at its second sight: the first sight joins it, no second box lags behind
    assert all(out[i].track_id.tolist() == [followed] for i in range(20))


def test_auto_falls_back_to_veils_tracker_without_the_extra(monkeypatch):
    monkeypatch.setattr(association, "ocsort_available", lambda: False)
    assert resolved("auto") == "iou" and type(new_tracker("auto", 5)) is Tracker
    with pytest.raises(ValueError, match=r"veil\[tracking\]"):
        resolved("ocsort")
    with pytest.raises(ValueError, match="tracking extra"):
        Settings(tracker="ocsort")
    with pytest.raises(ValueError, match="tracker"):
        Settings(tracker="kalman")  # type: ignore[arg-type]


def test_reports_name_the_tracker_that_ran(monkeypatch):
    ran = {
        profile: Settings(profile=profile).to_json()["detection"]["video"]["tracker"]
        for profile in ("fast", "balanced")
    }
    assert ran["fast"] == "iou", "a search that looks once follows every find with veil's tracker"
    assert ran["balanced"] == ("ocsort" if association.ocsort_available() else "iou")
    assert Settings(tracker="iou").to_json()["detection"]["video"]["tracker"] == "iou"
    monkeypatch.setattr(association, "ocsort_available", lambda: False)
    assert Settings().to_json()["detection"]["video"]["tracker"] == "iou"
