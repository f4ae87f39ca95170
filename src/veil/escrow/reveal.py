"""Revealing sealed faces: every check first, an audit line, then a lossless copy with them restored.

The sidecar is read twice: once to check every byte of it and that the
output is the one it was sealed for (nothing is written before both pass),
once more to restore the chosen regions as the output is decoded.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyrage

from veil.escrow.keys import EscrowError
from veil.escrow.sidecar import SealedRegion, read_manifest, sealed_regions, sidecar_path
from veil.files import file_sha256, local_user
from veil.media.images import read_photo, write_image
from veil.media.video import Frame, VideoReader
from veil.media.video_writer import EncoderSettings, VideoWriter
from veil.pipeline import FrameCount, only_pixels, per_frame, run_video

if TYPE_CHECKING:
    from veil.core import FrameResult

LOSSLESS_VIDEO = EncoderSettings(codec="ffv1", pix_fmt="bgr0")
"""FFV1 in RGB: the restored pixels come back exactly (x264's 4:2:0 would smear them)."""
DEFAULT_AUDIT_LOG = "veil-reveal.log"


@dataclass(frozen=True)
class Selection:
    """Which faces (ids; None: all) and frames (inclusive range; None: all) to reveal."""

    faces: Collection[str] | None = None
    frames: tuple[int, int] | None = None

    def wants(self, region: SealedRegion) -> bool:
        in_frames = self.frames is None or self.frames[0] <= region.frame <= self.frames[1]
        return in_frames and (self.faces is None or region.face in self.faces)


def parse_frames(text: str) -> tuple[int, int]:
    """``A-B`` (inclusive), ``A-`` (to the end) or ``A`` (one frame), 0-based as in reports."""
    start, _, stop = text.partition("-")
    try:
        first = int(start)
        last = int(stop) if stop else (first if "-" not in text else 2**62)
    except ValueError:
        raise ValueError(f"--frames takes A-B, A- or A (frame numbers), not {text!r}") from None
    if first < 0 or last < first:
        raise ValueError(f"--frames {text}: the range is empty")
    return first, last


def check(
    output: Path, identities: list[pyrage.x25519.Identity], selection: Selection, sidecar: Path | None = None
) -> dict[str, Any]:
    """The manifest, once the sidecar decrypts whole and is the one made for ``output``'s bytes."""
    sidecar = sidecar or sidecar_path(output)
    if not output.is_file():
        raise EscrowError(output, "no such file")
    if not sidecar.is_file():
        raise EscrowError(sidecar, "no such sidecar (written by veil --escrow beside each output)")
    manifest = read_manifest(sidecar, identities)
    if file_sha256(output) != manifest["output"]["sha256"]:
        raise EscrowError(
            output, f"not the file {sidecar.name} was sealed for (its SHA-256 differs: changed or replaced)"
        )
    unknown = sorted(set(selection.faces or ()) - set(manifest["faces"]))
    if unknown:
        known = ", ".join(manifest["faces"]) or "none"
        raise EscrowError(sidecar, f"no sealed face {unknown[0]} (sealed faces: {known})")
    return manifest


def audit(log: Path, output: Path, manifest: dict[str, Any], selection: Selection, revealed: Path) -> None:
    """Append one JSON line saying who revealed what, when; fsynced before anything is revealed."""
    faces = sorted(selection.faces) if selection.faces is not None else manifest["faces"]
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "user": local_user(),
        "host": socket.gethostname(),
        "output": str(output.resolve()),
        "output_sha256": manifest["output"]["sha256"],
        "faces": faces,
        "frames": list(selection.frames) if selection.frames else "all",
        "revealed": str(revealed.resolve()),
    }
    try:
        descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a") as stream:
            stream.write(json.dumps(entry) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as exc:
        raise EscrowError(
            log, f"cannot write the audit log, so nothing is revealed ({exc.strerror or exc})"
        ) from None


def reveal(
    output: Path,
    identities: list[pyrage.x25519.Identity],
    revealed: Path,
    selection: Selection = Selection(),
    audit_log: Path = Path(DEFAULT_AUDIT_LOG),
    crf: int | None = None,
    sidecar: Path | None = None,
) -> int:
    """Write ``revealed``: ``output`` with the chosen sealed regions restored. Returns how many.

    Photos are written as PNG; videos as FFV1 in Matroska (or H.264 at ``crf``,
    which is not exact). Raises `EscrowError` before writing anything when the
    key, the sidecar or the output is not right.
    """
    sidecar = sidecar or sidecar_path(output)
    manifest = check(output, identities, selection, sidecar)
    video = manifest["kind"] == "video"
    suffix = revealed.suffix.lower()
    if not video and suffix != ".png":
        raise EscrowError(revealed, "a revealed photo is written as PNG, exactly: name it .png")
    if video and crf is None and suffix != ".mkv":
        raise EscrowError(
            revealed, "a revealed video is written as FFV1 in Matroska: name it .mkv (or give --crf)"
        )
    if revealed.resolve() in (output.resolve(), sidecar.resolve()):
        raise EscrowError(revealed, "would overwrite the anonymised output or its sidecar")
    audit(audit_log, output, manifest, selection, revealed)
    regions = (region for region in sealed_regions(sidecar, identities) if selection.wants(region))
    if not video:
        return _reveal_photo(output, regions, revealed)
    encoder = LOSSLESS_VIDEO if crf is None else EncoderSettings(crf=crf)
    return _reveal_video(output, regions, revealed, encoder, int(manifest["frames"]))


def _paste(pixels: np.ndarray, region: SealedRegion) -> None:
    height, width = region.pixels.shape[:2]
    pixels[region.y : region.y + height, region.x : region.x + width] = region.pixels


def _reveal_photo(output: Path, regions: Iterator[SealedRegion], revealed: Path) -> int:
    photo = read_photo(output)
    pixels = photo.pixels.copy()
    count = 0
    for region in regions:
        _paste(pixels, region)
        count += 1
    write_image(revealed, photo.with_pixels(pixels))
    return count


def _reveal_video(
    output: Path, regions: Iterator[SealedRegion], revealed: Path, encoder: EncoderSettings, frames: int
) -> int:
    pending = next(regions, None)
    count = 0

    def restore(frame: Frame) -> FrameResult:  # each frame's pixels are a fresh array: pasted into
        nonlocal pending, count
        while pending is not None and pending.frame <= frame.index:
            if pending.frame == frame.index:
                _paste(frame.pixels, pending)
                count += 1
            pending = next(regions, None)
        return only_pixels(frame.pixels)

    def lost(decoded: int) -> EscrowError:
        return EscrowError(output, f"{decoded} frames decoded where {frames} were sealed")

    with VideoReader(output) as reader:
        decoded = FrameCount(reader.frames(), frames, lost)
        run_video(decoded, per_frame(restore), VideoWriter(revealed, reader, encoder), source=decoded)
    for _ in regions:  # the sidecar is checked to its end
        pass
    return count
