"""The review document: changes edit the faces, are logged with time and user, and survive a reopen."""

from __future__ import annotations

import json

import pytest

from tests.review.conftest import file_id
from veil.review.document import ReviewDocument, interpolate


def test_detection_fills_the_document(review_app):
    review = review_app.review
    photo = review.file(file_id(review_app, "solvay.jpg"))
    clip = review.file(file_id(review_app, "clip.mp4"))
    assert photo["status"] == "ready" and len(photo["faces"]) >= 20  # the Solvay photo: 29 people
    assert clip["frames"] == 12 and len(clip["times"]) == 12
    assert all(isinstance(face["track"], int) for face in clip["faces"]), "video faces carry their track"


def test_changes_are_saved_at_once_with_time_and_user(review_app):
    review = review_app.review
    photo = file_id(review_app, "solvay.jpg")
    first = review.file(photo)["faces"][0]
    review.delete_face(photo, first["id"])
    track = review.add_box(photo, 0, [10, 10, 80, 90])
    review.edit_face(photo, track, box=[20, 20, 90, 100], frame=0)
    saved = json.loads(review.path.read_text())
    assert [c["op"] for c in saved["changes"]] == ["delete", "add", "edit"]
    assert all(c["user"] and c["time"] for c in saved["changes"])
    reopened = ReviewDocument.load(review.path)
    faces = reopened.faces_at(photo, 0)
    assert first["id"] not in {f["id"] for f in faces}
    assert any(f["id"] == track and f["box"] == [20.0, 20.0, 90.0, 100.0] for f in faces)


def test_boxes_on_two_frames_are_interpolated_between_them(review_app):
    review = review_app.review
    clip = file_id(review_app, "clip.mp4")
    track = review.add_box(clip, 2, [0, 0, 40, 40])
    review.add_box(clip, 8, [60, 60, 100, 100], track=track)
    boxes = {f: [x for x in review.faces_at(clip, f) if x["id"] == track] for f in range(12)}
    assert not boxes[1] and not boxes[9], "a manual track spans its keyframes only"
    assert boxes[5][0]["box"] == [30.0, 30.0, 70.0, 70.0]
    review.edit_track(clip, track, delete=True, first=4, last=5)
    assert not [x for x in review.faces_at(clip, 5) if x["id"] == track]
    assert [x for x in review.faces_at(clip, 6) if x["id"] == track]


def test_detected_tracks_are_kept_or_deleted_whole_or_in_part(review_app):
    review = review_app.review
    clip = file_id(review_app, "clip.mp4")
    track = review.file(clip)["faces"][0]["track"]
    review.edit_track(clip, track, action="keep")
    assert {f["action"] for f in review.file(clip)["faces"] if f["track"] == track} == {"keep"}
    assert review.edit_track(clip, track, delete=True, first=0, last=3) == 4
    assert not [f for f in review.faces_at(clip, 2) if f["track"] == track]


def test_bad_changes_are_refused_and_change_nothing(review_app):
    review = review_app.review
    photo = file_id(review_app, "solvay.jpg")
    before = len(review.data["changes"])
    with pytest.raises(ValueError, match="four numbers"):
        review.add_box(photo, 0, [1, 2, 3])
    with pytest.raises(ValueError, match="outside"):
        review.add_box(photo, 3, [0, 0, 50, 50])
    with pytest.raises(ValueError, match="action"):
        review.edit_face(photo, review.file(photo)["faces"][0]["id"], action="blur")
    with pytest.raises(KeyError):
        review.delete_face(photo, "nope")
    assert len(review.data["changes"]) == before


def test_interpolation_is_linear_and_cut_ranges_are_empty():
    track = {"keyframes": {"0": [0, 0, 10, 10], "10": [10, 0, 20, 10]}, "cut": [[7, 8]]}
    assert interpolate(track, 5) == [5.0, 0.0, 15.0, 10.0]
    assert interpolate(track, 7) is None and interpolate(track, 11) is None


def test_a_file_that_is_not_a_review_is_refused(tmp_path):
    from veil.errors import MediaError

    path = tmp_path / "veil-review.json"
    path.write_text('{"files": []}')
    with pytest.raises(MediaError, match="not a veil review"):
        ReviewDocument.load(path)


def test_a_saved_review_follows_its_schema(review_app):
    from importlib import resources

    import jsonschema

    review = review_app.review
    photo = file_id(review_app, "solvay.jpg")
    review.add_box(photo, 0, [10, 10, 80, 90])
    review.delete_face(photo, review.file(photo)["faces"][0]["id"])
    schema = json.loads(resources.files("veil").joinpath("schema/review.schema.json").read_text())
    jsonschema.validate(json.loads(review.path.read_text()), schema)


def test_multi_frame_images_are_listed_as_not_reviewable(tmp_path):
    from PIL import Image

    from tests.review.conftest import make_review

    app = make_review(tmp_path)
    frames = [Image.new("RGB", (64, 48), (i * 40, 0, 0)) for i in range(3)]
    path = tmp_path / "in" / "anim.png"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    from veil.review.document import file_entry

    app.review.data["files"].append(file_entry(9, path, tmp_path / "out" / "anim.png", "photo"))
    app.detect_all()
    entry = app.review.file("f9")
    assert entry["status"] == "failed" and "multi-frame" in entry["error"]
