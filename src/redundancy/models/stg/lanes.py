"""Lanes of an STG integrator block: loading, statistics, range check, finishing.

A block of the batch integrator holds :data:`~redundancy.models.stg.step.LANES`
runs at a time. Each lane runs its own parameter set from the cold start.
When that run ends (at the end of its window, on divergence, or by early
stop), the lane takes the next run of its group. The helpers work on a
block's work array ``w`` (row layout in :mod:`redundancy.models.stg.step`):
most on one lane ``b``, :func:`update_statistics` and :func:`in_range` on
all lanes at once.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from redundancy.models.stg.currents import CA_REST_UM
from redundancy.models.stg.step import (
    LANES,
    MAX_SYN_STATES,
    MAX_SYNAPSES,
    N_CELL_STATES,
    ROW_GBAR,
    ROW_GSYN,
    ROW_MASK,
    ROW_QUIET,
    ROW_STATS,
    SYN_ROW0,
)

__all__ = [
    "CA_LIMIT_UM",
    "V_LIMIT_MV",
    "clear_lane",
    "finish_lane",
    "in_range",
    "load_lane",
    "rest_lane",
    "restart_quiet",
    "update_statistics",
]

#: A run whose V leaves (-V_LIMIT_MV, V_LIMIT_MV) mV, or whose calcium leaves
#: (0, CA_LIMIT_UM) uM, has diverged.
V_LIMIT_MV = 300.0
CA_LIMIT_UM = 1e6


@njit(cache=True, error_model="numpy", inline="always")
def rest_lane(w: np.ndarray, b: int) -> None:
    """Put lane b in the cold-start state: V -50 mV, Ca at rest, m = 0, h = 1, s = 0."""
    for k in range(2):
        for c in range(3):
            base = (k * (SYN_ROW0 + MAX_SYN_STATES) + c * N_CELL_STATES) * LANES
            for i in range(N_CELL_STATES):
                w[base + i * LANES + b] = 0.0
            w[base + b] = -50.0
            w[base + LANES + b] = CA_REST_UM
            for j in (1, 3, 5, 7):
                w[base + (2 + j) * LANES + b] = 1.0
        for s in range(MAX_SYN_STATES):
            w[(k * (SYN_ROW0 + MAX_SYN_STATES) + SYN_ROW0 + s) * LANES + b] = 0.0


@njit(cache=True, error_model="numpy")
def clear_lane(w: np.ndarray, b: int) -> None:
    """Empty lane b: cold start, zero conductances, outside any window."""
    rest_lane(w, b)
    for j in range(ROW_GBAR, ROW_GSYN + MAX_SYNAPSES):
        w[j * LANES + b] = 0.0
    w[ROW_MASK * LANES + b] = 0.0


@njit(cache=True, error_model="numpy")
def load_lane(
    w: np.ndarray,
    b: int,
    run: int,
    gbar: np.ndarray,
    gsyn: np.ndarray,
    n_cells: int,
) -> None:
    """Start run ``run`` in lane b from the cold start, with empty statistics."""
    clear_lane(w, b)
    for c in range(3):
        w[(ROW_STATS + c) * LANES + b] = np.inf
        w[(ROW_STATS + 3 + c) * LANES + b] = -np.inf
        w[(ROW_STATS + 6 + c) * LANES + b] = 0.0
    for c in range(n_cells):
        for j in range(8):
            w[(ROW_GBAR + 8 * c + j) * LANES + b] = gbar[run, c, j]
    for k in range(min(gsyn.shape[1], MAX_SYNAPSES)):
        w[(ROW_GSYN + k) * LANES + b] = gsyn[run, k]


@njit(cache=True, error_model="numpy")
def restart_quiet(
    w: np.ndarray,
    b: int,
    run: int,
    n_cells: int,
    spike_counts: np.ndarray,
    quiet_spikes: np.ndarray,
    quiet_ca: np.ndarray,
) -> None:
    """Start a new silence window of lane b at its current state.

    The window's V extremes start at the current voltages, and
    ``quiet_spikes`` and ``quiet_ca`` record the run's spike count and each
    cell's calcium now, for :func:`~redundancy.models.stg.settle.is_quiet`.
    """
    quiet_spikes[b] = 0
    for c in range(n_cells):
        v = w[c * N_CELL_STATES * LANES + b]
        w[(ROW_QUIET + c) * LANES + b] = v
        w[(ROW_QUIET + 3 + c) * LANES + b] = v
        quiet_spikes[b] += spike_counts[run, c]
        quiet_ca[c, b] = w[(c * N_CELL_STATES + 1) * LANES + b]


@njit(cache=True, error_model="numpy")
def finish_lane(
    w: np.ndarray,
    b: int,
    run: int,
    n_cells: int,
    above: np.ndarray,
    window: float,
    n_recorded: int,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
    v_min: np.ndarray,
    v_max: np.ndarray,
    ca_mean: np.ndarray,
) -> None:
    """Write lane b's statistics to the record of run ``run``.

    ``n_recorded`` is the number of samples in the calcium sum of a full
    window, and a plateau still open is closed at ``window`` ms.
    """
    for c in range(n_cells):
        i = (ROW_STATS + c) * LANES + b
        v_min[run, c] = w[i]
        v_max[run, c] = w[i + 3 * LANES]
        ca_mean[run, c] = w[i + 6 * LANES] / n_recorded
        if above[c, b]:
            last = plateau_counts[run, c] - 1
            if last < plateaus.shape[2]:
                plateaus[run, c, last, 1] = window


@njit(cache=True, error_model="numpy", inline="always")
def update_statistics(w: np.ndarray, n_cells: int, quiet: bool) -> None:
    """Update the running V minimum, maximum and Ca sum of every lane.

    Only lanes inside their recorded window (mask row 1.0) count. The loops
    run over all lanes, so they vectorise. With ``quiet``, also update the V
    extremes since the last silence check.
    """
    for c in range(n_cells):
        v0 = c * N_CELL_STATES * LANES
        for b in range(LANES):
            v = w[v0 + b]
            recording = w[ROW_MASK * LANES + b]
            i = (ROW_STATS + c) * LANES + b
            low = w[i]
            high = w[i + 3 * LANES]
            w[i] = v if (recording > 0.0) & (v < low) else low
            w[i + 3 * LANES] = v if (recording > 0.0) & (v > high) else high
            w[i + 6 * LANES] += recording * w[v0 + LANES + b]
        if quiet:
            for b in range(LANES):
                v = w[v0 + b]
                q = (ROW_QUIET + c) * LANES + b
                low = w[q]
                high = w[q + 3 * LANES]
                w[q] = v if v < low else low
                w[q + 3 * LANES] = v if v > high else high


@njit(cache=True, error_model="numpy", inline="always")
def in_range(w: np.ndarray, n_cells: int) -> bool:
    """Return whether every lane's V and Ca are inside the physical range."""
    ok = True
    for c in range(n_cells):
        v0 = c * N_CELL_STATES * LANES
        for b in range(LANES):
            v = w[v0 + b]
            ca = w[v0 + LANES + b]
            ok &= (abs(v) < V_LIMIT_MV) & (ca > 0.0) & (ca < CA_LIMIT_UM)
    return ok
