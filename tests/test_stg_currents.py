"""Gating functions, constants and tables of the STG cell against the formulas."""

from __future__ import annotations

import numpy as np
import pytest

import stg_reference as ref
from redundancy.models.stg import currents

VOLTAGES = np.array([-90.0, -70.0, -55.0, -40.0, -25.0, -10.0, 0.0, 20.0, 45.0])


def _evaluate(function, v: float) -> np.ndarray:
    out = np.empty(13)
    function(v, out)
    return out


@pytest.mark.parametrize("v", VOLTAGES)
def test_steady_states_match_formulas(v: float) -> None:
    got = _evaluate(currents.steady_states, float(v))
    np.testing.assert_allclose(got[:11], ref.steady_states(v), rtol=1e-12)
    s_inf = 1.0 / (1.0 + np.exp((-35.0 - v) / 5.0))
    np.testing.assert_allclose(got[11:], [s_inf, s_inf], rtol=1e-12)


@pytest.mark.parametrize("v", VOLTAGES)
def test_time_constants_match_formulas(v: float) -> None:
    got = _evaluate(currents.time_constants, float(v))
    np.testing.assert_allclose(got[:11], ref.time_constants(v), rtol=1e-12)
    s_inf = 1.0 / (1.0 + np.exp((-35.0 - v) / 5.0))
    np.testing.assert_allclose(got[11], (1 - s_inf) / 0.025, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got[12], (1 - s_inf) / 0.01, rtol=1e-9, atol=1e-12)


def test_known_values_of_gates() -> None:
    # Half-activation points and limits read directly off the published table.
    ss = _evaluate(currents.steady_states, -25.5)
    assert ss[0] == pytest.approx(0.5)
    ss = _evaluate(currents.steady_states, -12.3)
    assert ss[9] == pytest.approx(0.5)
    ss = _evaluate(currents.steady_states, -75.0)
    assert ss[10] == pytest.approx(0.5)
    tau = _evaluate(currents.time_constants, 200.0)
    assert tau[0] == pytest.approx(2.64 - 2.52, abs=1e-3)
    assert tau[2] == pytest.approx(43.4 - 42.6, abs=1e-3)


def test_nernst_factor_at_10_degc() -> None:
    factor = float(currents.nernst_factor_mv(10.0))
    assert factor == pytest.approx(12.2, abs=0.02)
    e_ca = factor * np.log(currents.CA_OUT_UM / currents.CA_REST_UM)
    assert e_ca == pytest.approx(134.0, abs=0.5)


def test_synapse_density_conversion() -> None:
    assert float(currents.synapse_density(100.0)) == pytest.approx(0.159, abs=5e-4)


def test_table_interpolation_close_to_exact() -> None:
    rates = np.ones(13)
    dt = 0.025
    table = currents.build_table(-100.0, 0.05, 4801, rates, dt)
    scratch = np.empty(13)
    exact = np.empty(currents.N_COLUMNS)
    for v in np.linspace(-85.0, 50.0, 57) + 0.0123:
        x = (v + 100.0) / 0.05
        i = int(x)
        row = table[i] + (x - i) * (table[i + 1] - table[i])
        currents.gating_row(v, rates, dt, scratch, exact)
        np.testing.assert_allclose(row, exact, atol=2e-4)
    # Decay factors: exp(-dt/tau) for full steps, exp(-dt/(2 tau)) for half steps.
    currents.gating_row(-40.0, rates, dt, scratch, exact)
    tau = ref.time_constants(-40.0)
    np.testing.assert_allclose(exact[13:24], np.exp(-dt / tau), rtol=1e-12)
    np.testing.assert_allclose(exact[26:37], np.exp(-dt / (2 * tau)), rtol=1e-12)
