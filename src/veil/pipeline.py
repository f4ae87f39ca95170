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
from veil.detection.profiles import DEFAULT_PROFILE, PROFILES, load_profile, recipe_key
from veil.faces import Faces
from veil.filters import DEFAULT_FILTER, Filter, MaskSpec, RegionFilter, default_mask_scale, make_filter
from veil.media.images import DEFAULT_MAX_PIXELS, read_photo, write_photo
from veil.media.video import (
    BackgroundWorker,
    EncoderSettings,
    Frame,
    VideoReader,
    VideoWriter,
    is_video,
)
from veil.recognition.gallery import Gallery
from veil.recognition.policy import DEFAULT_MATCH_THRESHOLD, Decisions, KnownFaces, Mode
from veil.report import FileRecord, FrameRecord
from veil.tracking import DEFAULT_MEMORY, FILL_SOURCE, TemporalCoverage, TrackingMode

DEFAULT_VIDEO_DETECT_SCALE = 1.0
"""With ``--detector``: video frames are detected at their own size by default
(2x would cost 4x per frame; the tracker covers most misses, benchmarks/results/video.md)."""

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

    profile: str = DEFAULT_PROFILE
    detector: str | None = None  # one detector instead of the profile's fused recipe
    threshold: float | None = None  # None: the profile's (or detector's) own default
    detect_scale: float | None = None  # single detector only; None: 2x for photos, 1x for video
    filter: str = DEFAULT_FILTER
    mask: str = "ellipse"
    mask_scale: float | None = None  # None: the filter's own (1.3; 1.6 for face)
    feather: float = 0.05
    strength: float = 1.0
    feature_strength: float = 1.0
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
    # known faces
    keep: str | None = None  # gallery file: leave its members visible, hide everyone else
    only: str | None = None  # gallery file: hide only its members
    match_threshold: float = DEFAULT_MATCH_THRESHOLD

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown profile {self.profile!r}; choose from {', '.join(PROFILES)}")
        if self.keep is not None and self.only is not None:
            raise ValueError("give --keep or --only, not both")

    @property
    def single_detector(self) -> str | None:
        """The one detector to run, or None to run the profile (``--detect-scale`` alone means CenterFace)."""
        if self.detector is None and self.detect_scale is not None:
            return DEFAULT_DETECTOR
        return self.detector

    def to_json(self) -> dict[str, Any]:
        """The fields, plus what detection actually ran for photos and for video."""
        return {
            **asdict(self),
            "mask_scale": self.effective_mask_scale,
            "detection": {"photo": self.detection_for(False), "video": self.detection_for(True)},
        }

    @property
    def effective_mask_scale(self) -> float:
        """The mask growth in use: the one given, else the filter's own (1.6 for face, 1.3 otherwise)."""
        return self.mask_scale or default_mask_scale(self.filter)

    def detection_for(self, video: bool) -> dict[str, Any]:
        """The members (detector@scale) and score cut-off used for photos or video frames."""
        name = self.single_detector
        if name is None:
            members = recipe_key(PROFILES[self.profile].members(video))
        else:
            members = f"{name}@{self.single_scale(video):g}x"
        return {"members": members, "threshold": self.threshold_for(video)}

    def threshold_for(self, video: bool) -> float | None:
        """The score cut-off for photos or video: the one given, else the profile's or detector's default.

        None for a user's ``onnx:`` model without ``--threshold``: its loader decides.
        """
        name = self.single_detector
        if self.threshold is not None:
            return self.threshold
        if name is None:
            return PROFILES[self.profile].threshold_for(video)
        return default_threshold(name, video=video) if name in detector_names() else None

    def load_detector(self, video: bool) -> Detector:
        """The detector these settings ask for, for photos or for video frames."""
        name = self.single_detector
        if name is None:
            return load_profile(self.profile, video, self.threshold)
        return load_detector(name, self.threshold_for(video), self.single_scale(video))

    def single_scale(self, video: bool) -> float:
        """With one detector: ``--detect-scale``, else 2x for photos and 1x for video."""
        return self.detect_scale or (DEFAULT_VIDEO_DETECT_SCALE if video else DEFAULT_DETECT_SCALE)

    @property
    def encoder(self) -> EncoderSettings:
        return EncoderSettings(self.codec, self.crf, self.preset, self.pix_fmt, self.audio)


def to_hide(faces: Faces, decisions: Decisions | None) -> Faces:
    """The faces to filter: all of them, or those the gallery decisions hide."""
    return faces if decisions is None else faces[decisions.hide]


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
        self.detector: Detector = settings.load_detector(video=False)
        self.known: KnownFaces | None = None
        if settings.keep is not None or settings.only is not None:
            mode: Mode = "keep" if settings.keep is not None else "only"
            gallery = Gallery.load(settings.keep or settings.only or "")
            self.known = KnownFaces(gallery, mode, settings.match_threshold)
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
            mask=MaskSpec(settings.mask, settings.effective_mask_scale, settings.feather),
            strength=settings.strength,
            feature_strength=settings.feature_strength,
            colour=settings.colour,
            image=settings.image,
        )

    @property
    def video_detector(self) -> Detector:
        """The detector for video frames (its own recipe and threshold), loaded on first use."""
        if self._video_detector is None:
            self._video_detector = self.settings.load_detector(video=True)
        return self._video_detector

    def detect(self, frame: np.ndarray) -> Faces:
        """Faces in a BGR frame, in its own pixels."""
        return self.detector.detect(frame)

    def anonymize(self, frame: np.ndarray, faces: Faces | None = None) -> tuple[np.ndarray, Faces]:
        """A copy of ``frame`` with every face hidden (but gallery decisions), and the faces hidden."""
        if faces is None:
            faces = self.detect(frame)
        hidden = to_hide(faces, self.decide(frame, faces))
        return self.filter.apply(frame, hidden), hidden

    def decide(self, frame: np.ndarray, faces: Faces, video: bool = False) -> Decisions | None:
        """With ``--keep``/``--only``: which faces to hide (per track in video); None hides all."""
        if self.known is None:
            return None
        if video:
            return self.known.decide_tracked(frame, faces, np.asarray(faces.source != FILL_SOURCE, bool))
        return self.known.decide(frame, faces)

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

            # track ids restart with each video: forget per-track votes and looks
            if self.known is not None:
                self.known.reset()
            reset_filter = getattr(self.filter, "reset", None)
            if reset_filter is not None:
                reset_filter()

            def finish_frame(item: tuple[Frame, Faces]) -> None:
                frame, faces = item
                regions = self.regions(faces, info.width, info.height)
                decisions = self.decide(frame.pixels, faces, video=True)
                if writer is not None:
                    writer.write(self.filter.apply(frame.pixels, to_hide(faces, decisions)), frame.pts)
                records.append(FrameRecord(frame.index, frame.time, faces, regions, decisions))
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
        decisions = self.decide(photo.pixels, faces)
        return FileRecord(Path(source), photo.width, photo.height, faces, decisions=decisions)

    def process_file(
        self, source: str | Path, output: str | Path, on_frame: FrameCallback | None = None
    ) -> FileRecord:
        """Read, anonymise and atomically write one photo or video; the input is never touched."""
        source, output = Path(source), Path(output)
        if is_video(source):
            return self.process_video(source, output, on_frame)
        photo = read_photo(source, self.settings.max_pixels)
        faces = self.detect(photo.pixels)
        decisions = self.decide(photo.pixels, faces)
        hidden = self.filter.apply(photo.pixels, to_hide(faces, decisions))
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
            decisions=decisions,
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
