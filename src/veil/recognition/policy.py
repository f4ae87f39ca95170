"""Which faces to hide when a gallery is given: ``--keep`` (hide everyone else) or ``--only``.

When in doubt, hide: under ``keep`` a face is left visible only when it is
large enough to recognise and its embedding lies within the match threshold
of a gallery member; under ``only`` a face is hidden when it matches a member
*or* is too small to tell. In video the decision is per track: every
detected (not filled-in) face of a track casts a vote (the member it matches,
or nobody), and the track is that member once the member has at least
`MIN_MATCH_VOTES` votes and `MIN_MATCH_SHARE` of all of them (and more than
any other member). The evidence is lopsided: a match within the threshold is
rarely wrong (no stranger pair of deepface_13ids gets one), while a miss is
common for a known face turned away, so requiring a plain majority would hide
a performer seen mostly in profile for the whole clip. Decisions use the votes
so far, so a person does not flicker between visible and hidden.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from veil.faces import Faces
from veil.recognition.embedding import FaceEmbedder
from veil.recognition.gallery import Gallery

Mode = Literal["keep", "only"]

DEFAULT_MATCH_THRESHOLD = 0.5
"""Embedding distance at or below which a face is a gallery member. On the pairs of
deepface_13ids, 0.5 accepts 90.5% of same-person pairs and none of 376 stranger
pairs; dlib's usual 0.6 lets one stranger pair through (benchmarks/results/recognition.md)."""

MIN_MATCH_VOTES = 3
MIN_MATCH_SHARE = 0.2

MIN_FACE = 40
"""Faces with a shorter side below this many pixels are too small to recognise."""


@dataclass
class KnownFaces:
    """A gallery, a mode and a threshold: decides which faces of a frame to hide.

    Examples:
        >>> import cv2
        >>> from veil.detection import load_detector
        >>> detector, embedder = load_detector("centerface"), FaceEmbedder()
        >>> gallery = Gallery.open("staff.json")
        >>> _ = gallery.add("Newton", "examples/newton.png", detector, embedder)
        >>> known = KnownFaces(gallery, "keep", embedder=embedder)
        >>> newton, gauss = cv2.imread("examples/newton.png"), cv2.imread("examples/gauss.png")
        >>> decided = known.decide(newton, detector.detect(newton))
        >>> decided.identity, decided.hide
        (array(['Newton'], dtype=object), array([False]))
        >>> known.decide(gauss, detector.detect(gauss)).hide
        array([ True])
    """

    gallery: Gallery
    mode: Mode
    threshold: float = DEFAULT_MATCH_THRESHOLD
    embedder: FaceEmbedder = field(default_factory=FaceEmbedder)
    _votes: dict[int, Counter[str | None]] = field(default_factory=dict)

    def match(self, image: np.ndarray, faces: Faces) -> tuple[np.ndarray, np.ndarray]:
        """Each face's gallery member (None: no match or too small) and the distance to it."""
        identity = np.full(len(faces), None, dtype=object)
        distance = np.full(len(faces), np.inf)
        large = np.minimum(faces.width, faces.height) >= MIN_FACE
        if large.any():
            names, nearest = self.gallery.nearest(self.embedder.embed_all(image, faces.xyxy[large]))
            distance[large] = nearest
            identity[large] = [
                name if d <= self.threshold else None for name, d in zip(names, nearest, strict=True)
            ]
        return identity, distance

    def hide(self, identity: np.ndarray, recognisable: np.ndarray) -> np.ndarray:
        """The policy: which faces to hide, given who they are."""
        known = np.array([name is not None for name in identity], bool)
        if self.mode == "keep":
            return ~known
        return known | ~recognisable

    def decide(self, image: np.ndarray, faces: Faces) -> Faces:
        """The faces of one photo with ``hide``, ``identity`` and ``distance`` filled in."""
        identity, distance = self.match(image, faces)
        return replace(
            faces, hide=self.hide(identity, np.isfinite(distance)), identity=identity, distance=distance
        )

    def decide_tracked(self, image: np.ndarray, faces: Faces, detected: np.ndarray) -> Faces:
        """One video frame's faces, decided per track: detected faces vote, the votes so far decide.

        Args:
            detected: ``(N,)`` bool, True for faces the detector found in this
                frame (filled-in track boxes do not vote).
        """
        if faces.track_id is None:
            return self.decide(image, faces)
        identity, distance = self.match(image, faces[detected])
        all_distance = np.full(len(faces), np.inf)
        all_distance[detected] = distance
        for track, name, d in zip(faces.track_id[detected], identity, distance, strict=True):
            if np.isfinite(d):  # a face too small to recognise casts no vote
                self._votes.setdefault(int(track), Counter())[name] += 1
        member = np.full(len(faces), None, dtype=object)
        voted = np.zeros(len(faces), bool)
        for i, track in enumerate(faces.track_id):
            votes = self._votes.get(int(track))
            if votes:
                voted[i] = True
                member[i] = track_member(votes)
        return replace(faces, hide=self.hide(member, voted), identity=member, distance=all_distance)

    def reset(self) -> None:
        """Forget the votes (between videos: track ids restart)."""
        self._votes.clear()


def track_member(votes: Counter[str | None]) -> str | None:
    """The member a track's votes establish, or None (not enough evidence, or a tie)."""
    total = sum(votes.values())
    ranked = [(name, count) for name, count in votes.most_common() if name is not None]
    if not ranked:
        return None
    name, count = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == count:
        return None
    return name if count >= MIN_MATCH_VOTES and count >= MIN_MATCH_SHARE * total else None
