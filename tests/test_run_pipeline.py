"""`redundancy run` with a sweep and analyses: database, resume, analyses and report."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from redundancy.store import PopulationStore

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "islands_study.yaml"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "redundancy", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    folder = tmp_path_factory.mktemp("run")
    shutil.copy(EXAMPLE, folder / "study.yaml")
    result = _run(
        "run",
        str(folder / "study.yaml"),
        "--out",
        str(folder / "out"),
        "--workers",
        "0",
    )
    return folder, result


def test_run_stores_population(first_run) -> None:
    folder, result = first_run
    assert result.returncode == 0, result.stderr
    store = PopulationStore(folder / "out" / "population.duckdb")
    table = store.table(run_id=1)
    assert len(table) == 4096
    assert table["sample_id"].is_unique
    summary = json.loads((folder / "out" / "summary.json").read_text())
    assert summary["sweep"]["n_simulated"] == 4096


def test_run_finds_two_separate_islands(first_run) -> None:
    folder, _ = first_run
    summary = json.loads((folder / "out" / "summary.json").read_text())
    analyses = summary["analyses"]
    assert len(analyses["islands"]["islands"]) == 2
    assert analyses["island_connectivity"]["verdict"] == "separate islands"
    assert 0 < analyses["good_set"]["fraction"] < 0.5
    report = (folder / "out" / "report.html").read_text()
    assert "Multiple solutions (islands)" in report
    assert "Population" in report


def test_rerun_resumes_without_simulating(first_run) -> None:
    folder, _ = first_run
    result = _run(
        "run",
        str(folder / "study.yaml"),
        "--out",
        str(folder / "out"),
        "--workers",
        "0",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads((folder / "out" / "summary.json").read_text())
    assert summary["sweep"]["resumed"] is True
    assert summary["sweep"]["n_simulated"] == 0
    assert summary["sweep"]["n_stored_before"] == 4096


def test_analyses_without_population_rejected(tmp_path) -> None:
    study = tmp_path / "study.yaml"
    study.write_text(
        "name: no-population\nmodel: {name: landscape_islands}\n"
        "analyses:\n  criterion: {kind: score, score: margin, threshold: 0}\n"
        "  islands: {method: dbscan}\n"
    )
    result = _run("run", str(study), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "need analyses.criterion and a population table" in result.stderr
    assert "Traceback" not in result.stderr


def test_failing_analysis_does_not_stop_the_others(tmp_path) -> None:
    import warnings

    import pandas as pd

    from redundancy.analysis.config import AnalysesConfig, run_analyses
    from redundancy.models import get_model

    model = get_model("landscape_islands")
    points = pd.DataFrame({"x": [0.1, 0.5, 0.9], "y": [0.1, 0.5, 0.9]})
    table = pd.concat([points, model.simulate(points)], axis=1)
    config = AnalysesConfig.model_validate(
        {
            "criterion": {"kind": "score", "score": "margin", "threshold": 1e9},
            "redundancy": {},
            "correlations": {},
            "islands": {"method": "dbscan"},
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        summary = run_analyses(config, model, table, tmp_path, seed=0)
    assert "correlations need at least" in summary["correlations"]["error"]
    assert "files" in summary["good_set"]
    assert "files" in summary["islands"]
    assert "error" not in summary["redundancy"]
    assert summary["good_set"]["n_good"] == 0
