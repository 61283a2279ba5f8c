"""The built-in STG models ``stg_neuron`` and ``pyloric``.

Both simulate from the cold start (V = -50 mV, [Ca] = 0.05 uM, activation
gates 0, inactivation gates 1, synapses 0), discard ``transient_ms`` and
compute readouts from the recorded window. The integration is deterministic:
unlike the mackelab ``pyloric`` package, no noise current is added.

References:
    Prinz AA, Billimoria CP, Marder E (2003). Alternative to hand-tuning
    conductance-based models: construction and analysis of databases of model
    neurons. J Neurophysiol 90:3998-4015.

    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.

    Gonçalves PJ, Lueckmann JM, Deistler M, et al. (2020). Training deep
    neural density estimators to identify mechanistic models of neural
    dynamics. eLife 9:e56261.

    Alonso LM, Marder E (2020). Temperature compensation in a small rhythmic
    circuit. eLife 9:e55470.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from redundancy.models.base import BatchResult, Model, Trace
from redundancy.models.stg import presets
from redundancy.models.stg.features import network_features, neuron_features
from redundancy.models.stg.readouts import NETWORK_READOUTS, NEURON_READOUTS
from redundancy.models.stg.recording import SpikeRecord
from redundancy.models.stg.simulate import IntegrationSettings, run_batch, run_trace
from redundancy.parameters import Parameter, ParameterSpace

__all__ = ["PyloricNetwork", "StgNeuron"]

logger = logging.getLogger(__name__)

_REFERENCES = (
    "Prinz AA, Billimoria CP, Marder E (2003). J Neurophysiol 90:3998-4015.",
    "Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.",
)
#: Shortest recorded window (ms) without a warning: 3 cycles of a 2 s rhythm.
#: The pyloric reference period is 1509 +- 279 ms (mean +- SD, as used by
#: Gonçalves et al. 2020), so 2 s is near its slow end.
MIN_RHYTHM_WINDOW_MS = 6_000.0
_TEMPERATURE = Parameter(
    "temperature",
    "degC",
    5.0,
    35.0,
    10.0,
    description="temperature; conductances and rates scale by Q10 from 10 degC",
)


class _StgModel(Model):
    """Shared settings, temperature handling and batching of the STG models."""

    n_cells: ClassVar[int] = 1

    def __init__(
        self,
        *,
        dt_ms: float = 0.025,
        duration_ms: float = 10_000.0,
        transient_ms: float = 1_000.0,
        scheme: str = "exp_euler",
        gating: str = "table",
        table_step_mv: float = 0.05,
        temperature_degc: float = 10.0,
        temperature_as_parameter: bool = False,
        q10: Mapping[str, float] | None = None,
        max_spikes: int = 2048,
        max_intervals: int = 2048,
        early_stop: bool = False,
        space: ParameterSpace | None = None,
    ) -> None:
        # IntegrationSettings converts and checks the values, so that a wrong
        # type raises InputError rather than a TypeError from float().
        self.integration = IntegrationSettings(
            dt_ms=dt_ms,
            duration_ms=duration_ms,
            transient_ms=transient_ms,
            scheme=scheme,
            gating=gating,
            table_step_mv=table_step_mv,
            temperature_degc=temperature_degc,
            q10=dict(q10 or {}),
            max_spikes=max_spikes,
            max_intervals=max_intervals,
            early_stop=early_stop,
        )
        if self.integration.duration_ms < MIN_RHYTHM_WINDOW_MS:
            warnings.warn(
                f"{self.name}: duration_ms={self.integration.duration_ms:g} is the "
                "recorded window after the transient, and it holds fewer than 3 "
                "cycles of a 2 s rhythm, so burst periods and phases may be "
                f"undefined; use duration_ms >= {MIN_RHYTHM_WINDOW_MS:g}",
                UserWarning,
                stacklevel=3,
            )
        self.temperature_as_parameter = bool(temperature_as_parameter)
        base = space if space is not None else self._base_space()
        if self.temperature_as_parameter and "temperature" not in base:
            default = _TEMPERATURE.with_default(self.integration.temperature_degc)
            base = ParameterSpace([*base, default])
        self.space = base

    def _base_space(self) -> ParameterSpace:
        raise NotImplementedError

    def settings(self) -> dict[str, Any]:
        """Return the integration settings as a JSON-serialisable dict."""
        return {
            **self.integration.to_dict(),
            "temperature_as_parameter": self.temperature_as_parameter,
        }

    def record(self, values: np.ndarray) -> SpikeRecord:
        """Simulate an (n, d) array of parameter sets and return the raw record."""
        values = np.atleast_2d(np.asarray(values, dtype=float))
        gbar, gsyn, temps = self._split(values)
        record, _ = run_batch(gbar, gsyn, self.integration, temps)
        return record

    def _split(
        self, values: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        n = values.shape[0]
        n_g = 8 * self.n_cells
        gbar = values[:, :n_g].reshape(n, self.n_cells, 8)
        gsyn = values[:, n_g : n_g + 7] if self.n_cells == 3 else None
        temps = None
        if self.temperature_as_parameter:
            temps = values[:, self.space.index("temperature")]
        return gbar, gsyn, temps

    def _trace(self, values: Mapping[str, float] | None, sample_ms: float) -> Trace:
        row = self.space.to_array({k: [v] for k, v in dict(values or {}).items()})
        gbar, gsyn, temps = self._split(row)
        time_ms, v_mv, ca_um, _ = run_trace(
            gbar[0],
            None if gsyn is None else gsyn[0],
            self.integration,
            None if temps is None else float(temps[0]),
            sample_ms,
        )
        series: dict[str, np.ndarray] = {}
        units: dict[str, str] = {}
        for c, name in enumerate(self._trace_names()):
            series[f"v_{name}mv"] = v_mv[c]
            units[f"v_{name}mv"] = "mV"
        for c, name in enumerate(self._trace_names()):
            series[f"ca_{name}um"] = ca_um[c]
            units[f"ca_{name}um"] = "uM"
        parameters = dict(zip(self.space.names, row[0].tolist(), strict=True))
        return Trace(time_ms, series, units, parameters)

    def _trace_names(self) -> tuple[str, ...]:
        return ("",)


class StgNeuron(_StgModel):
    """Single-compartment STG neuron with 8 currents and calcium dynamics.

    Parameters are the 8 maximal conductances in mS/cm^2 over the range of
    the Prinz (2003) database grid (:func:`presets.neuron_space`), plus
    ``temperature`` (degC) when ``temperature_as_parameter`` is set.

    Args:
        dt_ms: integration time step in ms.
        duration_ms: recorded window in ms, after the transient.
        transient_ms: discarded start in ms.
        scheme: ``"exp_euler"`` or ``"exp_midpoint"`` (second order).
        gating: ``"table"`` (interpolated gating functions) or ``"exact"``.
        table_step_mv: gating table resolution in mV.
        temperature_degc: temperature in degC when it is not a parameter.
        temperature_as_parameter: add ``temperature`` to the parameters.
        q10: Q10 values by process, replacing the defaults of
            :data:`redundancy.models.stg.temperature.DEFAULT_Q10`.
        max_spikes, max_intervals: event buffer sizes per cell. Every spike
            crosses the -30 mV plateau threshold, so ``max_intervals`` matches
            ``max_spikes`` by default.
        early_stop: stop runs that are silent at rest or on a limit cycle
            before the window ends, and extend their record to the full
            window (:mod:`redundancy.models.stg.settle`). About 1.4 times as
            fast on the Prinz grid (estimate from a 1 % sample). Readouts
            match the full run's within 1 % except for rare runs that change
            activity late in the window.
        space: replacement parameter space with the same names.

    Raises:
        InputError: for a setting outside its range (see
            :class:`~redundancy.models.stg.simulate.IntegrationSettings`): dt_ms
            in (0, 0.5], duration_ms >= dt_ms, transient_ms >= 0, a known scheme
            and gating, temperature_degc in 0 to 40 degC, and buffer sizes >= 1.

    Warns:
        UserWarning: when ``duration_ms`` is below :data:`MIN_RHYTHM_WINDOW_MS`.

    References:
        Prinz AA, Billimoria CP, Marder E (2003). J Neurophysiol 90:3998-4015.
        Alonso LM, Marder E (2020). eLife 9:e55470 (temperature scaling).
    """

    name = "stg_neuron"
    version = "2"
    references = _REFERENCES[:1] + ("Alonso LM, Marder E (2020). eLife 9:e55470.",)
    n_cells = 1

    readouts = NEURON_READOUTS

    def _base_space(self) -> ParameterSpace:
        return presets.neuron_space()

    def presets(self) -> dict[str, dict[str, float]]:
        """Return the 16 candidate cells of Prinz et al. (2004) (and 2 variants)."""
        return {name: presets.cell_values(name) for name in presets.CANDIDATE_CELLS}

    def simulate_batch(self, values: np.ndarray) -> BatchResult:
        """Simulate (n, d) parameter sets and compute the neuron readouts."""
        return neuron_features(self.record(values))

    def trace(
        self, values: Mapping[str, float] | None = None, sample_ms: float = 0.1
    ) -> Trace:
        """Return V (``v_mv``) and Ca (``ca_um``) of one run, every ``sample_ms``."""
        return self._trace(values, sample_ms)


class PyloricNetwork(_StgModel):
    """Three-cell pyloric network (AB/PD, LP, PY) with 7 graded synapses.

    Parameters are the 31 of Gonçalves et al. (2020): 24 maximal
    conductances in mS/cm^2 and 7 synapses in nS on a log scale
    (:func:`presets.pyloric_prior`), plus ``temperature`` (degC) when
    ``temperature_as_parameter`` is set. Settings as for :class:`StgNeuron`.

    References:
        Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.
        Gonçalves PJ, et al. (2020). eLife 9:e56261.
        Alonso LM, Marder E (2020). eLife 9:e55470 (temperature scaling).
    """

    name = "pyloric"
    version = "2"
    references = _REFERENCES + (
        "Gonçalves PJ, Lueckmann JM, Deistler M, et al. (2020). eLife 9:e56261.",
        "Alonso LM, Marder E (2020). eLife 9:e55470.",
    )
    n_cells = 3

    readouts = NETWORK_READOUTS

    def _base_space(self) -> ParameterSpace:
        return presets.pyloric_prior()

    def presets(self) -> dict[str, dict[str, float]]:
        """Return candidate-cell networks with the Fig. 2e synapses of Prinz 2004.

        The networks named in Prinz et al. (2004) Fig. 5 (AB/PD 1 or 2 with
        LP 3 and PY 1; AB/PD 5 with LP 4 and PY 5) are given with the Fig. 2e
        synapse strengths, since their own synapse values are not known here.
        """
        combos = {
            "abpd1_lp3_py1": ("abpd_1", "lp_3", "py_1"),
            "abpd2_lp3_py1": ("abpd_2", "lp_3", "py_1"),
            "abpd5_lp4_py5": ("abpd_5", "lp_4", "py_5"),
        }
        return {name: presets.network_values(*cells) for name, cells in combos.items()}

    def simulate_batch(self, values: np.ndarray) -> BatchResult:
        """Simulate (n, d) parameter sets and compute the network readouts."""
        return network_features(self.record(values))

    def trace(
        self, values: Mapping[str, float] | None = None, sample_ms: float = 0.1
    ) -> Trace:
        """Return V (``v_ab_mv``, ``v_lp_mv``, ``v_py_mv``) and Ca of one run."""
        return self._trace(values, sample_ms)

    def _trace_names(self) -> tuple[str, ...]:
        return ("ab_", "lp_", "py_")
