"""The ``sweep`` and ``query`` commands as subprocesses: SIGKILL, resume, readers."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from redundancy.execution import SweepConfig
from redundancy.sampling import make_design
from redundancy.store import PopulationStore
from redundancy.sweep import run_record
from sweep_helpers import DELAY_ENV, quadratic_model

TESTS = Path(__file__).parent
# Runs the real command line with the test model registered first.
ENTRY = "import sweep_helpers; from redundancy.cli import main; main()"
N = 600


def command(*args: str) -> list[str]:
    return [sys.executable, "-c", ENTRY, *map(str, args)]


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def write_study(path: Path, seed: int) -> Path:
    path.write_text(
        f"name: quadratic\nseed: {seed}\nmodel:\n  name: sweep_quadratic\n"
        f"sweep:\n  sampler: uniform\n  n: {N}\n  chunk_size: 10\n"
    )
    return path


def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        env=environment(**extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_killed_sweep_resumes_exactly_once(tmp_path: Path) -> None:
    study = write_study(tmp_path / "study.yaml", seed=9)
    db = tmp_path / "pop.duckdb"
    args = ("--quiet", "sweep", study, "--db", db, "--workers", "1")
    process = subprocess.Popen(
        command(*args),
        env=environment(**{DELAY_ENV: "0.004"}),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = PopulationStore(db, timeout_s=30)
    counts: list[int] = []
    query_output = None
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if db.exists() and store.query("SELECT count(*) FROM runs").iloc[0, 0]:
                table = store.table(columns=["status"])
                assert table["sample_id"].is_unique
                counts.append(len(table))
                if query_output is None and counts[-1] > 0:
                    query_output = run(
                        "query", db, "SELECT count(*) AS n FROM simulations", "--csv"
                    )
                if counts[-1] >= 200:
                    break
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert counts[-1] >= 200
    assert counts == sorted(counts)  # readers saw the table only grow
    assert query_output is not None
    assert query_output.returncode == 0, query_output.stderr
    assert int(query_output.stdout.splitlines()[1]) > 0
    stored_at_kill = len(store.stored_ids(1))
    assert stored_at_kill < N
    assert store.runs()["status"].tolist() == ["running"]

    resumed = run(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{N} of {N} parameter sets stored" in resumed.stdout
    assert f"({N - stored_at_kill} simulated now" in resumed.stdout
    duplicates = store.query(
        "SELECT sample_id FROM simulations GROUP BY ALL HAVING count(*) > 1"
    )
    assert duplicates.empty
    model = quadratic_model()
    values = SweepConfig(sampler="uniform", n=N).design(model.space, seed=9).rows()
    direct = model.simulate(values)
    table = store.table(run_id=1)
    np.testing.assert_array_equal(table["sample_id"], np.arange(N))
    np.testing.assert_array_equal(table[model.space.names].to_numpy(), values)
    for name in ("square_mv", "log_product", "status"):
        pd.testing.assert_series_equal(table[name], direct[name], check_dtype=False)
    assert store.runs()["status"].tolist() == ["finished"]


def test_other_study_rejected_then_appended(tmp_path: Path) -> None:
    db = tmp_path / "pop.duckdb"
    study = write_study(tmp_path / "a.yaml", 1)
    first = run("-q", "sweep", study, "--db", db, "--workers", "0")
    assert first.returncode == 0, first.stderr
    other = write_study(tmp_path / "b.yaml", 2)
    rejected = run("-q", "sweep", other, "--db", db, "--workers", "0")
    assert rejected.returncode == 2
    assert "seed 1 versus 2" in rejected.stderr
    assert "--append" in rejected.stderr
    appended = run("-q", "sweep", other, "--db", db, "--workers", "0", "--append")
    assert appended.returncode == 0, appended.stderr
    assert appended.stdout.startswith("run 2 ")

    sql = "SELECT run_id, count(*) AS n FROM simulations GROUP BY run_id ORDER BY 1"
    as_csv = run("query", db, sql, "--csv")
    assert pd.read_csv(io.StringIO(as_csv.stdout))["n"].tolist() == [N, N]
    as_json = run("query", db, sql, "--json")
    assert json.loads(as_json.stdout) == [{"run_id": 1, "n": N}, {"run_id": 2, "n": N}]
    as_text = run("query", db, "SELECT seed FROM runs ORDER BY run_id")
    assert as_text.stdout.split() == ["seed", "1", "2"]
    bad = run("query", db, "SELECT * FROM nowhere")
    assert bad.returncode == 2
    assert "query failed" in bad.stderr


def test_study_without_sweep_rejected(tmp_path: Path) -> None:
    study = tmp_path / "study.yaml"
    study.write_text("name: plain\nmodel:\n  name: sweep_quadratic\n")
    result = run("sweep", study, "--db", tmp_path / "pop.duckdb")
    assert result.returncode == 2
    assert "no sweep section" in result.stderr


def start_slow_sweep(study: Path, db: Path) -> subprocess.Popen[str]:
    """Start a 2-worker sweep whose chunks take about a second each."""
    return subprocess.Popen(
        command("--quiet", "sweep", study, "--db", db, "--workers", "2"),
        env=environment(**{DELAY_ENV: "0.1"}),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_workers(process: subprocess.Popen[str], db: Path) -> list:
    """Wait until a chunk is stored; return the sweep's worker processes."""
    psutil = pytest.importorskip("psutil")
    store = PopulationStore(db, timeout_s=30)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists() and store.query("SELECT count(*) FROM runs").iloc[0, 0]:
            if len(store.stored_ids(1)):
                break
        time.sleep(0.1)
    workers = psutil.Process(process.pid).children(recursive=True)
    assert workers
    return workers


def test_interrupt_stops_workers_and_keeps_chunks(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    study = write_study(tmp_path / "study.yaml", seed=4)
    db = tmp_path / "pop.duckdb"
    process = start_slow_sweep(study, db)
    try:
        workers = wait_for_workers(process, db)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the whole group
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert "interrupted; rerun the same command to resume" in stderr
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive
    store = PopulationStore(db)
    table = store.table(columns=["status", "reason"])
    assert 0 < len(table) < N
    assert not table["reason"].astype(str).str.contains("Interrupt").any()
    assert not (db.parent / "pop.duckdb.lock").exists()


def test_workers_exit_when_sweep_process_killed(tmp_path: Path) -> None:
    psutil = pytest.importorskip("psutil")
    study = write_study(tmp_path / "study.yaml", seed=5)
    db = tmp_path / "pop.duckdb"
    process = start_slow_sweep(study, db)
    try:
        workers = wait_for_workers(process, db)
        process.kill()  # the main process only, not its workers
        process.wait(timeout=30)
        _, alive = psutil.wait_procs(workers, timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert not alive


def test_query_json_keeps_full_precision(tmp_path: Path) -> None:
    store = PopulationStore(tmp_path / "pop.duckdb")
    store.open_run(
        run_record(
            quadratic_model(),
            make_design(quadratic_model().space, "uniform", seed=0, n=4),
            seed=0,
        )
    )
    result = run("query", store.path, "SELECT 1/3 AS third, NULL AS nothing", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"third": 1 / 3, "nothing": None}]
    empty = run("query", store.path, " ")
    assert empty.returncode == 2
    assert "query is empty" in empty.stderr
