"""The ``redundancy simulate`` command on the pyloric model, run as a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "redundancy", *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_simulate_pyloric_preset_prints_features(tmp_path: Path) -> None:
    plot = tmp_path / "pyloric.png"
    result = _run(
        "simulate",
        "pyloric",
        "--preset",
        "abpd1_lp3_py1",
        "--setting",
        "duration_ms=6000",
        "--plot",
        str(plot),
    )
    assert result.returncode == 0, result.stderr
    assert "cycle_period_ms" in result.stdout
    assert "pyloric_like" in result.stdout
    assert plot.exists()
    assert plot.stat().st_size > 10_000


def test_simulate_unknown_preset_fails_cleanly() -> None:
    result = _run("simulate", "pyloric", "--preset", "abpd_9")
    assert result.returncode == 2
    assert "abpd1_lp3_py1" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_simulate_invalid_setting_fails_cleanly() -> None:
    result = _run("simulate", "stg_neuron", "--setting", "dt_ms=2")
    output = result.stderr + result.stdout
    assert result.returncode == 2
    assert "dt_ms=2.0 is too coarse" in output
    assert "dt_ms <= 0.5" in output
    assert "Traceback" not in result.stderr
