"""Compiled batch integrator of STG cells and the pyloric network.

One call integrates many parameter sets that share a temperature. Parameter
sets are split into blocks of :data:`~redundancy.models.stg.step.LANES`,
which run in parallel threads. Inside a block the time loop is outside and
the loop over the block's parameter sets (lanes) inside, over a structure of
arrays, so the arithmetic compiles to SIMD code (see
:mod:`redundancy.models.stg.step`). Nothing is stored per time step except
the events of :class:`~redundancy.models.stg.recording.SpikeRecord` and, on
request, subsampled traces. A run whose state leaves the physical range is
marked diverged and reset to rest so that it cannot disturb its block. The
integrator compiles with fused multiply-add contraction and no other
fast-math flag, which changes results only by rounding.

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

import logging
import math

import numpy as np
from numba import njit, prange

from redundancy.models.stg.currents import CA_REST_UM
from redundancy.models.stg.kernel_checks import check_shapes, check_wiring
from redundancy.models.stg.recording import PLATEAU_THRESHOLD_MV, SPIKE_THRESHOLD_MV
from redundancy.models.stg.step import (
    LANES,
    MAX_SYN_STATES,
    MAX_SYNAPSES,
    N_CELL_STATES,
    N_WORK_ROWS,
    ROW_GBAR,
    ROW_GSYN,
    ROW_STATS,
    SYN_ROW0,
    step,
)

__all__ = ["LANES", "N_CELL_STATES", "announce_compile", "integrate"]

logger = logging.getLogger(__name__)

_V_LIMIT_MV = 300.0
_CA_LIMIT_UM = 1e6


@njit(cache=True, error_model="numpy", inline="always")
def _rest(w: np.ndarray, b: int) -> None:
    # Cold start of lane b: V -50 mV, Ca at rest, m = 0, h = 1, s = 0.
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
    above: bool,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
) -> bool:
    # Record the events of step k (time k*dt) of one cell; return whether V is
    # above the plateau threshold afterwards.
    t = (k - n_transient) * dt
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


@njit(cache=True, error_model="numpy", inline="always")
def _statistics(w: np.ndarray, n_cells: int) -> None:
    # Running V minimum, maximum and Ca sum of every lane (vectorised).
    for c in range(n_cells):
        v0 = c * N_CELL_STATES * LANES
        for b in range(LANES):
            v = w[v0 + b]
            i = (ROW_STATS + c) * LANES + b
            low = w[i]
            high = w[i + 3 * LANES]
            w[i] = v if v < low else low
            w[i + 3 * LANES] = v if v > high else high
            w[i + 6 * LANES] += w[v0 + LANES + b]


@njit(cache=True, error_model="numpy", inline="always")
def _check(w: np.ndarray, n_cells: int) -> bool:
    # Whether every lane's V and Ca are inside the physical range.
    ok = True
    for c in range(n_cells):
        v0 = c * N_CELL_STATES * LANES
        for b in range(LANES):
            v = w[v0 + b]
            ca = w[v0 + LANES + b]
            ok &= (abs(v) < _V_LIMIT_MV) & (ca > 0.0) & (ca < _CA_LIMIT_UM)
    return ok


@njit(cache=True, error_model="numpy", inline="always")
def _advance(
    w: np.ndarray,
    n_cells: int,
    scheme: int,
    nernst: float,
    ca_full: float,
    ca_half: float,
    table: np.ndarray,
    v_low: float,
    inv_step: float,
    exact: bool,
    rates: np.ndarray,
    dt: float,
    scratch: np.ndarray,
    active: int,
) -> None:
    # One full step of the chosen scheme on state copy 0 of a block.
    if scheme == 0:
        step(
            w, 0, 0, 0, False, n_cells, nernst, ca_full, table, v_low, inv_step, exact, rates, dt,
            scratch, active,
        )  # fmt: skip
    else:
        step(
            w, 0, 0, 1, True, n_cells, nernst, ca_half, table, v_low, inv_step, exact, rates, dt,
            scratch, active,
        )  # fmt: skip
        step(
            w, 0, 1, 0, False, n_cells, nernst, ca_full, table, v_low, inv_step, exact, rates, dt,
            scratch, active,
        )  # fmt: skip


@njit(cache=True, parallel=True, error_model="numpy", fastmath={"contract"})
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
            The step has the pyloric wiring compiled in, so these must equal
            NETWORK_SYNAPSE_STATE, NETWORK_SYNAPSE_POST and the reversal
            potentials of the synapse types. Other wiring raises ValueError.
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
        spike_times ... diverged: output arrays of a SpikeRecord, pre-filled
            with NaN (times), 0 (counts), +inf/-inf (v_min/v_max), False.
        trace: (n, 2 * cells, samples) V and Ca every trace_stride steps of the
            recorded window; samples may be 0.
        trace_stride: steps between trace samples.
    """
    n = gbar.shape[0]
    n_cells = gbar.shape[1]
    check_shapes(
        gbar, gsyn, table, rates, spike_counts, spike_times, plateaus,
        plateau_counts, v_min, v_max, ca_mean, diverged, trace,
    )  # fmt: skip
    if n_cells == 3:
        check_wiring(syn_pre, syn_type, syn_state, syn_post, syn_erev)
    n_blocks = (n + LANES - 1) // LANES
    ca_full = math.exp(-dt * ca_rate / 200.0)
    ca_half = math.exp(-0.5 * dt * ca_rate / 200.0)
    for blk in prange(n_blocks):
        start = blk * LANES
        nb = min(LANES, n - start)
        w = np.zeros(N_WORK_ROWS * LANES)
        vp1 = np.full((n_cells, LANES), -50.0)
        vp2 = np.full((n_cells, LANES), -50.0)
        above = np.zeros((n_cells, LANES), dtype=np.bool_)
        alive = np.zeros(LANES, dtype=np.bool_)
        scratch = np.empty(26)
        for b in range(LANES):
            _rest(w, b)
            for c in range(3):
                w[(ROW_STATS + c) * LANES + b] = np.inf
                w[(ROW_STATS + 3 + c) * LANES + b] = -np.inf
        # Lanes beyond the batch keep zero conductances and are never recorded.
        for b in range(nb):
            alive[b] = True
            for c in range(n_cells):
                for j in range(8):
                    w[(ROW_GBAR + 8 * c + j) * LANES + b] = gbar[start + b, c, j]
            for k in range(min(gsyn.shape[1], MAX_SYNAPSES)):
                w[(ROW_GSYN + k) * LANES + b] = gsyn[start + b, k]
        for k in range(1, n_steps + 1):
            # Literal cell counts let the compiler specialise each step.
            if n_cells == 3:
                _advance(w, 3, scheme, nernst, ca_full, ca_half, table, v_low, inv_step,
                         exact, rates, dt, scratch, nb)  # fmt: skip
            else:
                _advance(w, 1, scheme, nernst, ca_full, ca_half, table, v_low, inv_step,
                         exact, rates, dt, scratch, nb)  # fmt: skip
            if not _check(w, n_cells):
                for b in range(nb):
                    for c in range(n_cells):
                        v = w[c * N_CELL_STATES * LANES + b]
                        ca = w[(c * N_CELL_STATES + 1) * LANES + b]
                        if alive[b] and not (
                            abs(v) < _V_LIMIT_MV and ca > 0.0 and ca < _CA_LIMIT_UM
                        ):
                            alive[b] = False
                            diverged[start + b] = True
                            _rest(w, b)
                            for j in range(ROW_GBAR, ROW_GSYN + MAX_SYNAPSES):
                                w[j * LANES + b] = 0.0
            if k < n_transient:
                continue
            _statistics(w, n_cells)
            for b in range(nb):
                if not alive[b]:
                    continue
                run = start + b
                for c in range(n_cells):
                    v = w[c * N_CELL_STATES * LANES + b]
                    p1 = vp1[c, b]
                    p2 = vp2[c, b]
                    if (
                        k == n_transient
                        or (p1 > SPIKE_THRESHOLD_MV and p1 > p2 and p1 >= v)
                        or (v > PLATEAU_THRESHOLD_MV) != above[c, b]
                    ):
                        above[c, b] = _record(
                            k,
                            n_transient,
                            dt,
                            v,
                            run,
                            c,
                            p1,
                            p2,
                            above[c, b],
                            spike_times,
                            spike_counts,
                            plateaus,
                            plateau_counts,
                        )
                    vp2[c, b] = p1
                    vp1[c, b] = v
            if trace_stride > 0 and (k - n_transient) % trace_stride == 0:
                sample = (k - n_transient) // trace_stride
                if sample < trace.shape[2]:
                    for b in range(nb):
                        if alive[b]:
                            for c in range(n_cells):
                                v0 = c * N_CELL_STATES * LANES + b
                                trace[start + b, 2 * c, sample] = w[v0]
                                trace[start + b, 2 * c + 1, sample] = w[v0 + LANES]
        window = (n_steps - n_transient) * dt
        for b in range(nb):
            run = start + b
            for c in range(n_cells):
                i = (ROW_STATS + c) * LANES + b
                if not diverged[run]:
                    v_min[run, c] = w[i]
                    v_max[run, c] = w[i + 3 * LANES]
                ca_mean[run, c] = w[i + 6 * LANES] / (n_steps - n_transient + 1)
                if above[c, b]:
                    last = plateau_counts[run, c] - 1
                    if last < plateaus.shape[2]:
                        plateaus[run, c, last, 1] = window


_compile_announced = False


def _kernel_in_cache() -> bool | None:
    """Return whether the integrator is loaded or cached, or None if unknown."""
    if integrate.signatures:
        return True
    # NOTE: reads private attributes of Numba's FunctionCache (checked with
    # Numba 0.68). The index is empty when the source stamp of kernel.py no
    # longer matches, but edits of the modules it imports go unnoticed.
    try:
        return bool(integrate._cache._cache_file._load_index())
    except Exception:  # any failure of the private API means "unknown"
        return None


def announce_compile() -> None:
    """Log once per process, before the first kernel call, that it may compile."""
    global _compile_announced
    if _compile_announced:
        return
    _compile_announced = True
    cached = _kernel_in_cache()
    if cached:
        logger.debug("loading the STG kernels from the Numba cache")
        return
    level = logging.INFO if cached is False else logging.DEBUG
    logger.log(
        level,
        "compiling the STG kernels; the first run takes a few minutes and later "
        "runs load them from the cache",
    )
