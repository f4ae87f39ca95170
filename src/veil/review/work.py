"""The review's background work: detecting every file, then exporting, with progress to show.

Detection runs in one thread, file by file; each file's faces go into the
review as one journalled entry, so a review stopped half-way keeps every file
done. What the review holds is then left out of Python's cyclic garbage
collection (`gc.freeze`): a long video's hundreds of thousands of face dicts
would otherwise stall every thread for a second now and then. The terminal
hears what ``veil`` would say (a line per file, an
``error:`` line per failure, a summary); the page polls `Progress`.
"""

from __future__ import annotations

import copy
import gc
import threading
import time
from collections.abc import Callable
from typing import Any

from veil.anonymizer import Anonymizer
from veil.review.document import ReviewDocument
from veil.review.entries import detections
from veil.review.render import export


class Stopped(BaseException):
    """The review is closing: raised from detection's frame callback so a video stops at once
    (a BaseException, so no ``except Exception`` on the way takes it for a failed file)."""


class Progress:
    """What the background work is doing, for ``GET /api/status``."""

    def __init__(self) -> None:
        self.detect: dict[str, Any] = {
            "running": False,
            "file": None,
            "done": 0,
            "total": 0,
            "frame": 0,
            "frames": None,
        }
        self.export: dict[str, Any] = {"running": False, "done": 0, "total": 0, "report": None, "error": None}


class Worker:
    """Detection and export for one review, each in a thread of its own."""

    def __init__(
        self,
        review: ReviewDocument,
        anonymizer: Anonymizer,
        progress: Progress,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.review = review
        self.anonymizer = anonymizer
        self.progress = progress
        self.say = say or (lambda line: None)
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def detect_all(self) -> None:
        """Detect faces in every file not done yet (a reopened review keeps what it has).

        Files already detected are indexed first, so the page's first look at them is quick.
        """
        for entry in list(self.review.data["files"]):
            if entry["status"] == "ready":
                self.review.summary(entry)
        gc.freeze()
        todo = [e for e in self.review.data["files"] if e["status"] in ("waiting", "detecting")]
        state = self.progress.detect
        state.update(running=True, total=len(todo), done=0)
        started, failed, faces = time.perf_counter(), 0, 0
        for number, entry in enumerate(todo, 1):
            state.update(file=entry["id"], frame=0, frames=None)
            self.say(f"detecting {number} of {len(todo)}: {entry['path']}")
            try:
                done = self._detect(entry)
            except Stopped:
                with self.review.lock:
                    entry["status"] = "waiting"  # detected again when the review is reopened
                state.update(running=False, file=None)
                return
            gc.freeze()
            if done["status"] == "failed":
                failed += 1
                self.say(f"error: {done['path']}: {done['error']}")
            else:
                faces += self.review.summary(done)["faces"]
            state["done"] = number
        self.review.save()
        state.update(running=False, file=None)
        counts = f"{len(todo) - failed} files, {faces} faces" + (f", {failed} failed" if failed else "")
        self.say(f"veil review: detection done: {counts}, {time.perf_counter() - started:.1f} s")

    def _detect(self, entry: dict[str, Any]) -> dict[str, Any]:
        state = self.progress.detect
        with self.review.lock:
            entry["status"] = "detecting"
            done = copy.deepcopy(entry)

        def on_frame(count: int, total: int | None) -> None:
            if self.stopping.is_set():
                raise Stopped()
            state.update(frame=count, frames=total)

        if self.stopping.is_set():
            raise Stopped()
        try:
            record = self.anonymizer.process_file(done["path"], None, on_frame)
        except Exception as exc:  # one bad file must not stop the review
            done.update(status="failed", error=str(getattr(exc, "reason", None) or exc))
        else:
            if done["kind"] == "photo" and record.frames is not None:
                reason = "multi-frame images are not in the review yet (anonymise them with veil)"
                done.update(status="failed", error=reason)
            else:
                detections(done, record)
        self.review.set_entry(done)
        return done

    def start_detection(self) -> threading.Thread:
        self._thread = threading.Thread(target=self.detect_all, name="veil-review-detect", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float = 60) -> None:
        """Stop detection (between frames) and wait for it, so the review closes with nothing
        half-written and no model running while the interpreter exits."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def export_refusal(self, force: bool) -> dict[str, Any] | None:
        """Why an export cannot start now (409), or None: not while detecting or exporting, and
        not with files left unreviewed unless ``force``."""
        detect = self.progress.detect
        if detect["running"]:
            return {"error": f"detection is still running ({detect['done']} of {detect['total']} files)"}
        if self.progress.export["running"]:
            return {"error": "an export is already running"}
        with self.review.lock:
            files = self.review.data["files"]
            unreviewed = [e["path"] for e in files if e["status"] == "ready" and not e["reviewed"]]
        if unreviewed and not force:
            count = len(unreviewed)
            return {
                "error": f"{count} file{'s' * (count != 1)} not marked reviewed; export anyway?",
                "unreviewed": unreviewed,
            }
        return None

    def start_export(self) -> None:
        self.progress.export.update(running=True, done=0, error=None)
        threading.Thread(target=self.export_all, name="veil-review-export", daemon=True).start()

    def export_all(self) -> None:
        state = self.progress.export
        state.update(running=True, done=0, error=None)

        def on_file(done: int, total: int) -> None:
            state.update(done=done, total=total)

        try:
            state["report"] = export(self.review, self.anonymizer.settings, on_file)
            for error in state["report"]["errors"]:
                self.say(f"error: {error['path']}: {error['error']}")
            self.say(f"veil review: exported {len(state['report']['files'])} files")
        except Exception as exc:
            state["error"] = str(exc)
            self.say(f"error: export: {exc}")
        finally:
            state["running"] = False
