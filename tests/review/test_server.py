"""The review API: token, Host and path safety; changes through the API; export and `veil apply`."""

from __future__ import annotations

import json
from pathlib import Path

import av
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
    client.headers["X-Veil-Token"] = review_app.token
    return client


def test_the_api_needs_the_token_header_and_nothing_else_carries_it(client, review_app):
    """The token travels only in a header: no cookie (cookies ignore ports) is ever set."""
    page = client.get(f"/?token={review_app.token}")
    assert page.status_code == 200 and "set-cookie" not in page.headers
    assert review_app.token not in page.text, "the page holds no secret"
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/api/status").status_code == 401
    client.cookies.set("veil_token", review_app.token)
    assert client.get("/api/status").status_code == 401, "a cookie is not the token"
    photo = file_id(review_app, "solvay.jpg")
    assert client.get(f"/api/files/{photo}/frame/0.jpg").status_code == 401
    assert client.get("/api/status", headers={"X-Veil-Token": "wrong"}).status_code == 401
    assert client.get("/api/status", headers={"X-Veil-Token": review_app.token}).status_code == 200


@pytest.mark.parametrize("token", ["é", "%C3%A9", "\u00ff" * 40, ""])
def test_odd_tokens_are_refused_not_crashed_on(client, token):
    response = client.get("/api/status", headers={"x-veil-token": token.encode("utf-8")})
    assert response.status_code == 401
    assert client.get(f"/?token={token}").status_code == 200


def test_every_answer_forbids_framing_caching_and_foreign_scripts(signed_in, client):
    for response in (client.get("/"), signed_in.get("/api/status"), client.get("/api/status")):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["cache-control"] == "no-store"
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    script = client.get("/static/app.js").text
    assert "innerHTML" not in script, "data never goes into the page as HTML"


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


def test_a_file_is_served_in_windows_of_frames(signed_in, review_app):
    clip = file_id(review_app, "clip.mp4")
    view = signed_in.get(f"/api/files/{clip}").json()
    assert view["frames"] == 12 and "faces" in view and not isinstance(view["faces"], dict)
    window = signed_in.get(f"/api/files/{clip}/window?first=3&last=5").json()
    assert set(window["faces"]) <= {"3", "4", "5"} and len(window["times"]) == 3
    assert all("landmarks" not in face for faces in window["faces"].values() for face in faces)
    assert all(3 <= a <= b <= 5 for track in window["tracks"] for a, b in track["runs"])
    for bad in ("first=5&last=3", "first=0&last=99", "first=-1", "first=x", "first=0&last=" + "9" * 30):
        assert signed_in.get(f"/api/files/{clip}/window?{bad}").status_code == 400, bad
    unit = signed_in.get(f"/api/files/{clip}/next?frame=0&unsure=0").json()
    assert {"frame", "track", "face", "unsure"} <= set(unit)


def test_undo_and_redo_through_the_api(signed_in, review_app):
    photo = file_id(review_app, "solvay.jpg")
    face = review_app.review.file(photo)["faces"][0]
    assert signed_in.post(f"/api/files/{photo}/undo").status_code == 409
    assert signed_in.delete(f"/api/files/{photo}/faces/{face['id']}").status_code == 200
    assert signed_in.post(f"/api/files/{photo}/undo").json() == {"undone": "delete"}
    assert not face["deleted"]
    assert signed_in.post(f"/api/files/{photo}/redo").json() == {"redone": "delete"}
    assert face["deleted"]
    restored = signed_in.patch(f"/api/files/{photo}/faces/{face['id']}", json={"deleted": False})
    assert restored.status_code == 200 and not face["deleted"], "undelete works"


@pytest.mark.parametrize(
    ("route", "body", "message"),
    [
        ("faces/FACE", {"box": [1, 1, 40, 40], "frame": 20000000}, "outside"),
        ("faces/FACE", {"box": ["NaN", 1, 2, 3]}, "finite"),
        ("faces/FACE", {"box": [50, 50, 10, 10]}, "x1 < x2"),
        ("faces/FACE", {"action": "blur"}, "action"),
        ("faces/FACE", {"deleted": "yes"}, "true or false"),
        ("faces/FACE", {"colour": "red"}, "unknown field"),
        ("faces/FACE", {"filter": "x" * 1_000}, "longer than"),
        ("tracks/TRACK", {"delete": True, "first": "a", "last": 3}, "whole number"),
        ("tracks/TRACK", {"delete": True, "first": 0, "last": 10**9}, "outside"),
        ("tracks/TRACK", {}, "nothing to change"),
        ("boxes", {"frame": 0, "box": [1, 2, 3]}, "four numbers"),
        ("boxes", {"frame": True, "box": [1, 2, 30, 40]}, "whole number"),
        ("bulk", {"action": "explode"}, "action is one of"),
        ("bulk", {"action": "delete", "below": 7}, "outside"),
        ("merge", {"into": 1, "other": 1}, "itself"),
        ("reviewed", {"reviewed": "no"}, "true or false"),
    ],
)
def test_bad_values_get_400_with_a_message_and_change_nothing(signed_in, review_app, route, body, message):
    clip = file_id(review_app, "clip.mp4")
    entry = review_app.review.file(clip)
    route = route.replace("FACE", entry["faces"][0]["id"]).replace("TRACK", str(entry["faces"][0]["track"]))
    before = json.dumps(entry, sort_keys=True)
    method = signed_in.patch if route.startswith("faces/") else signed_in.post
    response = method(f"/api/files/{clip}/{route}", json=body)
    assert response.status_code == 400 and message in response.json()["error"], response.text
    assert json.dumps(entry, sort_keys=True) == before
    assert not review_app.review.journal.path.exists() or not review_app.review.journal.path.read_text()


@pytest.mark.parametrize("body", [b"[]", b"null", b"[" * 100_000, b"{", b"\xff\xfe", b'"text"', b"1e999"])
def test_hostile_bodies_get_400(signed_in, review_app, body):
    photo = file_id(review_app, "solvay.jpg")
    headers = {"content-type": "application/json"}
    for route in ("boxes", "bulk", "merge", "reviewed", "undo"):
        response = signed_in.post(f"/api/files/{photo}/{route}", content=body, headers=headers)
        assert response.status_code == 400, (route, response.text)


def test_a_body_over_a_megabyte_is_refused_with_413(signed_in, review_app):
    photo = file_id(review_app, "solvay.jpg")
    big = json.dumps({"frame": 0, "box": [1, 2, 30, 40], "track": "x" * (2 << 20)})
    response = signed_in.post(f"/api/files/{photo}/boxes", content=big)
    assert response.status_code == 413
    assert len(review_app.review.data["changes"]) == 0


def test_export_waits_for_detection_and_asks_about_unreviewed_files(signed_in, review_app):
    review_app.progress.detect.update(running=True, done=1, total=2)
    refused = signed_in.post("/api/export")
    assert refused.status_code == 409 and "detection is still running" in refused.json()["error"]
    review_app.progress.detect.update(running=False)
    asked = signed_in.post("/api/export")
    assert asked.status_code == 409 and len(asked.json()["unreviewed"]) == 2
    assert signed_in.post("/api/export", json={"force": True}).status_code == 202


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


def test_frames_in_any_order_decode_the_right_picture(signed_in, review_app):
    """Stepping on, jumping back and jumping ahead give each frame exactly as a fresh decode does."""
    import io

    clip = file_id(review_app, "clip.mp4")
    with av.open(review_app.review.file(clip)["path"]) as container:
        truth = [f.to_ndarray(format="rgb24").astype(int) for f in container.decode(video=0)]
    for index in (0, 1, 2, 9, 3, 11, 4, 5, 0, 10):
        data = signed_in.get(f"/api/files/{clip}/frame/{index}.jpg").content
        shown = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), int)
        errors = [float(np.abs(shown - frame).mean()) for frame in truth]
        assert int(np.argmin(errors)) == index and errors[index] < 4, (index, errors)
