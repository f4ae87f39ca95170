"""A review of the Solvay photo and a generated clip, served in-process (detection already done)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, make_clip

pytest.importorskip("starlette", reason="the review page needs the web extra: pip install 'veil[web]'")


def make_review(base: Path) -> object:
    from veil.anonymizer import Anonymizer
    from veil.media import plan_jobs
    from veil.media.kinds import is_video
    from veil.review.document import DOCUMENT_NAME, ReviewDocument
    from veil.review.entries import file_entry
    from veil.review.server import ReviewApp
    from veil.settings import Settings

    source, output = base / "in", base / "out"
    source.mkdir()
    shutil.copy(EXAMPLES / "solvay_conference_1927.jpg", source / "solvay.jpg")
    make_clip(source / "clip.mp4", frames=12)
    jobs, _ = plan_jobs([source], output)
    files = [
        file_entry(i, job.source, job.output, "video" if is_video(job.source) else "photo")
        for i, job in enumerate(jobs)
    ]
    anonymizer = Anonymizer(Settings(profile="fast", filter="solid"))
    review = ReviewDocument.create(output / DOCUMENT_NAME, files, anonymizer.to_json())
    app = ReviewApp(review, anonymizer)
    app.detect_all()
    return app


def file_id(app: object, name: str) -> str:
    return next(e["id"] for e in app.review.data["files"] if e["path"].endswith(name))  # type: ignore[attr-defined]


@pytest.fixture()
def review_app(tmp_path: Path) -> object:
    return make_review(tmp_path)


@pytest.fixture()
def served(review_app: object) -> Iterator[object]:
    """The review app listening on a free port of 127.0.0.1, in a background thread."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    review_app.port = sock.getsockname()[1]  # type: ignore[attr-defined]
    server = uvicorn.Server(uvicorn.Config(review_app.app, log_level="warning", lifespan="off"))  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield review_app
    server.should_exit = True
    thread.join(5)


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or shutil.which("chromium-driver")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no Chromium here: apt-get install chromium chromium-driver (.ci/run does)",
)


@pytest.fixture()
def browser() -> Iterator[object]:
    selenium = pytest.importorskip("selenium", reason="pip install selenium (the dev extra has it)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    del selenium
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.implicitly_wait(5)
    yield driver
    driver.quit()
