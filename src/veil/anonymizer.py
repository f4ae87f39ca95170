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
from veil.image_types import ColorOrder, Given, restore, to_bgr
from veil.media.images import Pages, Photo, read_image, write_image
from veil.media.kinds import is_video
from veil.media.video import Frame, VideoReader
from veil.media.video_writer import VideoWriter
from veil.memory import check_video_fits
from veil.pipeline import FrameCallback, Observer, observe_still, run_video
from veil.report import FileRecord, FrameRecord, TrackSummary
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
        >>> import cv2
        >>> anonymizer = Anonymizer(filter="blur", profile="thorough")
        >>> hidden, faces = anonymizer.anonymize(cv2.imread("examples/newton.png"))
        >>> record = anonymizer.process_file("examples/newton.png", "newton_blurred.png")
        >>> record.face_count
        1
        >>> class OneBox:  # your own detector: anything with detect(frame) -> Faces
        ...     name = "one box"
        ...     def detect(self, frame):
        ...         return Faces(np.array([[10, 10, 60, 70]]), np.array([1.0]))
        >>> class Invert:  # your own filter: anything with apply(frame, faces) -> frame
        ...     def apply(self, frame, faces):
        ...         return 255 - frame
        >>> mine = Anonymizer(detector=OneBox(), filter=Invert())
        >>> hidden, faces = mine.anonymize(np.zeros((90, 90, 3), np.uint8))
        >>> int(hidden.min()), faces.xyxy.tolist()
        (255, [[10.0, 10.0, 60.0, 70.0]])
    """

    # -- images and frames as Python hands them over --------------------------------
    def anonymize(
        self, image: Any, faces: Faces | None = None, *, color: ColorOrder = "bgr"
    ) -> tuple[Any, Faces]:
        """A copy of ``image`` with faces hidden, in the type it was given, and every face found.

        ``image``: a numpy array (BGR by default, ``color="rgb"`` for RGB; grey ``(H, W)``,
        with alpha ``(H, W, 4)``; ``uint8``, or float in ``[0, 1]``), a ``PIL.Image.Image``
        (turned upright by its EXIF orientation, as the command line does; the result carries
        no metadata), or a path to a photo (the result is a BGR array). ``faces``: hide these
        instead of detecting. `Faces.to_hide` gives the faces hidden.

        Raises:
            TypeError, ValueError: an image veil cannot take, named with what it accepts.

        Examples:
            >>> from PIL import Image
            >>> hidden, faces = Anonymizer(profile="fast").anonymize(Image.open("examples/newton.png"))
            >>> type(hidden).__name__, hidden.mode, len(faces)
            ('Image', 'RGB', 1)
        """
        photo, given = to_bgr(image, color)
        found = self.detect(photo.pixels) if faces is None else faces
        result = self.step(photo.pixels, found)
        assert result.pixels is not None
        return restore(result.pixels, photo, given), result.faces

    def anonymize_frames(
        self, frames: Iterable[Any], *, fps: float = 30.0, color: ColorOrder = "bgr"
    ) -> Iterator[tuple[Any, Faces]]:
        """Video from Python, without files: each frame anonymised with the search, tracking and
        look-ahead a video file gets, yielded in order in the type it came as, with its faces.

        ``frames``: any iterable of images `anonymize` takes (arrays, PIL images); ``fps``: their
        rate (frames' times in reports). Frames come out ``memory`` frames after they go in.

        Examples:
            >>> frames = [np.zeros((120, 160, 3), np.uint8)] * 3
            >>> [len(faces) for _, faces in Anonymizer(profile="fast").anonymize_frames(frames, fps=25)]
            [0, 0, 0]
        """
        if not fps > 0:
            raise ValueError(f"fps must be positive, not {fps!r}")
        given: dict[int, tuple[Photo, Given]] = {}

        def decoded() -> Iterator[Frame]:
            for index, image in enumerate(frames):
                given[index] = to_bgr(image, color)
                yield Frame(index, given[index][0].pixels, None, index / fps)

        for frame, result in self.anonymize_stream(decoded()):
            photo, how = given.pop(frame.index)
            assert result.pixels is not None
            yield restore(result.pixels, photo, how), result.faces

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
            >>> frames = [Frame(i, np.zeros((120, 160, 3), np.uint8), None, i / 25) for i in range(3)]
            >>> for frame, result in Anonymizer(profile="fast").anonymize_stream(frames):
            ...     print(frame.index, len(result.faces), result.pixels.shape)
            0 0 (120, 160, 3)
            1 0 (120, 160, 3)
            2 0 (120, 160, 3)
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
        keep_frames: bool = True,
    ) -> FileRecord:
        """Anonymise a video file into ``output`` (or only detect and track, when ``output`` is None).

        Decoding, detection and filtering + encoding run on three threads.
        ``on_frame(done, total)`` reports progress; ``observers`` see each frame.
        The output is written atomically: a failure leaves nothing under its name.
        With ``keep_frames=False`` the record tallies the tracks but keeps no frame,
        so memory stays flat however long the video (observers can stream them).
        """
        records: list[FrameRecord] | None = [] if keep_frames else None
        tracks = TrackSummary()
        video, limit = self.settings.video, self.settings.detection.max_pixels
        if output is not None:
            check_video_fits(source, limit, video.effective_memory, video.max_memory)

        def keep_record(frame: Frame, result: FrameResult) -> None:
            record = FrameRecord(frame.index, frame.time, result.faces, result.regions)
            tracks.add(record)
            if records is not None:
                records.append(record)

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
            tracks=tracks,
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
        observe_still(observers, image.pixels, result)
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
        self,
        source: str | Path,
        output: str | Path | None,
        on_frame: FrameCallback | None = None,
        observers: Sequence[Observer] = (),
        keep_frames: bool = True,
    ) -> FileRecord:
        """Read, anonymise and atomically write one photo or video; the input is never touched.

        With ``output=None`` it only detects (and tracks, for a video): what ``veil detect`` does.
        With ``escrow`` keys in the settings, the hidden faces' original pixels are sealed
        beside the output (``OUTPUT.escrow``), or nothing is written at all. ``observers`` see
        each frame as it is done; ``keep_frames=False``: see `process_video`.

        Examples:
            >>> record = Anonymizer(profile="fast").process_file("examples/newton.png", "newton_out.png")
            >>> record.to_json()["faces"][0]["action"]["filter"]
            'pixelate'
        """
        escrow = self.settings.output.escrow
        if not escrow or output is None:
            return self._process(source, output, on_frame, observers, keep_frames)
        with sealing(Path(output), escrow) as sealer:
            assert sealer is not None
            record = self._process(source, output, on_frame, [seal_faces(sealer), *observers], keep_frames)
            finish_sealed(sealer, source, record)
        return record

    def _process(
        self,
        source: str | Path,
        output: str | Path | None,
        on_frame: FrameCallback | None,
        observers: Sequence[Observer],
        keep_frames: bool,
    ) -> FileRecord:
        if is_video(source):
            return self.process_video(source, output, on_frame, observers, keep_frames)
        return self.process_photo(source, output, observers)


def _rendered(result: FrameResult) -> np.ndarray:
    assert result.pixels is not None, "rendering was asked for"
    return result.pixels


@lru_cache(maxsize=4)
def _shared_anonymizer(settings: Settings) -> Anonymizer:
    """One loaded `Anonymizer` per settings, so repeated `anonymize` calls load models once."""
    return Anonymizer(settings)


def anonymize(image: Any, color: ColorOrder = "bgr", **settings: Any) -> tuple[Any, Faces]:
    """Hide every face in one image; the result comes back in the type the image came in.

    Models are loaded on the first call and reused by later calls with the
    same settings (the four most recent settings are kept).

    Args:
        image: a numpy array (BGR, or RGB with ``color="rgb"``; grey or with alpha; uint8, or
            float in ``[0, 1]``), a ``PIL.Image.Image``, or a path to a photo (`Anonymizer.anonymize`).
        color: the channel order of a colour array: ``"bgr"`` (OpenCV) or ``"rgb"``.
        **settings: any `Settings` field, e.g. ``filter="pixelate"``, ``detector="centerface"``;
            or a ``detector``, ``filter`` or ``known`` object as `Anonymizer` takes them
            (then nothing is reused).

    Returns:
        The anonymised image (a new array or PIL image; a BGR array for a path) and every
        face found, each with whether it was hidden when a gallery decided (`Faces.to_hide`).

    Examples:
        >>> hidden, faces = anonymize("examples/newton.png", filter="blur")
        >>> len(faces), hidden.shape
        (1, (432, 768, 3))
    """
    custom = any(not isinstance(settings.get(key), str | None) for key in ("detector", "filter", "known"))
    anonymizer = Anonymizer(**settings) if custom else _shared_anonymizer(Settings(**settings))
    return anonymizer.anonymize(image, color=color)
