"""The review web app (Starlette): a JSON API over the review document, frames on demand, the page.

The API serves a file in windows of frames, never a whole video's boxes; each
change is one journalled, undoable step (`veil.review.document`). Work that
reads pixels or changes the review runs in worker threads, so the server
answers ``/api/status`` while an edit or a frame is in progress. Files are
named by their id in the review, never by a path, so no URL reaches anything
but the inputs. `veil.review.guard` checks host, token and size first; a bad
value is a 400 with a message, an unknown id a 404, and no request is a 500.
See the docs' review page (docs/review.md) for the API.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from veil.anonymizer import Anonymizer
from veil.errors import VeilError
from veil.files import compact_json
from veil.filters import FILTER_NAMES
from veil.review.checks import BadValue, body_fields, flag, frame, integer, text
from veil.review.document import NothingToDo, ReviewDocument
from veil.review.entries import track_key
from veil.review.frames import FrameStore
from veil.review.guard import MAX_BODY, Guard
from veil.review.index import face_unsure
from veil.review.render import Hider, jpeg
from veil.review.work import Progress, Worker

THUMB_SIDE = 320
VIEW_FIELDS = ("id", "box", "score", "track", "origin", "action", "filter", "keyframe")
"""What the page gets of a face (not the landmarks: they are for the filters)."""
MAX_WINDOW = 900
"""Frames one window request may cover (the page asks for far fewer)."""
log = logging.getLogger("veil.review")


class BodyTooLarge(Exception):
    pass


class ReviewApp:
    """The review of one output folder: its document, the work behind it, the web app."""

    def __init__(
        self,
        review: ReviewDocument,
        anonymizer: Anonymizer,
        token: str | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.review = review
        self.anonymizer = anonymizer
        self.token = token or secrets.token_urlsafe(24)
        self.port = 0  # set once the socket is bound
        self.frames = FrameStore()
        self.hider = Hider(anonymizer.settings)
        self.hider_lock = threading.Lock()
        self.filters = [name for name in FILTER_NAMES if name != "image" or anonymizer.settings.hiding.image]
        """The filters a reviewer may pick for a face (the image filter only with the run's --image)."""
        review.filters = tuple(self.filters)
        self.progress = Progress()
        self.worker = Worker(review, anonymizer, self.progress, say)
        self.app = Guard(self._starlette(), self.token, lambda: self.port)

    def start_detection(self) -> threading.Thread:
        return self.worker.start_detection()

    def detect_all(self) -> None:
        self.worker.detect_all()

    # -- the web app -----------------------------------------------------------------
    def _starlette(self) -> Starlette:
        static = resources.files("veil.review").joinpath("static")
        files = "/api/files/{file}"
        routes = [
            Route("/", self.page),
            Route("/api/status", self.status),
            Route(files, self.file_view),
            Route(files + "/window", self.window),
            Route(files + "/next", self.next_unit),
            Route(files + "/frame/{index:int}.jpg", self.frame),
            Route(files + "/thumb.jpg", self.thumb),
            Route(files + "/boxes", self.add_box, methods=["POST"]),
            Route(files + "/faces/{face}", self.face, methods=["PATCH", "DELETE"]),
            Route(files + "/tracks/{track}", self.track, methods=["POST"]),
            Route(files + "/bulk", self.bulk, methods=["POST"]),
            Route(files + "/merge", self.merge, methods=["POST"]),
            Route(files + "/undo", self.undo, methods=["POST"]),
            Route(files + "/redo", self.redo, methods=["POST"]),
            Route(files + "/reviewed", self.reviewed, methods=["POST"]),
            Route("/api/export", self.start_export, methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(static)), name="static"),
        ]
        handlers = {
            KeyError: _not_found,
            NothingToDo: _conflict,
            BadValue: _bad_request,
            ValueError: _bad_request,
            VeilError: _bad_request,
            BodyTooLarge: _too_large,
            ClientDisconnect: _bad_request,
            Exception: _server_error,
        }
        return Starlette(routes=routes, exception_handlers=handlers)

    async def page(self, request: Request) -> Response:
        html = resources.files("veil.review").joinpath("static/index.html").read_text("utf-8")
        return HTMLResponse(html)

    async def status(self, request: Request) -> Response:
        files = await run_in_threadpool(self._summaries)
        progress = {"detect": dict(self.progress.detect), "export": dict(self.progress.export)}
        return JSONResponse({**progress, "files": files, "filters": self.filters})

    def _summaries(self) -> list[dict[str, Any]]:
        with self.review.lock:
            files = [self.review.summary(entry) for entry in self.review.data["files"]]
        files.sort(key=lambda f: (f["reviewed"], -f["uncertainty"], -f["unsure"], f["path"]))
        return files

    async def file_view(self, request: Request) -> Response:
        """A file's overview: its counts and size, no boxes (`window` gives those)."""
        file_id = request.path_params["file"]

        def view() -> dict[str, Any]:
            with self.review.lock:
                entry = self.review.file(file_id)
                return {
                    **self.review.summary(entry),
                    "fps": entry["fps"],
                    "duration": entry["times"][-1],
                    "filter": self.anonymizer.settings.hiding.filter,
                    "filters": self.filters,
                }

        return JSONResponse(await run_in_threadpool(view))

    async def window(self, request: Request) -> Response:
        """Frames ``first``..``last``: each one's faces and time, and the tracks that cross them."""
        file_id = request.path_params["file"]
        entry = self.review.file(file_id)
        first = frame(_query_int(request, "first", 0), entry["frames"])
        last = frame(_query_int(request, "last", first), entry["frames"])
        if not first <= last <= first + MAX_WINDOW:
            raise BadValue(f"a window is first..last with at most {MAX_WINDOW} frames")
        return _fast_json(await run_in_threadpool(self._window, file_id, first, last))

    def _window(self, file_id: str, first: int, last: int) -> dict[str, Any]:
        with self.review.lock:
            entry = self.review.file(file_id)
            rows = self.review.track_rows(file_id, first, last)
            unsure = {row["id"]: row["unsure"] for row in rows}
            faces = {
                str(at): [_face_view(face, unsure) for face in found]
                for at, found in self.review.faces_by_frame(file_id, first, last).items()
            }
            return {
                "first": first,
                "last": last,
                "times": entry["times"][first : last + 1],
                "faces": faces,
                "tracks": [_clipped(row, first, last) for row in rows],
            }

    async def next_unit(self, request: Request) -> Response:
        """The next track or lone face (``unsure=1``: the next unsure one) after ``frame`` and ``key``."""
        file_id = request.path_params["file"]
        entry = self.review.file(file_id)
        at = frame(_query_int(request, "frame", 0), entry["frames"])
        key = text(request.query_params.get("key", ""), "key") or None
        unsure = request.query_params.get("unsure", "1") == "1"
        return JSONResponse(await run_in_threadpool(self.review.next_unit, file_id, at, key, unsure))

    def _jpeg(self, file_id: str, index: int, preview: bool, max_side: int | None = None) -> bytes:
        entry = self.review.file(file_id)
        if entry["status"] != "ready":
            raise BadValue(f"{entry['path']} is {entry['status']}")
        pixels = self.frames.pixels(entry, frame(index, entry["frames"]))
        if preview:
            with self.hider_lock:
                pixels = self.hider.apply(pixels, self.review.faces_at(file_id, index))
        return jpeg(pixels, max_side=max_side)

    async def frame(self, request: Request) -> Response:
        preview = request.query_params.get("preview") == "1"
        args = (request.path_params["file"], request.path_params["index"], preview)
        return Response(await run_in_threadpool(self._jpeg, *args), media_type="image/jpeg")

    async def thumb(self, request: Request) -> Response:
        data = await run_in_threadpool(self._jpeg, request.path_params["file"], 0, False, THUMB_SIDE)
        return Response(data, media_type="image/jpeg")

    async def add_box(self, request: Request) -> Response:
        body = body_fields(await _json(request), ("frame", "box", "track"), ("frame", "box"))
        track = body.get("track")
        track = None if track is None else text(track, "track")
        args = (request.path_params["file"], body["frame"], body["box"], track)
        return JSONResponse({"track": await run_in_threadpool(self.review.add_box, *args)})

    async def face(self, request: Request) -> Response:
        file_id, face_id = request.path_params["file"], request.path_params["face"]
        if request.method == "DELETE":
            await run_in_threadpool(self.review.delete_face, file_id, face_id)
        else:
            fields = body_fields(await _json(request), ("box", "frame", "action", "filter", "deleted"))
            await run_in_threadpool(lambda: self.review.edit_face(file_id, face_id, **fields))
        return JSONResponse({"ok": True})

    async def track(self, request: Request) -> Response:
        allowed = ("action", "filter", "delete", "first", "last")
        body = body_fields(await _json(request), allowed)
        fields = {k: body[k] for k in ("action", "filter", "delete") if k in body}
        file_id, track = request.path_params["file"], track_key(request.path_params["track"])

        def work() -> int:
            return self.review.edit_track(file_id, track, body.get("first"), body.get("last"), **fields)

        return JSONResponse({"changed": await run_in_threadpool(work)})

    async def bulk(self, request: Request) -> Response:
        body = body_fields(await _json(request), ("action", "below", "faces", "tracks"), ("action",))
        faces = [text(face, "a face id") for face in _list(body.get("faces", []), "faces")]
        tracks = [_track(track) for track in _list(body.get("tracks", []), "tracks")]
        args = (request.path_params["file"], text(body["action"], "action"), body.get("below"), faces, tracks)
        return JSONResponse({"changed": await run_in_threadpool(self.review.bulk, *args)})

    async def merge(self, request: Request) -> Response:
        body = body_fields(await _json(request), ("into", "other"), ("into", "other"))
        args = (request.path_params["file"], _track(body["into"]), _track(body["other"]))
        return JSONResponse({"moved": await run_in_threadpool(self.review.merge, *args)})

    async def undo(self, request: Request) -> Response:
        body_fields(await _json(request, {}), ())
        return JSONResponse(
            {"undone": await run_in_threadpool(self.review.undo, request.path_params["file"])}
        )

    async def redo(self, request: Request) -> Response:
        body_fields(await _json(request, {}), ())
        return JSONResponse(
            {"redone": await run_in_threadpool(self.review.redo, request.path_params["file"])}
        )

    async def reviewed(self, request: Request) -> Response:
        body = body_fields(await _json(request, {}), ("reviewed",))
        args = (request.path_params["file"], body.get("reviewed", True))
        await run_in_threadpool(self.review.set_reviewed, *args)
        return JSONResponse({"ok": True})

    async def start_export(self, request: Request) -> Response:
        body = body_fields(await _json(request, {}), ("force",))
        refusal = self.worker.export_refusal(flag(body.get("force", False), "force"))
        if refusal is not None:
            return JSONResponse(refusal, status_code=409)
        self.worker.start_export()
        return JSONResponse({"started": True}, status_code=202)


async def _json(request: Request, empty: Any = None) -> Any:
    """The body as JSON, read up to `MAX_BODY` bytes (413 past it); ``empty`` when there is none."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_BODY:
            raise BodyTooLarge()
    if not data.strip() and empty is not None:
        return empty
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        raise BadValue("the body is not JSON") from None


def _fast_json(data: Any) -> Response:
    """A large answer (a window of boxes) serialised by `compact_json` (orjson where installed)."""
    return Response(compact_json(data), media_type="application/json")


def _query_int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 12:
        raise BadValue(f"{name} must be a whole number")
    return int(raw)


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list) or len(value) > 100_000:
        raise BadValue(f"{name} must be a list")
    return value


def _track(value: Any) -> int | str:
    """A track id in a body: veil's by number, a manual one as ``m<n>``."""
    if isinstance(value, str):
        return track_key(text(value, "track"))
    return integer(value, "track", 0, 2**53)


def _face_view(face: dict[str, Any], unsure: dict[Any, bool]) -> dict[str, Any]:
    """What the page draws of a face, and whether it is unsure (its track's word, or its own)."""
    view = {key: face[key] for key in VIEW_FIELDS if key in face}
    view["unsure"] = unsure.get(face["track"], face_unsure(face))
    return view


def _clipped(row: dict[str, Any], first: int, last: int) -> dict[str, Any]:
    runs = [[max(a, first), min(b, last)] for a, b in row["runs"] if a <= last and b >= first]
    return {**row, "runs": runs}


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": f"not found: {str(exc)[:100]}"}, status_code=404)


async def _conflict(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=409)


async def _bad_request(request: Request, exc: Exception) -> Response:
    message = str(getattr(exc, "reason", None) or exc or "a bad request")
    return JSONResponse({"error": message[:500]}, status_code=400)


async def _too_large(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": f"a request body is at most {MAX_BODY} bytes"}, status_code=413)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("review: %s %s failed", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": f"veil failed: {type(exc).__name__}: {str(exc)[:200]}"}, status_code=500)


def url(app: ReviewApp) -> str:
    return f"http://127.0.0.1:{app.port}/?token={app.token}"
