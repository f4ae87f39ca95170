"""The review page at scale, in headless Chromium: a 10-minute 1080p video and a 500-photo folder.

    python benchmarks/review.py        # writes benchmarks/results/review.md and .json

Video: the dev data's 1080p street clip (105 frames, about ten people), detected
once with `balanced` and looped to 10 minutes (the video by stream copy, its
detections shifted per loop, each loop's tracks new ones), saved as a review
document; ``veil review`` then opens it (nothing left to detect) in its own
process. Photos: 500 real photos of the dev data (WIDER val and the mask set),
detected by ``veil review --profile fast`` itself.

Timed in the page (``performance.now()``, from the action to the picture and its
boxes being shown; 4 ms resolution): opening the file, stepping frame by frame
(arrow keys, no pause: the worst case for prefetching), an edit (select a box,
Delete, until the box is gone and the view re-read), next file. While the edits
run, a thread asks ``/api/status`` every 25 ms and records how long each answer
took. The server's memory is its peak RSS (``VmHWM``) at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from common import DATA, RESULTS, ROOT, machine_line, markdown_table, require_data

sys.path.insert(0, str(ROOT))

from benchmarks.hostile_corpus import ffmpeg

CLIP = DATA / "video" / "facenet_pytorch_video.mp4"
MINUTES = 10
PHOTOS = 500
STEPS = 40
EDITS = 15
READING = 0.5
"""Seconds between selecting a box and pressing Delete (a reviewer looks first; the page's
prefetching of the next frames has finished by then)."""
TARGETS = {"first frame": 1000, "arrow step (median)": 150, "edit (median)": 100, "status wait (max)": 200}

TIMED = """
const [action, until, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const test = new Function(until);  // compiled here: the page's CSP forbids eval in its own callbacks
const started = performance.now();
new Function(action)();
const check = () => {
  let ok = false;
  try { ok = test(); } catch (e) { ok = false; }
  if (ok) done([performance.now() - started, performance.now()]);
  else if (performance.now() - started > 20000) done([-1, -1]);
  else setTimeout(check, 5);
};
check();
"""
SHOWN = "const s = document.getElementById('stage'); return !!s && s.dataset.shown === '{key}';"


def build_video_review(folder: Path) -> tuple[Path, Path, int, int]:
    """The looped clip and its review document; returns (source, output folder, frames, boxes)."""
    import av

    from veil.anonymizer import Anonymizer
    from veil.review.document import DOCUMENT_NAME, ReviewDocument
    from veil.review.entries import detections, file_entry
    from veil.settings import Settings

    source, output = folder / "in" / "ten_minutes.mp4", folder / "video-out"
    source.parent.mkdir(parents=True)
    with av.open(str(CLIP)) as container:
        clip_frames = container.streams.video[0].frames
    loops = -(-MINUTES * 60 * 25 // clip_frames)
    command = [str(ffmpeg()), "-v", "error", "-stream_loop", str(loops - 1), "-i", str(CLIP)]
    subprocess.run([*command, "-c", "copy", "-an", str(source)], check=True)
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        times = sorted(float(p.pts * stream.time_base) for p in container.demux(stream) if p.pts is not None)
    anonymizer = Anonymizer(Settings(profile="balanced"))
    record = anonymizer.process_file(str(CLIP), None)
    one = file_entry(0, CLIP, CLIP, "video")
    detections(one, record)
    entry = file_entry(0, source.absolute(), (output / source.name).absolute(), "video")
    entry.update(status="ready", width=one["width"], height=one["height"], fps=one["fps"])
    entry.update(frames=len(times), times=[round(t - times[0], 6) for t in times])
    tracks = 1 + max((f["track"] for f in one["faces"] if f["track"] is not None), default=0)
    number = 0
    for loop in range(loops):
        for face in one["faces"]:
            frame = face["frame"] + loop * clip_frames
            if frame >= len(times):
                continue
            number += 1
            track = None if face["track"] is None else face["track"] + loop * tracks
            entry["faces"].append({**face, "id": f"d{number}", "frame": frame, "track": track})
        for key, info in one["track_info"].items():
            entry["track_info"][str(int(key) + loop * tracks)] = info
    entry["next_id"] = number
    ReviewDocument.create(output / DOCUMENT_NAME, [entry], anonymizer.to_json()).save()
    return source, output, len(times), number


def build_photo_folder(folder: Path) -> Path:
    photos = sorted((DATA / "detection" / "widerface_val200_416").rglob("*.jpg"))
    photos += sorted((DATA / "detection" / "face_mask_kaggle853" / "images").glob("*.jpg"))
    target = folder / "photos"
    target.mkdir()
    for i, photo in enumerate(photos[:PHOTOS]):
        shutil.copy(photo, target / f"{i:03d}_{photo.name}")
    return target


class Review:
    """``veil review`` in its own process, and what it answers."""

    def __init__(self, source: Path, output: Path, *options: str) -> None:
        self.started = time.perf_counter()
        command = [sys.executable, "-m", "veil.cli", "review", str(source), "-o", str(output), "--no-browser"]
        self.child = subprocess.Popen(
            [*command, *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.child.stdout is not None
        self.url = self.child.stdout.readline().strip()
        self.listening_s = time.perf_counter() - self.started  # the review read and checked
        self.base, self.token = self.url.split("/?token=")

    def get(self, path: str) -> tuple[dict[str, Any], float, int]:
        request = urllib.request.Request(self.base + path, headers={"X-Veil-Token": self.token})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:
            data = response.read()
        return json.loads(data), (time.perf_counter() - started) * 1000, len(data)

    def wait_detected(self) -> float:
        started = time.perf_counter()
        while True:
            status = self.get("/api/status")[0]
            if not status["detect"]["running"] and all(
                f["status"] in ("ready", "failed") for f in status["files"]
            ):
                return time.perf_counter() - started
            time.sleep(0.5)

    def memory_mb(self) -> dict[str, float]:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.child.pid}/status").read_text().splitlines()
        )
        return {key: round(int(fields[key].split()[0]) / 1024) for key in ("VmHWM", "VmRSS")}

    def stop(self) -> None:
        self.child.send_signal(signal.SIGINT)
        self.child.wait(120)


class StatusWatch(threading.Thread):
    """Asks ``/api/status`` every 25 ms and keeps how long each answer took."""

    def __init__(self, review: Review) -> None:
        super().__init__(daemon=True)
        self.review, self.waits, self.stopping = review, [], threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.waits.append(self.review.get("/api/status")[1])
            time.sleep(0.025)


def browser() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        service=Service(shutil.which("chromedriver") or "chromedriver"), options=options
    )
    driver.set_script_timeout(60)
    return driver


def timed(driver: Any, action: str, until: str, since_navigation: bool = False) -> float:
    """Milliseconds from ``action`` (or from the page's navigation) until ``until`` holds in the page."""
    took, at = driver.execute_async_script(TIMED, action, until)
    if took < 0:
        page = driver.execute_script("return location.href + ' | ' + document.body.innerText.slice(0, 300)")
        raise RuntimeError(f"the page never got there: {until}; it shows {page}")
    return float(at if since_navigation else took)


def key(name: str) -> str:
    return f"document.dispatchEvent(new KeyboardEvent('keydown', {{key: {name!r}}}))"


def first_box(driver: Any) -> str:
    return str(
        driver.execute_script(
            "const r = document.querySelector('#overlay rect.box'); return r ? r.dataset.face : ''"
        )
    )


def select_box(face: str) -> str:
    return (
        f"const r = document.querySelector(`#overlay rect[data-face='{face}']`);"
        "r.dispatchEvent(new MouseEvent('mousedown', {button: 0, bubbles: true}));"
        "window.dispatchEvent(new MouseEvent('mouseup', {button: 0}));"
    )


def watched_edits(
    review: Review, driver: Any, places: list[tuple[str, int]]
) -> tuple[list[float], list[float]]:
    """Delete one box at each ``(file, frame)``: from the key to the box gone and the view re-read
    (`READING` seconds after selecting it), while `StatusWatch` times ``/api/status``."""
    watch = StatusWatch(review)
    watch.start()
    took = []
    for file, frame in places:
        driver.execute_script(f"location.hash = '#/file/{file}/{frame}'")
        timed(driver, "", SHOWN.format(key=f"{file}/{frame}"))
        face = first_box(driver)
        if not face:
            continue
        timed(
            driver, select_box(face), f"return !!document.querySelector(`rect.selected[data-face='{face}']`)"
        )
        time.sleep(READING)
        gone = f"return !document.querySelector(`#overlay rect[data-face='{face}']`)"
        took.append(timed(driver, key("Delete"), gone + " && !document.getElementById('undo').disabled"))
    watch.stopping.set()
    watch.join()
    return took, watch.waits


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(values)),
        "p90": round(ordered[max(0, int(0.9 * len(ordered)) - 1)]),
        "max": round(ordered[-1]),
        "n": len(values),
    }


def measure_video(folder: Path) -> dict[str, Any]:
    source, output, frames, boxes = build_video_review(folder)
    document_mb = (output / "veil-review.json").stat().st_size / 1e6
    review = Review(source, output)
    driver = browser()
    try:
        view, _, view_bytes = review.get("/api/files/f0")
        indexed_s = time.perf_counter() - review.started
        _, window_ms, window_bytes = review.get("/api/files/f0/window?first=7490&last=7540")
        driver.get(review.url)
        timed(driver, "", "return document.querySelectorAll('#overview .card').length === 1")
        first = timed(driver, "location.hash = '#/file/f0/0'", SHOWN.format(key="f0/0"))
        jump = timed(driver, "location.hash = '#/file/f0/7500'", SHOWN.format(key="f0/7500"))
        steps = [
            timed(driver, key("ArrowRight"), SHOWN.format(key=f"f0/{7500 + i}")) for i in range(1, STEPS + 1)
        ]
        edit_ms, waits = watched_edits(review, driver, [("f0", 600 * i + 37) for i in range(1, EDITS + 1)])
        memory = review.memory_mb()
    finally:
        driver.quit()
        review.stop()
    return {
        "frames": frames,
        "boxes": boxes,
        "tracks": view["faces"],
        "unsure": view["unsure"],
        "document_mb": round(document_mb, 1),
        "listening_s": round(review.listening_s, 1),
        "indexed_s": round(indexed_s, 1),
        "file_view_bytes": view_bytes,
        "window_bytes": window_bytes,
        "window_ms": round(window_ms),
        "first_frame_ms": round(first),
        "jump_ms": round(jump),
        "step_ms": summary(steps),
        "edit_ms": summary(edit_ms),
        "status_ms": summary(waits),
        "memory_mb": memory,
    }


def measure_photos(folder: Path) -> dict[str, Any]:
    source = build_photo_folder(folder)
    review = Review(source, folder / "photos-out", "--profile", "fast")
    driver = browser()
    try:
        detect_s = review.wait_detected()
        status, status_ms, status_bytes = review.get("/api/status")
        driver.get(review.url)
        shown = (
            f"return document.querySelectorAll('#overview .card').length === {len(status['files'])}"
            " && [...document.querySelectorAll('#overview img')].slice(0, 8)"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        overview = timed(driver, "", shown, since_navigation=True)
        files = [f["id"] for f in status["files"] if f["status"] == "ready"]
        driver.execute_script(f"location.hash = '#/file/{files[0]}/0'")
        timed(driver, "", SHOWN.format(key=f"{files[0]}/0"))
        nexts = [timed(driver, key("]"), SHOWN.format(key=f"{files[i]}/0")) for i in range(1, 21)]
        edit_ms, waits = watched_edits(review, driver, [(file, 0) for file in files[30 : 30 + EDITS]])
        memory = review.memory_mb()
    finally:
        driver.quit()
        review.stop()
    return {
        "photos": len(status["files"]),
        "faces": sum(f["faces"] for f in status["files"]),
        "detect_s": round(detect_s, 1),
        "status_bytes": status_bytes,
        "status_ms": round(status_ms),
        "overview_ms": round(overview),
        "next_file_ms": summary(nexts),
        "edit_ms": summary(edit_ms),
        "status_during_edits_ms": summary(waits),
        "memory_mb": memory,
    }


def main() -> None:
    require_data(CLIP)
    with tempfile.TemporaryDirectory() as folder:
        video = measure_video(Path(folder))
        photos = measure_photos(Path(folder))
    met = {
        "first frame": video["first_frame_ms"],
        "arrow step (median)": video["step_ms"]["median"],
        "edit (median)": max(video["edit_ms"]["median"], photos["edit_ms"]["median"]),
        "status wait (max)": max(video["status_ms"]["max"], photos["status_during_edits_ms"]["max"]),
    }
    rows = [
        [
            "`veil review` started: listening (review read and checked) / indexed",
            f"{video['listening_s']} / {video['indexed_s']} s",
            "",
        ],
        ["open the file, first frame shown", f"{video['first_frame_ms']} ms", "≤ 1000 ms"],
        ["jump to minute 5", f"{video['jump_ms']} ms", ""],
        [f"arrow step ({STEPS}, no pause) median / p90 / max", _three(video["step_ms"]), "median ≤ 150 ms"],
        [f"edit ({video['edit_ms']['n']}) median / p90 / max", _three(video["edit_ms"]), "≤ 100 ms"],
        ["`/api/status` during the edits: median / p90 / max", _three(video["status_ms"]), "max ≤ 200 ms"],
        [
            "server memory: peak / at the end",
            f"{video['memory_mb']['VmHWM']} / {video['memory_mb']['VmRSS']} MB",
            "",
        ],
        ["`GET /api/files/ID` (no boxes)", f"{video['file_view_bytes'] / 1000:.1f} KB", ""],
        [
            "the page's window: 51 frames' boxes and tracks",
            f"{video['window_bytes'] / 1000:.0f} KB, {video['window_ms']} ms",
            "",
        ],
    ]
    photo_rows = [
        ["detection (`--profile fast`, in `veil review`)", f"{photos['detect_s']} s", ""],
        ["overview: every card and the first thumbnails shown", f"{photos['overview_ms']} ms", ""],
        [
            "`GET /api/status` (500 files)",
            f"{photos['status_bytes'] / 1000:.0f} KB, {photos['status_ms']} ms",
            "",
        ],
        ["next file (`]`, 20) median / p90 / max", _three(photos["next_file_ms"]), ""],
        [f"edit ({photos['edit_ms']['n']}) median / p90 / max", _three(photos["edit_ms"]), "≤ 100 ms"],
        [
            "`/api/status` during the edits: median / p90 / max",
            _three(photos["status_during_edits_ms"]),
            "max ≤ 200 ms",
        ],
        [
            "server memory: peak / at the end",
            f"{photos['memory_mb']['VmHWM']} / {photos['memory_mb']['VmRSS']} MB",
            "",
        ],
    ]
    verdict = ", ".join(
        f"{name} {value} ms ({'met' if value <= TARGETS[name] else 'NOT met'})" for name, value in met.items()
    )
    text = "\n".join(
        [
            "# The review page at scale (headless Chromium)",
            "",
            f"`python benchmarks/review.py` ({machine_line()}, 2 cores).",
            "",
            f"## A 10-minute 1080p video: {video['frames']} frames, {video['boxes']:,} boxes, "
            f"{video['tracks']:,} tracks ({video['unsure']:,} unsure), a {video['document_mb']} MB review",
            "",
            markdown_table(["", "measured", "target"], rows),
            "",
            f"## {photos['photos']} photos, {photos['faces']:,} faces",
            "",
            markdown_table(["", "measured", "target"], photo_rows),
            "",
            f"Targets: {verdict}.",
            "",
            "Before the page fetched boxes in windows and edits were journalled (measured when the work",
            "was asked for, on a smaller 10-minute review: 247k boxes, 5,071 tracks): an arrow step",
            "2.9-3.6 s, an edit 4.0-4.2 s, `/api/status` waiting 4 s behind an edit.",
            "",
        ]
    )
    print(text)
    (RESULTS / "review.md").write_text(text)
    (RESULTS / "review.json").write_text(
        json.dumps({"video": video, "photos": photos, "targets": met}, indent=1) + "\n"
    )


def _three(values: dict[str, float]) -> str:
    return f"{values['median']} / {values['p90']} / {values['max']} ms"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
