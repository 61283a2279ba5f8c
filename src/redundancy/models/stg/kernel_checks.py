"""Shape and wiring checks that guard the compiled STG integrator.

:func:`~redundancy.models.stg.kernel.integrate` calls these once per batch,
before its unchecked loops, so that inconsistent inputs raise ValueError
rather than access memory outside an array.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from redundancy.models.stg.currents import N_GATES, N_SYN_TYPES, SYNAPSE_TYPES
from redundancy.models.stg.step import (
    NETWORK_STATES,
    NETWORK_SYNAPSE_POST,
    NETWORK_SYNAPSE_STATE,
)

__all__ = ["check_shapes", "check_wiring"]

# Gating lookups per cell: the gates, then the synapse types.
_N_LOOKUP = N_GATES + N_SYN_TYPES


@njit(cache=True, error_model="numpy")
def check_wiring(
    syn_pre: np.ndarray,
    syn_type: np.ndarray,
    syn_state: np.ndarray,
    syn_post: np.ndarray,
    syn_erev: np.ndarray,
) -> None:
    """Raise ValueError unless the wiring is the one compiled into the step."""
    same = syn_pre.shape[0] == len(NETWORK_STATES)
    same &= syn_post.shape[0] == len(NETWORK_SYNAPSE_POST)
    if same:
        for s in range(syn_pre.shape[0]):
            same &= syn_pre[s] == NETWORK_STATES[s][0]
            same &= syn_type[s] == NETWORK_STATES[s][1]
        for k in range(syn_post.shape[0]):
            same &= syn_post[k] == NETWORK_SYNAPSE_POST[k]
            same &= syn_state[k] == NETWORK_SYNAPSE_STATE[k]
            erev = SYNAPSE_TYPES[NETWORK_STATES[syn_state[k]][1]][1]
            same &= syn_erev[k] == erev
    if not same:
        raise ValueError("network wiring differs from the one compiled into the step")


@njit(cache=True, error_model="numpy")
def check_shapes(
    gbar: np.ndarray,
    gsyn: np.ndarray,
    table: np.ndarray,
    rates: np.ndarray,
    spike_counts: np.ndarray,
    spike_times: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
    v_min: np.ndarray,
    v_max: np.ndarray,
    ca_mean: np.ndarray,
    diverged: np.ndarray,
    trace: np.ndarray,
) -> None:
    """Raise ValueError unless every array has the shape the kernel indexes.

    The integrator's loops index without bounds checks, so a wrong shape
    would read or write outside an array. Numba's cache does not notice edits
    of imported modules, so a stale cached kernel can meet a gating table of
    a newer layout. This check then raises instead.
    """
    n = gbar.shape[0]
    cells = gbar.shape[1]
    ok = (cells == 1 or cells == 3) and gbar.shape[2] == 8
    ok &= gsyn.shape[0] == n and rates.shape[0] == _N_LOOKUP
    ok &= table.shape[0] == 2 and table.shape[1] >= 2
    ok &= table.shape[2] == 4 * _N_LOOKUP
    ok &= spike_counts.shape[0] == n and spike_counts.shape[1] == cells
    ok &= plateau_counts.shape[0] == n and plateau_counts.shape[1] == cells
    ok &= v_min.shape[0] == n and v_min.shape[1] == cells
    ok &= v_max.shape[0] == n and v_max.shape[1] == cells
    ok &= ca_mean.shape[0] == n and ca_mean.shape[1] == cells
    ok &= spike_times.shape[0] == n and spike_times.shape[1] == cells
    ok &= plateaus.shape[0] == n and plateaus.shape[1] == cells
    ok &= plateaus.shape[3] == 2 and diverged.shape[0] == n
    ok &= trace.shape[0] == n and trace.shape[1] == 2 * cells
    if not ok:
        raise ValueError(
            "STG kernel arrays have inconsistent shapes; if the STG sources "
            "changed, delete the Numba cache files (*.nbi, *.nbc) and rerun"
        )
