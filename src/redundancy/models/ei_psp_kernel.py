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
    t_peak = tau_rise * tau_decay / (tau_decay - tau_rise) * math.log(tau_decay / tau_rise)
    norm = math.exp(-t_peak / tau_decay) - math.exp(-t_peak / tau_rise)
    return (math.exp(-t / tau_decay) - math.exp(-t / tau_rise)) / norm


@numba.njit(cache=True, error_model="numpy")
def _step(p: np.ndarray, v: float, t_mid: float, dt: float) -> float:
    """Advance V (mV) by ``dt`` (ms) with conductances frozen at ``t_mid``."""
    g_e = p[0] * p[2] * dual_exponential(t_mid, p[4], p[5])
    g_i = p[1] * p[3] * dual_exponential(t_mid - p[8], p[6], p[7])
    g_l = p[12]
    # The holding current keeps the cell at v_hold before the input:
    # I_hold = g_L (V_0 - E_L).
    i_hold = g_l * (p[11] - p[14])
    g_tot = g_l + g_e + g_i
    v_inf = (g_l * p[14] + g_e * p[9] + g_i * p[10] + i_hold) / g_tot
    # nS / pF = 1/ms.
    return v_inf + (v - v_inf) * math.exp(-dt * g_tot / p[13])


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
    for row in numba.prange(n):
        p = params[row]
        v0 = p[11]
        v = v0
        u = 0.0
        best = 0.0
        best_step = 0
        left = 0.0
        right = 0.0
        low = 0.0
        top = v0
        for k in range(n_steps):
            u_before = u
            v = _step(p, v, (k + 0.5) * dt, dt)
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
                best = best - 0.25 * (left - right) * offset
                t_best = (best_step + offset) * dt
        peak[row] = best
        t_peak[row] = t_best
        trough[row] = low
        v_max[row] = top
        crossed[row] = 1.0 if top >= p[15] else 0.0
    return peak, t_peak, trough, v_max, crossed


@numba.njit(cache=True, error_model="numpy")
def integrate_trace(
    params: np.ndarray, dt: float, n_steps: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return V (mV), g_E (nS) and g_I (nS) at every step for one parameter set."""
    v = np.empty(n_steps + 1)
    g_e = np.empty(n_steps + 1)
    g_i = np.empty(n_steps + 1)
    v[0] = params[11]
    for k in range(n_steps + 1):
        t = k * dt
        g_e[k] = params[0] * params[2] * dual_exponential(t, params[4], params[5])
        g_i[k] = params[1] * params[3] * dual_exponential(
            t - params[8], params[6], params[7]
        )
        if k < n_steps:
            v[k + 1] = _step(params, v[k], (k + 0.5) * dt, dt)
    return v, g_e, g_i
