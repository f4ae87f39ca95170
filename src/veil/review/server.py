"""The review web app (Starlette): a JSON API over the review document, frames on demand, the page.

Safety: it is meant for one person on this machine. Every request needs the
run's random token (the URL's ``?token=`` becomes an HttpOnly, SameSite=Strict
cookie; requests that change anything must also send it in ``X-Veil-Token``),
else 401. A ``Host`` other than ``127.0.0.1:PORT`` or ``localhost:PORT`` is
refused (DNS rebinding), 403. Files are named by their id in the review, never
by a path, so no URL reaches anything but the inputs; static assets come from
the package. See the docs' review page (docs/review.md) for the API.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from veil.anonymizer import Anonymizer
from veil.errors import VeilError
from veil.filters import FILTER_NAMES
from veil.review.document import ReviewDocument, detections, track_key
from veil.review.render import Hider, export, frame_pixels, jpeg

COOKIE = "veil_token"
HEADER = "x-veil-token"
SAFE_METHODS = {"GET", "HEAD"}
THUMB_SIDE = 320
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


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


class ReviewApp:
    """The review of one output folder: its document, the detector that fills it, the web app."""

    def __init__(self, review: ReviewDocument, anonymizer: Anonymizer, token: str | None = None) -> None:
        self.review = review
        self.anonymizer = anonymizer
        self.token = token or secrets.token_urlsafe(24)
        self.port = 0  # set once the socket is bound
        self.progress = Progress()
        self.hider = Hider(anonymizer.settings)
        self.filters = [name for name in FILTER_NAMES if name != "image" or anonymizer.settings.hiding.image]
        """The filters a reviewer may pick for a face (the image filter only with the run's --image)."""
        self.app = Guard(self._starlette(), self)

    # -- background work -----------------------------------------------------------
    def detect_all(self) -> None:
        """Detect faces in every file not done yet (a reopened review keeps what it has)."""
        todo = [e for e in self.review.data["files"] if e["status"] in ("waiting", "detecting")]
        state = self.progress.detect
        state.update(running=True, total=len(todo), done=0)
        for entry in todo:
            state.update(file=entry["id"], frame=0, frames=None)
            with self.review.lock:
                entry["status"] = "detecting"

            def on_frame(done: int, total: int | None) -> None:
                state.update(frame=done, frames=total)

            try:
                record = self.anonymizer.process_file(entry["path"], None, on_frame)
            except Exception as exc:  # one bad file must not stop the review
                with self.review.lock:
                    entry.update(status="failed", error=getattr(exc, "reason", None) or str(exc))
            else:
                with self.review.lock:
                    if entry["kind"] == "photo" and record.frames is not None:
                        reason = "multi-frame images are not in the review yet (anonymise them with veil)"
                        entry.update(status="failed", error=reason)
                    else:
                        detections(entry, record)
            self.review.save()
            state["done"] = int(state["done"]) + 1
        state.update(running=False, file=None)

    def start_detection(self) -> threading.Thread:
        thread = threading.Thread(target=self.detect_all, name="veil-review-detect", daemon=True)
        thread.start()
        return thread

    def export_all(self) -> None:
        state = self.progress.export
        state.update(running=True, done=0, error=None)

        def on_file(done: int, total: int) -> None:
            state.update(done=done, total=total)

        try:
            state["report"] = export(self.review, self.anonymizer.settings, on_file)
        except Exception as exc:
            state["error"] = str(exc)
        finally:
            state["running"] = False

    # -- the web app -----------------------------------------------------------------
    def _starlette(self) -> Starlette:
        static = resources.files("veil.review").joinpath("static")
        routes = [
            Route("/", self.page),
            Route("/api/status", self.status),
            Route("/api/files/{file}", self.file_view),
            Route("/api/files/{file}/frame/{index:int}.jpg", self.frame),
            Route("/api/files/{file}/thumb.jpg", self.thumb),
            Route("/api/files/{file}/boxes", self.add_box, methods=["POST"]),
            Route("/api/files/{file}/faces/{face}", self.face, methods=["PATCH", "DELETE"]),
            Route("/api/files/{file}/tracks/{track}", self.track, methods=["POST"]),
            Route("/api/files/{file}/reviewed", self.reviewed, methods=["POST"]),
            Route("/api/export", self.start_export, methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(static)), name="static"),
        ]
        return Starlette(
            routes=routes,
            exception_handlers={KeyError: _not_found, ValueError: _bad_request, VeilError: _bad_request},
        )

    async def page(self, request: Request) -> Response:
        if "token" in request.query_params:  # first visit: the token moves into a cookie
            response = RedirectResponse("/", status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
            return response
        html = resources.files("veil.review").joinpath("static/index.html").read_text("utf-8")
        return HTMLResponse(html.replace("{{TOKEN}}", self.token))

    async def status(self, request: Request) -> Response:
        with self.review.lock:
            files = [self.review.summary(entry) for entry in self.review.data["files"]]
        files.sort(key=lambda f: (f["reviewed"], -f["uncertainty"], -f["unsure"], f["path"]))
        progress = {"detect": self.progress.detect, "export": self.progress.export}
        return JSONResponse({**progress, "files": files, "filters": self.filters})

    async def file_view(self, request: Request) -> Response:
        file_id = request.path_params["file"]
        with self.review.lock:
            entry = self.review.file(file_id)
            faces = self.review.faces_by_frame(file_id)
            summary = self.review.summary(entry)
            data = {
                **summary,
                "times": entry["times"],
                "fps": entry["fps"],
                "faces": {str(k): v for k, v in faces.items()},
                "tracks": _tracks(faces),
                "uncertain": self.review.uncertain_frames(file_id),
                "filter": self.anonymizer.settings.hiding.filter,
            }
        return JSONResponse(data)

    def _pixels(self, file_id: str, index: int, preview: bool) -> bytes:
        entry = self.review.file(file_id)
        pixels = frame_pixels(entry, index)
        if preview:
            pixels = self.hider.apply(pixels, self.review.faces_at(file_id, index))
        return jpeg(pixels)

    async def frame(self, request: Request) -> Response:
        preview = request.query_params.get("preview") == "1"
        data = self._pixels(request.path_params["file"], request.path_params["index"], preview)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    async def thumb(self, request: Request) -> Response:
        entry = self.review.file(request.path_params["file"])
        return Response(jpeg(frame_pixels(entry, 0), max_side=THUMB_SIDE), media_type="image/jpeg")

    async def add_box(self, request: Request) -> Response:
        body = await request.json()
        track = self.review.add_box(
            request.path_params["file"], int(body.get("frame", 0)), body.get("box"), body.get("track")
        )
        return JSONResponse({"track": track})

    async def face(self, request: Request) -> Response:
        file_id, face_id = request.path_params["file"], request.path_params["face"]
        if request.method == "DELETE":
            self.review.delete_face(file_id, face_id)
        else:
            body = await request.json()
            fields = {k: body[k] for k in ("box", "frame", "action", "filter") if k in body}
            self.review.edit_face(file_id, face_id, **fields)
        return JSONResponse({"ok": True})

    async def track(self, request: Request) -> Response:
        body = await request.json()
        changed = self.review.edit_track(
            request.path_params["file"],
            track_key(request.path_params["track"]),
            action=body.get("action"),
            filter_name=body.get("filter"),
            first=body.get("first"),
            last=body.get("last"),
            delete=bool(body.get("delete")),
        )
        return JSONResponse({"changed": changed})

    async def reviewed(self, request: Request) -> Response:
        body = await request.json()
        self.review.set_reviewed(request.path_params["file"], bool(body.get("reviewed", True)))
        return JSONResponse({"ok": True})

    async def start_export(self, request: Request) -> Response:
        if self.progress.export["running"]:
            return JSONResponse({"error": "an export is already running"}, status_code=409)
        threading.Thread(target=self.export_all, name="veil-review-export", daemon=True).start()
        return JSONResponse({"started": True}, status_code=202)


def _tracks(faces: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each track's frames (the timeline draws them, with their gaps)."""
    tracks: dict[str, dict[str, Any]] = {}
    for frame in sorted(faces):
        for face in faces[frame]:
            if face["track"] is None:
                continue
            track = tracks.setdefault(
                face["track"], {"id": face["track"], "origin": face["origin"], "frames": []}
            )
            track["frames"].append(frame)
    return list(tracks.values())


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": f"not found: {exc}"}, status_code=404)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": str(getattr(exc, "reason", exc))}, status_code=400)


class Guard:
    """ASGI middleware: the Host check (403) and the token (401) in front of every request."""

    def __init__(self, app: ASGIApp, owner: ReviewApp) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        port = self.owner.port
        allowed = {f"127.0.0.1:{port}", f"localhost:{port}"}
        if headers.get("host", "") not in allowed:
            await PlainTextResponse("host not allowed", status_code=403)(scope, receive, send)
            return
        token = self.owner.token
        cookie = SimpleCookie(headers.get("cookie", ""))
        has_cookie = COOKIE in cookie and secrets.compare_digest(cookie[COOKIE].value, token)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        first_visit = scope["path"] == "/" and secrets.compare_digest(query.get("token", [""])[0], token)
        if not (has_cookie or first_visit):
            await PlainTextResponse("a valid token is required", status_code=401)(scope, receive, send)
            return
        if scope["method"] not in SAFE_METHODS and not secrets.compare_digest(headers.get(HEADER, ""), token):
            await PlainTextResponse("the X-Veil-Token header is required", status_code=401)(
                scope, receive, send
            )
            return
        await self.app(scope, receive, send)


def url(app: ReviewApp) -> str:
    return f"http://127.0.0.1:{app.port}/?token={app.token}"
