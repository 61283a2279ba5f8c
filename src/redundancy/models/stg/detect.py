"""Online spike and plateau detection of the STG batch integrator.

The integrator calls :func:`detect_events` once per step and lane, inside the
recorded window, with the lane's voltages of the last three steps. Events go
straight into the buffers of
:class:`~redundancy.models.stg.recording.SpikeRecord`:

* a spike is a local maximum of V above
  :data:`~redundancy.models.stg.recording.SPIKE_THRESHOLD_MV` that rises at
  least :data:`~redundancy.models.stg.recording.SPIKE_MIN_RISE_MV` above the
  last local minimum; its time comes from the parabola through the three
  samples around the peak;
* a plateau is a stretch with V above
  :data:`~redundancy.models.stg.recording.PLATEAU_THRESHOLD_MV`; its start
  and end are found by linear interpolation between steps.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from redundancy.models.stg.recording import (
    PLATEAU_THRESHOLD_MV,
    SPIKE_MIN_RISE_MV,
    SPIKE_THRESHOLD_MV,
)
from redundancy.models.stg.step import LANES, N_CELL_STATES

__all__ = ["detect_events"]


@njit(cache=True, error_model="numpy", inline="always")
def _record(
    k: int,
    n_transient: int,
    dt: float,
    v: float,
    run: int,
    c: int,
    vp1: float,
    vp2: float,
    rise: float,
    above: bool,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
) -> bool:
    # Record the events of step k (time k*dt) of one cell, and return whether
    # V is above the plateau threshold afterwards. `rise` is how far the sample
    # before this one lies above the last local minimum of V.
    t = (k - n_transient) * dt
    if (
        k >= n_transient + 2
        and vp1 > SPIKE_THRESHOLD_MV
        and vp1 > vp2
        and vp1 >= v
        and rise >= SPIKE_MIN_RISE_MV
    ):
        # Parabola through the three samples locates the peak between steps.
        curvature = vp2 - 2.0 * vp1 + v
        offset = 0.5 * dt * (vp2 - v) / curvature if curvature < 0.0 else 0.0
        n = spike_counts[run, c]
        if n < spike_times.shape[2]:
            spike_times[run, c, n] = t - dt + offset
        spike_counts[run, c] = n + 1

    now_above = v > PLATEAU_THRESHOLD_MV
    if k == n_transient:
        if now_above:
            n = plateau_counts[run, c]
            if n < plateaus.shape[2]:
                plateaus[run, c, n, 0] = 0.0
            plateau_counts[run, c] = n + 1
        return now_above
    if now_above != above:
        fraction = (PLATEAU_THRESHOLD_MV - vp1) / (v - vp1)
        t_cross = t - dt + dt * fraction
        if now_above:
            n = plateau_counts[run, c]
            if n < plateaus.shape[2]:
                plateaus[run, c, n, 0] = t_cross
            plateau_counts[run, c] = n + 1
        else:
            n = plateau_counts[run, c] - 1
            if n < plateaus.shape[2]:
                plateaus[run, c, n, 1] = t_cross
    return now_above


@njit(cache=True, error_model="numpy", inline="always")
def detect_events(
    w: np.ndarray,
    b: int,
    run: int,
    k: int,
    n_cells: int,
    n_transient: int,
    dt: float,
    vp1: np.ndarray,
    vp2: np.ndarray,
    valley: np.ndarray,
    above: np.ndarray,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
) -> bool:
    """Record the events of step k of lane b and return whether cell 0 spiked.

    ``vp1`` and ``vp2`` contain, per cell and lane, V one and two steps
    back, and ``valley`` V at the last local minimum. This function updates
    all three.
    """
    spiked = False
    for c in range(n_cells):
        v = w[c * N_CELL_STATES * LANES + b]
        p1 = vp1[c, b]
        p2 = vp2[c, b]
        low = valley[c, b]
        if (
            k == n_transient
            or (p1 > SPIKE_THRESHOLD_MV and p1 > p2 and p1 >= v)
            or (v > PLATEAU_THRESHOLD_MV) != above[c, b]
        ):
            before = spike_counts[run, c]
            above[c, b] = _record(
                k, n_transient, dt, v, run, c, p1, p2, p1 - low, above[c, b],
                spike_times, spike_counts, plateaus, plateau_counts,
            )  # fmt: skip
            spiked |= c == 0 and spike_counts[run, c] > before
        if p1 < p2 and p1 <= v:
            valley[c, b] = p1
        vp2[c, b] = p1
        vp1[c, b] = v
    return spiked
