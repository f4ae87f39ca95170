"""One JSON form of a face, shared by reports (``--report``, ``veil detect --json``) and reviews.

A face written here and read back is the face veil used: boxes and landmarks
are the exact float32 values (written in their shortest form), track ids stay
integers, and ``found_by`` and the filled flag travel with it. So a reviewed
export hides exactly the pixels a direct run hides, with every filter,
landmark-blur and drawn faces included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from veil.faces import Faces
from veil.tracking import FILL_SOURCE


def exact(value: float | np.floating) -> float:
    """A float32 as the shortest decimal that reads back as the same float32."""
    return float(str(np.float32(value)))


def encode_face(faces: Faces, i: int) -> dict[str, Any]:
    """Face ``i`` of ``faces``: box, score, landmarks, detector, and what tracking and a gallery said."""
    landmarks = None
    if faces.landmarks is not None and np.isfinite(faces.landmarks[i]).all():
        landmarks = [[exact(x), exact(y)] for x, y in faces.landmarks[i]]
    face: dict[str, Any] = {
        "box": [exact(v) for v in faces.xyxy[i]],
        "score": round(float(faces.score[i]), 4),
        "landmarks": landmarks,
        "detector": str(faces.source[i]),
    }
    if faces.track_id is not None:
        face["track"] = int(faces.track_id[i])
        face["filled"] = bool(faces.source[i] == FILL_SOURCE)
    if faces.found_by is not None and faces.found_by[i] is not None:
        face["found_by"] = str(faces.found_by[i])
    if faces.hide is not None:
        face["decision"] = "hide" if bool(faces.hide[i]) else "keep"
    if faces.identity is not None:
        face["identity"] = faces.identity[i]
    if faces.distance is not None:
        distance = float(faces.distance[i])
        face["distance"] = round(distance, 4) if np.isfinite(distance) else None
    return face


def encode_faces(faces: Faces) -> list[dict[str, Any]]:
    """Every face of one frame (`encode_face`)."""
    return [encode_face(faces, i) for i in range(len(faces))]


def decode_faces(entries: Sequence[dict[str, Any]]) -> Faces:
    """`Faces` from `encode_face` entries (extra keys are ignored; a missing field is left out).

    ``hide`` comes from ``decision``; a face without one is hidden.
    """
    if not entries:
        return Faces.empty()
    count = len(entries)
    landmarks = None
    if any(entry.get("landmarks") for entry in entries):
        landmarks = np.full((count, 5, 2), np.nan, np.float32)
        for i, entry in enumerate(entries):
            if entry.get("landmarks"):
                landmarks[i] = entry["landmarks"]
    tracked = any(entry.get("track") is not None for entry in entries)
    found = any(entry.get("found_by") is not None for entry in entries)
    decided = any("decision" in entry for entry in entries)
    return Faces(
        xyxy=np.asarray([entry["box"] for entry in entries], np.float32),
        score=np.asarray([entry.get("score") or 1.0 for entry in entries], np.float32),
        landmarks=landmarks,
        track_id=np.asarray([_track(entry) for entry in entries], np.int64) if tracked else None,
        source=np.asarray([_source(entry) for entry in entries], object),
        found_by=np.asarray([entry.get("found_by") for entry in entries], object) if found else None,
        hide=np.asarray([entry.get("decision", "hide") == "hide" for entry in entries]) if decided else None,
    )


def _track(entry: dict[str, Any]) -> int:
    track = entry.get("track")
    return -1 if track is None else int(track)


def _source(entry: dict[str, Any]) -> str:
    if entry.get("filled"):
        return FILL_SOURCE
    return str(entry.get("detector") or "")
