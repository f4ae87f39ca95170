"""Escrow: sealed faces come back exactly, only for the key's holder, only from untouched files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import EXAMPLES, make_clip, run_cli

pyrage = pytest.importorskip("pyrage", reason="escrow needs pyrage (a core dependency)")

from veil.escrow.keys import load_identities  # noqa: E402
from veil.escrow.sidecar import read_manifest  # noqa: E402
from veil.media.video import VideoReader  # noqa: E402


def keygen(folder: Path, *extra: str) -> tuple[Path, Path]:
    code, out = run_cli("keygen", "--out", str(folder), *extra)
    assert code == 0, out
    return folder / "escrow.key", folder / "escrow.pub"


def reveal(output: Path, key: Path, revealed: Path, *extra: str, log: Path | None = None) -> tuple[int, str]:
    log = log or output.parent / "audit.log"
    return run_cli(
        "reveal", str(output), "--key", str(key), "-o", str(revealed), "--audit-log", str(log), *extra
    )


def manifest(output: Path, key: Path) -> dict:
    return read_manifest(output.with_name(output.name + ".escrow"), load_identities(key))


@pytest.fixture
def keys(tmp_path):
    return keygen(tmp_path / "keys")


@pytest.fixture
def two_faces(tmp_path) -> Path:
    """Newton beside Gauss: two faces, to reveal one and not the other."""
    newton, gauss = cv2.imread(str(EXAMPLES / "newton.png")), cv2.imread(str(EXAMPLES / "gauss.png"))
    height = min(newton.shape[0], gauss.shape[0])
    side = np.hstack([newton[:height], gauss[:height]])
    path = tmp_path / "pair.png"
    cv2.imwrite(str(path), side)
    return path


def sealed_photo(source: Path, folder: Path, public: Path, suffix: str = ".jpg") -> Path:
    output = folder / f"hidden{suffix}"
    code, out = run_cli(str(source), "-o", str(output), "--escrow", str(public), "-q")
    assert code == 0, out
    assert output.with_name(output.name + ".escrow").is_file()
    return output


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(tmp_path, keys):
    key, public = keys
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_text().count("AGE-SECRET-KEY-1") == 1 and "age1" in public.read_text()
    before = key.read_bytes()
    code, out = run_cli("keygen", "--out", str(key.parent))
    assert code == 1 and "already exists" in out and key.read_bytes() == before


def test_photo_round_trip_is_exact_and_selective(tmp_path, keys, two_faces):
    key, public = keys
    output = sealed_photo(two_faces, tmp_path, public)  # a lossy JPEG output: reveal is still exact
    sealed = manifest(output, key)
    assert sealed["kind"] == "photo" and sealed["faces"] == ["0", "1"]
    original, hidden = cv2.imread(str(two_faces)), cv2.imread(str(output))
    boxes = {r["face"]: r["box"] for r in sealed["regions"]}
    for x1, y1, x2, y2 in boxes.values():
        assert np.abs(original[y1:y2, x1:x2].astype(int) - hidden[y1:y2, x1:x2]).mean() > 5

    code, out = reveal(output, key, tmp_path / "all.png")
    assert code == 0, out
    shown = cv2.imread(str(tmp_path / "all.png"))
    outside = np.ones(original.shape[:2], bool)
    for x1, y1, x2, y2 in boxes.values():
        np.testing.assert_array_equal(shown[y1:y2, x1:x2], original[y1:y2, x1:x2])
        outside[y1:y2, x1:x2] = False
    np.testing.assert_array_equal(shown[outside], hidden[outside])  # the rest is the output, untouched

    code, out = reveal(output, key, tmp_path / "one.png", "--face", "1")
    assert code == 0, out
    one = cv2.imread(str(tmp_path / "one.png"))
    x1, y1, x2, y2 = boxes["1"]
    np.testing.assert_array_equal(one[y1:y2, x1:x2], original[y1:y2, x1:x2])
    x1, y1, x2, y2 = boxes["0"]
    np.testing.assert_array_equal(one[y1:y2, x1:x2], hidden[y1:y2, x1:x2])  # face 0 stays hidden

    lines = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert [line["faces"] for line in lines] == [["0", "1"], ["1"]]
    assert {line["output_sha256"] for line in lines} == {sealed["output"]["sha256"]}
    assert all(line["user"] and line["time"] for line in lines)


def upright(path: Path) -> list[np.ndarray]:
    with VideoReader(path) as reader:
        return [frame.pixels for frame in reader.frames()]


def test_video_round_trip_is_exact_with_audio_and_a_frame_range(tmp_path, keys):
    key, public = keys
    clip = make_clip(tmp_path / "clip.mp4", frames=20, rotation=90)
    output = tmp_path / "hidden.mp4"
    code, out = run_cli(str(clip), "-o", str(output), "--escrow", str(public), "--profile", "fast", "-q")
    assert code == 0, out
    sealed = manifest(output, key)
    assert sealed["kind"] == "video" and sealed["frames"] == 20 and len(sealed["regions"]) >= 18

    code, out = reveal(output, key, tmp_path / "revealed.mkv", "--frames", "5-9")
    assert code == 0, out
    original, hidden, shown = upright(clip), upright(output), upright(tmp_path / "revealed.mkv")
    assert len(shown) == 20
    for region in sealed["regions"]:
        x1, y1, x2, y2 = region["box"]
        frame = region["frame"]
        expected = original if 5 <= frame <= 9 else hidden
        np.testing.assert_array_equal(shown[frame][y1:y2, x1:x2], expected[frame][y1:y2, x1:x2])
    import av

    with av.open(str(tmp_path / "revealed.mkv")) as container:
        assert container.streams.audio and container.streams.video[0].codec_context.name == "ffv1"


def test_every_kind_of_tampering_is_refused_and_nothing_is_written(tmp_path, keys, two_faces):
    key, public = keys
    output = sealed_photo(two_faces, tmp_path, public, ".png")
    sidecar = output.with_name(output.name + ".escrow")
    good_sidecar, good_output = sidecar.read_bytes(), output.read_bytes()

    def flipped(data: bytes, at: int) -> bytes:
        return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]

    cases = {
        # a header byte: its key share no longer matches, or the header no longer parses
        "header byte": (flipped(good_sidecar, 60), good_output, "header was changed"),
        "payload byte": (flipped(good_sidecar, len(good_sidecar) // 2), good_output, "changed or damaged"),
        "last byte": (flipped(good_sidecar, len(good_sidecar) - 1), good_output, "changed or damaged"),
        "truncated": (good_sidecar[:-100], good_output, "changed or damaged"),
        "bytes appended": (good_sidecar + b"x" * 64, good_output, "changed or damaged"),
        "output changed": (good_sidecar, flipped(good_output, len(good_output) - 20), "SHA-256 differs"),
    }
    log = tmp_path / "audit.log"
    for name, (sidecar_bytes, output_bytes, says) in cases.items():
        sidecar.write_bytes(sidecar_bytes)
        output.write_bytes(output_bytes)
        revealed = tmp_path / f"{name}.png"
        code, out = reveal(output, key, revealed, log=log)
        errors = {line for line in out.splitlines() if line.startswith("error:")}
        assert code == 1 and says in out and len(errors) == 1, (name, out)
        assert not revealed.exists() and not log.exists(), name

    sidecar.write_bytes(good_sidecar)
    output.write_bytes(good_output)
    other_key, _ = keygen(tmp_path / "other")
    code, out = reveal(output, other_key, tmp_path / "wrong.png", log=log)
    assert code == 1 and "cannot open" in out and not (tmp_path / "wrong.png").exists()
    code, out = reveal(output, key, tmp_path / "fine.png", log=log)
    assert code == 0, out


def test_passphrase_protected_key(tmp_path, two_faces, monkeypatch):
    monkeypatch.setenv("VEIL_ESCROW_PASSPHRASE", "correct horse")
    key, public = keygen(tmp_path / "keys", "--passphrase")
    assert key.read_bytes().startswith(b"age-encryption.org/v1") and b"AGE-SECRET" not in key.read_bytes()
    output = sealed_photo(two_faces, tmp_path, public)
    code, out = reveal(output, key, tmp_path / "ok.png")
    assert code == 0, out
    monkeypatch.setenv("VEIL_ESCROW_PASSPHRASE", "wrong horse")
    code, out = reveal(output, key, tmp_path / "no.png")
    assert code == 1 and "wrong passphrase" in out and not (tmp_path / "no.png").exists()


def test_two_recipients_each_open_it(tmp_path, two_faces):
    key_a, public_a = keygen(tmp_path / "a")
    key_b, public_b = keygen(tmp_path / "b")
    output = tmp_path / "hidden.png"
    code, out = run_cli(
        str(two_faces), "-o", str(output), "--escrow", str(public_a), "--escrow", str(public_b), "-q"
    )
    assert code == 0, out
    for key in (key_a, key_b):
        code, out = reveal(output, key, tmp_path / f"{key.parent.name}.png")
        assert code == 0, out
    original = cv2.imread(str(two_faces))
    x1, y1, x2, y2 = manifest(output, key_a)["regions"][0]["box"]
    for name in ("a", "b"):
        np.testing.assert_array_equal(
            cv2.imread(str(tmp_path / f"{name}.png"))[y1:y2, x1:x2], original[y1:y2, x1:x2]
        )


def test_a_bad_public_key_fails_before_any_output(tmp_path, two_faces):
    bad = tmp_path / "bad.pub"
    bad.write_text("age1notakey\n")
    code, out = run_cli(str(two_faces), "-o", str(tmp_path / "out.png"), "--escrow", str(bad))
    assert code != 0 and "not an age public key" in out
    assert not (tmp_path / "out.png").exists()


def test_batch_and_review_exports_carry_sidecars(tmp_path, keys, two_faces):
    key, public = keys
    source = tmp_path / "in"
    source.mkdir()
    os.replace(two_faces, source / "pair.png")
    make_clip(source / "clip.mov", frames=12)
    code, out = run_cli(
        "batch", str(source), "--dest", str(tmp_path / "batch"), "--workers", "1",
        "--escrow", str(public), "--profile", "fast",
    )  # fmt: skip
    assert code == 0, out
    for name, revealed in (("pair.png", "pair.png"), ("clip.mp4", "clip.mkv")):
        code, out = reveal(tmp_path / "batch" / name, key, tmp_path / f"batch-{revealed}")
        assert code == 0, out
    import fsspec

    code, out = run_cli(
        "batch", str(source), "--dest", "memory://sealed", "--escrow", str(public), "--profile", "fast",
        "--workers", "1",
    )  # fmt: skip
    assert code == 0, out
    memory = fsspec.filesystem("memory")
    assert memory.exists("/sealed/pair.png.escrow") and memory.exists("/sealed/clip.mp4.escrow")

    pytest.importorskip("starlette", reason="the review page needs the web extra: pip install 'veil[web]'")
    from veil.anonymizer import Anonymizer
    from veil.media import plan_jobs
    from veil.review.document import DOCUMENT_NAME, ReviewDocument
    from veil.review.entries import file_entry
    from veil.review.server import ReviewApp
    from veil.settings import Settings

    jobs, _ = plan_jobs([source], tmp_path / "review")
    files = [
        file_entry(i, job.source, job.output, "video" if job.source.suffix == ".mov" else "photo")
        for i, job in enumerate(jobs)
    ]
    anonymizer = Anonymizer(Settings(profile="fast", escrow=(str(public),)))
    document = tmp_path / "review" / DOCUMENT_NAME
    app = ReviewApp(ReviewDocument.create(document, files, anonymizer.to_json()), anonymizer)
    app.detect_all()
    code, out = run_cli("apply", str(document))
    assert code == 0, out
    for job in jobs:
        revealed = tmp_path / f"review-{job.output.stem}{'.mkv' if job.output.suffix == '.mp4' else '.png'}"
        code, out = reveal(job.output, key, revealed)
        assert code == 0, out
        sealed = manifest(job.output, key)
        assert sealed["faces"] and all(face.isdigit() for face in sealed["faces"]), (
            "ids as veil --escrow gives"
        )
