"""One-at-a-time sensitivity: each parameter changed by ±δ around one circuit.

Every parameter is multiplied by (1 + δ) and (1 − δ) in turn, the others held
fixed, and the relative readout change is reported for both signs. This
follows the ±20 % perturbations of O'Donnell et al. (2017) with the
corrections a reimplementation needs:

- common random numbers: for a stochastic model every perturbation of a
  repeat reuses that repeat's seed, so differences are not sampling noise;
- exact multiplicative changes;
- a noise floor: the standard deviation of the baseline readout over repeats
  with different seeds (0 for a deterministic model), with each sensitivity
  also given relative to it;
- both signs reported, with asymmetric responses flagged.

A model counts as stochastic when it has a method ``with_seed(seed) ->
Model``; repeats of a model without one are identical runs. Interactions
between parameters are not captured; use :func:`~redundancy.analysis.sobol_indices`
for those.

References:
    O'Donnell C, Gonçalves JT, Portera-Cailliau C, Sejnowski TJ (2017).
    Beyond excitation/inhibition imbalance in multidimensional models of
    neural circuit changes in brain disorders. eLife 6:e26724.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redundancy.analysis.results import AnalysisResult, new_axes
from redundancy.errors import InputError
from redundancy.models.base import Model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["OneAtATime", "one_at_a_time"]

logger = logging.getLogger(__name__)

#: |Δ+| and |Δ−| differing by more than this factor, or sharing a sign, count
#: as an asymmetric response.
ASYMMETRY_FACTOR = 2.0


@dataclass(frozen=True)
class OneAtATime(AnalysisResult):
    """One-at-a-time relative readout changes.

    Attributes:
        table: one row per (readout, parameter): ``baseline`` (mean over
            repeats, readout unit), ``change_plus`` and ``change_minus``
            (mean relative change (y − y₀)/|y₀| for +δ and −δ), their SDs
            over repeats, ``elasticity`` ((Δ+ − Δ−)/(2δ)), ``noise_floor``
            (relative SD of the baseline over repeats), ``above_noise``
            (max |Δ| / noise floor; infinite for a deterministic model with a
            change) and ``asymmetric``.
        at: the baseline parameter set.
        delta: relative perturbation δ.
        repeats: number of repeats (seeds).
        stochastic: whether the model had seed control.
        units: unit of each readout.
    """

    kind = "one_at_a_time"

    table: pd.DataFrame = field(repr=False)
    at: dict[str, float]
    delta: float
    repeats: int
    stochastic: bool
    units: dict[str, str]

    def to_frame(self) -> pd.DataFrame:
        """Return the sensitivity table."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return the table and the design."""
        return {
            "kind": self.kind,
            "at": self.at,
            "delta": self.delta,
            "repeats": self.repeats,
            "stochastic": self.stochastic,
            "sensitivities": self.table.reset_index(),
        }

    def plot(self, ax: Axes | None = None, readout: str | None = None) -> Axes:
        """Draw |relative change| per parameter for +δ and −δ on a log axis.

        Parameters are sorted by their larger change. The noise floor is a
        dashed line when it is positive.
        """
        frame = self.table.reset_index()
        readout = readout or str(frame["readout"].iloc[0])
        rows = frame[frame["readout"] == readout].copy()
        rows["largest"] = np.maximum(
            rows["change_plus"].abs(), rows["change_minus"].abs()
        )
        rows = rows.sort_values("largest")
        ax = new_axes(ax, (5.5, max(3.0, 0.35 * len(rows) + 1.5)))
        positions = np.arange(len(rows))
        floor = 1e-12
        plus = np.clip(rows["change_plus"].abs(), floor, None)
        minus = np.clip(rows["change_minus"].abs(), floor, None)
        percent = round(100 * self.delta)
        ax.barh(positions + 0.2, plus, height=0.4, label=f"+{percent} %")
        ax.barh(positions - 0.2, minus, height=0.4, label=f"−{percent} %")
        noise = float(rows["noise_floor"].max())
        if noise > 0:
            ax.axvline(noise, color="black", linestyle="--", label="noise floor")
        ax.set_xscale("log")
        ax.set_yticks(positions, rows["parameter"])
        ax.set_ylabel("parameter")
        ax.set_xlabel(f"|relative change| of {readout} (dimensionless)")
        ax.legend(fontsize=8)
        return ax


def _seeded(model: Model, seed: int) -> Model:
    with_seed = getattr(model, "with_seed", None)
    return with_seed(seed) if callable(with_seed) else model


def one_at_a_time(
    model: Model,
    at: Mapping[str, float] | None = None,
    *,
    delta: float = 0.2,
    parameters: Sequence[str] | None = None,
    readouts: Sequence[str] | None = None,
    repeats: int = 1,
    seed: int = 0,
) -> OneAtATime:
    """Change each parameter by ±δ (relative) and report the readout changes.

    Args:
        model: the model.
        at: baseline parameter values by name; others take their defaults.
        delta: relative perturbation, e.g. 0.2 for ±20 %.
        parameters: parameters to perturb (default: all).
        readouts: readouts to report (default: all, except that readouts
            which are 0 at the baseline are skipped with a logged warning).
        repeats: repeats with different seeds; each repeat uses one seed for
            the baseline and all its perturbations (common random numbers).
        seed: seed from which the repeat seeds are derived.

    Returns:
        A :class:`OneAtATime`.

    Raises:
        InputError: for δ outside (0, 1), unknown names, a baseline that
            fails or a baseline readout of 0 (a relative change is undefined).

    References:
        O'Donnell C et al. (2017). eLife 6:e26724.
    """
    if not 0 < delta < 1:
        raise InputError(f"delta {delta} must lie in (0, 1), e.g. 0.2 for ±20 %")
    if repeats < 1:
        raise InputError(f"repeats must be at least 1, got {repeats}")
    values = dict(model.defaults())
    for name, value in dict(at or {}).items():
        model.space[name]
        values[name] = float(value)
    names = list(parameters) if parameters is not None else list(model.space.names)
    for name in names:
        model.space[name]
    readout_names = list(readouts) if readouts is not None else model.readout_names
    for name in readout_names:
        model.readout(name)
    zero = [name for name in names if values[name] == 0]
    if zero:
        warnings.warn(
            f"parameter(s) {', '.join(zero)} are 0, so a relative change leaves "
            "them unchanged; their sensitivities are 0 by construction",
            stacklevel=2,
        )
    stochastic = callable(getattr(model, "with_seed", None))
    if repeats > 1 and not stochastic:
        logger.info(
            "model %s has no with_seed(); repeats are identical runs", model.name
        )

    base = pd.DataFrame([values])
    design = [base]
    for name in names:
        for factor in (1 + delta, 1 - delta):
            row = base.copy()
            row[name] = values[name] * factor
            design.append(row)
    design_frame = pd.concat(design, ignore_index=True)
    seeds = np.random.SeedSequence(seed).generate_state(repeats)

    outputs = []
    for repeat in range(repeats):
        frame = _seeded(model, int(seeds[repeat])).simulate(design_frame)
        failed = frame["status"].to_numpy() != "ok"
        if failed[0]:
            raise InputError(
                f"the baseline simulation failed ({frame['reason'].iloc[0]}); choose "
                "another baseline (at=...)"
            )
        if failed.any():
            logger.warning(
                "%d of %d perturbed simulations failed; their changes are NaN",
                int(failed.sum()),
                len(frame) - 1,
            )
        outputs.append(frame[readout_names].to_numpy(dtype=float))
    stacked = np.stack(outputs)  # (repeats, 1 + 2p, k)
    baseline = stacked[:, 0, :]
    zero_readouts = [
        r for r, v in zip(readout_names, baseline[0], strict=True) if v == 0
    ]
    if zero_readouts and readouts is None and len(zero_readouts) < len(readout_names):
        logger.warning(
            "skipped readout(s) %s: 0 at the baseline, so a relative change is "
            "undefined",
            ", ".join(zero_readouts),
        )
        keep = [i for i, r in enumerate(readout_names) if r not in zero_readouts]
        readout_names = [readout_names[i] for i in keep]
        stacked, baseline = stacked[:, :, keep], baseline[:, keep]
    elif zero_readouts:
        raise InputError(
            f"readout(s) {', '.join(zero_readouts)} are 0 at the baseline, so a "
            "relative change is undefined; choose another baseline (at=...) or "
            "other readouts (readouts=[...])"
        )
    relative = (stacked[:, 1:, :] - baseline[:, None, :]) / np.abs(baseline[:, None, :])
    plus, minus = relative[:, 0::2, :], relative[:, 1::2, :]
    baseline_mean = baseline.mean(axis=0)
    if repeats > 1:
        noise = baseline.std(axis=0, ddof=1) / np.abs(baseline_mean)
        plus_sd, minus_sd = plus.std(axis=0, ddof=1), minus.std(axis=0, ddof=1)
    else:
        noise = np.zeros(len(readout_names))
        plus_sd = minus_sd = np.full(plus.shape[1:], np.nan)
    plus_mean, minus_mean = plus.mean(axis=0), minus.mean(axis=0)

    rows = []
    for k, readout in enumerate(readout_names):
        for j, parameter in enumerate(names):
            up, down = plus_mean[j, k], minus_mean[j, k]
            largest = max(abs(up), abs(down))
            if noise[k] > 0:
                above_noise = largest / noise[k]
            else:
                above_noise = np.inf if largest > 0 else 0.0
            opposite = np.sign(up) == -np.sign(down) or up == 0 == down
            small, large = sorted((abs(up), abs(down)))
            asymmetric = (not opposite) or large > ASYMMETRY_FACTOR * small
            rows.append(
                {
                    "readout": readout,
                    "parameter": parameter,
                    "baseline": baseline_mean[k],
                    "change_plus": up,
                    "change_minus": down,
                    "change_plus_sd": plus_sd[j, k],
                    "change_minus_sd": minus_sd[j, k],
                    "elasticity": (up - down) / (2 * delta),
                    "noise_floor": noise[k],
                    "above_noise": above_noise,
                    "asymmetric": bool(asymmetric and largest > noise[k]),
                }
            )
    table = pd.DataFrame(rows).set_index(["readout", "parameter"])
    return OneAtATime(
        table=table,
        at=values,
        delta=delta,
        repeats=repeats,
        stochastic=stochastic,
        units={name: model.readout(name).unit for name in readout_names},
    )
