"""Pixels for the review: one frame on demand (seek + decode), a preview, and the export.

The export (`export`, also ``veil apply``) runs no detector: the reviewed faces
are final. Each frame's hidden faces go through the run's filter (or the one a
reviewer picked for a face), through the same readers and atomic writers as
``veil`` itself.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from veil.errors import MediaError
from veil.escrow.seal import sealing
from veil.escrow.sidecar import Sealer
from veil.faces import Faces
from veil.files import write_json
from veil.filters import Filter, RegionFilter
from veil.media.images import read_photo, write_image
from veil.media.video import AV_ERRORS, VideoReader, describe_av_error, quarter_turns, upright_bgr
from veil.media.video_writer import VideoWriter
from veil.report import Region
from veil.review.document import ReviewDocument
from veil.settings import Settings

REPORT_NAME = "veil-report.json"


def video_frame(path: str | Path, time_s: float) -> np.ndarray:
    """The upright BGR frame shown at ``time_s`` seconds: seek to the keyframe before it, decode on.

    So browsing an hour of video costs one short decode per frame asked for.
    """
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            time_base = stream.time_base
            if time_base is not None:
                container.seek(int(time_s / time_base), stream=stream, backward=True)
            last = None
            for frame in container.decode(stream):
                last = frame
                if frame.time is None or frame.time >= time_s - 1e-4:
                    break
    except AV_ERRORS as exc:
        raise MediaError(
            path, f"cannot decode the frame at {time_s:.3f} s ({describe_av_error(exc)})"
        ) from None
    if last is None:
        raise MediaError(path, f"no frame at {time_s:.3f} s")
    return upright_bgr(last, quarter_turns(last))


def frame_pixels(entry: dict[str, Any], index: int) -> np.ndarray:
    """Frame ``index`` of a file in the review (a photo has only frame 0)."""
    if entry["kind"] == "photo":
        return read_photo(entry["path"]).pixels
    if not 0 <= index < entry["frames"]:
        raise MediaError(entry["path"], f"frame {index} is outside 0..{entry['frames'] - 1}")
    return video_frame(entry["path"], entry["times"][index])


def jpeg(pixels: np.ndarray, max_side: int | None = None, quality: int = 88) -> bytes:
    if max_side is not None and max(pixels.shape[:2]) > max_side:
        scale = max_side / max(pixels.shape[:2])
        size = (max(1, round(pixels.shape[1] * scale)), max(1, round(pixels.shape[0] * scale)))
        pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise MediaError(None, "cannot encode the preview")
    return bytes(data.tobytes())


class Hider:
    """Hides a frame's faces the way the review says: each face with its own filter, or the run's."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.filters: dict[str, Filter] = {}

    def filter(self, name: str | None) -> Filter:
        name = name or self.settings.filter
        if name not in self.filters:
            self.filters[name] = replace(self.settings, filter=name, mask_scale=None).make_filter()
        return self.filters[name]

    def sealed(self, pixels: np.ndarray, faces: list[dict[str, Any]]) -> tuple[list[str], list[Region]]:
        """For escrow: each hidden face's id (its track, or its own id) and the region its filter
        changes (its mask's bounding box, or the box)."""
        height, width = pixels.shape[:2]
        ids: list[str] = []
        regions: list[Region] = []
        for face in faces:
            if face["action"] == "hide":
                chosen = self.filter(face["filter"])
                x1, y1, x2, y2 = (int(v) for v in face["box"])
                box = Faces(np.asarray([face["box"]], np.float32), np.ones(1, np.float32))
                covered = chosen.regions(box, width, height) if isinstance(chosen, RegionFilter) else None
                ids.append(str(face["track"] or face["id"]))
                regions.append(covered[0] if covered else (x1, y1, x2, y2))
        return ids, regions

    def apply(self, pixels: np.ndarray, faces: list[dict[str, Any]]) -> np.ndarray:
        groups: dict[str | None, list[list[float]]] = defaultdict(list)
        for face in faces:
            if face["action"] == "hide":
                groups[face["filter"]].append(face["box"])
        out = pixels
        for name, boxes in groups.items():
            xyxy = np.asarray(boxes, np.float32)
            out = self.filter(name).apply(out, Faces(xyxy, np.ones(len(xyxy), np.float32)))
        return out


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
            faces = review.faces_by_frame(entry["id"])
            _export_file(entry, faces, hider, settings)
        except (MediaError, OSError) as exc:
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
        "veil_version": _version(),
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
    """One reviewed file written; with ``--escrow``, its sidecar too (or neither)."""
    output = Path(entry["output"])
    with sealing(output, settings.escrow) as sealer:
        if entry["kind"] == "photo":
            photo = read_photo(entry["path"], settings.max_pixels)
            hidden = hider.apply(photo.pixels, faces.get(0, []))
            if sealer is not None:
                sealer.add(0, photo.pixels, *hider.sealed(photo.pixels, faces.get(0, [])))
            write_image(output, photo.with_pixels(hidden), keep_metadata=settings.keep_metadata)
        else:
            _export_video(entry, faces, hider, settings, sealer)
        if sealer is not None:
            sealer.finish(output, entry["kind"], entry["width"], entry["height"], entry.get("frames") or 1)


def _export_video(
    entry: dict[str, Any],
    faces: dict[int, list[dict[str, Any]]],
    hider: Hider,
    settings: Settings,
    sealer: Sealer | None,
) -> None:
    with (
        VideoReader(entry["path"], max_pixels=settings.max_pixels) as reader,
        VideoWriter(entry["output"], reader, settings.encoder) as writer,
    ):
        for frame in reader.frames():
            shown = faces.get(frame.index, [])
            writer.write(hider.apply(frame.pixels, shown), frame.pts)
            if sealer is not None:
                sealer.add(frame.index, frame.pixels, *hider.sealed(frame.pixels, shown))
        incomplete = reader.incomplete()
        if incomplete is not None:
            raise incomplete


def _version() -> str:
    from veil import __version__

    return __version__
