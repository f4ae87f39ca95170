"""Driving the review page in headless Chromium: waiting, pointing, clicking, reading (shared by tests)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


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
    """No box of ``face_id`` is drawn (asked in the page: no implicit wait for what is absent)."""
    script = "return !document.querySelector(`#overlay rect[data-face='${arguments[0]}']`)"
    return bool(driver.execute_script(script, face_id))  # type: ignore[attr-defined]


def press(driver: object, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()  # type: ignore[arg-type]


def alert_open(driver: object) -> object:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        return driver.switch_to.alert  # type: ignore[attr-defined]
    except NoAlertPresentException:
        return None


def grown(box: list[float], by: float = 10) -> list[float]:
    return [box[0] - by, box[1] - by, box[2] + by, box[3] + by]


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def changes(app: object) -> int:
    return len(app.review.data["changes"])  # type: ignore[attr-defined]


def mean_change(source: np.ndarray, output: np.ndarray, box: list[float]) -> float:
    x1, y1, x2, y2 = (int(v) for v in box)
    return float(np.abs(source[y1:y2, x1:x2].astype(int) - output[y1:y2, x1:x2].astype(int)).mean())
