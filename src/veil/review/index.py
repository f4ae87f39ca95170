"""One file's faces looked up by id, by frame and by track, and each track summed up once.

A ten-minute video holds hundreds of thousands of faces and tens of thousands
of tracks: the page asks for a window of frames, an edit names a face or a
track, the overview polls counts every second, and none of it may scan the
whole file. The index is built once per file; an edit `refresh`-es only the
tracks it touched, and the counts follow (`FileIndex.counts`).
"""

from __future__ import annotations

from typing import Any

from veil.review.entries import manual_row
from veil.tracking import SURE_SCORE

UNSURE_SCORE = SURE_SCORE
"""A detection scoring less is unsure (a track is unsure when none of its detections reaches it)."""
UNSURE_FILLED = 0.5
"""A track more than this share of whose frames tracking placed (not a detector) is unsure."""


def face_unsure(face: dict[str, Any]) -> bool:
    """Only tracking placed it, or it scores below `UNSURE_SCORE` (a face added by hand has no score)."""
    return face["origin"] == "filled" or (face["score"] if face["score"] is not None else 1) < UNSURE_SCORE


def runs(frames: list[int]) -> list[list[int]]:
    """Sorted frames as runs of consecutive ones: ``[0, 1, 2, 5]`` -> ``[[0, 2], [5, 5]]``."""
    found: list[list[int]] = []
    for frame in frames:
        if found and frame == found[-1][1] + 1:
            found[-1][1] = frame
        elif not found or frame != found[-1][1]:
            found.append([frame, frame])
    return found


def track_row(track: int, faces: list[dict[str, Any]], info: dict[str, Any] | None) -> dict[str, Any] | None:
    """A detected track as a reviewer checks it: its frames, its detections, how sure veil is of it.

    ``info`` is the tracker's own word (``confirmed``) where the detection run gave one.
    Unsure: the tracker did not confirm it, no detection reached `UNSURE_SCORE`, or tracking
    placed more than `UNSURE_FILLED` of it. None when every face of it is deleted.
    """
    live = [face for face in faces if not face["deleted"]]
    if not live:
        return None
    detected = [face for face in live if face["origin"] == "detected"]
    best = max((face["score"] or 0.0 for face in detected), default=0.0)
    filled_share = round(1 - len(detected) / len(live), 3)
    confirmed = True if info is None else bool(info.get("confirmed", True))
    actions = {face["action"] for face in live}
    return {
        "id": track,
        "origin": "detected",
        "first": live[0]["frame"],
        "last": live[-1]["frame"],
        "frames": len(live),
        "runs": runs([face["frame"] for face in live]),
        "detections": len(detected),
        "filled_share": filled_share,
        "max_score": round(best, 3),
        "confirmed": confirmed,
        "unsure": not confirmed or best < UNSURE_SCORE or filled_share > UNSURE_FILLED,
        "action": actions.pop() if len(actions) == 1 else "mixed",
    }


def _order(row: dict[str, Any]) -> tuple[int, str]:
    return row["first"], str(row["id"])


class FileIndex:
    """Faces of one file by id, by frame and by detected track (in frame order), and its tracks' rows."""

    def __init__(self, entry: dict[str, Any]) -> None:
        self.entry = entry
        self.faces: dict[str, dict[str, Any]] = {}
        self.by_frame: dict[int, list[dict[str, Any]]] = {}
        self.by_track: dict[int, list[dict[str, Any]]] = {}
        self.untracked: dict[str, dict[str, Any]] = {}
        for face in entry["faces"]:
            self.faces[face["id"]] = face
            self.by_frame.setdefault(face["frame"], []).append(face)
            self._join(face)
        for members in self.by_track.values():
            members.sort(key=lambda f: f["frame"])
        self._rows: dict[int, dict[str, Any] | None] = {}
        self._tally: list[int] | None = None  # [tracks, unsure tracks] once every row is computed

    def _join(self, face: dict[str, Any]) -> None:
        if face["track"] is None:
            self.untracked[face["id"]] = face
        else:
            self.by_track.setdefault(face["track"], []).append(face)

    def row(self, track: int) -> dict[str, Any] | None:
        """`track_row` of a detected track (computed once, until an edit touches the track)."""
        if track not in self._rows:
            info = self.entry["track_info"].get(str(track))
            self._rows[track] = track_row(track, self.by_track.get(track, []), info)
        return self._rows[track]

    def counts(self) -> tuple[int, int]:
        """What a reviewer checks (tracks, manual tracks, faces in no track) and how many are unsure."""
        if self._tally is None:
            rows = [self.row(track) for track in self.by_track]
            self._tally = [sum(r is not None for r in rows), sum(r is not None and r["unsure"] for r in rows)]
        lone = [face for face in self.untracked.values() if not face["deleted"]]
        units = self._tally[0] + len(self.entry["tracks"]) + len(lone)
        return units, self._tally[1] + sum(face_unsure(face) for face in lone)

    def refresh(self, tracks: set[Any]) -> None:
        """Recompute the rows of ``tracks`` after an edit (and the counts with them)."""
        for track in tracks:
            if not isinstance(track, int):
                continue
            old = self._rows.pop(track, None)
            if self._tally is not None:
                new = self.row(track)
                for row, sign in ((old, -1), (new, 1)):
                    if row is not None:
                        self._tally[0] += sign
                        self._tally[1] += sign * row["unsure"]

    def retrack(self, face: dict[str, Any], old: int | None) -> None:
        """Move a face whose track changed (a merge, or its undo) to its new track's list."""
        members = self.untracked if old is None else None
        if members is not None:
            members.pop(face["id"], None)
        elif old in self.by_track:
            self.by_track[old] = [f for f in self.by_track[old] if f is not face]
            if not self.by_track[old]:
                del self.by_track[old]
        self._join(face)
        if face["track"] is not None:
            self.by_track[face["track"]].sort(key=lambda f: f["frame"])

    def rows_between(self, first: int, last: int) -> list[dict[str, Any]]:
        """The tracks (detected and manual) with a face in frames ``first``..``last``, by first frame."""
        tracks = {
            face["track"]
            for frame in range(first, last + 1)
            for face in self.by_frame.get(frame, [])
            if face["track"] is not None and not face["deleted"]
        }
        rows = [row for row in map(self.row, tracks) if row is not None]
        manual = [manual_row(track_id, track) for track_id, track in self.entry["tracks"].items()]
        rows += [row for row in manual if row["first"] <= last and row["last"] >= first]
        return sorted(rows, key=_order)

    def all_rows(self) -> list[dict[str, Any]]:
        """Every track of the file, by first frame."""
        rows = [row for row in map(self.row, list(self.by_track)) if row is not None]
        rows += [manual_row(track_id, track) for track_id, track in self.entry["tracks"].items()]
        return sorted(rows, key=_order)

    def next_unit(self, frame: int, key: str | None, unsure_only: bool) -> dict[str, Any]:
        """The track or lone face after the one at ``frame`` named ``key`` (by first frame, then
        id), wrapping at the end: ``{"frame", "track", "face", "unsure"}``.

        Raises:
            KeyError: there is none (none unsure, with ``unsure_only``).
        """
        here = (frame, key or "")
        units = [
            {"frame": row["first"], "track": row["id"], "face": None, "unsure": row["unsure"]}
            for row in map(self.row, list(self.by_track))
            if row is not None
        ]
        units += [
            {"frame": row["first"], "track": row["id"], "face": None, "unsure": False}
            for row in (manual_row(k, t) for k, t in self.entry["tracks"].items())
        ]
        units += [
            {"frame": face["frame"], "track": None, "face": face["id"], "unsure": face_unsure(face)}
            for face in self.untracked.values()
            if not face["deleted"]
        ]
        chosen = [unit for unit in units if unit["unsure"] or not unsure_only]
        if not chosen:
            raise KeyError("no unsure track or face" if unsure_only else "no face")

        def place(unit: dict[str, Any]) -> tuple[int, str]:
            return unit["frame"], str(unit["track"] if unit["track"] is not None else unit["face"])

        later = [unit for unit in chosen if place(unit) > here]
        return min(later or chosen, key=place)
