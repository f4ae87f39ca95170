"""Run a batch on a local pool of worker processes, each loading the models once.

The driver lists the items, stages remote inputs, hashes each input to decide
whether it is already done, hands the rest to the workers, uploads remote
outputs and records every result in the ledger as it comes. One failing item
is recorded with its reason and the batch goes on; a worker that dies (killed,
out of memory) takes only its item with it: the pool is restarted and the
item tried once more. A long video is cut into chunks that every worker shares
(`veil.batch.chunked`), after the other items.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veil.batch import DEFAULT_CHUNK_SECONDS, chunked, storage
from veil.batch.items import Item, list_items
from veil.batch.ledger import Ledger
from veil.errors import VeilError
from veil.escrow.sidecar import SUFFIX as ESCROW_SUFFIX
from veil.files import file_sha256
from veil.media.kinds import is_video
from veil.media.video_writer import OUTPUT_CONTAINERS
from veil.settings import Settings
from veil.threads import THREADS_ENV

_anonymizer: Any = None  # one per worker process


def load_worker(settings: Settings, threads: int) -> None:
    """A worker's start: its share of the cores, then the models (once)."""
    global _anonymizer
    parent = os.getppid()
    threading.Thread(target=_exit_with, args=(parent,), name="veil-orphan", daemon=True).start()
    os.environ[THREADS_ENV] = str(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)  # YuNet's OpenMP, read when yuface loads
    from veil.anonymizer import Anonymizer

    _anonymizer = Anonymizer(settings)


def _exit_with(parent: int) -> None:
    """Stop when the driver is gone (SIGKILL), rather than finish an item nobody will record."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def work_item(source: str, output: str) -> dict[str, Any]:
    """Anonymise one staged input into ``output`` (a worker's task): faces, warnings and seconds."""
    started = time.perf_counter()
    try:
        record = _anonymizer.process_file(source, output, keep_frames=False)
    except VeilError as exc:
        return {"error": exc.reason}
    except Exception as exc:  # recorded, never fatal to the batch
        return {"error": f"unexpected error: {type(exc).__name__}: {exc}"}
    seconds = time.perf_counter() - started
    written = str(record.output)  # NAME_partial.EXT for a truncated video with --allow-partial
    return {"faces": record.face_count, "warnings": record.warnings, "seconds": seconds, "output": written}


def _phase(name: str, *args: Any) -> tuple[str, Any]:
    """One phase of a chunked video (`veil.batch.chunked`) on this worker's models:
    ``("ok", result)``, ``("mismatch", reason)`` or ``("error", reason)`` (exceptions
    of veil's own do not cross process boundaries whole)."""
    try:
        return "ok", getattr(chunked, name)(_anonymizer, *args)
    except chunked.ChunkMismatch as exc:
        return "mismatch", exc.reason
    except VeilError as exc:
        return "error", exc.reason
    except Exception as exc:
        return "error", f"unexpected error: {type(exc).__name__}: {exc}"


Submit = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], list[Any]]


class _Mismatch(Exception):
    """A chunked video whose frames are not what its packets said: done in one pass instead."""


def _unwrap(outcome: tuple[str, Any], source: str) -> Any:
    kind, value = outcome
    if kind == "mismatch":
        raise _Mismatch(value)
    if kind == "error":
        raise VeilError(source, value)
    return value


@dataclass
class BatchSummary:
    done: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    faces: int = 0

    def line(self) -> str:
        failed = f", {len(self.failed)} failed" if self.failed else ""
        return (
            f"veil batch: {self.done} done, {self.skipped} skipped (already done){failed}, "
            f"{self.faces} faces, {self.seconds:.1f} s"
        )


@dataclass
class Task:
    """One item as the driver hands it to a worker: staged, hashed, and where its output goes."""

    item: Item
    input_hash: str
    staged: Path
    output: str  # the final location
    local_output: Path  # where the worker writes
    plan: chunked.ChunkPlan | None = None  # a long video, cut into chunks


class PoolRunner:
    """Anonymise every item of SRC into DEST with ``workers`` processes.

    Examples:
        >>> from veil.settings import Settings
        >>> runner = PoolRunner("examples/", "out/", Settings(profile="fast"), workers=2, version="doc")
        >>> summary = runner.run()
        >>> summary.done, summary.faces
        (3, 31)
        >>> PoolRunner("examples/", "out/", Settings(profile="fast"), workers=2, version="doc").run().skipped
        3
    """

    def __init__(
        self,
        src: str,
        dest: str,
        settings: Settings,
        workers: int,
        version: str,
        chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    ) -> None:
        self.src, self.dest = src, dest
        self.settings = settings
        self.workers = max(1, workers)
        self.chunk_seconds = chunk_seconds
        self.ledger = Ledger(dest, settings.flat(), version)
        self.items = list_items(src)

    def run(self, on_item: Callable[[], None] | None = None) -> BatchSummary:
        """Every item done, skipped (already done) or failed with its reason; the ledger saved.

        ``on_item()`` is called as each item ends (for a progress bar).
        """
        started = time.perf_counter()
        summary = BatchSummary()
        with tempfile.TemporaryDirectory(prefix="veil-batch-") as staging:
            tasks = []
            for item in self.items:
                task = self._prepare(item, Path(staging), summary)
                if task is not None:
                    tasks.append(task)
                elif on_item is not None:
                    on_item()
            whole = [task for task in tasks if task.plan is None]
            self._run_tasks(whole, summary, on_item)
            for task in tasks:
                if task.plan is not None:
                    self._run_chunked(task, Path(staging), summary)
                    if on_item is not None:
                        on_item()
        self.ledger.save()
        summary.seconds = time.perf_counter() - started
        return summary

    def _prepare(self, item: Item, staging: Path, summary: BatchSummary) -> Task | None:
        """Stage and hash one input; None when it is already done or cannot be read."""
        output = storage.join(self.dest, item.relative)
        try:
            staged = storage.stage(item.source, staging)
            if not staged.is_file():
                raise VeilError(item.source, "no such file")
            input_hash = file_sha256(staged)
        except (VeilError, OSError) as exc:
            self._failed(item, getattr(exc, "reason", None) or str(exc), summary)
            return None
        if self.ledger.is_done(item.relative, input_hash, output):
            summary.skipped += 1
            self.ledger.data["items"][item.relative]["status"] = "skipped"
            return None
        local = storage.local_path(output) if not storage.is_url(output) else staging / "out" / item.relative
        return Task(item, input_hash, staged, output, local, self._plan(staged, local))

    def _plan(self, staged: Path, output: Path) -> chunked.ChunkPlan | None:
        """How a long video is cut for the workers; None for everything done whole."""
        if self.workers < 2 or self.chunk_seconds <= 0 or not is_video(staged):
            return None
        if self.settings.output.escrow:
            return None  # sealing follows the frames as they are hidden: one pass
        spec = OUTPUT_CONTAINERS.get(output.suffix.lower())
        if (self.settings.encoder.codec or (spec and spec.video_codec)) not in chunked.JOINABLE_CODECS:
            return None
        return chunked.plan_chunks(staged, self.chunk_seconds)

    def _run_chunked(self, task: Task, staging: Path, summary: BatchSummary) -> None:
        """One long video on every worker (`veil.batch.chunked`); done whole if its frames
        turn out not to be what its packets said."""
        assert task.plan is not None
        started = time.perf_counter()
        source, output = str(task.staged), task.local_output
        output.parent.mkdir(parents=True, exist_ok=True)
        result: dict[str, Any]
        with tempfile.TemporaryDirectory(dir=staging) as parts, self._workers() as submit:

            def run(name: str, calls: Sequence[tuple[Any, ...]]) -> list[Any]:
                return [_unwrap(outcome, source) for outcome in submit(_phase, [(name, *c) for c in calls])]

            try:
                audio = self.settings.encoder.audio
                tracked = chunked.run_chunked(run, source, task.plan, output, Path(parts), audio)
                chunks = len(task.plan.chunks)
                result = {"faces": tracked.faces, "warnings": tracked.warnings, "chunks": chunks}
                result["output"] = str(tracked.written)
                result["phases"] = tracked.seconds
            except _Mismatch:
                result = submit(work_item, [(source, str(output))])[0]
            except VeilError as exc:
                result = {"error": exc.reason}
            except BrokenProcessPool:
                result = {"error": "its worker died (killed, or out of memory)"}
        result.setdefault("seconds", time.perf_counter() - started)
        self._finish(task, result, summary)

    @contextlib.contextmanager
    def _workers(self) -> Iterator[Submit]:
        """``submit(fn, calls)``: ``fn(*call)`` for each call, on the workers (models loaded), in order."""
        context = multiprocessing.get_context("spawn")
        threads = max(1, (os.cpu_count() or 1) // self.workers)
        with ProcessPoolExecutor(self.workers, context, load_worker, (self.settings, threads)) as pool:

            def submit(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
                return [future.result() for future in [pool.submit(fn, *call) for call in calls]]

            yield submit

    def _failed(self, item: Item, reason: str, summary: BatchSummary) -> None:
        summary.failed.append((item.source, reason))
        self.ledger.record(item.relative, source=item.source, status="failed", error=reason)

    def _run_tasks(
        self, tasks: list[Task], summary: BatchSummary, on_item: Callable[[], None] | None
    ) -> None:
        """Run on the pool; when a worker dies, every item in flight is tried again, then those
        still dying one at a time, so that only an item that kills its worker fails."""
        broken = self._one_pool(tasks, summary, on_item, self.workers)
        if broken:
            broken = self._one_pool(broken, summary, on_item, self.workers)
        for task in broken:
            if self._one_pool([task], summary, on_item, 1):
                self._failed(task.item, "its worker died (killed, or out of memory)", summary)
                if on_item is not None:
                    on_item()

    def _one_pool(
        self, tasks: list[Task], summary: BatchSummary, on_item: Callable[[], None] | None, workers: int
    ) -> list[Task]:
        """Run ``tasks`` on a fresh pool; returns those whose worker died."""
        context = multiprocessing.get_context("spawn")  # no fork of a driver with threads
        threads = max(1, (os.cpu_count() or 1) // workers)
        with ProcessPoolExecutor(workers, context, load_worker, (self.settings, threads)) as pool:
            pending: dict[Future[dict[str, Any]], Task] = {}
            for task in tasks:
                task.local_output.parent.mkdir(parents=True, exist_ok=True)
                pending[pool.submit(work_item, str(task.staged), str(task.local_output))] = task
            broken: list[Task] = []
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken.append(task)
                        continue
                    self._finish(task, result, summary)
                    if on_item is not None:
                        on_item()
        return broken

    def _finish(self, task: Task, result: dict[str, Any], summary: BatchSummary) -> None:
        item = task.item
        if "error" in result:
            self._failed(item, result["error"], summary)
            return
        written = Path(result.get("output") or task.local_output)  # NAME_partial.EXT: --allow-partial
        output = task.output[: -len(task.local_output.name)] + written.name
        sidecar = written.with_name(written.name + ESCROW_SUFFIX)
        try:
            if sidecar.exists():  # --escrow: the sealed faces go first, so an output always has them
                storage.upload(sidecar, output + ESCROW_SUFFIX)
            storage.upload(written, output)
        except VeilError as exc:
            self._failed(item, exc.reason, summary)
            return
        summary.done += 1
        summary.faces += int(result["faces"])
        self.ledger.record(
            item.relative,
            source=item.source,
            status="done",
            input_sha256=task.input_hash,
            output=output,
            faces=result["faces"],
            seconds=round(result["seconds"], 3),
            warnings=result["warnings"],
            **{key: result[key] for key in ("chunks", "phases") if key in result},
        )
