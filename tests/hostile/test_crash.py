"""Crash safety: SIGKILL mid-batch and a full disk leave nothing half-written under a final name."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest
from PIL import Image

from benchmarks.hostile_corpus import ffmpeg
from tests.conftest import EXAMPLES, ROOT, make_clip, run_cli
from veil.files import is_temporary, temporary_beside

VIDEOS = 3
FRAMES = 40


def batch_folder(folder: Path) -> Path:
    folder.mkdir()
    for i in range(VIDEOS):
        make_clip(folder / f"clip{i}.mp4", frames=FRAMES)
    shutil.copy(EXAMPLES / "newton.png", folder / "newton.png")
    return folder


def complete(path: Path) -> bool:
    """Whether an output under its final name is whole (all frames, or a fully decodable photo)."""
    if path.suffix == ".mp4":
        with av.open(str(path)) as container:
            return sum(1 for _ in container.decode(video=0)) == FRAMES
    with Image.open(path) as image:
        image.load()
    return True


def veil_command(source: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "veil.cli", str(source), "-o", str(output), "-q", "--profile", "fast"]


def test_sigkill_mid_batch_then_rerun_finishes_it(tmp_path):
    source, output = batch_folder(tmp_path / "in"), tmp_path / "out"
    child = subprocess.Popen(veil_command(source, output), cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:  # kill while a video is being written
            if output.is_dir() and any(is_temporary(p) and p.suffix == ".mp4" for p in output.iterdir()):
                break
            time.sleep(0.02)
        else:
            pytest.fail("veil never started writing a video")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    left = list(output.iterdir())
    assert any(is_temporary(p) for p in left), "the killed write leaves a recognisable temporary file"
    assert all(complete(p) for p in left if not is_temporary(p)), "no half-written file under a final name"

    command = veil_command(source, output)
    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    names = sorted(p.name for p in output.iterdir())
    assert names == sorted([*(f"clip{i}.mp4" for i in range(VIDEOS)), "newton.png"]), "temporaries removed"
    assert all(complete(output / name) for name in names)


def test_stale_temporaries_of_live_processes_are_kept(tmp_path):
    mine = temporary_beside(tmp_path / "a.jpg")  # this process is alive: its file must stay
    dead = tmp_path / mine.name.replace(f".{os.getpid()}@", ".999999999@")
    dead.write_bytes(b"x")
    temporary_beside(tmp_path.joinpath("sub", "b.jpg"))  # another folder: does not clean this one
    from veil.files import remove_stale_temporaries

    assert remove_stale_temporaries(tmp_path) == [dead]
    assert mine.exists()


def no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_full_disk_gives_one_error_per_file_and_nothing_partial(tmp_path, monkeypatch):
    """The disk fills while outputs are flushed (simulated ENOSPC from fsync)."""
    source = tmp_path / "in"
    source.mkdir()
    make_clip(source / "clip.mp4", frames=10)
    shutil.copy(EXAMPLES / "newton.png", source / "newton.png")
    monkeypatch.setattr("veil.files.os.fsync", no_space)
    code, out = run_cli(str(source), "-o", str(tmp_path / "out"), "--profile", "fast")
    errors = {line for line in out.splitlines() if line.startswith("error:")}  # (output holds stderr twice)
    assert code == 1
    assert len(errors) == 2 and all("No space left on device" in line for line in errors), errors
    assert not list((tmp_path / "out").rglob("*.*")), "nothing partial, no temporary file"


@pytest.fixture()
def tiny_disk(tmp_path):
    """A 400 KiB tmpfs: a real full disk (needs root and mount; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    command = ["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): the simulated full disk covers it")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


@pytest.mark.skipif(ffmpeg() is None, reason="needs the ffmpeg binary of the dev extra")
def test_real_full_disk(tiny_disk, tmp_path):
    source = tmp_path / "in"
    source.mkdir()
    noise = ["-f", "lavfi", "-i", "testsrc2=s=320x240:d=3", "-vf", "noise=alls=80:allf=t"]
    subprocess.run([str(ffmpeg()), "-v", "error", *noise, str(source / "clip.mp4")], check=True)
    Image.open(EXAMPLES / "newton.png").resize((192, 108)).save(source / "small.png")
    code, out = run_cli(str(source), "-o", str(tiny_disk), "--profile", "fast")
    assert code == 1
    errors = {line for line in out.splitlines() if line.startswith("error:")}
    assert len(errors) == 1 and "clip.mp4" in errors.pop(), out
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["small.png"], "the video left nothing behind"
