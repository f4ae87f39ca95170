"""`Anonymizer`: the per-frame core (`veil.core`) applied to arrays, photos, videos and live streams.

Every path goes through one per-frame step, `AnonymizerCore.step`. A video
adds search and tracking in front of it (`veil.streams`), on its own thread,
so frames where the detector missed a face are still covered; its frames run
through the one video pipeline (`veil.pipeline`), which writes the output and
shows each frame to the observers the caller plugs in (escrow sealing).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from veil.core import AnonymizerCore, FrameResult
from veil.escrow.seal import finish_sealed, seal_faces, sealing
from veil.faces import Faces
from veil.media.images import Pages, read_image, read_photo, write_image
from veil.media.video import Frame, VideoReader, is_video
from veil.media.video_writer import VideoWriter
from veil.memory import check_video_fits
from veil.pipeline import FrameCallback, Observer, run_video
from veil.report import FileRecord, FrameRecord
from veil.settings import Settings
from veil.streams import Scanned, full_frames, tracked_faces
from veil.threads import prefetch

LOOKAHEAD_DEPTH = 4
"""Frames detection may run ahead of filtering and encoding (on its own thread)."""


class Anonymizer(AnonymizerCore):
    """Loads the detector, filter and gallery once; reuse it across many images and videos.

    ``detector`` and ``filter`` take a name *or* your own object: anything with
    ``detect(frame) -> Faces``, anything with ``apply(frame, faces) -> frame``.
    ``known`` takes an in-memory `KnownFaces` (a gallery file goes through the
    ``keep=``/``only=`` settings instead). Any other keyword is a `Settings` field.

    Examples:
        >>> anonymizer = Anonymizer(filter="blur", profile="thorough")
        >>> hidden, faces = anonymizer.anonymize(frame)               # doctest: +SKIP
        >>> record = anonymizer.process_file("clip.mp4", "out.mp4")   # doctest: +SKIP
        >>> Anonymizer(detector=MyDetector(), filter=MyFilter())       # doctest: +SKIP
        >>> Anonymizer(known=KnownFaces(Gallery.load("staff.json"), "keep"))  # doctest: +SKIP
    """

    # -- streams of frames -------------------------------------------------------
    def full_frames(
        self, frames: Iterable[Frame], scanned: Scanned | None = None
    ) -> Generator[tuple[Frame, Faces | None], None, None]:
        """Each frame with the part of its search that needs no tracks (`veil.streams.full_frames`)."""
        return full_frames(self.video_detector, frames, self.settings.video.detect_every, scanned)

    def track(self, frames: Iterable[Frame], scanned: Scanned | None = None) -> Iterator[tuple[Frame, Faces]]:
        """Detect and track faces through a stream of frames (`veil.streams.tracked_faces`)."""
        return tracked_faces(self.video_detector, frames, self.settings.video, scanned)

    def anonymize_stream(
        self, frames: Iterable[Frame], *, render: bool = True, scanned: Scanned | None = None
    ) -> Generator[tuple[Frame, FrameResult], None, None]:
        """Detect, track and hide faces through a stream of frames (a video, a camera, a URL).

        Detection and tracking run on their own thread, a few frames ahead of
        the step (and whatever the caller does with each frame, such as
        encoding), so they overlap on two cores. Stopping early (``break``)
        stops that thread.

        Examples:
            >>> with VideoReader("clip.mp4") as reader:                   # doctest: +SKIP
            ...     for frame, result in anonymizer.anonymize_stream(reader.frames()):
            ...         show(result.pixels)
        """
        self.start_stream()
        tracked = prefetch(self.track(frames, scanned), LOOKAHEAD_DEPTH, name="veil-detect")
        try:
            for frame, faces in tracked:
                yield frame, self.step(frame.pixels, faces, tracked=True, render=render)
        finally:
            tracked.close()

    # -- files ---------------------------------------------------------------------
    def process_video(
        self,
        source: str | Path,
        output: str | Path | None,
        on_frame: FrameCallback | None = None,
        observers: Sequence[Observer] = (),
    ) -> FileRecord:
        """Anonymise a video file into ``output`` (or only detect and track, when ``output`` is None).

        Decoding, detection and filtering + encoding run on three threads.
        ``on_frame(done, total)`` reports progress; ``observers`` see each frame.
        The output is written atomically: a failure leaves nothing under its name.
        """
        records: list[FrameRecord] = []
        video, limit = self.settings.video, self.settings.detection.max_pixels
        if output is not None:
            check_video_fits(source, limit, video.effective_memory, video.max_memory)

        def keep_record(frame: Frame, result: FrameResult) -> None:
            records.append(FrameRecord(frame.index, frame.time, result.faces, result.regions))

        with VideoReader(source, max_pixels=limit) as reader:
            info = reader.info
            writer = VideoWriter(output, reader, self.settings.encoder) if output is not None else None
            run = run_video(
                reader.frames(),
                lambda frames: self.anonymize_stream(frames, render=writer is not None),
                writer,
                source=reader,
                when_incomplete="partial" if video.allow_partial else "error",
                observers=[keep_record, *observers],
                on_frame=on_frame,
                total=info.frames,
            )
        return self.record(
            source,
            info.width,
            info.height,
            run.output,
            frames=records,
            fps=float(info.fps),
            warnings=run.warnings,
        )

    def process_photo(
        self, source: str | Path, output: str | Path | None, observers: Sequence[Observer] = ()
    ) -> FileRecord:
        """Anonymise a photo (every frame of a multi-frame one) into ``output``, or only detect."""
        image = read_image(source, self.settings.detection.max_pixels)
        if isinstance(image, Pages):
            return self._process_pages(Path(source), image, output)
        result = self.step(image.pixels, self.detect(image.pixels), render=output is not None)
        for observe in observers:
            observe(Frame(0, image.pixels, None, 0.0), result)
        if output is not None:
            assert result.pixels is not None
            write_image(
                output, image.with_pixels(result.pixels), keep_metadata=self.settings.output.keep_metadata
            )
        found = {"faces": result.faces, "regions": result.regions, "warnings": image.warnings}
        return self.record(source, image.width, image.height, output, **found)

    def _process_pages(self, source: Path, image: Pages, output: str | Path | None) -> FileRecord:
        """Every frame of an animation (tracked, as a video) or every page of a document (each alone)."""
        render = output is not None
        pages = image.pages
        if image.animated:
            times = np.cumsum([0.0, *image.durations[:-1]]) / 1000
            frames = [Frame(i, page.pixels, None, float(times[i])) for i, page in enumerate(pages)]
            results = [result for _, result in self.anonymize_stream(frames, render=render)]
        else:
            times = np.zeros(len(pages))
            results = [self.step(page.pixels, self.detect(page.pixels), render=render) for page in pages]
        if output is not None:
            hidden = [page.with_pixels(_rendered(r)) for page, r in zip(pages, results, strict=True)]
            write_image(
                output, replace(image, pages=hidden), keep_metadata=self.settings.output.keep_metadata
            )
        records = [
            FrameRecord(i, float(t), result.faces, result.regions)
            for i, (t, result) in enumerate(zip(times, results, strict=True))
        ]
        warnings = sorted({w for page in image.pages for w in page.warnings})
        first = image.pages[0]
        return self.record(source, first.width, first.height, output, frames=records, warnings=warnings)

    def process_file(
        self, source: str | Path, output: str | Path | None, on_frame: FrameCallback | None = None
    ) -> FileRecord:
        """Read, anonymise and atomically write one photo or video; the input is never touched.

        With ``output=None`` it only detects (and tracks, for a video): what ``veil detect`` does.
        With ``escrow`` keys in the settings, the hidden faces' original pixels are sealed
        beside the output (``OUTPUT.escrow``), or nothing is written at all.

        Examples:
            >>> record = Anonymizer().process_file("in.jpg", "out.jpg")   # doctest: +SKIP
            >>> record.to_json()["faces"][0]["action"]["filter"]           # doctest: +SKIP
            'pixelate'
        """
        escrow = self.settings.output.escrow
        if not escrow or output is None:
            return self._process(source, output, on_frame, ())
        with sealing(Path(output), escrow) as sealer:
            assert sealer is not None
            record = self._process(source, output, on_frame, [seal_faces(sealer)])
            finish_sealed(sealer, source, record)
        return record

    def _process(
        self,
        source: str | Path,
        output: str | Path | None,
        on_frame: FrameCallback | None,
        observers: Sequence[Observer],
    ) -> FileRecord:
        if is_video(source):
            return self.process_video(source, output, on_frame, observers)
        return self.process_photo(source, output, observers)


def _rendered(result: FrameResult) -> np.ndarray:
    assert result.pixels is not None, "rendering was asked for"
    return result.pixels


@lru_cache(maxsize=4)
def _shared_anonymizer(settings: Settings) -> Anonymizer:
    """One loaded `Anonymizer` per settings, so repeated `anonymize` calls load models once."""
    return Anonymizer(settings)


def anonymize(image: np.ndarray | str | Path, **settings: Any) -> tuple[np.ndarray, Faces]:
    """Hide every face in one image.

    Models are loaded on the first call and reused by later calls with the
    same settings (the four most recent settings are kept).

    Args:
        image: a BGR uint8 array, or a path to a photo.
        **settings: any `Settings` field, e.g. ``filter="pixelate"``, ``detector="centerface"``;
            or a ``detector``, ``filter`` or ``known`` object as `Anonymizer` takes them
            (then nothing is reused).

    Returns:
        The anonymised BGR image (a new array) and every face found, each with
        whether it was hidden when a gallery decided (`Faces.to_hide`).

    Examples:
        >>> hidden, faces = anonymize("examples/newton.png", filter="blur")   # doctest: +SKIP
        >>> len(faces), faces.xyxy.round()                                    # doctest: +SKIP
        (1, array([[333.,  89., 438., 233.]], dtype=float32))
    """
    frame = read_photo(image).pixels if isinstance(image, str | Path) else image
    custom = any(not isinstance(settings.get(key), str | None) for key in ("detector", "filter", "known"))
    anonymizer = Anonymizer(**settings) if custom else _shared_anonymizer(Settings(**settings))
    return anonymizer.anonymize(frame)
