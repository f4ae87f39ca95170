"""The JSON written by ``veil detect --json`` and ``--report`` (schema: schema/detections.schema.json)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from veil.errors import MediaError
from veil.faces import Faces


@dataclass
class FileRecord:
    """What happened to one file: its faces and, for anonymisation, what was applied."""

    path: Path
    width: int
    height: int
    faces: Faces
    output: Path | None = None
    filter_name: str | None = None
    mask_shape: str | None = None
    regions: list[tuple[int, int, int, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        faces = []
        for i in range(len(self.faces)):
            landmarks = None
            if self.faces.landmarks is not None and not np.isnan(self.faces.landmarks[i]).any():
                landmarks = [[round(float(x), 2), round(float(y), 2)] for x, y in self.faces.landmarks[i]]
            face: dict[str, Any] = {
                "box": [round(float(v), 2) for v in self.faces.xyxy[i]],
                "score": round(float(self.faces.score[i]), 4),
                "landmarks": landmarks,
                "detector": str(self.faces.source[i]),
            }
            if self.filter_name is not None and i < len(self.regions):
                face["action"] = {
                    "filter": self.filter_name,
                    "mask": self.mask_shape,
                    "region": [int(v) for v in self.regions[i]],
                }
            faces.append(face)
        record: dict[str, Any] = {
            "path": str(self.path),
            "width": self.width,
            "height": self.height,
            "faces": faces,
        }
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
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, indent=1)
            stream.write("\n")
        os.replace(temp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError, UnboundLocalError):
            os.unlink(temp_name)
        raise MediaError(path, f"cannot write JSON ({exc.strerror or exc})") from None


def schema() -> dict[str, Any]:
    """The JSON Schema that every detections file and report validates against."""
    text = resources.files("veil").joinpath("schema/detections.schema.json").read_text("utf-8")
    result: dict[str, Any] = json.loads(text)
    return result
