"""The registered STG models: spaces, presets, readouts, dt convergence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from redundancy.models import available_models, get_model
from redundancy.models.stg import presets
from redundancy.models.stg.features import STATUS_UNDEFINED


def test_models_are_registered() -> None:
    assert {"stg_neuron", "pyloric"} <= set(available_models())
    assert get_model("pyloric").name == "pyloric"
    assert get_model("stg_neuron").name == "stg_neuron"


def test_pyloric_prior_has_31_parameters() -> None:
    space = get_model("pyloric").space
    assert len(space) == 31
    assert space.names[:8] == [f"g_{c}_abpd" for c in presets.CURRENTS]
    assert space.is_log.sum() == 7
    assert space["g_ab_lp"].upper == 10_000.0
    assert space["g_py_lp"].lower == 0.01
    assert space["g_kd_abpd"].lower == 25.0
    assert {
        p.unit for p in space if not p.name.startswith("g_") or p.scale == "log"
    } == {"nS"}


def test_candidate_cells_lie_in_both_spaces() -> None:
    neuron_space = get_model("stg_neuron").space
    prior = presets.pyloric_prior()
    for name in presets.CANDIDATE_CELLS:
        neuron_space.validate(
            neuron_space.to_array(
                {k: [v] for k, v in presets.cell_values(name).items()}
            )
        )
        suffix = name.split("_")[0]
        values = presets.cell_values(name, suffix)
        prior.validate(prior.to_array({k: [v] for k, v in values.items()}))


def test_synapse_grid_gives_published_count() -> None:
    sizes = [len(values) for values in presets.SYNAPSE_VALUES_NS.values()]
    assert 5 * 5 * 6 * int(np.prod(sizes)) == 20_250_000


def test_temperature_parameter_is_optional() -> None:
    model = get_model("stg_neuron", temperature_as_parameter=True, duration_ms=1000)
    assert model.space.names[-1] == "temperature"
    assert model.space["temperature"].unit == "degC"
    assert "temperature" not in get_model("stg_neuron").space


def test_network_preset_is_pyloric() -> None:
    model = get_model("pyloric", duration_ms=6000, transient_ms=1000)
    row = model.simulate_one(model.presets()["abpd1_lp3_py1"])
    assert row["status"] == "ok", row["reason"]
    assert row["triphasic"] == 1.0
    assert row["pyloric_like"] == 1.0
    assert 1000 < row["cycle_period_ms"] < 2500


def test_bad_rows_do_not_sink_batch() -> None:
    model = get_model("pyloric", duration_ms=1500, transient_ms=0)
    table = pd.DataFrame([model.presets()["abpd1_lp3_py1"]] * 3)
    table.loc[1, "g_leak_lp"] = np.nan
    frame = model.simulate(table)
    assert frame.loc[1, "status"] == "failed"
    assert "diverged" in frame.loc[1, "reason"]
    assert frame.loc[0, "status"] != "failed"
    assert frame.loc[0, "reason"] == frame.loc[2, "reason"]


def test_silent_neuron_reports_reason() -> None:
    model = get_model("stg_neuron", duration_ms=2000, transient_ms=500)
    row = model.simulate_one(presets.cell_values("py_2"))
    assert row["status"] == STATUS_UNDEFINED
    assert row["activity"] == 0.0
    assert "silent" in row["reason"]
    assert np.isnan(row["burst_period_ms"])


def test_burst_period_converges_in_dt() -> None:
    periods = []
    for dt in (0.04, 0.02, 0.01):
        model = get_model(
            "stg_neuron",
            dt_ms=dt,
            duration_ms=4000,
            transient_ms=2000,
            scheme="exp_midpoint",
            gating="exact",
        )
        periods.append(
            model.simulate_one(presets.cell_values("abpd_2"))["burst_period_ms"]
        )
    assert np.all(np.isfinite(periods))
    assert abs(periods[2] - periods[1]) < abs(periods[1] - periods[0])
    assert abs(periods[2] - periods[1]) / periods[2] < 0.01


@pytest.mark.slow
def test_abpd_candidates_burst() -> None:
    # Prinz et al. (2004) took the AB/PD candidates from intrinsic bursters.
    model = get_model("stg_neuron", duration_ms=20_000, transient_ms=5000)
    names = [name for name in presets.CANDIDATE_CELLS if name.startswith("abpd")]
    frame = model.simulate(pd.DataFrame([presets.cell_values(n) for n in names]))
    assert frame["activity"].tolist() == [2.0] * len(names), frame[
        ["activity", "reason"]
    ]
    assert frame["burst_period_ms"].between(500, 3000).all()
