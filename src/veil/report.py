"""The JSON written by ``veil detect --json`` and ``--report`` (schema: schema/detections.schema.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from veil.face_codec import encode_faces
from veil.faces import Faces
from veil.filters.base import Region
from veil.tracking import FILL_SOURCE, SURE_SCORE, confirms, track_pass
from veil.version import __version__


def faces_json(
    faces: Faces,
    regions: list[Region] | None = None,
    filter_name: str | None = None,
    mask_shape: str | None = None,
) -> list[dict[str, Any]]:
    """The JSON list for the faces of one frame (`veil.face_codec`), and what was applied to each."""
    entries = encode_faces(faces)
    for i, face in enumerate(entries):
        hidden = face.get("decision", "hide") == "hide"
        if hidden and filter_name is not None and regions is not None and i < len(regions):
            face["action"] = {
                "filter": filter_name,
                "mask": mask_shape,
                "region": [int(v) for v in regions[i]],
            }
    return entries


@dataclass
class FrameRecord:
    """One video frame's faces (detected or filled in from a track), decisions and masked regions."""

    index: int
    time: float
    faces: Faces
    regions: list[Region] = field(default_factory=list)


def frame_json(frame: FrameRecord, filter_name: str | None, mask_shape: str | None) -> dict[str, Any]:
    """One video frame's entry in a report."""
    return {
        "index": frame.index,
        "time": round(frame.time, 4),
        "faces": faces_json(frame.faces, frame.regions, filter_name, mask_shape),
    }


class TrackSummary:
    """A video's tracks, tallied frame by frame: what a reviewer checks as a unit.

    A long video is summed up as its frames go by (`add`) without keeping
    them. Memory grows with the number of tracks (lone finds included), so
    each is a row of small arrays, about 160 bytes, not a dict of its own.
    """

    _INTS = ("first", "last", "frames", "detections")

    def __init__(self) -> None:
        self.frames = 0
        self.faces = 0  # every face of every frame (the count when nothing was tracked)
        self.tracked = False
        self._row: dict[int, int] = {}  # track id -> row, in order of first appearance
        self._ints = np.zeros((0, len(self._INTS)), np.int64)
        self._scores = np.zeros((0, 2))  # sum and max of the detections' scores
        self._passes = np.zeros(0, np.uint32)  # a bit per pass name (`_bits`)
        self._bits: dict[str, int] = {}

    @classmethod
    def of(cls, frames: list[FrameRecord]) -> TrackSummary:
        summary = cls()
        for frame in frames:
            summary.add(frame)
        return summary

    def _new_row(self, track: int, index: int) -> int:
        row = len(self._row)
        if row == len(self._ints):  # grow by half: appending stays cheap
            extra = max(64, row // 2)
            self._ints = np.concatenate([self._ints, np.zeros((extra, len(self._INTS)), np.int64)])
            self._scores = np.concatenate([self._scores, np.zeros((extra, 2))])
            self._passes = np.concatenate([self._passes, np.zeros(extra, np.uint32)])
        self._row[track] = row
        self._ints[row] = (index, index, 0, 0)
        return row

    def add(self, frame: FrameRecord) -> None:
        """Count one frame's faces into their tracks."""
        self.frames += 1
        faces = frame.faces
        self.faces += len(faces)
        if faces.track_id is None:
            return
        self.tracked = True
        for i, track in enumerate(faces.track_id.tolist()):
            row = self._row.get(track)
            if row is None:
                row = self._new_row(track, frame.index)
            ints = self._ints[row]
            ints[1] = frame.index
            ints[2] += 1
            if faces.source[i] != FILL_SOURCE:
                found_by = str(faces.found_by[i]) if faces.found_by is not None else ""
                name = track_pass(found_by, ints[3] > 0)
                self._passes[row] |= 1 << self._bits.setdefault(name, len(self._bits))
                score = float(faces.score[i])
                ints[3] += 1
                self._scores[row, 0] += score
                self._scores[row, 1] = max(self._scores[row, 1], score)

    def rows(self) -> list[dict[str, Any]]:
        """One line per track, in order of first appearance.

        ``detections``: frames where a detector found the face; ``filled_share``: the share of
        the track's frames that tracking placed; scores are the detections'. ``confirmed``: the
        tracker followed it (`veil.tracking.confirms`); an unconfirmed track is a lone detection
        hidden only where it was found. ``unsure``: unconfirmed, or no detection scoring `SURE_SCORE`.
        """
        names = list(self._bits)
        rows = []
        for track, row in self._row.items():
            first, last, frames, detections = (int(v) for v in self._ints[row])
            total, best = (float(v) for v in self._scores[row])
            passes = {name for bit, name in enumerate(names) if int(self._passes[row]) >> bit & 1}
            confirmed = confirms(detections, best, passes)
            rows.append({
                "track": track,
                "first": first,
                "last": last,
                "detections": detections,
                "filled_share": round(1 - detections / frames, 3),
                "mean_score": round(total / detections, 3) if detections else 0.0,
                "max_score": round(best, 3),
                "confirmed": confirmed,
                "unsure": not confirmed or best < SURE_SCORE,
            })  # fmt: skip
        return rows

    def face_count(self, rows: list[dict[str, Any]] | None = None) -> int:
        """Confirmed tracks (people followed), or every face when nothing was tracked."""
        if not self.tracked:
            return self.faces
        return sum(row["confirmed"] for row in (rows if rows is not None else self.rows()))


@dataclass
class FileRecord:
    """What happened to one file: its faces (photo) or frames (video) and what was applied.

    `to_json` gives the file's entry in a report or detections file
    (schema: ``veil/schema/detections.schema.json``; see `schema`).

    Examples:
        >>> from veil import Anonymizer
        >>> record = Anonymizer(profile="fast").process_file("examples/newton.png", "newton_hidden.png")
        >>> record.face_count, [round(v) for v in record.to_json()["faces"][0]["box"]]
        (1, [334, 89, 439, 231])
        >>> sorted(build_report([record], []))
        ['errors', 'files', 'veil_version']
    """

    path: Path
    width: int
    height: int
    faces: Faces
    output: Path | None = None
    filter_name: str | None = None
    mask_shape: str | None = None
    regions: list[Region] = field(default_factory=list)
    frames: list[FrameRecord] | None = None  # video (and animated image) only, when kept
    fps: float | None = None
    warnings: list[str] = field(default_factory=list)  # printed as ``warning: PATH: ...``
    tracks: TrackSummary | None = None  # a video's tracks, tallied as its frames went by

    @property
    def summary(self) -> TrackSummary | None:
        """The video's (or animation's) tracks; None for a photo."""
        if self.tracks is None and self.frames is not None:
            self.tracks = TrackSummary.of(self.frames)
        return self.tracks

    @property
    def frame_count(self) -> int | None:
        """Frames of a video or animation (kept or only tallied); None for a photo."""
        return self.summary.frames if self.summary is not None else None

    @property
    def face_count(self) -> int:
        """Faces in a photo; confirmed tracks (people followed, `TrackSummary`) in a video or
        animation, not counting lone finds hidden in their own frame; faces on all pages."""
        summary = self.summary
        return len(self.faces) if summary is None else summary.face_count()

    def to_json(self) -> dict[str, Any]:
        """This file's entry in a report: JSON-ready types only (a video's frames only when kept)."""
        record: dict[str, Any] = {"path": str(self.path), "width": self.width, "height": self.height}
        summary = self.summary
        if summary is None:
            record["faces"] = faces_json(self.faces, self.regions, self.filter_name, self.mask_shape)
        else:
            record["fps"] = self.fps
            record["frame_count"] = summary.frames
            rows = summary.rows()
            record["tracks"] = summary.face_count(rows)
            record["track_summary"] = rows
            if self.frames is not None:
                record["frames"] = [frame_json(f, self.filter_name, self.mask_shape) for f in self.frames]
        if self.output is not None:
            record["output"] = str(self.output)
        if self.warnings:
            record["warnings"] = list(self.warnings)
        return record


def build_report(
    records: list[FileRecord],
    errors: list[tuple[Path, str]],
    settings: dict[str, Any] | None = None,
    skipped: list[tuple[Path, str]] | None = None,
) -> dict[str, Any]:
    """A whole report or detections file: files done, failed and skipped, and the settings used."""
    report: dict[str, Any] = {"veil_version": __version__}
    if settings is not None:
        report["settings"] = settings
    report["files"] = [record.to_json() for record in records]
    report["errors"] = [{"path": str(path), "error": reason} for path, reason in errors]
    if skipped:
        report["skipped"] = [{"path": str(path), "reason": reason} for path, reason in skipped]
    return report


def schema() -> dict[str, Any]:
    """The JSON Schema that every detections file and report validates against."""
    text = resources.files("veil").joinpath("schema/detections.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result
