"""`veil identify`: rank gallery members for each (clear or anonymised) face, two ways.

* ``embedding``: the face's 128-d dlib embedding against the gallery's; the
  score is the distance (lower is closer).
* ``pca-knn``: the classic method for identifying blurred CCTV faces. The gallery
  photos' face crops are passed through the *same filter* the probe went
  through, eigenfaces (PCA) are fitted on them, and members are ranked by
  their nearest crop in that space (k-nearest-neighbours, k = 1). Needs
  crops stored in the gallery (`veil gallery add --with-crops`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np

from veil.errors import GalleryError
from veil.faces import Faces
from veil.filters import Filter
from veil.recognition.embedding import FaceEmbedder
from veil.recognition.gallery import CROP_SIDE, Gallery

Method = Literal["embedding", "pca-knn"]
METHODS: tuple[Method, ...] = ("embedding", "pca-knn")
PCA_COMPONENTS = 20


def face_vector(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The face as a ``CROP_SIDE``-square grey vector, normalised for brightness and contrast."""
    x1, y1, x2, y2 = (round(float(v)) for v in box)
    h, w = image.shape[:2]
    patch = image[max(0, y1) : min(h, y2), max(0, x1) : min(w, x2)]
    if patch.size == 0:
        return np.zeros(CROP_SIDE * CROP_SIDE)
    grey = patch if patch.ndim == 2 else cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY)
    vector = cv2.resize(grey, (CROP_SIDE, CROP_SIDE), interpolation=cv2.INTER_AREA).astype(np.float64).ravel()
    return (vector - vector.mean()) / (vector.std() + 1e-6)


def filtered_gallery_vectors(gallery: Gallery, face_filter: Filter | None) -> np.ndarray:
    """Each stored gallery crop, passed through ``face_filter`` (the whole crop is the face)."""
    vectors = []
    for entry in gallery.entries:
        if entry.crop is None:
            raise GalleryError(
                None, f"{entry.name}: no face crop stored; re-enrol with `veil gallery add --with-crops`"
            )
        crop = np.asarray(entry.crop, np.uint8).reshape(CROP_SIDE, CROP_SIDE, 3)
        if face_filter is not None:
            box = Faces(np.array([[0, 0, CROP_SIDE, CROP_SIDE]], np.float32), np.ones(1, np.float32))
            crop = face_filter.apply(crop, box)
        vectors.append(face_vector(crop, np.array([0, 0, CROP_SIDE, CROP_SIDE])))
    return np.asarray(vectors)


def rank_by_name(distances: np.ndarray, labels: Sequence[str]) -> list[tuple[str, float]]:
    """Members nearest first, each scored by their closest entry."""
    best: dict[str, float] = {}
    for name, d in zip(labels, distances, strict=True):
        best[name] = min(best.get(name, np.inf), float(d))
    return sorted(best.items(), key=lambda item: item[1])


def fit_eigenfaces(train: np.ndarray, components: int = PCA_COMPONENTS) -> tuple[np.ndarray, np.ndarray]:
    """The mean crop and the first ``components`` principal axes (rows) of ``train``."""
    mean = train.mean(axis=0)
    _, _, basis = np.linalg.svd(train - mean, full_matrices=False)
    return mean, basis[: min(components, len(basis))]


def pca_rankings(
    train: np.ndarray, labels: Sequence[str], probes: np.ndarray, components: int = PCA_COMPONENTS
) -> list[list[tuple[str, float]]]:
    """Eigenfaces fitted on ``train``; each probe's members ranked by nearest projected crop."""
    mean, basis = fit_eigenfaces(train, components)
    projected = (train - mean) @ basis.T
    rankings = []
    for probe in np.atleast_2d(probes):
        distances = np.linalg.norm(projected - (probe - mean) @ basis.T, axis=1)
        rankings.append(rank_by_name(distances, labels))
    return rankings


def identify(
    image: np.ndarray,
    faces: Faces,
    gallery: Gallery,
    method: Method,
    face_filter: Filter | None = None,
    embedder: FaceEmbedder | None = None,
) -> list[list[tuple[str, float]]]:
    """For each face, every gallery member ranked nearest first, with its distance.

    ``face_filter`` (pca-knn only) is the filter the probe image went through.
    """
    if not gallery.entries:
        raise GalleryError(None, "the gallery is empty")
    if len(faces) == 0:
        return []
    if method == "embedding":
        vectors = (embedder or FaceEmbedder()).embed_all(image, faces.xyxy)
        return [gallery.ranking(vector) for vector in vectors]
    train = filtered_gallery_vectors(gallery, face_filter)
    probes = np.array([face_vector(image, box) for box in faces.xyxy])
    return pca_rankings(train, list(gallery.labels), probes)
