"""Pixels for the review: a frame as JPEG, a preview with the faces hidden, and the export.

The export (`export`, also ``veil apply``) runs no detector: the reviewed faces
are final. Each frame's faces, read back exactly as veil found them (landmarks
and track ids included, `veil.face_codec`), go through the run's filter (or
the one a reviewer picked for a face) and through the same video pipeline and
atomic writers as ``veil`` itself, so an export without edits writes what
``veil`` writes.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from veil.core import FrameResult
from veil.errors import MediaError, VeilError
from veil.escrow.seal import seal_faces, sealing
from veil.face_codec import decode_faces
from veil.faces import Faces
from veil.files import write_json
from veil.filters import Filter, Region
from veil.loaders import hiding_filter
from veil.media.images import read_photo, write_image
from veil.media.video import VideoReader
from veil.media.video_writer import VideoWriter
from veil.pipeline import observe_still, per_frame, run_video
from veil.review.document import ReviewDocument
from veil.review.entries import track_number
from veil.settings import Settings
from veil.version import __version__

REPORT_NAME = "veil-report.json"


def jpeg(pixels: np.ndarray, max_side: int | None = None, quality: int = 88) -> bytes:
    if max_side is not None and max(pixels.shape[:2]) > max_side:
        scale = max_side / max(pixels.shape[:2])
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise MediaError(None, "cannot encode the preview")
    return bytes(data.tobytes())


def frame_faces(entries: list[dict[str, Any]]) -> Faces:
    """One frame's reviewed faces as `Faces` (`veil.face_codec`): their boxes, landmarks and tracks
    as found, hidden as the reviewer left them (a manual track numbered from `MANUAL_TRACKS`)."""
    return decode_faces(
        [{**face, "track": track_number(face["track"]), "decision": face["action"]} for face in entries]
    )


class Hider:
    """Hides a frame's faces the way the review says: each face with its own filter, or the run's."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.filters: dict[str, Filter] = {}

    def filter(self, name: str | None) -> Filter:
        name = name or self.settings.hiding.filter
        if name not in self.filters:
            self.filters[name] = hiding_filter(self.settings.hiding, name)
        return self.filters[name]

    def start_file(self) -> None:
        """Forget per-video choices (a drawn face per track), as `Anonymizer.start_stream` does."""
        for chosen in self.filters.values():
            chosen.reset()

    def render(self, pixels: np.ndarray, entries: list[dict[str, Any]]) -> FrameResult:
        """The frame with its hidden faces hidden, every face, and the region each one's filter changes."""
        faces = frame_faces(entries)
        regions: list[Region] = [(0, 0, 0, 0)] * len(faces)
        height, width = pixels.shape[:2]
        groups: dict[str | None, list[int]] = defaultdict(list)
        for i, face in enumerate(entries):
            groups[face["filter"]].append(i)
        out = pixels
        for name, members in groups.items():
            chosen, group = self.filter(name), faces[np.asarray(members, np.int64)]
            for i, region in zip(members, chosen.regions(group, width, height), strict=True):
                regions[i] = region
            out = chosen.apply(out, group.to_hide())
        return FrameResult(out, faces, regions)

    def apply(self, pixels: np.ndarray, entries: list[dict[str, Any]]) -> np.ndarray:
        result = self.render(pixels, entries)
        assert result.pixels is not None
        return result.pixels


def export(
    review: ReviewDocument, settings: Settings, on_file: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Write every reviewed file's anonymised output, and a report listing the manual changes.

    Returns the report (also written to ``OUT/veil-report.json`` beside the review).
    """
    hider = Hider(settings)
    done, errors = [], []
    files = [entry for entry in review.data["files"] if entry["status"] == "ready"]
    for number, entry in enumerate(files, 1):
        started = time.perf_counter()
        try:
            if not Path(entry["path"]).is_file():
                raise MediaError(entry["path"], "the input is no longer there")
            faces = review.faces_by_frame(entry["id"])
            _export_file(entry, faces, hider, settings)
        except (VeilError, OSError, ValueError, KeyError, TypeError) as exc:  # skip it, write the rest
            errors.append({"path": entry["path"], "error": str(getattr(exc, "reason", exc))})
        else:
            hidden_count = sum(f["action"] == "hide" for frame in faces.values() for f in frame)
            done.append(
                {
                    "path": entry["path"],
                    "output": entry["output"],
                    "hidden": hidden_count,
                    "seconds": round(time.perf_counter() - started, 2),
                }
            )
        if on_file is not None:
            on_file(number, len(files))
    report = {
        "veil_version": __version__,
        "review": str(review.path),
        "settings": review.data["settings"],
        "files": done,
        "errors": errors,
        "changes": review.manual_changes(),
    }
    write_json(review.path.with_name(REPORT_NAME), report)
    return report


def _export_file(
    entry: dict[str, Any], faces: dict[int, list[dict[str, Any]]], hider: Hider, settings: Settings
) -> None:
    """One reviewed file written through the same pipeline as ``veil``; with ``--escrow``, its
    sidecar too (or neither)."""
    output = Path(entry["output"])
    hider.start_file()
    with sealing(output, settings.output.escrow) as sealer:
        observers = [] if sealer is None else [seal_faces(sealer)]
        if entry["kind"] == "photo":
            photo = read_photo(entry["path"], settings.detection.max_pixels)
            result = hider.render(photo.pixels, faces.get(0, []))
            observe_still(observers, photo.pixels, result)
            assert result.pixels is not None
            write_image(output, photo.with_pixels(result.pixels), keep_metadata=settings.output.keep_metadata)
        else:
            with VideoReader(entry["path"], max_pixels=settings.detection.max_pixels) as reader:
                run_video(
                    reader.frames(),
                    per_frame(lambda frame: hider.render(frame.pixels, faces.get(frame.index, []))),
                    VideoWriter(output, reader, settings.encoder),
                    source=reader,
                    observers=observers,
                )
        if sealer is not None:
            sealer.finish(output, entry["kind"], entry["width"], entry["height"], entry.get("frames") or 1)
