"""`veil batch`: the same outputs as plain veil, resumable after SIGKILL, a dead worker costs nothing."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import EXAMPLES, ROOT, make_clip, run_cli

pytest.importorskip("fsspec", reason="veil batch needs fsspec (a core dependency)")


def batch_folder(folder: Path, videos: int = 2, frames: int = 20) -> Path:
    (folder / "sub").mkdir(parents=True)
    shutil.copy(EXAMPLES / "newton.png", folder / "newton.png")
    shutil.copy(EXAMPLES / "gauss.png", folder / "sub" / "gauss.png")
    for i in range(videos):
        make_clip(folder / "sub" / f"clip{i}.mov", frames=frames)
    return folder


def frames_of(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


def ledger(dest: Path) -> dict:
    return json.loads((dest / "veil-batch.json").read_text())["items"]


def veil_batch(*args: str) -> list[str]:
    return [sys.executable, "-m", "veil.cli", "batch", *args, "--profile", "fast", "-q"]


def test_batch_outputs_equal_plain_veil(tmp_path):
    source = batch_folder(tmp_path / "in", videos=1)
    code, out = run_cli(
        "batch", str(source), "--dest", str(tmp_path / "batch"), "--workers", "2", "--profile", "fast"
    )
    assert code == 0, out
    report = tmp_path / "plain.json"
    code, out = run_cli(
        str(source), "-o", str(tmp_path / "plain"), "--profile", "fast", "-q", "--report", str(report)
    )
    assert code == 0, out
    for name in ("newton.png", "sub/gauss.png"):
        assert (tmp_path / "batch" / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
    # A worker encodes with its share of the cores, and x264's bits depend on its thread count:
    # the same frames at the same times, the same faces covered, pixels equal but for encoder noise.
    batch, plain = frames_of(tmp_path / "batch/sub/clip0.mp4"), frames_of(tmp_path / "plain/sub/clip0.mp4")
    original = frames_of(source / "sub/clip0.mov")
    assert [t for t, _ in batch] == [t for t, _ in plain] and len(batch) == 20
    frames = next(f for f in json.loads(report.read_text())["files"] if f["path"].endswith("clip0.mov"))[
        "frames"
    ]
    for index, ((_, a), (_, b), (_, o)) in enumerate(zip(batch, plain, original, strict=True)):
        assert np.abs(a.astype(int) - b).mean() < 1.5
        for face in frames[index]["faces"]:
            x1, y1, x2, y2 = (int(v) for v in face["action"]["region"])
            region = (slice(y1, y2), slice(x1, x2))
            assert np.abs(a[region].astype(int) - b[region]).mean() < 3, "covered alike"
            assert np.abs(o[region].astype(int) - b[region]).mean() > 15, "and covered at all"
    items = ledger(tmp_path / "batch")
    assert {item["status"] for item in items.values()} == {"done"} and len(items) == 3
    assert all(item["input_sha256"] and item["settings_sha256"] for item in items.values())


def test_rerun_skips_what_is_done_and_redoes_what_changed(tmp_path):
    source, dest = batch_folder(tmp_path / "in", videos=0), tmp_path / "out"
    assert run_cli("batch", str(source), "--dest", str(dest), "--profile", "fast")[0] == 0
    first = ledger(dest)
    shutil.copy(EXAMPLES / "gauss.png", source / "newton.png")  # an input changed
    code, out = run_cli("batch", str(source), "--dest", str(dest), "--profile", "fast")
    assert code == 0 and "1 done, 1 skipped" in out
    assert ledger(dest)["newton.png"]["input_sha256"] != first["newton.png"]["input_sha256"]
    code, out = run_cli("batch", str(source), "--dest", str(dest), "--profile", "fast", "--filter", "blur")
    assert code == 0 and "2 done, 0 skipped" in out, "other settings redo everything"


def test_sigkill_of_the_driver_then_the_same_command_finishes_the_job(tmp_path):
    source, dest = batch_folder(tmp_path / "in", videos=4, frames=60), tmp_path / "out"
    command = veil_batch(str(source), "--dest", str(dest), "--workers", "1")
    child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if (dest / "veil-batch.json").exists() and len(ledger(dest)) >= 2:
            break
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    done_before = set(ledger(dest))
    assert 2 <= len(done_before) < 6, "killed part way"
    time.sleep(3)  # the orphaned worker finishes or notices its driver is gone
    rerun = subprocess.run(
        veil_batch(str(source), "--dest", str(dest)), cwd=ROOT, capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr
    items = ledger(dest)
    assert len(items) == 6 and {i["status"] for i in items.values()} <= {"done", "skipped"}
    assert {k for k, v in items.items() if v["status"] == "skipped"} >= done_before, "done once only"
    outputs = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert outputs == sorted([*items, "veil-batch.json"]), "no temporary file, nothing twice"
    for name in items:
        if name.endswith(".mp4"):
            assert len(frames_of(dest / name)) == 60


def workers_of(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def test_a_killed_worker_costs_only_a_retry(tmp_path):
    source, dest = batch_folder(tmp_path / "in", videos=3, frames=60), tmp_path / "out"
    child = subprocess.Popen(veil_batch(str(source), "--dest", str(dest), "--workers", "2"), cwd=ROOT)
    deadline = time.monotonic() + 120
    killed = False
    while time.monotonic() < deadline and child.poll() is None and not killed:
        # a worker that has loaded its models and is on an item: kill it
        if (dest / "veil-batch.json").exists() or any(p.suffix == ".mp4" for p in dest.rglob("*.part*")):
            victims = [p for p in workers_of(child.pid) if "spawn" in Path(f"/proc/{p}/cmdline").read_text()]
            if victims:
                subprocess.run(["kill", "-9", str(victims[0])], check=False)
                killed = True
        time.sleep(0.05)
    assert child.wait(180) == 0
    assert killed, "no worker was caught at work"
    items = ledger(dest)
    assert len(items) == 5 and {i["status"] for i in items.values()} == {"done"}


def test_manifest_with_a_missing_and_a_corrupt_file(tmp_path):
    source = batch_folder(tmp_path / "in", videos=0)
    (source / "corrupt.jpg").write_bytes(b"\xff\xd8 not really")
    manifest = tmp_path / "list.csv"
    paths = [source / "newton.png", source / "gone.jpg", source / "corrupt.jpg", source / "sub" / "gauss.png"]
    manifest.write_text("path,label\n" + "".join(f"{p},x\n" for p in paths))
    code, _ = run_cli("batch", str(manifest), "--dest", str(tmp_path / "out"), "--profile", "fast")
    assert code == 1
    items = ledger(tmp_path / "out")
    assert items["gone.jpg"]["status"] == "failed" and "no such file" in items["gone.jpg"]["error"]
    assert (
        items["corrupt.jpg"]["status"] == "failed"
        and "not a supported image" in items["corrupt.jpg"]["error"]
    )
    assert items["newton.png"]["status"] == items["sub/gauss.png"]["status"] == "done"
    assert (tmp_path / "out" / "sub" / "gauss.png").is_file()


def test_memory_urls_in_and_out(tmp_path):
    import fsspec

    memory = fsspec.filesystem("memory")
    memory.pipe("/src/a/newton.png", (EXAMPLES / "newton.png").read_bytes())
    memory.pipe("/src/b/gauss.png", (EXAMPLES / "gauss.png").read_bytes())
    manifest = tmp_path / "list.jsonl"
    manifest.write_text('{"path": "memory://src/a/newton.png"}\n{"path": "memory://src/b/gauss.png"}\n')
    code, out = run_cli("batch", str(manifest), "--dest", "memory://dest", "--profile", "fast")
    assert code == 0, out
    assert memory.exists("/dest/a/newton.png") and memory.exists("/dest/b/gauss.png")
    items = json.loads(memory.cat("/dest/veil-batch.json"))["items"]
    assert {item["status"] for item in items.values()} == {"done"}
    assert not [p for p in memory.find("/dest") if ".part" in p], "uploads are renamed into place"


def test_ray_outputs_equal_the_pool_and_reruns_skip(tmp_path):
    pytest.importorskip("ray.data", reason="--ray needs the ray extra: pip install 'veil[ray]'")
    source = batch_folder(tmp_path / "in", videos=1)
    make_clip(source / "long.mov", frames=60, keyint=12)  # cut into 5 chunks on Ray, whole in the pool
    ray_args = ["batch", str(source), "--dest", str(tmp_path / "ray"), "--ray", "auto", "--profile", "fast"]
    code, out = run_cli(*ray_args, "--chunk-seconds", "1")
    assert code == 0, out
    code, out = run_cli(
        "batch", str(source), "--dest", str(tmp_path / "pool"), "--profile", "fast", "--chunk-seconds", "0"
    )
    assert code == 0, out
    for name in ("newton.png", "sub/gauss.png"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes()
    for name, count in (("sub/clip0.mp4", 20), ("long.mp4", 60)):
        ray_frames, pool_frames = frames_of(tmp_path / "ray" / name), frames_of(tmp_path / "pool" / name)
        assert [t for t, _ in ray_frames] == [t for t, _ in pool_frames] and len(ray_frames) == count
        assert all(
            np.abs(a.astype(int) - b).mean() < 2.5
            for (_, a), (_, b) in zip(ray_frames, pool_frames, strict=True)
        )
    items = ledger(tmp_path / "ray")
    assert {i["status"] for i in items.values()} == {"done"} and items["long.mp4"]["chunks"] == 5
    assert "chunks" not in ledger(tmp_path / "pool")["long.mp4"]
    code, out = run_cli(*ray_args, "--chunk-seconds", "1")
    assert code == 0 and "0 done, 4 skipped" in out
