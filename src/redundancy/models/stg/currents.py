"""Ionic currents, calcium and synapses of the Prinz STG model cell.

Each gate x obeys tau_x(V) dx/dt = x_inf(V) - x with V in mV and tau in ms.
The gating functions, reversal potentials and calcium constants follow Prinz,
Billimoria & Marder (2003); the graded synapses follow Prinz, Bucher & Marder
(2004). Time constants are those of Prinz 2003, which are twice the Liu et
al. (1998) values except for the H current.

The functions here are compiled scalar functions used by the batch
integrator and by the gating tables. :func:`gating_row` evaluates every gate
and synapse type at one voltage, in the column layout of the tables.

References:
    Prinz AA, Billimoria CP, Marder E (2003). Alternative to hand-tuning
    conductance-based models: construction and analysis of databases of model
    neurons. J Neurophysiol 90:3998-4015.

    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "AREA_CM2",
    "CA_OUT_UM",
    "CA_REST_UM",
    "CURRENTS",
    "C_M_UF_CM2",
    "E_REV_MV",
    "F_CA_UM_PER_NA",
    "GATES",
    "KCA_HALF_UM",
    "SYNAPSE_TYPES",
    "TAU_CA_MS",
    "gating_row",
    "nernst_factor_mv",
    "synapse_density",
]

#: Membrane area of the model cell in cm^2 (capacitance 0.628 nF).
AREA_CM2 = 0.628e-3
#: Specific membrane capacitance in uF/cm^2.
C_M_UF_CM2 = 1.0
#: Currents in the order of every conductance vector.
CURRENTS = ("na", "cat", "cas", "a", "kca", "kd", "h", "leak")
#: Reversal potentials in mV; calcium uses the Nernst potential instead (NaN).
E_REV_MV = np.array([50.0, np.nan, np.nan, -80.0, -80.0, -80.0, -20.0, -50.0])
#: Gate exponents (activation p, inactivation q) per current.
EXPONENTS = ((3, 1), (3, 1), (3, 1), (3, 1), (4, 0), (4, 0), (1, 0), (0, 0))
#: Gates in table column order: 11 gates (KCa without its calcium factor).
GATES = (
    "m_na",
    "h_na",
    "m_cat",
    "h_cat",
    "m_cas",
    "h_cas",
    "m_a",
    "h_a",
    "m_kca",
    "m_kd",
    "m_h",
)
#: Synapse types: (name, reversal potential mV, k_minus 1/ms).
SYNAPSE_TYPES = (("glutamatergic", -70.0, 0.025), ("cholinergic", -80.0, 0.01))
#: Synaptic activation half-point and slope, in mV.
SYN_V_TH_MV = -35.0
SYN_DELTA_MV = 5.0
#: Calcium: time constant (ms), rest (uM), outside (uM), current-to-flux factor.
TAU_CA_MS = 200.0
CA_REST_UM = 0.05
CA_OUT_UM = 3000.0
F_CA_UM_PER_NA = 14.96
#: Half-activation of KCa by calcium, in uM.
KCA_HALF_UM = 3.0

N_GATES = 11
N_SYN_TYPES = 2
#: Table columns: gate x_inf (11), synaptic s_inf (2), full-step decay
#: factors exp(-h/tau) (13), half-step decay factors (13).
COL_INF = 0
COL_DECAY_FULL = N_GATES + N_SYN_TYPES
COL_DECAY_HALF = 2 * (N_GATES + N_SYN_TYPES)
N_COLUMNS = 3 * (N_GATES + N_SYN_TYPES)

_GAS_CONSTANT = 8.314462618  # J/(mol K)
_FARADAY = 96485.33212  # C/mol


def nernst_factor_mv(temperature_degc: float | np.ndarray) -> float | np.ndarray:
    """Return RT/(zF) for calcium (z = 2) in mV; 12.2 mV at 10 degC."""
    kelvin = np.asarray(temperature_degc, dtype=float) + 273.15
    return 1e3 * _GAS_CONSTANT * kelvin / (2.0 * _FARADAY)


def synapse_density(g_ns: float | np.ndarray) -> float | np.ndarray:
    """Convert a synaptic conductance in nS to mS/cm^2 of this cell's membrane."""
    return np.asarray(g_ns, dtype=float) * 1e-6 / AREA_CM2


@njit(cache=True, error_model="numpy")
def _sigmoid(v: float, a: float, b: float) -> float:
    return 1.0 / (1.0 + math.exp((v + a) / b))


@njit(cache=True, error_model="numpy")
def steady_states(v: float, out: np.ndarray) -> None:
    """Write the 11 gate steady states and 2 synaptic s_inf at ``v`` (mV) to out.

    The KCa entry omits the calcium factor [Ca]/([Ca] + 3 uM).
    """
    out[0] = _sigmoid(v, 25.5, -5.29)
    out[1] = _sigmoid(v, 48.9, 5.18)
    out[2] = _sigmoid(v, 27.1, -7.2)
    out[3] = _sigmoid(v, 32.1, 5.5)
    out[4] = _sigmoid(v, 33.0, -8.1)
    out[5] = _sigmoid(v, 60.0, 6.2)
    out[6] = _sigmoid(v, 27.2, -8.7)
    out[7] = _sigmoid(v, 56.9, 4.9)
    out[8] = _sigmoid(v, 28.3, -12.6)
    out[9] = _sigmoid(v, 12.3, -11.8)
    out[10] = _sigmoid(v, 75.0, 5.5)
    s_inf = 1.0 / (1.0 + math.exp((SYN_V_TH_MV - v) / SYN_DELTA_MV))
    out[11] = s_inf
    out[12] = s_inf


@njit(cache=True, error_model="numpy")
def time_constants(v: float, out: np.ndarray) -> None:
    """Write the 11 gate and 2 synaptic time constants at ``v`` (mV) to out, in ms."""
    out[0] = 2.64 - 2.52 * _sigmoid(v, 120.0, -25.0)
    out[1] = 1.34 * _sigmoid(v, 62.9, -10.0) * (1.5 + _sigmoid(v, 34.9, 3.6))
    out[2] = 43.4 - 42.6 * _sigmoid(v, 68.1, -20.5)
    out[3] = 210.0 - 179.6 * _sigmoid(v, 55.0, -16.9)
    out[4] = 2.8 + 14.0 / (math.exp((v + 27.0) / 10.0) + math.exp((v + 70.0) / -13.0))
    out[5] = 120.0 + 300.0 / (math.exp((v + 55.0) / 9.0) + math.exp((v + 65.0) / -16.0))
    out[6] = 23.2 - 20.8 * _sigmoid(v, 32.9, -15.2)
    out[7] = 77.2 - 58.4 * _sigmoid(v, 38.9, -26.5)
    out[8] = 180.6 - 150.2 * _sigmoid(v, 46.0, -22.7)
    out[9] = 14.4 - 12.8 * _sigmoid(v, 28.3, -19.2)
    out[10] = 2.0 / (math.exp((v + 169.7) / -11.6) + math.exp((v - 26.7) / 14.3))
    # tau_s = (1 - s_inf) / k_minus, with 1 - s_inf written without cancellation.
    one_minus = 1.0 / (1.0 + math.exp((v - SYN_V_TH_MV) / SYN_DELTA_MV))
    out[11] = one_minus / 0.025
    out[12] = one_minus / 0.01


@njit(cache=True, error_model="numpy")
def gating_row(
    v: float,
    rate_factors: np.ndarray,
    step_ms: float,
    scratch: np.ndarray,
    out: np.ndarray,
) -> None:
    """Write one table row at ``v`` (mV): steady states and decay factors.

    Args:
        v: membrane (or presynaptic) voltage in mV.
        rate_factors: (13,) factors that multiply each 1/tau (temperature).
        step_ms: full integration step in ms; half-step factors use step/2.
        scratch: (13,) work array.
        out: (N_COLUMNS,) output row.
    """
    steady_states(v, scratch)
    for j in range(N_GATES + N_SYN_TYPES):
        out[COL_INF + j] = scratch[j]
    time_constants(v, scratch)
    for j in range(N_GATES + N_SYN_TYPES):
        rate = rate_factors[j] / scratch[j]
        out[COL_DECAY_FULL + j] = math.exp(-step_ms * rate)
        out[COL_DECAY_HALF + j] = math.exp(-0.5 * step_ms * rate)


@njit(cache=True, error_model="numpy")
def build_table(
    v_low: float, v_step: float, n_rows: int, rate_factors: np.ndarray, step_ms: float
) -> np.ndarray:
    """Return an (n_rows, N_COLUMNS) gating table from ``v_low`` in steps of v_step."""
    table = np.empty((n_rows, N_COLUMNS))
    scratch = np.empty(N_GATES + N_SYN_TYPES)
    for i in range(n_rows):
        gating_row(v_low + i * v_step, rate_factors, step_ms, scratch, table[i])
    return table
