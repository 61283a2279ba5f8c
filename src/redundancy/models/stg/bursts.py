"""Numba kernels that group spikes into bursts and measure STG rhythms.

The kernels loop over the runs of a batch and over the stored spike and
plateau times of each cell, so a batch of thousands of runs takes
milliseconds. They fill preallocated output arrays and do not check their
inputs, so the Python layer in :mod:`redundancy.models.stg.features`
validates the record first. That layer also builds the readout table and
explains undefined values.

Burst rule (Gonçalves et al. 2020; the mackelab ``pyloric`` summary
statistics): a burst ends at an inter-spike interval of at least
``burst_gap_ms`` and is kept only if its last spike comes more than
``min_burst_ms`` after its first, so single spikes never count as bursts.

Edge rule: a burst is kept only if it is complete inside the recorded window.
Its first spike must come at least ``burst_gap_ms`` after the window start and
its last spike at least ``burst_gap_ms`` before the window end. Otherwise an
unrecorded spike just outside the window could belong to the same burst, and
the burst's start or end, and with them the burst period, would be wrong.
The ``pyloric`` package keeps such truncated bursts.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.

    Gonçalves PJ, Lueckmann J-M, Deistler M, et al. (2020). Training deep
    neural density estimators to identify mechanistic models of neural
    dynamics. eLife 9:e56261.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "NETWORK_INFO_COLUMNS",
    "NEURON_INFO_COLUMNS",
    "detect_bursts",
    "mean_longest_plateau",
    "network_kernel",
    "neuron_kernel",
]

#: Columns of the integer ``info`` array filled by :func:`neuron_kernel`.
NEURON_INFO_COLUMNS = ("n_spikes_stored", "n_bursts")

#: Columns of the integer ``info`` array filled by :func:`network_kernel`.
NETWORK_INFO_COLUMNS = (
    "n_bursts_ab_pd",
    "n_bursts_lp",
    "n_bursts_py",
    "n_cycles",
    "n_triphasic",
    "n_ordered",
    "n_py_before_lp",
    "n_lp_ends_after_py",
    "n_lp_before_ab_pd_ends",
)


@njit(cache=True, error_model="numpy")
def detect_bursts(
    times: np.ndarray,
    n_spikes: int,
    duration_ms: float,
    burst_gap_ms: float,
    min_burst_ms: float,
    starts: np.ndarray,
    ends: np.ndarray,
    sizes: np.ndarray,
) -> tuple[int, float]:
    """Group the first ``n_spikes`` ascending spike times (ms) into bursts.

    Writes the first and last spike time (ms) and the spike count of each
    kept burst into ``starts``, ``ends`` and ``sizes``. Bursts closer than
    ``burst_gap_ms`` to either end of the window ``[0, duration_ms]`` are
    dropped (see the module documentation).

    Returns:
        The number of kept bursts, and the end (ms) of the cycle of the last
        kept burst: the first spike of the spike group cut off by the window
        end, or ``duration_ms`` when there is none.
    """
    n_bursts = 0
    cycle_end = duration_ms
    first = 0
    for j in range(1, n_spikes + 1):
        if j == n_spikes or times[j] - times[j - 1] >= burst_gap_ms:
            long_enough = times[j - 1] - times[first] > min_burst_ms
            cut_at_start = times[first] < burst_gap_ms
            cut_at_end = duration_ms - times[j - 1] < burst_gap_ms
            if cut_at_end and n_bursts > 0:
                cycle_end = times[first]
            if long_enough and not (cut_at_start or cut_at_end):
                starts[n_bursts] = times[first]
                ends[n_bursts] = times[j - 1]
                sizes[n_bursts] = j - first
                n_bursts += 1
            first = j
    return n_bursts, cycle_end


@njit(cache=True, error_model="numpy")
def mean_longest_plateau(
    intervals: np.ndarray,
    n_intervals: int,
    starts: np.ndarray,
    n_bursts: int,
    duration_ms: float,
    last_cycle_end_ms: float,
    plateau_min_ms: float,
    plateau_fill_ms: float,
) -> float:
    """Return the mean over burst cycles of the longest stretch above threshold.

    A cycle runs from one burst start to the next. The last cycle ends at
    ``last_cycle_end_ms``, which is the start of the spike group cut off by
    the window end, or the window end. ``intervals`` contains ascending, non-overlapping
    (start, end) pairs in ms; an end of NaN means the stretch lasts to the end
    of the recording at ``duration_ms``. A mean below ``plateau_min_ms`` is
    replaced by ``plateau_fill_ms`` so that the width of single spikes is not
    reported as a plateau. Returns NaN without bursts.
    """
    if n_bursts == 0:
        return np.nan
    total = 0.0
    first = 0
    for b in range(n_bursts):
        window_start = starts[b]
        window_end = starts[b + 1] if b + 1 < n_bursts else last_cycle_end_ms
        longest = 0.0
        k = first
        while k < n_intervals:
            stretch_start = intervals[k, 0]
            stretch_end = intervals[k, 1]
            if np.isnan(stretch_end):
                stretch_end = duration_ms
            if stretch_start >= window_end:
                break
            if stretch_end <= window_start:
                first = k + 1
            else:
                overlap = min(stretch_end, window_end) - max(
                    stretch_start, window_start
                )
                if overlap > longest:
                    longest = overlap
            k += 1
        total += longest
    mean = total / n_bursts
    if mean < plateau_min_ms:
        return plateau_fill_ms
    return mean


@njit(cache=True, error_model="numpy")
def _coefficient_of_variation(values: np.ndarray) -> float:
    """Return std / mean (population std) of ``values``; NaN when empty."""
    if values.shape[0] == 0:
        return np.nan
    mean = values.mean()
    return values.std() / mean


@njit(cache=True, error_model="numpy")
def neuron_kernel(
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
    cell: int,
    duration_ms: float,
    burst_gap_ms: float,
    min_burst_ms: float,
    plateau_min_ms: float,
    plateau_fill_ms: float,
    out: np.ndarray,
    info: np.ndarray,
) -> None:
    """Fill single-cell features of every run for one cell of the record.

    ``out`` columns: firing rate (Hz), ISI CV, burst period (ms), burst
    period CV, burst duration (ms), duty cycle, spikes per burst, plateau
    duration (ms). ``info`` columns follow :data:`NEURON_INFO_COLUMNS`.
    """
    n_runs = spike_times.shape[0]
    capacity = spike_times.shape[2]
    starts = np.empty(capacity)
    ends = np.empty(capacity)
    sizes = np.empty(capacity, dtype=np.int64)
    for i in range(n_runs):
        n_stored = min(spike_counts[i, cell], capacity)
        times = spike_times[i, cell]
        out[i, :] = np.nan
        out[i, 0] = 1000.0 * spike_counts[i, cell] / duration_ms
        if n_stored >= 3:
            out[i, 1] = _coefficient_of_variation(np.diff(times[:n_stored]))
        n_bursts, cycle_end = detect_bursts(
            times,
            n_stored,
            duration_ms,
            burst_gap_ms,
            min_burst_ms,
            starts,
            ends,
            sizes,
        )
        info[i, 0] = n_stored
        info[i, 1] = n_bursts
        if n_bursts >= 1:
            out[i, 4] = (ends[:n_bursts] - starts[:n_bursts]).mean()
            out[i, 6] = sizes[:n_bursts].mean()
            n_plateaus = min(plateau_counts[i, cell], plateaus.shape[2])
            out[i, 7] = mean_longest_plateau(
                plateaus[i, cell],
                n_plateaus,
                starts,
                n_bursts,
                duration_ms,
                cycle_end,
                plateau_min_ms,
                plateau_fill_ms,
            )
        if n_bursts >= 2:
            periods = np.diff(starts[:n_bursts])
            out[i, 2] = periods.mean()
            out[i, 3] = _coefficient_of_variation(periods)
            out[i, 5] = out[i, 4] / out[i, 2]


@njit(cache=True, error_model="numpy")
def network_kernel(
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
    duration_ms: float,
    burst_gap_ms: float,
    min_burst_ms: float,
    plateau_min_ms: float,
    plateau_fill_ms: float,
    min_cycles: int,
    triphasic_fraction: float,
    ordered_fraction: float,
    out: np.ndarray,
    info: np.ndarray,
) -> None:
    """Fill the pyloric rhythm features of every three-cell run.

    Cells are ordered AB/PD, LP, PY. The AB/PD burst starts divide time into
    cycles. A cycle is triphasic when each cell starts exactly one burst in
    it. The run is triphasic when it has at least ``min_cycles`` cycles and
    at least ``triphasic_fraction`` of them are triphasic. Only triphasic
    runs get delay, phase and gap features, as means over triphasic cycles.
    The run is pyloric-like when it is triphasic and at least
    ``ordered_fraction`` of its triphasic cycles have LP start <= PY start,
    LP end <= PY end and AB/PD end <= LP start (Prinz et al. 2004, as coded
    in the mackelab ``pyloric`` package).

    ``out`` columns: cycle period; burst durations AB/PD, LP, PY; duty
    cycles AB/PD, LP, PY; start phases LP, PY; start-to-start delays
    AB/PD->LP, AB/PD->PY; end-to-start gaps AB/PD->LP, LP->PY; phase gaps
    AB/PD->LP, LP->PY; plateau durations AB/PD, LP, PY; triphasic (1/0);
    pyloric-like (1/0). Times in ms. ``info`` columns follow
    :data:`NETWORK_INFO_COLUMNS`.
    """
    n_runs = spike_times.shape[0]
    capacity = spike_times.shape[2]
    starts = np.empty((3, capacity))
    ends = np.empty((3, capacity))
    sizes = np.empty(capacity, dtype=np.int64)
    n_bursts = np.zeros(3, dtype=np.int64)
    cycle_values = np.empty((capacity, 5))
    for i in range(n_runs):
        out[i, :] = np.nan
        info[i, :] = 0
        for c in range(3):
            n_stored = min(spike_counts[i, c], capacity)
            n_bursts[c], cycle_end = detect_bursts(
                spike_times[i, c],
                n_stored,
                duration_ms,
                burst_gap_ms,
                min_burst_ms,
                starts[c],
                ends[c],
                sizes,
            )
            info[i, c] = n_bursts[c]
            if n_bursts[c] >= 1:
                out[i, 1 + c] = (
                    ends[c, : n_bursts[c]] - starts[c, : n_bursts[c]]
                ).mean()
                n_plateaus = min(plateau_counts[i, c], plateaus.shape[2])
                out[i, 15 + c] = mean_longest_plateau(
                    plateaus[i, c],
                    n_plateaus,
                    starts[c],
                    n_bursts[c],
                    duration_ms,
                    cycle_end,
                    plateau_min_ms,
                    plateau_fill_ms,
                )
        out[i, 18] = 0.0
        out[i, 19] = 0.0
        if n_bursts[0] < 2:
            continue

        period = (starts[0, n_bursts[0] - 1] - starts[0, 0]) / (n_bursts[0] - 1)
        out[i, 0] = period
        for c in range(3):
            out[i, 4 + c] = out[i, 1 + c] / period

        # Per cycle: LP start, LP end, PY start, PY end, AB/PD end.
        n_cycles = n_bursts[0] - 1
        n_triphasic = 0
        for k in range(n_cycles):
            cycle_start = starts[0, k]
            cycle_end = starts[0, k + 1]
            single = True
            for c in range(1, 3):
                found = 0
                for b in range(n_bursts[c]):
                    if cycle_start <= starts[c, b] < cycle_end:
                        found += 1
                        cycle_values[n_triphasic, 2 * (c - 1)] = starts[c, b]
                        cycle_values[n_triphasic, 2 * (c - 1) + 1] = ends[c, b]
                if found != 1:
                    single = False
            if single:
                cycle_values[n_triphasic, 4] = ends[0, k]
                # Shift LP and PY times so that the cycle's AB/PD start is 0.
                for j in range(5):
                    cycle_values[n_triphasic, j] -= cycle_start
                n_triphasic += 1
        info[i, 3] = n_cycles
        info[i, 4] = n_triphasic
        if n_cycles < min_cycles or n_triphasic / n_cycles < triphasic_fraction:
            continue

        out[i, 18] = 1.0
        values = cycle_values[:n_triphasic]
        lp_start = values[:, 0]
        lp_end = values[:, 1]
        py_start = values[:, 2]
        py_end = values[:, 3]
        ab_pd_end = values[:, 4]
        out[i, 9] = lp_start.mean()
        out[i, 10] = py_start.mean()
        out[i, 7] = out[i, 9] / period
        out[i, 8] = out[i, 10] / period
        out[i, 11] = (lp_start - ab_pd_end).mean()
        out[i, 12] = (py_start - lp_end).mean()
        out[i, 13] = out[i, 11] / period
        out[i, 14] = out[i, 12] / period

        n_ordered = 0
        for k in range(n_triphasic):
            py_first = lp_start[k] > py_start[k]
            lp_late = lp_end[k] > py_end[k]
            lp_early = ab_pd_end[k] > lp_start[k]
            info[i, 6] += py_first
            info[i, 7] += lp_late
            info[i, 8] += lp_early
            if not (py_first or lp_late or lp_early):
                n_ordered += 1
        info[i, 5] = n_ordered
        if n_ordered / n_triphasic >= ordered_fraction:
            out[i, 19] = 1.0
