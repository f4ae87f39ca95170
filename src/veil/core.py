"""The per-frame core every path runs: detect, decide which faces to hide, hide them, record it.

`AnonymizerCore` holds what a run loads once (the detector, the filter, the
gallery decisions) and does one frame at a time. `veil.anonymizer.Anonymizer`
adds photos, videos and live streams around it; `veil.pipeline` runs the frames
of a video through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veil.association import tracker_for
from veil.detection import Detector
from veil.detection.video import VideoSearch
from veil.display import frame_png
from veil.faces import Faces
from veil.filters import Filter, Region, as_filter
from veil.loaders import hiding_filter, known_faces, photo_detector, video_detector
from veil.recognition.policy import KnownFaces
from veil.report import FileRecord
from veil.settings import Settings
from veil.tracking import FILL_SOURCE


@dataclass
class FrameResult:
    """What the per-frame step did to one frame.

    Attributes:
        pixels: the anonymised frame (a new array), or None when only detecting.
        faces: every face, with ``hide``/``identity``/``distance`` filled in
            when a gallery decided (`Faces.to_hide` gives the faces hidden).
        regions: the pixel region each face's mask covers.

    Examples:
        >>> import cv2
        >>> from veil import Anonymizer
        >>> anonymizer = Anonymizer(profile="fast")
        >>> frame = cv2.imread("examples/newton.png")
        >>> result = anonymizer.step(frame, anonymizer.detect(frame))
        >>> result.pixels.shape == frame.shape, len(result.faces), len(result.regions)
        (True, 1, 1)
    """

    pixels: np.ndarray | None
    faces: Faces
    regions: list[Region]

    def _repr_png_(self) -> bytes | None:
        """In a notebook: the anonymised frame, small, each face outlined (red: hidden, green: kept)."""
        if self.pixels is None:
            return None
        return frame_png(self.pixels, self.faces.xyxy, self.faces.hide)


class AnonymizerCore:
    """Loads the detector, filter and gallery once, and anonymises one frame at a time.

    ``detector`` and ``filter`` take a name *or* your own object: anything with
    ``detect(frame) -> Faces``, anything with ``apply(frame, faces) -> frame``.
    ``known`` takes an in-memory `KnownFaces` (a gallery file goes through the
    ``keep=``/``only=`` settings instead). Any other keyword is a `Settings` field.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        detector: str | Detector | None = None,
        filter: str | Filter | object | None = None,
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
            settings = settings.replace(**overrides)
        self.settings = settings
        self.custom: dict[str, str] = {}
        """What the user gave as objects instead of names, as reports describe it."""
        self._video_detector: Detector | VideoSearch | None = None
        if detector is not None and not isinstance(detector, str):
            if not callable(getattr(detector, "detect", None)):
                raise TypeError(
                    f"detector must be a name or an object with a detect() method, got {detector!r}"
                )
            self.custom["detector"] = str(getattr(detector, "name", type(detector).__name__))
            self.detector: Detector = detector
            self._video_detector = detector
        else:
            self.detector = photo_detector(settings.detection)
        if filter is not None and not isinstance(filter, str):
            self.filter: Filter = as_filter(filter)
            self.custom["filter"] = self.filter.name
        else:
            self.filter = hiding_filter(settings.hiding)
        self.known = known if known is not None else known_faces(settings.known)
        if known is not None:
            self.custom["known"] = f"{known.mode} {len(known.gallery.names)} people (in memory)"

    @property
    def video_detector(self) -> Detector | VideoSearch:
        """The detector for video frames (its own recipe and threshold), loaded on first use."""
        if self._video_detector is None:
            self._video_detector = video_detector(self.settings.detection)
        return self._video_detector

    @property
    def filter_name(self) -> str:
        """The filter's name, as reports give it."""
        return self.custom.get("filter", self.settings.hiding.filter)

    @property
    def mask_shape(self) -> str | None:
        """The mask shape in use (None for a filter that hides whole boxes)."""
        return None if self.filter.mask is None else self.filter.mask.shape

    def to_json(self) -> dict[str, Any]:
        """The settings as reports give them, naming any custom detector, filter or gallery."""
        described = self.settings.to_json()
        if "detector" in self.custom:
            threshold = getattr(self.detector, "threshold", None)
            detection = {"members": self.custom["detector"], "threshold": threshold}
            # a detector object is searched once a frame: veil's own tracker follows every find
            video = {**detection, "tracker": tracker_for(self.settings.video.tracker, second_look=False)}
            described.update(detector=self.custom["detector"], detection={"photo": detection, "video": video})
        if "filter" in self.custom:
            described.update(filter=self.custom["filter"], mask=self.mask_shape)
        if "known" in self.custom:
            described["known"] = self.custom["known"]
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
        return FrameResult(pixels, decided, self.filter.regions(decided, frame.shape[1], frame.shape[0]))

    def start_stream(self) -> None:
        """Forget per-video state: gallery votes and replacement faces are per track, and ids restart."""
        if self.known is not None:
            self.known.reset()
        self.filter.reset()

    def record(
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
