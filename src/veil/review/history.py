"""Undo and redo: each change remembers the fields it touched, before and after.

An `Edit` copies a face's fields, a manual track or a file's field the first
time a change touches it; `Edit.images` then gives only what differs. The
*after* image is what the journal replays; the *before* image is what undo
applies. So every kind of change (a box moved, a track deleted, a bulk
delete, a merge) is undone the same way, and a reload keeps the history.
"""

from __future__ import annotations

import copy
from typing import Any

from veil.review.index import FileIndex

Images = dict[str, dict[str, Any]]
"""``{"faces": {id: {field: value}}, "tracks": {id: track or None}, "file": {field: value}}``."""


def empty_images() -> Images:
    return {"faces": {}, "tracks": {}, "file": {}}


class Edit:
    """What one change touched, remembered before it changes it."""

    def __init__(self, entry: dict[str, Any], index: FileIndex) -> None:
        self.entry = entry
        self.index = index
        self._faces = index.faces
        self._before: Images = empty_images()
        self.details: dict[str, Any] = {}
        """What the change's log line says of it (the frame, the box, the track...)."""

    def face(self, face_id: str) -> dict[str, Any]:
        """The face to change (KeyError for an unknown id)."""
        face = self._faces[face_id]
        self._before["faces"].setdefault(face_id, dict(face))
        return face

    def manual_track(self, track_id: str) -> dict[str, Any] | None:
        """A manual track to change, add (when None) or delete."""
        tracks = self.entry["tracks"]
        if track_id not in self._before["tracks"]:
            self._before["tracks"][track_id] = copy.deepcopy(tracks.get(track_id))
        return tracks.get(track_id)

    def file_field(self, key: str) -> None:
        self._before["file"].setdefault(key, copy.deepcopy(self.entry[key]))

    def moved(self) -> dict[str, Any]:
        """Faces whose track this change altered, with the track they had."""
        return {
            face_id: old["track"]
            for face_id, old in self._before["faces"].items()
            if old["track"] != self._faces[face_id]["track"]
        }

    def touched_tracks(self) -> set[Any]:
        """Tracks whose faces this change touched (before and after: a merge moves faces)."""
        found = {face["track"] for face in self._before["faces"].values()}
        found |= {self._faces[face_id]["track"] for face_id in self._before["faces"]}
        return found | set(self._before["tracks"])

    def images(self) -> tuple[Images, Images]:
        """What the change altered: before and after, field by field."""
        before, after = empty_images(), empty_images()
        for face_id, old in self._before["faces"].items():
            new = self._faces[face_id]
            changed = [key for key in new if old.get(key) != new[key]]
            if changed:
                before["faces"][face_id] = {key: old.get(key) for key in changed}
                after["faces"][face_id] = {key: new[key] for key in changed}
        for track_id, old in self._before["tracks"].items():
            new = self.entry["tracks"].get(track_id)
            if old != new:
                before["tracks"][track_id] = old
                after["tracks"][track_id] = copy.deepcopy(new)
        for key, old in self._before["file"].items():
            if old != self.entry[key]:
                before["file"][key] = old
                after["file"][key] = copy.deepcopy(self.entry[key])
        return before, after

    def rollback(self) -> None:
        """Put back everything touched (a change that failed half-way leaves no trace)."""
        before, _ = self.images()
        apply_images(self.entry, self._faces, before)


def apply_images(entry: dict[str, Any], faces: dict[str, dict[str, Any]], images: Images) -> None:
    """Set the fields an image holds (undo applies *before*, redo and the journal *after*)."""
    for face_id, fields in images["faces"].items():
        faces[face_id].update(copy.deepcopy(fields))
    for track_id, track in images["tracks"].items():
        if track is None:
            entry["tracks"].pop(track_id, None)
        else:
            entry["tracks"][track_id] = copy.deepcopy(track)
    for key, value in images["file"].items():
        entry[key] = copy.deepcopy(value)


def is_empty(images: Images) -> bool:
    return not any(images.values())
