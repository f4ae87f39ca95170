"""Check a saved review before anything uses it: a bad entry is named (``files[2].faces[17].box``).

A review may have been edited by hand, cut short by a full disk, or written
by a veil with other rules; `check_document` reads every field the page and
the export rely on, so neither can crash or hang on it later.
"""

from __future__ import annotations

import math
from typing import Any

from veil.review.checks import ACTIONS, BadValue

KINDS = ("photo", "video")
STATUSES = ("waiting", "detecting", "ready", "failed")


def check_document(data: Any) -> None:
    """Raise `BadValue` naming the first entry that is not a valid review's."""
    if not isinstance(data, dict):
        raise BadValue("the review is not a JSON object")
    for key, kind in (("settings", dict), ("files", list), ("changes", list)):
        if not isinstance(data.get(key), kind):
            raise BadValue(f"{key}: missing or not a JSON {kind.__name__}")
    ids = set()
    for i, entry in enumerate(data["files"]):
        check_file(entry, f"files[{i}]")
        if entry["id"] in ids:
            raise BadValue(f"files[{i}].id: {entry['id']!r} appears twice")
        ids.add(entry["id"])


def _need(condition: bool, where: str, what: str) -> None:
    if not condition:
        raise BadValue(f"{where}: {what}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_box(value: Any, where: str) -> None:
    ok = isinstance(value, list) and len(value) == 4 and all(_is_number(v) for v in value)
    _need(ok and value[0] < value[2] and value[1] < value[3], where, "not a box x1 < x2, y1 < y2")


def check_file(entry: Any, where: str) -> None:
    """One file's entry: its fields, then every face and manual track in it."""
    _need(isinstance(entry, dict), where, "not a JSON object")
    for key in ("id", "path", "output"):
        _need(isinstance(entry.get(key), str), f"{where}.{key}", "missing or not a string")
    _need(entry.get("kind") in KINDS, f"{where}.kind", f"one of {', '.join(KINDS)}")
    _need(entry.get("status") in STATUSES, f"{where}.status", f"one of {', '.join(STATUSES)}")
    frames = entry.get("frames")
    _need(_is_int(frames) and frames >= 1, f"{where}.frames", "a whole number >= 1")
    for key in ("width", "height"):
        value = entry.get(key)
        _need(value is None or (_is_int(value) and value > 0), f"{where}.{key}", "a whole number > 0")
    times = entry.get("times")
    ok = isinstance(times, list) and len(times) == frames and all(_is_number(t) for t in times)
    _need(ok, f"{where}.times", "one finite time per frame")
    _need(isinstance(entry.get("reviewed"), bool), f"{where}.reviewed", "true or false")
    _need(isinstance(entry.get("faces"), list), f"{where}.faces", "not a list")
    _need(isinstance(entry.get("tracks"), dict), f"{where}.tracks", "not an object")
    if entry["status"] == "ready":
        _need(entry["width"] is not None and entry["height"] is not None, where, "ready without a size")
    for j, face in enumerate(entry["faces"]):
        if not _face_ok(face, frames):  # the quick test; the full one names what is wrong
            _check_face(face, frames, f"{where}.faces[{j}]")
    for name, track in entry["tracks"].items():
        _check_manual_track(track, frames, f"{where}.tracks.{name}")


def _face_ok(face: Any, frames: int) -> bool:
    """Whether a face passes `_check_face`, tested without building a message per field
    (a ten-minute video has hundreds of thousands)."""
    try:
        box, frame, score, track = face["box"], face["frame"], face["score"], face["track"]
        return (
            type(face["id"]) is str
            and type(frame) is int
            and 0 <= frame < frames
            and type(box) is list
            and len(box) == 4
            and all(type(v) in (int, float) and math.isfinite(v) for v in box)
            and box[0] < box[2]
            and box[1] < box[3]
            and (score is None or (type(score) in (int, float) and math.isfinite(score)))
            and (track is None or (type(track) is int and track >= 0))
            and face["action"] in ACTIONS
            and (face["filter"] is None or type(face["filter"]) is str)
            and type(face["deleted"]) is bool
            and face["origin"] in ("detected", "filled")
        )
    except (TypeError, KeyError):
        return False


def _check_face(face: Any, frames: int, where: str) -> None:
    _need(isinstance(face, dict), where, "not a JSON object")
    _need(isinstance(face.get("id"), str), f"{where}.id", "missing or not a string")
    frame = face.get("frame")
    _need(_is_int(frame) and 0 <= frame < frames, f"{where}.frame", f"not a frame in 0..{frames - 1}")
    _check_box(face.get("box"), f"{where}.box")
    score = face.get("score")
    _need(score is None or _is_number(score), f"{where}.score", "not a finite number")
    track = face.get("track")
    _need(track is None or (_is_int(track) and track >= 0), f"{where}.track", "not a track number")
    _need(face.get("action") in ACTIONS, f"{where}.action", f"one of {', '.join(ACTIONS)}")
    _need(face.get("filter") is None or isinstance(face["filter"], str), f"{where}.filter", "not a name")
    _need(isinstance(face.get("deleted"), bool), f"{where}.deleted", "true or false")
    _need(face.get("origin") in ("detected", "filled"), f"{where}.origin", "detected or filled")


def _check_manual_track(track: Any, frames: int, where: str) -> None:
    _need(isinstance(track, dict), where, "not a JSON object")
    keyframes = track.get("keyframes")
    _need(isinstance(keyframes, dict) and bool(keyframes), f"{where}.keyframes", "no keyframe")
    for key, box in keyframes.items():
        ok = key.isdigit() and int(key) < frames
        _need(ok, f"{where}.keyframes.{key[:20]}", f"not a frame in 0..{frames - 1}")
        _check_box(box, f"{where}.keyframes.{key}")
    _need(track.get("action") in ACTIONS, f"{where}.action", f"one of {', '.join(ACTIONS)}")
    _need(track.get("filter") is None or isinstance(track["filter"], str), f"{where}.filter", "not a name")
    cut = track.get("cut")
    ok = isinstance(cut, list) and all(
        isinstance(c, list) and len(c) == 2 and all(_is_int(v) for v in c) and c[0] <= c[1] for c in cut
    )
    _need(ok, f"{where}.cut", "not a list of [first, last] frame ranges")
