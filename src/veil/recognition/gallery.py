"""A gallery of known people: names, face embeddings and where each came from.

Stored as one small JSON file: per enrolled photo, the person's name, the
128-d embedding, the photo's file name and SHA-256 (so a re-enrolment of the
same photo is recognised), and no face pictures.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from veil.detection import Detector
from veil.errors import GalleryError
from veil.files import write_json
from veil.media.images import read_photo
from veil.recognition.embedding import EMBEDDING_MODEL, FaceEmbedder

CROP_SIDE = 64
"""Side of the colour face crop stored with `--with-crops` (for the pca-knn identify method)."""

FORMAT = "veil-gallery"
VERSION = 1


@dataclass
class Entry:
    """One enrolled photo of one person."""

    name: str
    embedding: list[float]
    photo: str
    sha256: str
    crop: list[int] | None = None  # CROP_SIDE x CROP_SIDE x 3 BGR face pixels, only when asked


@dataclass
class Gallery:
    """Known people, each with one or more embeddings.

    Examples:
        >>> from veil.detection import load_detector
        >>> from veil.recognition.embedding import FaceEmbedder
        >>> gallery = Gallery.open("staff.json")
        >>> gallery.add("Newton", "examples/newton.png", load_detector("centerface"), FaceEmbedder()).photo
        'newton.png'
        >>> gallery.save("staff.json"); gallery.names
        {'Newton': 1}
    """

    entries: list[Entry]

    @classmethod
    def load(cls, path: str | Path) -> Gallery:
        """Read a gallery file; a missing file is an empty gallery only for `open`."""
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise GalleryError(path, "no such gallery (create it with `veil gallery add`)") from None
        except (OSError, ValueError) as exc:
            raise GalleryError(path, f"not a readable gallery file ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise GalleryError(path, "not a veil gallery file")
        if data.get("model") != EMBEDDING_MODEL:
            model = data.get("model")
            raise GalleryError(path, f"made with embedding model {model!r}, not {EMBEDDING_MODEL}")
        return cls([Entry(**entry) for entry in data["entries"]])

    @classmethod
    def open(cls, path: str | Path) -> Gallery:
        """The gallery at ``path``, or a new empty one when the file does not exist yet."""
        return cls.load(path) if Path(path).exists() else cls([])

    def save(self, path: str | Path) -> None:
        """Write atomically (temp file, then rename)."""
        data = {
            "format": FORMAT,
            "version": VERSION,
            "model": EMBEDDING_MODEL,
            "entries": [asdict(entry) for entry in self.entries],
        }
        write_json(path, data)

    @property
    def names(self) -> dict[str, int]:
        """Each person and how many photos of them are enrolled."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.name] = counts.get(entry.name, 0) + 1
        return counts

    @property
    def embeddings(self) -> np.ndarray:
        return np.array([entry.embedding for entry in self.entries]).reshape(-1, 128)

    @property
    def labels(self) -> np.ndarray:
        return np.array([entry.name for entry in self.entries], dtype=object)

    def add(
        self,
        name: str,
        photo: str | Path,
        detector: Detector,
        embedder: FaceEmbedder,
        with_crop: bool = False,
    ) -> Entry:
        """Enrol the one face in ``photo`` as ``name`` (and a small face crop when ``with_crop``).

        Raises:
            GalleryError: no face, several faces, or the photo is already enrolled.
        """
        name = name.strip()
        if not name:
            raise GalleryError(None, "a gallery name cannot be empty")
        path = Path(photo)
        image = read_photo(path).pixels
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        for entry in self.entries:
            if entry.sha256 == digest:
                raise GalleryError(path, f"this photo is already enrolled as {entry.name!r}")
        faces = detector.detect(image)
        if len(faces) == 0:
            raise GalleryError(path, "no face found; enrol a clear photo of one person")
        if len(faces) > 1:
            raise GalleryError(
                path, f"{len(faces)} faces found; enrol a photo with only {name!r} in it (crop it)"
            )
        vector = embedder.embed(image, faces.xyxy[0])
        crop = None
        if with_crop:
            x1, y1, x2, y2 = (round(float(v)) for v in faces.xyxy[0])
            patch = cv2.resize(image[y1:y2, x1:x2], (CROP_SIDE, CROP_SIDE), interpolation=cv2.INTER_AREA)
            crop = [int(v) for v in patch.ravel()]
        entry = Entry(name, [round(float(v), 6) for v in vector], path.name, digest, crop)
        self.entries.append(entry)
        return entry

    def remove(self, name: str) -> int:
        """Forget every photo of ``name``; returns how many there were."""
        before = len(self.entries)
        self.entries = [entry for entry in self.entries if entry.name != name]
        return before - len(self.entries)

    def nearest(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each embedding: the nearest person's name and the distance to their closest photo.

        Names are None (distance inf) when the gallery is empty.
        """
        vectors = np.asarray(vectors, np.float64).reshape(-1, 128)
        if not self.entries or not len(vectors):
            return np.full(len(vectors), None, dtype=object), np.full(len(vectors), np.inf)
        distance = np.linalg.norm(vectors[:, None, :] - self.embeddings[None, :, :], axis=2)
        best = np.argmin(distance, axis=1)
        return self.labels[best], distance[np.arange(len(vectors)), best]

    def ranking(self, vector: np.ndarray) -> list[tuple[str, float]]:
        """Every person, nearest first, with the distance to their closest photo."""
        distance = np.linalg.norm(self.embeddings - np.asarray(vector).reshape(1, 128), axis=1)
        best: dict[str, float] = {}
        for name, d in zip(self.labels, distance, strict=True):
            best[name] = min(best.get(name, np.inf), float(d))
        return sorted(best.items(), key=lambda item: item[1])
