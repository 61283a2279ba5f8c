"""Parameter dependencies in the good set: marginal, partial, conditional correlations.

Within a set of good circuits, parameters that compensate for one another are
correlated (Prinz et al. 2004; Marder & Goaillard 2006). Three coefficients
separate direct from indirect dependencies:

- **marginal** (Pearson, or Spearman on ranks) correlation of each pair over
  the good set;
- **partial** correlation of each pair conditioned on all other parameters,
  from the precision matrix ``P`` of the correlation matrix:
  ``r_ij|rest = -P_ij / sqrt(P_ii P_jj)``;
- **conditional** correlation along a 2-D slice (as
  ``sbi.analysis.conditional_corrcoeff`` does for a posterior density,
  Tejero-Cantero et al. 2020): all other parameters are fixed at a reference
  good point, the pair is swept over a ``resolution`` x ``resolution`` grid
  of cell centres spanning its bounds (in log space for log parameters), and
  the coefficient is the Pearson correlation of the two coordinates over the
  grid points that meet the criterion, each weighted equally. This needs a
  model and a criterion, since it simulates new points.

Log-scale parameters are correlated in log space. Confidence intervals use
the Fisher z transform, ``atanh(r) +- z_(1-alpha/2) / sqrt(n - 3 - k)`` with
``k`` conditioning parameters (0 for marginal, d-2 for partial), and p-values
the t test of ``r`` with ``n - 2 - k`` degrees of freedom (for Spearman an
approximation that holds for large n). P-values are adjusted across the
d(d-1)/2 pairs, separately for marginal and partial coefficients, by
Benjamini-Hochberg (``scipy.stats.false_discovery_control``) or Bonferroni.
The intervals are not adjusted.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.
    Marder E, Goaillard JM (2006). Variability, compensation and homeostasis
    in neuron and network function. Nat Rev Neurosci 7:563-574.
    Fisher RA (1921). On the "probable error" of a coefficient of correlation
    deduced from a small sample. Metron 1:3-32.
    Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate.
    J R Stat Soc B 57:289-300.
    Tejero-Cantero A et al. (2020). sbi: a toolkit for simulation-based
    inference. J Open Source Softw 5:2505.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from redundancy.analysis.dependencies_result import Correlations
from redundancy.analysis.margins import CriterionLike, margin_function
from redundancy.analysis.table_space import resolve_space, within_mask
from redundancy.errors import InputError
from redundancy.models.base import Model
from redundancy.parameters import ParameterSpace
from redundancy.progress import progress_bar

__all__ = ["Correlations", "conditional_correlations", "correlations"]

logger = logging.getLogger(__name__)

#: Good rows clustered by the check for separate islands.
ISLAND_CHECK_POINTS = 2000

Correction = Literal["fdr_bh", "bonferroni", "none"]
CorrelationMethod = Literal["pearson", "spearman"]


def correlations(
    table: pd.DataFrame,
    parameters: ParameterSpace | Sequence[str] | None = None,
    within: np.ndarray | pd.Series | Any | None = None,
    method: CorrelationMethod = "pearson",
    *,
    log_scale: Sequence[str] = (),
    alpha: float = 0.05,
    correction: Correction = "fdr_bh",
    model: Model | None = None,
    criterion: CriterionLike | None = None,
    reference: Mapping[str, float] | None = None,
    resolution: int = 21,
    show_progress: bool | None = None,
    islands_found: int | None = None,
) -> Correlations:
    """Correlate parameters within the good set: marginal, partial and conditional.

    Args:
        table: population table with one column per parameter (natural units).
        parameters: a :class:`~redundancy.ParameterSpace` (its scales decide
            which parameters are correlated in log space), a list of column
            names, or None for every numeric column except ``status``-like
            bookkeeping columns.
        within: boolean mask of the rows to use (e.g. the good set), or a
            :class:`~redundancy.analysis.criteria.GoodSet`; None uses all rows.
        method: ``"pearson"``, or ``"spearman"`` for rank correlations (the
            partial coefficients are then partial rank correlations).
        log_scale: names correlated in log space when ``parameters`` is a
            list of names.
        alpha: significance level for intervals and tests.
        correction: ``"fdr_bh"`` (Benjamini-Hochberg), ``"bonferroni"`` or
            ``"none"``.
        model: model for the conditional correlations; None skips them.
        criterion: criterion of the good set for the conditional correlations.
        reference: the good point at which the other parameters are fixed,
            by name in natural units; default the good row closest to the
            median of the good set (in the unit cube).
        resolution: grid points per axis of each conditional slice; each pair
            costs ``resolution**2`` simulations.
        islands_found: number of islands of the good set, e.g. from
            :func:`~redundancy.analysis.islands.islands`; None runs a quick
            DBSCAN check on a subsample. With two or more islands the result
            carries a warning that pooled correlations can reflect island
            positions (Ester et al. 1996 for DBSCAN).
        show_progress: show a progress bar for the conditional slices.

    Returns:
        A :class:`Correlations` result.

    Raises:
        InputError: for unknown columns, fewer than ``d + 3`` usable rows, an
            unknown method or correction, or a model without a criterion.

    References:
        Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.
        Benjamini Y, Hochberg Y (1995). J R Stat Soc B 57:289-300.
        Ester M, Kriegel HP, Sander J, Xu X (1996). A density-based algorithm
        for discovering clusters in large spatial databases with noise. Proc
        KDD-96, 226-231.
    """
    if method not in ("pearson", "spearman"):
        raise InputError(f"unknown method {method!r}; use 'pearson' or 'spearman'")
    if correction not in ("fdr_bh", "bonferroni", "none"):
        raise InputError(
            f"unknown correction {correction!r}; use 'fdr_bh', 'bonferroni' or 'none'"
        )
    if not 0 < alpha < 1:
        raise InputError(f"alpha must lie between 0 and 1, got {alpha}")
    space = resolve_space(table, parameters, log_scale)
    mask = within_mask(within, len(table))
    values = space.transformed(table, mask)
    d = values.shape[1]
    if d < 2:
        raise InputError(f"correlations need at least 2 parameters, got {space.names}")
    n = values.shape[0]
    if n < d + 3:
        raise InputError(
            f"only {n} usable rows for {d} parameters; correlations need at least "
            f"{d + 3}. Widen the criterion or sample more parameter sets"
        )
    logger.info("correlating %d parameters over %d rows (%s)", d, n, method)
    notes = _island_warnings(values, islands_found)
    if method == "spearman":
        values = stats.rankdata(values, axis=0)
    marginal = _correlation_matrix(values)
    partial = _partial_matrix(marginal)
    conditioning = max(int((np.isfinite(marginal).sum(axis=1) > 1).sum()) - 2, 0)

    rows = []
    iu, ju = np.triu_indices(d, 1)
    for i, j in zip(iu, ju, strict=True):
        row = {"parameter_1": space.names[i], "parameter_2": space.names[j]}
        row.update(_coefficient_stats("", marginal[i, j], n, 0, alpha))
        row.update(
            _coefficient_stats("partial_", partial[i, j], n, conditioning, alpha)
        )
        rows.append(row)
    pairs = pd.DataFrame(rows)
    for prefix in ("", "partial_"):
        adjusted = _adjust(pairs[f"{prefix}p_value"].to_numpy(), correction)
        pairs[f"{prefix}p_adjusted"] = adjusted
        pairs[f"{prefix}significant"] = adjusted < alpha
    order = ["parameter_1", "parameter_2"]
    for prefix in ("", "partial_"):
        order += [f"{prefix}{c}" for c in ("r", "low", "high", "p_value")]
        order += [f"{prefix}p_adjusted", f"{prefix}significant"]
    pairs = pairs[order]

    conditional = None
    reference_values = None
    if model is not None:
        if criterion is None:
            raise InputError(
                "conditional correlations need a criterion as well as a model"
            )
        if reference is None:
            reference = space.central_row(table, mask)
        reference_values = {k: float(v) for k, v in reference.items()}
        conditional = conditional_correlations(
            model,
            criterion,
            reference_values,
            parameters=space.names,
            resolution=resolution,
            show_progress=show_progress,
        )
        pairs["conditional_r"] = conditional[iu, ju]

    return Correlations(
        parameters=tuple(space.names),
        labels=tuple(space.labels),
        log_scale=tuple(bool(v) for v in space.is_log),
        method=method,
        n=int(n),
        alpha=float(alpha),
        correction=correction,
        marginal=marginal,
        partial=partial,
        pairs=pairs,
        conditional=conditional,
        reference=reference_values,
        warnings=tuple(notes),
    )


def conditional_correlations(
    model: Model,
    criterion: CriterionLike,
    reference: Mapping[str, float],
    *,
    parameters: Sequence[str] | None = None,
    resolution: int = 21,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Return the (d, d) matrix of conditional correlations on 2-D slices.

    For each pair, every other model parameter is fixed at ``reference`` and
    the pair is swept over a ``resolution`` x ``resolution`` grid of cell
    centres of its bounds, evenly spaced in the unit cube (log space for log
    parameters). The coefficient is the Pearson correlation of the two unit
    coordinates over the grid points that meet ``criterion``; it is NaN when
    fewer than 3 points do or when one coordinate is constant among them.

    Args:
        model: the model to simulate.
        criterion: the good-set criterion (see :mod:`redundancy.analysis.margins`).
        reference: a good point, parameter values by name in natural units;
            missing parameters take the model's defaults.
        parameters: the parameters to correlate (default all of the model's).
        resolution: grid points per axis, at least 3.
        show_progress: show a progress bar.

    Raises:
        InputError: for an unknown parameter or a resolution below 3.

    References:
        Tejero-Cantero A et al. (2020). J Open Source Softw 5:2505.
    """
    if resolution < 3:
        raise InputError(f"resolution must be at least 3, got {resolution}")
    names = list(parameters) if parameters is not None else model.space.names
    for name in [*names, *reference]:
        if name not in model.space:
            raise InputError(
                f"unknown parameter {name!r} for model {model.name!r}; "
                f"parameters: {', '.join(model.space.names)}"
            )
    base_point = model.space.to_array({k: [v] for k, v in reference.items()})[0]
    base_unit = model.space.to_unit(base_point[None, :])[0]
    margins = margin_function(model, criterion)
    axis = (np.arange(resolution) + 0.5) / resolution
    grid_a, grid_b = (g.ravel() for g in np.meshgrid(axis, axis, indexing="ij"))
    d = len(names)
    matrix = np.eye(d)
    pairs = [(i, j) for i in range(d) for j in range(i + 1, d)]
    with progress_bar(
        len(pairs) * resolution**2, "conditional slices", show_progress=show_progress
    ) as bar:
        for i, j in pairs:
            a, b = model.space.index(names[i]), model.space.index(names[j])
            unit = np.tile(base_unit, (grid_a.size, 1))
            unit[:, a], unit[:, b] = grid_a, grid_b
            good = margins(model.space.from_unit(unit)) >= 0
            matrix[i, j] = matrix[j, i] = _masked_pearson(grid_a, grid_b, good)
            bar.update(grid_a.size)
    return matrix


def _masked_pearson(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    if mask.sum() < 3:
        return float("nan")
    x, y = x[mask], y[mask]
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def _correlation_matrix(values: np.ndarray) -> np.ndarray:
    """Return the Pearson matrix; constant columns give NaN rows and columns."""
    centred = values - values.mean(axis=0)
    covariance = centred.T @ centred
    scale = np.sqrt(np.diag(covariance))
    with np.errstate(divide="ignore", invalid="ignore"):
        matrix = covariance / np.outer(scale, scale)
    matrix = np.clip(matrix, -1.0, 1.0)
    constant = scale <= 1e-12 * np.maximum(1.0, np.abs(values).max(axis=0))
    matrix[constant, :] = np.nan
    matrix[:, constant] = np.nan
    np.fill_diagonal(matrix, 1.0)
    return matrix


def _partial_matrix(marginal: np.ndarray) -> np.ndarray:
    """Return partial correlations from the precision matrix of ``marginal``."""
    d = marginal.shape[0]
    off_diagonal = np.where(np.eye(d, dtype=bool), np.nan, marginal)
    usable = ~np.all(np.isnan(off_diagonal), axis=1)
    partial = np.full((d, d), np.nan)
    sub = marginal[np.ix_(usable, usable)]
    if sub.shape[0] >= 2:
        if np.linalg.cond(sub) > 1e12:
            logger.warning(
                "the correlation matrix is singular (a parameter is an exact linear "
                "combination of others); partial correlations use a pseudo-inverse"
            )
            precision = np.linalg.pinv(sub)
        else:
            precision = np.linalg.inv(sub)
        scale = np.sqrt(np.abs(np.diag(precision)))
        with np.errstate(divide="ignore", invalid="ignore"):
            block = -precision / np.outer(scale, scale)
        partial[np.ix_(usable, usable)] = np.clip(block, -1.0, 1.0)
    np.fill_diagonal(partial, 1.0)
    return partial


def _coefficient_stats(
    prefix: str, r: float, n: int, k: int, alpha: float
) -> dict[str, float]:
    """Return r, its Fisher-z interval and two-sided t-test p-value."""
    df = n - 2 - k
    if not np.isfinite(r) or df < 1:
        nan = float("nan")
        return {f"{prefix}r": nan, f"{prefix}low": nan, f"{prefix}high": nan,
                f"{prefix}p_value": nan}  # fmt: skip
    clipped = float(np.clip(r, -1 + 1e-15, 1 - 1e-15))
    z = np.arctanh(clipped)
    half = stats.norm.ppf(1 - alpha / 2) / np.sqrt(max(n - 3 - k, 1))
    t = clipped * np.sqrt(df / (1 - clipped**2))
    return {
        f"{prefix}r": float(r),
        f"{prefix}low": float(np.tanh(z - half)),
        f"{prefix}high": float(np.tanh(z + half)),
        f"{prefix}p_value": float(2 * stats.t.sf(abs(t), df)),
    }


def _adjust(p_values: np.ndarray, correction: str) -> np.ndarray:
    """Return p-values adjusted for multiple comparisons; NaN stays NaN."""
    adjusted = np.full(p_values.shape, np.nan)
    finite = np.isfinite(p_values)
    if not finite.any() or correction == "none":
        return np.where(finite, p_values, np.nan)
    p = p_values[finite]
    if correction == "bonferroni":
        adjusted[finite] = np.minimum(1.0, p * p.size)
    else:
        adjusted[finite] = stats.false_discovery_control(p, method="bh")
    return adjusted


def _island_warnings(values: np.ndarray, islands_found: int | None) -> list[str]:
    """Return a warning when the good set splits into several islands.

    Correlations pooled across separate islands reflect where the islands lie
    rather than compensation within one of them. Unless ``islands_found``
    gives the count, a DBSCAN check (Ester et al. 1996) runs on at most
    :data:`ISLAND_CHECK_POINTS` rows scaled to their range; clusters holding
    under 5 % of those rows are ignored.
    """
    if islands_found is None:
        islands_found = _quick_island_count(values)
    if islands_found < 2:
        return []
    message = (
        f"the good set splits into {islands_found} islands; correlations pooled "
        "across islands can reflect where the islands lie rather than "
        "compensation. Compute them per island (islands, then one island's rows)"
    )
    logger.warning(message)
    return [message]


def _quick_island_count(values: np.ndarray, min_samples: int = 5) -> int:
    """Count the large DBSCAN clusters in a subsample of ``values`` (n, d)."""
    from scipy.spatial import cKDTree
    from sklearn.cluster import DBSCAN

    if len(values) < 4 * min_samples:
        return 1
    rng = np.random.default_rng(0)
    if len(values) > ISLAND_CHECK_POINTS:
        values = values[rng.choice(len(values), ISLAND_CHECK_POINTS, replace=False)]
    low, high = values.min(axis=0), values.max(axis=0)
    points = (values - low) / np.where(high > low, high - low, 1.0)
    distance = cKDTree(points).query(points, k=min_samples)[0][:, -1]
    radius = 2 * float(np.quantile(distance, 0.95))
    if radius <= 0:
        return 1
    labels = DBSCAN(eps=radius, min_samples=min_samples).fit(points).labels_
    counts = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else []
    return int(np.sum(np.asarray(counts) >= 0.05 * len(points)))
