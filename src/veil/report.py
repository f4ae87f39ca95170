"""The JSON written by ``veil detect --json`` and ``--report`` (schema: schema/detections.schema.json)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from veil.errors import MediaError
from veil.faces import Faces
from veil.tracking import FILL_SOURCE

if TYPE_CHECKING:
    from veil.recognition.policy import Decisions


def faces_json(
    faces: Faces,
    regions: list[tuple[int, int, int, int]] | None = None,
    filter_name: str | None = None,
    mask_shape: str | None = None,
    decisions: Decisions | None = None,
) -> list[dict[str, Any]]:
    """The JSON list for the faces of one frame (and what was applied to each)."""
    entries = []
    for i in range(len(faces)):
        landmarks = None
        if faces.landmarks is not None and not np.isnan(faces.landmarks[i]).any():
            landmarks = [[round(float(x), 2), round(float(y), 2)] for x, y in faces.landmarks[i]]
        face: dict[str, Any] = {
            "box": [round(float(v), 2) for v in faces.xyxy[i]],
            "score": round(float(faces.score[i]), 4),
            "landmarks": landmarks,
            "detector": str(faces.source[i]),
        }
        if faces.track_id is not None:
            face["track"] = int(faces.track_id[i])
            face["filled"] = faces.source[i] == FILL_SOURCE
        hidden = True
        if decisions is not None:
            hidden = bool(decisions.hide[i])
            distance = float(decisions.distance[i])
            face["decision"] = "hide" if hidden else "keep"
            face["identity"] = decisions.identity[i]
            face["distance"] = round(distance, 4) if np.isfinite(distance) else None
        if hidden and filter_name is not None and regions is not None and i < len(regions):
            face["action"] = {
                "filter": filter_name,
                "mask": mask_shape,
                "region": [int(v) for v in regions[i]],
            }
        entries.append(face)
    return entries


@dataclass
class FrameRecord:
    """The faces hidden in one video frame (detected or filled in from a track)."""

    index: int
    time: float
    faces: Faces
    regions: list[tuple[int, int, int, int]] = field(default_factory=list)
    decisions: Decisions | None = None


@dataclass
class FileRecord:
    """What happened to one file: its faces (photo) or frames (video) and what was applied."""

    path: Path
    width: int
    height: int
    faces: Faces
    output: Path | None = None
    filter_name: str | None = None
    mask_shape: str | None = None
    regions: list[tuple[int, int, int, int]] = field(default_factory=list)
    frames: list[FrameRecord] | None = None  # video only
    fps: float | None = None
    decisions: Decisions | None = None  # photo with --keep/--only

    @property
    def face_count(self) -> int:
        """Faces in a photo; distinct tracks (people) in a video."""
        if self.frames is None:
            return len(self.faces)
        ids = {
            int(i) for frame in self.frames if frame.faces.track_id is not None for i in frame.faces.track_id
        }
        return len(ids)

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"path": str(self.path), "width": self.width, "height": self.height}
        if self.frames is None:
            record["faces"] = faces_json(
                self.faces, self.regions, self.filter_name, self.mask_shape, self.decisions
            )
        else:
            record["fps"] = self.fps
            record["frame_count"] = len(self.frames)
            record["tracks"] = self.face_count
            record["frames"] = [
                {
                    "index": frame.index,
                    "time": round(frame.time, 4),
                    "faces": faces_json(
                        frame.faces, frame.regions, self.filter_name, self.mask_shape, frame.decisions
                    ),
                }
                for frame in self.frames
            ]
        if self.output is not None:
            record["output"] = str(self.output)
        return record


def build_report(
    records: list[FileRecord],
    errors: list[tuple[Path, str]],
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    from veil import __version__

    report: dict[str, Any] = {"veil_version": __version__}
    if settings is not None:
        report["settings"] = settings
    report["files"] = [record.to_json() for record in records]
    report["errors"] = [{"path": str(path), "error": reason} for path, reason in errors]
    return report


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    """Write JSON atomically (temp file, then rename)."""
    write_text(path, json.dumps(data, indent=1) + "\n")


def write_text(path: str | Path, text: str) -> None:
    """Write a text file atomically (temp file, then rename); a failure leaves nothing behind."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temp_name)
        raise MediaError(path, f"cannot write ({exc.strerror or exc})") from None


def schema() -> dict[str, Any]:
    """The JSON Schema that every detections file and report validates against."""
    text = resources.files("veil").joinpath("schema/detections.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result
