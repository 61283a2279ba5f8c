"""Early stop of settled STG runs against full runs of the same models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from redundancy import get_model
from redundancy.errors import InputError
from redundancy.models.stg import presets
from redundancy.models.stg.settle import (
    RING,
    calcium_ahead,
    cycle_spikes,
    extend_cycle,
    note_spike,
)
from redundancy.models.stg.simulate import IntegrationSettings, run_batch
from redundancy.study import load_study

GRID_STEP = np.array([100, 2.5, 2, 10, 5, 25, 0.01, 0.01])
# No delayed rectifier and no KCa current: the cell settles at about -0.8 mV,
# above the spike threshold, in depolarisation block.
DEPOLARISED = np.array([200, 7.5, 8, 50, 0, 0, 0.04, 0.05])
SILENT = np.array([0, 0, 0, 0, 0, 0, 0, 0.05])


def _cells(*rows: np.ndarray) -> np.ndarray:
    return np.array(rows, dtype=float)[:, None, :]


def _pair(gbar: np.ndarray, **kwargs):
    full, _ = run_batch(gbar, None, IntegrationSettings(**kwargs))
    early, _ = run_batch(gbar, None, IntegrationSettings(early_stop=True, **kwargs))
    return full, early


@pytest.fixture(scope="module")
def presets_pair():
    names = list(presets.CANDIDATE_CELLS)
    gbar = _cells(*(presets.CANDIDATE_CELLS[n] for n in names), SILENT, DEPOLARISED)
    return names + ["silent", "depolarised"], *_pair(gbar)


def test_early_stop_rejects_non_boolean() -> None:
    with pytest.raises(InputError, match="early_stop must be true or false"):
        IntegrationSettings(early_stop="yes")


def test_full_runs_report_no_stop(presets_pair) -> None:
    _, full, _ = presets_pair
    assert np.isnan(full.stopped_ms).all()


def test_silent_cells_stop_once_settled(presets_pair) -> None:
    names, full, early = presets_pair
    # The leak-only cell is at rest from the start, and the blocked cell
    # settles within a few seconds.
    assert early.stopped_ms[names.index("silent")] == pytest.approx(500.0)
    assert early.stopped_ms[names.index("depolarised")] <= 5000.0
    for name in ("silent", "depolarised"):
        i = names.index(name)
        assert full.spike_counts[i, 0] == 0
        assert early.spike_counts[i, 0] == 0
        assert early.v_max_mv[i, 0] == pytest.approx(full.v_max_mv[i, 0], abs=1e-3)
        assert early.v_min_mv[i, 0] == pytest.approx(full.v_min_mv[i, 0], abs=1e-3)
        assert early.ca_mean_um[i, 0] == pytest.approx(full.ca_mean_um[i, 0], rel=1e-6)


def test_blocked_cell_has_no_spikes(presets_pair) -> None:
    names, full, _ = presets_pair
    i = names.index("depolarised")
    assert full.v_min_mv[i, 0] > -10.0  # V rests above the spike threshold
    assert full.plateau_counts[i, 0] == 1  # one plateau over the whole window


def test_candidates_match_full_record(presets_pair) -> None:
    names, full, early = presets_pair
    stopped = [n for i, n in enumerate(names) if np.isfinite(early.stopped_ms[i])]
    assert "abpd_1" in stopped
    for i, name in enumerate(names):
        n_full = full.spike_counts[i, 0]
        n_early = early.spike_counts[i, 0]
        assert abs(n_full - n_early) <= 1, name
        common = min(n_full, n_early)
        np.testing.assert_allclose(
            early.spikes(i, 0)[:common], full.spikes(i, 0)[:common], atol=0.5
        )
        assert abs(full.plateau_counts[i, 0] - early.plateau_counts[i, 0]) <= 1
        assert early.ca_mean_um[i, 0] == pytest.approx(full.ca_mean_um[i, 0], rel=1e-3)
        assert early.v_max_mv[i, 0] == pytest.approx(full.v_max_mv[i, 0], abs=0.5)


def test_grid_sample_matches_full_runs() -> None:
    rng = np.random.default_rng(7)
    values = rng.integers(0, 6, size=(96, 8)) * GRID_STEP
    full = get_model("stg_neuron").simulate(values)
    early = get_model("stg_neuron", early_stop=True).simulate(values)
    record = get_model("stg_neuron", early_stop=True).record(values)
    assert np.isfinite(record.stopped_ms).mean() > 0.5
    mismatched = np.zeros(len(values), dtype=bool)
    for name in ("firing_rate_hz", "burst_period_ms", "duty_cycle", "ca_mean_um"):
        a = full[name].to_numpy(float)
        b = early[name].to_numpy(float)
        same = (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=0.01, atol=0.0)
        mismatched |= ~same
    mismatched |= full["activity"].to_numpy() != early["activity"].to_numpy()
    # A few grid models switch activity late in the window, but none here do.
    assert mismatched.sum() <= 1


def test_trace_runs_full_window() -> None:
    model = get_model("stg_neuron", early_stop=True, duration_ms=6000.0)
    trace = model.trace(presets.cell_values("abpd_1"), sample_ms=1.0)
    assert np.isfinite(trace.series["v_mv"]).all()
    assert trace.time_ms[-1] == pytest.approx(6000.0)


def _ring(times: np.ndarray, ca: np.ndarray):
    ring_t = np.zeros((1, RING))
    ring_ca = np.zeros((1, RING))
    seen = np.zeros(1, dtype=np.int64)
    for t, c in zip(times, ca, strict=True):
        note_spike(ring_t, ring_ca, seen, 0, t, c)
    return ring_t, ring_ca, int(seen[0])


def test_cycle_of_doublets_is_found() -> None:
    # Doublets: spikes at 0 and 10 ms of each 100 ms cycle, for 8 cycles.
    times = (np.arange(8)[:, None] * 100.0 + np.array([0.0, 10.0])).ravel()
    ring_t, ring_ca, seen = _ring(times, np.ones(times.size))
    assert cycle_spikes(ring_t, ring_ca, seen, 0, 0.01, 5000.0) == 2


def test_drifting_period_is_not_a_cycle() -> None:
    # Tonic spikes whose interval grows by 0.005 ms per spike (adaptation).
    intervals = 20.0 + 0.005 * np.arange(30)
    times = np.concatenate([[0.0], np.cumsum(intervals)])
    ring_t, ring_ca, seen = _ring(times, np.ones(times.size))
    assert cycle_spikes(ring_t, ring_ca, seen, 0, 0.0125, 9000.0) == 0
    # The same drift is tolerated when little of the window is left.
    assert cycle_spikes(ring_t, ring_ca, seen, 0, 0.0125, 5.0) == 1


def test_drifting_calcium_is_not_a_cycle() -> None:
    times = np.arange(30) * 20.0
    ca = 1.0 + 0.01 * np.arange(30)
    ring_t, ring_ca, seen = _ring(times, ca)
    assert cycle_spikes(ring_t, ring_ca, seen, 0, 0.0125, 9000.0) == 0


def test_extend_cycle_spikes_and_plateaus() -> None:
    # Cycle of 100 ms: spikes at 20 and 30 ms, plateau from 15 to 40 ms.
    cycles = 6
    times = (np.arange(cycles)[:, None] * 100.0 + np.array([20.0, 30.0])).ravel()
    ring_t, _, seen = _ring(times, np.ones(times.size))
    spike_times = np.full((1, 1, 64), np.nan)
    spike_counts = np.array([[times.size]])
    spike_times[0, 0, : times.size] = times
    plateaus = np.full((1, 1, 64, 2), np.nan)
    for c in range(cycles):
        plateaus[0, 0, c] = (c * 100.0 + 15.0, c * 100.0 + 40.0)
    plateau_counts = np.array([[cycles]])
    state = extend_cycle(
        ring_t, seen, 0, 2, 100.0, 0, 545.0, 1000.0, 0.025, False,
        spike_times, spike_counts, plateaus, plateau_counts,
    )  # fmt: skip
    assert state == 0
    expected = (np.arange(10)[:, None] * 100.0 + np.array([20.0, 30.0])).ravel()
    np.testing.assert_allclose(spike_times[0, 0, : spike_counts[0, 0]], expected)
    assert plateau_counts[0, 0] == 10
    np.testing.assert_allclose(plateaus[0, 0, 9], [915.0, 940.0])


def test_extend_cycle_open_plateau_at_window_end() -> None:
    times = np.arange(8) * 100.0 + 20.0
    ring_t, _, seen = _ring(times, np.ones(times.size))
    spike_times = np.full((1, 1, 64), np.nan)
    spike_counts = np.array([[times.size]])
    plateaus = np.full((1, 1, 64, 2), np.nan)
    for c in range(8):
        plateaus[0, 0, c] = (c * 100.0 + 15.0, c * 100.0 + 40.0)
    plateaus[0, 0, 7, 1] = np.nan  # open at 725 ms
    plateau_counts = np.array([[8]])
    # The window ends at 1030 ms, inside the plateau from 1015 ms.
    state = extend_cycle(
        ring_t, seen, 0, 1, 100.0, 0, 725.0, 1030.0, 0.025, True,
        spike_times, spike_counts, plateaus, plateau_counts,
    )  # fmt: skip
    assert state == 1
    assert plateau_counts[0, 0] == 11
    assert plateaus[0, 0, 7, 1] == pytest.approx(740.0)
    assert plateaus[0, 0, 10, 0] == pytest.approx(1015.0)
    assert np.isnan(plateaus[0, 0, 10, 1])
    assert spike_counts[0, 0] == 11


def test_calcium_ahead_partial_cycle() -> None:
    # Calcium is 1 for the first 30 steps of every 100-step cycle, else 0.
    # The history contains the running sum after every step.
    steps = 1000
    ca = ((np.arange(1, steps + 1) - 1) % 100 < 30).astype(float)
    running = np.cumsum(ca)
    history = np.zeros((1, 4096))
    history[0, 1 : steps + 1] = running
    # 250 steps ahead from step 1000: two whole cycles (60) and 50 steps of
    # the next one, which start with its 30 active steps.
    ahead = calcium_ahead(history, 0, 1, steps, 0, running[-1], 100.0, 250)
    assert ahead == pytest.approx(90.0)
    ahead = calcium_ahead(history, 0, 1, steps, 0, running[-1], 100.0, 20)
    assert ahead == pytest.approx(20.0)


def test_calcium_ahead_before_run_start() -> None:
    history = np.zeros((1, 4096))
    ahead = calcium_ahead(history, 0, 1, 50, 0, 10.0, 100.0, 250)
    assert np.isnan(ahead)


def test_network_stops_when_silent() -> None:
    values = presets.network_values("abpd_1", "lp_3", "py_1")
    currents = ("na", "cat", "cas", "a", "kca", "kd", "h", "leak")
    rhythmic = np.array(
        [[values[f"g_{c}_{s}"] for c in currents] for s in presets.CELL_SUFFIXES]
    )
    silent = np.zeros_like(rhythmic)
    silent[:, 7] = 0.01  # leak only
    gbar = np.stack([rhythmic, silent])
    gsyn = np.array([[values[f"g_{name}"] for name in presets.SYNAPSE_NAMES]] * 2)
    full, _ = run_batch(gbar, gsyn, IntegrationSettings())
    early, _ = run_batch(gbar, gsyn, IntegrationSettings(early_stop=True))
    # The rhythmic network runs the full window, because networks have no
    # periodic stop.
    assert np.isnan(early.stopped_ms[0])
    np.testing.assert_array_equal(early.spike_counts[0], full.spike_counts[0])
    np.testing.assert_array_equal(early.spike_times_ms[0], full.spike_times_ms[0])
    # Leak-only cells settle within one or two silence windows of 500 ms.
    assert early.stopped_ms[1] <= 1000.0
    np.testing.assert_array_equal(early.spike_counts[1], full.spike_counts[1])
    np.testing.assert_allclose(early.ca_mean_um[1], full.ca_mean_um[1], rtol=1e-6)


def test_prinz_grid_example_study() -> None:
    path = Path(__file__).resolve().parents[1] / "examples" / "prinz_grid_study.yaml"
    study = load_study(path)
    model = study.model.build()
    assert model.integration.early_stop is True
    assert study.sweep.design(model.space, study.seed).size == 6**8


def test_silent_cell_without_transient() -> None:
    full, early = _pair(_cells(SILENT, SILENT), transient_ms=0.0)
    np.testing.assert_allclose(early.stopped_ms, [500.0, 500.0])
    np.testing.assert_allclose(early.ca_mean_um, full.ca_mean_um, rtol=1e-9)
    np.testing.assert_allclose(early.v_max_mv, full.v_max_mv, atol=1e-9)
