"""Early stop of STG runs whose activity has settled.

With ``early_stop`` on, the batch integrator ends a run before the end of
its recorded window once the rest of the window is known, and fills in the
record as the full run would have:

* **Silent at rest.** For :data:`QUIET_MS` of recorded time no cell spiked,
  every cell's V stayed within :data:`QUIET_RANGE_MV` and its calcium
  changed by less than :data:`QUIET_CA_RTOL` of its value. The state sits at
  a stable rest point, so the rest of the window repeats the last state:
  V extremes stay, and the last calcium value fills the calcium average.
* **Periodic** (single neuron only). The last three cycles of inter-spike
  intervals each repeat the cycle before them within half a time step, for
  a cycle of 1 to :data:`MAX_CYCLE_SPIKES` spikes. The period drifts so
  slowly that, over the rest of the window, the last spike would move by
  less than :data:`CYCLE_SHIFT_FRACTION` of a period. The calcium at the
  corresponding spikes repeats within :data:`CYCLE_CA_RTOL`. The run is then on a stable limit cycle (tonic
  spiking or regular bursting). The rest of the window repeats the last
  cycle, so its spikes and its plateau crossings are shifted by whole
  periods. The calcium of the last cycle, taken from a history of the
  running sum, fills the rest of the calcium average, a partial cycle at
  the end of the window included.

Irregular and slowly drifting runs do not meet these conditions and run to
the end. The extension is exact for an exactly periodic or constant
solution. For real runs, the extended spikes can drift from the full run's
by up to that fraction of a period by the end of the window, and spike
counts can differ by one. Because the extension is exactly periodic, the
coefficients of variation of nearly regular runs (about 1e-4) come out
smaller. A run that switches activity late in the window, after looking
settled, is the one case that differs more (tested against full runs of
grid models).

References:
    Prinz AA, Billimoria CP, Marder E (2003). Alternative to hand-tuning
    conductance-based models: construction and analysis of databases of
    model neurons. J Neurophysiol 90:3998-4015 (classes of activity of the
    model database: silent, tonic spiking, bursting, irregular).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from redundancy.models.stg.step import LANES, N_CELL_STATES, ROW_QUIET, ROW_STATS

# NOTE: Numba caches the integrator under a hash of kernel.py alone, and the
# functions here are compiled into it. After editing this module, change
# kernel.py or delete the cache files, or the old code keeps running.

__all__ = [
    "CYCLE_CA_RTOL",
    "CYCLE_SHIFT_FRACTION",
    "HISTORY",
    "MAX_CYCLE_SPIKES",
    "QUIET_CA_RTOL",
    "QUIET_MS",
    "QUIET_RANGE_MV",
    "RING",
    "calcium_ahead",
    "cycle_spikes",
    "extend_cycle",
    "is_quiet",
    "note_spike",
    "stop_cycle",
]

#: Length of the silence test window in ms.
QUIET_MS = 500.0
#: Largest V range over the silence window, in mV.
QUIET_RANGE_MV = 1e-3
#: Largest relative calcium change over the silence window.
QUIET_CA_RTOL = 1e-5
#: Largest number of spikes in one cycle that the periodicity test looks for.
MAX_CYCLE_SPIKES = 64
#: Largest relative calcium difference between corresponding spikes of
#: consecutive cycles.
CYCLE_CA_RTOL = 1e-3
#: Largest shift of the last spike of the window, as a fraction of the
#: period, that a drift of the period may cause before a run stops early.
CYCLE_SHIFT_FRACTION = 0.1
#: Spikes kept per lane for the periodicity test: six cycles of the longest.
RING = 6 * MAX_CYCLE_SPIKES + 1
#: Samples of the running calcium sum kept per lane, one per millisecond of
#: simulated time rounded to whole steps. A cycle longer than this history
#: does not stop early.
HISTORY = 4096
# Plateau crossings one cycle may contain for its extension.
_MAX_CROSSINGS = 4 * MAX_CYCLE_SPIKES + 8


@njit(cache=True, error_model="numpy")
def note_spike(
    ring_t: np.ndarray,
    ring_ca: np.ndarray,
    seen: np.ndarray,
    b: int,
    t: float,
    ca: float,
) -> None:
    """Append a spike of lane b to its ring buffers.

    Args:
        ring_t, ring_ca: (LANES, RING) spike time (ms) and calcium (uM) at
            each spike.
        seen: (LANES,) spikes noted so far per lane.
        b: lane.
        t: spike time in ms.
        ca: calcium at the step that detected the spike, in uM.
    """
    i = seen[b] % RING
    ring_t[b, i] = t
    ring_ca[b, i] = ca
    seen[b] += 1


@njit(cache=True, error_model="numpy")
def _cumulative(
    history: np.ndarray,
    b: int,
    stride: int,
    g_now: int,
    g_load: int,
    sum_now: float,
    g: float,
) -> float:
    # Calcium sum of lane b at (fractional) block step g, interpolated
    # linearly between history samples. NaN if the history does not cover g.
    if g >= g_now:
        return sum_now
    j = int(math.floor(g / stride))
    g_low = j * stride
    if g_low <= g_load or g_now - g_low >= HISTORY * stride:
        return np.nan
    low = history[b, j % HISTORY]
    g_high = g_low + stride
    high = sum_now if g_high >= g_now else history[b, (j + 1) % HISTORY]
    g_high = min(g_high, g_now)
    return low + (high - low) * (g - g_low) / (g_high - g_low)


@njit(cache=True, error_model="numpy")
def calcium_ahead(
    history: np.ndarray,
    b: int,
    stride: int,
    g_now: int,
    g_load: int,
    sum_now: float,
    period_steps: float,
    remaining: int,
) -> float:
    """Return the calcium sum of lane b's next ``remaining`` steps on its cycle.

    The next steps repeat the last ``period_steps`` steps: whole cycles add
    the sum over the last cycle, and the part of a cycle left over adds the
    sum over the same phase of the last cycle.

    Args:
        history: (LANES, HISTORY) running calcium sum every ``stride`` block
            steps, at index (step / stride) mod HISTORY.
        b: lane.
        stride: block steps between history samples.
        g_now: current block step.
        g_load: block step at which the lane's run started.
        sum_now: running calcium sum now.
        period_steps: cycle period in steps (not a whole number in general).
        remaining: steps left in the window.

    Returns:
        The sum, or NaN when the history does not reach one period back.
    """
    cycles = math.floor(remaining / period_steps)
    rest = remaining - cycles * period_steps
    start = g_now - period_steps
    first = _cumulative(history, b, stride, g_now, g_load, sum_now, start)
    part = _cumulative(history, b, stride, g_now, g_load, sum_now, start + rest)
    return cycles * (sum_now - first) + (part - first)


@njit(cache=True, error_model="numpy")
def cycle_spikes(
    ring_t: np.ndarray,
    ring_ca: np.ndarray,
    seen: int,
    b: int,
    tolerance_ms: float,
    remaining_ms: float,
) -> int:
    """Return the spikes per cycle of lane b's limit cycle, or 0 if none yet.

    For the smallest cycle of p spikes whose newest 3p intervals each equal
    the interval p spikes earlier within ``tolerance_ms``:

    * the period must not drift. The kept spikes are split into two blocks
      of m cycles each. The difference of their mean periods, divided by m,
      estimates the drift per cycle. The largest interval mismatch, divided
      by m^2, bounds the timing noise in that estimate. If the period went on
      changing by both over the ``remaining_ms``, the last spike would move
      by at most :data:`CYCLE_SHIFT_FRACTION` of a period. A slow drift, such
      as spike-frequency adaptation, keeps the run going;
    * calcium at the newest spike must equal that one, two and three cycles
      earlier within :data:`CYCLE_CA_RTOL`.
    """
    n = seen - 1
    for p in range(1, MAX_CYCLE_SPIKES + 1):
        if 6 * p > n:
            return 0
        same = True
        jitter = 0.0
        for j in range(n - 3 * p + 1, n + 1):
            now = ring_t[b, j % RING] - ring_t[b, (j - 1) % RING]
            before = ring_t[b, (j - p) % RING] - ring_t[b, (j - p - 1) % RING]
            jitter = max(jitter, abs(now - before))
            if abs(now - before) > tolerance_ms:
                same = False
                break
        if not same:
            continue
        m = (min(n, RING - 1) // p) // 2
        middle = ring_t[b, (n - m * p) % RING]
        period = (ring_t[b, n % RING] - middle) / m
        before = (middle - ring_t[b, (n - 2 * m * p) % RING]) / m
        drift = abs(period - before) / m + 1.2 * jitter / (m * m)
        cycles_left = remaining_ms / period
        if 0.5 * drift * cycles_left * cycles_left > CYCLE_SHIFT_FRACTION * period:
            return 0
        ca = ring_ca[b, n % RING]
        for m in range(1, 4):
            if abs(ring_ca[b, (n - m * p) % RING] - ca) > CYCLE_CA_RTOL * ca:
                return 0
        return p
    return 0


@njit(cache=True, error_model="numpy")
def extend_cycle(
    ring_t: np.ndarray,
    seen: int,
    b: int,
    p: int,
    period: float,
    run: int,
    t_now: float,
    window: float,
    dt: float,
    above: bool,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
) -> int:
    """Repeat lane b's last cycle of p spikes to the end of the window.

    Spikes of the last cycle are shifted by whole periods of ``period`` ms
    while they fall
    before ``window - dt / 2``, the latest peak time the integrator can
    detect. Plateau crossings in the last period before ``t_now`` are
    shifted while they fall inside the window.

    Returns:
        1 if V is above the plateau threshold at the end of the window, else
        0. Returns -1, with the record unchanged, when the plateau buffer
        has overflowed or one period has too many crossings.
    """
    n = seen - 1
    count = plateau_counts[run, 0]
    if not period > 0.0 or count > plateaus.shape[2]:
        return -1
    # Plateau crossings after t_now - period, newest first (time, 1 = up).
    cross_t = np.empty(_MAX_CROSSINGS)
    cross_up = np.empty(_MAX_CROSSINGS, dtype=np.bool_)
    q = 0
    cut = t_now - period
    i = count - 1
    while i >= 0 and q + 2 <= _MAX_CROSSINGS:
        if not (i == count - 1 and above):
            end = plateaus[run, 0, i, 1]
            if not end > cut:
                break
            cross_t[q] = end
            cross_up[q] = False
            q += 1
        start = plateaus[run, 0, i, 0]
        if not start > cut:
            break
        cross_t[q] = start
        cross_up[q] = True
        q += 1
        i -= 1
    if q + 2 > _MAX_CROSSINGS:
        return -1

    last_spike = window - 0.5 * dt
    n_spikes = spike_counts[run, 0]
    m = 1
    while ring_t[b, (n - p + 1) % RING] + m * period <= last_spike:
        for j in range(n - p + 1, n + 1):
            t = ring_t[b, j % RING] + m * period
            if t > last_spike:
                break
            if n_spikes < spike_times.shape[2]:
                spike_times[run, 0, n_spikes] = t
            n_spikes += 1
        m += 1
    spike_counts[run, 0] = n_spikes

    m = 1
    while q > 0 and cross_t[q - 1] + m * period <= window:
        for j in range(q - 1, -1, -1):
            t = cross_t[j] + m * period
            if t > window:
                break
            if cross_up[j]:
                if count < plateaus.shape[2]:
                    plateaus[run, 0, count, 0] = t
                count += 1
                above = True
            else:
                if count - 1 < plateaus.shape[2]:
                    plateaus[run, 0, count - 1, 1] = t
                above = False
        m += 1
    plateau_counts[run, 0] = count
    return 1 if above else 0


@njit(cache=True, error_model="numpy", inline="always")
def is_quiet(
    w: np.ndarray,
    b: int,
    run: int,
    n_cells: int,
    spike_counts: np.ndarray,
    quiet_spikes: np.ndarray,
    quiet_ca: np.ndarray,
) -> bool:
    """Return whether lane b has been silent at rest since its last check.

    No new spike, every cell's V range within :data:`QUIET_RANGE_MV` and its
    calcium within :data:`QUIET_CA_RTOL` of the value at the last check.
    """
    spikes = 0
    quiet = True
    for c in range(n_cells):
        spikes += spike_counts[run, c]
        q = (ROW_QUIET + c) * LANES + b
        quiet &= w[q + 3 * LANES] - w[q] <= QUIET_RANGE_MV
        ca = w[(c * N_CELL_STATES + 1) * LANES + b]
        quiet &= abs(ca - quiet_ca[c, b]) <= QUIET_CA_RTOL * ca
    return quiet and spikes == quiet_spikes[b]


@njit(cache=True, error_model="numpy")
def stop_cycle(
    w: np.ndarray,
    b: int,
    run: int,
    k: int,
    p: int,
    n_steps: int,
    n_transient: int,
    dt: float,
    window: float,
    ring_t: np.ndarray,
    seen: int,
    history: np.ndarray,
    stride: int,
    g_now: int,
    g_load: int,
    above: np.ndarray,
    spike_times: np.ndarray,
    spike_counts: np.ndarray,
    plateaus: np.ndarray,
    plateau_counts: np.ndarray,
) -> bool:
    """Extend lane b's record, on a cycle of p spikes, to the end of the window.

    Spikes and plateaus go through :func:`extend_cycle`, and the calcium sum
    of the rest of the window through :func:`calcium_ahead`. Returns False,
    with the record unchanged, where either is not possible.
    """
    n = seen - 1
    # The mean of the last three cycles is the period to extend with.
    period = (ring_t[b, n % RING] - ring_t[b, (n - 3 * p) % RING]) / 3.0
    sums = (ROW_STATS + 6) * LANES + b
    ahead = calcium_ahead(
        history, b, stride, g_now, g_load, w[sums], period / dt, n_steps - k
    )
    if not math.isfinite(ahead):
        return False
    state = extend_cycle(
        ring_t, seen, b, p, period, run, (k - n_transient) * dt, window, dt,
        above[0, b], spike_times, spike_counts, plateaus, plateau_counts,
    )  # fmt: skip
    if state < 0:
        return False
    above[0, b] = state == 1
    w[sums] += ahead
    return True
