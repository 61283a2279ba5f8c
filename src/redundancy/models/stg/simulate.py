"""Run the compiled STG integrator on batches and return records or traces.

This module defines the settings of a run (:class:`IntegrationSettings`), the
network wiring, and the calls that prepare the kernel's inputs: temperature
factors, unit conversion of synapses from nS to mS/cm^2, gating tables and
grouping of parameter sets by temperature.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.
"""

from __future__ import annotations

import logging
import math
import numbers
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numba
import numpy as np

from redundancy.errors import InputError
from redundancy.models.stg import currents, temperature
from redundancy.models.stg.kernel import LANES, announce_compile, integrate
from redundancy.models.stg.recording import NETWORK_CELLS, SpikeRecord

__all__ = [
    "GATING_MODES",
    "MAX_DT_MS",
    "NETWORK_SYNAPSES",
    "SCHEMES",
    "IntegrationSettings",
    "run_batch",
    "run_trace",
]

logger = logging.getLogger(__name__)

#: Integration schemes by name, with the kernel's scheme code.
SCHEMES = {"exp_euler": 0, "exp_midpoint": 1}
#: Gating modes: interpolate a table or evaluate the formulas every step.
GATING_MODES = ("table", "exact")
#: Largest accepted time step in ms. Spikes last about 1 ms, and coarser
#: steps miss spike peaks and plateau crossings.
MAX_DT_MS = 0.5

#: The seven synapses of the pyloric network: (name, presynaptic cell,
#: postsynaptic cell, type). AB and PD are the lumped AB/PD cell (index 0).
NETWORK_SYNAPSES = (
    ("ab_lp", 0, 1, 0),
    ("pd_lp", 0, 1, 1),
    ("ab_py", 0, 2, 0),
    ("pd_py", 0, 2, 1),
    ("lp_ab", 1, 0, 0),
    ("lp_py", 1, 2, 0),
    ("py_lp", 2, 1, 0),
)

_TABLE_V_LOW_MV = -100.0
_TABLE_V_HIGH_MV = 140.0


@dataclass(frozen=True)
class IntegrationSettings:
    """Non-sampled constants of an STG simulation.

    Args:
        dt_ms: time step in ms, in (0, :data:`MAX_DT_MS`].
        duration_ms: length of the recorded window in ms, after the transient;
            at least ``dt_ms``.
        transient_ms: simulated time discarded before recording, in ms (>= 0).
        scheme: ``"exp_euler"`` (first order) or ``"exp_midpoint"`` (second order).
        gating: ``"table"`` interpolates gating functions from a table with
            ``table_step_mv`` spacing; ``"exact"`` evaluates them every step.
        table_step_mv: voltage step of the gating table in mV.
        temperature_degc: temperature in degC when it is not a parameter,
            within :data:`~redundancy.models.stg.temperature.TEMPERATURE_RANGE_DEGC`.
        q10: Q10 values by process name, replacing the defaults of
            :data:`~redundancy.models.stg.temperature.DEFAULT_Q10`.
        max_spikes: spike buffer size per cell (>= 1).
        max_intervals: plateau buffer size per cell (>= 1).
        early_stop: end a run before its window ends once it is silent at
            rest or on a limit cycle, and extend its record to the full
            window (see :mod:`redundancy.models.stg.settle`). Periodic runs
            stop early only for the single neuron. A sweep of the Prinz et
            al. (2003) grid runs about 1.4 times as fast (estimate from a 1 %
            sample). Readouts match the full run's within 1 % except for rare
            runs that change activity late in the window. Traces always run
            the full window.

    Raises:
        InputError: for a setting outside the ranges above, naming the value
            and the accepted range.
    """

    dt_ms: float = 0.025
    duration_ms: float = 10_000.0
    transient_ms: float = 1_000.0
    scheme: str = "exp_euler"
    gating: str = "table"
    table_step_mv: float = 0.05
    temperature_degc: float = 10.0
    q10: dict[str, float] = field(default_factory=dict)
    max_spikes: int = 2048
    max_intervals: int = 256
    early_stop: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.early_stop, bool | np.bool_):
            raise InputError(
                f"early_stop must be true or false, got {self.early_stop!r}"
            )
        object.__setattr__(self, "early_stop", bool(self.early_stop))
        for name in ("dt_ms", "duration_ms", "transient_ms", "table_step_mv"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise InputError(f"{name} must be a number in ms or mV, got {value!r}")
            object.__setattr__(self, name, float(value))
        for name in ("dt_ms", "duration_ms", "table_step_mv"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InputError(
                    f"{name} must be a positive number, got {value!r}; "
                    f"the default is {type(self).__dataclass_fields__[name].default}"
                )
        if self.dt_ms > MAX_DT_MS:
            raise InputError(
                f"dt_ms={self.dt_ms} is too coarse to resolve spikes of about 1 ms; "
                f"use dt_ms <= {MAX_DT_MS} (the default is 0.025)"
            )
        if self.duration_ms < self.dt_ms:
            raise InputError(
                f"duration_ms={self.duration_ms} is shorter than one step "
                f"(dt_ms={self.dt_ms}); duration_ms is the recorded window after "
                "the transient, so set it to at least dt_ms"
            )
        if not (math.isfinite(self.transient_ms) and self.transient_ms >= 0):
            raise InputError(
                f"transient_ms must be >= 0, got {self.transient_ms!r}; "
                "use 0 to record from the cold start"
            )
        if self.scheme not in SCHEMES:
            raise InputError(
                f"unknown scheme {self.scheme!r}; use one of: {', '.join(SCHEMES)}"
            )
        if self.gating not in GATING_MODES:
            raise InputError(
                f"unknown gating {self.gating!r}; use one of: {', '.join(GATING_MODES)}"
            )
        temperature.check_temperature(self.temperature_degc, "temperature_degc")
        for name in ("max_spikes", "max_intervals"):
            value = getattr(self, name)
            integral = isinstance(value, numbers.Integral) or (
                isinstance(value, numbers.Real) and float(value).is_integer()
            )
            if isinstance(value, bool) or not integral:
                raise InputError(f"{name} must be a whole number, got {value!r}")
            value = int(value)
            object.__setattr__(self, name, value)
            if value < 1:
                raise InputError(
                    f"{name} must be at least 1, got {value}; it is the event "
                    "buffer size per cell (the model default is 2048)"
                )
        object.__setattr__(self, "q10", temperature.resolve_q10(self.q10))

    @property
    def n_steps(self) -> int:
        """Total number of steps, transient included."""
        return int(round((self.transient_ms + self.duration_ms) / self.dt_ms))

    @property
    def n_transient(self) -> int:
        """Number of steps discarded before recording."""
        return int(round(self.transient_ms / self.dt_ms))

    @property
    def window_ms(self) -> float:
        """Recorded window length in ms after rounding to whole steps."""
        return (self.n_steps - self.n_transient) * self.dt_ms

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-serialisable dict."""
        return asdict(self)


@lru_cache(maxsize=16)
def _table(step_ms: float, v_step: float, rates: tuple[float, ...]) -> np.ndarray:
    """Return the interpolation table of the kernel, shape (2, rows, 52).

    Part 0 serves full steps and part 1 half steps. Each row contains the 13
    steady states and the 13 decay factors at one voltage, then the slopes
    of those 26 values towards the next row (per row, not per mV).
    """
    n_rows = int(round((_TABLE_V_HIGH_MV - _TABLE_V_LOW_MV) / v_step)) + 1
    raw = currents.build_table(
        _TABLE_V_LOW_MV, v_step, n_rows, np.array(rates), step_ms
    )
    n_k = currents.COL_DECAY_FULL
    table = np.zeros((2, n_rows, 4 * n_k))
    for part, decay in enumerate((currents.COL_DECAY_FULL, currents.COL_DECAY_HALF)):
        values = np.concatenate([raw[:, :n_k], raw[:, decay : decay + n_k]], axis=1)
        table[part, :, : 2 * n_k] = values
        table[part, :-1, 2 * n_k :] = np.diff(values, axis=0)
    return table


def _wiring(n_cells: int) -> tuple[np.ndarray, ...]:
    if n_cells == 1:
        empty_i = np.zeros(0, dtype=np.int64)
        return empty_i, empty_i, empty_i, empty_i, np.zeros(0)
    states = sorted({(pre, kind) for _, pre, _, kind in NETWORK_SYNAPSES})
    syn_pre = np.array([pre for pre, _ in states], dtype=np.int64)
    syn_type = np.array([kind for _, kind in states], dtype=np.int64)
    syn_state = np.array(
        [states.index((pre, kind)) for _, pre, _, kind in NETWORK_SYNAPSES],
        dtype=np.int64,
    )
    syn_post = np.array([post for _, _, post, _ in NETWORK_SYNAPSES], dtype=np.int64)
    syn_erev = np.array(
        [currents.SYNAPSE_TYPES[kind][1] for *_, kind in NETWORK_SYNAPSES]
    )
    return syn_pre, syn_type, syn_state, syn_post, syn_erev


def _check_inputs(gbar: np.ndarray, gsyn_ns: np.ndarray | None) -> np.ndarray:
    gbar = np.ascontiguousarray(gbar, dtype=float)
    if gbar.ndim != 3 or gbar.shape[2] != 8 or gbar.shape[1] not in (1, 3):
        raise InputError(
            f"conductances must have shape (n, cells, 8) with 1 or 3 cells, got "
            f"{gbar.shape}"
        )
    n_cells = gbar.shape[1]
    if n_cells == 3 and (gsyn_ns is None or np.shape(gsyn_ns) != (gbar.shape[0], 7)):
        raise InputError(
            f"a network needs synapses of shape ({gbar.shape[0]}, 7) in nS, got "
            f"{None if gsyn_ns is None else np.shape(gsyn_ns)}"
        )
    return gbar


def group_runs(n: int) -> int:
    """Return the runs per integrator group for a batch of n runs.

    One group per Numba thread, rounded up to whole blocks of LANES.
    """
    threads = max(1, numba.get_num_threads())
    per_thread = -(-n // threads)
    return max(LANES, -(-per_thread // LANES) * LANES)


def run_batch(
    gbar: np.ndarray,
    gsyn_ns: np.ndarray | None,
    settings: IntegrationSettings,
    temperature_degc: np.ndarray | None = None,
    trace_stride: int = 0,
) -> tuple[SpikeRecord, np.ndarray]:
    """Simulate a batch of cells or networks from the cold start.

    Args:
        gbar: (n, cells, 8) maximal conductances in mS/cm^2 at 10 degC, cells 1
            (single neuron) or 3 (AB/PD, LP, PY).
        gsyn_ns: (n, 7) synaptic conductances in nS for networks, else None.
        settings: integration settings.
        temperature_degc: (n,) temperatures in degC; default the settings' one.
        trace_stride: if > 0, also return V and Ca every ``trace_stride`` steps.

    Returns:
        The :class:`SpikeRecord` and an (n, 2 * cells, samples) trace array
        (V in mV and Ca in uM per cell; samples is 0 without tracing).
    """
    gbar = _check_inputs(gbar, gsyn_ns)
    n, n_cells, _ = gbar.shape
    names = NETWORK_CELLS if n_cells == 3 else ("cell",)
    record = SpikeRecord.empty(
        n,
        n_cells,
        settings.max_spikes,
        settings.max_intervals,
        settings.window_ms,
        settings.dt_ms,
        names,
    )
    record.v_min_mv[:] = np.inf
    record.v_max_mv[:] = -np.inf
    samples = settings.n_steps - settings.n_transient
    samples = samples // trace_stride + 1 if trace_stride > 0 else 0
    trace = np.full((n, 2 * n_cells, samples), np.nan)
    if n == 0:
        return record, trace

    temps = np.full(n, settings.temperature_degc, dtype=float)
    if temperature_degc is not None:
        temps = np.broadcast_to(np.asarray(temperature_degc, dtype=float), (n,)).copy()
    temperature.check_temperature(temps, "temperature")
    g_factor, syn_factor = temperature.conductance_factors(temps, settings.q10)
    gbar_eff = np.ascontiguousarray(gbar * g_factor[:, None, :])
    wiring = _wiring(n_cells)
    if n_cells == 3:
        kinds = np.array([kind for *_, kind in NETWORK_SYNAPSES])
        gsyn = currents.synapse_density(np.asarray(gsyn_ns, dtype=float))
        gsyn = np.ascontiguousarray(gsyn * syn_factor[:, kinds])
    else:
        gsyn = np.zeros((n, 0))

    announce_compile()
    for temp in np.unique(temps):
        rows = np.flatnonzero(temps == temp)
        rates = temperature.rate_factors(temp, settings.q10)
        table = _table(settings.dt_ms, settings.table_step_mv, tuple(rates))
        part = record.select(rows)
        part_trace = np.ascontiguousarray(trace[rows])
        logger.debug(
            "integrating %d runs at %.2f degC, %d steps",
            rows.size,
            temp,
            settings.n_steps,
        )
        integrate(
            gbar_eff[rows],
            np.ascontiguousarray(gsyn[rows]),
            *wiring,
            float(currents.nernst_factor_mv(temp)),
            temperature.calcium_rate_factor(temp, settings.q10),
            table,
            _TABLE_V_LOW_MV,
            1.0 / settings.table_step_mv,
            settings.gating == "exact",
            rates,
            settings.dt_ms,
            settings.n_steps,
            settings.n_transient,
            SCHEMES[settings.scheme],
            settings.early_stop and trace_stride == 0,
            part.spike_times_ms,
            part.spike_counts,
            part.plateau_intervals_ms,
            part.plateau_counts,
            part.v_min_mv,
            part.v_max_mv,
            part.ca_mean_um,
            part.diverged,
            part.stopped_ms,
            part_trace,
            trace_stride,
            group_runs(rows.size),
        )
        _scatter(record, part, rows)
        trace[rows] = part_trace

    bad = record.diverged
    if bad.any():
        logger.info("%d of %d runs diverged", int(bad.sum()), n)
        record.v_min_mv[bad] = np.nan
        record.v_max_mv[bad] = np.nan
        record.ca_mean_um[bad] = np.nan
    return record, trace


def _scatter(record: SpikeRecord, part: SpikeRecord, rows: np.ndarray) -> None:
    for name in (
        "spike_times_ms",
        "spike_counts",
        "plateau_intervals_ms",
        "plateau_counts",
        "v_min_mv",
        "v_max_mv",
        "ca_mean_um",
        "diverged",
        "stopped_ms",
    ):
        getattr(record, name)[rows] = getattr(part, name)


def run_trace(
    gbar: np.ndarray,
    gsyn_ns: np.ndarray | None,
    settings: IntegrationSettings,
    temperature_degc: float | None = None,
    sample_ms: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, SpikeRecord]:
    """Simulate one cell or network and return its subsampled traces.

    Args:
        gbar: (cells, 8) maximal conductances in mS/cm^2.
        gsyn_ns: (7,) synapses in nS for the network, else None.
        settings: integration settings.
        temperature_degc: temperature in degC; default the settings' one.
        sample_ms: time between samples in ms (rounded to whole steps).

    Returns:
        time (samples,) in ms from the start of the recorded window, voltage
        (cells, samples) in mV, calcium (cells, samples) in uM, and the record.
    """
    stride = max(1, int(round(sample_ms / settings.dt_ms)))
    gsyn = None if gsyn_ns is None else np.asarray(gsyn_ns, dtype=float)[None, :]
    temps = None if temperature_degc is None else np.array([temperature_degc])
    record, trace = run_batch(
        np.asarray(gbar, dtype=float)[None], gsyn, settings, temps, stride
    )
    time_ms = np.arange(trace.shape[2]) * stride * settings.dt_ms
    return time_ms, trace[0, 0::2], trace[0, 1::2], record
