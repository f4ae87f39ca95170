"""A file's entry in the review: made before detection, filled from it, and its manual tracks.

A face veil found keeps every field a report gives it (`veil.face_codec`), so
an export without edits writes what ``veil`` writes; a face drawn by hand is
a keyframe of a *manual track*, interpolated between its keyframes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from veil.face_codec import encode_face
from veil.faces import Faces
from veil.report import FileRecord, TrackSummary

MANUAL_TRACKS = 1_000_000_000
"""Manual track ``m<n>`` is track ``MANUAL_TRACKS + n`` in an export (its sealed id, its drawn face):
above any track id veil numbers itself."""


def file_entry(index: int, source: Path, output: Path, kind: str) -> dict[str, Any]:
    """A file's entry before detection has run."""
    return {
        "id": f"f{index}",
        "path": str(source),
        "output": str(output),
        "kind": kind,
        "status": "waiting",
        "error": None,
        "missing": False,
        "width": None,
        "height": None,
        "frames": 1,
        "fps": None,
        "times": [0.0],
        "reviewed": False,
        "faces": [],
        "tracks": {},
        "track_info": {},
        "next_id": 0,
        "history": [],
        "position": 0,
    }


def detections(entry: dict[str, Any], record: FileRecord) -> None:
    """Fill a file's entry from a detection run (`Anonymizer.process_file` with no output)."""
    entry.update(width=record.width, height=record.height, status="ready", faces=[], track_info={})
    per_frame = [(0, record.faces)] if record.frames is None else [(f.index, f.faces) for f in record.frames]
    if record.frames is not None:
        entry.update(
            frames=len(record.frames), fps=record.fps, times=[round(f.time, 6) for f in record.frames]
        )
        rows = TrackSummary.of(record.frames).rows()
        entry["track_info"] = {str(row["track"]): {"confirmed": row["confirmed"]} for row in rows}
    for frame, faces in per_frame:
        for i in range(len(faces)):
            entry["faces"].append(detected_face(entry, frame, faces, i))


def detected_face(entry: dict[str, Any], frame: int, faces: Faces, i: int) -> dict[str, Any]:
    """A face as veil found it (`veil.face_codec`), with what the reviewer may change."""
    face = encode_face(faces, i)
    decision = face.pop("decision", "hide")
    return {
        "id": new_id(entry, "d"),
        "frame": frame,
        **face,
        "track": face.get("track"),
        "origin": "filled" if face.get("filled") else "detected",
        "action": decision,
        "filter": None,
        "deleted": False,
    }


def new_id(entry: dict[str, Any], prefix: str) -> str:
    entry["next_id"] += 1
    return f"{prefix}{entry['next_id']}"


def upgrade(data: dict[str, Any], form: str) -> None:
    """Give an older review the fields this form adds."""
    for entry in data["files"]:
        if isinstance(entry, dict):
            for key, value in file_entry(0, Path(), Path(), "photo").items():
                entry.setdefault(key, value)
    data["format"] = form


def manual_face(track_id: str, track: dict[str, Any], frame: int, box: list[float]) -> dict[str, Any]:
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


def manual_row(track_id: str, track: dict[str, Any]) -> dict[str, Any]:
    """A track drawn by hand as the page lists it: from its first keyframe to its last, less the
    frames cut out of it."""
    keys = sorted(int(k) for k in track["keyframes"])
    spans = [[keys[0], keys[-1]]]
    for low, high in sorted(track["cut"]):
        spans = [part for a, b in spans for part in ([a, min(b, low - 1)], [max(a, high + 1), b])]
        spans = [[a, b] for a, b in spans if a <= b]
    return {
        "id": track_id,
        "origin": "manual",
        "first": spans[0][0] if spans else keys[0],
        "last": spans[-1][1] if spans else keys[-1],
        "frames": sum(b - a + 1 for a, b in spans),
        "runs": spans,
        "detections": 0,
        "filled_share": 0.0,
        "max_score": None,
        "confirmed": True,
        "unsure": False,
        "action": track["action"],
    }


def track_number(track: int | str | None) -> int | None:
    """A face's track as a number: veil's own ids as they are, manual ``m<n>`` from `MANUAL_TRACKS`."""
    if track is None or isinstance(track, int):
        return track
    return MANUAL_TRACKS + int(track[1:])


def track_key(text: str) -> int | str:
    """A track id as the API names it: veil's tracks by number, manual tracks as ``m<n>``."""
    return int(text) if text.isdigit() and len(text) < 12 else text
