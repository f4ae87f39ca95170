"""Escrow's cost: sidecar bytes and seconds per sealed face, photo and video, and reveal time.

    python benchmarks/escrow.py      # writes benchmarks/results/escrow.md and .json

Photo: the Solvay group (29 people). Video: the 1080p pedestrian clip from
../shared/data (105 frames). Each is anonymised in one process with and
without ``--escrow`` (default settings), alternating, three times each; the
medians are compared. A "region" is one face in one frame (a photo face, or
one frame of a video track): what the sidecar stores as one lossless PNG.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from common import DATA, EXAMPLES, RESULTS, machine_line, markdown_table, require_data
from veil.anonymizer import Anonymizer
from veil.escrow.keys import load_identities, write_keys
from veil.escrow.reveal import reveal
from veil.escrow.sidecar import read_manifest, sidecar_path
from veil.settings import Settings

REPEATS = 3


def measure(
    name: str, source: Path, output_suffix: str, revealed_suffix: str, work: Path
) -> dict[str, object]:
    key, public = write_keys(work / "keys", force=True)
    plain = Anonymizer(Settings())
    sealed = Anonymizer(Settings(escrow=(str(public),)))
    times: dict[str, list[float]] = {"plain": [], "escrow": []}
    output = work / f"{name}{output_suffix}"
    for _ in range(REPEATS):
        for label, anonymizer in (("plain", plain), ("escrow", sealed)):
            started = time.perf_counter()
            anonymizer.process_file(source, output)
            times[label].append(time.perf_counter() - started)
    identities = load_identities(key)
    manifest = read_manifest(sidecar_path(output), identities)
    regions = len(manifest["regions"])
    started = time.perf_counter()
    reveal(output, identities, work / f"{name}-revealed{revealed_suffix}", audit_log=work / "audit.log")
    reveal_seconds = time.perf_counter() - started
    plain_s, escrow_s = statistics.median(times["plain"]), statistics.median(times["escrow"])
    size = sidecar_path(output).stat().st_size
    return {
        "input": name,
        "faces": len(manifest["faces"]),
        "regions": regions,
        "sidecar_mb": round(size / 1e6, 2),
        "region_kb": round(size / max(1, regions) / 1e3, 1),
        "output_mb": round(output.stat().st_size / 1e6, 2),
        "plain_s": round(plain_s, 2),
        "escrow_s": round(escrow_s, 2),
        "seal_ms_per_region": round((escrow_s - plain_s) / max(1, regions) * 1000, 2),
        "reveal_s": round(reveal_seconds, 2),
        "reveal_ms_per_region": round(reveal_seconds / max(1, regions) * 1000, 2),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        rows = [
            measure("Solvay photo (jpg)", EXAMPLES / "solvay_conference_1927.jpg", ".jpg", ".png", work),
            measure(
                "1080p clip (105 frames)",
                require_data(DATA / "video/facenet_pytorch_video.mp4"),
                ".mp4",
                ".mkv",
                work,
            ),
        ]
    headers = [
        "input", "faces (ids)", "regions sealed", "sidecar (MB)", "per region (kB)", "output (MB)",
        "without escrow (s)", "with escrow (s)", "seal per region (ms)", "reveal all (s)",
        "reveal per region (ms)",
    ]  # fmt: skip
    keys = ["input", "faces", "regions", "sidecar_mb", "region_kb", "output_mb", "plain_s", "escrow_s"]
    keys += ["seal_ms_per_region", "reveal_s", "reveal_ms_per_region"]
    table = markdown_table(headers, [[str(row[key]) for key in keys] for row in rows])
    text = "\n".join(
        [
            "# Escrow: sidecar size and time per sealed face",
            "",
            f"`python benchmarks/escrow.py` ({machine_line()}). Default settings; medians of {REPEATS} "
            "alternating runs with and without `--escrow` in one process. A region is one face in one "
            "frame, stored as one lossless PNG inside the age-encrypted sidecar. Reveal writes PNG "
            "(photo) or FFV1 (video) and includes checking the whole sidecar and the output's SHA-256.",
            "",
            table,
            "",
        ]
    )
    print(text)
    (RESULTS / "escrow.md").write_text(text)
    (RESULTS / "escrow.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
