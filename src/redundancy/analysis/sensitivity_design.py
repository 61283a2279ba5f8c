"""Sampling support shared by the Sobol and Morris analyses.

The SALib problem over a parameter space (log parameters in ln θ), the map
back to natural units, simulation of a subspace at the model defaults, and the
failure policies for simulations that fail.

References:
    Saltelli A, Annoni P, Azzini I, Campolongo F, Ratto M, Tarantola S (2010).
    Variance based sensitivity analysis of model output. Design and estimator
    for the total sensitivity index. Computer Physics Communications
    181:259-270.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from redundancy.errors import InputError
from redundancy.models.base import Model
from redundancy.parameters import ParameterSpace

__all__ = [
    "FAILURE_POLICIES",
    "FailurePolicy",
    "check_policy",
    "raise_on_failures",
    "resolve_space",
    "salib_problem",
    "simulate_subspace",
    "to_natural",
]

FailurePolicy = Literal["raise", "drop", "impute-mean", "as-bad"]
FAILURE_POLICIES: tuple[str, ...] = ("raise", "drop", "impute-mean", "as-bad")


def salib_problem(space: ParameterSpace) -> dict[str, Any]:
    """Return a SALib problem over ``space``, with log parameters in ln θ."""
    log = space.is_log
    lower = np.where(log, np.log(np.where(log, space.lower, 1.0)), space.lower)
    upper = np.where(log, np.log(np.where(log, space.upper, 1.0)), space.upper)
    fixed = [p.name for p, lo, hi in zip(space, lower, upper, strict=True) if hi <= lo]
    if fixed:
        raise InputError(
            f"parameter(s) {', '.join(fixed)} have equal lower and upper bounds; "
            "leave fixed parameters out of the sensitivity space"
        )
    return {
        "num_vars": len(space),
        "names": space.names,
        "bounds": np.column_stack([lower, upper]).tolist(),
    }


def to_natural(space: ParameterSpace, sampled: np.ndarray) -> np.ndarray:
    """Map SALib samples (ln θ for log parameters) back to natural units."""
    return np.where(space.is_log, np.exp(sampled), sampled)


def resolve_space(
    model: Model, space: ParameterSpace | Sequence[str] | None
) -> ParameterSpace:
    """Return the space to vary: the model's, a subset of names, or a given space."""
    if space is None:
        return model.space
    if isinstance(space, ParameterSpace):
        for name in space.names:
            model.space[name]
        return space
    return model.space.subset(list(space))


def simulate_subspace(
    model: Model, space: ParameterSpace, natural: np.ndarray
) -> pd.DataFrame:
    """Simulate points of a subspace; other parameters keep the model defaults."""
    frame = pd.DataFrame(natural, columns=space.names)
    return model.simulate(frame)


def check_policy(policy: str, within: object | None) -> None:
    """Raise for an unknown failure policy or ``as-bad`` without a criterion."""
    if policy not in FAILURE_POLICIES:
        raise InputError(
            f"failure_policy {policy!r} is not valid; use one of "
            f"{', '.join(FAILURE_POLICIES)}"
        )
    if policy == "as-bad" and within is None:
        raise InputError(
            "failure_policy 'as-bad' needs a criterion (within=...); use 'raise', "
            "'drop' or 'impute-mean' for the whole space"
        )


def raise_on_failures(frame: pd.DataFrame, policy: str, analysis: str) -> np.ndarray:
    """Return the failed-row mask, raising if the policy is ``raise``."""
    failed = frame["status"].to_numpy() != "ok"
    if failed.any() and policy == "raise":
        first = frame["reason"].to_numpy()[np.flatnonzero(failed)[0]]
        raise InputError(
            f"{int(failed.sum())} of {len(frame)} {analysis} simulations failed "
            f"(first: {first}); pass failure_policy='drop' or 'impute-mean' to "
            "continue without them"
        )
    return failed
