"""The review page, driven in headless Chromium (Debian's ``chromium`` + ``chromium-driver``, via Selenium).

A reviewer fixes the Solvay photo and a clip as they would by hand, then
exports; the exported pixels are checked. Screenshots of both views are
written to ``$VEIL_SCREENSHOTS`` (the docs' come from
``VEIL_SCREENSHOTS=docs pytest tests/review/test_browser.py``).
"""

from __future__ import annotations

import av
import numpy as np
from PIL import Image

from tests.review.conftest import file_id, needs_chromium
from tests.review.pages import (
    alert_open,
    changes,
    click_face,
    draw_box,
    gone,
    grown,
    mean_change,
    overlap,
    press,
    screenshot,
    shown,
    wait_for,
)

pytestmark = needs_chromium


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
    alert = wait_for(lambda: alert_open(driver))
    assert "not marked reviewed" in alert.text  # type: ignore[attr-defined]
    alert.accept()  # type: ignore[attr-defined]
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
