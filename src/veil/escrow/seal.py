"""Anonymising a file with ``--escrow``: its sidecar sealed as it is written, or no output at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from veil.escrow.keys import EscrowError, load_recipients
from veil.escrow.sidecar import Sealer
from veil.files import discard
from veil.media.video import is_video

if TYPE_CHECKING:
    import pyrage

    from veil.anonymizer import Anonymizer, FrameResult
    from veil.report import FileRecord


def recipients_of(values: tuple[str, ...]) -> list[pyrage.x25519.Recipient]:
    """The public keys ``--escrow`` names, read again for each file (a few bytes; a key file
    replaced during a run is used from the next file on)."""
    return load_recipients(values)


def process_sealed(
    anonymizer: Anonymizer,
    source: str | Path,
    output: str | Path,
    on_frame: Callable[[int, int | None], None] | None = None,
) -> FileRecord:
    """`Anonymizer.process_file` with the original pixels of every hidden face sealed beside it.

    Each face is sealed inside the region its mask covered (its box, for box
    filters); a face's id is its index in a photo and its track id in a video.
    A failure to seal removes the output too: an output whose faces cannot be
    revealed would break what escrow promised.
    """
    recipients = recipients_of(tuple(anonymizer.settings.escrow))
    sealer = Sealer(Path(output), recipients)

    def observe(index: int, pixels: np.ndarray, result: FrameResult) -> None:
        hidden = np.flatnonzero(
            result.faces.hide if result.faces.hide is not None else np.ones(len(result.faces), bool)
        )
        tracks = result.faces.track_id
        ids = [str(int(tracks[i])) if tracks is not None else str(i) for i in hidden]
        sealer.add(index, pixels, ids, [result.regions[i] for i in hidden])

    written: Path | None = None
    try:
        if is_video(source):
            record = anonymizer.process_video(source, output, on_frame, observe=observe)
        else:
            record = anonymizer.process_photo(source, output, observe=observe)
        written = record.output
        if written is None:
            raise EscrowError(source, "nothing was written to seal")
        if record.frames is not None and not is_video(source):
            raise EscrowError(source, "escrow of multi-frame images (animations, pages) is not supported yet")
        frames = len(record.frames) if record.frames is not None else 1
        sealer.finish(
            written, "video" if record.frames is not None else "photo", record.width, record.height, frames
        )
    except BaseException:
        sealer.abort()
        if written is not None:
            discard(written)
        raise
    return record
