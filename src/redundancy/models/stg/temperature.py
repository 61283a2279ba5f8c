"""Temperature scaling of the STG model by per-process Q10 factors.

Every maximal conductance is multiplied by R(T) and every time constant is
divided by R(T), with R(T) = Q10 ** ((T - 10 degC) / 10) and a Q10 of its own
for each process (Alonso & Marder 2020). The calcium reversal potential
follows T through the Nernst equation.

The default Q10 values are those of the mackelab ``pyloric`` simulator used by
Gonçalves et al. (2020): 1.5 for every conductance, 2.4 for activation time
constants (2.0 for CaS, 1.6 for KCa), 2.8 for inactivation, 2.0 for the
calcium buffer and 1.7 for synaptic time constants. Alonso & Marder (2020)
searched Q10 values in [1, 2] for conductances and [1, 4] for time constants
and published no single set, so these defaults are one plausible choice.

References:
    Alonso LM, Marder E (2020). Temperature compensation in a small rhythmic
    circuit. eLife 9:e55470.

    Gonçalves PJ, Lueckmann JM, Deistler M, et al. (2020). Training deep
    neural density estimators to identify mechanistic models of neural
    dynamics. eLife 9:e56261.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from redundancy.errors import InputError
from redundancy.models.stg.currents import CURRENTS, GATES

__all__ = [
    "DEFAULT_Q10",
    "REFERENCE_TEMPERATURE_DEGC",
    "TEMPERATURE_RANGE_DEGC",
    "check_temperature",
    "conductance_factors",
    "rate_factors",
    "resolve_q10",
]

#: Temperature at which all Q10 factors are 1, in degC.
REFERENCE_TEMPERATURE_DEGC = 10.0
#: Accepted simulation temperatures in degC. Alonso & Marder (2020) fitted
#: the network at 10 to 25 degC and required it to fail by 35 degC. This
#: range adds a margin around that span, where the Q10 scaling is extrapolated.
TEMPERATURE_RANGE_DEGC = (0.0, 40.0)

_TAU_M_Q10 = {
    "na": 2.4,
    "cat": 2.4,
    "cas": 2.0,
    "a": 2.4,
    "kca": 1.6,
    "kd": 2.4,
    "h": 2.4,
}

#: Q10 of every temperature-dependent process, by name.
DEFAULT_Q10: dict[str, float] = {
    **{f"g_{current}": 1.5 for current in CURRENTS},
    "g_glutamatergic": 1.5,
    "g_cholinergic": 1.5,
    **{
        f"tau_{gate}": (_TAU_M_Q10[gate[2:]] if gate.startswith("m_") else 2.8)
        for gate in GATES
    },
    "tau_glutamatergic": 1.7,
    "tau_cholinergic": 1.7,
    "tau_ca": 2.0,
}

_RATE_KEYS = (
    *(f"tau_{gate}" for gate in GATES),
    "tau_glutamatergic",
    "tau_cholinergic",
)


def check_temperature(temperature_degc: float | np.ndarray, name: str) -> None:
    """Raise unless every temperature lies in :data:`TEMPERATURE_RANGE_DEGC`.

    Args:
        temperature_degc: one temperature or an array of them, in degC.
        name: setting or parameter name used in the message.

    Raises:
        InputError: naming the first temperature outside the range.
    """
    low, high = TEMPERATURE_RANGE_DEGC
    values = np.atleast_1d(np.asarray(temperature_degc, dtype=float))
    bad = ~((values >= low) & (values <= high))
    if bad.any():
        raise InputError(
            f"{name}={float(values[bad][0])!r} degC is outside the accepted range "
            f"{low:g} to {high:g} degC of the Q10 temperature scaling; "
            "use a temperature in that range"
        )


def resolve_q10(q10: Mapping[str, float] | None) -> dict[str, float]:
    """Return the default Q10 values updated with ``q10``.

    Raises:
        InputError: for an unknown process name or a Q10 that is not positive.
    """
    values = dict(DEFAULT_Q10)
    for name, value in (q10 or {}).items():
        if name not in DEFAULT_Q10:
            raise InputError(
                f"unknown Q10 process {name!r}; use one of: {', '.join(DEFAULT_Q10)}"
            )
        if not float(value) > 0:
            raise InputError(f"Q10 of {name!r} must be positive, got {value}")
        values[name] = float(value)
    return values


def _ratio(q10: float, temperature_degc: np.ndarray) -> np.ndarray:
    return q10 ** ((temperature_degc - REFERENCE_TEMPERATURE_DEGC) / 10.0)


def conductance_factors(
    temperature_degc: np.ndarray, q10: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Return conductance multipliers at each temperature.

    Args:
        temperature_degc: (n,) temperatures in degC.
        q10: Q10 values from :func:`resolve_q10`.

    Returns:
        (n, 8) membrane factors in :data:`CURRENTS` order and (n, 2) synaptic
        factors (glutamatergic, cholinergic).
    """
    temperature = np.asarray(temperature_degc, dtype=float)
    membrane = np.stack([_ratio(q10[f"g_{c}"], temperature) for c in CURRENTS], -1)
    synaptic = np.stack(
        [_ratio(q10[key], temperature) for key in ("g_glutamatergic", "g_cholinergic")],
        -1,
    )
    return membrane, synaptic


def rate_factors(temperature_degc: float, q10: Mapping[str, float]) -> np.ndarray:
    """Return the 13 factors multiplying 1/tau (11 gates, 2 synapse types) at T."""
    temperature = np.asarray(float(temperature_degc))
    return np.array([float(_ratio(q10[key], temperature)) for key in _RATE_KEYS])


def calcium_rate_factor(temperature_degc: float, q10: Mapping[str, float]) -> float:
    """Return the factor multiplying 1/tau_Ca at T."""
    return float(_ratio(q10["tau_ca"], np.asarray(float(temperature_degc))))
