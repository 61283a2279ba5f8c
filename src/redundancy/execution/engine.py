"""Run the rows of a design through a model, chunk by chunk: :func:`run_design`.

The engine does no storage: it hands each finished chunk to a
``write`` callable in the calling process, which
:func:`redundancy.sweep.run_sweep` points at the population database.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from redundancy.execution.backends import Outcome, Task, make_backend
from redundancy.models.base import STATUS_FAILED, STATUS_OK, Model
from redundancy.progress import progress_bar
from redundancy.sampling import Design

__all__ = ["CHUNK_FAILED", "ExecutionReport", "run_design"]

logger = logging.getLogger(__name__)

#: Start of the reason stored with every row of a chunk whose task failed as
#: a whole (a worker died or the task could not run), followed by ": " and
#: the error. A resumed sweep simulates such rows again.
CHUNK_FAILED = "chunk failed"

# Adaptive chunking: aim for chunks of about this many seconds of simulation.
_TARGET_CHUNK_S = 2.0
_FIRST_CHUNK = 64
_MAX_CHUNK = 50_000


@dataclass
class ExecutionReport:
    """Outcome of one call of :func:`run_design`.

    Attributes:
        n_simulated: parameter sets simulated and handed to ``write``.
        status_counts: those rows by status.
        reasons: reasons of rows that are not ``ok``, with counts (the first
            1000 distinct reasons, each cut to 120 characters).
        failed_chunks: chunks whose task failed as a whole, as
            ``(first sample_id, last sample_id, reason)``.
        simulation_s: time spent in :meth:`Model.simulate` summed over
            chunks, in seconds.
        backend: where the chunks ran.
    """

    n_simulated: int = 0
    status_counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    failed_chunks: list[tuple[int, int, str]] = field(default_factory=list)
    simulation_s: float = 0.0
    backend: str = ""


class _ChunkPlanner:
    """Cuts the missing sample ids into tasks; the chunk size adapts to timing."""

    def __init__(
        self, design: Design, missing: np.ndarray, chunk_size: int | None, slots: int
    ) -> None:
        self.design = design
        self.missing = missing
        self.fixed = chunk_size is not None
        # Keep every worker busy: no chunk larger than a share of the work.
        self.limit = max(1, min(_MAX_CHUNK, math.ceil(len(missing) / (2 * slots))))
        self.chunk_size = chunk_size or min(_FIRST_CHUNK, self.limit)
        self.position = 0

    def observe(self, rows: int, seconds: float) -> None:
        if self.fixed or rows == 0 or seconds <= 0:
            return
        target = int(_TARGET_CHUNK_S * rows / seconds)
        self.chunk_size = max(1, min(target, self.limit, 4 * self.chunk_size))

    def tasks(self) -> Iterator[Task]:
        while self.position < len(self.missing):
            ids = self.missing[self.position : self.position + self.chunk_size]
            # Keep the rows generated for one task near its size when the
            # missing ids are scattered through the design.
            span = int(np.searchsorted(ids, ids[0] + 4 * len(ids)))
            ids = ids[:span]
            self.position += len(ids)
            start = int(ids[0])
            values = self.design.rows(start, int(ids[-1]) + 1)[ids - start]
            yield Task(ids, values)


def _rows_of(model: Model, outcome: Outcome) -> pd.DataFrame:
    task = outcome.task
    frame = pd.DataFrame(task.values, columns=model.space.names)
    frame.insert(0, "sample_id", task.sample_ids)
    if outcome.readouts is not None:
        readouts = outcome.readouts.reset_index(drop=True)
        for name in model.readout_names:
            frame[name] = readouts[name].to_numpy(dtype=float)
        frame["status"] = readouts["status"].astype(str).to_numpy()
        reasons = readouts["reason"].astype(str)
        frame["reason"] = reasons.where(reasons != "", None).to_numpy()
    else:
        for name in model.readout_names:
            frame[name] = np.nan
        frame["status"] = STATUS_FAILED
        frame["reason"] = f"{CHUNK_FAILED}: {outcome.error}"
    return frame


def run_design(
    model: Model,
    design: Design,
    write: Callable[[pd.DataFrame], object],
    *,
    missing: np.ndarray | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    chunk_size: int | None = None,
    show_progress: bool | None = None,
    label: str = "sweep",
    report: ExecutionReport | None = None,
) -> ExecutionReport:
    """Simulate rows of a design chunk by chunk and hand each chunk to ``write``.

    Args:
        model: the model; pickled to the workers, so a FunctionModel needs a
            module-level function.
        design: the design over ``model.space``.
        write: called in this process with each finished chunk: a DataFrame
            with ``sample_id``, one column per parameter and readout,
            ``status`` and ``reason``. A chunk whose task failed as a whole
            arrives as rows with status ``failed`` and reason ``chunk failed:
            ...``.
        missing: sorted sample ids to simulate; None simulates the whole
            design. The progress bar counts the others as done.
        workers: worker processes (0 runs in this process); None uses every
            core.
        scheduler: a Dask scheduler address, ``local`` or a
            :class:`distributed.Client`; None uses the local process pool.
        chunk_size: parameter sets per task; None adapts it to about 2 s of
            simulation per chunk.
        show_progress: show the progress bar; None uses the process default.
        label: text in front of the progress bar.
        report: a report to update as chunks finish, so a caller still has the
            counts when the run is interrupted; None starts a new one.

    Returns:
        The :class:`ExecutionReport`.
    """
    if missing is None:
        missing = np.arange(design.size, dtype=np.int64)
    report = ExecutionReport() if report is None else report
    if len(missing) == 0:
        return report
    backend = make_backend(model, workers=workers, scheduler=scheduler)
    with backend:
        report.backend = backend.description
        slots = getattr(backend, "window", 2) // 2 or 1
        planner = _ChunkPlanner(design, missing, chunk_size, slots)
        logger.info(
            "%s: simulating %d of %d parameter sets of model %s on %s",
            label,
            len(missing),
            design.size,
            model.name,
            backend.description,
        )
        with progress_bar(
            design.size,
            label,
            show_progress=show_progress,
            initial=design.size - len(missing),
        ) as bar:
            for outcome in backend.run(planner.tasks()):
                rows = _rows_of(model, outcome)
                write(rows)
                ids = outcome.task.sample_ids
                if outcome.error is not None:
                    report.failed_chunks.append(
                        (int(ids[0]), int(ids[-1]), outcome.error)
                    )
                    logger.error(
                        "chunk of %d parameter sets (sample_id %d to %d) failed: %s",
                        len(ids),
                        ids[0],
                        ids[-1],
                        outcome.error,
                    )
                planner.observe(len(ids), outcome.seconds)
                report.status_counts.update(rows["status"].tolist())
                failed = rows.loc[rows["status"] != STATUS_OK, "reason"]
                if len(report.reasons) < 1000:
                    report.reasons.update(str(reason)[:120] for reason in failed)
                report.n_simulated += len(ids)
                report.simulation_s += outcome.seconds
                bar.update(len(ids))
    return report
