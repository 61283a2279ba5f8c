"""The core commands run as a user runs them: as subprocesses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "redundancy", "--quiet", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def _assert_clean_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


STUDY = """\
name: small
model:
  name: ei_psp
  parameters: {{v_hold_mv: -55}}
landscape: {{points: 21}}
cohort: {{csv: {csv}, tolerance_pct: 15}}
"""


def test_demo_writes_outputs(tmp_path) -> None:
    result = _run("demo", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Cntnap2-/-" in result.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    groups = {g["genotype"]: g for g in summary["groups"]}
    ko = groups["Cntnap2-/-"]
    assert ko["g_e_scale"] == pytest.approx(0.35)
    assert ko["g_i_scale"] == pytest.approx(0.15)
    assert isinstance(ko["compensated"], bool)
    verdict = "not compensated" if not ko["compensated"] else "compensated"
    assert f"-> {verdict}" in result.stdout
    assert summary["compensation"]["tolerance_pct"] == 10.0
    assert summary["stand_ins"]["g_e_peak_ns"]["value"] == 3.0
    for name in ("contour_map.png", "contour_map.svg", "traces.png", "traces.svg"):
        assert (tmp_path / name).stat().st_size > 1000
    report = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in report
    assert "stand-ins" in report


def test_run_study_file_with_relative_csv(tmp_path) -> None:
    (tmp_path / "groups.csv").write_text(
        "genotype,g_e,g_i,unit\nwild_type,3,6,nS\nmutant,1.5,1.5,nS\n"
    )
    (tmp_path / "study.yaml").write_text(STUDY.format(csv="groups.csv"))
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    mutant = summary["groups"][1]
    assert mutant["g_e_scale"] == pytest.approx(0.5)
    assert mutant["g_i_scale"] == pytest.approx(0.25)
    assert summary["model"]["parameters"][11]["default"] == -55.0


@pytest.mark.parametrize(
    ("edit", "fragments"),
    [
        ("landscape: {points: 21, colour: red}", ["unknown key 'landscape.colour'"]),
        ("landscape: {points: many}", ["landscape.points"]),
        ("landscape: {points: 1}", ["between 3 and 4001"]),
        ("landscape: {x: g_x_scale, points: 5}", ["unknown parameter", "g_x_scale"]),
        ("landscape: {readout: psp, points: 5}", ["unknown readout 'psp'"]),
    ],
)
def test_run_rejects_bad_study(tmp_path, edit, fragments) -> None:
    text = STUDY.format(csv="builtin:cntnap2").replace("landscape: {points: 21}", edit)
    (tmp_path / "study.yaml").write_text(text)
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, *fragments)


def test_run_rejects_out_of_bounds_value(tmp_path) -> None:
    text = STUDY.format(csv="builtin:cntnap2").replace("-55", "-200")
    (tmp_path / "study.yaml").write_text(text)
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, "model.parameters.v_hold_mv", "outside the bounds")


def test_run_rejects_unknown_model_setting(tmp_path) -> None:
    text = STUDY.format(csv="builtin:cntnap2").replace(
        "  name: ei_psp\n", "  name: ei_psp\n  settings: {dtt: 0.01}\n"
    )
    (tmp_path / "study.yaml").write_text(text)
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, "model.settings: unknown setting 'dtt'", "dt_ms")


@pytest.mark.parametrize("value", ["null", "[0.01]", "{a: 1}"])
def test_run_non_scalar_setting(tmp_path, value) -> None:
    text = STUDY.format(csv="builtin:cntnap2").replace(
        "  name: ei_psp\n", f"  name: ei_psp\n  settings: {{dt_ms: {value}}}\n"
    )
    (tmp_path / "study.yaml").write_text(text)
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, "setting 'dt_ms' must be a number, true or false")
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_rejects_missing_files(tmp_path) -> None:
    result = _run("run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, "study file not found")
    (tmp_path / "study.yaml").write_text(STUDY.format(csv="missing.csv"))
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, "cohort.csv: file not found")


def test_run_rejects_bad_cohort_csv(tmp_path) -> None:
    (tmp_path / "groups.csv").write_text("genotype,g_e,g_i,unit\nko,1,-2,nS\n")
    (tmp_path / "study.yaml").write_text(STUDY.format(csv="groups.csv"))
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, "line 2, column 'g_i'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_shows_traceback(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "redundancy",
            "--debug",
            "run",
            str(tmp_path / "x.yaml"),
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_models_lists_parameters_with_units() -> None:
    result = _run("models", "ei_psp")
    assert result.returncode == 0, result.stderr
    assert "g_e_scale" in result.stdout
    assert "nS" in result.stdout
    listing = json.loads(_run("models", "ei_psp", "--json").stdout)
    names = [p["name"] for p in listing[0]["parameters"]]
    assert "v_hold_mv" in names


def test_simulate_prints_readouts_as_json() -> None:
    result = _run(
        "simulate",
        "ei_psp",
        "--set",
        "g_e_scale=0.35",
        "--set",
        "g_i_scale=0.15",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["parameters"]["g_e_scale"] == 0.35
    assert payload["readouts"]["status"] == "ok"
    assert payload["readouts"]["psp_peak_mv"] > 0


def test_simulate_preset_and_plot(tmp_path) -> None:
    result = _run(
        "simulate",
        "ei_psp",
        "--preset",
        "cntnap2",
        "--plot",
        str(tmp_path / "trace.png"),
    )
    assert result.returncode == 0, result.stderr
    assert "psp_peak_mv" in result.stdout
    assert (tmp_path / "trace.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["simulate", "nosuch"], "unknown model 'nosuch'"),
        (["simulate", "ei_psp", "--set", "g_x=1"], "unknown parameter 'g_x'"),
        (["simulate", "ei_psp", "--set", "g_e_scale"], "expected NAME=VALUE"),
        (["simulate", "ei_psp", "--set", "g_e_scale=abc"], "is not a number"),
        (["simulate", "ei_psp", "--set", "g_e_scale=9"], "outside its bounds"),
        (["simulate", "ei_psp", "--preset", "nope"], "unknown preset 'nope'"),
    ],
)
def test_simulate_bad_input(args, fragment) -> None:
    _assert_clean_error(_run(*args), fragment)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["run"], "Missing argument 'STUDY.yaml'"),
        (["run", "study.yaml"], "Missing option '--out'"),
        (["nosuchcmd"], "No such command 'nosuchcmd'"),
        (["simulate", "ei_psp", "--json", "--set"], "requires an argument"),
    ],
)
def test_usage_errors_without_traceback(args, fragment) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr


def test_run_rejects_duplicate_yaml_keys(tmp_path) -> None:
    text = STUDY.format(csv="builtin:cntnap2") + "model: {name: ei_psp}\n"
    (tmp_path / "study.yaml").write_text(text)
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(result, "duplicate key 'model'", "line 7")


def test_out_path_that_is_a_file(tmp_path) -> None:
    (tmp_path / "taken").write_text("")
    result = _run("demo", "--out", str(tmp_path / "taken" / "sub"))
    _assert_clean_error(result, "is a file; choose another --out")


def test_cohort_outside_model_bounds(tmp_path) -> None:
    (tmp_path / "groups.csv").write_text(
        "genotype,g_e,g_i,unit\nwild_type,100,100,%\nKO,900,15,%\n"
    )
    (tmp_path / "study.yaml").write_text(STUDY.format(csv="groups.csv"))
    result = _run("run", str(tmp_path / "study.yaml"), "--out", str(tmp_path / "o"))
    _assert_clean_error(
        result, "group 'KO' has g_e_scale = 9", "outside the model's bounds"
    )


def test_simulate_plot_with_defaults(tmp_path) -> None:
    result = _run("simulate", "ei_psp", "--plot", str(tmp_path / "trace.png"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "trace.png").stat().st_size > 1000
