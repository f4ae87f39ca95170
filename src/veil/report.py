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


def track_summary(frames: list[FrameRecord]) -> list[dict[str, Any]]:
    """One line per track of a video, in order of first appearance: what a reviewer checks as a unit.

    ``detections``: frames where a detector found the face; ``filled_share``: the share of the
    track's frames that tracking placed; scores are the detections'. ``confirmed``: the tracker
    followed it (`veil.tracking.confirms`); an unconfirmed track is a lone detection hidden
    only where it was found. ``unsure``: unconfirmed, or no detection scoring `SURE_SCORE`.
    """
    tracks: dict[int, dict[str, Any]] = {}
    for frame in frames:
        faces = frame.faces
        if faces.track_id is None:
            continue
        for i, track in enumerate(faces.track_id.tolist()):
            entry = tracks.setdefault(
                int(track), {"first": frame.index, "frames": 0, "scores": [], "passes": set()}
            )
            entry["last"] = frame.index
            entry["frames"] += 1
            if faces.source[i] != FILL_SOURCE:
                found_by = str(faces.found_by[i]) if faces.found_by is not None else ""
                entry["passes"].add(track_pass(found_by, bool(entry["scores"])))
                entry["scores"].append(float(faces.score[i]))
    summary = []
    for track, entry in tracks.items():
        scores = entry["scores"] or [0.0]
        confirmed = confirms(len(entry["scores"]), max(scores), entry["passes"])
        summary.append({
            "track": track,
            "first": entry["first"],
            "last": entry["last"],
            "detections": len(entry["scores"]),
            "filled_share": round(1 - len(entry["scores"]) / entry["frames"], 3),
            "mean_score": round(float(np.mean(scores)), 3),
            "max_score": round(max(scores), 3),
            "confirmed": confirmed,
            "unsure": not confirmed or max(scores) < SURE_SCORE,
        })  # fmt: skip
    return summary


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
    frames: list[FrameRecord] | None = None  # video (and animated image) only
    fps: float | None = None
    warnings: list[str] = field(default_factory=list)  # printed as ``warning: PATH: ...``

    @property
    def face_count(self) -> int:
        """Faces in a photo; confirmed tracks (people followed, `track_summary`) in a video or
        animation, not counting lone finds hidden in their own frame; faces on all pages."""
        if self.frames is None:
            return len(self.faces)
        return self._count_faces(track_summary(self.frames))

    def _count_faces(self, summary: list[dict[str, Any]]) -> int:
        """A video's face count from its `track_summary` (every face when nothing was tracked)."""
        assert self.frames is not None
        if all(frame.faces.track_id is None for frame in self.frames):
            return sum(len(frame.faces) for frame in self.frames)
        return sum(track["confirmed"] for track in summary)

    def to_json(self) -> dict[str, Any]:
        """This file's entry in a report: JSON-ready types only."""
        record: dict[str, Any] = {"path": str(self.path), "width": self.width, "height": self.height}
        if self.frames is None:
            record["faces"] = faces_json(self.faces, self.regions, self.filter_name, self.mask_shape)
        else:
            record["fps"] = self.fps
            record["frame_count"] = len(self.frames)
            summary = track_summary(self.frames)
            record["tracks"] = self._count_faces(summary)
            record["track_summary"] = summary
            record["frames"] = [
                {
                    "index": frame.index,
                    "time": round(frame.time, 4),
                    "faces": faces_json(frame.faces, frame.regions, self.filter_name, self.mask_shape),
                }
                for frame in self.frames
            ]
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
