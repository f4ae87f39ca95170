"""Every route of the review API, fed random and hostile bodies, ids and headers: never a 500,
and the review still loads and exports afterwards."""

from __future__ import annotations

import json
import random
from typing import Any

from tests.review.conftest import file_id

PORT = 8765
KEYS = ["frame", "box", "track", "action", "filter", "deleted", "delete", "first", "last", "below",
        "faces", "tracks", "into", "other", "reviewed", "force"]  # fmt: skip
HOSTILE: list[Any] = [
    None, True, False, 0, -1, 1, 3, 11, 2**31, 2**63, -(2**63), 1e308, -1e308, 0.5, 1.5,
    "", "a", "hide", "keep", "delete", "solid", "m1", "1", "-1", "NaN", "Infinity", "é", "\x00", "<script>",
    "x" * 5000, [], [1, 2, 3], [0, 0, 10, 10], [10, 10, 0, 0], [0, 0, 1e308, 1e308], ["a", 1, 2, 3], {},
    {"a": 1}, [[[[]]]],
]  # fmt: skip


def random_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.7 or depth > 2:
        return rng.choice(HOSTILE)
    if roll < 0.85:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def random_body(rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.1:
        return rng.choice([b"", b"[]", b"null", b"{", b"\xff\xfe", b"[" * 50_000, b"NaN", b'{"box": NaN}'])
    body = {rng.choice(KEYS): random_value(rng) for _ in range(rng.randrange(1, 5))}
    return json.dumps(body, allow_nan=True).encode()


def test_no_request_gets_a_500_or_breaks_the_review(review_app):
    from starlette.testclient import TestClient

    from veil.review.document import ReviewDocument
    from veil.review.render import export

    review_app.port = PORT
    client = TestClient(review_app.app, base_url=f"http://127.0.0.1:{PORT}", raise_server_exceptions=False)
    client.headers["X-Veil-Token"] = review_app.token
    rng = random.Random(7)
    clip, photo = file_id(review_app, "clip.mp4"), file_id(review_app, "solvay.jpg")
    faces = [f["id"] for f in review_app.review.file(clip)["faces"][:5]] + [
        "d1",
        "nope",
        "m1",
        "%00",
        "x" * 300,
    ]
    tracks = [str(f["track"]) for f in review_app.review.file(clip)["faces"][:3]] + [
        "m1",
        "-1",
        "99999999999999",
    ]
    files = [clip, photo, clip, photo, "nope", "..%2F..", "f" * 300]
    routes = [
        ("GET", "/api/files/{file}"), ("GET", "/api/files/{file}/window?first={n}&last={m}"),
        ("GET", "/api/files/{file}/next?frame={n}&key={face}&unsure={n}"),
        ("GET", "/api/files/{file}/frame/{n}.jpg?preview=1"), ("GET", "/api/files/{file}/thumb.jpg"),
        ("POST", "/api/files/{file}/boxes"), ("PATCH", "/api/files/{file}/faces/{face}"),
        ("DELETE", "/api/files/{file}/faces/{face}"), ("POST", "/api/files/{file}/tracks/{track}"),
        ("POST", "/api/files/{file}/bulk"), ("POST", "/api/files/{file}/merge"),
        ("POST", "/api/files/{file}/undo"), ("POST", "/api/files/{file}/redo"),
        ("POST", "/api/files/{file}/reviewed"), ("GET", "/api/status"),
    ]  # fmt: skip
    numbers = ["0", "3", "11", "12", "-1", "x", "9" * 40, "", "1e3"]
    statuses: dict[int, int] = {}
    for _ in range(900):
        method, template = rng.choice(routes)
        path = template.format(
            file=rng.choice(files), face=rng.choice(faces), track=rng.choice(tracks),
            n=rng.choice(numbers), m=rng.choice(numbers),
        )  # fmt: skip
        headers = {"content-type": rng.choice([b"application/json", b"text/plain", "x/\u00e9".encode()])}
        body = random_body(rng) if method in ("POST", "PATCH") else None
        response = client.request(method, path, content=body, headers=headers)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        assert response.status_code < 500, (method, path, body and body[:200], response.text[:300])
    assert statuses.get(200, 0) > 50 and statuses.get(400, 0) > 100, statuses

    review_app.review.save()
    reopened = ReviewDocument.load(review_app.review.path)  # every change the fuzz made is valid
    report = export(reopened, review_app.anonymizer.settings)
    assert report["errors"] == [] and len(report["files"]) == 2
