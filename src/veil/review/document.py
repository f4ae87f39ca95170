"""The review document (``OUT/veil-review.json``): what veil found, and every change a reviewer made.

One JSON file holds the whole review (schema: ``veil/schema/review.schema.json``,
described on the docs' review page, docs/review.md). Each file has its faces, one per
frame it appears in, detected or placed by tracking; a reviewer's changes edit
them in place and are appended to ``changes`` with the time and the local user.
Boxes a reviewer adds in a video form *manual tracks*: a box on two frames is
interpolated between them. Every change is saved at once, atomically, so the
browser (or veil) can stop at any moment and reopening restores the review.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from veil.errors import MediaError
from veil.face_codec import encode_face
from veil.faces import Faces
from veil.files import local_user, write_json
from veil.report import FileRecord
from veil.tracking import SURE_SCORE

DOCUMENT_NAME = "veil-review.json"
FORMAT = "veil-review/2"
UNSURE_SCORE = SURE_SCORE
"""Faces scoring below this, and faces only tracking placed, make a frame uncertain."""
ACTIONS = ("hide", "keep")
MANUAL_TRACKS = 1_000_000_000
"""Manual track ``m<n>`` is track ``MANUAL_TRACKS + n`` in an export (its sealed id, its drawn face):
above any track id veil numbers itself."""


def _box(value: Any, width: int, height: int) -> list[float]:
    """A reviewer's box, checked and clipped to the picture (x1 < x2, y1 < y2)."""
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"a box is four numbers x1, y1, x2, y2; got {value!r}") from None
    x1, x2 = sorted((min(max(x1, 0.0), width), min(max(x2, 0.0), width)))
    y1, y2 = sorted((min(max(y1, 0.0), height), min(max(y2, 0.0), height)))
    if x2 - x1 < 2 or y2 - y1 < 2:
        raise ValueError("a box must be at least 2 pixels wide and high")
    return [round(x1, 1), round(y1, 1), round(x2, 1), round(y2, 1)]


def file_entry(index: int, source: Path, output: Path, kind: str) -> dict[str, Any]:
    """A file's entry before detection has run."""
    return {
        "id": f"f{index}",
        "path": str(source),
        "output": str(output),
        "kind": kind,
        "status": "waiting",
        "error": None,
        "width": None,
        "height": None,
        "frames": 1,
        "fps": None,
        "times": [0.0],
        "reviewed": False,
        "faces": [],
        "tracks": {},
        "next_id": 0,
    }


def detections(entry: dict[str, Any], record: FileRecord) -> None:
    """Fill a file's entry from a detection run (`Anonymizer.process_file` with no output)."""
    entry.update(width=record.width, height=record.height, status="ready", faces=[])
    per_frame = [(0, record.faces)] if record.frames is None else [(f.index, f.faces) for f in record.frames]
    if record.frames is not None:
        entry.update(
            frames=len(record.frames), fps=record.fps, times=[round(f.time, 6) for f in record.frames]
        )
    for frame, faces in per_frame:
        for i in range(len(faces)):
            entry["faces"].append(_detected_face(entry, frame, faces, i))


def _detected_face(entry: dict[str, Any], frame: int, faces: Faces, i: int) -> dict[str, Any]:
    """A face as veil found it (`veil.face_codec`), with what the reviewer may change."""
    face = encode_face(faces, i)
    decision = face.pop("decision", "hide")
    return {
        "id": _new_id(entry, "d"),
        "frame": frame,
        **face,
        "track": face.get("track"),
        "origin": "filled" if face.get("filled") else "detected",
        "action": decision,
        "filter": None,
        "deleted": False,
    }


def track_number(track: int | str | None) -> int | None:
    """A face's track as a number: veil's own ids as they are, manual ``m<n>`` from `MANUAL_TRACKS`."""
    if track is None or isinstance(track, int):
        return track
    return MANUAL_TRACKS + int(track[1:])


def track_key(text: str) -> int | str:
    """A track id as the API names it: veil's tracks by number, manual tracks as ``m<n>``."""
    return int(text) if text.isdigit() else text


def _unsure(face: dict[str, Any]) -> bool:
    """Only tracking placed it, or it scores below `UNSURE_SCORE` (a face added by hand has no score)."""
    return face["origin"] == "filled" or (face["score"] or 1) < UNSURE_SCORE


def _filter_name(name: str | None) -> str | None:
    """A filter a reviewer picked for a face; ``""`` or None: the run's own."""
    from veil.filters import FILTER_NAMES

    if name and name not in FILTER_NAMES:
        raise ValueError(f"unknown filter {name!r}; choose from {', '.join(FILTER_NAMES)}")
    return name or None


def _new_id(entry: dict[str, Any], prefix: str) -> str:
    entry["next_id"] += 1
    return f"{prefix}{entry['next_id']}"


class ReviewDocument:
    """The review of a set of files, saved to ``path`` after every change (thread-safe).

    Examples:
        >>> from veil.settings import Settings
        >>> entry = file_entry(0, Path("examples/newton.png"), Path("newton.png"), "photo")
        >>> entry.update(status="ready", width=768, height=432)
        >>> review = ReviewDocument.create(Path("veil-review.json"), [entry], Settings().to_json())
        >>> review.add_box("f0", 0, [10, 10, 60, 70])
        'm1'
        >>> [face["box"] for face in review.faces_at("f0", 0)]
        [[10.0, 10.0, 60.0, 70.0]]
    """

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.lock = threading.RLock()

    @classmethod
    def create(cls, path: Path, files: list[dict[str, Any]], settings: dict[str, Any]) -> ReviewDocument:
        data = {"format": FORMAT, "settings": settings, "files": files, "changes": []}
        return cls(path, data)

    @classmethod
    def load(cls, path: Path) -> ReviewDocument:
        """Reopen a saved review.

        Raises:
            MediaError: the file is missing, not JSON, or not a veil review.
        """
        try:
            data = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise MediaError(path, "no such review file") from None
        except (OSError, ValueError) as exc:
            raise MediaError(path, f"not a readable review ({exc})") from None
        found = data.get("format") if isinstance(data, dict) else None
        if isinstance(found, str) and found.startswith("veil-review/") and found != FORMAT:
            reason = f"a review in the older form {found} (this veil reads {FORMAT}): run veil review again"
            raise MediaError(path, reason + " into a new folder")
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise MediaError(path, f"not a veil review (expected format {FORMAT})")
        return cls(path, data)

    def save(self) -> None:
        with self.lock:
            write_json(self.path, self.data)

    # -- reading ---------------------------------------------------------------------
    def file(self, file_id: str) -> dict[str, Any]:
        for entry in self.data["files"]:
            if entry["id"] == file_id:
                return entry
        raise KeyError(file_id)

    def faces_at(self, file_id: str, frame: int) -> list[dict[str, Any]]:
        """The faces frame ``frame`` will have in the output (see `faces_by_frame`)."""
        return self.faces_by_frame(file_id, frame).get(frame, [])

    def faces_by_frame(self, file_id: str, only: int | None = None) -> dict[int, list[dict[str, Any]]]:
        """Per frame, the faces the output will have: those found and not deleted, and the boxes
        of manual tracks (keyframes and what is interpolated between them)."""
        with self.lock:
            entry = self.file(file_id)
            frames: dict[int, list[dict[str, Any]]] = {}
            for face in entry["faces"]:
                if not face["deleted"] and (only is None or face["frame"] == only):
                    frames.setdefault(face["frame"], []).append(face)
            for track_id, track in entry["tracks"].items():
                keys = [int(k) for k in track["keyframes"]]
                span = range(min(keys), max(keys) + 1) if only is None else [only]
                for frame in span:
                    box = interpolate(track, frame)
                    if box is not None:
                        frames.setdefault(frame, []).append(_manual_face(track_id, track, frame, box))
            return frames

    def uncertain_frames(self, file_id: str) -> list[int]:
        """Frames where a face scores below `UNSURE_SCORE` or only tracking placed it."""
        entry = self.file(file_id)
        return sorted({f["frame"] for f in entry["faces"] if not f["deleted"] and _unsure(f)})

    def summary(self, entry: dict[str, Any]) -> dict[str, Any]:
        """A file's line in the overview: counts, how unsure veil is, reviewed or not."""
        live = [f for f in entry["faces"] if not f["deleted"]]
        unsure = [f for f in live if _unsure(f)]
        tracks = {f["track"] for f in live if f["track"] is not None}
        people = len(tracks) if entry["kind"] == "video" else len(live)
        return {
            **{k: entry[k] for k in ("id", "path", "kind", "status", "error", "width", "height", "frames")},
            "reviewed": entry["reviewed"],
            "faces": people + len(entry["tracks"]),
            "unsure": len(unsure),
            "uncertainty": round(len(unsure) / len(live), 3) if live else 0.0,
            "changes": sum(c["file"] == entry["id"] for c in self.data["changes"]),
        }

    # -- changes (each saved at once) ------------------------------------------------------
    @contextmanager
    def change(
        self, file_id: str, op: str, **details: Any
    ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Edit one file: yields its entry and the change's details (the body may add to them).

        When the body ends without error, the change is logged with the time and
        the local user, and the review is saved.
        """
        with self.lock:
            entry = self.file(file_id)
            yield entry, details
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            self.data["changes"].append(
                {"time": stamp, "user": local_user(), "file": file_id, "op": op, **details}
            )
            self.save()

    def _face(self, entry: dict[str, Any], face_id: str) -> dict[str, Any]:
        for face in entry["faces"]:
            if face["id"] == face_id:
                return face
        raise KeyError(face_id)

    def add_box(self, file_id: str, frame: int, box: Any, track: str | None = None) -> str:
        """A face the detector missed. In a video it is a keyframe of a manual track: of ``track``,
        or of a new one; between two keyframes the box is interpolated. Returns the track's id."""
        with self.change(file_id, "add", frame=frame) as (entry, log):
            box = _box(box, entry["width"], entry["height"])
            if not 0 <= frame < entry["frames"]:
                raise ValueError(f"frame {frame} is outside 0..{entry['frames'] - 1}")
            if track is None:
                track = _new_id(entry, "m")
                entry["tracks"][track] = {"keyframes": {}, "action": "hide", "filter": None, "cut": []}
            elif track not in entry["tracks"]:
                raise KeyError(track)
            entry["tracks"][track]["keyframes"][str(frame)] = box
            log.update(track=track, box=box)
        return track

    def edit_face(self, file_id: str, face_id: str, **fields: Any) -> None:
        """Move a face's box, or set its action (hide/keep) or its filter; a manual track's keyframe
        is moved when ``face_id`` is a track id (the box at ``frame``)."""
        if fields.get("action", "hide") not in ACTIONS:
            raise ValueError(f"action is one of {', '.join(ACTIONS)}")
        if "filter" in fields:
            fields["filter"] = _filter_name(fields["filter"])  # checked before anything changes
        with self.change(file_id, "edit", face=face_id, **fields) as (entry, _):
            target = entry["tracks"].get(face_id)
            if target is None:
                target = self._face(entry, face_id)
            if "box" in fields:
                box = _box(fields["box"], entry["width"], entry["height"])
                if face_id in entry["tracks"]:
                    target["keyframes"][str(int(fields["frame"]))] = box
                else:
                    target["box"] = box
            if "action" in fields:
                target["action"] = fields["action"]
            if "filter" in fields:
                target["filter"] = fields["filter"]

    def delete_face(self, file_id: str, face_id: str) -> None:
        """Remove a false face (a detected one is kept in the file, marked deleted)."""
        with self.change(file_id, "delete", face=face_id) as (entry, _):
            if face_id in entry["tracks"]:
                del entry["tracks"][face_id]
            else:
                self._face(entry, face_id)["deleted"] = True

    def edit_track(
        self,
        file_id: str,
        track_id: int | str,
        action: str | None = None,
        filter_name: str | None = None,
        first: int | None = None,
        last: int | None = None,
        delete: bool = False,
    ) -> int:
        """Act on a whole track (detected ``t..`` or manual ``m..``), or on frames ``first``..``last`` of it.

        Returns how many of its per-frame faces were changed.
        """
        details = {"track": track_id, "action": action, "filter": filter_name, "first": first, "last": last}
        if action is not None and action not in ACTIONS:
            raise ValueError(f"action is one of {', '.join(ACTIONS)}")
        chosen = None if filter_name is None else _filter_name(filter_name)  # "" resets to the run's
        with self.change(file_id, "delete-track" if delete else "edit-track", **details) as (entry, _):
            low = -1 if first is None else first
            high = 10**12 if last is None else last
            changed = 0
            if track_id in entry["tracks"]:
                track = entry["tracks"][track_id]
                if delete and first is None and last is None:
                    del entry["tracks"][track_id]
                    return 1
                if delete:
                    track["cut"].append([low, high])
                if action is not None:
                    track["action"] = action
                if filter_name is not None:
                    track["filter"] = chosen
                return 1
            for face in entry["faces"]:
                if face["track"] == track_id and low <= face["frame"] <= high:
                    changed += 1
                    if delete:
                        face["deleted"] = True
                    if action is not None:
                        face["action"] = action
                    if filter_name is not None:
                        face["filter"] = chosen
            if not changed:
                raise KeyError(track_id)
            return changed

    def set_reviewed(self, file_id: str, reviewed: bool) -> None:
        with self.change(file_id, "reviewed", reviewed=reviewed) as (entry, _):
            entry["reviewed"] = bool(reviewed)

    def manual_changes(self) -> list[dict[str, Any]]:
        """Every change a reviewer made, in order (what an export's report lists)."""
        return list(self.data["changes"])


def _manual_face(track_id: str, track: dict[str, Any], frame: int, box: list[float]) -> dict[str, Any]:
    keyframe = str(frame) in track["keyframes"]
    return {
        "id": track_id,
        "frame": frame,
        "box": box,
        "score": None,
        "track": track_id,
        "origin": "manual",
        "keyframe": keyframe,
        "action": track["action"],
        "filter": track["filter"],
        "deleted": False,
    }


def interpolate(track: dict[str, Any], frame: int) -> list[float] | None:
    """A manual track's box at ``frame``: a keyframe, or linear between the keyframes around it."""
    if any(low <= frame <= high for low, high in track.get("cut", [])):
        return None
    keys = sorted(int(k) for k in track["keyframes"])
    if not keys or frame < keys[0] or frame > keys[-1]:
        return None
    if str(frame) in track["keyframes"]:
        return list(track["keyframes"][str(frame)])
    after = next(k for k in keys if k > frame)
    before = max(k for k in keys if k < frame)
    t = (frame - before) / (after - before)
    a = np.asarray(track["keyframes"][str(before)], float)
    b = np.asarray(track["keyframes"][str(after)], float)
    return [round(float(v), 1) for v in a + (b - a) * t]
