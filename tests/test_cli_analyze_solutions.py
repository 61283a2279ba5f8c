"""``redundancy analyze correlations | islands | connect`` run as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from redundancy.models import get_model


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "redundancy", "--quiet", "analyze", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def dependency_csv(tmp_path_factory):
    model = get_model("landscape_dependency")
    unit = np.random.default_rng(0).random((60_000, 3))
    table = pd.DataFrame(model.space.from_unit(unit), columns=model.space.names)
    table = pd.concat([table, model.simulate(table)], axis=1)
    path = tmp_path_factory.mktemp("tables") / "dependency.csv"
    table.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def islands_parquet(tmp_path_factory):
    model = get_model("landscape_islands")
    axis = np.linspace(0, 1, 81)
    x, y = np.meshgrid(axis, axis, indexing="ij")
    table = pd.DataFrame({"x": x.ravel(), "y": y.ravel()})
    table = pd.concat([table, model.simulate(table)], axis=1)
    path = tmp_path_factory.mktemp("tables") / "islands.parquet"
    table.to_parquet(path)
    return path


def test_correlations_command(dependency_csv, tmp_path):
    out = tmp_path / "out"
    result = run_cli("correlations", dependency_csv, "--model", "landscape_dependency",
                     "--criterion", "margin >= 0", "--reference", "a=1", "--reference",
                     "b=1", "--out", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "co-tuned" in result.stdout
    data = json.loads((out / "correlations.json").read_text())
    kinds = {(p["parameter_1"], p["parameter_2"]): p["kind"]
             for p in data["compensation_pairs"]}  # fmt: skip
    assert kinds[("a", "b")] == "co-tuned"
    assert kinds[("b", "c")] == "anti-tuned"
    assert (out / "correlations.png").exists()
    assert (out / "corner.png").exists()


def test_correlations_needs_parameters(dependency_csv):
    result = run_cli("correlations", dependency_csv, "--criterion", "margin >= 0")
    assert result.returncode == 2
    assert "--parameters" in result.stderr
    assert "Traceback" not in result.stderr


def test_islands_command(islands_parquet, tmp_path):
    out = tmp_path / "out"
    result = run_cli("islands", islands_parquet, "--parameters", "x,y", "--criterion",
                     "margin >= 0", "--out", out)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "2 island(s)" in result.stdout
    data = json.loads((out / "islands.json").read_text())
    assert data["count"] == 2
    assert (out / "islands.png").exists()


def test_islands_unknown_readout(islands_parquet):
    result = run_cli("islands", islands_parquet, "--parameters", "x,y", "--criterion",
                     "fitness >= 0")  # fmt: skip
    assert result.returncode == 2
    assert "fitness" in result.stderr
    assert "Traceback" not in result.stderr


def test_connect_command(tmp_path):
    out = tmp_path / "out"
    result = run_cli(
        "connect", "landscape_islands", "--setting", "bridge=1",
        "--from", "x=0.25", "--from", "y=0.3", "--to", "x=0.75",
        "--to", "y=0.7", "--criterion", "margin >= 0", "--out", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("connected")
    data = json.loads((out / "connect.json").read_text())
    assert data["connected"] is True
    assert data["straight_connected"] is False


def test_connect_unknown_parameter():
    result = run_cli("connect", "landscape_islands", "--from", "z=0.25", "--to",
                     "x=0.75", "--criterion", "margin >= 0")  # fmt: skip
    assert result.returncode == 2
    assert "unknown parameter 'z'" in result.stderr


def test_connect_rejects_point_outside_bounds(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "redundancy", "-q", "analyze", "connect",
         "landscape_islands", "--from", "x=2", "--to", "x=0.5", "--criterion",
         "margin >= 0"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--from x = 2.0" in result.stderr
    assert "outside its bounds [0.0, 1.0]" in result.stderr
