"""`Anonymizer`: detect -> (track) -> decide -> filter, for arrays, photos, videos and live input.

Every path (a single array, a photo file, a video file, a camera or stream,
detection only) goes through one per-frame step, `Anonymizer.step`: decide
which faces to hide (``--keep``/``--only``), filter them, and record what was
done. A video adds `TemporalCoverage` before the step, so frames where the
detector missed a face are still covered.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from veil.detection import Detector
from veil.detection.video import VideoSearch
from veil.escrow.seal import process_sealed
from veil.faces import Faces
from veil.filters import Filter, RegionFilter
from veil.media.discovery import partial_output
from veil.media.images import Pages, read_image, read_photo, write_image
from veil.media.video import Frame, VideoReader, is_video
from veil.media.video_writer import VideoWriter
from veil.memory import check_video_fits
from veil.recognition.policy import KnownFaces
from veil.report import FileRecord, FrameRecord, Region
from veil.settings import Settings
from veil.threads import ordered_map, prefetch, search_threads
from veil.tracking import FILL_SOURCE, TemporalCoverage

FrameCallback = Callable[[int, int | None], None]
"""``on_frame(frames_done, frames_total_or_None)``, for progress bars."""

LOOKAHEAD_DEPTH = 4
"""Frames detection may run ahead of filtering and encoding (on its own thread)."""


@dataclass
class FrameResult:
    """What the per-frame step did to one frame.

    Attributes:
        pixels: the anonymised frame (a new array), or None when only detecting.
        faces: every face, with ``hide``/``identity``/``distance`` filled in
            when a gallery decided (`Faces.to_hide` gives the faces hidden).
        regions: the pixel region each face's mask covers.
    """

    pixels: np.ndarray | None
    faces: Faces
    regions: list[Region]


Observer = Callable[[int, np.ndarray, FrameResult], None]  # (frame index, original pixels, result)


class Anonymizer:
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

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        detector: str | Detector | None = None,
        filter: str | Filter | None = None,
        known: KnownFaces | None = None,
        **overrides: Any,
    ) -> None:
        if isinstance(detector, str):
            overrides["detector"] = detector
        if isinstance(filter, str):
            overrides["filter"] = filter
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = replace(settings, **overrides)
        self.settings = settings
        self._custom: dict[str, str] = {}
        if detector is not None and not isinstance(detector, str):
            self.detector: Detector = self._adopt("detector", detector, "detect")
            self._video_detector: Detector | VideoSearch | None = detector
        else:
            self.detector = settings.load_detector()
            self._video_detector = None
        if filter is not None and not isinstance(filter, str):
            self.filter: Filter = self._adopt("filter", filter, "apply")
        else:
            self.filter = settings.make_filter()
        self.known = known if known is not None else KnownFaces.for_settings(settings)
        if known is not None:
            self._custom["known"] = f"{known.mode} {len(known.gallery.names)} people (in memory)"

    def _adopt(self, role: str, given: Any, method: str) -> Any:
        """A user's own detector or filter: checked for its method, named in reports."""
        if not callable(getattr(given, method, None)):
            raise TypeError(f"{role} must be a name or an object with a {method}() method, got {given!r}")
        self._custom[role] = str(getattr(given, "name", type(given).__name__))
        return given

    # -- what runs --------------------------------------------------------------
    @property
    def video_detector(self) -> Detector | VideoSearch:
        """The detector for video frames (its own recipe and threshold), loaded on first use."""
        if self._video_detector is None:
            self._video_detector = self.settings.load_video_detector()
        return self._video_detector

    @property
    def filter_name(self) -> str:
        """The filter's name, as reports give it."""
        return self._custom.get("filter", self.settings.filter)

    @property
    def mask_shape(self) -> str | None:
        """The mask shape in use (None for a custom filter without a `MaskSpec`)."""
        if "filter" not in self._custom:
            return self.settings.mask
        return getattr(getattr(self.filter, "mask", None), "shape", None)

    def to_json(self) -> dict[str, Any]:
        """The settings as reports give them, naming any custom detector, filter or gallery."""
        described = self.settings.to_json()
        if "detector" in self._custom:
            threshold = getattr(self.detector, "threshold", None)
            detection = {"members": self._custom["detector"], "threshold": threshold}
            described.update(
                detector=self._custom["detector"], detection={"photo": detection, "video": detection}
            )
        if "filter" in self._custom:
            described.update(filter=self._custom["filter"], mask=self.mask_shape)
        if "known" in self._custom:
            described["known"] = self._custom["known"]
        return described

    # -- the per-frame step ------------------------------------------------------
    def detect(self, frame: np.ndarray) -> Faces:
        """Faces in a BGR frame, in its own pixels."""
        return self.detector.detect(frame)

    def decide(self, frame: np.ndarray, faces: Faces, tracked: bool = False) -> Faces:
        """With ``--keep``/``--only``: the faces with ``hide``, ``identity`` and ``distance`` filled in.

        ``tracked``: the faces carry track ids and the gallery decides per track
        (detected faces vote; filled-in ones follow their track). Without a
        gallery the faces come back as they are: all hidden.
        """
        if self.known is None:
            return faces
        if tracked:
            return self.known.decide_tracked(frame, faces, np.asarray(faces.source != FILL_SOURCE, bool))
        return self.known.decide(frame, faces)

    def regions(self, faces: Faces, width: int, height: int) -> list[Region]:
        """The pixel region each face's mask covers (the box itself for filters without masks)."""
        if isinstance(self.filter, RegionFilter):
            return self.filter.regions(faces, width, height)
        return [tuple(int(v) for v in box) for box in faces.xyxy]  # type: ignore[misc]

    def step(
        self, frame: np.ndarray, faces: Faces, *, tracked: bool = False, render: bool = True
    ) -> FrameResult:
        """The one per-frame step every path runs: decide which faces to hide, hide them, record it.

        Args:
            frame: BGR pixels; never modified.
            faces: the faces in it (detected, or detected and tracked).
            tracked: a video frame whose faces carry track ids (decisions per track).
            render: False to only decide and record (``veil detect``).
        """
        decided = self.decide(frame, faces, tracked)
        pixels = self.filter.apply(frame, decided.to_hide()) if render else None
        return FrameResult(pixels, decided, self.regions(decided, frame.shape[1], frame.shape[0]))

    def anonymize(self, frame: np.ndarray, faces: Faces | None = None) -> tuple[np.ndarray, Faces]:
        """A copy of ``frame`` with faces hidden, and every face found (`Faces.to_hide`: those hidden).

        Examples:
            >>> hidden, faces = Anonymizer().anonymize(cv2.imread("photo.jpg"))   # doctest: +SKIP
            >>> len(faces), len(faces.to_hide())                                   # doctest: +SKIP
            (3, 3)
        """
        result = self.step(frame, self.detect(frame) if faces is None else faces)
        assert result.pixels is not None
        return result.pixels, result.faces

    # -- streams of frames -------------------------------------------------------
    def start_stream(self) -> None:
        """Forget per-video state: gallery votes and replacement faces are per track, and ids restart."""
        if self.known is not None:
            self.known.reset()
        reset = getattr(self.filter, "reset", None)
        if callable(reset):
            reset()

    def track(
        self, frames: Iterable[Frame], scanned: Mapping[int, tuple[int, Faces]] | None = None
    ) -> Iterator[tuple[Frame, Faces]]:
        """Detect and track faces through a stream of frames.

        Yields each frame with every face to cover in it, detected or filled in
        from its track, ``memory`` frames after it went in (the look-ahead).

        ``scanned``: `full_frames` results already found elsewhere, by frame pts:
        ``(index, faces)``; a frame whose index differs is searched again.
        """
        coverage = TemporalCoverage(self.settings.memory, self.settings.tracking)
        held: dict[int, Frame] = {}
        search = self.video_detector
        searched = self.full_frames(frames, scanned)
        try:
            for frame, full in searched:
                held[frame.index] = frame
                found = Faces.empty() if full is None else full
                if full is not None and isinstance(search, VideoSearch):
                    expected = None
                    if search.wants_expected:  # only zoom uses them: `fast` skips predicting
                        recipe = search.recipe
                        expected = coverage.expected(frame.index, recipe.zoom_score, recipe.zoom_hits)
                    found = search.around(frame.pixels, full, expected)
                for index, faces in coverage.push(frame.index, found):
                    yield held.pop(index), faces
            for index, faces in coverage.flush():
                yield held.pop(index), faces
        finally:
            searched.close()
            close = getattr(frames, "close", None)
            if callable(close):
                close()  # stopped early: stop the decoder too

    def full_frames(
        self, frames: Iterable[Frame], scanned: Mapping[int, tuple[int, Faces]] | None = None
    ) -> Generator[tuple[Frame, Faces | None], None, None]:
        """Each frame with the part of its search that needs no tracks (all of it, but zoom), or None
        where ``--detect-every`` skips it; several frames at once where the models allow it.

        ``scanned``: results already found elsewhere, by pts: ``(index, faces)``.
        """
        search, every = self.video_detector, self.settings.detect_every

        def search_whole(frame: Frame) -> Faces | None:
            if frame.index % every:
                return None
            prior = scanned.get(frame.pts) if scanned and frame.pts is not None else None
            if prior and prior[0] == frame.index:
                return prior[1]
            if isinstance(search, VideoSearch):
                return search.full_frame(frame.pixels, frame.index // every)
            return search.detect(frame.pixels)

        workers = search_threads() if isinstance(search, VideoSearch) and search.concurrent else 1
        return ordered_map(search_whole, frames, workers, name="veil-search")

    def anonymize_stream(
        self, frames: Iterable[Frame], *, render: bool = True
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
        for frame, faces in prefetch(self.track(frames), LOOKAHEAD_DEPTH, name="veil-detect"):
            yield frame, self.step(frame.pixels, faces, tracked=True, render=render)

    # -- files ---------------------------------------------------------------------
    def process_video(
        self,
        source: str | Path,
        output: str | Path | None,
        on_frame: FrameCallback | None = None,
        observe: Observer | None = None,
    ) -> FileRecord:
        """Anonymise a video file into ``output`` (or only detect and track, when ``output`` is None).

        Decoding, detection and filtering + encoding run on three threads.
        ``on_frame(done, total)`` reports progress; ``observe`` sees each frame.
        The output is written atomically: a failure leaves nothing under its name.
        """
        records: list[FrameRecord] = []
        warnings: list[str] = []
        if output is not None:
            settings = self.settings
            check_video_fits(source, settings.max_pixels, settings.memory, settings.max_memory)
        with VideoReader(source, max_pixels=self.settings.max_pixels) as reader:
            info = reader.info
            writer = VideoWriter(output, reader, self.settings.encoder) if output is not None else None
            try:
                for frame, result in self.anonymize_stream(reader.frames(), render=writer is not None):
                    if writer is not None:
                        assert result.pixels is not None
                        writer.write(result.pixels, frame.pts)
                    records.append(FrameRecord(frame.index, frame.time, result.faces, result.regions))
                    if observe is not None:
                        observe(frame.index, frame.pixels, result)
                    if on_frame is not None:
                        on_frame(len(records), info.frames)
                incomplete = reader.incomplete()
                if incomplete is not None and not self.settings.allow_partial:
                    raise incomplete
                if incomplete is not None and output is not None:
                    output = partial_output(Path(output))
                    warnings.append(f"{incomplete.reason}; the frames read are written to {output}")
                elif incomplete is not None:
                    warnings.append(incomplete.reason)
                if writer is not None:
                    writer.close(None if output is None else Path(output))
            except BaseException:
                if writer is not None:
                    writer.abort()
                raise
        return self._record(
            source, info.width, info.height, output, frames=records, fps=float(info.fps), warnings=warnings
        )

    def process_photo(
        self, source: str | Path, output: str | Path | None, observe: Observer | None = None
    ) -> FileRecord:
        """Anonymise a photo (every frame of a multi-frame one) into ``output``, or only detect."""
        image = read_image(source, self.settings.max_pixels)
        if isinstance(image, Pages):
            return self._process_pages(Path(source), image, output)
        result = self.step(image.pixels, self.detect(image.pixels), render=output is not None)
        if observe is not None:
            observe(0, image.pixels, result)
        if output is not None:
            assert result.pixels is not None
            write_image(output, image.with_pixels(result.pixels), keep_metadata=self.settings.keep_metadata)
        found = {"faces": result.faces, "regions": result.regions, "warnings": image.warnings}
        return self._record(source, image.width, image.height, output, **found)

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
            write_image(output, replace(image, pages=hidden), keep_metadata=self.settings.keep_metadata)
        records = [
            FrameRecord(i, float(t), result.faces, result.regions)
            for i, (t, result) in enumerate(zip(times, results, strict=True))
        ]
        warnings = sorted({w for page in image.pages for w in page.warnings})
        first = image.pages[0]
        return self._record(source, first.width, first.height, output, frames=records, warnings=warnings)

    def _record(
        self, source: str | Path, width: int, height: int, output: str | Path | None, **fields: Any
    ) -> FileRecord:
        """What was done to one file; the filter and mask are named only when an output was written."""
        written = output is not None
        return FileRecord(
            Path(source),
            width,
            height,
            fields.pop("faces", Faces.empty()),
            output=Path(output) if output is not None else None,
            filter_name=self.filter_name if written else None,
            mask_shape=self.mask_shape if written else None,
            **fields,
        )

    def process_file(
        self, source: str | Path, output: str | Path | None, on_frame: FrameCallback | None = None
    ) -> FileRecord:
        """Read, anonymise and atomically write one photo or video; the input is never touched.

        With ``output=None`` it only detects (and tracks, for a video): what ``veil detect`` does.

        Examples:
            >>> record = Anonymizer().process_file("in.jpg", "out.jpg")   # doctest: +SKIP
            >>> record.to_json()["faces"][0]["action"]["filter"]           # doctest: +SKIP
            'pixelate'
        """
        if self.settings.escrow and output is not None:
            return process_sealed(self, source, output, on_frame)
        if is_video(source):
            return self.process_video(source, output, on_frame)
        return self.process_photo(source, output)


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
