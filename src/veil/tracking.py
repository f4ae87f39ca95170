"""Temporal coverage for video: link detections into tracks and cover the frames a detector missed.

One uncovered frame leaks a face, and detectors flicker. `TemporalCoverage`
takes each frame's detections in order and gives frames back ``memory``
frames later, when it knows what came after them. Then it can:

* **interpolate** a track across a gap of up to ``memory`` frames, between the
  detections before and after the gap (a moving face stays covered, unlike a
  box carried forward);
* **extend** a track ``memory`` frames past its last detection (predicted with
  the track's motion) and ``memory`` frames *before* its first one (the face
  was there before the detector caught it);
* **grow** every filled box with the track's measured motion and the distance from
  the nearest real detection, to absorb motion the prediction got wrong (a still
  face's box barely grows; a running one's grows fast).

A track fills frames only once it is *confirmed* (``confirm=True``, for a search
that looks twice): several detections, one strong one, a find by the upscaled
sweep or a re-find by the zoom pass. A detector's one-off false alarm is hidden in
its own frame only, and never spreads over ``2 * memory`` frames of pavement. No
track, gap fill or memory crosses a scene cut (`push` is told where they are).

Only ``memory`` frames are held back, so a video is processed in one
streaming pass. ``mode="forward"`` is a plain short-term detection memory
(last box carried forward, no motion, no look-ahead), kept as a baseline;
``mode="off"`` is per-frame detection only.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from veil.faces import Faces
from veil.geometry import box_iou, grown_box

FILL_SOURCE = "track-fill"
TrackingMode = Literal["both", "forward", "off"]
TRACKING_MODES: tuple[TrackingMode, ...] = ("both", "forward", "off")
DEFAULT_TRACKING: TrackingMode = "both"

DEFAULT_MEMORY = 15
"""Frames covered on each side of a detection. 15 covers more than 10 (the MOT20 crowd
clip: 102 faces left uncovered against 112 with the same recipe, benchmarks/results/video.md;
the moving-camera clips: fewer uncovered for a little more masked area,
benchmarks/results/video_coverage.md)."""
MOTION_SLACK = 0.5
"""A filled box's centre may be off by this share of the track's motion since the nearest
detection (speed x frames): its box grows by that much on each side."""
DEFAULT_GROWTH = 0.03
"""And by this share of its size per frame from a detection, for a face that turns or leans
(with motion growth, confirmed tracks and veil's IoU tracker, the MOT20 crowd clip left 99
reference faces uncovered at 0.01 a frame and 90 at 0.03, in-process runs of benchmarks/video.py's
measure)."""
MAX_GROWTH = 1.6
CONFIRM_HITS = 3
CONFIRM_SCORE = 0.6
CONFIRMING_PASSES = frozenset({"sweep", "refound"})
"""A track is confirmed, and filled, once it has `CONFIRM_HITS` detections or one scoring
`CONFIRM_SCORE` (the zoom pass's own bar in the balanced recipe), or a pass in this set found
it: the upscaled sweep (it sees each part of the frame only every few frames, so one find is
its normal rate; on the crowd clip 25 of 30 single sweep finds are faces) or the zoom
re-finding the face of an existing track."""


SURE_SCORE = 0.5
"""A detection scoring less is unsure: the review page points the reviewer to it."""


def track_pass(found_by: str, seen_before: bool) -> str:
    """The pass a detection counts as for its track: a zoom find of a face the track already had
    is a ``refound`` (a magnified second look), which confirms it."""
    return "refound" if found_by == "zoom" and seen_before else found_by


def confirms(hits: int, best: float, passes: set[str] | frozenset[str]) -> bool:
    """Whether a track with ``hits`` detections, the best scoring ``best``, found by ``passes``,
    is a face to follow rather than a one-off false alarm."""
    return hits >= CONFIRM_HITS or best >= CONFIRM_SCORE or bool(passes & CONFIRMING_PASSES)


DUPLICATE_IOU = 0.5
"""A filled box overlapping another fill or a detection of its frame this much hides the same
face twice (two tracks on one face): the best-scoring box stays."""
MATCH_IOU = 0.3
"""IoU needed to link a detection to a track, measured on boxes doubled in size
(so a small face that moved about one face width per frame still links)."""
VELOCITY_WINDOW = 5


@dataclass
class Track:
    """The detections of one face, in frame order."""

    id: int
    scene: int = 0
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    passes: set[str] = field(default_factory=set)
    """Which passes of the video search found it (``found_by``); ``refound``: the zoom re-found it."""

    def add(self, index: int, box: np.ndarray, score: float, found_by: str = "") -> None:
        self.passes.add(track_pass(found_by, bool(self.frames)))
        self.frames.append(index)
        self.boxes.append(np.asarray(box, np.float64))
        self.scores.append(float(score))

    @property
    def last(self) -> int:
        return self.frames[-1]

    @property
    def confirmed(self) -> bool:
        """Whether this is a face to follow, not a one-off false alarm (see `CONFIRM_HITS`)."""
        return confirms(len(self.frames), max(self.scores), self.passes)

    def velocity(self, position: int = -1, backwards: bool = False) -> np.ndarray:
        """Per-frame change of ``x1, y1, x2, y2`` at detection ``position``.

        A least-squares slope over up to `VELOCITY_WINDOW` detections ending at
        ``position`` (or starting there, when extrapolating ``backwards``).
        """
        position %= len(self.frames)
        if backwards:
            chosen = slice(position, position + VELOCITY_WINDOW)
        else:
            chosen = slice(max(0, position - VELOCITY_WINDOW + 1), position + 1)
        frames = np.asarray(self.frames[chosen], np.float64)
        if len(frames) < 2:
            return np.zeros(4)
        boxes = np.stack(self.boxes[chosen])
        centred = frames - frames.mean()
        slope: np.ndarray = centred @ (boxes - boxes.mean(axis=0)) / float(centred @ centred)
        # A face cannot plausibly move more than half its size per frame; a
        # larger slope is a mis-link or a detector jump, so damp it.
        size = float(np.mean(boxes[:, 2:] - boxes[:, :2]))
        return np.clip(slope, -MAX_SPEED * size, MAX_SPEED * size)

    def predict(self, index: int) -> np.ndarray:
        """The box expected at a later frame ``index`` from the track's motion."""
        return self.boxes[-1] + self.velocity() * (index - self.last)


class Tracker:
    """Greedy IoU association with constant-velocity prediction (SORT without the Kalman filter).

    Hungarian assignment buys little here: ambiguous pairs are rare after
    prediction, and a wrong link still covers both faces. Subclasses link
    otherwise (`veil.association`) by overriding `_link` and `_restart`.
    """

    def __init__(self, max_age: int) -> None:
        self.max_age = max_age
        self.active: list[Track] = []
        self.finished: list[Track] = []
        self.scene = 0
        self._next_id = 0

    def update(self, index: int, faces: Faces, cut: bool = False) -> np.ndarray:
        """Link this frame's faces to tracks; returns a track id per face.

        ``cut``: this frame starts a new shot, so every track ends before it.
        A face no track takes starts a track of its own.
        """
        if cut:
            self.scene += 1
            self._restart()
        self.finished.extend(t for t in self.active if cut or index - t.last > self.max_age)
        self.active = [t for t in self.active if not cut and index - t.last <= self.max_age]
        found_by = faces.found_by if faces.found_by is not None else np.full(len(faces), "", dtype=object)
        ids = self._link(index, faces, found_by)
        for f in np.flatnonzero(ids < 0):
            track = self._new_track()
            track.add(index, faces.xyxy[f], float(faces.score[f]), str(found_by[f]))
            ids[f] = track.id
        return ids

    def _new_track(self) -> Track:
        track = Track(self._next_id, self.scene)
        self._next_id += 1
        self.active.append(track)
        return track

    def _restart(self) -> None:
        """Forget what linking learnt (a scene cut): nothing of the last shot predicts the next."""

    def _link(self, index: int, faces: Faces, found_by: np.ndarray) -> np.ndarray:
        """Add each face that continues an active track to it; its track id, or -1 where none does."""
        return self._link_by_iou(index, faces, found_by, self.active)

    @staticmethod
    def _link_by_iou(index: int, faces: Faces, found_by: np.ndarray, tracks: list[Track]) -> np.ndarray:
        """Greedy linking of ``faces`` to ``tracks``: best overlap of doubled boxes first."""
        ids = np.full(len(faces), -1, np.int64)
        if not tracks or not len(faces):
            return ids
        predicted = np.stack([grown_box(t.predict(index), 2.0) for t in tracks])
        ious = box_iou(predicted, np.stack([grown_box(b, 2.0) for b in faces.xyxy.astype(np.float64)]))
        for flat in np.argsort(-ious, axis=None, kind="stable"):
            t, f = np.unravel_index(flat, ious.shape)
            if ious[t, f] < MATCH_IOU:
                break
            if ids[f] >= 0 or tracks[t].last == index:
                continue
            tracks[t].add(index, faces.xyxy[f], float(faces.score[f]), str(found_by[f]))
            ids[f] = tracks[t].id
        return ids

    def tracks(self) -> list[Track]:
        return self.finished + self.active

    def expected(self, index: int, min_score: float = 0.0, min_hits: int = 1) -> np.ndarray:
        """``(N, 4)`` boxes where the live tracks predict their faces at frame ``index``.

        Only tracks with ``min_hits`` detections or one scoring ``min_score`` count.
        """
        live = [
            t.predict(index)
            for t in self.active
            if 0 < index - t.last <= self.max_age
            and (len(t.frames) >= min_hits or max(t.scores) >= min_score)
        ]
        return np.stack(live) if live else np.zeros((0, 4))


MIN_EXTRAPOLATED_SIZE = 0.5
MAX_EXTRAPOLATED_SIZE = 1.5
"""A box carried past its track's detections keeps between these shares of its detected size."""
MAX_SPEED = 0.5
"""A face moves at most this share of its size per frame; a faster slope is a mis-link."""


def moved(box: np.ndarray, velocity: np.ndarray, frames: float) -> np.ndarray:
    """``box`` carried ``frames`` frames along ``velocity`` (per-frame change of x1, y1, x2, y2).

    The centre follows the centre's motion; the box keeps its shape and scales with the
    size's mean rate, between `MIN_EXTRAPOLATED_SIZE` and `MAX_EXTRAPOLATED_SIZE` of the
    detected size: carried far enough, a shrinking track would turn its box inside out, a
    growing one would cover a body, and one side's noise alone would stretch it into a bar.
    """
    centre, size = (box[:2] + box[2:]) / 2, box[2:] - box[:2]
    centre = centre + (velocity[:2] + velocity[2:]) / 2 * frames
    rate = float(np.mean((velocity[2:] - velocity[:2]) / np.maximum(size, 1.0)))
    size = size * float(np.clip(1 + rate * frames, MIN_EXTRAPOLATED_SIZE, MAX_EXTRAPOLATED_SIZE))
    return np.concatenate([centre - size / 2, centre + size / 2])


def within_frame(faces: Faces, width: int, height: int) -> Faces:
    """Boxes placed by tracking clipped to the frame, and every face with no whole pixel inside it
    dropped: a track that leaves the frame ends there, and no region hides nothing."""
    inside = faces.xyxy.copy()
    inside[:, [0, 2]] = np.clip(inside[:, [0, 2]], 0, width)
    inside[:, [1, 3]] = np.clip(inside[:, [1, 3]], 0, height)
    visible = (inside[:, 2] - inside[:, 0] >= 1) & (inside[:, 3] - inside[:, 1] >= 1)
    filled = np.asarray(faces.source == FILL_SOURCE, bool)
    placed = np.where(filled[:, None], inside, faces.xyxy)
    return replace(faces, xyxy=placed)[visible]


class TemporalCoverage:
    """Streaming gap filling: `push` a frame's detections, get finished frames back ``memory`` later.

    A face detected in frames 0 and 3 but missed in 1 and 2 is covered in all four:

    >>> face = Faces(np.array([[10, 10, 50, 60]]), np.array([0.9]))
    >>> per_frame_detections = [face, Faces.empty(), Faces.empty(), face]
    >>> coverage = TemporalCoverage(memory=3)
    >>> covered = []
    >>> for index, faces in enumerate(per_frame_detections):
    ...     covered += [len(found) for _, found in coverage.push(index, faces)]
    >>> covered += [len(found) for _, found in coverage.flush()]
    >>> covered
    [1, 1, 1, 1]
    """

    def __init__(
        self,
        memory: int = DEFAULT_MEMORY,
        mode: TrackingMode = DEFAULT_TRACKING,
        growth: float = DEFAULT_GROWTH,
        confirm: bool = True,
        tracker: Tracker | None = None,
    ) -> None:
        """``confirm``: fill only confirmed tracks; off, every track is followed (for a search with
        no second look, where a lone find cannot be confirmed but by repetition). ``tracker``: what
        links detections (`veil.association.new_tracker`); veil's IoU `Tracker` by default."""
        if memory < 0:
            raise ValueError("memory must be >= 0")
        if mode not in TRACKING_MODES:
            raise ValueError(f"unknown tracking mode {mode!r}; choose from {', '.join(TRACKING_MODES)}")
        self.memory = memory if mode != "off" else 0
        self.mode = mode
        self.growth = growth
        self.confirm = confirm
        self.tracker = tracker if tracker is not None else Tracker(max_age=self.memory)
        self._pending: deque[tuple[int, int, Faces]] = deque()

    def expected(self, index: int, min_score: float = 0.0, min_hits: int = 1) -> np.ndarray:
        """Where the live tracks expect faces at frame ``index`` (before it is detected): zoom's windows."""
        return self.tracker.expected(index, min_score, min_hits) if self.memory else np.zeros((0, 4))

    @property
    def delay(self) -> int:
        """How many frames `push` holds back before returning a frame."""
        return self.memory if self.mode == "both" else 0

    def push(self, index: int, faces: Faces, cut: bool = False) -> Iterator[tuple[int, Faces]]:
        """Add frame ``index`` (frames must come in increasing order); yield frames now final.

        ``cut``: frame ``index`` starts a new shot (`veil.scenes`): nothing is carried across.
        """
        ids = self.tracker.update(index, faces, cut)
        self._pending.append((index, self.tracker.scene, replace(faces, track_id=ids)))
        while self._pending and self._pending[0][0] <= index - self.delay:
            yield self._finish(*self._pending.popleft(), latest=index)
        self._forget(index)

    def flush(self) -> Iterator[tuple[int, Faces]]:
        """The frames still held back, at the end of the video."""
        latest = self._pending[-1][0] if self._pending else 0
        while self._pending:
            yield self._finish(*self._pending.popleft(), latest=latest)

    def _finish(self, index: int, scene: int, detected: Faces, latest: int) -> tuple[int, Faces]:
        if self.memory == 0:
            return index, detected
        present = set(detected.track_id.tolist()) if detected.track_id is not None else set()
        boxes, scores, ids = [], [], []
        for track in self.tracker.tracks():
            if track.id in present or track.scene != scene or (self.confirm and not track.confirmed):
                continue
            filled = self._fill(track, index, latest)
            if filled is not None:
                boxes.append(filled[0])
                scores.append(filled[1])
                ids.append(track.id)
        if not boxes:
            return index, detected
        fills = Faces(
            np.stack(boxes),
            np.asarray(scores),
            track_id=np.asarray(ids),
            source=FILL_SOURCE,
            found_by=np.full(len(boxes), "fill", dtype=object),
        )
        fills = fills.nms(DUPLICATE_IOU)
        if len(detected):
            overlap = box_iou(fills.xyxy.astype(np.float64), detected.xyxy.astype(np.float64)).max(axis=1)
            fills = fills[overlap < DUPLICATE_IOU]
        return index, Faces.concat([detected, fills])

    def _fill(self, track: Track, index: int, latest: int) -> tuple[np.ndarray, float] | None:
        """The box covering ``track`` at frame ``index`` where it was not detected, if any."""
        frames = track.frames
        position = int(np.searchsorted(frames, index))
        before = position - 1 if position > 0 else None
        after = position if position < len(frames) and frames[position] <= latest else None
        if self.mode == "forward":
            after = None
        gap_before = index - frames[before] if before is not None else None
        gap_after = frames[after] - index if after is not None else None
        box: np.ndarray
        if gap_before is not None and gap_after is not None and gap_before + gap_after - 1 <= self.memory:
            assert before is not None and after is not None
            weight = gap_before / (gap_before + gap_after)
            box = (1 - weight) * track.boxes[before] + weight * track.boxes[after]
            motion = (track.boxes[after] - track.boxes[before]) / (gap_before + gap_after)
            distance = min(gap_before, gap_after)
            score = min(track.scores[before], track.scores[after])
        elif gap_before is not None and gap_before <= self.memory:
            assert before is not None
            motion = track.velocity(before) if self.mode == "both" else np.zeros(4)
            box = moved(track.boxes[before], motion, gap_before)
            distance, score = gap_before, track.scores[before]
        elif gap_after is not None and gap_after <= self.memory:
            assert after is not None
            motion = track.velocity(after, backwards=True)
            box = moved(track.boxes[after], motion, -gap_after)
            distance, score = gap_after, track.scores[after]
        else:
            return None
        return grown_box(box, self._growth(box, motion, distance)), score

    def _growth(self, box: np.ndarray, motion: np.ndarray, distance: int) -> float:
        """How much a box filled ``distance`` frames from a detection grows: with the track's speed
        (`MOTION_SLACK`) and, a little, with the distance alone (``growth``), at most `MAX_GROWTH`."""
        speed = float(np.hypot(*((motion[:2] + motion[2:]) / 2)))
        size = float(np.mean(box[2:] - box[:2]))
        slack = 2 * MOTION_SLACK * speed * distance / max(size, 1.0)
        return 1 + min(MAX_GROWTH - 1, slack + self.growth * distance)

    def _forget(self, index: int) -> None:
        """Drop finished tracks that can no longer reach a pending frame (bounded memory)."""
        oldest = self._pending[0][0] if self._pending else index
        self.tracker.finished = [t for t in self.tracker.finished if t.last + self.memory >= oldest]
