"""Compiled batch integrator of STG cells and the pyloric network.

One call integrates many parameter sets that share a temperature. Parameter
sets are split into groups of ``group_runs`` runs, which run in parallel
threads. A group runs in one block of :data:`~redundancy.models.stg.step.LANES`
lanes: the time loop is outside and the loop over the lanes inside, over a
structure of arrays, so the arithmetic compiles to SIMD code (see
:mod:`redundancy.models.stg.step`). Each lane keeps its own step count, and
when its run ends the lane starts the group's next run from the cold start,
so runs that stop early (:mod:`redundancy.models.stg.settle`) free their lane
at once. Nothing is stored per time step except the events of
:class:`~redundancy.models.stg.recording.SpikeRecord` and, on request,
subsampled traces. A run whose state leaves the physical range is marked
diverged and its lane is freed. The integrator compiles with fused
multiply-add contraction and no other fast-math flag, which changes results
only by rounding. A run's results do not depend on the other runs of its
batch.

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

from redundancy.models.stg.detect import detect_events
from redundancy.models.stg.kernel_checks import check_shapes, check_wiring
from redundancy.models.stg.lanes import (
    CA_LIMIT_UM,
    V_LIMIT_MV,
    clear_lane,
    finish_lane,
    in_range,
    load_lane,
    restart_quiet,
    update_statistics,
)
from redundancy.models.stg.settle import (
    HISTORY,
    QUIET_MS,
    RING,
    cycle_spikes,
    is_quiet,
    note_spike,
    stop_cycle,
)
from redundancy.models.stg.step import (
    LANES,
    N_CELL_STATES,
    N_WORK_ROWS,
    ROW_MASK,
    ROW_STATS,
    step,
)

__all__ = ["LANES", "N_CELL_STATES", "announce_compile", "integrate"]

logger = logging.getLogger(__name__)


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
    early_stop: bool,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
    v_min: np.ndarray,
    v_max: np.ndarray,
    ca_mean: np.ndarray,
    diverged: np.ndarray,
    stopped: np.ndarray,
    trace: np.ndarray,
    trace_stride: int,
    group_runs: int,
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
        early_stop: end silent or periodic runs early and extend their
            record to the full window (:mod:`redundancy.models.stg.settle`).
        spike_times ... diverged: output arrays of a SpikeRecord, pre-filled
            with NaN (times), 0 (counts), +inf/-inf (v_min/v_max), False.
        stopped: (n,) set to the recorded time (ms) at which a run stopped
            early; other entries are left as they are (NaN).
        trace: (n, 2 * cells, samples) V and Ca every trace_stride steps of the
            recorded window; samples may be 0.
        trace_stride: steps between trace samples.
        group_runs: runs per group (a multiple of LANES). Groups run in
            parallel threads. Within a group, each lane takes the group's
            next run when its run ends, so lanes sit idle only while a
            group's last runs finish. Large groups keep that idle time short.
    """
    n = gbar.shape[0]
    n_cells = gbar.shape[1]
    check_shapes(
        gbar, gsyn, table, rates, spike_counts, spike_times, plateaus,
        plateau_counts, v_min, v_max, ca_mean, diverged, trace,
    )  # fmt: skip
    if stopped.shape[0] != n:
        raise ValueError(
            "STG kernel array stopped needs one entry per run; pass a record "
            "made by SpikeRecord.empty for the same batch"
        )
    if n_cells == 3:
        check_wiring(syn_pre, syn_type, syn_state, syn_post, syn_erev)
    n_groups = (n + group_runs - 1) // group_runs
    ca_full = math.exp(-dt * ca_rate / 200.0)
    ca_half = math.exp(-0.5 * dt * ca_rate / 200.0)
    window = (n_steps - n_transient) * dt
    n_recorded = n_steps - n_transient + 1
    quiet_steps = max(1, int(round(QUIET_MS / dt)))
    stride = max(1, int(round(1.0 / dt)))
    for g in prange(n_groups):
        last = min(n, (g + 1) * group_runs)
        next_run = g * group_runs
        w = np.zeros(N_WORK_ROWS * LANES)
        vp1 = np.full((n_cells, LANES), -50.0)
        vp2 = np.full((n_cells, LANES), -50.0)
        above = np.zeros((n_cells, LANES), dtype=np.bool_)
        lane_run = np.full(LANES, -1, dtype=np.int64)
        lane_k = np.zeros(LANES, dtype=np.int64)
        valley = np.full((n_cells, LANES), np.inf)
        ring_t = np.zeros((LANES, RING))
        ring_ca = np.zeros((LANES, RING))
        seen = np.zeros(LANES, dtype=np.int64)
        history = np.zeros((LANES, HISTORY if early_stop else 1))
        lane_g0 = np.zeros(LANES, dtype=np.int64)
        g_now = 0
        quiet_spikes = np.zeros(LANES, dtype=np.int64)
        quiet_ca = np.zeros((n_cells, LANES))
        scratch = np.empty(26)
        live = 0
        for b in range(LANES):
            clear_lane(w, b)
        refill = True
        while True:
            # Refill empty lanes with the group's next runs.
            for b in range(LANES if refill else 0):
                if lane_run[b] < 0 and next_run < last:
                    load_lane(w, b, next_run, gbar, gsyn, n_cells)
                    lane_run[b] = next_run
                    lane_k[b] = 0
                    lane_g0[b] = g_now
                    # The mask marks the lanes whose next step is recorded.
                    w[ROW_MASK * LANES + b] = 1.0 if n_transient <= 1 else 0.0
                    seen[b] = 0
                    restart_quiet(
                        w, b, next_run, n_cells, spike_counts, quiet_spikes, quiet_ca
                    )
                    for c in range(n_cells):
                        vp1[c, b] = -50.0
                        vp2[c, b] = -50.0
                        valley[c, b] = np.inf
                        above[c, b] = False
                    next_run += 1
                    live += 1
            refill = False
            if live == 0:
                break
            # Literal cell counts let the compiler specialise each step.
            if n_cells == 3:
                _advance(w, 3, scheme, nernst, ca_full, ca_half, table, v_low, inv_step,
                         exact, rates, dt, scratch, LANES)  # fmt: skip
            else:
                _advance(w, 1, scheme, nernst, ca_full, ca_half, table, v_low, inv_step,
                         exact, rates, dt, scratch, LANES)  # fmt: skip
            if not in_range(w, n_cells):
                for b in range(LANES):
                    run = lane_run[b]
                    ok = True
                    for c in range(n_cells):
                        v = w[c * N_CELL_STATES * LANES + b]
                        ca = w[(c * N_CELL_STATES + 1) * LANES + b]
                        ok &= abs(v) < V_LIMIT_MV and ca > 0.0 and ca < CA_LIMIT_UM
                    if not ok:
                        if run >= 0:
                            diverged[run] = True
                            lane_run[b] = -1
                            live -= 1
                            refill = True
                        clear_lane(w, b)
            update_statistics(w, n_cells, early_stop)
            g_now += 1
            if early_stop and g_now % stride == 0:
                sample = (g_now // stride) % HISTORY
                for b in range(LANES):
                    history[b, sample] = w[(ROW_STATS + 6) * LANES + b]
            for b in range(LANES):
                run = lane_run[b]
                if run < 0:
                    continue
                k = lane_k[b] + 1
                lane_k[b] = k
                if k + 1 == n_transient:
                    w[ROW_MASK * LANES + b] = 1.0
                if k < n_transient:
                    for c in range(n_cells):
                        v = w[c * N_CELL_STATES * LANES + b]
                        p1 = vp1[c, b]
                        if p1 < vp2[c, b] and p1 <= v:
                            valley[c, b] = p1
                        vp2[c, b] = p1
                        vp1[c, b] = v
                    continue
                spiked = detect_events(
                    w, b, run, k, n_cells, n_transient, dt, vp1, vp2, valley, above,
                    spike_times, spike_counts, plateaus, plateau_counts,
                )  # fmt: skip
                if trace_stride > 0 and (k - n_transient) % trace_stride == 0:
                    sample = (k - n_transient) // trace_stride
                    if sample < trace.shape[2]:
                        for c in range(n_cells):
                            v0 = c * N_CELL_STATES * LANES + b
                            trace[run, 2 * c, sample] = w[v0]
                            trace[run, 2 * c + 1, sample] = w[v0 + LANES]
                done = k == n_steps
                if early_stop and not done:
                    n_spikes = spike_counts[run, 0]
                    if spiked and n_cells == 1 and n_spikes <= spike_times.shape[2]:
                        t_spike = spike_times[run, 0, n_spikes - 1]
                        note_spike(ring_t, ring_ca, seen, b, t_spike, w[LANES + b])
                        # Intervals of a settled cycle repeat within half a
                        # step, the resolution of the interpolated peak times.
                        p = cycle_spikes(
                            ring_t, ring_ca, seen[b], b, 0.5 * dt, window - t_spike
                        )
                        if p > 0:
                            done = stop_cycle(
                                w, b, run, k, p, n_steps, n_transient, dt, window,
                                ring_t, seen[b], history, stride, g_now, lane_g0[b],
                                above, spike_times, spike_counts, plateaus,
                                plateau_counts,
                            )  # fmt: skip
                    if not done and (k - n_transient) % quiet_steps == 0:
                        if k > n_transient and is_quiet(
                            w, b, run, n_cells, spike_counts, quiet_spikes, quiet_ca
                        ):
                            for c in range(n_cells):
                                ca = w[(c * N_CELL_STATES + 1) * LANES + b]
                                w[(ROW_STATS + 6 + c) * LANES + b] += (n_steps - k) * ca
                            done = True
                        else:
                            restart_quiet(
                                w, b, run, n_cells, spike_counts, quiet_spikes, quiet_ca
                            )
                if done and k < n_steps:
                    stopped[run] = (k - n_transient) * dt
                if done:
                    finish_lane(w, b, run, n_cells, above, window, n_recorded, plateaus,
                                plateau_counts, v_min, v_max, ca_mean)  # fmt: skip
                    lane_run[b] = -1
                    live -= 1
                    refill = True
                    clear_lane(w, b)


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
