"""Mutation fuzzing: valid photos and videos with bytes flipped, cut, repeated and inserted.

    python benchmarks/fuzz.py --count 500 --seed 1   # writes benchmarks/results/fuzz.md and .json

Seeds are the readable files of the hostile corpus (every photo format and
video container veil reads, made on the spot). Each mutant gets one to three
edits at seeded random places: flip bits in a few bytes, delete a run, repeat
a run, insert random bytes. Mutants go through ``veil FOLDER -o OUT`` in
batches, as a user runs it, and each must end one of three ways:

* **written**: an output exists and decodes (every page or frame counted);
* **refused**: exactly one ``error: PATH: reason`` line names it and no output
  of its name is left;
* **skipped**: a folder scan names it in a ``skipped:`` line (a mutant whose
  first bytes no longer say what it is, under a name that does not either).

Beyond that, over the whole run: no traceback, nothing on stderr but veil's
own lines, no temporary file left, no input modified, exit status 0 or 1, and no batch past its
time limit (a batch that runs over is rerun a file at a time to find the
one that hangs). `tests/hostile/test_fuzz.py` runs a few dozen mutants in CI.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the benchmarks package

from benchmarks.hostile_corpus import CASES, MAX_MEMORY, MAX_PIXELS, Case

VEIL = [sys.executable, "-m", "veil.cli"]
OWN_LINE = re.compile(r"^(device: |skipped: |error: |warning: |veil: )")
SECONDS_PER_FILE = 20
"""A batch's time limit is this much per mutant (the seeds are tiny: a mutant takes well under 1 s)."""
EDITS = ("flip", "delete", "duplicate", "insert")


def seed_cases() -> list[Case]:
    """The corpus files veil writes (``written`` and ``warning``): one of each format it reads."""
    return [case for case in CASES if case.outcome in ("written", "warning")]


def mutate(data: bytes, rng: np.random.Generator) -> tuple[bytes, list[str]]:
    """``data`` with one to three seeded edits, and what they were."""
    out = bytearray(data)
    done = []
    for _ in range(int(rng.integers(1, 4))):
        edit = EDITS[int(rng.integers(len(EDITS)))]
        at = int(rng.integers(max(1, len(out))))
        length = int(rng.integers(1, max(2, min(512, len(out) // 8 + 2))))
        if edit == "flip":
            for position in rng.integers(0, max(1, len(out)), size=min(length, 8)):
                out[int(position)] ^= int(rng.integers(1, 256))
        elif edit == "delete":
            del out[at : at + length]
        elif edit == "duplicate":
            out[at:at] = out[at : at + length]
        else:
            out[at:at] = rng.bytes(length)
        done.append(f"{edit}@{at}+{length}")
    return bytes(out), done


@dataclass
class Mutant:
    name: str
    seed: str
    edits: list[str]
    outcome: str = ""
    problem: str = ""


@dataclass
class FuzzRun:
    seed: int
    mutants: list[Mutant] = field(default_factory=list)
    foreign_lines: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    exit_codes: set[int] = field(default_factory=set)
    leftovers: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        found = [f"{m.name} ({m.seed}, {' '.join(m.edits)}): {m.problem}" for m in self.mutants if m.problem]
        found += [f"stderr: {line}" for line in self.foreign_lines]
        found += [f"hang: {name}" for name in self.hangs]
        found += [f"exit status {code}" for code in self.exit_codes - {0, 1}]
        found += [f"left behind: {name}" for name in self.leftovers]
        found += [f"input modified: {name}" for name in self.modified]
        return found


def make_mutants(folder: Path, count: int, seed: int) -> list[Mutant]:
    """``count`` mutants of the seed files in ``folder``, the same for the same ``seed``."""
    rng = np.random.default_rng(seed)
    seeds_folder = folder.parent / (folder.name + "-seeds")
    seeds_folder.mkdir(parents=True, exist_ok=True)
    seeds = seed_cases()
    originals = {}
    for case in seeds:
        case.build(seeds_folder / case.name)
        originals[case.name] = (seeds_folder / case.name).read_bytes()
    folder.mkdir(parents=True, exist_ok=True)
    mutants = []
    for i in range(count):
        case = seeds[int(rng.integers(len(seeds)))]
        data, edits = mutate(originals[case.name], rng)
        suffix = Path(case.name).suffix
        name = f"m{i:04d}_{Path(case.name).stem}{suffix}"
        (folder / name).write_bytes(data)
        mutants.append(Mutant(name, case.name, edits))
    return mutants


def run_veil(folder: Path, output: Path, timeout: float) -> subprocess.CompletedProcess[str] | None:
    """``veil FOLDER -o OUTPUT`` as the hostile test runs it; None past ``timeout`` seconds."""
    command = [*VEIL, str(folder), "-o", str(output), "--profile", "fast",
               "--max-pixels", str(MAX_PIXELS), "--max-memory", MAX_MEMORY]  # fmt: skip
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None


def decodes(path: Path) -> bool:
    """Whether a written output reads back: every frame of a video, every page of an image."""
    import av
    from PIL import Image

    try:
        if path.suffix == ".mp4":
            with av.open(str(path)) as container:
                return sum(1 for _ in container.decode(video=0)) > 0
        with Image.open(path) as image:
            for index in range(int(getattr(image, "n_frames", 1))):
                image.seek(index)
                image.load()
        return True
    except Exception:
        return False


def judge(mutants: list[Mutant], folder: Path, output: Path, stderr: str, run: FuzzRun) -> None:
    """Each mutant's outcome from the lines about it and what was written."""
    lines = stderr.splitlines()
    run.foreign_lines += [line for line in lines if line.strip() and not OWN_LINE.match(line)]
    written = {p.stem: p for p in output.rglob("*") if p.is_file()} if output.exists() else {}
    run.leftovers += [p.name for p in output.rglob(".*")] if output.exists() else []
    for mutant in mutants:
        path = str(folder / mutant.name)
        about = [line for line in lines if f" {path}: " in line or f" {path} (" in line]
        errors = [line for line in about if line.startswith("error: ")]
        skips = [line for line in about if line.startswith("skipped: ")]
        stem = Path(mutant.name).stem
        if errors:
            mutant.outcome = "refused"
            if len(errors) > 1:
                mutant.problem = f"{len(errors)} error lines"
            elif stem in written:
                mutant.problem = f"refused but {written[stem].name} was written"
        elif skips:
            mutant.outcome = "skipped"
            if stem in written:
                mutant.problem = "skipped but written"
        elif stem in written:
            mutant.outcome = "written"
            if not decodes(written[stem]):
                mutant.problem = f"{written[stem].name} does not decode"
        else:
            mutant.outcome = "lost"
            mutant.problem = "neither written nor named in an error line"


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def fuzz(work: Path, count: int, seed: int, batch: int = 100) -> FuzzRun:
    """Make ``count`` mutants and run veil over them in folders of ``batch``."""
    run = FuzzRun(seed)
    started = time.perf_counter()
    mutants = make_mutants(work / "all", count, seed)
    run.mutants = mutants
    for start in range(0, len(mutants), batch):
        group = mutants[start : start + batch]
        folder, output = work / f"batch{start:05d}", work / f"out{start:05d}"
        folder.mkdir()
        for mutant in group:
            (work / "all" / mutant.name).rename(folder / mutant.name)
        before = {mutant.name: (folder / mutant.name).read_bytes() for mutant in group}
        result = run_veil(folder, output, SECONDS_PER_FILE * len(group))
        run.modified += [name for name, data in before.items() if _read(folder / name) != data]
        if result is None:  # find the file that hangs, one at a time
            for mutant in group:
                alone = work / f"alone-{mutant.name}"
                alone.mkdir()
                (folder / mutant.name).rename(alone / mutant.name)
                single = run_veil(alone, output, SECONDS_PER_FILE * 3)
                if single is None:
                    run.hangs.append(mutant.name)
                    mutant.outcome, mutant.problem = "hang", f"over {SECONDS_PER_FILE * 3} s"
                    continue
                run.exit_codes.add(single.returncode)
                judge([mutant], alone, output, single.stderr, run)
            continue
        run.exit_codes.add(result.returncode)
        judge(group, folder, output, result.stderr, run)
    run.seconds = time.perf_counter() - started
    return run


def main() -> None:
    from common import RESULTS, machine_line, markdown_table, write_results

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default=str(RESULTS / "fuzz.md"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run = fuzz(Path(folder), args.count, args.seed)
    by_seed: dict[str, dict[str, int]] = {}
    for mutant in run.mutants:
        row = by_seed.setdefault(mutant.seed, {"written": 0, "refused": 0, "skipped": 0, "other": 0})
        row[mutant.outcome if mutant.outcome in row else "other"] += 1
    totals = {kind: sum(row[kind] for row in by_seed.values()) for kind in ("written", "refused", "skipped")}
    problems = run.problems
    verdict = "clean: no problem found" if not problems else f"{len(problems)} problems found"
    table = [
        [
            f"`{name}`",
            str(sum(row.values())),
            *(str(row[kind]) for kind in ("written", "refused", "skipped", "other")),
        ]
        for name, row in sorted(by_seed.items())
    ]
    lines = [
        "# Mutation fuzzing: veil over damaged copies of every format it reads",
        "",
        f"`python benchmarks/fuzz.py --count {args.count} --seed {args.seed}` ({machine_line()}). "
        f"{len(run.mutants)} mutants of {len(by_seed)} seed files (the readable cases of the hostile "
        "corpus), one to three edits each (bits flipped, a run deleted, repeated or inserted), run "
        f"through `veil FOLDER -o OUT --profile fast` in folders of 100; {run.seconds:.0f} s in all.",
        "",
        f"**Result: {verdict}.** Mutants written (and decoding): {totals['written']}; refused with one "
        f"`error:` line and nothing left: {totals['refused']}; skipped by the folder scan: "
        f"{totals['skipped']}. Tracebacks or foreign stderr lines: {len(run.foreign_lines)}; hangs: "
        f"{len(run.hangs)}; exit statuses: {sorted(run.exit_codes)}; temporaries left: {len(run.leftovers)}; "
        f"inputs modified: {len(run.modified)}.",
        "",
        markdown_table(["seed file", "mutants", "written", "refused", "skipped", "other"], table),
        "",
    ]
    if problems:
        lines += ["### Problems", "", *[f"- {problem}" for problem in problems], ""]
    results = {
        "seed": args.seed,
        "count": len(run.mutants),
        "clean": not problems,
        "totals": totals,
        "problems": problems,
        "exit_codes": sorted(run.exit_codes),
        "seconds": round(run.seconds, 1),
        "by_seed_file": by_seed,  # the mutants themselves come back from --seed and --count
    }
    write_results("\n".join(lines), results, args.out)


if __name__ == "__main__":
    main()
