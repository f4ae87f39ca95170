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
from veil.media.video import is_video

if TYPE_CHECKING:
    import pyrage

    from veil.anonymizer import Anonymizer, FrameResult
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


def process_sealed(
    anonymizer: Anonymizer,
    source: str | Path,
    output: str | Path,
    on_frame: Callable[[int, int | None], None] | None = None,
) -> FileRecord:
    """`Anonymizer.process_file` with the original pixels of every hidden face sealed beside it.

    Each face is sealed inside the region its mask covered (its box, for box
    filters); a face's id is its index in a photo and its track id in a video.
    """
    with sealing(Path(output), anonymizer.settings.escrow) as sealer:
        assert sealer is not None, "process_file seals only with --escrow"

        def observe(index: int, pixels: np.ndarray, result: FrameResult) -> None:
            faces = result.faces
            hidden = np.flatnonzero(faces.hide if faces.hide is not None else np.ones(len(faces), bool))
            ids = [str(int(faces.track_id[i])) if faces.track_id is not None else str(i) for i in hidden]
            sealer.add(index, pixels, ids, [result.regions[i] for i in hidden])

        if is_video(source):
            record = anonymizer.process_video(source, output, on_frame, observe=observe)
        else:
            record = anonymizer.process_photo(source, output, observe=observe)
        if record.output is None:
            raise EscrowError(source, "nothing was written to seal")
        sealer.bound = record.output  # NAME_partial.EXT: removed too if what follows fails
        if record.frames is not None and not is_video(source):
            raise EscrowError(source, "escrow of multi-frame images (animations, pages) is not supported yet")
        kind = "video" if record.frames is not None else "photo"
        frames = len(record.frames) if record.frames is not None else 1
        sealer.finish(record.output, kind, record.width, record.height, frames)
    return record
