"""Compiled integrator of the feedforward E/I single-compartment model.

The membrane equation is linear in V with time-varying conductances, so each
step uses the exact solution for conductances frozen at the step's midpoint
(the exponential midpoint rule, second order in dt). The conductance waveforms
are differences of exponentials evaluated in closed form, so the only per-step
transcendental is one ``exp`` per parameter set.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["COLUMNS", "dual_exponential", "integrate_batch", "integrate_trace"]

# Column order of the ``params`` array passed to the kernels.
COLUMNS = (
    "g_e_scale",
    "g_i_scale",
    "g_e_peak_ns",
    "g_i_peak_ns",
    "tau_rise_e_ms",
    "tau_decay_e_ms",
    "tau_rise_i_ms",
    "tau_decay_i_ms",
    "delay_i_ms",
    "e_e_mv",
    "e_i_mv",
    "v_hold_mv",
    "g_l_ns",
    "c_pf",
    "e_l_mv",
    "v_th_mv",
)

# Relative difference below which rise and decay time constants count as equal
# and the alpha function replaces the difference of exponentials.
_EQUAL_TAU_RTOL = 1e-6


@numba.njit(cache=True, error_model="numpy", inline="always")
def dual_exponential(t: float, tau_rise: float, tau_decay: float) -> float:
    """Return a difference of exponentials with peak 1 at time ``t`` (ms).

    Equal time constants give the alpha function ``(t/tau) exp(1 - t/tau)``,
    the limit of the difference of exponentials. Zero for ``t < 0``.
    """
    if t <= 0.0:
        return 0.0
    if abs(tau_decay - tau_rise) <= _EQUAL_TAU_RTOL * tau_decay:
        x = t / tau_decay
        return x * math.exp(1.0 - x)
    if tau_rise > tau_decay:
        tau_rise, tau_decay = tau_decay, tau_rise
    t_peak = (
        tau_rise * tau_decay / (tau_decay - tau_rise) * math.log(tau_decay / tau_rise)
    )
    norm = math.exp(-t_peak / tau_decay) - math.exp(-t_peak / tau_rise)
    return (math.exp(-t / tau_decay) - math.exp(-t / tau_rise)) / norm


@numba.njit(cache=True, error_model="numpy", inline="always")
def _advance(p: np.ndarray, v: float, g_e: float, g_i: float, dt: float) -> float:
    """Return V after ``dt`` ms of the exact solution with frozen conductances (nS)."""
    g_l = p[12]
    # The holding current keeps the cell at v_hold before the input:
    # I_hold = g_L (V_0 - E_L).
    i_hold = g_l * (p[11] - p[14])
    g_tot = g_l + g_e + g_i
    v_inf = (g_l * p[14] + g_e * p[9] + g_i * p[10] + i_hold) / g_tot
    # nS / pF = 1/ms.
    return v_inf + (v - v_inf) * math.exp(-dt * g_tot / p[13])


@numba.njit(cache=True, error_model="numpy")
def _peak_norm(tau_rise: float, tau_decay: float) -> float:
    """Return the peak of exp(-t/tau_slow) - exp(-t/tau_fast), or e^-1 for alpha."""
    if abs(tau_decay - tau_rise) <= _EQUAL_TAU_RTOL * tau_decay:
        return 0.0
    lo = min(tau_rise, tau_decay)
    hi = max(tau_rise, tau_decay)
    t_peak = lo * hi / (hi - lo) * math.log(hi / lo)
    return math.exp(-t_peak / hi) - math.exp(-t_peak / lo)


@numba.njit(cache=True, error_model="numpy")
def _run_row(p: np.ndarray, dt: float, n_steps: int, v_out: np.ndarray) -> tuple:
    """Integrate one parameter set; fill ``v_out`` (length n_steps + 1) if non-empty.

    Each exponential of the waveforms is advanced by a constant factor per
    step instead of calling ``exp``, which leaves one ``exp`` per step.
    """
    record = v_out.shape[0] > 0
    amp_e = p[0] * p[2]
    amp_i = p[1] * p[3]
    v0 = p[11]
    delay = p[8]
    # Slow and fast exponentials of each waveform. A norm of 0 marks equal
    # time constants, where the alpha function (t / tau) e exp(-t / tau) applies.
    slow_e, fast_e = max(p[4], p[5]), min(p[4], p[5])
    slow_i, fast_i = max(p[6], p[7]), min(p[6], p[7])
    norm_e = _peak_norm(p[4], p[5])
    norm_i = _peak_norm(p[6], p[7])
    factor_slow_e = math.exp(-dt / slow_e)
    factor_fast_e = math.exp(-dt / fast_e)
    factor_slow_i = math.exp(-dt / slow_i)
    factor_fast_i = math.exp(-dt / fast_i)
    # Midpoint times run t_mid = (k + 1/2) dt.
    x_slow_e = math.exp(-0.5 * dt / slow_e)
    x_fast_e = math.exp(-0.5 * dt / fast_e)
    x_slow_i = 0.0
    x_fast_i = 0.0
    i_started = False

    v = v0
    if record:
        v_out[0] = v0
    u = 0.0
    best = 0.0
    best_step = 0
    left = 0.0
    right = 0.0
    low = 0.0
    top = v0
    for k in range(n_steps):
        t_mid = (k + 0.5) * dt
        if norm_e > 0.0:
            g_e = amp_e * (x_slow_e - x_fast_e) / norm_e
        else:
            g_e = amp_e * (t_mid / slow_e) * math.e * x_slow_e
        x_slow_e *= factor_slow_e
        x_fast_e *= factor_fast_e
        g_i = 0.0
        t_i = t_mid - delay
        if t_i > 0.0:
            if not i_started:
                x_slow_i = math.exp(-t_i / slow_i)
                x_fast_i = math.exp(-t_i / fast_i)
                i_started = True
            if norm_i > 0.0:
                g_i = amp_i * (x_slow_i - x_fast_i) / norm_i
            else:
                g_i = amp_i * (t_i / slow_i) * math.e * x_slow_i
            x_slow_i *= factor_slow_i
            x_fast_i *= factor_fast_i
        u_before = u
        v = _advance(p, v, g_e, g_i, dt)
        if record:
            v_out[k + 1] = v
        u = v - v0
        if best_step == k and k > 0:
            right = u
        if u > best:
            best = u
            best_step = k + 1
            left = u_before
        if u < low:
            low = u
        if v > top:
            top = v
    # Refine the peak with a parabola through the sampled maximum and its
    # two neighbours, so the peak does not depend on where samples fall.
    t_best = best_step * dt
    if 0 < best_step < n_steps:
        curvature = left - 2.0 * best + right
        if curvature < 0.0:
            offset = 0.5 * (left - right) / curvature
            # On a plateau flat to rounding error the parabola is meaningless;
            # a true maximum lies within half a step of the sample.
            if abs(offset) <= 0.5:
                best = best - 0.25 * (left - right) * offset
                t_best = (best_step + offset) * dt
    return best, t_best, low, top


@numba.njit(cache=True, parallel=True, error_model="numpy")
def integrate_batch(
    params: np.ndarray, dt: float, n_steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Integrate every row of ``params`` and return the readout arrays.

    Args:
        params: (n, 16) array in the order of :data:`COLUMNS`.
        dt: time step in ms.
        n_steps: number of steps; the window is ``n_steps * dt`` ms.

    Returns:
        peak (mV above holding, >= 0 since the trace starts at 0), time of
        peak (ms), trough (mV, <= 0), maximum voltage (mV), and whether the
        voltage reached the spike threshold (1.0 or 0.0).
    """
    n = params.shape[0]
    peak = np.zeros(n)
    t_peak = np.zeros(n)
    trough = np.zeros(n)
    v_max = np.zeros(n)
    crossed = np.zeros(n)
    no_record = np.empty(0)
    for row in numba.prange(n):
        best, t_best, low, top = _run_row(params[row], dt, n_steps, no_record)
        peak[row] = best
        t_peak[row] = t_best
        trough[row] = low
        v_max[row] = top
        crossed[row] = 1.0 if top >= params[row, 15] else 0.0
    return peak, t_peak, trough, v_max, crossed


@numba.njit(cache=True, error_model="numpy")
def integrate_trace(
    params: np.ndarray, dt: float, n_steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return V (mV), g_E (nS) and g_I (nS) at every step for one parameter set."""
    v = np.empty(n_steps + 1)
    g_e = np.empty(n_steps + 1)
    g_i = np.empty(n_steps + 1)
    _run_row(params, dt, n_steps, v)
    for k in range(n_steps + 1):
        t = k * dt
        g_e[k] = params[0] * params[2] * dual_exponential(t, params[4], params[5])
        g_i[k] = (
            params[1]
            * params[3]
            * dual_exponential(t - params[8], params[6], params[7])
        )
    return v, g_e, g_i
