"""Atomic outputs: nothing half-written under a final name, permissions from the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, run_cli
from veil.errors import MediaError
from veil.files import atomic_output, write_atomic


def hidden_temporaries(folder: Path) -> list[Path]:
    return [path for path in folder.rglob(".*") if ".part" in path.name]


def test_a_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "out.json"
    with pytest.raises(RuntimeError), atomic_output(target) as temp:
        temp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert not target.exists() and not hidden_temporaries(tmp_path)
    write_atomic(target, "whole")
    assert target.read_text() == "whole" and not hidden_temporaries(tmp_path)


def test_an_unwritable_output_is_a_media_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(MediaError) as caught:
        write_atomic(blocker / "out.json", "{}")
    assert caught.value.path == blocker / "out.json" and "cannot write" in caught.value.reason


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_every_output_follows_the_umask(tmp_path, clip, umask):
    previous = os.umask(umask)
    try:
        out = tmp_path / "out"
        report = ("--report", str(tmp_path / "r.json"))
        code, output = run_cli(str(EXAMPLES / "newton.png"), str(clip), "-o", str(out), *report, "-q")
        assert code == 0, output
        code, output = run_cli("detect", str(EXAMPLES / "newton.png"), "--json", str(tmp_path / "d.json"))
        assert code == 0, output
    finally:
        os.umask(previous)
    written = [out / "newton.png", out / "clip.mp4", tmp_path / "r.json", tmp_path / "d.json"]
    modes = {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in written}
    assert set(modes.values()) == {oct(0o666 & ~umask)}, modes
