"""The review page's tools, in headless Chromium: undo and redo, zoom, next unsure, bulk delete,
merge, next file, errors on the page, reopening with a new file, and a token no other port sees."""

from __future__ import annotations

import http.server
import shutil
import threading

from tests.conftest import EXAMPLES
from tests.review.conftest import file_id, needs_chromium
from tests.review.pages import alert_open, click_face, gone, picture_loaded, press, shown, wait_for

pytestmark = needs_chromium


def open_file(driver, app, name: str, frame: int = 0) -> str:
    from selenium.webdriver.common.by import By

    driver.get(f"http://127.0.0.1:{app.port}/?token={app.token}#/file/{file_id(app, name)}/{frame}")
    wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "#overlay rect.box"))
    wait_for(lambda: picture_loaded(driver))
    return file_id(app, name)


def showing(driver, file: str) -> bool:
    """The page shows ``file``: its picture is loaded and its boxes drawn."""
    script = "const s = document.getElementById('stage'); return s ? s.dataset.shown || '' : ''"
    return str(driver.execute_script(script)).startswith(f"{file}/")


def selected(driver) -> list[str]:
    script = "return [...document.querySelectorAll('#overlay rect.selected')].map(r => r.dataset.face)"
    return list(driver.execute_script(script))


def ctrl(driver, key: str, shift: bool = False) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    chain = ActionChains(driver).key_down(Keys.CONTROL)
    if shift:
        chain = chain.key_down(Keys.SHIFT)
    chain = chain.send_keys(key)
    if shift:
        chain = chain.key_up(Keys.SHIFT)
    chain.key_up(Keys.CONTROL).perform()


def test_undo_and_redo_with_the_keys_survive_a_reload(served, browser):
    from selenium.webdriver.common.keys import Keys

    app, driver = served, browser
    photo = open_file(driver, app, "solvay.jpg")
    face = app.review.file(photo)["faces"][0]
    click_face(driver, face)
    press(driver, Keys.BACKSPACE)  # Backspace never deletes
    press(driver, Keys.DELETE)
    wait_for(lambda: face["deleted"] and gone(driver, face["id"]))
    ctrl(driver, "z")
    wait_for(lambda: not face["deleted"] and not gone(driver, face["id"]))
    ctrl(driver, "z", shift=True)
    wait_for(lambda: face["deleted"] and gone(driver, face["id"]))
    driver.refresh()  # the history is the server's: a reload keeps it
    wait_for(lambda: picture_loaded(driver))
    ctrl(driver, "z")
    wait_for(lambda: not face["deleted"] and not gone(driver, face["id"]))
    assert [c["op"] for c in app.review.data["changes"]] == ["delete", "undo", "redo", "undo"]


def test_zoom_with_keys_and_wheel_then_fit(served, browser):
    app, driver = served, browser
    open_file(driver, app, "solvay.jpg")
    width = "return document.getElementById('frame').getBoundingClientRect().width"
    fit = driver.execute_script(width)
    press(driver, "+")
    press(driver, "+")
    wait_for(lambda: driver.execute_script(width) > fit * 1.5)
    driver.execute_script(
        "document.getElementById('stage').dispatchEvent(new WheelEvent('wheel',"
        "{deltaY: -300, clientX: 400, clientY: 400, bubbles: true, cancelable: true}))"
    )
    wait_for(lambda: driver.execute_script(width) > fit * 2.2)
    assert "%" in shown(driver, "zoom-fit") and shown(driver, "zoom-fit") != "100%"
    press(driver, "0")
    wait_for(lambda: abs(driver.execute_script(width) - fit) < 2)


def test_next_unsure_steps_through_the_unsure_faces(served, browser):
    app, driver = served, browser
    photo = file_id(app, "solvay.jpg")
    faces = sorted(app.review.file(photo)["faces"], key=lambda f: f["id"])
    for face in faces[3:5]:
        face["score"] = 0.3  # two faces veil was unsure of
    unsure = sorted(f["id"] for f in faces[3:5])
    open_file(driver, app, "solvay.jpg")
    assert len(driver.find_elements("css selector", "#overlay rect.box.unsure")) == 2
    press(driver, "n")
    wait_for(lambda: selected(driver) == [unsure[0]])
    press(driver, "n")
    wait_for(lambda: selected(driver) == [unsure[1]])


def test_bulk_delete_below_a_score(served, browser):
    from selenium.webdriver.common.by import By

    app, driver = served, browser
    photo = open_file(driver, app, "solvay.jpg")
    faces = app.review.file(photo)["faces"]
    cut = sorted(f["score"] for f in faces)[len(faces) // 2]
    box = driver.find_element(By.ID, "bulk-below")
    box.clear()
    box.send_keys(str(cut))
    driver.find_element(By.ID, "bulk-delete").click()
    wait_for(lambda: alert_open(driver)).accept()
    low = [f for f in faces if f["score"] < cut]
    wait_for(lambda: all(f["deleted"] for f in low) and all(gone(driver, f["id"]) for f in low))
    assert not any(f["deleted"] for f in faces if f["score"] >= cut)


def test_merge_two_tracks_from_a_box_and_a_lane(served, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    app, driver = served, browser
    clip = file_id(app, "clip.mp4")
    entry = app.review.file(clip)
    first = entry["faces"][0]["track"]
    for face in entry["faces"]:
        if face["frame"] >= 6:
            face["track"] = first + 1  # as if the tracker had lost the face and started a new track
    app.review.set_entry(entry)
    open_file(driver, app, "clip.mp4", 2)
    assert len(driver.find_elements(By.CSS_SELECTOR, ".lane-label")) == 2
    click_face(driver, next(f for f in entry["faces"] if f["frame"] == 2))
    lane = driver.find_element(By.CSS_SELECTOR, f'.lane-label[data-track="{first + 1}"]')
    ActionChains(driver).key_down(Keys.SHIFT).click(lane).key_up(Keys.SHIFT).perform()
    wait_for(lambda: f"into {first}" in shown(driver, "merge"))
    press(driver, "m")
    wait_for(lambda: {f["track"] for f in app.review.file(clip)["faces"]} == {first})
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".lane-label")) == 1)


def test_next_file_keys_and_reviewed_next(served, browser):
    app, driver = served, browser
    photo = open_file(driver, app, "solvay.jpg")
    clip = file_id(app, "clip.mp4")
    press(driver, "]")
    wait_for(lambda: showing(driver, clip))
    press(driver, "[")
    wait_for(lambda: showing(driver, photo))
    press(driver, "R")  # Shift+R: reviewed, then the next file
    wait_for(lambda: f"#/file/{clip}/" in driver.current_url)
    assert app.review.file(photo)["reviewed"]


def test_an_api_error_is_shown_on_the_page(served, browser):
    from selenium.webdriver.common.by import By

    app, driver = served, browser
    clip = file_id(app, "clip.mp4")
    open_file(driver, app, "clip.mp4", 5)
    click_face(driver, next(f for f in app.review.file(clip)["faces"] if f["frame"] == 5))
    driver.execute_script("document.getElementById('cut-from').value = 7")  # 7..5: not a range
    driver.find_element(By.ID, "delete-range").click()
    wait_for(lambda: "after last" in shown(driver, "error"))
    assert driver.find_element(By.ID, "error").is_displayed()


def test_the_token_reaches_no_other_port(served, browser):
    """Cookies ignore ports; the token lives in this tab's sessionStorage and in a header only."""
    seen: list[dict[str, str]] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"other")

        def log_message(self, *args: object) -> None:
            pass

    other = http.server.HTTPServer(("127.0.0.1", 0), Record)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    app, driver = served, browser
    open_file(driver, app, "solvay.jpg")
    assert "token" not in driver.current_url, "the URL loses the token at once"
    assert driver.execute_script("return document.cookie") == ""
    driver.get(f"http://127.0.0.1:{other.server_address[1]}/")
    other.shutdown()
    assert seen and all(app.token not in " ".join(f"{k}: {v}" for k, v in h.items()) for h in seen)
    driver.back()  # and back on the review's port, the tab still holds the token
    wait_for(lambda: picture_loaded(driver))


def test_reopening_adds_a_new_file_to_the_page(tmp_path, browser):
    from selenium.webdriver.common.by import By

    from tests.review.test_review_command import start, stop

    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(EXAMPLES / "newton.png", source / "newton.png")
    child, url = start(source, output)
    assert stop(child) == 0  # at once: detection may still be running
    shutil.copy(EXAMPLES / "solvay_conference_1927.jpg", source / "solvay.jpg")
    child, url = start(source, output)
    try:
        browser.get(url)
        names = lambda: [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#overview .card .name")]  # noqa: E731
        wait_for(lambda: sorted(names()) == ["newton.png", "solvay.jpg"], seconds=60)
    finally:
        stop(child)
