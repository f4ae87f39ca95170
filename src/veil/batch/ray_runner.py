"""Run a batch on Ray: `--ray auto` starts a local Ray instance, `--ray ADDRESS` joins a cluster.

Items go through Ray Data (`map_batches` over a pool of actors, each holding
the models). The driver stages, hashes, records and uploads exactly as with
the local pool (`veil.batch.pool`); workers read the staged inputs and write
the outputs by path, so on a cluster of several machines SRC staging and DEST
must be on a filesystem every node sees (or DEST an fsspec URL, uploaded by
the driver). Ray Data restarts an actor that dies and retries its item.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from veil.batch import DEFAULT_CHUNK_SECONDS
from veil.batch.pool import BatchSummary, PoolRunner, Submit, Task, load_worker, work_item
from veil.errors import VeilError
from veil.settings import Settings


class _RayWorker:
    """A Ray actor that loads the models once: under Ray Data it anonymises one staged item
    per row (`__call__`); as a plain actor it runs the phases of a chunked video (`call`)."""

    def __init__(self, settings: Settings, threads: int) -> None:
        load_worker(settings, threads)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = [
            json.dumps(work_item(str(source), str(output)))
            for source, output in zip(batch["source"], batch["output"], strict=True)
        ]
        return {"index": batch["index"], "result": np.asarray(results, dtype=object)}

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args)


class RayRunner(PoolRunner):
    """`PoolRunner` with Ray in place of the local process pool (Ray Data for whole items)."""

    def __init__(
        self,
        src: str,
        dest: str,
        settings: Settings,
        workers: int | None,
        version: str,
        address: str,
        chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    ) -> None:
        super().__init__(src, dest, settings, workers or 2, version, chunk_seconds)
        self.address = address
        self.requested_workers = workers
        self._started_ray = False

    def run(self, on_item: Callable[[], None] | None = None) -> BatchSummary:
        try:
            return super().run(on_item)
        finally:
            if self._started_ray:
                import ray

                ray.shutdown()
                self._started_ray = False

    def _share(self) -> tuple[int, int]:
        """Ray started or joined (once), and then: how many workers, and threads for each."""
        import ray
        import ray.data

        if not ray.is_initialized():
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
            self._started_ray = True
        for name in ("ray", "ray.data", "ray.data._internal"):  # veil's own progress bar is enough
            logging.getLogger(name).setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = self.requested_workers or cpus
        return workers, max(1, cpus // workers)

    def _run_tasks(
        self, tasks: list[Task], summary: BatchSummary, on_item: Callable[[], None] | None
    ) -> None:
        if not tasks:
            return
        import ray.data

        workers, threads = self._share()
        rows = [
            {"index": i, "source": str(t.staged), "output": str(t.local_output)} for i, t in enumerate(tasks)
        ]
        for task in tasks:
            task.local_output.parent.mkdir(parents=True, exist_ok=True)
        dataset = ray.data.from_items(rows).map_batches(
            _RayWorker,
            fn_constructor_args=(self.settings, threads),
            compute=ray.data.ActorPoolStrategy(size=workers),
            batch_size=1,
            num_cpus=threads,
        )
        for row in dataset.iter_rows():
            self._finish(tasks[int(row["index"])], json.loads(row["result"]), summary)
            if on_item is not None:
                on_item()

    @contextlib.contextmanager
    def _workers(self) -> Iterator[Submit]:
        """`PoolRunner._workers` on a pool of Ray actors."""
        import ray
        from ray.util import ActorPool

        workers, threads = self._share()
        actor: Any = ray.remote(num_cpus=threads)(_RayWorker)
        actors = [actor.remote(self.settings, threads) for _ in range(workers)]
        pool = ActorPool(actors)

        def submit(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]]) -> list[Any]:
            return list(pool.map(lambda a, call: a.call.remote(fn, *call), list(calls)))

        try:
            yield submit
        finally:
            for each in actors:
                ray.kill(each)
