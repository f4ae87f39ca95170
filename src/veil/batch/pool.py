"""Run a batch on a local pool of worker processes, each loading the models once.

The driver lists the items, stages remote inputs, hashes each input to decide
whether it is already done, hands the rest to the workers, uploads remote
outputs and records every result in the ledger as it comes. One failing item
is recorded with its reason and the batch goes on; a worker that dies (killed,
out of memory) takes only its item with it: the pool is restarted and the
item tried once more.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from veil.batch import storage
from veil.batch.items import Item, list_items
from veil.batch.ledger import Ledger, file_sha256
from veil.errors import VeilError
from veil.threads import THREADS_ENV

_anonymizer: Any = None  # one per worker process


def _load(settings: dict[str, Any], threads: int) -> None:
    """A worker's start: its share of the cores, then the models (once)."""
    global _anonymizer
    os.environ[THREADS_ENV] = str(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)  # YuNet's OpenMP, read when yuface loads
    from veil.anonymizer import Anonymizer
    from veil.settings import Settings

    _anonymizer = Anonymizer(Settings(**settings))


def _work(source: str, output: str) -> dict[str, Any]:
    """Anonymise one staged input into ``output`` (a worker's task): faces, warnings and seconds."""
    started = time.perf_counter()
    try:
        record = _anonymizer.process_file(source, output)
    except VeilError as exc:
        return {"error": exc.reason}
    except Exception as exc:  # recorded, never fatal to the batch
        return {"error": f"unexpected error: {type(exc).__name__}: {exc}"}
    return {"faces": record.face_count, "warnings": record.warnings, "seconds": time.perf_counter() - started}


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
class _Task:
    item: Item
    input_hash: str
    staged: Path
    output: str  # the final location
    local_output: Path  # where the worker writes
    attempts: int = 0


class PoolRunner:
    """Anonymise every item of SRC into DEST with ``workers`` processes.

    Examples:
        >>> summary = PoolRunner("photos/", "out/", settings, workers=2).run()   # doctest: +SKIP
        >>> summary.line()                                                         # doctest: +SKIP
        'veil batch: 120 done, 0 skipped (already done), 57 faces, 98.1 s'
    """

    def __init__(self, src: str, dest: str, settings: dict[str, Any], workers: int, version: str) -> None:
        self.src, self.dest = src, dest
        self.settings = settings
        self.workers = max(1, workers)
        self.ledger = Ledger(dest, settings, version)
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
            self._run_tasks(tasks, summary, on_item)
        self.ledger.save()
        summary.seconds = time.perf_counter() - started
        return summary

    def _prepare(self, item: Item, staging: Path, summary: BatchSummary) -> _Task | None:
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
        return _Task(item, input_hash, staged, output, local)

    def _failed(self, item: Item, reason: str, summary: BatchSummary) -> None:
        summary.failed.append((item.source, reason))
        self.ledger.record(item.relative, source=item.source, status="failed", error=reason)

    def _run_tasks(
        self, tasks: list[_Task], summary: BatchSummary, on_item: Callable[[], None] | None
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
        self, tasks: list[_Task], summary: BatchSummary, on_item: Callable[[], None] | None, workers: int
    ) -> list[_Task]:
        """Run ``tasks`` on a fresh pool; returns those whose worker died."""
        context = multiprocessing.get_context("spawn")  # no fork of a driver with threads
        threads = max(1, (os.cpu_count() or 1) // workers)
        with ProcessPoolExecutor(workers, context, _load, (self.settings, threads)) as pool:
            pending: dict[Future[dict[str, Any]], _Task] = {}
            for task in tasks:
                task.local_output.parent.mkdir(parents=True, exist_ok=True)
                pending[pool.submit(_work, str(task.staged), str(task.local_output))] = task
            broken: list[_Task] = []
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

    def _finish(self, task: _Task, result: dict[str, Any], summary: BatchSummary) -> None:
        item = task.item
        if "error" in result:
            self._failed(item, result["error"], summary)
            return
        try:
            storage.upload(task.local_output, task.output)
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
            output=task.output,
            faces=result["faces"],
            seconds=round(result["seconds"], 3),
            warnings=result["warnings"],
        )
