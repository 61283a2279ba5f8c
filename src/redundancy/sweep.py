"""Population sweeps: sample, simulate and store millions of models, resumably.

:func:`run_sweep` joins the three layers below it: a design from
:mod:`redundancy.sampling`, the chunked execution of :mod:`redundancy.execution`
and the population database of :mod:`redundancy.store`. The ``redundancy
sweep`` command calls it, and a notebook can too::

    from redundancy import get_model
    from redundancy.sweep import run_sweep

    summary = run_sweep(
        get_model("ei_psp"),
        {"sampler": "sobol", "n": 4096},
        "population.duckdb",
        seed=1,
    )
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from redundancy.errors import InputError
from redundancy.execution import CHUNK_FAILED, ExecutionReport, SweepConfig, run_design
from redundancy.models.base import Model
from redundancy.sampling import SAMPLING_STAGE, Design
from redundancy.sampling.factory import check_design_size
from redundancy.seeding import stage_seed
from redundancy.store import PopulationStore, RunRecord, git_commit, package_versions

__all__ = ["SweepSummary", "run_sweep"]

logger = logging.getLogger(__name__)


@dataclass
class SweepSummary:
    """Outcome of one call of :func:`run_sweep`.

    Attributes:
        run_id: the run in the database.
        db_path: the database file.
        resumed: True if the run already existed and was continued.
        n_total: parameter sets in the design.
        n_stored_before: parameter sets stored before this call.
        n_simulated: parameter sets simulated and stored by this call.
        status_counts: rows stored by this call, by status.
        failed_chunks: chunks whose task failed as a whole, as
            ``(first sample_id, last sample_id, reason)``.
        elapsed_s: wall time of the call, in seconds.
        simulation_s: time spent in :meth:`Model.simulate`, summed over
            chunks, in seconds.
        backend: where the chunks ran.
    """

    run_id: int
    db_path: Path
    resumed: bool
    n_total: int
    n_stored_before: int
    n_simulated: int = 0
    status_counts: dict[str, int] = field(default_factory=dict)
    failed_chunks: list[tuple[int, int, str]] = field(default_factory=list)
    elapsed_s: float = 0.0
    simulation_s: float = 0.0
    backend: str = ""

    @property
    def complete(self) -> bool:
        """True when every parameter set of the design is stored."""
        return self.n_stored_before + self.n_simulated >= self.n_total

    @property
    def rows_per_second(self) -> float:
        """Parameter sets simulated and stored per second of wall time."""
        return self.n_simulated / self.elapsed_s if self.elapsed_s > 0 else math.nan


def _design_from(
    model: Model, spec: SweepConfig | Design | Mapping[str, Any], seed: int
) -> tuple[Design, SweepConfig | None]:
    if isinstance(spec, Design):
        if spec.space.names != model.space.names:
            raise InputError(
                f"the design's parameters {spec.space.names} differ from the "
                f"parameters of model {model.name!r}: {model.space.names}"
            )
        return check_design_size(spec), None
    config = spec if isinstance(spec, SweepConfig) else SweepConfig(**spec)
    return config.design(model.space, seed), config


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _sweep_lock(db_path: Path) -> Iterator[None]:
    """Hold ``DB.lock`` (it contains this process's id) while a sweep runs.

    A second sweep of the same database would simulate the same missing rows
    again, so it is rejected while the process named in the lock file runs. A
    lock file left by a process that no longer exists is replaced.

    NOTE: a stale lock whose process id has been reused by an unrelated
    process still blocks; deleting the file releases it.

    Raises:
        InputError: if another running process holds the lock.
    """
    lock = db_path.with_name(db_path.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            try:
                pid = int(lock.read_text().strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid > 0 and pid != os.getpid() and _pid_running(pid):
                raise InputError(
                    f"another sweep (process {pid}) is writing to {db_path}; wait "
                    f"for it to finish or stop it, then rerun (if no process {pid} "
                    f"is a sweep, delete {lock})"
                ) from None
            logger.warning("removing the stale sweep lock %s (process %d)", lock, pid)
            lock.unlink(missing_ok=True)
    else:
        raise InputError(f"could not create the sweep lock {lock}; delete it and rerun")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{os.getpid()}\n")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def run_record(
    model: Model,
    design: Design,
    *,
    seed: int,
    study_text: str = "",
    study_name: str = "",
) -> RunRecord:
    """Return the provenance record stored with a run of ``design`` on ``model``."""
    sampling = stage_seed(seed, SAMPLING_STAGE)
    return RunRecord(
        model_name=model.name,
        model_hash=model.version_hash(),
        design_hash=design.fingerprint(),
        sampler=design.sampler,
        n_samples=design.size,
        parameters=[p.to_dict() for p in model.space],
        readouts=[r.to_dict() for r in model.readouts],
        seed=seed,
        name=study_name,
        model=model.describe(),
        design=design.describe(),
        seeds={
            "study": seed,
            SAMPLING_STAGE: {
                "entropy": str(sampling.entropy),
                "spawn_key": [int(k) for k in sampling.spawn_key],
            },
        },
        study_text=study_text,
        package_versions=package_versions(),
        git_commit=git_commit(),
    )


def _prepare_model(model: Model, design: Design, sample_id: int) -> None:
    """Simulate one row in this process before the workers start.

    A model with Numba kernels compiles them on first use and caches them on
    disk, so the workers load the compiled kernels instead of each compiling
    them again. The row is simulated again, and stored, by the sweep.
    """
    logger.info(
        "preparing model %s (the first run compiles its kernels, which can take "
        "a few minutes; later runs load them from the cache)",
        model.name,
    )
    model.simulate(design.rows(sample_id, sample_id + 1))


def run_sweep(
    model: Model,
    sampler_spec: SweepConfig | Design | Mapping[str, Any],
    db_path: str | Path,
    *,
    seed: int = 0,
    workers: int | None = None,
    scheduler: Any = None,
    append: bool = False,
    study_text: str = "",
    study_name: str = "",
    chunk_size: int | None = None,
    show_progress: bool | None = None,
    timeout_s: float = 600.0,
) -> SweepSummary:
    """Simulate every parameter set of a design and store each one exactly once.

    Calling it again with the same model, design and seed resumes the run:
    only the sample ids not yet stored are simulated. Each chunk's rows are
    committed in one transaction, and ``(run_id, sample_id)`` is the primary
    key, so a sweep killed at any moment (SIGKILL included) loses only the
    chunks in flight and never stores a row twice. Rows of a chunk that
    failed as a whole (reason starting with ``chunk failed``, e.g. after a
    worker died) are deleted on resume and simulated again. Rows of single
    simulations that failed stay as they are.

    Args:
        model: the model; pickled to the workers, so a FunctionModel needs a
            module-level function.
        sampler_spec: a :class:`~redundancy.execution.SweepConfig`, a mapping
            of its fields, or a :class:`~redundancy.sampling.Design` over
            ``model.space``.
        db_path: the DuckDB file; created if missing.
        seed: the study seed; the sampler draws from its ``sampling`` stage.
        workers: worker processes (0 runs in this process); None takes the
            config's value, else every core.
        scheduler: a Dask scheduler address, ``local``, or a
            :class:`distributed.Client`; None takes the config's value, else
            the local process pool.
        append: allow a new run in a database holding a different study.
        study_text: the study file's text, stored with the run.
        study_name: the study's name, stored with the run.
        chunk_size: parameter sets per task and transaction; None takes the
            config's value, else adapts to about 2 s of simulation per chunk.
        show_progress: show the progress bar; None uses the process default.
        timeout_s: how long a write waits for readers to release the
            database file, in seconds.

    Returns:
        A :class:`SweepSummary`.

    Raises:
        InputError: for an invalid or too large sampler specification, a
            database that holds a different study while ``append`` is False,
            or a database another running sweep is writing to.

    References:
        Prinz, A. A., Billimoria, C. P. & Marder, E. (2003). Alternative to
        hand-tuning conductance-based models: construction and analysis of
        databases of model neurons. *Journal of Neurophysiology* 90,
        3998-4015.
    """
    started = time.perf_counter()
    design, config = _design_from(model, sampler_spec, seed)
    if config is not None:
        workers = config.workers if workers is None else workers
        scheduler = config.scheduler if scheduler is None else scheduler
        chunk_size = config.chunk_size if chunk_size is None else chunk_size
    with _sweep_lock(Path(db_path)):
        store = PopulationStore(db_path, timeout_s=timeout_s)
        record = run_record(
            model, design, seed=seed, study_text=study_text, study_name=study_name
        )
        run_id, resumed = store.open_run(record, append=append)
        retried = (
            store.delete_rows(run_id, CHUNK_FAILED)
            if resumed
            else np.empty(0, dtype=np.int64)
        )
        if len(retried):
            logger.info(
                "run %d: simulating again %d parameter sets whose chunk failed "
                "as a whole (sample_id %d to %d)",
                run_id,
                len(retried),
                retried[0],
                retried[-1],
            )
        stored = store.stored_ids(run_id)
        done = np.zeros(design.size, dtype=bool)
        done[stored] = True
        missing = np.flatnonzero(~done)
        summary = SweepSummary(
            run_id=run_id,
            db_path=Path(db_path),
            resumed=resumed,
            n_total=design.size,
            n_stored_before=len(stored),
        )
        del stored, done
        logger.info(
            "sweep %s run %d in %s: model %s (hash %s), %s design of %d parameter "
            "sets, %d stored before",
            "resumes" if resumed else "starts",
            run_id,
            db_path,
            model.name,
            record.model_hash,
            design.sampler,
            design.size,
            summary.n_stored_before,
        )
        status = "incomplete"
        report = ExecutionReport()
        if len(missing) and (scheduler is not None or workers != 0):
            _prepare_model(model, design, int(missing[0]))
        try:
            run_design(
                model,
                design,
                lambda rows: store.write_rows(run_id, rows),
                missing=missing,
                workers=workers,
                scheduler=scheduler,
                chunk_size=chunk_size,
                show_progress=show_progress,
                label=f"sweep run {run_id}",
                report=report,
            )
        finally:
            summary.n_simulated = report.n_simulated
            summary.status_counts = dict(report.status_counts)
            summary.failed_chunks = report.failed_chunks
            summary.simulation_s = report.simulation_s
            summary.backend = report.backend
            if summary.complete:
                status = "finished"
            for reason, count in report.reasons.most_common(5):
                logger.info("  %d simulations not ok: %s", count, reason)
            summary.elapsed_s = time.perf_counter() - started
            store.set_run_status(run_id, status)
            logger.info(
                "sweep run %d %s: %d of %d parameter sets stored, %d simulated now "
                "(%s) in %.1f s, %d failed chunk(s)",
                run_id,
                "finished" if status == "finished" else "stopped before the end",
                summary.n_stored_before + summary.n_simulated,
                summary.n_total,
                summary.n_simulated,
                ", ".join(f"{n} {s}" for s, n in sorted(summary.status_counts.items()))
                or "none",
                summary.elapsed_s,
                len(summary.failed_chunks),
            )
    return summary
