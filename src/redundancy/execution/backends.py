"""Backends that run chunks: the calling process, a local process pool, or Dask.

A backend takes an iterator of :class:`Task` objects and yields one
:class:`Outcome` per task as tasks finish, in any order. It pulls a new task
only when a slot frees up, so at most a few chunks per worker are in memory.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from redundancy.errors import InputError
from redundancy.execution.worker import (
    install_model,
    simulate_chunk,
    simulate_with_installed_model,
)
from redundancy.models.base import Model

__all__ = [
    "Backend",
    "DaskBackend",
    "InProcessBackend",
    "LocalPoolBackend",
    "Outcome",
    "Task",
    "make_backend",
]

logger = logging.getLogger(__name__)

#: Reason stored for the rows of a chunk whose worker process died.
WORKER_DIED = "worker process died (killed or crashed) while simulating this chunk"


@dataclass
class Task:
    """A chunk of parameter sets: their ids and an (n, d) array of values."""

    sample_ids: np.ndarray
    values: np.ndarray


@dataclass
class Outcome:
    """A finished task: readouts with status and reason, or the chunk's error."""

    task: Task
    readouts: pd.DataFrame | None
    seconds: float = 0.0
    error: str | None = None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _close_pool(pool: ProcessPoolExecutor, *, terminate: bool) -> None:
    """Shut ``pool`` down; with ``terminate``, kill its workers mid-chunk.

    A sweep stopped by Ctrl-C or an exception terminates the workers, so the
    process exits without waiting for the chunks they are running.
    """
    if not terminate:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    # NOTE: ProcessPoolExecutor has no public way to kill its workers before
    # Python 3.14 (terminate_workers), so this reads the private _processes.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)


class Backend(Protocol):
    """Runs tasks and yields their outcomes as they finish."""

    description: str

    def __enter__(self) -> Backend: ...

    def __exit__(self, *exc: object) -> None: ...

    def run(self, tasks: Iterator[Task]) -> Iterator[Outcome]:
        """Yield one outcome per task, in order of completion."""
        ...


class InProcessBackend:
    """Runs every chunk in the calling process, one after another."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.description = "the calling process"

    def __enter__(self) -> InProcessBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, tasks: Iterator[Task]) -> Iterator[Outcome]:
        for task in tasks:
            try:
                frame, seconds = simulate_chunk(self.model, task.values)
            except Exception as error:  # noqa: BLE001 - a chunk error becomes rows
                yield Outcome(task, None, error=_describe(error))
                continue
            yield Outcome(task, frame, seconds)


class LocalPoolBackend:
    """Runs chunks on a pool of worker processes started with ``spawn``.

    The model is pickled once per worker. If a worker dies (a segmentation
    fault, the out-of-memory killer), the pool breaks and every chunk it was
    running is rerun alone on a fresh one-worker pool. A chunk that kills its
    worker again becomes an outcome with :data:`WORKER_DIED` and the sweep
    continues on a new pool.
    """

    def __init__(self, model: Model, workers: int) -> None:
        self.model = model
        self.workers = workers
        self.window = 2 * workers
        self.description = f"a local pool of {workers} worker processes"

    def __enter__(self) -> LocalPoolBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=install_model,
            initargs=(self.model,),
        )

    def _run_alone(self, task: Task) -> Outcome:
        pool = self._new_pool(1)
        future = pool.submit(simulate_with_installed_model, task.values)
        try:
            frame, seconds = future.result()
        except BrokenProcessPool:
            return Outcome(task, None, error=WORKER_DIED)
        except Exception as error:  # noqa: BLE001 - a chunk error becomes rows
            return Outcome(task, None, error=_describe(error))
        finally:
            _close_pool(pool, terminate=not future.done())
        return Outcome(task, frame, seconds)

    def run(self, tasks: Iterator[Task]) -> Iterator[Outcome]:
        pending: dict[Future[Any], Task] = {}
        exhausted = False
        pool = self._new_pool(self.workers)
        try:
            while True:
                while not exhausted and len(pending) < self.window:
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                        break
                    future = pool.submit(simulate_with_installed_model, task.values)
                    pending[future] = task
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    if isinstance(future.exception(), BrokenProcessPool):
                        broken = True
                        continue
                    yield self._outcome(pending.pop(future), future)
                if not broken:
                    continue
                suspects = []
                for future, task in pending.items():
                    if future.done() and future.exception() is None:
                        yield self._outcome(task, future)
                    else:
                        suspects.append(task)
                pending.clear()
                pool.shutdown(wait=True, cancel_futures=True)
                logger.warning(
                    "a worker process died; rerunning its %d chunk(s) one at a "
                    "time to find the one that killed it",
                    len(suspects),
                )
                for task in suspects:
                    yield self._run_alone(task)
                pool = self._new_pool(self.workers)
        finally:
            _close_pool(pool, terminate=bool(pending))

    @staticmethod
    def _outcome(task: Task, future: Future[Any]) -> Outcome:
        error = future.exception()
        if error is not None:
            return Outcome(task, None, error=_describe(error))
        frame, seconds = future.result()
        return Outcome(task, frame, seconds)


class DaskBackend:
    """Runs chunks on a Dask distributed cluster.

    Args:
        model: the model; sent with every chunk. It is small, and a copy held
            only by the cluster (scattered data) would be lost for good when
            a worker dies, failing every later chunk.
        scheduler: a scheduler address such as ``tcp://10.0.0.5:8786``,
            ``local`` to start a :class:`distributed.LocalCluster` on
            127.0.0.1 with one single-threaded worker process per core, or a
            connected :class:`distributed.Client`.
        workers: worker processes of a ``local`` cluster; None uses every core.

    References:
        Rocklin, M. (2015). Dask: parallel computation with blocked algorithms
        and task scheduling. *Proceedings of the 14th Python in Science
        Conference*, 130-136.
    """

    def __init__(self, model: Model, scheduler: Any, workers: int | None) -> None:
        self.model = model
        self.scheduler = scheduler
        self.workers = workers
        self.client: Any = None
        self._cluster: Any = None
        self._own_client = False
        self.description = f"the Dask scheduler {scheduler}"

    def __enter__(self) -> DaskBackend:
        from distributed import Client, LocalCluster

        if isinstance(self.scheduler, Client):
            self.client = self.scheduler
            self.description = f"the Dask scheduler {self.client.scheduler.address}"
            return self
        if self.scheduler == "local":
            workers = self.workers or os.cpu_count() or 1
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # Dask's own INFO lines follow --quiet and --verbose.
                silence_logs=logging.getLogger("redundancy").getEffectiveLevel(),
            )
            self.client = Client(self._cluster)
            self.description = f"a local Dask cluster of {workers} workers"
        else:
            try:
                self.client = Client(str(self.scheduler), timeout="20s")
            except OSError as error:
                raise InputError(
                    f"could not connect to the Dask scheduler {self.scheduler!r} "
                    f"({error}); check the address, or use --scheduler local"
                ) from None
        self._own_client = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own_client and self.client is not None:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def run(self, tasks: Iterator[Task]) -> Iterator[Outcome]:
        from distributed import as_completed

        threads = sum(self.client.nthreads().values()) or 1
        window = 2 * threads
        completed = as_completed()
        pending: dict[str, Task] = {}
        exhausted = False

        def fill() -> None:
            nonlocal exhausted
            while not exhausted and len(pending) < window:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                    return
                future = self.client.submit(
                    simulate_chunk, self.model, task.values, pure=False
                )
                pending[future.key] = task
                completed.add(future)

        fill()
        for future in completed:
            task = pending.pop(future.key)
            if future.status == "finished":
                frame, seconds = future.result()
                yield Outcome(task, frame, seconds)
            else:
                error = future.exception() if future.status == "error" else None
                reason = (
                    _describe(error)
                    if error is not None
                    else f"the Dask task ended with status {future.status}"
                )
                yield Outcome(task, None, error=reason)
            future.release()
            fill()


def make_backend(model: Model, *, workers: int | None, scheduler: Any) -> Backend:
    """Return the backend for the given ``workers`` and ``scheduler`` options.

    Raises:
        InputError: for a negative number of workers.
    """
    if workers is not None and workers < 0:
        raise InputError(f"workers must be 0 or more, got {workers}")
    if scheduler is not None:
        return DaskBackend(model, scheduler, workers)
    if workers == 0:
        return InProcessBackend(model)
    return LocalPoolBackend(model, workers or os.cpu_count() or 1)
