"""One integration step of a block of STG networks, laid out for SIMD.

A block holds :data:`LANES` parameter sets. Everything the step reads or
writes lives in one flat float64 work array per block, one row of
:data:`LANES` values per quantity (see the ``ROW_*`` offsets). Every inner
loop runs over the lanes of a row, and within one cell all row offsets are
compile-time constants. LLVM then finds accesses to a single array at fixed
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
  and Ca sum of cell c over the recorded window;
* ``ROW_MASK``: 1.0 for lanes inside their recorded window, else 0.0;
* ``ROW_QUIET + c``, ``+ 3 + c``: V minimum and maximum of cell c since the
  last silence check of :mod:`redundancy.models.stg.settle`.

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
    SYNAPSE_TYPES,
    steady_states,
    time_constants,
)
from redundancy.models.stg.vecmath import vexp, vlog

__all__ = [
    "LANES",
    "NETWORK_STATES",
    "NETWORK_SYNAPSE_POST",
    "NETWORK_SYNAPSE_STATE",
    "N_CELL_STATES",
    "N_WORK_ROWS",
    "ROW_MASK",
    "ROW_QUIET",
    "ROW_STATS",
    "step",
]

#: Parameter sets per block: the SIMD loop length.
LANES = 8
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
#: 1.0 where a lane is inside its recorded window, else 0.0.
ROW_MASK = ROW_STATS + 9
#: V minimum and maximum per cell since the last silence check (3 rows each).
ROW_QUIET = ROW_MASK + 1
N_WORK_ROWS = ROW_QUIET + 6

# Calcium flux per membrane current density: uM/ms per (uA/cm^2) times tau_Ca.
_CA_PER_DENSITY = F_CA_UM_PER_NA * AREA_CM2 * 1e3
_E_GLUTAMATE = SYNAPSE_TYPES[0][1]
_E_CHOLINE = SYNAPSE_TYPES[1][1]

#: Network wiring compiled into the step, so that its loops have constant
#: offsets. Synapses are in the order ab_lp, pd_lp, ab_py, pd_py, lp_ab,
#: lp_py, py_lp. These tuples give the postsynaptic cell and the activation
#: variable of each synapse.
NETWORK_SYNAPSE_POST = (1, 1, 2, 2, 0, 2, 1)
NETWORK_SYNAPSE_STATE = (0, 1, 0, 1, 2, 2, 3)
#: Presynaptic cell and type (0 glutamatergic, 1 cholinergic) of the four
#: activation variables: the outputs of AB, PD, LP and PY.
NETWORK_STATES = ((0, 0), (0, 1), (1, 0), (2, 0))
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
    active: int,
    columns: int,
) -> None:
    # Fill the first `columns` INF and DECAY rows of cell c (its gates, then
    # the synapse types) at the voltage of state copy coef, for the
    # first `active` lanes. The other lanes contain no run and keep zeros.
    v_row = (coef * N_STATE_ROWS + c * N_CELL_STATES) * LANES
    inf_row = (ROW_INF + c * _NK) * LANES
    decay_row = (ROW_DECAY + c * _NK) * LANES
    if exact:
        h = 0.5 * dt if half else dt
        for b in range(active):
            v = w[v_row + b]
            steady_states(v, scratch)
            for j in range(_NK):
                w[inf_row + j * LANES + b] = scratch[j]
            time_constants(v, scratch)
            for j in range(_NK):
                w[decay_row + j * LANES + b] = math.exp(-h * rates[j] / scratch[j])
        return
    # Row i of table[part] contains 26 values followed by their slopes.
    part = 1 if half else 0
    top = table.shape[1] - 1.000001
    for b in range(active):
        x = (w[v_row + b] - v_low) * inv_step
        if not x > 0.0:
            x = 0.0
        elif x > top:
            x = top
        i = int(x)
        f = x - i
        row = table[part, i]
        for j in range(columns):
            w[inf_row + j * LANES + b] = row[j] + f * row[2 * _NK + j]
        for j in range(columns):
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
def _synaptic_input(w: np.ndarray, coef: int) -> None:
    # Sum g_s * s and g_s * s * E_s per postsynaptic cell into SYN_G/SYN_GE,
    # for the wiring of NETWORK_SYNAPSE_POST and NETWORK_SYNAPSE_STATE.
    L = LANES
    s0 = (coef * N_STATE_ROWS + SYN_ROW0) * L
    g0 = ROW_GSYN * L
    out_g = ROW_SYN_G * L
    out_ge = ROW_SYN_GE * L
    for b in range(LANES):
        s_ab = w[s0 + b]
        s_pd = w[s0 + L + b]
        s_lp = w[s0 + 2 * L + b]
        s_py = w[s0 + 3 * L + b]
        ab_lp = w[g0 + b] * s_ab
        pd_lp = w[g0 + L + b] * s_pd
        ab_py = w[g0 + 2 * L + b] * s_ab
        pd_py = w[g0 + 3 * L + b] * s_pd
        lp_ab = w[g0 + 4 * L + b] * s_lp
        lp_py = w[g0 + 5 * L + b] * s_lp
        py_lp = w[g0 + 6 * L + b] * s_py
        w[out_g + b] = lp_ab
        w[out_ge + b] = _E_GLUTAMATE * lp_ab
        glutamate = ab_lp + py_lp
        w[out_g + L + b] = glutamate + pd_lp
        w[out_ge + L + b] = _E_GLUTAMATE * glutamate + _E_CHOLINE * pd_lp
        glutamate = ab_py + lp_py
        w[out_g + 2 * L + b] = glutamate + pd_py
        w[out_ge + 2 * L + b] = _E_GLUTAMATE * glutamate + _E_CHOLINE * pd_py


@njit(cache=True, error_model="numpy", inline="always")
def _relax(w: np.ndarray, src: int, dst: int, state: int, pre: int, kind: int) -> None:
    # Advance synaptic activation `state` from the lookups of cell `pre`.
    col = N_GATES + kind
    i0 = (ROW_INF + pre * _NK + col) * LANES
    e0 = (ROW_DECAY + pre * _NK + col) * LANES
    x0 = (src * N_STATE_ROWS + SYN_ROW0 + state) * LANES
    d0 = (dst * N_STATE_ROWS + SYN_ROW0 + state) * LANES
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
    nernst: float,
    ca_decay: float,
    table: np.ndarray,
    v_low: float,
    inv_step: float,
    exact: bool,
    rates: np.ndarray,
    dt: float,
    scratch: np.ndarray,
    active: int,
) -> None:
    """Advance every lane of a block by one exponential-Euler (half) step.

    The step starts from state copy ``src`` and writes state copy ``dst``.
    Steady states, time constants and conductances are frozen at state copy
    ``coef``. All three may be the same copy.

    Args:
        w: (N_WORK_ROWS * LANES,) work array of the block.
        src, coef, dst: state copies (0 or 1).
        half: step by dt/2 instead of dt.
        n_cells: 1 (single neuron) or 3 (network, wired as NETWORK_STATES,
            NETWORK_SYNAPSE_POST and NETWORK_SYNAPSE_STATE).
        nernst: RT/2F in mV.
        ca_decay: exp(-h / tau_Ca) for this step length h.
        table, v_low, inv_step: gating table, its first voltage (mV) and
            1/its spacing (1/mV).
        exact: evaluate the gating formulas instead of the table.
        rates: (13,) temperature factors of 1/tau (exact mode).
        dt: full step in ms.
        scratch: (13,) work array for exact mode.
        active: lanes that contain a run. The gating of the others is not
            looked up, so with zero conductances they stay at rest.
    """
    h = 0.5 * dt if half else dt
    for c in range(n_cells):
        _lookup(
            w,
            c,
            coef,
            half,
            table,
            v_low,
            inv_step,
            exact,
            rates,
            dt,
            scratch,
            active,
            N_GATES if n_cells == 1 else _NK,
        )
    if n_cells == 1:
        _cell(w, 0, src, coef, dst, h, nernst, ca_decay, False)
        return
    _synaptic_input(w, coef)
    _cell(w, 0, src, coef, dst, h, nernst, ca_decay, True)
    _cell(w, 1, src, coef, dst, h, nernst, ca_decay, True)
    _cell(w, 2, src, coef, dst, h, nernst, ca_decay, True)
    _relax(w, src, dst, 0, 0, 0)
    _relax(w, src, dst, 1, 0, 1)
    _relax(w, src, dst, 2, 1, 0)
    _relax(w, src, dst, 3, 2, 0)
