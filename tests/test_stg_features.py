"""Feature extraction of STG recordings, checked on hand-built spike trains.

Every spike train is constructed so that its burst period, durations, phases
and classification are known exactly. Tolerances only absorb floating-point
rounding of the constructed times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from redundancy.errors import InputError
from redundancy.models.stg.classify import (
    BIOLOGICAL_REFERENCE,
    classify_activity,
    within_reference,
)
from redundancy.models.stg.features import (
    NETWORK_READOUTS,
    NEURON_READOUTS,
    STATUS_UNDEFINED,
    network_features,
    neuron_features,
)
from redundancy.models.stg.recording import (
    NETWORK_CELL_LABELS,
    NETWORK_CELLS,
    SpikeRecord,
)

TOL = 1e-9

# Reference rhythm: every feature at the biological mean of Gonçalves et al.
# (2020). Times in ms relative to the AB/PD burst start of each cycle.
PERIOD = 1509.0
AB_PD = (0.0, 582.0)
LP = (803.0, 1202.0)
PY = (1141.0, 1671.0)
OFFSET = 200.0  # after the first burst gap, so no burst touches the start


# Construction helpers -------------------------------------------------------


def burst(start: float, end: float, isi_ms: float = 30.0) -> np.ndarray:
    """Evenly spaced spikes from ``start`` to ``end`` with ISI <= ``isi_ms``."""
    n = int(np.ceil((end - start) / isi_ms)) + 1
    return np.linspace(start, end, n)


def bursting_train(
    period: float, start: float, end: float, n_cycles: int, offset: float = OFFSET
) -> np.ndarray:
    """Spikes of one burst per cycle, from ``start`` to ``end`` within the cycle."""
    if n_cycles == 0:
        return np.empty(0)
    return np.concatenate(
        [
            burst(offset + k * period + start, offset + k * period + end)
            for k in range(n_cycles)
        ]
    )


def stretches_after(
    timing: tuple[float, float], n_bursts: int, extra_ms: float
) -> np.ndarray:
    """Plateau intervals from each burst start to ``extra_ms`` after its end."""
    starts = OFFSET + PERIOD * np.arange(n_bursts) + timing[0]
    return np.column_stack([starts, starts + timing[1] - timing[0] + extra_ms])


def make_record(
    runs: list[list[np.ndarray]],
    *,
    plateaus: list[list[np.ndarray]] | None = None,
    duration_ms: float = 12_000.0,
    max_spikes: int | None = None,
    diverged: list[bool] | None = None,
) -> SpikeRecord:
    """Build a NaN-padded record from per-run, per-cell spike and plateau lists."""
    n_runs, n_cells = len(runs), len(runs[0])
    counts = np.array([[len(train) for train in run] for run in runs], dtype=np.int64)
    capacity = max(1, int(counts.max())) if max_spikes is None else max_spikes
    times = np.full((n_runs, n_cells, capacity), np.nan)
    for i, run in enumerate(runs):
        for c, train in enumerate(run):
            stored = min(len(train), capacity)
            times[i, c, :stored] = np.sort(train)[:stored]

    if plateaus is None:
        plateaus = [[np.empty((0, 2)) for _ in run] for run in runs]
    plateau_counts = np.array(
        [[len(p) for p in run] for run in plateaus], dtype=np.int64
    )
    plateau_capacity = max(1, int(plateau_counts.max()))
    intervals = np.full((n_runs, n_cells, plateau_capacity, 2), np.nan)
    for i, run in enumerate(plateaus):
        for c, stretches in enumerate(run):
            intervals[i, c, : len(stretches)] = stretches

    return SpikeRecord(
        spike_times_ms=times,
        spike_counts=counts,
        plateau_intervals_ms=intervals,
        plateau_counts=plateau_counts,
        v_min_mv=np.full((n_runs, n_cells), -70.0),
        v_max_mv=np.full((n_runs, n_cells), 30.0),
        ca_mean_um=np.full((n_runs, n_cells), 0.5),
        duration_ms=duration_ms,
        dt_ms=0.025,
        diverged=np.zeros(n_runs, bool) if diverged is None else np.array(diverged),
    )


def network_run(
    ab_pd: tuple[float, float] = AB_PD,
    lp: tuple[float, float] | None = LP,
    py: tuple[float, float] | None = PY,
    n_cycles: int = 6,
    period: float = PERIOD,
) -> list[np.ndarray]:
    """Spike trains of ``n_cycles`` full cycles plus a closing AB/PD burst."""
    trains = [bursting_train(period, *ab_pd, n_cycles + 1)]
    for timing in (lp, py):
        empty = np.empty(0)
        trains.append(
            empty if timing is None else bursting_train(period, *timing, n_cycles)
        )
    return trains


def frame(result, readouts) -> pd.DataFrame:
    table = pd.DataFrame(result.values, columns=[r.name for r in readouts])
    table["status"] = result.status
    table["reason"] = result.reason
    return table


def network_frame(
    runs: list[list[np.ndarray]], duration_ms: float = 12_000.0, **kwargs
) -> pd.DataFrame:
    record = make_record(runs, duration_ms=duration_ms)
    return frame(network_features(record, **kwargs), NETWORK_READOUTS)


def neuron_frame(record: SpikeRecord, **kwargs) -> pd.DataFrame:
    return frame(neuron_features(record, **kwargs), NEURON_READOUTS)


# Single cells -------------------------------------------------------------


def test_neuron_regular_bursting_values() -> None:
    train = bursting_train(1000.0, 0.0, 300.0, n_cycles=10)  # 11 spikes per burst
    stretches = np.array(
        [[OFFSET + k * 1000.0, OFFSET + k * 1000.0 + 310.0] for k in range(10)]
    )
    row = neuron_frame(
        make_record([[train]], plateaus=[[stretches]], duration_ms=10_000.0)
    ).iloc[0]
    isis = np.diff(train)

    assert row["status"] == "ok"
    assert row["reason"] == ""
    assert classify_activity(row["activity"]) == "bursting"
    assert row["burst_period_ms"] == pytest.approx(1000.0, abs=TOL)
    assert row["burst_period_cv"] == pytest.approx(0.0, abs=TOL)
    assert row["burst_duration_ms"] == pytest.approx(300.0, abs=TOL)
    assert row["duty_cycle"] == pytest.approx(0.3, abs=TOL)
    assert row["spikes_per_burst"] == 11
    assert row["firing_rate_hz"] == pytest.approx(11.0, abs=TOL)
    assert row["isi_cv"] == pytest.approx(isis.std() / isis.mean(), rel=TOL)
    assert row["plateau_duration_ms"] == pytest.approx(310.0, abs=TOL)
    assert row["v_min_mv"] == -70.0
    assert row["ca_mean_um"] == 0.5


def test_neuron_tonic_spiking() -> None:
    # 10 Hz over the whole window: one spike group that touches both window
    # edges, so it is no complete burst.
    fast = np.arange(50.0, 10_000.0, 100.0)
    slow = np.arange(50.0, 10_000.0, 200.0)  # 5 Hz: every ISI ends a burst
    inside = np.arange(500.0, 9_500.0, 100.0)  # 9 Hz, one complete burst
    table = neuron_frame(make_record([[fast], [slow], [inside]], duration_ms=10_000.0))

    assert classify_activity(table["activity"]).tolist() == ["tonic"] * 3
    assert table["firing_rate_hz"].tolist() == pytest.approx([10.0, 5.0, 9.0])
    assert table["isi_cv"].tolist() == pytest.approx([0.0] * 3, abs=1e-12)
    assert table["status"].tolist() == [STATUS_UNDEFINED] * 3
    assert table["reason"][0] == "tonic spiking: no bursts"
    assert table["reason"][1] == "tonic spiking: no bursts"
    assert table["reason"][2] == "tonic spiking: one burst, no burst period"
    assert np.isnan(table["burst_period_ms"]).all()
    assert table["burst_duration_ms"][2] == pytest.approx(8900.0)


def test_neuron_silent() -> None:
    few = np.array([1000.0, 4000.0, 7000.0])  # 0.3 Hz
    table = neuron_frame(make_record([[np.empty(0)], [few]], duration_ms=10_000.0))

    assert classify_activity(table["activity"]).tolist() == ["silent", "silent"]
    assert table["firing_rate_hz"].tolist() == pytest.approx([0.0, 0.3])
    assert table["status"].tolist() == [STATUS_UNDEFINED, STATUS_UNDEFINED]
    assert table["reason"].tolist() == ["silent: no bursts", "silent: no bursts"]


def test_neuron_irregular_bursting() -> None:
    # Burst starts alternate 600 and 1400 ms apart: mean period 1000 ms, CV 0.4.
    starts = np.cumsum([OFFSET] + [600.0, 1400.0] * 4)
    train = np.concatenate([burst(s, s + 200.0) for s in starts])
    row = neuron_frame(make_record([[train]], duration_ms=10_000.0)).iloc[0]

    assert classify_activity(row["activity"]) == "irregular"
    assert row["burst_period_ms"] == pytest.approx(1000.0, abs=TOL)
    assert row["burst_period_cv"] == pytest.approx(0.4, abs=TOL)
    assert row["status"] == "ok"


def test_neuron_drops_bursts_cut_by_window() -> None:
    # Nine complete bursts 1000 ms apart, plus a burst already under way when
    # the window opens and one still under way when it closes. Counting the
    # cut bursts would give periods of 195 and 800 ms next to 1000 ms.
    complete = bursting_train(1000.0, 0.0, 300.0, n_cycles=9)  # 200 ... 8500 ms
    head = burst(5.0, 75.0)
    tail = burst(9_200.0, 9_990.0)
    row = neuron_frame(
        make_record([[np.concatenate([head, complete, tail])]], duration_ms=10_000.0)
    ).iloc[0]

    assert classify_activity(row["activity"]) == "bursting"
    assert row["status"] == "ok", row["reason"]
    assert row["burst_period_ms"] == pytest.approx(1000.0, abs=TOL)
    assert row["burst_period_cv"] == pytest.approx(0.0, abs=TOL)
    assert row["burst_duration_ms"] == pytest.approx(300.0, abs=TOL)
    assert row["spikes_per_burst"] == 11
    assert row["firing_rate_hz"] == pytest.approx(
        (head.size + complete.size + tail.size) / 10.0
    )


def test_neuron_two_bursts_too_few() -> None:
    # Two complete, identical bursts give a period with CV 0, but three bursts
    # (two periods) are needed to call a cell bursting.
    train = bursting_train(1000.0, 0.0, 300.0, n_cycles=2)
    row = neuron_frame(make_record([[train]], duration_ms=2_000.0)).iloc[0]

    assert classify_activity(row["activity"]) == "irregular"
    assert row["status"] == "ok"
    assert row["burst_period_ms"] == pytest.approx(1000.0, abs=TOL)
    assert row["reason"].startswith("irregular: 2 complete bursts, at least 3")


def test_neuron_edge_rule_boundaries() -> None:
    # A burst is complete when its first spike is at least one burst gap
    # (150 ms) after the window start and its last spike at least one burst
    # gap before the window end.
    def train(first: float, last: float) -> np.ndarray:
        middle = bursting_train(1000.0, 0.0, 300.0, n_cycles=3, offset=1000.0)
        return np.concatenate(
            [burst(first, first + 100.0), middle, burst(last - 100.0, last)]
        )

    runs = [
        [train(150.0, 4_850.0)],  # both edge bursts exactly one gap inside
        [train(149.0, 4_850.0)],  # first burst cut
        [train(150.0, 4_851.0)],  # last burst cut
    ]
    table = neuron_frame(make_record(runs, duration_ms=5_000.0))

    # Complete edge bursts add two bursts of 100 ms to three of 300 ms.
    assert table["burst_duration_ms"][0] == pytest.approx(1100.0 / 5, abs=TOL)
    assert table["burst_duration_ms"][1] == pytest.approx(1000.0 / 4, abs=TOL)
    assert table["burst_duration_ms"][2] == pytest.approx(1000.0 / 4, abs=TOL)
    assert table["burst_period_ms"][1] == pytest.approx((4_750.0 - 1_000.0) / 3)
    assert table["burst_period_ms"][2] == pytest.approx((3_000.0 - 150.0) / 3)


def test_plateau_of_last_cycle_stops_at_cut_burst() -> None:
    # The cycle of the last complete burst ends where the cut burst starts,
    # so the 800 ms stretch of the cut burst is not a plateau of that cycle.
    complete = bursting_train(1000.0, 0.0, 300.0, n_cycles=9)
    tail = burst(9_200.0, 9_990.0)
    stretches = np.array(
        [[OFFSET + k * 1000.0, OFFSET + k * 1000.0 + 310.0] for k in range(9)]
        + [[9_200.0, np.nan]]
    )
    record = make_record(
        [[np.concatenate([complete, tail])]],
        plateaus=[[stretches]],
        duration_ms=10_000.0,
    )
    row = neuron_frame(record).iloc[0]

    assert row["plateau_duration_ms"] == pytest.approx(310.0, abs=TOL)


def test_network_drops_bursts_cut_by_window() -> None:
    # A reference rhythm whose window opens inside an AB/PD burst and closes
    # inside a PY burst: the cut bursts must not add a cycle or a short burst.
    run = network_run(n_cycles=6)
    run[0] = np.concatenate([burst(0.0, 120.0), run[0]])
    run[2] = np.concatenate([run[2], burst(11_900.0, 11_990.0)])
    row = network_frame([run]).iloc[0]

    assert row["status"] == "ok", row["reason"]
    assert row["cycle_period_ms"] == pytest.approx(PERIOD, abs=TOL)
    assert row["burst_duration_ab_pd_ms"] == pytest.approx(582.0, abs=TOL)
    assert row["burst_duration_py_ms"] == pytest.approx(530.0, abs=TOL)
    assert row["triphasic"] == 1.0
    assert row["pyloric_like"] == 1.0


def test_neuron_burst_thresholds() -> None:
    # Pairs of spikes 40 ms apart are dropped (a burst must last > 40 ms),
    # pairs 41 ms apart are kept; gaps of exactly 150 ms end a burst.
    short = np.concatenate([[s, s + 40.0] for s in np.arange(0.0, 5000.0, 500.0)])
    kept = np.concatenate([[s, s + 41.0] for s in np.arange(0.0, 5000.0, 500.0)])
    split = np.concatenate(
        [[s, s + 150.0, s + 300.0] for s in np.arange(0.0, 5000.0, 1000.0)]
    )
    table = neuron_frame(make_record([[short], [kept], [split]], duration_ms=5000.0))

    assert np.isnan(table["burst_duration_ms"][0])
    assert table["burst_duration_ms"][1] == pytest.approx(41.0)
    assert table["burst_period_ms"][1] == pytest.approx(500.0)
    assert np.isnan(table["burst_duration_ms"][2])
    wider = neuron_frame(make_record([[split]], duration_ms=5000.0), burst_gap_ms=151.0)
    assert wider["burst_duration_ms"][0] == pytest.approx(300.0)
    assert wider["burst_period_ms"][0] == pytest.approx(1000.0)


def test_neuron_spike_overflow_fails() -> None:
    train = np.arange(0.0, 10_000.0, 20.0)  # 500 spikes, 50 Hz
    row = neuron_frame(
        make_record([[train]], duration_ms=10_000.0, max_spikes=100)
    ).iloc[0]

    assert row["status"] == "failed"
    assert "spike buffer overflow: 500 spikes, only 100 stored" in row["reason"]
    assert row["firing_rate_hz"] == pytest.approx(50.0)
    assert np.isnan(row["activity"])
    assert np.isnan(row["isi_cv"])


def test_neuron_diverged_fails() -> None:
    train = bursting_train(1000.0, 0.0, 300.0, n_cycles=5)
    record = make_record([[train], [train]], diverged=[True, False], duration_ms=6000.0)
    table = neuron_frame(record)

    assert table["status"].tolist() == ["failed", "ok"]
    assert table["reason"][0].startswith("diverged")
    assert np.isnan(table.loc[0, [r.name for r in NEURON_READOUTS]].astype(float)).all()


def test_neuron_cell_of_network_record() -> None:
    record = make_record([network_run()])
    row = neuron_frame(record, cell=1).iloc[0]

    assert row["burst_period_ms"] == pytest.approx(PERIOD)
    assert row["burst_duration_ms"] == pytest.approx(LP[1] - LP[0])


def test_neuron_rejects_ambiguous_cell() -> None:
    record = make_record([network_run()])
    with pytest.raises(InputError, match="pass cell=0..2"):
        neuron_features(record)
    with pytest.raises(InputError, match="out of range"):
        neuron_features(record, cell=3)


def test_classify_activity_names() -> None:
    names = classify_activity([0, 1, 2, 3, np.nan])
    assert names.tolist() == ["silent", "tonic", "bursting", "irregular", "undefined"]
    with pytest.raises(InputError, match="unknown activity code 7"):
        classify_activity([7])


# Networks -----------------------------------------------------------------


def test_network_reference_rhythm_values() -> None:
    run = network_run()
    plateaus = [
        # AB/PD and LP stay above -30 mV from burst start to 20 ms after its end.
        stretches_after(AB_PD, n_bursts=7, extra_ms=20.0),
        stretches_after(LP, n_bursts=6, extra_ms=20.0),
        # Spike-wide stretches only: the 2.5 ms fill value applies.
        np.array([[t, t + 1.0] for t in run[2]]),
    ]
    result = network_features(make_record([run], plateaus=[plateaus]))
    row = frame(result, NETWORK_READOUTS).iloc[0]
    expected = {
        "cycle_period_ms": PERIOD,
        "burst_duration_ab_pd_ms": 582.0,
        "burst_duration_lp_ms": 399.0,
        "burst_duration_py_ms": 530.0,
        "duty_cycle_ab_pd": 582.0 / PERIOD,
        "duty_cycle_lp": 399.0 / PERIOD,
        "duty_cycle_py": 530.0 / PERIOD,
        "start_phase_lp": 803.0 / PERIOD,
        "start_phase_py": 1141.0 / PERIOD,
        "delay_ab_pd_lp_ms": 803.0,
        "delay_ab_pd_py_ms": 1141.0,
        "gap_ab_pd_lp_ms": 221.0,
        "gap_lp_py_ms": -61.0,
        "phase_gap_ab_pd_lp": 221.0 / PERIOD,
        "phase_gap_lp_py": -61.0 / PERIOD,
        "plateau_duration_ab_pd_ms": 602.0,
        "plateau_duration_lp_ms": 419.0,
        "plateau_duration_py_ms": 2.5,
        "triphasic": 1.0,
        "pyloric_like": 1.0,
        "within_reference_2sd": 1.0,
    }

    assert row["status"] == "ok"
    assert row["reason"] == ""
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, abs=1e-9), name


def test_network_wrong_order_keeps_features() -> None:
    # PY bursts at the LP phase and LP at the PY phase.
    row = network_frame([network_run(lp=PY, py=LP)]).iloc[0]

    assert row["status"] == "ok"
    assert row["triphasic"] == 1.0
    assert row["pyloric_like"] == 0.0
    assert row["start_phase_lp"] == pytest.approx(1141.0 / PERIOD)
    assert row["start_phase_py"] == pytest.approx(803.0 / PERIOD)
    assert "0 of 6 triphasic cycles in pyloric order" in row["reason"]
    assert "PY starts before LP in 6" in row["reason"]


def test_network_silent_lp() -> None:
    row = network_frame([network_run(lp=None)]).iloc[0]

    assert row["status"] == STATUS_UNDEFINED
    assert row["reason"] == "LP silent"
    assert row["cycle_period_ms"] == pytest.approx(PERIOD)
    assert row["burst_duration_py_ms"] == pytest.approx(530.0)
    assert np.isnan(row["burst_duration_lp_ms"])
    assert np.isnan(row["start_phase_py"])
    assert np.isnan(row["gap_ab_pd_lp_ms"])
    assert row["triphasic"] == 0.0
    assert row["pyloric_like"] == 0.0
    assert row["within_reference_2sd"] == 0.0


def test_network_two_lp_bursts_not_triphasic() -> None:
    run = network_run(lp=(650.0, 750.0))
    run[1] = np.concatenate([run[1], run[1] + 350.0])  # second LP burst per cycle
    row = network_frame([run]).iloc[0]

    assert row["status"] == STATUS_UNDEFINED
    assert row["reason"] == (
        "not triphasic: 0 of 6 AB/PD cycles contain exactly one LP and one PY "
        "burst start"
    )
    assert row["triphasic"] == 0.0
    assert np.isnan(row["delay_ab_pd_lp_ms"])
    assert row["duty_cycle_lp"] == pytest.approx(100.0 / PERIOD)


def test_network_single_ab_pd_burst() -> None:
    row = network_frame([network_run(n_cycles=0)]).iloc[0]

    assert row["status"] == STATUS_UNDEFINED
    assert "AB/PD has one burst, no cycle period" in row["reason"]
    assert np.isnan(row["cycle_period_ms"])


def test_network_too_few_cycles() -> None:
    row = network_frame([network_run(n_cycles=1)]).iloc[0]

    assert row["reason"] == "not triphasic: 1 AB/PD cycle(s), at least 2 needed"
    assert row["cycle_period_ms"] == pytest.approx(PERIOD)


def test_network_overflow_and_divergence_fail() -> None:
    run = network_run()  # 147 AB/PD spikes
    record = make_record([run, run], max_spikes=60, diverged=[False, True])
    table = frame(network_features(record), NETWORK_READOUTS)

    assert table["status"][0] == "failed"
    assert (
        "AB/PD spike buffer overflow: 147 spikes, only 60 stored"
        in (table["reason"][0])
    )
    assert np.isnan(table["pyloric_like"][0])
    assert table["status"][1] == "failed"
    assert table["reason"][1].startswith("diverged")


def test_network_plateau_overflow_undefined() -> None:
    run = network_run()
    stretches = [np.array([[t, t + 1.0] for t in train]) for train in run]
    record = make_record([run], plateaus=[stretches])
    record.plateau_counts[0, 1] = record.max_intervals + 5  # LP buffer full
    row = frame(network_features(record), NETWORK_READOUTS).iloc[0]

    assert row["status"] == STATUS_UNDEFINED
    assert row["reason"].startswith("LP plateau buffer overflow")
    assert np.isnan(row["plateau_duration_lp_ms"])
    assert row["plateau_duration_py_ms"] == pytest.approx(2.5)
    assert row["pyloric_like"] == 1.0


def test_network_rows_are_independent() -> None:
    runs = [
        network_run(),
        network_run(lp=None),
        network_run(lp=PY, py=LP),
        network_run(),
    ]
    table = network_frame(runs)

    assert table["status"].tolist() == ["ok", STATUS_UNDEFINED, "ok", "ok"]
    assert table["pyloric_like"].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert table["delay_ab_pd_py_ms"][3] == pytest.approx(1141.0)


def test_network_rejects_single_cell_record() -> None:
    record = make_record([[bursting_train(1000.0, 0.0, 300.0, 5)]])
    with pytest.raises(InputError, match="three-cell record"):
        network_features(record)
    with pytest.raises(InputError, match="triphasic_fraction must lie in"):
        network_features(make_record([network_run()]), triphasic_fraction=1.5)
    with pytest.raises(InputError, match="burst_gap_ms must be a positive number"):
        network_features(make_record([network_run()]), burst_gap_ms=0.0)


def test_record_shape_mismatch_rejected() -> None:
    record = make_record([network_run()])
    record.v_min_mv = np.zeros((2, 3))
    with pytest.raises(InputError, match="v_min_mv has shape"):
        network_features(record)


# Pyloric-like classification (order criterion) ----------------------------


@pytest.mark.parametrize(
    ("ab_pd", "lp", "py", "violation"),
    [
        (AB_PD, (900.0, 1202.0), (850.0, 1671.0), "PY starts before LP in 6"),
        (AB_PD, (803.0, 1700.0), PY, "LP ends after PY in 6"),
        ((0.0, 850.0), LP, PY, "LP starts before AB/PD ends in 6"),
    ],
    ids=["lp_start_after_py_start", "lp_end_after_py_end", "ab_pd_end_after_lp_start"],
)
def test_pyloric_like_rejects_each_order_violation(ab_pd, lp, py, violation) -> None:
    row = network_frame([network_run(ab_pd=ab_pd, lp=lp, py=py)]).iloc[0]

    assert row["triphasic"] == 1.0
    assert row["pyloric_like"] == 0.0
    assert violation in row["reason"]


@pytest.mark.parametrize(
    ("ab_pd", "lp", "py"),
    [
        (AB_PD, (1141.0, 1202.0), PY),
        (AB_PD, LP, (1141.0, 1202.0)),
        ((0.0, 803.0), LP, PY),
    ],
    ids=["lp_starts_with_py", "lp_ends_with_py", "ab_pd_ends_as_lp_starts"],
)
def test_pyloric_like_accepts_equal_times(ab_pd, lp, py) -> None:
    row = network_frame([network_run(ab_pd=ab_pd, lp=lp, py=py)]).iloc[0]

    assert row["pyloric_like"] == 1.0


def test_burst_at_cycle_start_belongs_to_cycle() -> None:
    row = network_frame([network_run(lp=(0.0, 300.0))]).iloc[0]

    assert row["triphasic"] == 1.0
    assert row["delay_ab_pd_lp_ms"] == pytest.approx(0.0, abs=TOL)


def test_pyloric_like_ordered_fraction_boundary() -> None:
    def mixed(n_wrong: int) -> list[np.ndarray]:
        good = network_run(n_cycles=10)
        swapped = network_run(lp=PY, py=LP, n_cycles=10)
        cut = 10 - n_wrong  # the last n_wrong cycles have PY before LP
        boundary = OFFSET + cut * PERIOD
        lp = np.concatenate(
            [good[1][good[1] < boundary], swapped[1][swapped[1] >= boundary]]
        )
        py = np.concatenate(
            [good[2][good[2] < boundary], swapped[2][swapped[2] >= boundary]]
        )
        return [good[0], lp, py]

    table = network_frame([mixed(3), mixed(4)], duration_ms=18_000.0)

    assert table["pyloric_like"][0] == 1.0  # 7 of 10 cycles ordered: 0.7
    assert table["pyloric_like"][1] == 0.0  # 6 of 10 cycles ordered
    assert table["triphasic"].tolist() == [1.0, 1.0]


def test_triphasic_fraction_boundary() -> None:
    def missing_lp(n_missing: int) -> list[np.ndarray]:
        run = network_run(n_cycles=10)
        boundary = OFFSET + n_missing * PERIOD
        run[1] = run[1][run[1] >= boundary]  # the first n_missing cycles lack LP
        return run

    table = network_frame([missing_lp(1), missing_lp(2)], duration_ms=18_000.0)

    assert table["triphasic"][0] == 1.0  # 9 of 10 cycles triphasic: 0.9
    assert table["triphasic"][1] == 0.0  # 8 of 10
    assert table["reason"][1].startswith("not triphasic: 8 of 10")


# Pyloric-like classification (reference windows) --------------------------


@pytest.mark.parametrize("name", list(BIOLOGICAL_REFERENCE))
def test_within_reference_window_edges(name: str) -> None:
    means = {key: mean for key, (mean, _) in BIOLOGICAL_REFERENCE.items()}
    mean, sd = BIOLOGICAL_REFERENCE[name]
    table = pd.DataFrame([means] * 4)
    table.loc[0, name] = mean + 1.99 * sd
    table.loc[1, name] = mean - 1.99 * sd
    table.loc[2, name] = mean + 2.01 * sd
    table.loc[3, name] = mean - 2.01 * sd

    assert within_reference(table).tolist() == [True, True, False, False]


def test_within_reference_rejects_nan_and_missing() -> None:
    means = {key: mean for key, (mean, _) in BIOLOGICAL_REFERENCE.items()}
    table = pd.DataFrame([means])
    table.loc[0, "start_phase_py"] = np.nan
    assert within_reference(table).tolist() == [False]
    with pytest.raises(InputError, match="lack the reference columns"):
        within_reference(table.drop(columns="cycle_period_ms"))


def test_network_slow_rhythm_outside_reference() -> None:
    scale = 2.0  # period 3018 ms, beyond the 2 SD upper bound of 2067 ms
    run = network_run(
        ab_pd=tuple(scale * t for t in AB_PD),
        lp=tuple(scale * t for t in LP),
        py=tuple(scale * t for t in PY),
        n_cycles=4,
        period=scale * PERIOD,
    )
    row = network_frame(
        [run],
    ).iloc[0]

    assert row["pyloric_like"] == 1.0
    assert row["start_phase_lp"] == pytest.approx(803.0 / PERIOD)
    assert row["within_reference_2sd"] == 0.0


# Agreement with a plain-Python reference ------------------------------------


def reference_bursts(
    train: np.ndarray,
    duration: float = 12_000.0,
    gap: float = 150.0,
    shortest: float = 40.0,
):
    """Burst (start, end) pairs by a direct reading of the burst and edge rules."""
    bursts, current = [], []
    for t in train:
        if current and t - current[-1] >= gap:
            bursts.append((current[0], current[-1]))
            current = []
        current.append(t)
    if current:
        bursts.append((current[0], current[-1]))
    complete = [(a, b) for a, b in bursts if a >= gap and duration - b >= gap]
    return [(a, b) for a, b in complete if b - a > shortest]


def reference_network(
    trains: list[np.ndarray], duration: float = 12_000.0
) -> dict[str, float]:
    """Rhythm features of one run, written independently of the kernel."""
    cells = [reference_bursts(np.sort(t), duration) for t in trains]
    nan = float("nan")
    result = dict.fromkeys([r.name for r in NETWORK_READOUTS[:15]], nan)
    result["triphasic"] = result["pyloric_like"] = 0.0
    for c, key in enumerate(NETWORK_CELLS):
        if cells[c]:
            result[f"burst_duration_{key}_ms"] = np.mean([b - a for a, b in cells[c]])
    starts = [a for a, _ in cells[0]]
    if len(starts) < 2:
        return result
    period = float(np.mean(np.diff(starts)))
    result["cycle_period_ms"] = period
    for key in NETWORK_CELLS:
        result[f"duty_cycle_{key}"] = result[f"burst_duration_{key}_ms"] / period
    cycles = []
    for k in range(len(starts) - 1):
        inside = [
            [(a, b) for a, b in cells[c] if starts[k] <= a < starts[k + 1]]
            for c in (1, 2)
        ]
        if all(len(found) == 1 for found in inside):
            (lp,), (py,) = inside
            cycles.append((starts[k], cells[0][k][1], lp, py))
    if len(starts) - 1 < 2 or len(cycles) / (len(starts) - 1) < 0.9:
        return result
    result["triphasic"] = 1.0
    result["delay_ab_pd_lp_ms"] = np.mean([lp[0] - s for s, _, lp, _ in cycles])
    result["delay_ab_pd_py_ms"] = np.mean([py[0] - s for s, _, _, py in cycles])
    result["gap_ab_pd_lp_ms"] = np.mean([lp[0] - e for _, e, lp, _ in cycles])
    result["gap_lp_py_ms"] = np.mean([py[0] - lp[1] for _, _, lp, py in cycles])
    result["start_phase_lp"] = result["delay_ab_pd_lp_ms"] / period
    result["start_phase_py"] = result["delay_ab_pd_py_ms"] / period
    result["phase_gap_ab_pd_lp"] = result["gap_ab_pd_lp_ms"] / period
    result["phase_gap_lp_py"] = result["gap_lp_py_ms"] / period
    ordered = [
        lp[0] <= py[0] and lp[1] <= py[1] and e <= lp[0] for _, e, lp, py in cycles
    ]
    result["pyloric_like"] = float(np.mean(ordered) >= 0.7)
    return result


def random_run(rng: np.random.Generator) -> list[np.ndarray]:
    """Jittered triphasic-ish bursts with random dropouts and extra spikes."""
    period = rng.uniform(400.0, 2000.0)
    trains = []
    for _ in range(3):
        phase = rng.uniform(0.0, 1.0) * period
        length = rng.uniform(0.0, 0.6) * period
        spikes = []
        for k in range(int(10_000.0 / period)):
            if rng.random() < 0.1:
                continue  # a missing burst
            start = k * period + phase + rng.normal(0.0, 0.05 * period)
            spikes.extend(burst(start, start + length * rng.uniform(0.8, 1.2)))
        spikes.extend(rng.uniform(0.0, 10_000.0, rng.integers(0, 4)))
        trains.append(
            np.sort(np.clip(spikes, 0.0, 10_000.0)) if spikes else np.empty(0)
        )
    return trains


def test_network_matches_python_reference() -> None:
    rng = np.random.default_rng(20040901)
    runs = [random_run(rng) for _ in range(300)]
    # Spikes fill the whole 10 s window, so bursts cut by both edges occur.
    table = network_frame(runs, duration_ms=10_000.0)
    names = [r.name for r in NETWORK_READOUTS[:20] if "plateau" not in r.name]

    n_triphasic = n_pyloric = 0
    for i, run in enumerate(runs):
        expected = reference_network(run, duration=10_000.0)
        n_triphasic += expected["triphasic"] == 1.0
        n_pyloric += expected["pyloric_like"] == 1.0
        for name in names:
            np.testing.assert_allclose(
                table[name][i], expected[name], rtol=1e-9, atol=1e-9, err_msg=name
            )
    # The random runs must exercise both branches of each classification.
    assert 0 < n_triphasic < len(runs)
    assert 0 < n_pyloric < n_triphasic


def test_readout_names_use_record_cell_names() -> None:
    names = {r.name for r in NETWORK_READOUTS}
    for cell, label in zip(NETWORK_CELLS, NETWORK_CELL_LABELS, strict=True):
        readout = next(r for r in NETWORK_READOUTS if r.name == f"duty_cycle_{cell}")
        assert f"burst_duration_{cell}_ms" in names
        assert f"plateau_duration_{cell}_ms" in names
        assert readout.description.startswith(label)
