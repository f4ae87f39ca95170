"""The review document (``OUT/veil-review.json``): what veil found, and every change a reviewer made.

One JSON file holds the whole review (schema: ``veil/schema/review.schema.json``,
described on the docs' review page, docs/review.md). Each file has its faces, one per
frame it appears in, detected or placed by tracking; a reviewer's changes edit
them in place and are appended to ``changes`` with the time and the local user.
Boxes a reviewer adds in a video form *manual tracks*: a box on two frames is
interpolated between them.

Every change is one line of the journal (`veil.review.journal`) on disk before
it is answered, so an edit costs the same in a photo and in an hour of video,
and the browser (or veil) can stop at any moment: reopening reads the document
and the journal after it. Each change keeps what it altered (`veil.review.history`),
so undo and redo work on every kind of change and survive a reload.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from veil.errors import MediaError
from veil.files import atomic_output, compact_json, local_user, parse_json
from veil.filters import FILTER_NAMES
from veil.review import edits
from veil.review.checks import BadValue, action, filter_name, flag, frame
from veil.review.entries import interpolate, manual_face, upgrade
from veil.review.history import Edit, Images, apply_images, is_empty
from veil.review.index import FileIndex
from veil.review.journal import Journal
from veil.review.validate import check_document

DOCUMENT_NAME = "veil-review.json"
JOURNAL_NAME = "veil-review.journal"
FORMAT = "veil-review/3"
UPGRADABLE = ("veil-review/2",)
"""Older forms read as they are: what they lack starts empty."""
SUMMARY_FIELDS = ("id", "path", "kind", "status", "error", "missing", "width", "height", "frames", "reviewed")
COMPACT_BYTES = 64 << 20
"""The journal is folded into the document once it grows past this (and on exit)."""


class NothingToDo(ValueError):
    """Undo with nothing done, redo with nothing undone (the page says so; 409)."""


class ReviewDocument:
    """The review of a set of files: the document, its journal, each file's index (thread-safe).

    Examples:
        >>> from veil.review.entries import file_entry
        >>> from veil.settings import Settings
        >>> entry = file_entry(0, Path("examples/newton.png"), Path("newton.png"), "photo")
        >>> entry.update(status="ready", width=768, height=432)
        >>> review = ReviewDocument.create(Path("veil-review.json"), [entry], Settings().to_json())
        >>> review.add_box("f0", 0, [10, 10, 60, 70])
        'm1'
        >>> [face["box"] for face in review.faces_at("f0", 0)]
        [[10.0, 10.0, 60.0, 70.0]]
        >>> review.undo("f0")
        'add'
        >>> review.faces_at("f0", 0)
        []
    """

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.lock = threading.RLock()
        self.filters: tuple[str, ...] = tuple(FILTER_NAMES)
        """The filters a reviewer may pick for a face (the web app narrows them to the run's)."""
        self.journal = Journal(path.with_name(JOURNAL_NAME))
        self._seq = int(data.get("journal_seq", 0))
        self._index: dict[str, FileIndex] = {}
        self._entries = {entry["id"]: entry for entry in data["files"]}
        self._changes = {entry["id"]: 0 for entry in data["files"]}
        for change in data["changes"]:
            if change.get("file") in self._changes:
                self._changes[change["file"]] += 1

    @classmethod
    def create(cls, path: Path, files: list[dict[str, Any]], settings: dict[str, Any]) -> ReviewDocument:
        data = {"format": FORMAT, "settings": settings, "files": files, "changes": [], "journal_seq": 0}
        return cls(path, data)

    @classmethod
    def load(cls, path: Path) -> ReviewDocument:
        """Reopen a saved review: the document, checked entry by entry, then its journal replayed.

        Raises:
            MediaError: the file is missing, not JSON, not a veil review, or names a bad entry.
        """
        try:
            data = parse_json(path.read_bytes())
        except FileNotFoundError:
            raise MediaError(path, "no such review file") from None
        except (OSError, ValueError, RecursionError) as exc:
            raise MediaError(path, f"not a readable review ({exc})") from None
        found = data.get("format") if isinstance(data, dict) else None
        if found in UPGRADABLE:
            upgrade(data, FORMAT)
        elif isinstance(found, str) and found.startswith("veil-review/") and found != FORMAT:
            reason = f"a review in the form {found} (this veil reads {FORMAT}): run veil review again"
            raise MediaError(path, reason + " into a new folder")
        elif found != FORMAT:
            raise MediaError(path, f"not a veil review (expected format {FORMAT})")
        try:
            check_document(data)
            review = cls(path, data)
            lines = review.journal.read()
            for line in lines:
                review._replay(line)
            if lines:  # what the journal changed is checked too (it may have been edited by hand)
                check_document(data)
        except (BadValue, KeyError, IndexError, TypeError) as exc:
            raise MediaError(path, f"a bad entry: {exc}") from None
        return review

    def save(self) -> None:
        """Write the whole document (atomically, compact JSON), then empty the journal it now holds."""
        with self.lock:
            self.data["journal_seq"] = self._seq
            with atomic_output(self.path) as temp:
                temp.write_bytes(compact_json(self.data))
            self.journal.clear()

    def close(self) -> None:
        """Fold the journal into the document (on exit)."""
        with self.lock:
            if self.journal.size():
                self.save()
            self.journal.close()

    # -- reading -----------------------------------------------------------------------
    def file(self, file_id: str) -> dict[str, Any]:
        return self._entries[file_id]

    def index(self, file_id: str) -> FileIndex:
        with self.lock:
            if file_id not in self._index:
                self._index[file_id] = FileIndex(self.file(file_id))
            return self._index[file_id]

    def faces_at(self, file_id: str, frame: int) -> list[dict[str, Any]]:
        """The faces frame ``frame`` will have in the output (see `faces_by_frame`)."""
        return self.faces_by_frame(file_id, frame, frame).get(frame, [])

    def faces_by_frame(
        self, file_id: str, first: int | None = None, last: int | None = None
    ) -> dict[int, list[dict[str, Any]]]:
        """Per frame of ``first``..``last`` (default: all), the faces the output will have: those
        found and not deleted, and the boxes of manual tracks (keyframes and what lies between)."""
        with self.lock:
            entry, index = self.file(file_id), self.index(file_id)
            low, high = first or 0, entry["frames"] - 1 if last is None else last
            frames: dict[int, list[dict[str, Any]]] = {}
            for frame in range(low, high + 1) if high - low < len(index.by_frame) else sorted(index.by_frame):
                live = [face for face in index.by_frame.get(frame, []) if not face["deleted"]]
                if live and low <= frame <= high:
                    frames[frame] = live
            for track_id, track in entry["tracks"].items():
                keys = [int(k) for k in track["keyframes"]]
                for frame in range(max(low, min(keys)), min(high, max(keys)) + 1):
                    box = interpolate(track, frame)
                    if box is not None:
                        frames.setdefault(frame, []).append(manual_face(track_id, track, frame, box))
            return frames

    def track_rows(
        self, file_id: str, first: int | None = None, last: int | None = None
    ) -> list[dict[str, Any]]:
        """The tracks of a file (`veil.review.index.track_row`, manual ones too) by first frame:
        all of them, or those with a face in frames ``first``..``last``."""
        with self.lock:
            index = self.index(file_id)
            return index.all_rows() if first is None or last is None else index.rows_between(first, last)

    def summary(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A file's line in the overview: counts (in tracks for a video), how unsure, reviewed or not."""
        with self.lock:
            units, unsure = self.index(entry["id"]).counts() if entry["status"] == "ready" else (0, 0)
            return {
                **{k: entry[k] for k in SUMMARY_FIELDS},
                "faces": units,
                "unsure": unsure,
                "uncertainty": round(unsure / units, 3) if units else 0.0,
                "changes": self._changes.get(entry["id"], 0),
                "can_undo": entry["position"] > 0,
                "can_redo": entry["position"] < len(entry["history"]),
            }

    def manual_changes(self) -> list[dict[str, Any]]:
        """Every change a reviewer made, in order (what an export's report lists)."""
        with self.lock:
            return list(self.data["changes"])

    # -- changing ----------------------------------------------------------------------
    def set_entry(self, entry: dict[str, Any]) -> None:
        """A file's entry after detection (or a reopen's new file): journalled, indexed afresh."""
        with self.lock:
            self._write({"file": entry["id"], "entry": entry})
            self._put_entry(entry)
        self.journal.sync()

    def _put_entry(self, entry: dict[str, Any]) -> None:
        if entry["id"] in self._entries:
            files = self.data["files"]
            files[files.index(self._entries[entry["id"]])] = entry
        else:
            self.data["files"].append(entry)
            self._changes[entry["id"]] = 0
        self._entries[entry["id"]] = entry
        self._index.pop(entry["id"], None)

    @contextmanager
    def edit(self, file_id: str, op: str, **details: Any) -> Iterator[Edit]:
        """One undoable change to a ready file: yields an `Edit` to touch what it changes.

        When the body ends without error, the change is journalled with the time and the
        local user; when it raises, everything it touched is put back.
        """
        with self.lock:
            entry = self.file(file_id)
            if entry["status"] != "ready":
                raise BadValue(f"{entry['path']} is {entry['status']}, not ready for review")
            index = self.index(file_id)
            change = Edit(entry, index)
            try:
                yield change
            except BaseException:
                change.rollback()
                raise
            finally:
                for face_id, old in change.moved().items():
                    index.retrack(index.faces[face_id], old)
                index.refresh(change.touched_tracks())
            before, after = change.images()
            if not is_empty(after):
                log = self._change(file_id, op, {**details, **change.details})
                self._write({"file": file_id, "change": log, "step": {
                    "op": op, "before": before, "after": after}})  # fmt: skip
                self._push(entry, {"op": op, "before": before, "after": after})
        self.journal.sync()

    def add_box(self, file_id: str, at: Any, box: Any, track: str | None = None) -> str:
        """A face the detector missed. In a video it is a keyframe of a manual track: of ``track``,
        or of a new one; between two keyframes the box is interpolated. Returns the track's id."""
        with self.edit(file_id, "add") as change:
            return edits.add_box(change, frame(at, change.entry["frames"]), box, track)

    def edit_face(self, file_id: str, face_id: str, **fields: Any) -> None:
        """Move a face's box (``box``, and ``frame`` for a manual track's), set its ``action`` or
        ``filter``, delete or restore it (``deleted``)."""
        entry = self.file(file_id)
        if "frame" in fields:
            fields["frame"] = frame(fields["frame"], entry["frames"])
        if "deleted" in fields:
            fields["deleted"] = flag(fields["deleted"], "deleted")
        self._check_choices(fields)
        with self.edit(file_id, "edit") as change:
            edits.edit_face(change, face_id, fields)

    def delete_face(self, file_id: str, face_id: str) -> None:
        """Remove a false face (a detected one is kept in the file, marked deleted)."""
        with self.edit(file_id, "delete") as change:
            edits.edit_face(change, face_id, {"deleted": True})

    def edit_track(
        self, file_id: str, track: int | str, first: Any = None, last: Any = None, **fields: Any
    ) -> int:
        """Act on a whole track (veil's, or a manual ``m..``) or on its frames ``first``..``last``:
        ``action``, ``filter``, ``delete``. Returns how many of its per-frame faces changed."""
        if "delete" in fields:
            fields["delete"] = flag(fields["delete"], "delete")
        self._check_choices(fields)
        op = "delete-track" if fields.get("delete") else "edit-track"
        with self.edit(file_id, op) as change:
            return edits.edit_track(change, track, fields, first, last)

    def bulk(
        self,
        file_id: str,
        action: str,
        below: float | None = None,
        faces: list[str] | None = None,
        tracks: list[int | str] | None = None,
    ) -> int:
        """Delete, hide or keep many at once (`veil.review.edits.bulk`): one step to undo."""
        with self.edit(file_id, "bulk") as change:
            return edits.bulk(change, action, below, faces or [], tracks or [])

    def merge(self, file_id: str, into: int | str, other: int | str) -> int:
        """Make track ``other`` part of track ``into``. Returns how many faces moved."""
        with self.edit(file_id, "merge") as change:
            return edits.merge(change, into, other)

    def set_reviewed(self, file_id: str, reviewed: Any) -> None:
        with self.edit(file_id, "reviewed") as change:
            edits.set_reviewed(change, flag(reviewed, "reviewed"))

    def next_unit(self, file_id: str, after: int, key: str | None, unsure_only: bool) -> dict[str, Any]:
        """The track or lone face after the one at frame ``after`` named ``key``
        (`veil.review.index.FileIndex.next_unit`)."""
        with self.lock:
            return self.index(file_id).next_unit(after, key, unsure_only)

    def _check_choices(self, fields: dict[str, Any]) -> None:
        if "action" in fields:
            fields["action"] = action(fields["action"])
        if "filter" in fields:
            fields["filter"] = filter_name(fields["filter"], self.filters)

    def undo(self, file_id: str) -> str:
        """Take back the file's last change; returns what it was (``add``, ``delete-track``, ...)."""
        return self._move(file_id, -1)

    def redo(self, file_id: str) -> str:
        """Make again the last change undone."""
        return self._move(file_id, +1)

    def _move(self, file_id: str, step: int, replaying: bool = False) -> str:
        with self.lock:
            entry = self.file(file_id)
            position, history = entry["position"], entry["history"]
            if not 0 <= position + min(step, 0) < len(history):
                raise NothingToDo("nothing to undo" if step < 0 else "nothing to redo")
            done = history[position + min(step, 0)]
            images: Images = done["before"] if step < 0 else done["after"]
            op = "undo" if step < 0 else "redo"
            if not replaying:
                change = self._change(file_id, op, {"of": done["op"]})
                self._write({"file": file_id, "change": change, "move": step})
            self._apply(file_id, images)
            entry["position"] += step
        if not replaying:
            self.journal.sync()
        return str(done["op"])

    def _apply(self, file_id: str, images: Images) -> None:
        entry, index = self.file(file_id), self.index(file_id)
        old = {face_id: index.faces[face_id]["track"] for face_id in images["faces"]}
        apply_images(entry, index.faces, images)
        for face_id, track in old.items():
            if index.faces[face_id]["track"] != track:
                index.retrack(index.faces[face_id], track)
        tracks = set(old.values()) | {index.faces[face_id]["track"] for face_id in images["faces"]}
        index.refresh(tracks)

    def _push(self, entry: dict[str, Any], step: dict[str, Any]) -> None:
        del entry["history"][entry["position"] :]
        entry["history"].append(step)
        entry["position"] += 1

    def _change(self, file_id: str, op: str, details: dict[str, Any]) -> dict[str, Any]:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        change = {"time": stamp, "user": local_user(), "file": file_id, "op": op, **details}
        self._log(change)
        return change

    def _log(self, change: dict[str, Any]) -> None:
        """Add a change to the audit list (and to its file's count), made now or replayed."""
        self.data["changes"].append(change)
        self._changes[change["file"]] = self._changes.get(change["file"], 0) + 1

    def _write(self, line: dict[str, Any]) -> None:
        self._seq += 1
        self.journal.append({"seq": self._seq, **line})
        if self.journal.size() > COMPACT_BYTES:
            self.save()

    def _replay(self, line: dict[str, Any]) -> None:
        """One journal line onto the document read back (lines it already holds are skipped)."""
        if line["seq"] <= self._seq:
            return
        self._seq = line["seq"]
        if "entry" in line:
            self._put_entry(line["entry"])
            return
        file_id = line["file"]
        self._log(line["change"])
        if "step" in line:
            self._apply(file_id, line["step"]["after"])
            self._push(self.file(file_id), line["step"])
        else:
            self._move(file_id, int(line["move"]), replaying=True)
