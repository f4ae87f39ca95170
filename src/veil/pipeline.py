"""`Settings` and `Anonymizer`: detect -> (track) -> filter, for arrays, photos and videos.

An image is the one-frame case: a video runs the same detector and filter on
each frame, with `TemporalCoverage` between them so that frames where the
detector missed a face are still covered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from veil.detection import (
    DEFAULT_DETECT_SCALE,
    DEFAULT_DETECTOR,
    Detector,
    default_threshold,
    detector_names,
    load_detector,
)
from veil.detection.base import ScaledDetector
from veil.faces import Faces
from veil.filters import DEFAULT_FILTER, Filter, MaskSpec, RegionFilter, make_filter
from veil.media.images import DEFAULT_MAX_PIXELS, read_photo, write_photo
from veil.media.video import (
    BackgroundWorker,
    EncoderSettings,
    Frame,
    VideoReader,
    VideoWriter,
    is_video,
)
from veil.report import FileRecord, FrameRecord
from veil.tracking import DEFAULT_MEMORY, TemporalCoverage, TrackingMode

DETECTOR_NAMES = set(detector_names())

FrameCallback = Callable[[int, int | None], None]
"""``on_frame(frames_done, frames_total_or_None)``, for progress bars."""

DEFAULT_VIDEO_DETECT_SCALE = 1.0
"""Video frames are detected at their own size by default: faces in video are
rarely as small as in WIDER's crowd photos, the tracker covers the frames a
detector misses, and 2x would cost 4x per frame (benchmarks/results/video.md)."""


@dataclass(frozen=True)
class Settings:
    """Every choice a run makes; built from CLI flags or API keywords.

    Defaults are the ones benchmarks/results/detection.md supports.
    """

    detector: str = DEFAULT_DETECTOR
    threshold: float | None = None  # None: the detector's own default
    detect_scale: float | None = None  # None: 2x for photos, 1x for video
    filter: str = DEFAULT_FILTER
    mask: str = "ellipse"
    mask_scale: float = 1.3
    feather: float = 0.05
    strength: float = 1.0
    colour: str = "black"
    image: str | None = None
    keep_metadata: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS
    # video
    memory: int = DEFAULT_MEMORY
    detect_every: int = 1  # video: run the detector on every n-th frame; tracking covers the rest
    tracking: TrackingMode = "both"
    codec: str | None = None
    crf: int = EncoderSettings.crf
    preset: str = EncoderSettings.preset
    pix_fmt: str | None = None
    audio: bool = True

    def to_json(self) -> dict[str, Any]:
        """The fields, plus the detection scales actually used (``detect_scale`` None means auto)."""
        used: dict[str, Any] = {"scale_used": {"photo": self.photo_scale, "video": self.video_scale}}
        if self.threshold is None and self.detector in DETECTOR_NAMES:
            used["threshold_used"] = {"photo": self.threshold_for(False), "video": self.threshold_for(True)}
        return {**asdict(self), **used}

    def threshold_for(self, video: bool) -> float | None:
        """The score cut-off for photos or video: the one given, else the detector's shipped default.

        None for a user's ``onnx:`` model without ``--threshold``: its loader decides.
        """
        if self.threshold is not None or self.detector not in DETECTOR_NAMES:
            return self.threshold
        return default_threshold(self.detector, video=video)

    @property
    def photo_scale(self) -> float:
        return self.detect_scale or DEFAULT_DETECT_SCALE

    @property
    def video_scale(self) -> float:
        return self.detect_scale or DEFAULT_VIDEO_DETECT_SCALE

    @property
    def encoder(self) -> EncoderSettings:
        return EncoderSettings(self.codec, self.crf, self.preset, self.pix_fmt, self.audio)


class Anonymizer:
    """Loads the detector and filter once; reuse it across many images.

    >>> anonymizer = Anonymizer(filter="pixelate")            # doctest: +SKIP
    >>> hidden, faces = anonymizer.anonymize(frame)            # doctest: +SKIP
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = replace(settings, **overrides)
        self.settings = settings
        self._base = load_detector(settings.detector, settings.threshold_for(video=False))
        photo = settings.photo_scale
        self.detector: Detector = ScaledDetector(self._base, photo) if photo != 1 else self._base
        self._video_detector: Detector | None = None
        # sanity checks now, so bad video settings fail before any file
        memory = TemporalCoverage(settings.memory, settings.tracking).memory
        if not 1 <= settings.detect_every <= memory + 1:
            raise ValueError(
                f"--detect-every must be between 1 and memory + 1 = {memory + 1} "
                "(with tracking on), or the frames between detections go uncovered"
            )
        self.filter: Filter = make_filter(
            settings.filter,
            mask=MaskSpec(settings.mask, settings.mask_scale, settings.feather),
            strength=settings.strength,
            colour=settings.colour,
            image=settings.image,
        )

    @property
    def video_detector(self) -> Detector:
        """The detector for video frames: its own scale and, unless set, its own threshold."""
        if self._video_detector is None:
            settings = self.settings
            threshold = settings.threshold_for(video=True)
            # load a second model only when video really needs another threshold
            same = threshold is None or threshold == self._base.threshold
            base = self._base if same else load_detector(settings.detector, threshold)
            scale = settings.video_scale
            self._video_detector = ScaledDetector(base, scale) if scale != 1 else base
        return self._video_detector

    def detect(self, frame: np.ndarray) -> Faces:
        """Faces in a BGR frame, in its own pixels."""
        return self.detector.detect(frame)

    def anonymize(self, frame: np.ndarray, faces: Faces | None = None) -> tuple[np.ndarray, Faces]:
        """A copy of ``frame`` with every face hidden, and the faces that were hidden."""
        if faces is None:
            faces = self.detect(frame)
        return self.filter.apply(frame, faces), faces

    def regions(self, faces: Faces, width: int, height: int) -> list[tuple[int, int, int, int]]:
        if isinstance(self.filter, RegionFilter):
            return self.filter.regions(faces, width, height)
        return [tuple(int(v) for v in box) for box in faces.xyxy]  # type: ignore[misc]

    def track(self, frames: Iterable[Frame]) -> Iterator[tuple[Frame, Faces]]:
        """Detect and track faces through a stream of frames.

        Yields each frame with every face to hide in it, detected or filled in
        from its track, ``memory`` frames after it went in (the look-ahead).
        """
        coverage = TemporalCoverage(self.settings.memory, self.settings.tracking)
        held: dict[int, Frame] = {}
        every = self.settings.detect_every
        for frame in frames:
            held[frame.index] = frame
            found = self.video_detector.detect(frame.pixels) if frame.index % every == 0 else Faces.empty()
            for index, faces in coverage.push(frame.index, found):
                yield held.pop(index), faces
        for index, faces in coverage.flush():
            yield held.pop(index), faces

    def process_video(
        self,
        source: str | Path,
        output: str | Path | None,
        on_frame: FrameCallback | None = None,
    ) -> FileRecord:
        """Anonymise a video file into ``output`` (or only detect and track, when ``output`` is None).

        Decoding, detection and filtering + encoding run on three threads, so
        they overlap. ``on_frame(done, total)`` reports progress.
        """
        records: list[FrameRecord] = []
        with VideoReader(source, max_pixels=self.settings.max_pixels) as reader:
            info = reader.info
            writer = VideoWriter(output, reader, self.settings.encoder) if output is not None else None

            def finish_frame(item: tuple[Frame, Faces]) -> None:
                frame, faces = item
                regions = self.regions(faces, info.width, info.height)
                if writer is not None:
                    writer.write(self.filter.apply(frame.pixels, faces), frame.pts)
                records.append(FrameRecord(frame.index, frame.time, faces, regions))
                if on_frame is not None:
                    on_frame(len(records), info.frames)

            worker = BackgroundWorker(finish_frame)
            try:
                for item in self.track(reader.frames()):
                    worker.submit(item)
                worker.finish()
                if writer is not None:
                    writer.close()
            except BaseException:
                worker.finish_quietly()
                if writer is not None:
                    writer.abort()
                raise
        return FileRecord(
            Path(source),
            info.width,
            info.height,
            Faces.empty(),
            output=None if output is None else Path(output),
            filter_name=self.settings.filter if output is not None else None,
            mask_shape=self.settings.mask if output is not None else None,
            frames=records,
            fps=float(info.fps),
        )

    def detect_file(self, source: str | Path, on_frame: FrameCallback | None = None) -> FileRecord:
        """Detection only, for ``veil detect`` (videos are tracked too)."""
        if is_video(source):
            return self.process_video(source, None, on_frame)
        photo = read_photo(source, self.settings.max_pixels)
        faces = self.detect(photo.pixels)
        return FileRecord(Path(source), photo.width, photo.height, faces)

    def process_file(
        self, source: str | Path, output: str | Path, on_frame: FrameCallback | None = None
    ) -> FileRecord:
        """Read, anonymise and atomically write one photo or video; the input is never touched."""
        source, output = Path(source), Path(output)
        if is_video(source):
            return self.process_video(source, output, on_frame)
        photo = read_photo(source, self.settings.max_pixels)
        hidden, faces = self.anonymize(photo.pixels)
        write_photo(output, photo.with_pixels(hidden), keep_metadata=self.settings.keep_metadata)
        return FileRecord(
            source,
            photo.width,
            photo.height,
            faces,
            output=output,
            filter_name=self.settings.filter,
            mask_shape=self.settings.mask,
            regions=self.regions(faces, photo.width, photo.height),
        )


def anonymize(image: np.ndarray | str | Path, **settings: Any) -> tuple[np.ndarray, Faces]:
    """Hide every face in one image.

    Args:
        image: a BGR uint8 array, or a path to a photo.
        **settings: any `Settings` field, e.g. ``filter="pixelate"``, ``detector="centerface"``.

    Returns:
        The anonymised BGR image (a new array) and the faces found.

    For many images, build one `Anonymizer` instead: models load once.
    """
    frame = read_photo(image).pixels if isinstance(image, str | Path) else image
    return Anonymizer(**settings).anonymize(frame)
