"""Run a batch on Ray: `--ray auto` starts a local Ray instance, `--ray ADDRESS` joins a cluster.

Items go through Ray Data (`map_batches` over a pool of actors, each holding
the models). The driver stages, hashes, records and uploads exactly as with
the local pool (`veil.batch.pool`); workers read the staged inputs and write
the outputs by path, so on a cluster of several machines SRC staging and DEST
must be on a filesystem every node sees (or DEST an fsspec URL, uploaded by
the driver). Ray Data restarts an actor that dies and retries its item.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from veil.batch.pool import BatchSummary, PoolRunner, _load, _Task, _work
from veil.errors import VeilError


class _RayWorker:
    """A Ray Data actor: loads the models once, then anonymises one staged item per row."""

    def __init__(self, settings: dict[str, Any], threads: int) -> None:
        _load(settings, threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = [
            json.dumps(_work(str(source), str(output)))
            for source, output in zip(batch["source"], batch["output"], strict=True)
        ]
        return {"index": batch["index"], "result": np.asarray(results, dtype=object)}


class RayRunner(PoolRunner):
    """`PoolRunner` with Ray Data in place of the local process pool."""

    def __init__(
        self, src: str, dest: str, settings: dict[str, Any], workers: int | None, version: str, address: str
    ) -> None:
        super().__init__(src, dest, settings, workers or 1, version)
        self.address = address
        self.requested_workers = workers

    def _run_tasks(
        self, tasks: list[_Task], summary: BatchSummary, on_item: Callable[[], None] | None
    ) -> None:
        if not tasks:
            return
        import ray
        import ray.data

        started_here = not ray.is_initialized()
        if started_here:
            try:
                ray.init(
                    address=None if self.address == "auto" else self.address,
                    include_dashboard=False,
                    log_to_driver=False,
                    logging_level=logging.ERROR,
                )
            except (ConnectionError, RuntimeError, ValueError) as exc:
                reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
                raise VeilError(self.address, f"cannot start or join Ray ({reason})") from None
        try:
            for name in ("ray", "ray.data", "ray.data._internal"):  # veil's own progress bar is enough
                logging.getLogger(name).setLevel(logging.ERROR)
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False
            context.print_on_execution_start = False
            cpus = int(ray.cluster_resources().get("CPU", 1))
            workers = self.requested_workers or cpus
            threads = max(1, cpus // workers)
            rows = [
                {"index": i, "source": str(t.staged), "output": str(t.local_output)}
                for i, t in enumerate(tasks)
            ]
            for task in tasks:
                task.local_output.parent.mkdir(parents=True, exist_ok=True)
            dataset = ray.data.from_items(rows).map_batches(
                _RayWorker,
                fn_constructor_args=(self.settings, threads),
                compute=ray.data.ActorPoolStrategy(size=workers),
                batch_size=1,
                num_cpus=min(threads, cpus),
            )
            for row in dataset.iter_rows():
                self._finish(tasks[int(row["index"])], json.loads(row["result"]), summary)
                if on_item is not None:
                    on_item()
        finally:
            if started_here:
                ray.shutdown()
