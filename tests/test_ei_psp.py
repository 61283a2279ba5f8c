"""The E/I PSP model against solve_ivp and the analytic properties of its equation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar

import redundancy

# Waveform and membrane written out independently of the package's kernel.


def _waveform(t: np.ndarray | float, tau_rise: float, tau_decay: float) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    out = np.zeros_like(t)
    positive = t > 0
    if math.isclose(tau_rise, tau_decay, rel_tol=1e-9):
        x = t[positive] / tau_decay
        out[positive] = x * np.exp(1 - x)
        return out
    lo, hi = sorted((tau_rise, tau_decay))
    t_peak = lo * hi / (hi - lo) * math.log(hi / lo)
    norm = math.exp(-t_peak / hi) - math.exp(-t_peak / lo)
    out[positive] = (np.exp(-t[positive] / hi) - np.exp(-t[positive] / lo)) / norm
    return out


def _reference_peak(values: dict[str, float], duration_ms: float) -> float:
    """Return max_t (V - V_hold) from a tight-tolerance Radau solution."""
    p = values

    def conductances(t: float) -> tuple[float, float]:
        g_e = (
            p["g_e_scale"]
            * p["g_e_peak_ns"]
            * float(_waveform(t, p["tau_rise_e_ms"], p["tau_decay_e_ms"]))
        )
        g_i = (
            p["g_i_scale"]
            * p["g_i_peak_ns"]
            * float(
                _waveform(t - p["delay_i_ms"], p["tau_rise_i_ms"], p["tau_decay_i_ms"])
            )
        )
        return g_e, g_i

    def rhs(t: float, y: np.ndarray) -> list[float]:
        g_e, g_i = conductances(t)
        v = y[0]
        current = (
            -p["g_l_ns"] * (v - p["e_l_mv"])
            - g_e * (v - p["e_e_mv"])
            - g_i * (v - p["e_i_mv"])
            + p["g_l_ns"] * (p["v_hold_mv"] - p["e_l_mv"])
        )
        return [current / p["c_pf"]]

    solution = solve_ivp(
        rhs,
        (0.0, duration_ms),
        [p["v_hold_mv"]],
        method="Radau",
        rtol=1e-10,
        atol=1e-12,
        max_step=0.05,
        dense_output=True,
    )
    assert solution.success
    grid = np.linspace(0, duration_ms, 20001)
    u = solution.sol(grid)[0] - p["v_hold_mv"]
    best = int(np.argmax(u))
    if best in (0, len(grid) - 1):
        return float(u[best])
    refined = minimize_scalar(
        lambda t: -(solution.sol(t)[0] - p["v_hold_mv"]),
        bounds=(grid[best - 1], grid[best + 1]),
        method="bounded",
        options={"xatol": 1e-9},
    )
    return float(-refined.fun)


CASES = [
    {},
    {"g_e_scale": 0.35, "g_i_scale": 0.15},
    {"tau_rise_e_ms": 2.0, "tau_decay_e_ms": 2.0},  # alpha-function excitation
    {"tau_rise_i_ms": 5.0, "tau_decay_i_ms": 5.0, "delay_i_ms": 0.0},
    {"g_e_peak_ns": 10.0, "g_i_peak_ns": 30.0, "v_hold_mv": -40.0},
    {"tau_rise_e_ms": 3.0, "tau_decay_e_ms": 1.0, "e_i_mv": -80.0, "v_hold_mv": -68.0},
    {"g_e_scale": 2.5, "g_i_scale": 0.1, "delay_i_ms": 5.0, "c_pf": 60.0},
    {"g_l_ns": 20.0, "e_e_mv": 10.0, "delay_i_ms": 0.5, "g_i_scale": 3.0},
]


@pytest.mark.parametrize("case", CASES)
def test_peak_matches_solve_ivp(case: dict[str, float]) -> None:
    model = redundancy.get_model("ei_psp")
    values = {**model.defaults(), **case}
    ours = model.simulate(pd.DataFrame([values]))["psp_peak_mv"].iloc[0]
    reference = _reference_peak(values, model.duration_ms)
    assert abs(ours - reference) < 0.01


def test_no_input_stays_at_holding() -> None:
    model = redundancy.get_model("ei_psp")
    for v_hold in (-80.0, -60.0, -45.0):
        trace = model.trace({"g_e_scale": 0, "g_i_scale": 0, "v_hold_mv": v_hold})
        assert np.max(np.abs(trace.series["v_mv"] - v_hold)) < 1e-9


def _trace_u(model: redundancy.Model, **values: float) -> np.ndarray:
    trace = model.trace(values)
    return trace.series["v_mv"] - trace.parameters["v_hold_mv"]


def test_holding_at_e_i_gives_shunting_only() -> None:
    model = redundancy.get_model("ei_psp")
    e_i = model.defaults()["e_i_mv"]
    for g_i_scale in (0.0, 1.0, 3.0):
        u = _trace_u(model, v_hold_mv=e_i, g_i_scale=g_i_scale, g_e_scale=1.0)
        assert u.min() >= -1e-12
        silent = _trace_u(model, v_hold_mv=e_i, g_i_scale=g_i_scale, g_e_scale=0.0)
        assert np.max(np.abs(silent)) < 1e-12
    # Inhibition still lowers the response, by shunting.
    weak = _trace_u(model, v_hold_mv=e_i, g_i_scale=0.0).max()
    strong = _trace_u(model, v_hold_mv=e_i, g_i_scale=3.0).max()
    assert strong < weak


def test_holding_at_e_e_mirror_case() -> None:
    model = redundancy.get_model("ei_psp")
    e_e = model.defaults()["e_e_mv"]
    u = _trace_u(model, v_hold_mv=e_e, g_i_scale=0.0, g_e_scale=2.0)
    assert np.max(np.abs(u)) < 1e-12


def test_response_affine_in_holding_potential() -> None:
    model = redundancy.get_model("ei_psp")
    point = {"g_e_scale": 0.7, "g_i_scale": 1.3}
    v_a, v_b, v_c = -68.0, -40.0, -55.0
    u_a = _trace_u(model, v_hold_mv=v_a, **point)
    u_b = _trace_u(model, v_hold_mv=v_b, **point)
    u_c = _trace_u(model, v_hold_mv=v_c, **point)
    interpolated = u_a + (v_c - v_a) / (v_b - v_a) * (u_b - u_a)
    assert np.max(np.abs(u_c - interpolated)) < 1e-9


def test_sensitivity_signs() -> None:
    model = redundancy.get_model("ei_psp")
    scales = np.linspace(0, 2, 9)
    for v_hold in (-68.0, -55.0, -42.0):
        grid = pd.DataFrame(
            [(e, i, v_hold) for e in scales for i in scales],
            columns=["g_e_scale", "g_i_scale", "v_hold_mv"],
        )
        peak = model.simulate(grid)["psp_peak_mv"].to_numpy().reshape(9, 9)
        assert np.all(np.diff(peak, axis=1) <= 1e-12)  # more inhibition
        assert np.all(np.diff(peak, axis=0) >= -1e-12)  # more excitation
    # At every time, not only at the peak.
    low = _trace_u(model, v_hold_mv=-50.0, g_i_scale=0.5)
    high = _trace_u(model, v_hold_mv=-50.0, g_i_scale=1.5)
    assert np.all(high <= low + 1e-12)


def _step_model() -> redundancy.Model:
    """A model whose conductances switch on at t = 0 and stay constant."""
    return redundancy.get_model("ei_psp", duration_ms=600.0, dt_ms=0.02)


STEP = {
    "tau_rise_e_ms": 1e-3,
    "tau_decay_e_ms": 1e9,
    "tau_rise_i_ms": 1e-3,
    "tau_decay_i_ms": 1e9,
    "delay_i_ms": 0.0,
    # Weak enough inhibition that the steady-state PSP is positive for every
    # holding potential tested, so the peak readout measures it.
    "g_i_peak_ns": 2.0,
}


def _step_slope(v_hold: float) -> tuple[float, float]:
    """Return the simulated and analytic iso-PSP slope d s_E / d s_I at (1, 1)."""
    model = _step_model()
    base = {**model.defaults(), **STEP, "v_hold_mv": v_hold}
    h = 1e-4
    rows = pd.DataFrame(
        [
            {**base, "g_i_scale": 1 + h},
            {**base, "g_i_scale": 1 - h},
            {**base, "g_e_scale": 1 + h},
            {**base, "g_e_scale": 1 - h},
            base,
        ]
    )
    peak = model.simulate(rows)["psp_peak_mv"].to_numpy()
    d_i = (peak[0] - peak[1]) / (2 * h)
    d_e = (peak[2] - peak[3]) / (2 * h)
    simulated = -d_i / d_e
    v_ss = v_hold + peak[4]
    analytic = (
        base["g_i_peak_ns"]
        / base["g_e_peak_ns"]
        * (v_ss - base["e_i_mv"])
        / (base["e_e_mv"] - v_ss)
    )
    return simulated, analytic


def test_step_conductance_contour_slope() -> None:
    slopes = []
    for v_hold in (-68.0, -60.0, -50.0, -42.0):
        simulated, analytic = _step_slope(v_hold)
        assert simulated == pytest.approx(analytic, rel=1e-3, abs=1e-6)
        slopes.append(simulated)
    assert np.all(np.diff(slopes) > 0)  # the contour tilts as V_0 rises


def test_step_conductance_steady_state() -> None:
    model = _step_model()
    values = {**model.defaults(), **STEP}
    peak = model.simulate(pd.DataFrame([values]))["psp_peak_mv"].iloc[0]
    g_e, g_i, g_l = values["g_e_peak_ns"], values["g_i_peak_ns"], values["g_l_ns"]
    v0 = values["v_hold_mv"]
    expected = (g_e * (values["e_e_mv"] - v0) - g_i * (v0 - values["e_i_mv"])) / (
        g_l + g_e + g_i
    )
    assert peak == pytest.approx(max(expected, 0.0), rel=1e-3)


def test_equal_scaling_lowers_psp() -> None:
    model = redundancy.get_model("ei_psp")
    result = model.simulate({"g_e_scale": [1.0, 0.35], "g_i_scale": [1.0, 0.35]})[
        "psp_peak_mv"
    ]
    assert result.iloc[1] < 0.6 * result.iloc[0]


def test_ei_ratio_and_spike_readouts() -> None:
    model = redundancy.get_model("ei_psp")
    out = model.simulate(
        {
            "g_e_scale": [1.0, 0.35, 1.0, 3.0],
            "g_i_scale": [1.0, 0.15, 0.0, 0.0],
            "g_e_peak_ns": [3.0, 3.0, 3.0, 60.0],
        }
    )
    defaults = model.defaults()
    wt_ratio = defaults["g_e_peak_ns"] / defaults["g_i_peak_ns"]
    assert out["ei_ratio"].iloc[0] == pytest.approx(wt_ratio)
    assert out["ei_ratio"].iloc[1] / out["ei_ratio"].iloc[0] == pytest.approx(
        0.35 / 0.15
    )
    assert np.isinf(out["ei_ratio"].iloc[2])
    assert out["status"].iloc[2] == "ok"
    assert out["spike"].iloc[0] == 0.0
    assert out["spike"].iloc[3] == 1.0


def test_peak_at_window_end_is_failed_row() -> None:
    model = redundancy.get_model("ei_psp", duration_ms=1.0)
    out = model.simulate({"g_e_scale": [1.0]})
    assert out["status"].iloc[0] == "failed"
    assert "duration_ms" in out["reason"].iloc[0]


def test_negative_conductance_rejected_per_row() -> None:
    model = redundancy.get_model("ei_psp")
    out = model.simulate({"g_e_scale": [1.0, -0.5, 0.5]})
    assert list(out["status"]) == ["ok", "failed", "ok"]
    assert "g_e_scale" in out["reason"].iloc[1]
