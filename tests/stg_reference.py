"""Plain NumPy reference of the Prinz STG cell and network for SciPy solvers.

Written from the published equations independently of the package's kernel
(Prinz, Billimoria & Marder 2003; Prinz, Bucher & Marder 2004), so tests can
compare the compiled integrator with ``scipy.integrate.solve_ivp``.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp
from scipy.signal import argrelmax


def sig(v, a, b):
    return 1.0 / (1.0 + np.exp((v + a) / b))


def steady_states(v):
    """Gate steady states in the order Na m,h; CaT m,h; CaS m,h; A m,h; KCa; Kd; H."""
    return np.array(
        [
            sig(v, 25.5, -5.29),
            sig(v, 48.9, 5.18),
            sig(v, 27.1, -7.2),
            sig(v, 32.1, 5.5),
            sig(v, 33.0, -8.1),
            sig(v, 60.0, 6.2),
            sig(v, 27.2, -8.7),
            sig(v, 56.9, 4.9),
            sig(v, 28.3, -12.6),
            sig(v, 12.3, -11.8),
            sig(v, 75.0, 5.5),
        ]
    )


def time_constants(v):
    return np.array(
        [
            2.64 - 2.52 * sig(v, 120.0, -25.0),
            1.34 * sig(v, 62.9, -10.0) * (1.5 + sig(v, 34.9, 3.6)),
            43.4 - 42.6 * sig(v, 68.1, -20.5),
            210.0 - 179.6 * sig(v, 55.0, -16.9),
            2.8 + 14.0 / (np.exp((v + 27.0) / 10.0) + np.exp((v + 70.0) / -13.0)),
            120.0 + 300.0 / (np.exp((v + 55.0) / 9.0) + np.exp((v + 65.0) / -16.0)),
            23.2 - 20.8 * sig(v, 32.9, -15.2),
            77.2 - 58.4 * sig(v, 38.9, -26.5),
            180.6 - 150.2 * sig(v, 46.0, -22.7),
            14.4 - 12.8 * sig(v, 28.3, -19.2),
            2.0 / (np.exp((v + 169.7) / -11.6) + np.exp((v - 26.7) / 14.3)),
        ]
    )


AREA = 0.628e-3  # cm^2
NERNST = 8.314462618 * 283.15 / (2 * 96485.33212) * 1e3  # mV at 10 degC
# Synapses: (presynaptic cell, postsynaptic cell, E_s mV, k_minus 1/ms).
SYNAPSES = [
    (0, 1, -70.0, 0.025),
    (0, 1, -80.0, 0.01),
    (0, 2, -70.0, 0.025),
    (0, 2, -80.0, 0.01),
    (1, 0, -70.0, 0.025),
    (1, 2, -70.0, 0.025),
    (2, 1, -70.0, 0.025),
]


def rhs(t, y, gbar, gsyn_ns):
    """Right-hand side; y holds 13 states per cell then one s per synapse."""
    n_cells = gbar.shape[0]
    dy = np.empty_like(y)
    cells = y[: 13 * n_cells].reshape(n_cells, 13)
    s = y[13 * n_cells :]
    for c in range(n_cells):
        v, ca = cells[c, 0], cells[c, 1]
        x = cells[c, 2:]
        inf = steady_states(v)
        inf[8] *= ca / (ca + 3.0)
        tau = time_constants(v)
        e_ca = NERNST * np.log(3000.0 / ca)
        g = gbar[c]
        i_na = g[0] * x[0] ** 3 * x[1] * (v - 50.0)
        i_ca = (g[1] * x[2] ** 3 * x[3] + g[2] * x[4] ** 3 * x[5]) * (v - e_ca)
        i_k = (g[3] * x[6] ** 3 * x[7] + g[4] * x[8] ** 4 + g[5] * x[9] ** 4) * (v + 80)
        i_h = g[6] * x[10] * (v + 20.0)
        i_leak = g[7] * (v + 50.0)
        i_syn = 0.0
        for k, (_, post, e_s, _) in enumerate(SYNAPSES[: len(s)]):
            if post == c:
                i_syn += gsyn_ns[k] * 1e-6 / AREA * s[k] * (v - e_s)
        dy[13 * c] = -(i_na + i_ca + i_k + i_h + i_leak + i_syn)
        dy[13 * c + 1] = (-14.96 * AREA * 1e3 * i_ca - ca + 0.05) / 200.0
        dy[13 * c + 2 : 13 * c + 13] = (inf - x) / tau
    for k, (pre, _, _, k_minus) in enumerate(SYNAPSES[: len(s)]):
        v_pre = cells[pre, 0]
        s_inf = 1.0 / (1.0 + np.exp((-35.0 - v_pre) / 5.0))
        one_minus = 1.0 / (1.0 + np.exp((v_pre + 35.0) / 5.0))
        dy[13 * n_cells + k] = (s_inf - s[k]) * k_minus / one_minus
    return dy


def initial_state(n_cells, n_syn):
    cell = np.zeros(13)
    cell[0], cell[1] = -50.0, 0.05
    cell[[3, 5, 7, 9]] = 1.0
    return np.concatenate([np.tile(cell, n_cells), np.zeros(n_syn)])


def solve(gbar, gsyn_ns, t_end_ms, rtol=1e-8, atol=1e-9, sample_ms=0.005):
    """Integrate from the cold start and return time and V of every cell."""
    gbar = np.atleast_2d(np.asarray(gbar, float))
    gsyn = np.asarray([] if gsyn_ns is None else gsyn_ns, float)
    y0 = initial_state(gbar.shape[0], gsyn.size)
    t_eval = np.arange(0.0, t_end_ms + 1e-9, sample_ms)
    sol = solve_ivp(
        rhs,
        (0.0, t_end_ms),
        y0,
        method="LSODA",
        t_eval=t_eval,
        rtol=rtol,
        atol=atol,
        args=(gbar, gsyn),
    )
    assert sol.success, sol.message
    return sol.t, sol.y[0 : 13 * gbar.shape[0] : 13]


def spike_times(t, v, threshold=-10.0):
    """Return times of local maxima of v above threshold, refined by a parabola."""
    idx = argrelmax(v)[0]
    idx = idx[v[idx] > threshold]
    dt = t[1] - t[0]
    left, mid, right = v[idx - 1], v[idx], v[idx + 1]
    offset = 0.5 * dt * (left - right) / (left - 2 * mid + right)
    return t[idx] + offset
