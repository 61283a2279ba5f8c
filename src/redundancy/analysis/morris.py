"""Morris elementary-effects screening through SALib.

Each trajectory changes one parameter at a time by a fixed fraction of its
range (in ln θ for log-scale parameters). μ* is the mean absolute elementary
effect and ranks parameters by overall influence, and σ measures
interactions and nonlinearity. Effects are in the readout's unit per unit of
the sampled range, as SALib computes them on a grid over the unit cube.

A trajectory that contains a failed simulation cannot give elementary effects
for all parameters. Under ``failure_policy="drop"`` such trajectories are
removed whole, with a warning; ``"raise"`` (default) raises instead.

References:
    Morris MD (1991). Factorial sampling plans for preliminary computational
    experiments. Technometrics 33:161-174.
    Campolongo F, Cariboni J, Saltelli A (2007). An effective screening design
    for sensitivity analysis of large models. Environmental Modelling &
    Software 22:1509-1518.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from redundancy.analysis.results import AnalysisResult, new_axes
from redundancy.analysis.sensitivity_design import (
    raise_on_failures,
    resolve_space,
    salib_problem,
    simulate_subspace,
    to_natural,
)
from redundancy.errors import InputError
from redundancy.models.base import Model
from redundancy.parameters import ParameterSpace

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MorrisResult", "morris"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MorrisResult(AnalysisResult):
    """Morris screening statistics per readout and parameter.

    Attributes:
        table: one row per (readout, parameter) with ``mu``, ``mu_star``,
            ``sigma`` and ``mu_star_conf`` (bootstrap half-width).
        trajectories: number of trajectories used.
        num_levels: grid levels per parameter.
        seed: seed of the sampler and bootstrap.
        failure_policy: ``"raise"`` or ``"drop"``.
        n_dropped: trajectories removed for failed simulations.
        units: unit of each readout.
    """

    kind = "morris"

    table: pd.DataFrame = field(repr=False)
    trajectories: int
    num_levels: int
    seed: int | None
    failure_policy: str
    n_dropped: int
    units: dict[str, str]

    def to_frame(self) -> pd.DataFrame:
        """Return the statistics table."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return the statistics, design size and failure counts."""
        return {
            "kind": self.kind,
            "trajectories": self.trajectories,
            "num_levels": self.num_levels,
            "seed": self.seed,
            "failure_policy": self.failure_policy,
            "n_dropped": self.n_dropped,
            "statistics": self.table.reset_index(),
        }

    def plot(self, ax: Axes | None = None, readout: str | None = None) -> Axes:
        """Draw σ against μ* for one readout, one labelled point per parameter."""
        frame = self.table.reset_index()
        readout = readout or str(frame["readout"].iloc[0])
        rows = frame[frame["readout"] == readout]
        ax = new_axes(ax, (5.0, 4.0))
        ax.errorbar(
            rows["mu_star"],
            rows["sigma"],
            xerr=rows["mu_star_conf"],
            fmt="o",
            capsize=3,
        )
        for _, row in rows.iterrows():
            ax.annotate(
                str(row["parameter"]),
                (row["mu_star"], row["sigma"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )
        top = float(np.nanmax(np.r_[rows["mu_star"], rows["sigma"], 0]))
        if top > 0:
            ax.plot([0, top], [0, top], color="0.7", linewidth=0.8, label="σ = μ*")
            ax.legend(fontsize=8)
        unit = self.units.get(readout, "1")
        ax.set_xlabel(f"μ* of {readout} ({unit} per parameter range)")
        ax.set_ylabel(f"σ of {readout} ({unit} per parameter range)")
        ax.set_title(f"Morris screening, {self.trajectories} trajectories", fontsize=9)
        return ax

    def figure(self) -> Any:
        """Return a figure with one μ*–σ panel per readout."""
        import matplotlib.pyplot as plt

        readouts = list(dict.fromkeys(self.table.reset_index()["readout"]))
        figure, axes = plt.subplots(
            1,
            len(readouts),
            figsize=(4.5 * len(readouts), 4),
            layout="constrained",
            squeeze=False,
        )
        for ax, readout in zip(axes[0], readouts, strict=True):
            self.plot(ax, readout)
        return figure


def morris(
    model: Model,
    space: ParameterSpace | Sequence[str] | None = None,
    *,
    trajectories: int = 20,
    num_levels: int = 4,
    seed: int | None = 0,
    readouts: Sequence[str] | None = None,
    failure_policy: Literal["raise", "drop"] = "raise",
    num_resamples: int = 100,
) -> MorrisResult:
    """Screen parameters with Morris elementary effects.

    Uses ``SALib.sample.morris.sample`` (trajectories·(d + 1) runs) and
    ``SALib.analyze.morris.analyze``.

    Args:
        model: the model.
        space: parameters to vary (a subspace, names, or None for all).
        trajectories: number of trajectories r.
        num_levels: grid levels p per parameter (even; 4 is usual).
        seed: seed of the sampler and the bootstrap of μ*'s interval.
        readouts: readouts to analyse (default: all).
        failure_policy: ``"raise"`` or ``"drop"`` (remove whole trajectories).
        num_resamples: bootstrap resamples for ``mu_star_conf``.

    Returns:
        A :class:`MorrisResult`.

    Raises:
        InputError: for too few trajectories, an unknown policy or failures
            under ``"raise"``.

    References:
        Morris MD (1991). Technometrics 33:161-174.
        Campolongo F, Cariboni J, Saltelli A (2007). Environmental Modelling &
        Software 22:1509-1518.
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if failure_policy not in ("raise", "drop"):
        raise InputError(
            f"failure_policy {failure_policy!r} is not valid for Morris; use "
            "'raise' or 'drop'"
        )
    if trajectories < 2:
        raise InputError(f"trajectories must be at least 2, got {trajectories}")
    if num_levels < 2:
        raise InputError(
            f"num_levels must be at least 2 (4 is usual), got {num_levels}"
        )
    space = resolve_space(model, space)
    readout_names = list(readouts) if readouts is not None else model.readout_names
    for name in readout_names:
        model.readout(name)
    problem = salib_problem(space)
    d = len(space)

    sampled = morris_sample.sample(
        problem, trajectories, num_levels=num_levels, seed=seed
    )
    logger.info("Morris screening: %d simulations of %s", len(sampled), model.name)
    frame = simulate_subspace(model, space, to_natural(space, sampled))
    failed = raise_on_failures(frame, failure_policy, "Morris")
    keep = ~failed.reshape(trajectories, d + 1).any(axis=1)
    n_dropped = int((~keep).sum())
    if n_dropped:
        warnings.warn(
            f"{int(failed.sum())} Morris simulations failed; dropped the {n_dropped} "
            f"of {trajectories} trajectories that contain them",
            stacklevel=2,
        )
    if keep.sum() < 2:
        raise InputError("fewer than 2 complete Morris trajectories remain")
    rows_kept = np.repeat(keep, d + 1)
    x_kept = sampled[rows_kept]
    bootstrap_seed = int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1

    rows = []
    for name in readout_names:
        y = frame[name].to_numpy(dtype=float)[rows_kept]
        result = morris_analyze.analyze(
            problem,
            x_kept,
            y,
            num_resamples=num_resamples,
            num_levels=num_levels,
            seed=bootstrap_seed,
        )
        for j, parameter in enumerate(space.names):
            rows.append(
                {
                    "readout": name,
                    "parameter": parameter,
                    "mu": float(result["mu"][j]),
                    "mu_star": float(result["mu_star"][j]),
                    "sigma": float(result["sigma"][j]),
                    "mu_star_conf": float(result["mu_star_conf"][j]),
                }
            )
    table = pd.DataFrame(rows).set_index(["readout", "parameter"])
    return MorrisResult(
        table=table,
        trajectories=int(keep.sum()),
        num_levels=num_levels,
        seed=seed,
        failure_policy=failure_policy,
        n_dropped=n_dropped,
        units={name: model.readout(name).unit for name in readout_names},
    )
