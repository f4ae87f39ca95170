"""Temporal coverage: gaps are filled where the face really is, tracks extend both ways, streaming works."""

from __future__ import annotations

import numpy as np
import pytest

from veil.evaluation.coverage import covered_fraction
from veil.faces import Faces
from veil.filters import MaskSpec
from veil.geometry import box_iou
from veil.tracking import FILL_SOURCE, TemporalCoverage, Tracker, confirms, moved, within_frame


def moving_face(index: int, x0: float = 10.0, speed: float = 8.0, size: float = 40.0) -> np.ndarray:
    return np.array([x0 + speed * index, 50, x0 + speed * index + size, 50 + size], np.float32)


def run(
    coverage: TemporalCoverage,
    detections: dict[int, list[np.ndarray]],
    frames: int,
    score: float = 0.9,
    cuts: frozenset[int] = frozenset(),
) -> dict[int, Faces]:
    out: dict[int, Faces] = {}
    for index in range(frames):
        boxes = detections.get(index, [])
        faces = Faces(np.array(boxes).reshape(-1, 4), np.full(len(boxes), score), source="test")
        out.update(coverage.push(index, faces, cut=index in cuts))
    out.update(coverage.flush())
    return out


def best_iou(faces: Faces, truth: np.ndarray) -> float:
    return float(box_iou(faces.xyxy, truth[None]).max()) if len(faces) else 0.0


def covers(faces: Faces, truth: np.ndarray) -> bool:
    """The boxes hide at least 70% of the face (as `veil eval` counts a face covered)."""
    return covered_fraction(truth, faces.xyxy, MaskSpec("box", 1.0), 1000, 1000) >= 0.7


def centre_error(faces: Faces, truth: np.ndarray) -> float:
    centres = (faces.xyxy[:, :2] + faces.xyxy[:, 2:]) / 2
    return float(np.min(np.hypot(*(centres - (truth[:2] + truth[2:]) / 2).T)))


def test_gap_is_interpolated_where_the_face_moved():
    missed = {5, 6, 7, 8}
    detections = {i: [moving_face(i)] for i in range(20) if i not in missed}
    out = run(TemporalCoverage(memory=6), detections, 20)
    for i in missed:
        assert out[i].source.tolist() == [FILL_SOURCE]
        assert centre_error(out[i], moving_face(i)) < 1.0 and covers(out[i], moving_face(i))  # follows it
    # a carry-forward memory keeps the last box and falls behind a moving face
    carried = run(TemporalCoverage(memory=6, mode="forward"), detections, 20)
    assert centre_error(carried[8], moving_face(8)) > 20 and not covers(carried[8], moving_face(8))


def test_tracks_extend_before_their_first_and_after_their_last_detection():
    detections = {i: [moving_face(i)] for i in range(10, 20)}
    out = run(TemporalCoverage(memory=4), detections, 30)
    covered = {i for i, faces in out.items() if covers(faces, moving_face(i))}
    # frame 6 is settled when only frame 10's detection is known: no motion yet to extrapolate
    assert set(range(7, 24)) <= covered <= set(range(6, 24))
    assert len(out[5]) == 0 and len(out[24]) == 0  # memory is a bound, not a hint
    forward = run(TemporalCoverage(memory=4, mode="forward"), detections, 30)
    assert len(forward[9]) == 0 and len(forward[21]) == 1  # no look-ahead, only carried forward


def test_off_mode_returns_the_detections_unchanged():
    detections = {i: [moving_face(i)] for i in range(0, 10, 2)}
    out = run(TemporalCoverage(memory=5, mode="off"), detections, 10)
    assert [len(out[i]) for i in range(10)] == [1, 0] * 5


def test_streaming_delay_and_order():
    coverage = TemporalCoverage(memory=3)
    returned: list[int] = []
    for index in range(10):
        done = [i for i, _ in coverage.push(index, Faces.empty())]
        assert done == ([index - 3] if index >= 3 else [])
        returned += done
    returned += [i for i, _ in coverage.flush()]
    assert returned == list(range(10))


def test_two_faces_keep_separate_track_ids():
    detections = {i: [moving_face(i), moving_face(i, x0=400, speed=-6)] for i in range(15)}
    out = run(TemporalCoverage(memory=2), detections, 15)
    first = out[0].track_id.tolist()
    assert len(set(first)) == 2
    for i in range(15):
        # the face moving right keeps the id it started with
        right = int(np.argmin(out[i].xyxy[:, 0]))
        assert out[i].track_id[right] == out[0].track_id[int(np.argmin(out[0].xyxy[:, 0]))]


def test_filled_boxes_grow_with_distance_from_a_detection():
    detections = {0: [moving_face(0, speed=0)]}
    out = run(TemporalCoverage(memory=8), detections, 9)
    widths = [float(out[i].width[0]) for i in range(1, 9)]
    assert widths == sorted(widths) and widths[-1] > widths[0]


def test_tracker_links_a_fast_small_face():
    tracker = Tracker(max_age=2)
    ids = [tracker.update(i, Faces(moving_face(i, speed=15, size=20)[None], [0.9]))[0] for i in range(6)]
    assert len(set(ids)) == 1


def test_bad_arguments():
    with pytest.raises(ValueError, match="memory"):
        TemporalCoverage(memory=-1)
    with pytest.raises(ValueError, match="tracking mode"):
        TemporalCoverage(mode="sideways")  # type: ignore[arg-type]


def test_expected_boxes_follow_confirmed_tracks_only():
    coverage = TemporalCoverage(memory=5)
    for index in range(4):
        strong = Faces(moving_face(index)[None], [0.9])
        lone = index == 0  # one weak detection, never seen again
        weak = Faces(np.array([[300, 300, 320, 320]]) if lone else np.zeros((0, 4)), [0.3] if lone else [])
        list(coverage.push(index, Faces.concat([strong, weak])))
    expected = coverage.expected(5, min_score=0.6, min_hits=3)
    assert len(expected) == 1  # the lone weak detection is not zoomed on
    np.testing.assert_allclose(expected[0], moving_face(5), atol=1.0)  # predicted with its motion
    assert len(coverage.expected(5)) == 2
    assert len(coverage.expected(12)) == 0  # tracks older than memory are gone
    assert len(TemporalCoverage(memory=5, mode="off").expected(5)) == 0


def test_filled_faces_say_they_were_filled():
    detections = {i: [moving_face(i)] for i in range(10) if i != 4}
    out = run(TemporalCoverage(memory=5), detections, 10)
    assert out[4].found_by is not None and out[4].found_by.tolist() == ["fill"]


def test_a_shrinking_track_carried_far_never_turns_inside_out():
    box = np.array([100, 100, 140, 150], np.float64)
    shrinking = np.array([1.0, 1.0, -1.0, -1.5])  # 2 px narrower and 2.5 px shorter a frame
    for frames in (5, 15, 40, -40):
        carried = moved(box, shrinking, frames)
        assert carried[2] > carried[0] and carried[3] > carried[1], frames
        assert carried[2] - carried[0] >= 20 - 1e-9, "at least half the detected width"
    assert np.allclose(moved(box, shrinking, 3), box + 3 * shrinking), "plain motion is unchanged"


def test_a_face_leaving_the_frame_leaves_no_box_outside_it():
    width, height = 320, 240
    # detected while it walks left out of the frame: its track would carry on past the edge
    detections = {i: [np.array([60 - 15 * i, 80, 110 - 15 * i, 140], np.float32)] for i in range(5)}
    covered = run(TemporalCoverage(memory=10), detections, 14)
    boxes = {i: within_frame(faces, width, height) for i, faces in covered.items()}
    for index, faces in boxes.items():
        for x1, y1, x2, y2 in faces.xyxy:
            assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height, (index, (x1, y1, x2, y2))
    assert len(covered[9]) == 1 and len(boxes[9]) == 0, "past the edge, the track ends"
    assert len(boxes[5]) == 1 and boxes[5].xyxy[0, 0] == 0, "at the edge, the box is clipped"


def test_within_frame_keeps_detections_as_found_and_drops_what_hides_nothing():
    faces = Faces(
        np.array([[-5, 10, 40, 60], [300, 10, 330, 60], [400, 10, 450, 60], [50, 50, 40, 70]], np.float32),
        np.ones(4),
        source=np.array(["centerface", FILL_SOURCE, FILL_SOURCE, FILL_SOURCE], object),
    )
    kept = within_frame(faces, 320, 240)
    assert kept.xyxy.tolist() == [[-5, 10, 40, 60], [300, 10, 320, 60]]


def test_a_lone_weak_detection_is_hidden_in_its_own_frame_only():
    out = run(TemporalCoverage(memory=5), {6: [moving_face(6)]}, 14, score=0.3)
    assert [i for i, faces in out.items() if len(faces)] == [6], "a one-off false alarm spreads nowhere"
    assert out[6].source.tolist() == ["test"]
    # the same face seen three times is a face: the track fills its gaps and extends both ways,
    # backwards from the first frame still held back when it was confirmed (frame 10 - memory)
    seen = run(TemporalCoverage(memory=5), {i: [moving_face(i)] for i in (6, 8, 10)}, 20, score=0.3)
    assert [i for i, faces in seen.items() if len(faces)] == list(range(5, 16))
    # one strong detection is enough
    strong = run(TemporalCoverage(memory=5), {6: [moving_face(6)]}, 14, score=0.8)
    assert [i for i, faces in strong.items() if len(faces)] == list(range(1, 12))


def test_what_confirms_a_track():
    assert not confirms(2, 0.5, {"scan"})
    assert confirms(3, 0.2, {"scan"}) and confirms(1, 0.6, {"scan"})
    assert confirms(1, 0.3, {"sweep"}), "the sweep sees each part of the frame only every few frames"
    assert confirms(2, 0.3, {"scan", "refound"}) and not confirms(1, 0.3, {"zoom"})
    tracker = Tracker(max_age=5)
    for index, found_by in enumerate(["scan", "zoom"]):
        face = Faces(moving_face(index)[None], [0.3], found_by=np.array([found_by], object))
        tracker.update(index, face)
    assert tracker.active[0].confirmed, "the zoom re-found the face the track had"


def test_nothing_is_carried_across_a_scene_cut():
    # one face in the first shot (frames 0-9), another elsewhere in the second (12-19)
    first = {i: [moving_face(i)] for i in range(10)}
    second = {i: [moving_face(i, x0=500)] for i in range(12, 20)}
    out = run(TemporalCoverage(memory=6), {**first, **second}, 26, cuts=frozenset({10}))
    for index in range(10, 26):
        assert not covers(out[index], moving_face(index)), f"first shot's face carried into frame {index}"
    for index in range(0, 10):
        assert not covers(out[index], moving_face(index, x0=500)), f"second shot's face back in {index}"
    assert covers(out[10], moving_face(10, x0=500)), "within its own shot a track still extends back"
    # the same detections without the cut: the first face is carried on, as it should be
    uncut = run(TemporalCoverage(memory=6), {**first, **second}, 26)
    assert covers(uncut[12], moving_face(12))


def test_a_face_is_filled_once_even_when_two_tracks_hold_it():
    # one face, detected twice per frame with boxes too far apart to merge, then missed
    coverage = TemporalCoverage(memory=5)
    out = {}
    for index in range(12):
        boxes = (
            [moving_face(index), moving_face(index) + np.array([6, 6, 6, 6], np.float32)] if index < 6 else []
        )
        found = Faces(np.array(boxes).reshape(-1, 4), np.full(len(boxes), 0.9), source="test")
        out.update(coverage.push(index, found))
    out.update(coverage.flush())
    assert len(out[3]) == 2, "detections are never dropped"
    assert [len(out[i]) for i in range(6, 12)] == [1] * 5 + [0], "two tracks, one face: one filled box"
