"""Which tracker links a video's detections into tracks: OC-SORT from Roboflow's `trackers`, or veil's own.

OC-SORT (Cao et al., 2023; the clean-room implementation in Roboflow's
``trackers`` package) predicts each track with a Kalman filter, recovers a
track lost for a while from its last observations rather than from drifting
predictions, and assigns detections to tracks as a whole (Hungarian). Only a
detection scoring at least its high-confidence bar (0.5) starts or continues a
track: a weaker one is hidden in its own frame (and, if the upscaled sweep
found it, around it: `veil.tracking.confirms`), unless the zoom found it where
a track expected a face.

Replayed on the same detections of the dev clips, OC-SORT leaves the fewest
faces uncovered of veil's IoU tracker, SORT, ByteTrack and itself
(benchmarks/results/video_trackers.md); in the whole pipeline it hides less
outside faces than veil's tracker on three clips of four (2.7, 6.7 and 5.1% of
the frame against 5.2, 9.9 and 7.6%: benchmarks/results/video_precision.md).
It needs ``trackers`` (with scipy and supervision), so it comes with the
``tracking`` extra; without it, ``auto`` uses veil's own tracker, as it does
for a search with no second look (`fast`, a single detector).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from veil.faces import Faces
from veil.tracking import Tracker

TrackerName = Literal["auto", "ocsort", "iou"]
TRACKERS: tuple[TrackerName, ...] = ("auto", "ocsort", "iou")
TRACK_FRAME_RATE = 25.0
"""OC-SORT scales its lost-track budget by frame rate / 30; veil's memory is counted in frames."""


def ocsort_available() -> bool:
    """Whether the ``tracking`` extra (Roboflow's ``trackers``) is installed."""
    return importlib.util.find_spec("trackers") is not None


def resolved(name: TrackerName) -> Literal["ocsort", "iou"]:
    """The tracker ``name`` stands for here: ``auto`` is OC-SORT where it is installed.

    Raises:
        ValueError: ``ocsort`` asked for but ``trackers`` is not installed, or an unknown name.
    """
    if name == "auto":
        return "ocsort" if ocsort_available() else "iou"
    if name == "ocsort" and not ocsort_available():
        raise ValueError("--tracker ocsort needs the tracking extra: pip install 'veil[tracking]'")
    if name not in TRACKERS:
        raise ValueError(f"unknown tracker {name!r}; choose from {', '.join(TRACKERS)}")
    return name


def tracker_for(name: TrackerName, second_look: bool) -> Literal["ocsort", "iou"]:
    """The tracker a video runs: ``auto`` gives OC-SORT only to a search that looks twice (the
    sweep's tiles, the zoom), which alone can confirm the weak finds OC-SORT leaves out of its
    tracks; `fast` and a single detector follow every find with veil's own tracker."""
    return "iou" if name == "auto" and not second_look else resolved(name)


def new_tracker(name: TrackerName, max_age: int) -> Tracker:
    """A tracker that ends a track ``max_age`` frames after its last detection."""
    return LibraryTracker(max_age, ocsort) if resolved(name) == "ocsort" else Tracker(max_age)


def ocsort(max_age: int) -> Any:
    """OC-SORT as veil runs it: every detection at 0.5 or more may start a track at once."""
    # `trackers` imports supervision and scipy: about 0.4 s, paid only where OC-SORT runs
    from trackers import OCSORTTracker

    return OCSORTTracker(lost_track_buffer=max_age, frame_rate=TRACK_FRAME_RATE, minimum_consecutive_frames=1)


class LibraryTracker(Tracker):
    """veil's tracks, linked by one of Roboflow's trackers: each of its ids is one `veil.tracking.Track`.

    ``make(max_age)`` builds the library's tracker (again after each scene cut).
    """

    def __init__(self, max_age: int, make: Callable[[int], Any]) -> None:
        super().__init__(max_age)
        self._make = make
        self._restart()

    def _restart(self) -> None:
        self._library = self._make(self.max_age)
        self._tracks: dict[int, int] = {}  # the library's id -> veil track id

    def _link(self, index: int, faces: Faces, found_by: np.ndarray) -> np.ndarray:
        import supervision as sv

        detections = sv.Detections(
            xyxy=faces.xyxy.astype(np.float32).reshape(-1, 4),
            confidence=faces.score.astype(np.float32),
            data={"face": np.arange(len(faces))},
        )
        linked = self._library.update(detections)
        active = {track.id: track for track in self.active}
        ids = np.full(len(faces), -1, np.int64)
        for face, key in zip(
            linked.data.get("face", []), np.asarray(linked.tracker_id).tolist(), strict=True
        ):
            if key < 0:
                continue  # too weak to track, or OC-SORT's first sight of a track
            track = active.get(self._tracks.get(key, -1))
            if track is None:
                # OC-SORT names a track at its second sight: its first was a lone find, which joins
                # it (else that find is carried on apart: a second box lagging behind the face, and
                # a kept person hidden by it)
                lone = [t for t in self.active if len(t.frames) == 1 and t.last < index]
                first = int(self._link_by_iou(index, faces[[face]], found_by[[face]], lone)[0])
                if first >= 0:
                    self._tracks[key] = ids[face] = first
                    continue
                track = self._new_track()
                self._tracks[key] = track.id
                active[track.id] = track
            if track.frames and track.last == index:
                continue
            track.add(index, faces.xyxy[face], float(faces.score[face]), str(found_by[face]))
            ids[face] = track.id
        # A zoom find is a second look at the face a track expected there: it continues that track
        # however weak (OC-SORT ignores faces under its bar), linked by veil's IoU rule.
        rest = np.flatnonzero((ids < 0) & (found_by == "zoom"))
        if len(rest):
            ids[rest] = self._link_by_iou(index, faces[rest], found_by[rest], self.active)
        return ids
