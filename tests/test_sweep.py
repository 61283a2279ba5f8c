"""Sweeps through the Python API: pool, Dask, resume, failures and provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from redundancy.errors import InputError
from redundancy.execution import SweepConfig
from redundancy.execution.backends import WORKER_DIED
from redundancy.sampling import make_design
from redundancy.store import PopulationStore
from redundancy.sweep import run_record, run_sweep
from sweep_helpers import CRASH_ENV, quadratic_model

SOBOL = {"sampler": "sobol", "n": 256}


def expected_rows(model, config: dict, seed: int) -> pd.DataFrame:
    """Return the design simulated directly by ``model.simulate``."""
    design = SweepConfig(**config).design(model.space, seed)
    values = design.rows()
    frame = pd.DataFrame(values, columns=model.space.names)
    readouts = model.simulate(values)
    readouts["reason"] = readouts["reason"].where(readouts["reason"] != "", None)
    return pd.concat([frame, readouts], axis=1)


def assert_matches_direct(store: PopulationStore, run_id: int, expected) -> None:
    table = store.table(run_id=run_id)
    np.testing.assert_array_equal(table["sample_id"], np.arange(len(expected)))
    stored = table.drop(columns=["run_id", "sample_id"])
    pd.testing.assert_frame_equal(stored, expected, check_dtype=False)


def test_pool_sweep_matches_direct(tmp_path: Path) -> None:
    model = quadratic_model()
    summary = run_sweep(
        model, SOBOL, tmp_path / "pop.duckdb", seed=4, workers=2, show_progress=False
    )
    expected = expected_rows(model, SOBOL, seed=4)
    store = PopulationStore(tmp_path / "pop.duckdb")
    assert_matches_direct(store, summary.run_id, expected)
    assert summary.complete
    assert summary.status_counts == expected["status"].value_counts().to_dict()
    reasons = set(store.table(status="failed")["reason"])
    assert reasons == {"ValueError: x is too large", "non-finite readout: log_product"}
    assert store.runs()["status"].tolist() == ["finished"]


def test_second_call_resumes_nothing(tmp_path: Path) -> None:
    model = quadratic_model()
    db = tmp_path / "pop.duckdb"
    run_sweep(model, SOBOL, db, seed=1, workers=0, show_progress=False)
    again = run_sweep(model, SOBOL, db, seed=1, workers=0, show_progress=False)
    assert again.resumed
    assert again.n_simulated == 0
    assert again.n_stored_before == 256


def test_resume_fills_missing_ids(tmp_path: Path) -> None:
    model = quadratic_model()
    db = tmp_path / "pop.duckdb"
    config = {"sampler": "uniform", "n": 300}
    design = make_design(model.space, "uniform", seed=2, n=300)
    store = PopulationStore(db)
    # Store a scattered subset first, as an interrupted sweep would leave it.
    run_id, _ = store.open_run(run_record(model, design, seed=2))
    kept = np.r_[0:40, 100:101, 250:300]
    first = pd.DataFrame(design.rows()[kept], columns=model.space.names)
    first = pd.concat([first, model.simulate(first)], axis=1)
    first.insert(0, "sample_id", kept)
    first["reason"] = first["reason"].where(first["reason"] != "", None)
    store.write_rows(run_id, first)
    summary = run_sweep(model, config, db, seed=2, workers=0, show_progress=False)
    assert summary.resumed
    assert summary.n_stored_before == len(kept)
    assert summary.n_simulated == 300 - len(kept)
    assert_matches_direct(store, run_id, expected_rows(model, config, seed=2))


def test_other_study_needs_append(tmp_path: Path) -> None:
    model = quadratic_model()
    db = tmp_path / "pop.duckdb"
    run_sweep(model, SOBOL, db, seed=1, workers=0, show_progress=False)
    with pytest.raises(InputError, match="--append"):
        run_sweep(model, SOBOL, db, seed=2, workers=0, show_progress=False)
    other = quadratic_model(upper_x=0.8)
    with pytest.raises(InputError, match="model sweep_quadratic hash"):
        run_sweep(other, SOBOL, db, seed=1, workers=0, show_progress=False)
    summary = run_sweep(
        other, SOBOL, db, seed=1, workers=0, append=True, show_progress=False
    )
    assert summary.run_id == 2
    assert PopulationStore(db).runs()["run_id"].tolist() == [1, 2]


def test_grid_sweep_with_fixed_parameters(tmp_path: Path) -> None:
    model = quadratic_model().with_defaults(y=0.5)
    config = {"sampler": "grid", "levels": {"x": [0.0, 0.2, 0.4, 0.6], "g": [1, 10]}}
    run_sweep(model, config, tmp_path / "pop.duckdb", workers=0, show_progress=False)
    table = PopulationStore(tmp_path / "pop.duckdb").table(run_id=1)
    assert len(table) == 8
    assert set(table["y"]) == {0.5}
    np.testing.assert_allclose(table["square_mv"], table["x"] ** 2 + 0.5)


def test_dask_cluster_sweep(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    model = quadratic_model()
    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        with Client(cluster):
            summary = run_sweep(
                model,
                SOBOL,
                tmp_path / "pop.duckdb",
                seed=4,
                scheduler=cluster.scheduler_address,
                chunk_size=50,
                show_progress=False,
            )
    assert summary.backend.startswith("the Dask scheduler tcp://127.0.0.1")
    store = PopulationStore(tmp_path / "pop.duckdb")
    assert_matches_direct(store, summary.run_id, expected_rows(model, SOBOL, seed=4))


def test_dask_worker_crash_one_chunk(tmp_path: Path, monkeypatch) -> None:
    import dask
    from distributed import Client, LocalCluster

    monkeypatch.setenv(CRASH_ENV, "0.8")  # inherited by the worker processes
    model = quadratic_model()
    config = {"sampler": "grid", "levels": {"x": [0.1, 0.5, 0.85, 0.2, 0.3]}}
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            with Client(cluster) as client:
                summary = run_sweep(
                    model,
                    config,
                    tmp_path / "pop.duckdb",
                    scheduler=client,
                    chunk_size=1,
                    show_progress=False,
                )
    table = PopulationStore(tmp_path / "pop.duckdb").table(run_id=summary.run_id)
    # The restarted worker simulates the later chunks.
    assert table["status"].tolist() == ["ok", "ok", "failed", "ok", "ok"]
    assert table["reason"].iloc[2].startswith("chunk failed: KilledWorker")
    assert [chunk[:2] for chunk in summary.failed_chunks] == [(2, 2)]


def test_worker_crash_recorded(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(CRASH_ENV, "0.97")  # inherited by spawned workers
    model = quadratic_model()
    config = {"sampler": "grid", "levels": {"x": [0.1, 0.5, 0.98, 0.2]}}
    summary = run_sweep(
        model,
        config,
        tmp_path / "pop.duckdb",
        workers=2,
        chunk_size=1,
        show_progress=False,
    )
    table = PopulationStore(tmp_path / "pop.duckdb").table(run_id=summary.run_id)
    assert table["status"].tolist() == ["ok", "ok", "failed", "ok"]
    assert table["reason"].iloc[2] == f"chunk failed: {WORKER_DIED}"
    assert summary.failed_chunks == [(2, 2, WORKER_DIED)]


def test_resume_retries_failed_chunks(tmp_path: Path, monkeypatch) -> None:
    model = quadratic_model()
    config = {"sampler": "grid", "levels": {"x": [0.1, 0.5, 0.85, 0.2]}}
    db = tmp_path / "pop.duckdb"
    monkeypatch.setenv(CRASH_ENV, "0.8")
    run_sweep(model, config, db, workers=2, chunk_size=1, show_progress=False)
    monkeypatch.delenv(CRASH_ENV)
    summary = run_sweep(model, config, db, workers=2, chunk_size=1, show_progress=False)
    assert summary.resumed
    assert summary.n_stored_before == 3
    assert summary.n_simulated == 1
    table = PopulationStore(db).table(run_id=summary.run_id)
    assert table["status"].tolist() == ["ok", "ok", "ok", "ok"]
    values = table[["x", "y", "g"]].to_numpy(float)[2:3]
    direct = model.simulate(values)
    assert table["square_mv"].iloc[2] == pytest.approx(direct["square_mv"].iloc[0])


def test_second_sweep_of_same_database_rejected(tmp_path: Path) -> None:
    import subprocess
    import sys

    db = tmp_path / "pop.duckdb"
    lock = tmp_path / "pop.duckdb.lock"
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(f"{holder.pid}\n")
        with pytest.raises(
            InputError, match=f"another sweep \\(process {holder.pid}\\)"
        ):
            run_sweep(quadratic_model(), SOBOL, db, workers=0, show_progress=False)
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone, so its lock is stale and the sweep replaces it.
    summary = run_sweep(quadratic_model(), SOBOL, db, workers=0, show_progress=False)
    assert summary.complete
    assert not lock.exists()
