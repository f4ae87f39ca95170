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
        "-X",
        "faulthandler",  # a hang at exit shows every thread's stack (`stop`)
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


def stop(child: subprocess.Popen[str], seconds: float = 30) -> int:
    """Ctrl-C, as a user stops the review; its exit status. A child still running after ``seconds``
    is made to dump its threads' stacks (SIGABRT under faulthandler) and the test fails with them."""
    child.send_signal(signal.SIGINT)
    try:
        return child.wait(seconds)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGABRT)
        _, err = child.communicate(timeout=30)
        raise AssertionError(f"veil review did not stop on Ctrl-C:\n{err[-6000:]}") from None


def get(url: str, token: str, path: str) -> dict:
    base = url.split("/?")[0]
    request = urllib.request.Request(base + path, headers={"X-Veil-Token": token})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def post(url: str, token: str, path: str, body: dict) -> dict:
    base = url.split("/?")[0]
    data = json.dumps(body).encode()
    headers = {"X-Veil-Token": token, "Content-Type": "application/json"}
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
        assert stop(child) == 0
    saved = json.loads((output / "veil-review.json").read_text())
    assert [c["op"] for c in saved["changes"]] == ["add"], "Ctrl-C folds the journal into the review"
    assert child.stderr is not None
    said = child.stderr.read()
    assert "detecting 1 of 1:" in said and "detection done: 1 files" in said, said

    shutil.copy(EXAMPLES / "solvay_conference_1927.jpg", source / "solvay.jpg")  # a new input
    child, url = start(source, output)  # the same command again: the review is restored
    try:
        token = url.split("token=")[1]
        window = get(url, token, "/api/files/f0/window?first=0&last=0")
        assert any(f["origin"] == "manual" for f in window["faces"]["0"])
        assert get(url, token, "/api/files/f0")["changes"] == 1
        paths = [f["path"] for f in get(url, token, "/api/status")["files"]]
        assert any(p.endswith("solvay.jpg") for p in paths), "a reopen adds the new input"
        second = subprocess.run(  # a second review of the same folder is refused while this one runs
            [sys.executable, "-m", "veil.cli", "review", str(source), "-o", str(output), "--no-browser"],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
        assert second.returncode == 1 and "another veil review (pid" in second.stderr
    finally:
        assert stop(child) == 0
    assert child.stderr is not None
    assert "added: " in child.stderr.read()


def test_ctrl_c_during_a_video_stops_detection_and_keeps_the_file_waiting(tmp_path):
    from tests.conftest import make_clip

    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    make_clip(source / "long.mp4", frames=100)
    child, url = start(source, output)
    token = url.split("token=")[1]
    deadline = time.monotonic() + 60
    while get(url, token, "/api/status")["detect"]["frame"] < 5:
        assert time.monotonic() < deadline, "detection never started"
        time.sleep(0.1)
    started = time.monotonic()
    assert stop(child) == 0
    assert time.monotonic() - started < 10
    saved = json.loads((output / "veil-review.json").read_text())
    assert saved["files"][0]["status"] == "waiting", "stopped between frames; detected again on reopening"


def test_reopening_with_other_options_is_refused_with_the_difference(tmp_path):
    from veil.review.document import DOCUMENT_NAME, ReviewDocument
    from veil.review.entries import file_entry
    from veil.settings import Settings

    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(EXAMPLES / "newton.png", source / "newton.png")
    entry = file_entry(0, source / "newton.png", output / "newton.png", "photo")
    ReviewDocument.create(output / DOCUMENT_NAME, [entry], Settings(filter="pixelate").to_json()).save()
    command = [sys.executable, "-m", "veil.cli", "review", str(source), "-o", str(output), "--no-browser"]
    refused = subprocess.run([*command, "--filter", "solid"], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "filter: 'pixelate' -> 'solid'" in refused.stderr
    assert "--reset-options" in refused.stderr


def test_a_port_in_use_writes_nothing(tmp_path):
    import socket

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    source, output = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    shutil.copy(EXAMPLES / "newton.png", source / "newton.png")
    command = [sys.executable, "-m", "veil.cli", "review", str(source), "-o", str(output), "--no-browser"]
    result = subprocess.run([*command, "--port", str(port)], capture_output=True, text=True, timeout=60)
    taken.close()
    assert result.returncode == 2 and "cannot listen" in result.stderr
    assert not output.exists()
