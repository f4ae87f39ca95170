"""Anonymising a file with ``--escrow``: its sidecar sealed as it is written, or no output at all."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from veil.escrow.keys import EscrowError, load_recipients
from veil.escrow.sidecar import Sealer
from veil.files import discard
from veil.media.kinds import is_video
from veil.media.video import Frame

if TYPE_CHECKING:
    import pyrage

    from veil.core import FrameResult
    from veil.report import FileRecord


def recipients_of(values: tuple[str, ...]) -> list[pyrage.x25519.Recipient]:
    """The public keys ``--escrow`` names, read again for each file (a few bytes; a key file
    replaced during a run is used from the next file on)."""
    return load_recipients(values)


@contextlib.contextmanager
def sealing(output: Path, escrow: Sequence[str]) -> Iterator[Sealer | None]:
    """A `Sealer` for ``output`` (None without ``--escrow``). If the block fails, the sidecar and
    the output are both removed: an output whose faces cannot be revealed would break what
    escrow promised."""
    if not escrow:
        yield None
        return
    sealer = Sealer(output, recipients_of(tuple(escrow)))
    try:
        yield sealer
    except BaseException:
        sealer.abort()
        discard(sealer.bound or output)
        raise


def seal_faces(sealer: Sealer) -> Callable[[Frame, FrameResult], None]:
    """An observer of the pipeline that seals each hidden face's original pixels.

    Each face is sealed inside the region its mask covered (its box, for box
    filters); a face's id is its track id in a video, else its index in the frame.
    """

    def observe(frame: Frame, result: FrameResult) -> None:
        faces = result.faces
        hidden = np.flatnonzero(faces.hide if faces.hide is not None else np.ones(len(faces), bool))
        ids = [str(int(faces.track_id[i])) if faces.track_id is not None else str(i) for i in hidden]
        sealer.add(frame.index, frame.pixels, ids, [result.regions[i] for i in hidden])

    return observe


def finish_sealed(sealer: Sealer, source: str | Path, record: FileRecord) -> None:
    """Close the sidecar of a file anonymised with `seal_faces` watching, bound to its output."""
    if record.output is None:
        raise EscrowError(source, "nothing was written to seal")
    sealer.bound = record.output  # NAME_partial.EXT: removed too if what follows fails
    video = is_video(source)
    frames = record.frame_count
    if frames is not None and not video:
        raise EscrowError(source, "escrow of multi-frame images (animations, pages) is not supported yet")
    sealer.finish(record.output, "video" if video else "photo", record.width, record.height, frames or 1)
