"""The review document: changes edit the faces, are logged with time and user, and survive a reopen."""

from __future__ import annotations

import json
import re

import pytest

from tests.review.conftest import file_id
from veil.errors import MediaError
from veil.review.document import ReviewDocument
from veil.review.entries import interpolate


def test_detection_fills_the_document(review_app):
    review = review_app.review
    photo = review.file(file_id(review_app, "solvay.jpg"))
    clip = review.file(file_id(review_app, "clip.mp4"))
    assert photo["status"] == "ready" and len(photo["faces"]) >= 20  # the Solvay photo: 29 people
    assert clip["frames"] == 12 and len(clip["times"]) == 12
    assert all(isinstance(face["track"], int) for face in clip["faces"]), "video faces carry their track"


def test_changes_are_journalled_at_once_with_time_and_user(review_app):
    review = review_app.review
    photo = file_id(review_app, "solvay.jpg")
    first = review.file(photo)["faces"][0]
    size = review.path.stat().st_size
    review.delete_face(photo, first["id"])
    track = review.add_box(photo, 0, [10, 10, 80, 90])
    review.edit_face(photo, track, box=[20, 20, 90, 100], frame=0)
    assert review.path.stat().st_size == size, "an edit appends to the journal, not the whole document"
    lines = [json.loads(line) for line in review.journal.path.read_text().splitlines()]
    assert [line["change"]["op"] for line in lines] == ["delete", "add", "edit"]
    assert all(line["change"]["user"] and line["change"]["time"] for line in lines)
    reopened = ReviewDocument.load(review.path)  # as after kill -9: the document plus its journal
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
    face = review.file(photo)["faces"][0]
    kept = dict(face)
    with pytest.raises(ValueError, match="four numbers"):
        review.add_box(photo, 0, [1, 2, 3])
    with pytest.raises(ValueError, match="outside"):
        review.add_box(photo, 3, [0, 0, 50, 50])
    with pytest.raises(ValueError, match="action"):
        review.edit_face(photo, face["id"], action="blur")
    with pytest.raises(ValueError, match="finite"):
        review.edit_face(photo, face["id"], box=[float("nan")] * 4)
    with pytest.raises(ValueError, match="x1 < x2"):
        review.edit_face(photo, face["id"], box=[50, 50, 10, 10])
    with pytest.raises(ValueError, match="outside"):
        review.edit_face(photo, face["id"], box=[1, 1, 40, 40], frame=20_000_000)
    with pytest.raises(KeyError):
        review.delete_face(photo, "nope")
    clip = file_id(review_app, "clip.mp4")
    track = review.file(clip)["faces"][0]["track"]
    with pytest.raises(ValueError, match="whole number"):
        review.edit_track(clip, track, first="a", last=3, delete=True)
    with pytest.raises(ValueError, match="after last"):
        review.edit_track(clip, track, first=5, last=3, delete=True)
    assert len(review.data["changes"]) == before and face == kept
    assert not review.journal.path.exists() or not review.journal.path.read_text()


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
    from veil.review.entries import file_entry

    app.review.data["files"].append(file_entry(9, path, tmp_path / "out" / "anim.png", "photo"))
    app.detect_all()
    entry = app.review.file("f9")
    assert entry["status"] == "failed" and "multi-frame" in entry["error"]


def test_every_change_is_undone_and_redone_and_the_history_survives_a_reopen(review_app):
    review = review_app.review
    clip = file_id(review_app, "clip.mp4")
    faces = review.file(clip)["faces"]
    track = faces[0]["track"]
    before = json.dumps(review.file(clip), sort_keys=True)
    manual = review.add_box(clip, 2, [0, 0, 40, 40])
    review.edit_track(clip, track, delete=True)
    review.edit_face(clip, faces[0]["id"], deleted=False)  # undelete one face of it
    review.set_reviewed(clip, True)
    assert not faces[0]["deleted"] and faces[1]["deleted"] and review.file(clip)["reviewed"]
    assert [review.undo(clip) for _ in range(4)] == ["reviewed", "edit", "delete-track", "add"]
    assert json.dumps(review.file(clip), sort_keys=True) != before  # the history is now longer...
    assert all(not f["deleted"] for f in faces) and manual not in review.file(clip)["tracks"]
    with pytest.raises(ValueError, match="nothing to undo"):
        review.undo(clip)
    assert review.redo(clip) == "add" and review.redo(clip) == "delete-track"
    reopened = ReviewDocument.load(review.path)
    again = reopened.file(clip)
    assert manual in again["tracks"] and all(f["deleted"] for f in again["faces"] if f["track"] == track)
    assert reopened.redo(clip) == "edit" and not again["faces"][0]["deleted"]
    reopened.add_box(clip, 3, [0, 0, 30, 30])  # a new change drops what was left to redo
    with pytest.raises(ValueError, match="nothing to redo"):
        reopened.redo(clip)


def test_a_saved_document_and_its_journal_are_read_once_each(review_app):
    """A crash between writing the document and emptying the journal applies nothing twice."""
    review = review_app.review
    photo = file_id(review_app, "solvay.jpg")
    review.add_box(photo, 0, [10, 10, 60, 60])
    journal = review.journal.path.read_text()
    review.save()
    review.journal.path.write_text(journal + '{"seq": 99, "file": "f0", "chan')  # and a torn last line
    reopened = ReviewDocument.load(review.path)
    assert len(reopened.file(photo)["tracks"]) == 1 and len(reopened.data["changes"]) == 1


def test_bulk_delete_below_a_score_and_merge_are_one_step_each(review_app):
    review = review_app.review
    photo = file_id(review_app, "solvay.jpg")
    scores = [f["score"] for f in review.file(photo)["faces"]]
    cut = sorted(scores)[len(scores) // 2]
    changed = review.bulk(photo, "delete", below=cut)
    assert changed == sum(s < cut for s in scores) > 0
    assert all(f["deleted"] == (f["score"] < cut) for f in review.file(photo)["faces"])
    review.undo(photo)
    assert not any(f["deleted"] for f in review.file(photo)["faces"])

    clip = file_id(review_app, "clip.mp4")
    rows = review.track_rows(clip)
    one = rows[0]["id"]
    other = review.add_box(clip, 1, [0, 0, 30, 30])
    with pytest.raises(ValueError, match="drawn by hand"):
        review.merge(clip, one, other)
    second = review.add_box(clip, 5, [10, 0, 40, 30])
    assert review.merge(clip, other, second) == 1
    assert [r["id"] for r in review.track_rows(clip) if r["origin"] == "manual"] == [other]
    assert review.faces_at(clip, 3)[-1]["box"] == [5.0, 0.0, 35.0, 30.0]


def test_a_video_is_counted_and_stepped_through_in_tracks(review_app):
    review = review_app.review
    clip = file_id(review_app, "clip.mp4")
    rows = review.track_rows(clip)
    summary = review.summary(review.file(clip))
    assert summary["faces"] == len(rows) and summary["unsure"] == sum(r["unsure"] for r in rows)
    assert all(r["runs"][0][0] == r["first"] and r["runs"][-1][1] == r["last"] for r in rows)
    first = review.next_unit(clip, 0, None, unsure_only=False)
    assert first["track"] == rows[0]["id"] or first["frame"] >= 0
    units = [review.next_unit(clip, 0, None, False)]
    for _ in range(len(rows)):
        unit = units[-1]
        units.append(review.next_unit(clip, unit["frame"], str(unit["track"]), False))
    assert units[len(rows)] == units[0], "stepping wraps round every track once"


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda d: d["files"][1]["faces"][3].update(box=[10, 10, 5, 5]), "files[1].faces[3].box"),
        (lambda d: d["files"][1]["faces"][0].update(frame=20_000_000), "files[1].faces[0].frame"),
        (lambda d: d["files"][0].update(kind="movie"), "files[0].kind"),
        (lambda d: d["files"][1]["tracks"].update(m9={"keyframes": {"x": []}}), "files[1].tracks.m9"),
    ],
)
def test_a_bad_entry_is_named_not_crashed_on(review_app, edit, named):
    from veil.errors import MediaError

    review = review_app.review
    review.save()
    data = json.loads(review.path.read_text(), parse_constant=float)
    data["files"].sort(key=lambda e: e["kind"] != "photo")
    edit(data)
    review.path.write_text(json.dumps(data))
    with pytest.raises(MediaError, match=re.escape(named)):
        ReviewDocument.load(review.path)


def test_a_review_in_the_previous_form_is_read_and_upgraded(review_app):
    review = review_app.review
    review.save()
    data = json.loads(review.path.read_text())
    data["format"] = "veil-review/2"
    for entry in data["files"]:
        for key in ("history", "position", "track_info", "missing"):
            del entry[key]
    review.path.write_text(json.dumps(data))
    reopened = ReviewDocument.load(review.path)
    photo = file_id(review_app, "solvay.jpg")
    face = reopened.file(photo)["faces"][0]
    reopened.delete_face(photo, face["id"])
    assert reopened.undo(photo) == "delete" and not face["deleted"]
    data["format"] = "veil-review/1"
    review.path.write_text(json.dumps(data))
    with pytest.raises(MediaError, match="run veil review again"):
        ReviewDocument.load(review.path)


def test_a_bad_value_in_the_journal_is_named_too(review_app):
    review = review_app.review
    photo = file_id(review_app, "solvay.jpg")
    face = review.file(photo)["faces"][0]
    review.edit_face(photo, face["id"], box=[10, 10, 50, 50])
    line = json.loads(review.journal.path.read_text())
    line["step"]["after"]["faces"][face["id"]]["box"] = [50, 50, 10, 10]  # edited by hand
    review.journal.path.write_text(json.dumps(line) + "\n")
    with pytest.raises(MediaError, match=re.escape(".box: not a box x1 < x2")):
        ReviewDocument.load(review.path)
