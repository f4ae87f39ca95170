"""`Settings` and `Anonymizer`: detect -> filter, for arrays and for files.

An image is the one-frame case; video (a later issue) feeds frames through
the same `Anonymizer.anonymize`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veil.detection import DEFAULT_DETECT_SCALE, DEFAULT_DETECTOR, Detector, load_detector
from veil.faces import Faces
from veil.filters import DEFAULT_FILTER, Filter, MaskSpec, RegionFilter, make_filter
from veil.media.images import DEFAULT_MAX_PIXELS, read_photo, write_photo
from veil.report import FileRecord


@dataclass(frozen=True)
class Settings:
    """Every choice a run makes; built from CLI flags or API keywords.

    Defaults are the ones benchmarks/results/detection.md supports.
    """

    detector: str = DEFAULT_DETECTOR
    threshold: float | None = None  # None: the detector's own default
    detect_scale: float = DEFAULT_DETECT_SCALE
    filter: str = DEFAULT_FILTER
    mask: str = "ellipse"
    mask_scale: float = 1.3
    feather: float = 0.05
    strength: float = 1.0
    colour: str = "black"
    image: str | None = None
    keep_metadata: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Anonymizer:
    """Loads the detector and filter once; reuse it across many images.

    >>> anonymizer = Anonymizer(filter="pixelate")            # doctest: +SKIP
    >>> hidden, faces = anonymizer.anonymize(frame)            # doctest: +SKIP
    """

    def __init__(self, settings: Settings | None = None, **overrides: Any) -> None:
        if settings is None:
            settings = Settings(**overrides)
        elif overrides:
            settings = Settings(**{**settings.to_json(), **overrides})
        self.settings = settings
        self.detector: Detector = load_detector(settings.detector, settings.threshold, settings.detect_scale)
        self.filter: Filter = make_filter(
            settings.filter,
            mask=MaskSpec(settings.mask, settings.mask_scale, settings.feather),
            strength=settings.strength,
            colour=settings.colour,
            image=settings.image,
        )

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

    def detect_file(self, source: str | Path) -> FileRecord:
        """Detection only, for ``veil detect``."""
        photo = read_photo(source, self.settings.max_pixels)
        faces = self.detect(photo.pixels)
        return FileRecord(Path(source), photo.width, photo.height, faces)

    def process_file(self, source: str | Path, output: str | Path) -> FileRecord:
        """Read, anonymise and atomically write one photo; the input is never touched."""
        source, output = Path(source), Path(output)
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
