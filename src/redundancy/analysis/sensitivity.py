"""Global sensitivity: Sobol indices over the whole space or within the good set.

Parameters are sampled from independent uniform distributions over their
bounds, in log space for log-scale parameters, so an index measures the
share of readout variance due to ln θ for those parameters.

Sensitivity within the good set. A Saltelli design needs the model output at
every point of a product design, and the good set is not a product set, so a
restricted distribution cannot be sampled with it. With ``within=criterion``
the output analysed is therefore the readout multiplied by the good-set
indicator, y·1[good] (0 outside the good set), and an extra output ``good``,
the indicator itself, is analysed too. Its indices show which parameters decide
membership of the good set, a variance-based form of Monte Carlo filtering
(splitting a sample into behavioural and non-behavioural runs). The indices
of y·1[good] mix how the readout varies inside the set with where the set's
edges lie, and the ``good`` indices separate the second part.

Failed simulations (policy ``failure_policy``):

- ``"raise"`` (default): raise with the count and the first reason;
- ``"drop"``: drop every base sample whose block of d + 2 design rows holds a
  failure. The estimators then run on fewer, still complete, blocks; a
  warning gives the count;
- ``"impute-mean"``: replace failed readouts by the mean over successful rows,
  with a warning giving the count. This biases indices towards zero;
- ``"as-bad"`` (only with ``within``): a failed circuit is outside the good
  set, so its y·1[good] is 0.

References:
    Saltelli A, Annoni P, Azzini I, Campolongo F, Ratto M, Tarantola S (2010).
    Variance based sensitivity analysis of model output. Design and estimator
    for the total sensitivity index. Computer Physics Communications
    181:259-270.
    Sobol IM (2001). Global sensitivity indices for nonlinear mathematical
    models and their Monte Carlo estimates. Mathematics and Computers in
    Simulation 55:271-280.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redundancy.analysis.criteria import CriterionBase, parse_criterion
from redundancy.analysis.results import AnalysisResult, new_axes
from redundancy.analysis.sensitivity_design import (
    FAILURE_POLICIES as FAILURE_POLICIES,  # re-exported for existing imports
)
from redundancy.analysis.sensitivity_design import (
    FailurePolicy,
    check_policy,
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

__all__ = ["FailurePolicy", "SobolIndices", "sobol_indices"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SobolIndices(AnalysisResult):
    """First-order and total Sobol indices with confidence intervals.

    Attributes:
        table: one row per (readout, parameter) with columns ``S1``,
            ``S1_conf``, ``ST``, ``ST_conf`` (half-widths of the
            ``conf_level`` bootstrap interval).
        n: base sample size N; the model ran N·(d + 2) times.
        seed: seed of the sampler and bootstrap.
        within: the good-set criterion, or None for the whole space.
        failure_policy: how failed simulations were handled.
        n_failed: number of failed simulations.
        n_dropped: base samples removed under the ``drop`` policy.
        units: unit of each analysed readout.
        conf_level: confidence level of the intervals.
    """

    kind = "sobol_indices"

    table: pd.DataFrame = field(repr=False)
    n: int
    seed: int | None
    within: CriterionBase | None
    failure_policy: str
    n_failed: int
    n_dropped: int
    units: dict[str, str]
    conf_level: float

    def to_frame(self) -> pd.DataFrame:
        """Return the index table."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Return indices, sample sizes, criterion and failure counts."""
        return {
            "kind": self.kind,
            "n": self.n,
            "seed": self.seed,
            "within": self.within.to_dict() if self.within is not None else None,
            "failure_policy": self.failure_policy,
            "n_failed": self.n_failed,
            "n_dropped": self.n_dropped,
            "conf_level": self.conf_level,
            "indices": self.table.reset_index(),
        }

    def plot(self, ax: Axes | None = None, readout: str | None = None) -> Axes:
        """Draw S1 and ST of one readout as bars with confidence intervals."""
        frame = self.table.reset_index()
        readout = readout or str(frame["readout"].iloc[0])
        rows = frame[frame["readout"] == readout]
        ax = new_axes(ax, (max(4.0, 0.6 * len(rows) + 2), 3.5))
        positions = np.arange(len(rows))
        ax.bar(
            positions - 0.2,
            rows["S1"],
            width=0.4,
            yerr=rows["S1_conf"],
            capsize=3,
            label="first order S1",
        )
        ax.bar(
            positions + 0.2,
            rows["ST"],
            width=0.4,
            yerr=rows["ST_conf"],
            capsize=3,
            label="total ST",
        )
        ax.set_xticks(positions, rows["parameter"], rotation=45, ha="right")
        ax.set_xlabel("parameter")
        ax.set_ylabel("Sobol index\n(variance fraction)")
        region = f" within {self.within.describe()}" if self.within else ""
        ax.set_title(f"{readout}{region}", fontsize=9)
        ax.axhline(0, color="black", linewidth=0.5)
        ax.legend(fontsize=8)
        return ax

    def figure(self) -> Any:
        """Return a figure with one bar panel per readout."""
        import matplotlib.pyplot as plt

        readouts = list(dict.fromkeys(self.table.reset_index()["readout"]))
        figure, axes = plt.subplots(
            len(readouts),
            1,
            figsize=(7, 3.2 * len(readouts)),
            layout="constrained",
            squeeze=False,
        )
        for ax, readout in zip(axes[:, 0], readouts, strict=True):
            self.plot(ax, readout)
        return figure


def _sobol_outputs(
    model: Model,
    frame: pd.DataFrame,
    readouts: list[str],
    within: CriterionBase | None,
    policy: str,
) -> tuple[np.ndarray, list[str], int]:
    """Return the (n, k) outputs to analyse, their names and the failure count."""
    failed = raise_on_failures(frame, policy, "Sobol")
    outputs = frame[readouts].to_numpy(dtype=float)
    names = list(readouts)
    if within is not None:
        from redundancy.analysis.criteria import good_set

        good = good_set(frame, within, readouts=model.readout_names).mask
        outputs = np.where(good[:, None], np.nan_to_num(outputs), 0.0)
        outputs = np.column_stack([outputs, good.astype(float)])
        names = [f"{name}_x_good" for name in readouts] + ["good"]
        if policy == "as-bad":
            failed = np.zeros_like(failed)
    if policy == "impute-mean" and failed.any():
        means = np.nanmean(np.where(failed[:, None], np.nan, outputs), axis=0)
        outputs = np.where(failed[:, None], means, outputs)
        warnings.warn(
            f"{int(failed.sum())} of {len(frame)} Sobol simulations failed; their "
            "readouts were replaced by the mean of the successful runs, which pulls "
            "the indices towards zero",
            stacklevel=3,
        )
    return outputs, names, int(failed.sum()) if policy != "as-bad" else 0


def sobol_indices(
    model: Model,
    space: ParameterSpace | Sequence[str] | None = None,
    *,
    n: int = 1024,
    seed: int | None = 0,
    readouts: Sequence[str] | None = None,
    within: CriterionBase | Mapping[str, Any] | str | None = None,
    failure_policy: FailurePolicy = "raise",
    conf_level: float = 0.95,
    num_resamples: int = 100,
) -> SobolIndices:
    """Estimate first-order and total Sobol indices of the readouts.

    Uses SALib's Sobol-sequence Saltelli design (``SALib.sample.sobol``) with
    N·(d + 2) model runs and ``SALib.analyze.sobol`` (Saltelli et al. 2010
    estimators, bootstrap confidence intervals). The module docstring states
    how ``within`` and ``failure_policy`` work.

    Args:
        model: the model.
        space: parameters to vary: a subspace, a list of names, or None for
            all. Others stay at the model's defaults.
        n: base sample size N; a power of two keeps the Sobol sequence
            balanced, and other values give a warning.
        seed: seed of the scrambled sequence and of the bootstrap.
        readouts: readouts to analyse (default: all).
        within: a criterion; analyse y·1[good] and the indicator ``good``.
        failure_policy: ``"raise"``, ``"drop"``, ``"impute-mean"`` or
            ``"as-bad"`` (with ``within`` only).
        conf_level: confidence level of the bootstrap intervals.
        num_resamples: bootstrap resamples.

    Returns:
        A :class:`SobolIndices`.

    Raises:
        InputError: for failures under ``"raise"``, an unknown policy or names.

    References:
        Saltelli A et al. (2010). Computer Physics Communications 181:259-270.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    check_policy(failure_policy, within)
    if n < 2:
        raise InputError(f"n must be at least 2, got {n}")
    if n & (n - 1):
        above, below = 1 << (n - 1).bit_length(), 1 << (n.bit_length() - 1)
        warnings.warn(
            f"n={n} is not a power of two, so the Sobol sequence loses its balance "
            f"properties; use n={above} or n={below}",
            stacklevel=2,
        )
    criterion = parse_criterion(within) if within is not None else None
    space = resolve_space(model, space)
    readout_names = list(readouts) if readouts is not None else model.readout_names
    for name in readout_names:
        model.readout(name)
    problem = salib_problem(space)
    d = len(space)

    with warnings.catch_warnings():
        # The power-of-two warning above replaces SciPy's.
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        sampled = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    logger.info("Sobol analysis: %d simulations of %s", len(sampled), model.name)
    frame = simulate_subspace(model, space, to_natural(space, sampled))
    outputs, output_names, n_failed = _sobol_outputs(
        model, frame, readout_names, criterion, failure_policy
    )

    n_dropped = 0
    blocks = outputs.reshape(n, d + 2, -1)
    if failure_policy == "drop":
        failed = (frame["status"].to_numpy() != "ok").reshape(n, d + 2)
        keep = ~failed.any(axis=1)
        n_dropped = int((~keep).sum())
        if n_dropped:
            warnings.warn(
                f"{n_failed} Sobol simulations failed; dropped the {n_dropped} of {n} "
                "base samples whose design blocks contain them",
                stacklevel=2,
            )
        if keep.sum() < 2:
            raise InputError("fewer than 2 complete Sobol blocks remain after dropping")
        blocks = blocks[keep]
    n_used = blocks.shape[0]
    # SALib 1.6 falls back to NumPy's global random state for a seed of 0, so
    # the bootstrap gets a non-zero seed derived from ``seed``.
    bootstrap_seed = int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1

    rows = []
    units = {}
    for column, name in enumerate(output_names):
        y = blocks[:, :, column].reshape(-1)
        base = name.removesuffix("_x_good")
        units[name] = model.readout(base).unit if base in model.readout_names else "1"
        if np.ptp(y) == 0:
            logger.warning(
                "readout %s is constant over the sample; indices undefined", name
            )
            s1 = st = s1c = stc = np.full(d, np.nan)
        else:
            result = sobol_analyze.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=bootstrap_seed,
            )
            s1, st = result["S1"], result["ST"]
            s1c, stc = result["S1_conf"], result["ST_conf"]
        for j, parameter in enumerate(space.names):
            rows.append(
                {
                    "readout": name,
                    "parameter": parameter,
                    "S1": s1[j],
                    "S1_conf": s1c[j],
                    "ST": st[j],
                    "ST_conf": stc[j],
                }
            )
    table = pd.DataFrame(rows).set_index(["readout", "parameter"])
    return SobolIndices(
        table=table,
        n=n_used,
        seed=seed,
        within=criterion,
        failure_policy=failure_policy,
        n_failed=n_failed,
        n_dropped=n_dropped,
        units=units,
        conf_level=conf_level,
    )
