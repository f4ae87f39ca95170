"""The changes a reviewer makes to one file, each through an `Edit` (so each can be undone).

Every value is checked (`veil.review.checks`) before the first field changes;
an unknown face or track is a KeyError (404). `ReviewDocument` wraps each
function in one journalled, undoable step.
"""

from __future__ import annotations

from typing import Any

from veil.review.checks import BadValue, action, box, frame_range, number
from veil.review.entries import new_id
from veil.review.history import Edit

DELETE = "delete"
BULK_ACTIONS = ("delete", "hide", "keep")


def new_track_id(change: Edit) -> str:
    """A new manual track's id, ``m<n>``."""
    change.file_field("next_id")
    return new_id(change.entry, "m")


def add_box(change: Edit, frame: int, drawn: Any, track: str | None) -> str:
    """A face the detector missed: a keyframe of manual track ``track``, or of a new one."""
    entry = change.entry
    checked = box(drawn, entry["width"], entry["height"])
    if track is not None and (not isinstance(track, str) or track not in entry["tracks"]):
        raise KeyError(track)
    track = track or new_track_id(change)
    manual = change.manual_track(track)
    if manual is None:
        manual = {"keyframes": {}, "action": "hide", "filter": None, "cut": []}
        entry["tracks"][track] = manual
    manual["keyframes"][str(frame)] = checked
    change.details.update(frame=frame, track=track, box=checked)
    return track


def edit_face(change: Edit, face_id: str, fields: dict[str, Any]) -> None:
    """Move a face's box, set its action or filter, delete or restore it. ``face_id`` may be a
    manual track: its box at ``fields["frame"]`` becomes a keyframe."""
    entry = change.entry
    change.details.update(face=face_id, **{k: v for k, v in fields.items() if k != "box"})
    checked = None if "box" not in fields else box(fields["box"], entry["width"], entry["height"])
    if checked is not None:
        change.details["box"] = checked
    if face_id in entry["tracks"]:
        manual = change.manual_track(face_id)
        assert manual is not None
        if checked is not None:
            if "frame" not in fields:
                raise BadValue("moving a box added by hand needs its frame")
            manual["keyframes"][str(fields["frame"])] = checked
        _set(manual, fields)
        if fields.get("deleted"):
            del entry["tracks"][face_id]
        return
    face = change.face(face_id)
    if "frame" in fields and fields["frame"] != face["frame"]:
        raise BadValue(f"face {face_id} is on frame {face['frame']}; a face stays on its frame")
    if checked is not None:
        face["box"] = checked
    _set(face, fields)
    if "deleted" in fields:
        face["deleted"] = fields["deleted"]


def _set(target: dict[str, Any], fields: dict[str, Any]) -> None:
    for key in ("action", "filter"):
        if key in fields:
            target[key] = fields[key]


def edit_track(
    change: Edit, track: int | str, fields: dict[str, Any], first: int | None, last: int | None
) -> int:
    """Act on a whole track (veil's or a manual one), or on its frames ``first``..``last``.

    ``fields``: ``action``, ``filter`` and ``delete``. Returns how many per-frame faces changed.
    """
    entry = change.entry
    if not fields:
        raise BadValue("nothing to change: give action, filter or delete")
    low, high = frame_range(first, last, entry["frames"])
    whole = first is None and last is None
    change.details.update(track=track, first=first, last=last, **fields)
    if isinstance(track, str):
        manual = change.manual_track(track)
        if manual is None:
            raise KeyError(track)
        _set(manual, fields)
        if fields.get(DELETE) and whole:
            del entry["tracks"][track]
        elif fields.get(DELETE):
            manual["cut"].append([low, high])
        return 1
    faces = change.index.by_track.get(track)
    if not faces:
        raise KeyError(track)
    changed = 0
    for face in faces:
        if low <= face["frame"] <= high and not face["deleted"]:
            changed += 1
            target = change.face(face["id"])
            _set(target, fields)
            if fields.get(DELETE):
                target["deleted"] = True
    return changed


def bulk(change: Edit, what: str, below: float | None, faces: list[str], tracks: list[int | str]) -> int:
    """One action on many: every track and face scoring below ``below`` (a track by its best
    detection), and the faces and tracks named. Returns how many faces and tracks it acted on."""
    if what not in BULK_ACTIONS:
        raise BadValue(f"action is one of {', '.join(BULK_ACTIONS)}")
    fields = {DELETE: True} if what == DELETE else {"action": action(what)}
    change.details.update(action=what, below=below, faces=len(faces), tracks=len(tracks))
    chosen_tracks: list[int | str] = list(tracks)
    chosen_faces: list[str] = list(faces)
    if below is not None:
        below = number(below, "below", 0.0, 1.0)
        for found, members in change.index.by_track.items():
            live = [face for face in members if not face["deleted"] and face["origin"] == "detected"]
            if live and max(face["score"] or 0.0 for face in live) < below:
                chosen_tracks.append(found)
        chosen_faces += [
            face["id"]
            for face in change.entry["faces"]
            if face["track"] is None and not face["deleted"] and (face["score"] or 0.0) < below
        ]
    for face_id in dict.fromkeys(chosen_faces):
        edit_face(change, face_id, {"deleted": True} if what == DELETE else fields)
    for chosen in dict.fromkeys(chosen_tracks):
        edit_track(change, chosen, fields, None, None)
    change.details.update(acted_on=len(set(chosen_faces)) + len(set(chosen_tracks)))
    return len(set(chosen_faces)) + len(set(chosen_tracks))


def merge(change: Edit, into: int | str, other: int | str) -> int:
    """Make ``other`` part of ``into`` (one person the tracker split in two). Returns the faces moved."""
    if into == other:
        raise BadValue("a track cannot merge with itself")
    change.details.update(into=into, other=other)
    if isinstance(into, str) != isinstance(other, str):
        raise BadValue("a track drawn by hand merges only with another drawn by hand")
    if isinstance(into, str) and isinstance(other, str):
        target, source = change.manual_track(into), change.manual_track(other)
        if target is None or source is None:
            raise KeyError(into if target is None else other)
        target["keyframes"] = {**source["keyframes"], **target["keyframes"]}
        del change.entry["tracks"][other]
        return len(source["keyframes"])
    assert isinstance(into, int) and isinstance(other, int)
    by_track = change.index.by_track
    if not by_track.get(into) or not by_track.get(other):
        raise KeyError(into if not by_track.get(into) else other)
    moved = list(by_track[other])
    for face in moved:
        change.face(face["id"])["track"] = into
    info = change.entry["track_info"]
    if info.get(str(other), {}).get("confirmed") and not info.get(str(into), {}).get("confirmed", True):
        change.file_field("track_info")
        info[str(into)] = {**info[str(into)], "confirmed": True}
    return len(moved)


def set_reviewed(change: Edit, reviewed: bool) -> None:
    change.file_field("reviewed")
    change.entry["reviewed"] = reviewed
    change.details.update(reviewed=reviewed)
