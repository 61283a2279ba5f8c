"""The ``redundancy analyze`` commands, run as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

MODEL_SOURCE = textwrap.dedent(
    """
    import numpy as np
    from redundancy import FunctionModel, Parameter

    def _evaluate(x):
        return np.column_stack([x[:, 0] * x[:, 1], x[:, 0] + 2 * x[:, 1]])

    def make():
        parameters = [
            Parameter("a", "nS", 0.5, 2.0, 1.0, "log"),
            Parameter("b", "nS", 0.5, 2.0, 1.0, "log"),
        ]
        return FunctionModel(_evaluate, parameters, ["product", "total"], name="toy")
    """
)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "toymodel.py").write_text(MODEL_SOURCE)
    return tmp_path


def _run(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(workdir), "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "redundancy", "-q", "analyze", *args],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=env,
        timeout=300,
    )


def test_fisher_command_writes_results(workdir):
    out = workdir / "out"
    result = _run(
        workdir, "fisher", "toymodel:make", "--at", "a=1.5", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert "rank 2 of 2" in result.stdout
    data = json.loads((out / "fisher.json").read_text())
    # product = a·b and total = a + 2b, relative scale, log parameters at (1.5, 1).
    jacobian = np.array([[1.0, 1.0], [1.5 / 3.5, 2.0 / 3.5]])
    np.testing.assert_allclose(data["matrix"], jacobian.T @ jacobian, rtol=1e-5)
    assert (out / "fisher.png").stat().st_size > 1000


def test_fisher_command_from_file_reference(workdir):
    result = _run(workdir, "fisher", f"{workdir / 'toymodel.py'}:make")
    assert result.returncode == 0, result.stderr


def test_sobol_command(workdir):
    out = workdir / "out"
    result = _run(workdir, "sobol", "toymodel:make", "--n", "64", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "ST_conf" in result.stdout
    data = json.loads((out / "sobol.json").read_text())
    assert data["n"] == 64
    assert (out / "sobol.png").exists()


def test_sobol_command_within_good_set(workdir):
    result = _run(
        workdir, "sobol", "toymodel:make", "--n", "64", "--within", "product > 1"
    )
    assert result.returncode == 0, result.stderr
    assert "good" in result.stdout


def test_morris_and_oat_commands(workdir):
    out = workdir / "out"
    morris = _run(
        workdir, "morris", "toymodel:make", "--trajectories", "4", "--out", str(out)
    )
    assert morris.returncode == 0, morris.stderr
    assert "mu_star" in morris.stdout
    oat = _run(workdir, "oat", "toymodel:make", "--at", "a=2", "--out", str(out))
    assert oat.returncode == 0, oat.stderr
    data = json.loads((out / "oat.json").read_text())
    rows = {(r["readout"], r["parameter"]): r for r in data["sensitivities"]}
    assert rows[("product", "a")]["change_plus"] == pytest.approx(0.2)


def _table(workdir: Path, suffix: str) -> Path:
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0.5, 2, 500), rng.uniform(0.5, 2, 500)
    frame = pd.DataFrame({"a": a, "b": b, "product": a * b, "total": a + 2 * b})
    frame["status"] = "ok"
    path = workdir / f"population{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_good_set_command(workdir, suffix):
    path = _table(workdir, suffix)
    out = workdir / "out"
    result = _run(
        workdir,
        "good-set",
        str(path),
        "--target",
        "product=1+-10%",
        "--model",
        "toymodel:make",
        "--summary",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "good_set.json").read_text())
    frame = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
    expected = int((np.abs(frame["product"] - 1) <= 0.1).sum())
    assert data["n_good"] == expected
    assert (out / "redundancy.json").exists()


def test_good_set_unknown_readout_is_clear_error(workdir):
    path = _table(workdir, ".csv")
    result = _run(
        workdir,
        "good-set",
        str(path),
        "--criterion",
        "periodd > 1",
        "--model",
        "toymodel:make",
    )
    assert result.returncode == 2
    assert "unknown readout 'periodd'" in result.stderr
    assert "Traceback" not in result.stderr


def test_good_set_bad_expression_is_clear_error(workdir):
    path = _table(workdir, ".csv")
    result = _run(
        workdir, "good-set", str(path), "--criterion", "product.__class__ > 1"
    )
    assert result.returncode == 2
    assert "not allowed" in result.stderr
    missing = _run(workdir, "good-set", str(path))
    assert missing.returncode == 2
    assert "give exactly one of" in missing.stderr


def test_fisher_bad_assignment_is_clear_error(workdir):
    result = _run(workdir, "fisher", "toymodel:make", "--at", "zz=1")
    assert result.returncode == 2
    assert "unknown parameter 'zz'" in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("oat", "toymodel:make", "--at", "zz=1"), "unknown parameter 'zz'"),
        (
            ("sobol", "toymodel:make", "--n", "8", "--within", "periodd > 1"),
            "unknown readout 'periodd'",
        ),
        (
            ("sobol", "toymodel:make", "--n", "8", "--failure-policy", "skip"),
            "--failure-policy 'skip' is not valid",
        ),
        (
            ("morris", "toymodel:make", "--failure-policy", "skip"),
            "--failure-policy 'skip' is not valid",
        ),
        (("fisher", "toymodel:make", "--scale", "bogus"), "readout_scale 'bogus'"),
        (("fisher", "nosuchmodel"), "unknown model 'nosuchmodel'"),
    ],
)
def test_model_commands_reject_unknown_names(workdir, args, expected):
    result = _run(workdir, *args)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("model", ["toymodel:make", "landscape_sloppy"])
def test_unknown_setting_is_clear_error(workdir, model):
    result = _run(workdir, "fisher", model, "--setting", "dt_typo=1")
    assert result.returncode == 2, result.stderr
    assert "unknown setting 'dt_typo'" in result.stderr
    assert "Traceback" not in result.stderr
    if model == "landscape_sloppy":
        assert "eigenvalues" in result.stderr


ZERO_SOURCE = textwrap.dedent(
    """
    import numpy as np
    from redundancy import FunctionModel, Parameter

    def _evaluate(x):
        return np.column_stack([x[:, 0] * x[:, 1], 0 * x[:, 0]])

    def make():
        parameters = [
            Parameter("a", "nS", 0.5, 2.0, 1.0, "log"),
            Parameter("b", "nS", 0.5, 2.0, 1.0, "log"),
        ]
        return FunctionModel(_evaluate, parameters, ["product", "spike"], name="z")
    """
)


@pytest.mark.parametrize("command", ["fisher", "oat"])
def test_zero_readout_is_skipped_by_default(workdir, command):
    (workdir / "zeromodel.py").write_text(ZERO_SOURCE)
    out = workdir / "out"
    result = _run(workdir, command, "zeromodel:make", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "skipped readout(s) spike" in result.stderr
    assert "spike" not in (out / f"{command}.json").read_text()


@pytest.mark.parametrize("command", ["fisher", "oat"])
def test_chosen_zero_readout_names_cli_option(workdir, command):
    (workdir / "zeromodel.py").write_text(ZERO_SOURCE)
    result = _run(workdir, command, "zeromodel:make", "--readout", "spike")
    assert result.returncode == 2
    assert "--readout NAME" in result.stderr
    assert "readouts=" not in result.stderr
    assert "readout_scale=" not in result.stderr
    chosen = _run(workdir, command, "zeromodel:make", "--readout", "product")
    assert chosen.returncode == 0, chosen.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--levels", "1"], "--levels 1"),
        (["--levels", "0"], "--levels 0"),
        (["--trajectories", "1"], "--trajectories 1"),
    ],
)
def test_morris_rejects_too_few_levels(workdir, args, expected):
    result = _run(workdir, "morris", "toymodel:make", *args)
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["fisher", "oat"])
def test_point_outside_bounds_is_clear_error(workdir, command):
    result = _run(workdir, command, "toymodel:make", "--at", "a=5")
    assert result.returncode == 2
    assert "--at a = 5.0 nS is outside its bounds [0.5, 2.0]" in result.stderr


def test_cli_form_translates_python_keywords():
    from redundancy.cli.analysis_options import cli_form

    message = cli_form("use method='dbscan' or 'hdbscan'; choose another (at=...)")
    assert message == "use --method dbscan or --method hdbscan; choose another " \
        "(--at NAME=VALUE)"  # fmt: skip
