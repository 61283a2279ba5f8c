"""One integration step of a block of STG networks, laid out for SIMD.

A block holds :data:`LANES` parameter sets. Everything the step reads or
writes lives in one flat float64 work array per block, one row of
:data:`LANES` values per quantity (see the ``ROW_*`` offsets). Every inner
loop runs over the lanes of a row, and within one cell all row offsets are
compile-time constants, so LLVM sees accesses to a single array at fixed
distances and vectorises the loop without runtime alias checks. The
exponential and the logarithm come from
:mod:`redundancy.models.stg.vecmath` for the same reason.

Gating steady states and decay factors are looked up in a table with linear
interpolation (a scalar loop, since gathers do not vectorise here) or, in
exact mode, evaluated from the formulas.

Work-array rows, with ``k`` the state copy (0 current, 1 midpoint):

* state ``k * N_STATE_ROWS + c * N_CELL_STATES + i``: V (i=0), Ca (i=1) and
  the 11 gates of cell c; synaptic activations at
  ``k * N_STATE_ROWS + SYN_ROW0 + s``;
* ``ROW_GBAR + 8 c + j``: maximal conductance j of cell c in mS/cm^2;
* ``ROW_GSYN + k``: synapse k in mS/cm^2;
* ``ROW_INF + 13 c + j`` and ``ROW_DECAY + 13 c + j``: steady state and decay
  factor of gate (or synapse type) j at cell c's voltage;
* ``ROW_SYN_G + c`` and ``ROW_SYN_GE + c``: total synaptic conductance into
  cell c and its sum weighted by the reversal potentials;
* ``ROW_STATS + c``, ``+ 3 + c``, ``+ 6 + c``: running V minimum, V maximum
  and Ca sum of cell c over the recorded window.

References:
    Prinz AA, Billimoria CP, Marder E (2003). J Neurophysiol 90:3998-4015.

    Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.

    Hochbruck M, Ostermann A (2010). Exponential integrators. Acta Numerica
    19:209-286.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from redundancy.models.stg.currents import (
    AREA_CM2,
    C_M_UF_CM2,
    CA_OUT_UM,
    CA_REST_UM,
    F_CA_UM_PER_NA,
    KCA_HALF_UM,
    N_GATES,
    N_SYN_TYPES,
    steady_states,
    time_constants,
)
from redundancy.models.stg.vecmath import vexp, vlog

__all__ = ["LANES", "N_CELL_STATES", "N_WORK_ROWS", "ROW_STATS", "step"]

#: Parameter sets per block: the SIMD loop length.
LANES = 16
#: State variables per cell: V, Ca and the 11 gates.
N_CELL_STATES = 2 + N_GATES
_NK = N_GATES + N_SYN_TYPES
#: Largest number of synaptic activation variables (AB, PD, LP, PY outputs).
MAX_SYN_STATES = 4
MAX_SYNAPSES = 7
SYN_ROW0 = 3 * N_CELL_STATES
N_STATE_ROWS = SYN_ROW0 + MAX_SYN_STATES
ROW_GBAR = 2 * N_STATE_ROWS
ROW_GSYN = ROW_GBAR + 3 * 8
ROW_INF = ROW_GSYN + MAX_SYNAPSES
ROW_DECAY = ROW_INF + 3 * _NK
ROW_SYN_G = ROW_DECAY + 3 * _NK
ROW_SYN_GE = ROW_SYN_G + 3
#: V minimum, V maximum and Ca sum per cell (3 rows each), for the record.
ROW_STATS = ROW_SYN_GE + 3
N_WORK_ROWS = ROW_STATS + 9

# Calcium flux per membrane current density: uM/ms per (uA/cm^2) times tau_Ca.
_CA_PER_DENSITY = F_CA_UM_PER_NA * AREA_CM2 * 1e3
_LOG_CA_OUT = math.log(CA_OUT_UM)


@njit(cache=True, error_model="numpy", inline="always")
def _lookup(
    w: np.ndarray,
    c: int,
    coef: int,
    half: bool,
    table: np.ndarray,
    v_low: float,
    inv_step: float,
    exact: bool,
    rates: np.ndarray,
    dt: float,
    scratch: np.ndarray,
) -> None:
    # Fill the INF and DECAY rows of cell c at the voltage of state copy coef.
    v_row = (coef * N_STATE_ROWS + c * N_CELL_STATES) * LANES
    inf_row = (ROW_INF + c * _NK) * LANES
    decay_row = (ROW_DECAY + c * _NK) * LANES
    if exact:
        h = 0.5 * dt if half else dt
        for b in range(LANES):
            v = w[v_row + b]
            steady_states(v, scratch)
            for j in range(_NK):
                w[inf_row + j * LANES + b] = scratch[j]
            time_constants(v, scratch)
            for j in range(_NK):
                w[decay_row + j * LANES + b] = math.exp(-h * rates[j] / scratch[j])
        return
    # table[half, i] holds the 26 values at row i followed by their slopes.
    part = 1 if half else 0
    top = table.shape[1] - 1.000001
    for b in range(LANES):
        x = (w[v_row + b] - v_low) * inv_step
        if not x > 0.0:
            x = 0.0
        elif x > top:
            x = top
        i = int(x)
        f = x - i
        row = table[part, i]
        for j in range(_NK):
            w[inf_row + j * LANES + b] = row[j] + f * row[2 * _NK + j]
        for j in range(_NK):
            w[decay_row + j * LANES + b] = row[_NK + j] + f * row[3 * _NK + j]


@njit(cache=True, error_model="numpy", inline="always")
def _cell(
    w: np.ndarray,
    c: int,
    src: int,
    coef: int,
    dst: int,
    h: float,
    nernst: float,
    ca_decay: float,
    synaptic: bool,
) -> None:
    # Advance V, Ca and the gates of cell c over a step of h ms (vectorised).
    s0 = (src * N_STATE_ROWS + c * N_CELL_STATES) * LANES
    k0 = (coef * N_STATE_ROWS + c * N_CELL_STATES) * LANES
    d0 = (dst * N_STATE_ROWS + c * N_CELL_STATES) * LANES
    g0 = (ROW_GBAR + 8 * c) * LANES
    i0 = (ROW_INF + c * _NK) * LANES
    e0 = (ROW_DECAY + c * _NK) * LANES
    sg = (ROW_SYN_G + c) * LANES
    se = (ROW_SYN_GE + c) * LANES
    L = LANES
    for b in range(LANES):
        ca = w[k0 + L + b]
        m = w[k0 + 2 * L + b]
        g_na = w[g0 + b] * m * m * m * w[k0 + 3 * L + b]
        m = w[k0 + 4 * L + b]
        g_cat = w[g0 + L + b] * m * m * m * w[k0 + 5 * L + b]
        m = w[k0 + 6 * L + b]
        g_cas = w[g0 + 2 * L + b] * m * m * m * w[k0 + 7 * L + b]
        m = w[k0 + 8 * L + b]
        g_a = w[g0 + 3 * L + b] * m * m * m * w[k0 + 9 * L + b]
        m = w[k0 + 10 * L + b] * w[k0 + 10 * L + b]
        g_kca = w[g0 + 4 * L + b] * m * m
        m = w[k0 + 11 * L + b] * w[k0 + 11 * L + b]
        g_kd = w[g0 + 5 * L + b] * m * m
        g_h = w[g0 + 6 * L + b] * w[k0 + 12 * L + b]
        g_leak = w[g0 + 7 * L + b]
        e_ca = nernst * (_LOG_CA_OUT - vlog(ca))
        g_k = g_a + g_kca + g_kd
        g_ca = g_cat + g_cas
        g_total = g_na + g_ca + g_k + g_h + g_leak
        g_e = 50.0 * g_na + e_ca * g_ca - 80.0 * g_k - 20.0 * g_h - 50.0 * g_leak
        if synaptic:
            g_total += w[sg + b]
            g_e += w[se + b]
        kca_inf = ca / (ca + KCA_HALF_UM) * w[i0 + 8 * L + b]
        ca_inf = CA_REST_UM - _CA_PER_DENSITY * g_ca * (w[k0 + b] - e_ca)

        # With g_total = 0, g_e is 0 too and V keeps its value.
        g_safe = g_total if g_total != 0.0 else 1.0
        v_inf = g_e / g_safe
        v_decay = vexp(-h * g_total / C_M_UF_CM2)
        w[d0 + b] = v_inf + (w[s0 + b] - v_inf) * v_decay
        w[d0 + L + b] = ca_inf + (w[s0 + L + b] - ca_inf) * ca_decay
        for j in range(N_GATES):
            x_inf = kca_inf if j == 8 else w[i0 + j * L + b]
            x = w[s0 + (2 + j) * L + b]
            w[d0 + (2 + j) * L + b] = x_inf + (x - x_inf) * w[e0 + j * L + b]


@njit(cache=True, error_model="numpy", inline="always")
def _synaptic_input(
    w: np.ndarray,
    coef: int,
    syn_state: np.ndarray,
    syn_post: np.ndarray,
    syn_erev: np.ndarray,
) -> None:
    # Sum g_s * s and g_s * s * E_s per postsynaptic cell into SYN_G/SYN_GE.
    for b in range(3 * 2 * LANES):
        w[ROW_SYN_G * LANES + b] = 0.0
    for k in range(syn_post.shape[0]):
        g_row = (ROW_GSYN + k) * LANES
        s_row = (coef * N_STATE_ROWS + SYN_ROW0 + syn_state[k]) * LANES
        out_g = (ROW_SYN_G + syn_post[k]) * LANES
        out_ge = (ROW_SYN_GE + syn_post[k]) * LANES
        e_s = syn_erev[k]
        for b in range(LANES):
            g_s = w[g_row + b] * w[s_row + b]
            w[out_g + b] += g_s
            w[out_ge + b] += g_s * e_s


@njit(cache=True, error_model="numpy", inline="always")
def _synapse_states(
    w: np.ndarray, src: int, dst: int, syn_pre: np.ndarray, syn_type: np.ndarray
) -> None:
    # Advance the synaptic activations from the presynaptic cells' lookups.
    for s in range(syn_pre.shape[0]):
        col = N_GATES + syn_type[s]
        i0 = (ROW_INF + syn_pre[s] * _NK + col) * LANES
        e0 = (ROW_DECAY + syn_pre[s] * _NK + col) * LANES
        x0 = (src * N_STATE_ROWS + SYN_ROW0 + s) * LANES
        d0 = (dst * N_STATE_ROWS + SYN_ROW0 + s) * LANES
        for b in range(LANES):
            s_inf = w[i0 + b]
            w[d0 + b] = s_inf + (w[x0 + b] - s_inf) * w[e0 + b]


@njit(cache=True, error_model="numpy", inline="always")
def step(
    w: np.ndarray,
    src: int,
    coef: int,
    dst: int,
    half: bool,
    n_cells: int,
    syn_pre: np.ndarray,
    syn_type: np.ndarray,
    syn_state: np.ndarray,
    syn_post: np.ndarray,
    syn_erev: np.ndarray,
    nernst: float,
    ca_decay: float,
    table: np.ndarray,
    v_low: float,
    inv_step: float,
    exact: bool,
    rates: np.ndarray,
    dt: float,
    scratch: np.ndarray,
) -> None:
    """Advance every lane of a block by one exponential-Euler (half) step.

    The step starts from state copy ``src`` with steady states, time
    constants and conductances frozen at state copy ``coef`` and writes
    state copy ``dst``; all three may be the same copy.

    Args:
        w: (N_WORK_ROWS * LANES,) work array of the block.
        src, coef, dst: state copies (0 or 1).
        half: step by dt/2 instead of dt.
        n_cells: 1 (single neuron) or 3 (network).
        syn_pre, syn_type, syn_state, syn_post, syn_erev: network wiring, as
            in :func:`redundancy.models.stg.kernel.integrate`.
        nernst: RT/2F in mV.
        ca_decay: exp(-h / tau_Ca) for this step length h.
        table, v_low, inv_step: gating table, its first voltage (mV) and
            1/its spacing (1/mV).
        exact: evaluate the gating formulas instead of the table.
        rates: (13,) temperature factors of 1/tau (exact mode).
        dt: full step in ms.
        scratch: (13,) work array for exact mode.
    """
    h = 0.5 * dt if half else dt
    for c in range(n_cells):
        _lookup(w, c, coef, half, table, v_low, inv_step, exact, rates, dt, scratch)
    if n_cells == 1:
        _cell(w, 0, src, coef, dst, h, nernst, ca_decay, False)
        return
    _synaptic_input(w, coef, syn_state, syn_post, syn_erev)
    _cell(w, 0, src, coef, dst, h, nernst, ca_decay, True)
    _cell(w, 1, src, coef, dst, h, nernst, ca_decay, True)
    _cell(w, 2, src, coef, dst, h, nernst, ca_decay, True)
    _synapse_states(w, src, dst, syn_pre, syn_type)
