"""Hostile and unusual input: one folder run over the generated corpus, then each case's outcome.

The promise under test: a bad file gets one ``error: PATH: reason`` line and
the batch goes on; a readable file is anonymised (every frame and page of it);
every other file is named in a ``skipped:`` line; stderr carries nothing but
veil's own lines; inputs are never touched; no temporary file is left behind;
outputs follow the umask.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from benchmarks.hostile_corpus import (
    CASES,
    MAX_MEMORY,
    MAX_PIXELS,
    Case,
    apng,
    build_corpus,
    ffmpeg,
    multipage_tiff,
)
from tests.conftest import ROOT
from veil.media import VIDEO_EXTENSIONS

pytestmark = pytest.mark.skipif(ffmpeg() is None, reason="needs the ffmpeg binary of the dev extra")

VIDEO_SUFFIXES = {".mp4", ".mkv", ".ts", ".gif", ".mov", ".webm"}
OWN_LINE = re.compile(r"^(device: |skipped: |error: |warning: |veil: )")
UMASK = 0o027


def veil(*args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``veil`` command in a child process (real stderr, as a user sees it)."""
    return subprocess.run(
        [sys.executable, "-m", "veil.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
        check=False,
    )


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


class FolderRun:
    def __init__(self, base: Path) -> None:
        self.source = base / "corpus"
        self.output = base / "out"
        self.report_path = base / "report.json"
        build_corpus(self.source)
        self.before = digest(self.source)
        self.result = veil(
            str(self.source),
            "-o", str(self.output),
            "--report", str(self.report_path),
            "--profile", "fast",
            "--max-pixels", str(MAX_PIXELS),
            "--max-memory", MAX_MEMORY,
            umask=UMASK,
        )  # fmt: skip
        self.lines = self.result.stderr.splitlines()
        self.report = json.loads(self.report_path.read_text())

    def lines_about(self, case: Case) -> list[str]:
        path = str(self.source / case.name)
        return [line for line in self.lines if f" {path}: " in line or f" {path} (" in line]

    def output_of(self, case: Case) -> Path:
        name = case.output or case.name
        if Path(case.name).suffix in VIDEO_EXTENSIONS and case.output is None:
            name = Path(case.name).stem + ".mp4"
        return self.output / name


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> FolderRun:
    return FolderRun(tmp_path_factory.mktemp("hostile"))


def test_the_corpus_is_large_and_every_file_is_a_case(run):
    assert len(CASES) >= 30
    assert sorted(p.name for p in run.source.iterdir()) == sorted(case.name for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_each_case_has_its_outcome(run, case):
    lines = run.lines_about(case)
    output = run.output_of(case)
    if case.outcome == "written":
        assert not lines, f"no message expected, got {lines}"
    else:
        prefix = {"warning": "warning:", "error": "error:", "skipped": "skipped:"}[case.outcome]
        assert len(lines) == 1, f"one line expected, got {lines}"
        assert lines[0].startswith(prefix) and case.says in lines[0], lines[0]
    if case.outcome in ("written", "warning"):
        assert output.is_file(), f"{output.name} not written"
        if case.frames is not None:
            assert frames_in(output) == case.frames
        else:
            with Image.open(output) as written:
                written.load()
    else:
        stem = Path(case.name).stem
        assert not [p for p in run.output.rglob("*") if p.stem == stem], "nothing is written for it"


def frames_in(path: Path) -> int:
    if path.suffix in VIDEO_SUFFIXES:
        with av.open(str(path)) as container:
            return sum(1 for _ in container.decode(video=0))
    with Image.open(path) as image:
        return int(getattr(image, "n_frames", 1))


def test_stderr_holds_only_veils_own_lines(run):
    """No libtiff, FFmpeg, Pillow or yuface voice, and the summary counts every file."""
    strangers = [line for line in run.lines if line.strip() and not OWN_LINE.match(line)]
    assert not strangers, strangers
    done = sum(case.outcome in ("written", "warning") for case in CASES)
    failed = sum(case.outcome == "error" for case in CASES)
    skipped = sum(case.outcome == "skipped" for case in CASES)
    assert run.lines[-1].startswith(f"veil: {done} files, ")
    assert f", {failed} failed, {skipped} skipped, " in run.lines[-1]
    assert run.result.returncode == 1


def test_the_report_lists_errors_skips_and_warnings(run):
    report = run.report
    assert len(report["files"]) == sum(case.outcome in ("written", "warning") for case in CASES)
    assert len(report["errors"]) == sum(case.outcome == "error" for case in CASES)
    assert len(report["skipped"]) == sum(case.outcome == "skipped" for case in CASES)
    warned = {Path(f["path"]).name for f in report["files"] if f.get("warnings")}
    assert warned == {case.name for case in CASES if case.outcome == "warning"}


def test_inputs_are_untouched_and_no_temporary_file_remains(run):
    assert digest(run.source) == run.before
    leftovers = [p for p in [*run.source.rglob("*"), *run.output.rglob("*")] if ".part" in p.name]
    assert not leftovers


def test_outputs_follow_the_umask(run):
    """Photos, videos and the report alike: 0666 less the umask (0640 here), not 0600."""
    modes = {p.name: p.stat().st_mode & 0o777 for p in [*run.output.iterdir(), run.report_path]}
    assert set(modes.values()) == {0o666 & ~UMASK}, modes


def test_videos_starting_before_zero_keep_every_frame_and_their_audio_in_sync(run):
    for name in ("negative_start.mp4", "wrapped_clock.mp4"):
        with av.open(str(run.output / name)) as container:
            video = container.streams.video[0]
            assert video.start_time is not None and video.start_time >= 0
            audio = container.streams.audio
            if audio:
                assert audio[0].start_time is not None
                offset = float(video.start_time * video.time_base - audio[0].start_time * audio[0].time_base)
                assert abs(offset) < 0.1, f"{name}: audio and video start {offset:.3f} s apart"
    with av.open(str(run.source / "wrapped_clock.ts")) as source:
        assert source.start_time < 0  # the case is what it claims to be


def test_allow_partial_writes_what_decodes_under_a_partial_name(run, tmp_path):
    result = veil(str(run.source / "cut_90.mp4"), "-o", str(tmp_path), "--allow-partial", "--profile", "fast")
    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stderr and "truncated: 68 of 75 frames" in result.stderr
    assert frames_in(tmp_path / "cut_90_partial.mp4") == 68
    assert not (tmp_path / "cut_90.mp4").exists()


def face_changed(
    before: Image.Image, after: Image.Image, box: tuple[int, int, int, int]
) -> tuple[float, float]:
    """Mean absolute change inside ``box`` and outside a margin around it."""
    a = np.asarray(before.convert("RGB"), np.int16)
    b = np.asarray(after.convert("RGB"), np.int16)
    diff = np.abs(a - b).mean(axis=2)
    x1, y1, x2, y2 = box
    outside = np.ones(diff.shape, bool)
    outside[max(0, y1 - 60) : y2 + 60, max(0, x1 - 60) : x2 + 60] = False
    return float(diff[y1:y2, x1:x2].mean()), float(diff[outside].mean())


def test_every_frame_of_an_animation_and_every_page_is_anonymised(tmp_path):
    for name, build in (("anim.png", apng), ("pages.tif", multipage_tiff)):
        source = tmp_path / name
        build(source)
        result = veil(str(source), "-o", str(tmp_path / "out"), "--profile", "fast")
        assert result.returncode == 0, result.stderr
        with Image.open(source) as before, Image.open(tmp_path / "out" / name) as after:
            assert after.n_frames == before.n_frames
            for index in range(before.n_frames):
                before.seek(index)
                after.seek(index)
                assert after.size == before.size
                if before.size != (400, 300):
                    continue  # the TIFF's thumbnail page: its face is too small to place here
                # Newton's face sits at (133, 89)-(238, 233), moved right 3 px a frame
                inside, outside = face_changed(before, after, (140 + 3 * index, 100, 230 + 3 * index, 220))
                assert inside > 10 and outside < 1, (name, index, inside, outside)
            if name == "anim.png":
                after.seek(0)
                durations = []
                for index in range(after.n_frames):
                    after.seek(index)
                    durations.append(after.info["duration"])
                assert durations == [100, 120, 140, 160]


def test_the_bad_input_page_lists_every_case():
    page = (ROOT / "docs" / "bad-input.md").read_text()
    missing = [case.name for case in CASES if f"`{case.name}`" not in page]
    assert not missing, f"docs/bad-input.md's table lacks {missing}"
