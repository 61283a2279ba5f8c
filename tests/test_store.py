"""The population database: runs, exactly-once rows, queries, Parquet, locking."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from redundancy.errors import InputError
from redundancy.store import (
    DatabaseLockedError,
    PopulationStore,
    RunRecord,
    package_versions,
)


def record(model_hash: str = "m1", design_hash: str = "d1", seed: int = 0) -> RunRecord:
    return RunRecord(
        model_name="toy",
        model_hash=model_hash,
        design_hash=design_hash,
        sampler="uniform",
        n_samples=4,
        parameters=[{"name": "x", "unit": "1"}, {"name": "g", "unit": "nS"}],
        readouts=[{"name": "y", "unit": "mV"}],
        seed=seed,
        name="toy study",
        study_text="name: toy\n",
        package_versions=package_versions(),
    )


def rows(ids: list[int], status: str = "ok") -> pd.DataFrame:
    ids_array = np.asarray(ids)
    return pd.DataFrame(
        {
            "sample_id": ids_array,
            "x": ids_array * 0.1,
            "g": ids_array * 2.0,
            "y": ids_array * -1.0,
            "status": status,
            "reason": None if status == "ok" else "diverged",
        }
    )


def test_open_run_creates_and_resumes(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    assert store.open_run(record()) == (1, False)
    assert store.open_run(record()) == (1, True)
    run = store.run(1)
    assert run["model_hash"] == "m1"
    assert run["study_text"] == "name: toy\n"
    assert run["package_versions"]["duckdb"] == duckdb.__version__
    assert store.runs()["status"].tolist() == ["running"]


def test_different_study_rejected(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    store.open_run(record())
    with pytest.raises(InputError, match="--append") as error:
        store.open_run(record(seed=5, design_hash="d2"))
    assert "seed 0 versus 5" in str(error.value)
    with pytest.raises(InputError, match="hash m1 versus toy hash m2"):
        store.open_run(record(model_hash="m2"))
    assert store.open_run(record(model_hash="m2"), append=True) == (2, False)


def test_rows_stored_exactly_once(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    run_id, _ = store.open_run(record())
    assert store.write_rows(run_id, rows([0, 1])) == 2
    assert store.write_rows(run_id, rows([1, 2], status="failed")) == 1
    table = store.table(run_id=run_id)
    assert table["sample_id"].tolist() == [0, 1, 2]
    assert table["status"].tolist() == ["ok", "ok", "failed"]
    assert list(table.columns) == [
        "run_id",
        "sample_id",
        "x",
        "g",
        "y",
        "status",
        "reason",
    ]
    np.testing.assert_array_equal(store.stored_ids(run_id), [0, 1, 2])
    assert store.status_counts(run_id) == {"failed": 1, "ok": 2}


def test_table_filters(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    run_id, _ = store.open_run(record())
    store.write_rows(run_id, rows([0, 1, 2, 3]))
    store.write_rows(run_id, rows([4], status="failed"))
    assert store.table(status="failed")["sample_id"].tolist() == [4]
    narrow = store.table(run_id=run_id, columns=["y"], where="g > 3", limit=2)
    assert list(narrow.columns) == ["run_id", "sample_id", "y"]
    assert narrow["sample_id"].tolist() == [2, 3]
    with pytest.raises(InputError, match="unknown column"):
        store.table(columns=["nope"])
    total = store.query("SELECT sum(y) AS s FROM simulations WHERE status = ?", ["ok"])
    assert total["s"].iloc[0] == pytest.approx(-6.0)


def test_reserved_names_rejected(tmp_path: Path) -> None:
    bad = record()
    bad.readouts = [{"name": "status", "unit": "1"}]
    with pytest.raises(InputError, match="reserved"):
        PopulationStore(tmp_path / "pop.duckdb").open_run(bad)


def test_append_adds_columns(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    store.open_run(record())
    other = record(model_hash="m2")
    other.readouts = [{"name": "rate_hz", "unit": "Hz"}]
    run_id, _ = store.open_run(other, append=True)
    frame = rows([0]).drop(columns="y").assign(rate_hz=3.0)
    store.write_rows(run_id, frame)
    table = store.table(run_id=run_id)
    assert "y" not in table.columns
    assert table["rate_hz"].tolist() == [3.0]


def test_parquet_round_trip(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    run_id, _ = store.open_run(record())
    store.write_rows(run_id, rows([0, 1, 2]))
    paths = store.to_parquet(tmp_path / "export")
    assert [p.name for p in paths] == ["runs.parquet", "simulations.parquet"]
    pd.testing.assert_frame_equal(
        pd.read_parquet(paths[1]), store.table(), check_dtype=False
    )
    copy = PopulationStore.from_parquet(tmp_path / "export", tmp_path / "copy.duckdb")
    pd.testing.assert_frame_equal(copy.table(run_id=1), store.table(run_id=1))
    assert copy.run(1)["study_text"] == "name: toy\n"


def test_parquet_import_renumbers_runs(tmp_path: Path) -> None:
    source = PopulationStore(tmp_path / "a.duckdb")
    source.open_run(record(model_hash="m2"))
    source.write_rows(1, rows([5]))
    source.to_parquet(tmp_path / "export")
    target = PopulationStore(tmp_path / "b.duckdb")
    target.open_run(record())
    PopulationStore.from_parquet(tmp_path / "export", target.path)
    assert target.runs()["run_id"].tolist() == [1, 2]
    assert target.table(run_id=2)["sample_id"].tolist() == [5]
    with pytest.raises(InputError, match="same model and design"):
        PopulationStore.from_parquet(tmp_path / "export", target.path)


def test_missing_database_is_clear(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        PopulationStore(tmp_path / "none.duckdb").runs()


_HOLD_LOCK = """
import sys, time, duckdb
connection = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.close()
"""


def _hold_lock(path: Path, seconds: float) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


def test_reader_waits_for_writer(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb", timeout_s=30)
    run_id, _ = store.open_run(record())
    store.write_rows(run_id, rows([0, 1]))
    writer = _hold_lock(store.path, 1.0)
    started = time.monotonic()
    assert len(store.table()) == 2
    waited = time.monotonic() - started
    writer.wait(timeout=30)
    assert waited > 0.3  # the read had to wait for the other process


def test_locked_database_times_out(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb", timeout_s=0.3)
    store.open_run(record())
    writer = _hold_lock(store.path, 3.0)
    try:
        with pytest.raises(DatabaseLockedError, match="stayed locked"):
            store.runs()
    finally:
        writer.kill()
        writer.wait()


def test_query_rejects_empty_sql_and_file_access(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    store.open_run(record())
    store.write_rows(1, rows([0, 1]))
    with pytest.raises(InputError, match="query is empty"):
        store.query("  ")
    target = tmp_path / "copy.csv"
    with pytest.raises(duckdb.Error, match="disabled by configuration"):
        store.query(f"COPY simulations TO '{target}'")
    assert not target.exists()
    assert store.query("SELECT count(*) AS n FROM simulations")["n"].tolist() == [2]


@pytest.mark.parametrize("timeout", [-1.0, 0.0, float("nan"), float("inf")])
def test_timeout_must_be_positive_and_finite(tmp_path: Path, timeout: float) -> None:
    with pytest.raises(InputError, match="timeout must be a positive"):
        PopulationStore(tmp_path / "pop.duckdb", timeout_s=timeout)
