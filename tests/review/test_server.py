"""The review API: token, Host and path safety; changes through the API; export and `veil apply`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import run_cli
from tests.review.conftest import file_id

PORT = 8765


@pytest.fixture()
def client(review_app):
    from starlette.testclient import TestClient

    review_app.port = PORT
    return TestClient(review_app.app, base_url=f"http://127.0.0.1:{PORT}", follow_redirects=False)


@pytest.fixture()
def signed_in(client, review_app):
    response = client.get(f"/?token={review_app.token}")
    assert response.status_code == 303 and "httponly" in response.headers["set-cookie"].lower()
    client.headers["X-Veil-Token"] = review_app.token
    return client


def test_every_request_needs_the_token(client, review_app):
    assert client.get("/").status_code == 401
    assert client.get("/api/status").status_code == 401
    assert client.get("/static/app.js").status_code == 401
    assert client.get("/?token=wrong").status_code == 401
    client.cookies.set("veil_token", "wrong")
    assert client.get("/api/status").status_code == 401


def test_changes_need_the_token_header_too(signed_in, review_app):
    photo = file_id(review_app, "solvay.jpg")
    del signed_in.headers["X-Veil-Token"]
    assert signed_in.post(f"/api/files/{photo}/reviewed", json={"reviewed": True}).status_code == 401
    signed_in.headers["X-Veil-Token"] = review_app.token
    assert signed_in.post(f"/api/files/{photo}/reviewed", json={"reviewed": True}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example:8765", "127.0.0.1:9999", "localhost", "127.0.0.1.nip.io:8765"]
)
def test_foreign_hosts_are_refused(signed_in, host):
    assert signed_in.get("/api/status", headers={"Host": host}).status_code == 403
    assert signed_in.get("/api/status", headers={"Host": f"localhost:{PORT}"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../../../etc/passwd",
        "/static/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/api/files/..%2F..%2Fetc%2Fpasswd/thumb.jpg",
        "/api/files/%2Fetc%2Fpasswd/frame/0.jpg",
        "/etc/passwd",
    ],
)
def test_no_path_reaches_anything_else(signed_in, path):
    response = signed_in.get(path)
    assert response.status_code in (400, 404)
    assert b"root:" not in response.content and b"[project]" not in response.content


def test_the_page_and_its_assets_are_local(signed_in):
    page = signed_in.get("/").text
    assert "/static/app.js" in page and "http" not in page.replace("http-equiv", "")
    script = signed_in.get("/static/app.js").text
    assert "https://" not in script and "cdn" not in script.lower()


def test_overview_is_sorted_most_uncertain_first(signed_in):
    files = signed_in.get("/api/status").json()["files"]
    assert {f["kind"] for f in files} == {"photo", "video"}
    keys = [(f["reviewed"], -f["uncertainty"]) for f in files]
    assert keys == sorted(keys)


def test_frames_come_on_demand_and_preview_hides_faces(signed_in, review_app):
    clip = file_id(review_app, "clip.mp4")
    original = signed_in.get(f"/api/files/{clip}/frame/7.jpg")
    preview = signed_in.get(f"/api/files/{clip}/frame/7.jpg?preview=1")
    assert original.headers["content-type"] == "image/jpeg" and original.content != preview.content
    assert signed_in.get(f"/api/files/{clip}/frame/99.jpg").status_code == 400


def test_api_changes_then_export_and_apply(signed_in, review_app, tmp_path):
    photo = file_id(review_app, "solvay.jpg")
    faces = review_app.review.file(photo)["faces"]
    dropped, kept = faces[0], faces[1]
    assert signed_in.delete(f"/api/files/{photo}/faces/{dropped['id']}").status_code == 200
    assert (
        signed_in.patch(f"/api/files/{photo}/faces/{kept['id']}", json={"action": "keep"}).status_code == 200
    )
    added = signed_in.post(f"/api/files/{photo}/boxes", json={"frame": 0, "box": [5, 5, 120, 140]}).json()
    assert added["track"].startswith("m")
    assert signed_in.post(f"/api/files/{photo}/boxes", json={"frame": 0, "box": "x"}).status_code == 400

    from veil.review.render import export

    report = export(review_app.review, review_app.anonymizer.settings)
    assert [c["op"] for c in report["changes"]] == ["delete", "edit", "add"]
    source = np.asarray(Image.open(review_app.review.file(photo)["path"]).convert("RGB"), np.int16)
    output = np.asarray(Image.open(review_app.review.file(photo)["output"]).convert("RGB"), np.int16)

    def change(box: list[float]) -> float:
        x1, y1, x2, y2 = (int(v) for v in box)
        return float(np.abs(source[y1:y2, x1:x2] - output[y1:y2, x1:x2]).mean())

    assert change([5, 5, 120, 140]) > 20, "the box added by hand is hidden"
    assert change(dropped["box"]) < 3 and change(kept["box"]) < 3, "deleted and kept faces stay visible"
    assert change(faces[2]["box"]) > 20, "the other faces are hidden"

    # `veil apply` re-renders the same review later, from the command line
    written = Path(review_app.review.file(photo)["output"])
    first = written.read_bytes()
    written.unlink()
    code, out = run_cli("apply", str(review_app.review.path))
    assert code == 0 and "3 manual changes applied" in out
    report_file = json.loads(review_app.review.path.with_name("veil-report.json").read_text())
    assert len(report_file["files"]) == 2 and report_file["changes"][2]["op"] == "add"
    assert written.read_bytes() == first, "apply renders the review exactly as the export did"
