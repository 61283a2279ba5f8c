"""Feedforward excitation and delayed inhibition onto a passive L2/3 pyramidal cell.

The model behind the E/I redundancy result of Antoine et al. (2019): a single
compartment held at ``v_hold_mv`` receives an excitatory conductance and, after
a disynaptic delay, an inhibitory conductance,

    C dV/dt = -g_L (V - E_L) - s_E G_E(t) (V - E_E) - s_I G_I(t - delay) (V - E_I) + I_hold,

with ``I_hold = g_L (V_0 - E_L)`` and each G(t) a difference of exponentials
scaled to its peak conductance. ``s_E`` and ``s_I`` (``g_e_scale`` and
``g_i_scale``) are 1 in the wild type; the Cntnap2 knockout measured by
Antoine et al. is (0.35, 0.15) (Mizusaki & O'Donnell 2021, Fig. 2).

Antoine et al. did not publish the membrane constants, waveforms, reversal
potentials or holding potentials of their model, so every default here is a
stand-in: the L2/3 pyramidal cell of O'Donnell et al. (2017, Table 1) for the
membrane and synaptic time constants, and explicitly chosen peak conductances
and delay. :data:`STAND_IN_PARAMETERS` lists which defaults are stand-ins.

References:
    Antoine MW, Langberg T, Schnepel P, Feldman DE (2019). Increased
    excitation-inhibition ratio stabilizes synapse and circuit excitability in
    four autism mouse models. Neuron 101:648-661.

    Mizusaki BEP, O'Donnell C (2021). Neural circuit function redundancy in
    brain disorders. Curr Opin Neurobiol 70:74-80.

    O'Donnell C, Goncalves JT, Portera-Cailliau C, Sejnowski TJ (2017). Beyond
    excitation/inhibition imbalance in multidimensional models of neural
    circuit changes in brain disorders. eLife 6:e26724.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from redundancy.errors import InputError
from redundancy.models.base import BatchResult, Model, Trace
from redundancy.models.ei_psp_kernel import COLUMNS, integrate_batch, integrate_trace
from redundancy.parameters import Parameter, ParameterSpace, Readout

__all__ = ["STAND_IN_PARAMETERS", "EIPSPModel", "ei_psp_space"]

#: Parameters whose defaults are stand-ins rather than Antoine et al.'s values.
STAND_IN_PARAMETERS: dict[str, str] = {
    "g_e_peak_ns": "chosen peak of the wild-type feedforward excitatory conductance",
    "g_i_peak_ns": "chosen peak of the wild-type feedforward inhibitory conductance",
    "tau_rise_e_ms": "chosen rise time; not given by O'Donnell et al. 2017",
    "tau_decay_e_ms": "O'Donnell et al. 2017, Table 1 (tau_syn,e)",
    "tau_rise_i_ms": "chosen rise time; not given by O'Donnell et al. 2017",
    "tau_decay_i_ms": "O'Donnell et al. 2017, Table 1 (tau_syn,i onto pyramidal cells)",
    "delay_i_ms": "chosen disynaptic delay",
    "e_e_mv": "O'Donnell et al. 2017, Table 1",
    "e_i_mv": "O'Donnell et al. 2017, Table 1 (equal to V_rest in that model)",
    "v_hold_mv": "chosen holding potential between rest and spike threshold",
    "g_l_ns": "O'Donnell et al. 2017, Table 1 (1 / R_in, R_in = 160 MOhm)",
    "c_pf": "O'Donnell et al. 2017, Table 1 (tau_m / R_in, tau_m = 28 ms)",
    "e_l_mv": "O'Donnell et al. 2017, Table 1 (V_rest)",
    "v_th_mv": "O'Donnell et al. 2017, Table 1",
}


def ei_psp_space() -> ParameterSpace:
    """Return the default parameter space of :class:`EIPSPModel` (stand-in defaults)."""
    p = Parameter
    return ParameterSpace(
        [
            p("g_e_scale", "1", 0.0, 3.0, 1.0, description="excitatory scale (WT = 1)"),
            p("g_i_scale", "1", 0.0, 3.0, 1.0, description="inhibitory scale (WT = 1)"),
            p("g_e_peak_ns", "nS", 0.0, 100.0, 3.0, description="WT peak excitation"),
            p("g_i_peak_ns", "nS", 0.0, 200.0, 6.0, description="WT peak inhibition"),
            p(
                "tau_rise_e_ms",
                "ms",
                0.05,
                20.0,
                0.5,
                description="E rise time constant",
            ),
            p(
                "tau_decay_e_ms",
                "ms",
                0.1,
                100.0,
                2.0,
                description="E decay time constant",
            ),
            p(
                "tau_rise_i_ms",
                "ms",
                0.05,
                20.0,
                0.5,
                description="I rise time constant",
            ),
            p(
                "tau_decay_i_ms",
                "ms",
                0.1,
                200.0,
                40.0,
                description="I decay time constant",
            ),
            p("delay_i_ms", "ms", 0.0, 20.0, 2.0, description="E-to-I onset delay"),
            p("e_e_mv", "mV", -20.0, 20.0, 0.0, description="excitatory reversal"),
            p("e_i_mv", "mV", -100.0, -40.0, -68.0, description="inhibitory reversal"),
            p("v_hold_mv", "mV", -100.0, -20.0, -50.0, description="holding potential"),
            p("g_l_ns", "nS", 0.5, 100.0, 6.25, description="leak conductance"),
            p("c_pf", "pF", 10.0, 2000.0, 175.0, description="membrane capacitance"),
            p("e_l_mv", "mV", -100.0, -40.0, -68.0, description="leak reversal"),
            p("v_th_mv", "mV", -70.0, 0.0, -38.0, description="spike threshold"),
        ]
    )


_READOUTS = (
    Readout("psp_peak_mv", "mV", "peak depolarisation max_t (V - V_hold)"),
    Readout("time_to_peak_ms", "ms", "time of the peak after excitation onset"),
    Readout("psp_trough_mv", "mV", "largest hyperpolarisation min_t (V - V_hold)"),
    Readout(
        "ei_ratio",
        "1",
        "ratio of peak excitatory to peak inhibitory conductance",
        allow_infinite=True,
    ),
    Readout("spike", "1", "1 if V reaches the spike threshold, else 0"),
)


class EIPSPModel(Model):
    """Single-compartment L2/3 cell driven by feedforward E and delayed I conductances.

    Args:
        dt_ms: integration time step in ms. The exponential midpoint rule is
            second order; 0.025 ms keeps the PSP peak within 0.001 mV of a
            tight-tolerance ``solve_ivp`` solution for the default constants.
        duration_ms: simulated window after excitation onset, in ms. It must be
            long enough for the PSP to peak; a peak on the last step is
            reported as a failed row.

    References:
        Antoine et al. (2019) Neuron 101:648; Mizusaki & O'Donnell (2021)
        Curr Opin Neurobiol 70:74, Fig. 2; O'Donnell et al. (2017) eLife
        6:e26724, Table 1 (stand-in constants).
    """

    name = "ei_psp"
    version = "1"
    references = (
        "Antoine MW et al. (2019) Neuron 101:648-661",
        "Mizusaki BEP, O'Donnell C (2021) Curr Opin Neurobiol 70:74-80",
        "O'Donnell C et al. (2017) eLife 6:e26724 (stand-in constants)",
    )

    def __init__(self, dt_ms: float = 0.025, duration_ms: float = 80.0) -> None:
        if not (math.isfinite(dt_ms) and dt_ms > 0):
            raise InputError(f"dt_ms must be a positive number of ms, got {dt_ms}")
        if not (math.isfinite(duration_ms) and duration_ms >= 10 * dt_ms):
            raise InputError(
                f"duration_ms must be at least 10 time steps ({10 * dt_ms} ms), "
                f"got {duration_ms}"
            )
        self.dt_ms = float(dt_ms)
        self.duration_ms = float(duration_ms)
        self.space = ei_psp_space()
        self.readouts = _READOUTS

    @property
    def n_steps(self) -> int:
        """Number of time steps in the simulated window."""
        return int(round(self.duration_ms / self.dt_ms))

    def settings(self) -> dict[str, Any]:
        """Return the time step, window and PSP definition."""
        return {
            "dt_ms": self.dt_ms,
            "duration_ms": self.duration_ms,
            "psp_definition": "peak of V - V_hold over the window (>= 0)",
            "scheme": "exponential midpoint",
        }

    def presets(self) -> dict[str, dict[str, float]]:
        """Return the wild type and the Cntnap2 knockout of Antoine et al. (2019)."""
        return {
            "wild_type": {"g_e_scale": 1.0, "g_i_scale": 1.0},
            "cntnap2": {"g_e_scale": 0.35, "g_i_scale": 0.15},
            "cntnap2_equal_scaling": {"g_e_scale": 0.35, "g_i_scale": 0.35},
        }

    def _check_physical(self, values: np.ndarray) -> None:
        """Raise if a row has negative conductances or time constants."""
        names = self.space.names
        must_be_nonnegative = (
            "g_e_scale",
            "g_i_scale",
            "g_e_peak_ns",
            "g_i_peak_ns",
            "delay_i_ms",
        )
        must_be_positive = (
            "tau_rise_e_ms",
            "tau_decay_e_ms",
            "tau_rise_i_ms",
            "tau_decay_i_ms",
            "g_l_ns",
            "c_pf",
        )
        for name in must_be_nonnegative:
            column = values[:, names.index(name)]
            if np.any(column < 0):
                row = int(np.flatnonzero(column < 0)[0])
                raise InputError(f"row {row}: {name} = {column[row]} must be >= 0")
        for name in must_be_positive:
            column = values[:, names.index(name)]
            if np.any(~(column > 0)):
                row = int(np.flatnonzero(~(column > 0))[0])
                raise InputError(f"row {row}: {name} = {column[row]} must be > 0")

    def _kernel_params(self, values: np.ndarray) -> np.ndarray:
        order = [self.space.names.index(c) for c in COLUMNS]
        return np.ascontiguousarray(values[:, order], dtype=np.float64)

    def simulate_batch(self, values: np.ndarray) -> BatchResult:
        """Integrate every parameter set; see the class docstring for readouts."""
        self._check_physical(values)
        params = self._kernel_params(values)
        peak, t_peak, trough, _, spike = integrate_batch(
            params, self.dt_ms, self.n_steps
        )
        g_e = params[:, 0] * params[:, 2]
        g_i = params[:, 1] * params[:, 3]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(g_i > 0, g_e / np.where(g_i > 0, g_i, 1.0), np.inf)
        ratio = np.where((g_e == 0) & (g_i == 0), np.nan, ratio)
        out = np.column_stack([peak, t_peak, trough, ratio, spike])
        result = BatchResult.ok(out)
        at_end = t_peak >= self.duration_ms - self.dt_ms
        result.status[at_end] = "failed"
        result.reason[at_end] = (
            f"PSP still rising at the end of the {self.duration_ms} ms window; "
            "increase duration_ms"
        )
        no_input = np.isnan(ratio) & ~at_end
        result.status[no_input] = "undefined"
        result.reason[no_input] = "no synaptic input: E/I ratio undefined"
        return result

    def trace(self, values: Mapping[str, float] | None = None, **kwargs: Any) -> Trace:
        """Return V (mV), g_E and g_I (nS) over the window for one parameter set."""
        row = self.space.to_array({k: [v] for k, v in dict(values or {}).items()})
        self._check_physical(row)
        params = self._kernel_params(row)[0]
        v, g_e, g_i = integrate_trace(params, self.dt_ms, self.n_steps)
        time = np.arange(self.n_steps + 1) * self.dt_ms
        return Trace(
            time_ms=time,
            series={"v_mv": v, "g_e_ns": g_e, "g_i_ns": g_i},
            units={"v_mv": "mV", "g_e_ns": "nS", "g_i_ns": "nS"},
            parameters=dict(zip(self.space.names, row[0].tolist(), strict=True)),
        )
