"""`veil eval privacy`: can a face still be re-identified after anonymisation?

Three attackers, each reported beside chance level:

* **naive**: embed the anonymised face with dlib's 128-d ResNet and take the
  nearest *clean* photo of anyone else (rank-1 re-identification);
* **parrot**: the attacker knows the filter and applies it to the gallery
  first, then matches anonymised against anonymised;
* **pca-knn**: the classic attack on blurred faces: eigenfaces (PCA)
  fitted on the *anonymised* gallery crops and a 1-nearest-neighbour
  classifier, so any structure the filter leaves can be learned.

Every attacker is leave-one-out: the probe's own photo is never in the gallery.
The embedding distance between each face and its anonymised self is also
reported, against the typical distance between two different people (the
usual same-person threshold): above it, the anonymised face no longer
looks like its owner to the recogniser.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from veil.detection import Detector
from veil.errors import VeilError
from veil.faces import Faces
from veil.filters import Filter
from veil.media.images import IMAGE_EXTENSIONS, read_photo
from veil.recognition.embedding import FaceEmbedder
from veil.recognition.identify import PCA_COMPONENTS, face_vector, fit_eigenfaces


def load_identities(folder: str | Path) -> list[tuple[Path, str]]:
    """Photos and who is in them: ``identities.csv`` (``file,identity``) or one sub-folder per person."""
    folder = Path(folder)
    table = folder / "identities.csv"
    if table.is_file():
        with table.open() as stream:
            return [(folder / row["file"], row["identity"]) for row in csv.DictReader(stream)]
    found = [
        (photo, person.name)
        for person in sorted(p for p in folder.iterdir() if p.is_dir())
        for photo in sorted(person.iterdir())
        if photo.suffix.lower() in IMAGE_EXTENSIONS
    ]
    if not found:
        raise VeilError(folder, "no identities.csv and no per-person sub-folders of photos")
    return found


@dataclass
class Subject:
    """One labelled photo and its (largest) face."""

    image: np.ndarray
    face: Faces
    identity: str


def load_subjects(
    folder: str | Path, detector: Detector, progress: Callable[[], None] | None = None
) -> list[Subject]:
    """Each labelled photo with its largest detected face (photos without a face are left out)."""
    subjects = []
    for path, identity in load_identities(folder):
        image = read_photo(path).pixels
        faces = detector.detect(image)
        if len(faces):
            subjects.append(Subject(image, faces[int(np.argmax(faces.area))], identity))
        if progress is not None:
            progress()
    return subjects


def chance_level(labels: np.ndarray) -> float:
    """Expected leave-one-out rank-1 of a random guess: share of the others who are the same person."""
    n = len(labels)
    return float(np.mean([(np.sum(labels == labels[i]) - 1) / (n - 1) for i in range(n)]))


def rank1(probes: np.ndarray, gallery: np.ndarray, labels: np.ndarray) -> float:
    """Leave-one-out rank-1: probe i's nearest gallery entry other than i has i's identity."""
    distance = np.linalg.norm(probes[:, None, :] - gallery[None, :, :], axis=2)
    np.fill_diagonal(distance, np.inf)
    return float(np.mean(labels[np.argmin(distance, axis=1)] == labels))


def pca_knn_rank1(crops: np.ndarray, labels: np.ndarray, components: int = PCA_COMPONENTS) -> float:
    """Leave-one-out eigenfaces + 1-NN accuracy on (anonymised) face crops."""
    hits = 0
    for i in range(len(crops)):
        train = np.delete(crops, i, axis=0)
        mean, basis = fit_eigenfaces(train, components)
        projected = (train - mean) @ basis.T
        probe = (crops[i] - mean) @ basis.T
        nearest = int(np.argmin(np.linalg.norm(projected - probe, axis=1)))
        hits += np.delete(labels, i)[nearest] == labels[i]
    return hits / len(crops)


def evaluate_privacy(
    subjects: list[Subject],
    filters: dict[str, Filter | None],
    embedder: FaceEmbedder,
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Every attacker against every filter (None: the clean photo, the attacker's best case)."""
    labels = np.array([s.identity for s in subjects])
    clean = np.stack([embedder.embed(s.image, s.face.xyxy[0]) for s in subjects])
    different = labels[:, None] != labels[None, :]
    pair_distance = np.linalg.norm(clean[:, None] - clean[None, :], axis=2)
    threshold = float(np.median(pair_distance[different]))
    result: dict[str, Any] = {
        "faces": len(subjects),
        "identities": len(set(labels.tolist())),
        "chance": chance_level(labels),
        "different_person_distance": threshold,
        "filters": {},
    }
    for name, chosen in filters.items():
        hidden = [s.image if chosen is None else chosen.apply(s.image, s.face) for s in subjects]
        probes = np.stack([embedder.embed(h, s.face.xyxy[0]) for h, s in zip(hidden, subjects, strict=True)])
        crops = np.stack([face_vector(h, s.face.xyxy[0]) for h, s in zip(hidden, subjects, strict=True)])
        own = np.linalg.norm(probes - clean, axis=1)
        result["filters"][name] = {
            "naive": rank1(probes, clean, labels),
            "parrot": rank1(probes, probes, labels),
            "pca-knn": pca_knn_rank1(crops, labels),
            "distance_to_own_face": float(np.median(own)),
            "unlinkable": float(np.mean(own > threshold)),
        }
        if progress is not None:
            progress()
    return result
