"""The review page, driven in headless Chromium (Debian's ``chromium`` + ``chromium-driver``, via Selenium).

A reviewer fixes the Solvay photo and a clip as they would by hand, then
exports; the exported pixels are checked. Screenshots of both views are
written to ``$VEIL_SCREENSHOTS`` (the docs' come from
``VEIL_SCREENSHOTS=docs pytest tests/review/test_browser.py``).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from tests.review.conftest import file_id

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or shutil.which("chromium-driver")
pytestmark = pytest.mark.skipif(
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


def wait_for(condition: Callable[[], object], seconds: float = 15) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def screenshot(driver: object, name: str, tmp_path: Path) -> None:
    wait_for(lambda: picture_loaded(driver))
    folder = Path(os.environ.get("VEIL_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / name))  # type: ignore[attr-defined]


def viewport_point(driver: object, x: float, y: float) -> tuple[int, int]:
    """Where image pixel ``x, y`` of the picture shown is, in viewport pixels."""
    script = (
        "const i = document.getElementById('frame'); const r = i.getBoundingClientRect();"
        "return [r.left + arguments[0] * r.width / i.naturalWidth,"
        "        r.top + arguments[1] * r.height / i.naturalHeight]"
    )
    px, py = driver.execute_script(script, x, y)  # type: ignore[attr-defined]
    return round(px), round(py)


def pointer(driver: object, moves: list[tuple[str, int, int]]) -> None:
    """Mouse actions at viewport points: ``("move" | "down" | "up", x, y)``."""
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver, duration=50)  # type: ignore[arg-type]
    mouse = chain.w3c_actions.pointer_action
    for kind, x, y in moves:
        mouse.move_to_location(x, y)
        if kind == "down":
            mouse.pointer_down()
        elif kind == "up":
            mouse.pointer_up()
    chain.perform()


def picture_loaded(driver: object) -> bool:
    script = "const i = document.getElementById('frame'); return !!i && i.complete && i.naturalWidth > 0"
    return bool(driver.execute_script(script))  # type: ignore[attr-defined]


def draw_box(driver: object, box: list[float]) -> None:
    wait_for(lambda: picture_loaded(driver))
    x1, y1 = viewport_point(driver, box[0], box[1])
    x2, y2 = viewport_point(driver, box[2], box[3])
    pointer(driver, [("down", x1, y1), ("move", (x1 + x2) // 2, (y1 + y2) // 2), ("up", x2, y2)])


def click_face(driver: object, face: dict) -> None:
    from selenium.webdriver.common.by import By

    wait_for(lambda: picture_loaded(driver))
    x1, y1, x2, y2 = face["box"]
    x, y = viewport_point(driver, (x1 + x2) / 2, (y1 + y2) / 2)
    pointer(driver, [("down", x, y), ("up", x, y)])
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f'rect.selected[data-face="{face["id"]}"]'))  # type: ignore[attr-defined]


def shown(driver: object, element_id: str) -> str:
    """An element's text, read in the page (the view re-renders: held references go stale)."""
    script = "const e = document.getElementById(arguments[0]); return e ? e.textContent : ''"
    return str(driver.execute_script(script, element_id))  # type: ignore[attr-defined]


def gone(driver: object, face_id: str) -> bool:
    from selenium.webdriver.common.by import By

    return not driver.find_elements(By.CSS_SELECTOR, f'#overlay rect[data-face="{face_id}"]')  # type: ignore[attr-defined]


def press(driver: object, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()  # type: ignore[arg-type]


def grown(box: list[float], by: float = 10) -> list[float]:
    return [box[0] - by, box[1] - by, box[2] + by, box[3] + by]


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def changes(app: object) -> int:
    return len(app.review.data["changes"])  # type: ignore[attr-defined]


def mean_change(source: np.ndarray, output: np.ndarray, box: list[float]) -> float:
    x1, y1, x2, y2 = (int(v) for v in box)
    return float(np.abs(source[y1:y2, x1:x2].astype(int) - output[y1:y2, x1:x2].astype(int)).mean())


def test_a_reviewer_fixes_a_photo_and_a_clip_then_exports(served, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    app, driver = served, browser
    driver.get(f"http://127.0.0.1:{app.port}/?token={app.token}")
    cards = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#overview .card"))
    assert len(cards) == 2

    # -- the photo: delete a detected face, redraw one by hand over another, keep a third -----
    photo = file_id(app, "solvay.jpg")
    driver.find_element(By.CSS_SELECTOR, f'.card[data-file="{photo}"]').click()
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#overlay rect.box"))
    faces = sorted(app.review.file(photo)["faces"], key=lambda f: -f["score"])
    missed = next(
        f for f in faces if all(not overlap(grown(f["box"]), g["box"]) for g in faces if g is not f)
    )
    false_alarm, kept = [f for f in faces if f is not missed][:2]

    click_face(driver, false_alarm)
    press(driver, Keys.DELETE)  # a detection the reviewer rejects: it must stay visible
    wait_for(lambda: changes(app) == 1 and gone(driver, false_alarm["id"]))
    click_face(driver, missed)
    press(driver, Keys.DELETE)  # ... and this one, which the reviewer then draws by hand
    wait_for(lambda: changes(app) == 2 and gone(driver, missed["id"]))
    drawn = grown(missed["box"])
    draw_box(driver, drawn)
    wait_for(lambda: changes(app) == 3)
    click_face(driver, kept)
    press(driver, "k")  # a consenting person: kept visible
    wait_for(lambda: changes(app) == 4)
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f'rect.keep[data-face="{kept["id"]}"]'))
    screenshot(driver, "review-photo.png", tmp_path)
    ops = [c["op"] for c in app.review.data["changes"]]
    assert ops == ["delete", "delete", "add", "edit"]

    # -- the clip: one box on frame 2 and one on frame 8 make a track -------------------------
    clip = file_id(app, "clip.mp4")
    driver.get(f"http://127.0.0.1:{app.port}/#/file/{clip}/2")
    wait_for(lambda: driver.find_elements(By.ID, "scrubber"))
    draw_box(driver, [10, 150, 70, 220])
    wait_for(lambda: changes(app) == 5)
    track = app.review.data["changes"][-1]["track"]
    for frame in range(3, 9):  # step to frame 8 with the keyboard, the new track still selected
        press(driver, Keys.ARROW_RIGHT)
        wait_for(lambda frame=frame: f"frame {frame} /" in shown(driver, "frame-number"))
    draw_box(driver, [40, 150, 100, 220])
    wait_for(lambda: changes(app) == 6)
    assert app.review.data["changes"][-1]["track"] == track, "the second box extends the same track"
    for frame in (7, 6, 5):
        press(driver, Keys.ARROW_LEFT)
        wait_for(lambda frame=frame: f"frame {frame} /" in shown(driver, "frame-number"))
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f'#overlay rect[data-face="{track}"]'))
    screenshot(driver, "review-video.png", tmp_path)

    # -- export, then check the pixels ----------------------------------------------------------
    driver.find_element(By.ID, "export").click()
    wait_for(lambda: app.progress.export["report"] is not None, seconds=60)
    entry = app.review.file(photo)
    source = np.asarray(Image.open(entry["path"]).convert("RGB"))
    output = np.asarray(Image.open(entry["output"]).convert("RGB"))
    assert mean_change(source, output, drawn) > 20, "the face drawn by hand is hidden"
    assert mean_change(source, output, false_alarm["box"]) < 3, "the deleted detection is untouched"
    assert mean_change(source, output, kept["box"]) < 3, "the kept face is untouched"

    video = app.review.file(clip)
    with av.open(video["path"]) as before, av.open(video["output"]) as after:
        original = [f.to_ndarray(format="rgb24") for f in before.decode(video=0)]
        written = [f.to_ndarray(format="rgb24") for f in after.decode(video=0)]
    assert len(written) == len(original) == 12
    between = [25, 150, 85, 220]  # frame 5: halfway between the two keyframes
    assert (
        mean_change(original[5], written[5], [b + 8 if i < 2 else b - 8 for i, b in enumerate(between)]) > 20
    )
    assert mean_change(original[0], written[0], [10, 150, 70, 220]) < 6, "before the track, nothing added"
