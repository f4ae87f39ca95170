"""`veil review` as a user runs it: one URL line at once, Ctrl-C loses nothing, reopening restores."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.conftest import EXAMPLES, ROOT


def start(source: Path, output: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    """``veil review SOURCE -o OUTPUT --no-browser OPTIONS`` (default: ``--profile fast``)."""
    options = options or ("--profile", "fast")
    command = [
        sys.executable,
        "-m",
        "veil.cli",
        "review",
        str(source),
        "-o",
        str(output),
        "--no-browser",
        *options,
    ]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def get(url: str, token: str, path: str) -> dict:
    base = url.split("/?")[0]
    request = urllib.request.Request(base + path, headers={"Cookie": f"veil_token={token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def post(url: str, token: str, path: str, body: dict) -> dict:
    base = url.split("/?")[0]
    data = json.dumps(body).encode()
    headers = {"Cookie": f"veil_token={token}", "X-Veil-Token": token, "Content-Type": "application/json"}
    request = urllib.request.Request(base + path, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_review_prints_its_url_survives_ctrl_c_and_reopens(tmp_path):
    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(EXAMPLES / "newton.png", source / "newton.png")
    child, url = start(source, output)
    try:
        assert url.startswith("http://127.0.0.1:") and "/?token=" in url
        token = url.split("token=")[1]
        deadline = time.monotonic() + 60
        while get(url, token, "/api/status")["files"][0]["status"] != "ready":
            assert time.monotonic() < deadline, "detection never finished"
            time.sleep(0.2)
        post(url, token, "/api/files/f0/boxes", {"frame": 0, "box": [10, 10, 60, 60]})
    finally:
        child.send_signal(signal.SIGINT)  # Ctrl-C
        child.wait(20)
    saved = json.loads((output / "veil-review.json").read_text())
    assert [c["op"] for c in saved["changes"]] == ["add"]

    child, url = start(source, output)  # the same command again: the review is restored
    try:
        token = url.split("token=")[1]
        view = get(url, token, "/api/files/f0")
        assert any(f["origin"] == "manual" for f in view["faces"]["0"])
        assert view["changes"] == 1
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(20)
