"""The compiled STG integrator against SciPy references and its own record."""

from __future__ import annotations

import numpy as np
import pytest

import stg_reference as ref
from redundancy.errors import InputError
from redundancy.models.stg import presets
from redundancy.models.stg.simulate import IntegrationSettings, run_batch, run_trace

ABPD_1 = np.array(presets.CANDIDATE_CELLS["abpd_1"], dtype=float)


def _network(abpd: str = "abpd_1", lp: str = "lp_3", py: str = "py_1"):
    values = presets.network_values(abpd, lp, py)
    gbar = np.array(
        [
            [
                values[f"g_{c}_{s}"]
                for c in ("na", "cat", "cas", "a", "kca", "kd", "h", "leak")
            ]
            for s in presets.CELL_SUFFIXES
        ]
    )
    gsyn = np.array([values[f"g_{name}"] for name in presets.SYNAPSE_NAMES])
    return gbar, gsyn


def _settings(**kwargs) -> IntegrationSettings:
    base = {"transient_ms": 0.0, "gating": "exact", "scheme": "exp_midpoint"}
    base.update(kwargs)
    return IntegrationSettings(**base)


@pytest.fixture(scope="module")
def neuron_reference():
    t, v = ref.solve(ABPD_1, None, 1500.0)
    return ref.spike_times(t, v[0])


def test_neuron_spike_times_match_solve_ivp(neuron_reference) -> None:
    record, _ = run_batch(
        ABPD_1[None, None], None, _settings(dt_ms=0.01, duration_ms=1500)
    )
    spikes = record.spikes(0, 0)
    assert spikes.size == neuron_reference.size
    np.testing.assert_allclose(spikes, neuron_reference, atol=1.0)


def test_neuron_midpoint_is_second_order(neuron_reference) -> None:
    errors = []
    for dt in (0.02, 0.01, 0.005):
        record, _ = run_batch(
            ABPD_1[None, None], None, _settings(dt_ms=dt, duration_ms=1500)
        )
        spikes = record.spikes(0, 0)
        assert spikes.size == neuron_reference.size
        errors.append(np.max(np.abs(spikes - neuron_reference)))
    # Halving dt cuts a second-order error about 4-fold; require at least 3-fold.
    assert errors[1] < errors[0] / 3
    assert errors[2] < errors[1] / 3


def test_exp_euler_converges_to_reference(neuron_reference) -> None:
    errors = []
    for dt in (0.02, 0.005):
        settings = _settings(dt_ms=dt, duration_ms=700, scheme="exp_euler")
        record, _ = run_batch(ABPD_1[None, None], None, settings)
        spikes = record.spikes(0, 0)
        n = min(spikes.size, 10)
        errors.append(np.max(np.abs(spikes[:n] - neuron_reference[:n])))
    assert errors[1] < errors[0] / 2


def test_network_spike_times_match_solve_ivp() -> None:
    gbar, gsyn = _network()
    t, v = ref.solve(gbar, gsyn, 1200.0)
    record, _ = run_batch(
        gbar[None], gsyn[None], _settings(dt_ms=0.005, duration_ms=1200)
    )
    for cell in range(3):
        expected = ref.spike_times(t, v[cell])
        spikes = record.spikes(0, cell)
        assert expected.size > 0
        assert spikes.size == expected.size, f"cell {cell}"
        np.testing.assert_allclose(spikes, expected, atol=1.0, err_msg=f"cell {cell}")


def test_record_agrees_with_trace() -> None:
    gbar, gsyn = _network()
    settings = IntegrationSettings(duration_ms=1500, transient_ms=500, dt_ms=0.025)
    time_ms, v_mv, ca_um, record = run_trace(gbar, gsyn, settings, sample_ms=0.025)
    for cell in range(3):
        v = v_mv[cell]
        expected = ref.spike_times(time_ms, v)
        np.testing.assert_allclose(record.spikes(0, cell), expected, atol=1e-9)
        assert record.v_min_mv[0, cell] == pytest.approx(v.min())
        assert record.v_max_mv[0, cell] == pytest.approx(v.max())
        assert record.ca_mean_um[0, cell] == pytest.approx(ca_um[cell].mean())
        above = v > -30.0
        starts = np.count_nonzero(above[1:] & ~above[:-1]) + int(above[0])
        assert record.plateau_counts[0, cell] == starts
        intervals = record.plateaus(0, cell)
        if intervals.size:
            assert np.all(intervals[:, 1] >= intervals[:, 0])
            inside = (time_ms[:, None] > intervals[:, 0]) & (
                time_ms[:, None] < intervals[:, 1]
            )
            assert np.all(v[inside.any(axis=1)] > -30.0 - 1e-9)
    assert record.duration_ms == pytest.approx(1500.0)


def test_diverging_run_keeps_batch() -> None:
    gbar = np.repeat(ABPD_1[None, None], 3, axis=0)
    gbar[1, 0, 7] = -1000.0  # negative leak: V runs away exponentially
    settings = IntegrationSettings(duration_ms=500, transient_ms=0)
    record, _ = run_batch(gbar, None, settings)
    assert record.diverged.tolist() == [False, True, False]
    assert np.isnan(record.v_min_mv[1, 0])
    assert record.spike_counts[0, 0] == record.spike_counts[2, 0] > 0


def test_batch_rows_are_independent() -> None:
    gbar = np.stack([_network()[0], _network("abpd_5", "lp_4", "py_5")[0]])
    gsyn = np.stack([_network()[1], _network()[1] * 2])
    settings = IntegrationSettings(duration_ms=800, transient_ms=0)
    together, _ = run_batch(gbar, gsyn, settings)
    for row in range(2):
        alone, _ = run_batch(gbar[row : row + 1], gsyn[row : row + 1], settings)
        np.testing.assert_array_equal(alone.spike_counts[0], together.spike_counts[row])
        np.testing.assert_array_equal(
            alone.spike_times_ms[0], together.spike_times_ms[row]
        )


def test_spike_buffer_overflow_is_counted() -> None:
    settings = IntegrationSettings(duration_ms=1500, transient_ms=0, max_spikes=5)
    record, _ = run_batch(ABPD_1[None, None], None, settings)
    assert record.spike_counts[0, 0] > 5
    assert record.spike_overflow[0, 0]
    assert np.all(np.isfinite(record.spike_times_ms[0, 0]))


def test_temperature_speeds_up_bursting() -> None:
    settings = IntegrationSettings(duration_ms=3000, transient_ms=1000)
    gbar = np.repeat(ABPD_1[None, None], 2, axis=0)
    record, _ = run_batch(gbar, None, settings, temperature_degc=np.array([10.0, 20.0]))
    reference, _ = run_batch(gbar[:1], None, settings)
    np.testing.assert_array_equal(reference.spike_times_ms[0], record.spike_times_ms[0])
    gaps = [np.diff(record.spikes(row, 0)).max() for row in range(2)]
    # Slower processes at 10 degC give longer inter-burst gaps.
    assert gaps[1] < 0.8 * gaps[0]


def test_invalid_settings_raise() -> None:
    with pytest.raises(InputError, match="scheme"):
        IntegrationSettings(scheme="rk45")
    with pytest.raises(InputError, match="dt_ms"):
        IntegrationSettings(dt_ms=-0.1)
    with pytest.raises(InputError, match="Q10"):
        IntegrationSettings(q10={"tau_m_na": 0.0})
    with pytest.raises(InputError, match="shape"):
        run_batch(np.zeros((2, 2, 8)), None, IntegrationSettings())


def test_network_wiring_matches_compiled_step() -> None:
    from redundancy.models.stg import step
    from redundancy.models.stg.simulate import NETWORK_SYNAPSES, _wiring

    syn_pre, syn_type, syn_state, syn_post, _ = _wiring(3)
    assert [post for _, _, post, _ in NETWORK_SYNAPSES] == list(
        step.NETWORK_SYNAPSE_POST
    )
    assert syn_post.tolist() == list(step.NETWORK_SYNAPSE_POST)
    assert syn_state.tolist() == list(step.NETWORK_SYNAPSE_STATE)
    assert list(zip(syn_pre.tolist(), syn_type.tolist(), strict=True)) == list(
        step.NETWORK_STATES
    )
