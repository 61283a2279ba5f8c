"""Compiled batch integrator of STG cells and the pyloric network.

One call integrates many parameter sets that share a temperature. Parameter
sets are split into blocks, which run in parallel threads. Inside a block the
time loop is outside and the loop over the block's parameter sets inside, and
the state is a structure of arrays. Nothing is stored per time step
except the events of :class:`~redundancy.models.stg.recording.SpikeRecord`
and, on request, subsampled traces.

Schemes (``scheme`` argument):

* 0, exponential Euler: every variable x with dx/dt = (x_inf - x)/tau is
  advanced exactly with x_inf and tau frozen at the start of the step (the
  membrane equation in the same form, with V_inf = sum(g E)/sum(g)). First
  order in dt.
* 1, exponential midpoint: a half step of exponential Euler gives the
  midpoint state; the full step then starts again from the old state with
  x_inf and tau taken at the midpoint. Second order in dt, two evaluations
  per step, and exact for frozen coefficients like exponential Euler, so the
  fast synaptic and sodium kinetics do not restrict the step.

References:
    Prinz AA, Billimoria CP, Marder E (2003). J Neurophysiol 90:3998-4015.

    Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.

    Hochbruck M, Ostermann A (2010). Exponential integrators. Acta Numerica
    19:209-286 (exponential Euler and exponential Runge-Kutta methods).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

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
from redundancy.models.stg.recording import PLATEAU_THRESHOLD_MV, SPIKE_THRESHOLD_MV

__all__ = ["N_CELL_STATES", "integrate"]

#: State variables per cell: V, Ca and the 11 gates in GATES order.
N_CELL_STATES = 2 + N_GATES
_NK = N_GATES + N_SYN_TYPES
# Calcium flux per membrane current density: uM/ms per (uA/cm^2) times tau_Ca.
_CA_PER_DENSITY = F_CA_UM_PER_NA * AREA_CM2 * 1e3
_V_LIMIT_MV = 300.0
_CA_LIMIT_UM = 1e6


@njit(cache=True, error_model="numpy", inline="always")
def _gating(
    v: float,
    half: bool,
    table: np.ndarray,
    v_low: float,
    inv_step: float,
    exact: bool,
    rates: np.ndarray,
    dt: float,
    scratch: np.ndarray,
    out: np.ndarray,
) -> None:
    # out[:13] = steady states, out[13:] = decay factors for a full or half step.
    if exact:
        steady_states(v, scratch)
        for j in range(_NK):
            out[j] = scratch[j]
        time_constants(v, scratch)
        h = 0.5 * dt if half else dt
        for j in range(_NK):
            out[_NK + j] = math.exp(-h * rates[j] / scratch[j])
        return
    x = (v - v_low) * inv_step
    top = table.shape[0] - 1.000001
    if not x > 0.0:
        x = 0.0
    elif x > top:
        x = top
    i = int(x)
    f = x - i
    lo = table[i]
    hi = table[i + 1]
    for j in range(_NK):
        out[j] = lo[j] + f * (hi[j] - lo[j])
    offset = 2 * _NK if half else _NK
    for j in range(_NK):
        a = lo[offset + j]
        out[_NK + j] = a + f * (hi[offset + j] - a)


@njit(cache=True, error_model="numpy", inline="always")
def _advance(
    src: np.ndarray,
    coef: np.ndarray,
    dst: np.ndarray,
    b: int,
    run: int,
    half: bool,
    n_cells: int,
    gbar: np.ndarray,
    gsyn: np.ndarray,
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
    rows: np.ndarray,
) -> None:
    # Advance run b from src by one (half) step with coefficients from coef.
    # dst may be src and coef: every value is read before it is written.
    h = 0.5 * dt if half else dt
    for c in range(n_cells):
        _gating(
            coef[c * N_CELL_STATES, b],
            half,
            table,
            v_low,
            inv_step,
            exact,
            rates,
            dt,
            scratch,
            rows[c],
        )
    n_states_cells = n_cells * N_CELL_STATES
    for c in range(n_cells):
        base = c * N_CELL_STATES
        row = rows[c]
        v = coef[base, b]
        ca = coef[base + 1, b]
        m = coef[base + 2, b]
        g_na = gbar[run, c, 0] * m * m * m * coef[base + 3, b]
        m = coef[base + 4, b]
        g_cat = gbar[run, c, 1] * m * m * m * coef[base + 5, b]
        m = coef[base + 6, b]
        g_cas = gbar[run, c, 2] * m * m * m * coef[base + 7, b]
        m = coef[base + 8, b]
        g_a = gbar[run, c, 3] * m * m * m * coef[base + 9, b]
        m = coef[base + 10, b] * coef[base + 10, b]
        g_kca = gbar[run, c, 4] * m * m
        m = coef[base + 11, b] * coef[base + 11, b]
        g_kd = gbar[run, c, 5] * m * m
        g_h = gbar[run, c, 6] * coef[base + 12, b]
        g_leak = gbar[run, c, 7]
        e_ca = nernst * math.log(CA_OUT_UM / ca)
        g_k = g_a + g_kca + g_kd
        g_ca = g_cat + g_cas
        g_total = g_na + g_ca + g_k + g_h + g_leak
        g_e = 50.0 * g_na + e_ca * g_ca - 80.0 * g_k - 20.0 * g_h - 50.0 * g_leak
        for k in range(syn_post.shape[0]):
            if syn_post[k] == c:
                g_s = gsyn[run, k] * coef[n_states_cells + syn_state[k], b]
                g_total += g_s
                g_e += g_s * syn_erev[k]
        kca_inf = ca / (ca + KCA_HALF_UM) * row[8]
        ca_inf = CA_REST_UM - _CA_PER_DENSITY * g_ca * (v - e_ca)

        v_src = src[base, b]
        if g_total != 0.0:
            v_inf = g_e / g_total
            dst[base, b] = v_inf + (v_src - v_inf) * math.exp(-h * g_total / C_M_UF_CM2)
        else:
            dst[base, b] = v_src
        dst[base + 1, b] = ca_inf + (src[base + 1, b] - ca_inf) * ca_decay
        for j in range(N_GATES):
            x_inf = kca_inf if j == 8 else row[j]
            dst[base + 2 + j, b] = x_inf + (src[base + 2 + j, b] - x_inf) * row[_NK + j]

    for s in range(syn_pre.shape[0]):
        row = rows[syn_pre[s]]
        col = N_GATES + syn_type[s]
        s_inf = row[col]
        i = n_states_cells + s
        dst[i, b] = s_inf + (src[i, b] - s_inf) * row[_NK + col]


@njit(cache=True, error_model="numpy", inline="always")
def _record(
    k: int,
    n_transient: int,
    dt: float,
    v: float,
    ca: float,
    run: int,
    c: int,
    vp1: float,
    vp2: float,
    above: bool,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
    v_min: np.ndarray,
    v_max: np.ndarray,
    ca_sum: np.ndarray,
) -> bool:
    # Record step k (time k*dt) of one cell; return whether V is above the
    # plateau threshold afterwards.
    t = (k - n_transient) * dt
    if v < v_min[run, c]:
        v_min[run, c] = v
    if v > v_max[run, c]:
        v_max[run, c] = v
    ca_sum[run, c] += ca

    if k >= n_transient + 2 and vp1 > SPIKE_THRESHOLD_MV and vp1 > vp2 and vp1 >= v:
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


@njit(cache=True, parallel=True, error_model="numpy")
def integrate(
    gbar: np.ndarray,
    gsyn: np.ndarray,
    syn_pre: np.ndarray,
    syn_type: np.ndarray,
    syn_state: np.ndarray,
    syn_post: np.ndarray,
    syn_erev: np.ndarray,
    nernst: float,
    ca_rate: float,
    table: np.ndarray,
    v_low: float,
    inv_step: float,
    exact: bool,
    rates: np.ndarray,
    dt: float,
    n_steps: int,
    n_transient: int,
    scheme: int,
    block: int,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
    v_min: np.ndarray,
    v_max: np.ndarray,
    ca_mean: np.ndarray,
    diverged: np.ndarray,
    trace: np.ndarray,
    trace_stride: int,
) -> None:
    """Integrate a batch from the cold start and fill the record arrays in place.

    Args:
        gbar: (n, cells, 8) maximal conductances in mS/cm^2, temperature scaled.
        gsyn: (n, synapses) synaptic conductances in mS/cm^2, temperature scaled.
        syn_pre, syn_type: (states,) presynaptic cell and type (0 glutamatergic,
            1 cholinergic) of each synaptic activation variable.
        syn_state, syn_post, syn_erev: (synapses,) activation variable,
            postsynaptic cell and reversal potential (mV) of each synapse.
        nernst: RT/2F in mV.
        ca_rate: temperature factor multiplying 1/tau_Ca.
        table: gating table from :func:`~redundancy.models.stg.currents.build_table`.
        v_low, inv_step: first voltage of the table (mV) and 1/its step (1/mV).
        exact: evaluate the gating functions at every step instead of the table.
        rates: (13,) temperature factors multiplying 1/tau (exact mode).
        dt: time step in ms.
        n_steps: number of steps in total, transient included.
        n_transient: steps discarded before recording starts.
        scheme: 0 exponential Euler, 1 exponential midpoint.
        block: parameter sets per block.
        spike_times ... diverged: output arrays of a SpikeRecord, pre-filled
            with NaN (times), 0 (counts), +inf/-inf (v_min/v_max), False.
        trace: (n, 2 * cells, samples) V and Ca every trace_stride steps of the
            recorded window; samples may be 0.
        trace_stride: steps between trace samples.
    """
    n = gbar.shape[0]
    n_cells = gbar.shape[1]
    n_states = n_cells * N_CELL_STATES + syn_pre.shape[0]
    n_blocks = (n + block - 1) // block
    ca_full = math.exp(-dt * ca_rate / 200.0)
    ca_half = math.exp(-0.5 * dt * ca_rate / 200.0)
    ca_sum = np.zeros((n, n_cells))
    for blk in prange(n_blocks):
        start = blk * block
        nb = min(block, n - start)
        y = np.zeros((n_states, nb))
        y_half = np.zeros((n_states, nb))
        vp1 = np.zeros((n_cells, nb))
        vp2 = np.zeros((n_cells, nb))
        above = np.zeros((n_cells, nb), dtype=np.bool_)
        alive = np.ones(nb, dtype=np.bool_)
        scratch = np.empty(_NK)
        rows = np.empty((n_cells, 2 * _NK))
        for b in range(nb):
            for c in range(n_cells):
                base = c * N_CELL_STATES
                y[base, b] = -50.0
                y[base + 1, b] = CA_REST_UM
                for j in (1, 3, 5, 7):
                    y[base + 2 + j, b] = 1.0
                vp1[c, b] = -50.0
                vp2[c, b] = -50.0
        for k in range(1, n_steps + 1):
            for b in range(nb):
                if not alive[b]:
                    continue
                run = start + b
                if scheme == 0:
                    _advance(
                        y,
                        y,
                        y,
                        b,
                        run,
                        False,
                        n_cells,
                        gbar,
                        gsyn,
                        syn_pre,
                        syn_type,
                        syn_state,
                        syn_post,
                        syn_erev,
                        nernst,
                        ca_full,
                        table,
                        v_low,
                        inv_step,
                        exact,
                        rates,
                        dt,
                        scratch,
                        rows,
                    )
                else:
                    _advance(
                        y,
                        y,
                        y_half,
                        b,
                        run,
                        True,
                        n_cells,
                        gbar,
                        gsyn,
                        syn_pre,
                        syn_type,
                        syn_state,
                        syn_post,
                        syn_erev,
                        nernst,
                        ca_half,
                        table,
                        v_low,
                        inv_step,
                        exact,
                        rates,
                        dt,
                        scratch,
                        rows,
                    )
                    _advance(
                        y,
                        y_half,
                        y,
                        b,
                        run,
                        False,
                        n_cells,
                        gbar,
                        gsyn,
                        syn_pre,
                        syn_type,
                        syn_state,
                        syn_post,
                        syn_erev,
                        nernst,
                        ca_full,
                        table,
                        v_low,
                        inv_step,
                        exact,
                        rates,
                        dt,
                        scratch,
                        rows,
                    )
                for c in range(n_cells):
                    base = c * N_CELL_STATES
                    v = y[base, b]
                    ca = y[base + 1, b]
                    if not (abs(v) < _V_LIMIT_MV and ca > 0.0 and ca < _CA_LIMIT_UM):
                        alive[b] = False
                        diverged[run] = True
                    elif k >= n_transient:
                        above[c, b] = _record(
                            k,
                            n_transient,
                            dt,
                            v,
                            ca,
                            run,
                            c,
                            vp1[c, b],
                            vp2[c, b],
                            above[c, b],
                            spike_times,
                            spike_counts,
                            plateaus,
                            plateau_counts,
                            v_min,
                            v_max,
                            ca_sum,
                        )
                        if trace_stride > 0 and (k - n_transient) % trace_stride == 0:
                            sample = (k - n_transient) // trace_stride
                            if sample < trace.shape[2]:
                                trace[run, 2 * c, sample] = v
                                trace[run, 2 * c + 1, sample] = ca
                    vp2[c, b] = vp1[c, b]
                    vp1[c, b] = v
        window = (n_steps - n_transient) * dt
        for b in range(nb):
            run = start + b
            for c in range(n_cells):
                ca_mean[run, c] = ca_sum[run, c] / (n_steps - n_transient + 1)
                if above[c, b]:
                    last = plateau_counts[run, c] - 1
                    if last < plateaus.shape[2]:
                        plateaus[run, c, last, 1] = window
