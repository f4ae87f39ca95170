"""Faces through a stream of frames: each frame searched, then tracked and covered over time.

The search of a frame has two parts (`veil.detection.video`): the full-frame
passes, which need no tracks and so run several frames at once, and the zoom
around where tracks expect faces, which runs in order. `TemporalCoverage`
(`veil.tracking`) then fills the frames a detector missed, ``memory`` frames
behind the newest one, never across a cut to another shot (`veil.scenes`).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping

from veil.association import new_tracker, tracker_for
from veil.detection import Detector
from veil.detection.video import VideoSearch
from veil.faces import Faces
from veil.media.video import Frame
from veil.scenes import SceneCuts
from veil.settings import VideoSettings
from veil.threads import ordered_map, search_threads
from veil.tracking import TemporalCoverage, within_frame

Scanned = Mapping[int, tuple[int, Faces]]
"""Full-frame results found elsewhere (a chunk's scan), by frame pts: ``(index, faces)``."""


def full_frames(
    search: Detector | VideoSearch, frames: Iterable[Frame], every: int = 1, scanned: Scanned | None = None
) -> Generator[tuple[Frame, Faces | None], None, None]:
    """Each frame with the part of its search that needs no tracks (all of it, but zoom), or None
    where ``every`` (``--detect-every``) skips it; several frames at once where the models allow it.

    ``scanned``: results already found elsewhere; a frame whose index differs is searched again.
    """

    def search_whole(frame: Frame) -> Faces | None:
        if frame.index % every:
            return None
        prior = scanned.get(frame.pts) if scanned and frame.pts is not None else None
        if prior and prior[0] == frame.index:
            return prior[1]
        if isinstance(search, VideoSearch):
            return search.full_frame(frame.pixels, frame.index // every)
        return search.detect(frame.pixels)

    workers = search_threads() if isinstance(search, VideoSearch) and search.concurrent else 1
    return ordered_map(search_whole, frames, workers, name="veil-search")


def _within(frame: Frame, faces: Faces) -> tuple[Frame, Faces]:
    height, width = frame.pixels.shape[:2]
    return frame, within_frame(faces, width, height)


def tracked_faces(
    search: Detector | VideoSearch,
    frames: Iterable[Frame],
    video: VideoSettings,
    scanned: Scanned | None = None,
) -> Iterator[tuple[Frame, Faces]]:
    """Detect and track faces through a stream of frames.

    Yields each frame with every face to cover in it, detected or filled in
    from its track, ``memory`` frames after it went in (the look-ahead).
    Closing the iterator stops the search threads and the decoder.
    """
    # Only a search that looks twice (the sweep's tiles, the zoom) confirms a lone find; without
    # one (`fast`, a single detector) every track is followed: at that recall, a lone find is
    # more often a face (benchmarks/results/video_precision.md).
    second_look = isinstance(search, VideoSearch) and search.recipe.looks_twice
    tracker = new_tracker(tracker_for(video.tracker, second_look), video.effective_memory)
    coverage = TemporalCoverage(video.memory, video.tracking, confirm=second_look, tracker=tracker)
    cuts = SceneCuts() if video.scene_cuts and coverage.memory else None
    held: dict[int, Frame] = {}
    searched = full_frames(search, frames, video.detect_every, scanned)
    try:
        for frame, full in searched:
            held[frame.index] = frame
            found = Faces.empty() if full is None else full
            cut = cuts is not None and cuts.starts_shot(frame.pixels)
            if full is not None and isinstance(search, VideoSearch):
                expected = None
                if search.wants_expected and not cut:  # only zoom uses them: `fast` skips predicting
                    recipe = search.recipe
                    expected = coverage.expected(frame.index, recipe.zoom_score, recipe.zoom_hits)
                found = search.around(frame.pixels, full, expected)
            for index, faces in coverage.push(frame.index, found, cut):
                yield _within(held.pop(index), faces)
        for index, faces in coverage.flush():
            yield _within(held.pop(index), faces)
    finally:
        searched.close()
        close = getattr(frames, "close", None)
        if callable(close):
            close()  # stopped early: stop the decoder too
