"""Redundancy of a population: how varied the components of good circuits are.

The summary puts each parameter's spread within the good set (its fold range
max/min and coefficient of variation) next to each readout's spread, and
finds the most dissimilar pair of parameter sets whose readouts nearly agree.
That pair is the central observation of Prinz et al. (2004): network
activity that is almost the same from conductances that differ several-fold.

The pair search. Readouts are scaled by the magnitude of their median in the
good set, and two circuits count as near-identical when every scaled readout
differs by at most ``tolerance`` (a Chebyshev ball). A KD-tree over the
scaled readouts returns, for each anchor circuit, its ``neighbours`` nearest
near-identical circuits. The pair with the largest Euclidean distance in
normalised parameter space (the unit cube, log parameters in log space)
among these candidates is reported. Cost is O(a·m·log n) for a anchors, m
neighbours and n good circuits instead of O(n²). The search is exact only
when every anchor has at most m near-identical neighbours, so on dense
populations the reported distance is a lower bound of the true maximum.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nature Neuroscience 7:1345-1352.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from redundancy.analysis.criteria import CriterionBase, GoodSet, good_set
from redundancy.analysis.results import AnalysisResult, new_axes
from redundancy.errors import InputError
from redundancy.models.base import Model, Trace
from redundancy.parameters import ParameterSpace

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["DissimilarPair", "RedundancySummary", "redundancy_summary"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DissimilarPair:
    """Two good circuits with near-identical readouts and distant parameters.

    Attributes:
        rows: the two rows' index labels in the population table.
        parameters: parameter values of each circuit, natural units.
        readouts: readout values of each circuit, readout units.
        distance: Euclidean distance in the normalised parameter space
            (unit cube; log parameters in log space); at most sqrt(d).
        readout_difference: max over readouts of the scaled difference.
        fold_change: per parameter, max/min of the two values (positive
            parameters only; NaN otherwise).
    """

    rows: tuple[Any, Any]
    parameters: tuple[dict[str, float], dict[str, float]]
    readouts: tuple[dict[str, float], dict[str, float]]
    distance: float
    readout_difference: float
    fold_change: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Return the pair as JSON-ready data."""
        return {
            "rows": list(self.rows),
            "parameters": list(self.parameters),
            "readouts": list(self.readouts),
            "distance": self.distance,
            "readout_difference": self.readout_difference,
            "fold_change": self.fold_change,
        }


@dataclass(frozen=True)
class RedundancySummary(AnalysisResult):
    """Spread of parameters and readouts within the good set.

    Attributes:
        good: the good set.
        parameter_stats: one row per parameter: ``min``, ``max``, ``fold_range``
            (max/min, positive parameters), ``cv`` (SD/|mean|) and ``unit``.
        readout_stats: one row per readout: ``min``, ``max``, ``cv``, ``unit``.
        heterogeneity_ratio: mean parameter CV divided by mean readout CV;
            values ≫ 1 mean the components vary far more than the function.
        pair: the most dissimilar near-identical pair, or None when the good
            set has fewer than two circuits or none are within tolerance.
        tolerance: relative readout tolerance of the pair search.
        anchors: number of anchor circuits searched.
        traces: time series of the pair where the model provides them.
    """

    kind = "redundancy_summary"

    good: GoodSet
    parameter_stats: pd.DataFrame = field(repr=False)
    readout_stats: pd.DataFrame = field(repr=False)
    heterogeneity_ratio: float
    pair: DissimilarPair | None
    tolerance: float
    anchors: int
    traces: tuple[Trace, Trace] | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Return parameter and readout statistics in one table."""
        parameters = self.parameter_stats.assign(role="parameter")
        readouts = self.readout_stats.assign(role="readout")
        return pd.concat([parameters, readouts])

    def to_dict(self) -> dict[str, Any]:
        """Return the good-set counts, statistics, ratio and pair."""
        return {
            "kind": self.kind,
            "good_set": self.good.to_dict(),
            "parameters": self.parameter_stats.reset_index(),
            "readouts": self.readout_stats.reset_index(),
            "heterogeneity_ratio": self.heterogeneity_ratio,
            "tolerance": self.tolerance,
            "anchors": self.anchors,
            "most_dissimilar_pair": self.pair.to_dict() if self.pair else None,
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the coefficient of variation of each parameter and readout."""
        frame = self.to_frame()
        ax = new_axes(ax, (max(5.0, 0.45 * len(frame) + 2), 3.5))
        colors = ["tab:blue" if r == "parameter" else "tab:orange" for r in frame.role]
        ax.bar(range(len(frame)), frame["cv"], color=colors)
        ax.set_xticks(range(len(frame)), frame.index, rotation=45, ha="right")
        ax.set_xlabel("parameter (blue) or readout (orange)")
        ax.set_ylabel("CV within good set (SD/|mean|, dimensionless)")
        ax.set_title(
            f"good set {self.good.size} of {self.good.n_total}; "
            f"component/function CV ratio {self.heterogeneity_ratio:.3g}",
            fontsize=9,
        )
        return ax

    def plot_pair(self, ax: Axes | None = None) -> Axes:
        """Draw the two circuits' parameters as fractions of their ranges."""
        ax = new_axes(ax)
        if self.pair is None:
            ax.text(0.5, 0.5, "no near-identical pair", ha="center")
            return ax
        names = list(self.parameter_stats.index)
        for k, (values, label) in enumerate(
            zip(self.pair.parameters, ("circuit A", "circuit B"), strict=True)
        ):
            ax.bar(
                np.arange(len(names)) + (k - 0.5) * 0.4,
                [values[n] / self.parameter_stats.loc[n, "max"] for n in names],
                width=0.4,
                label=f"{label} (row {self.pair.rows[k]})",
            )
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
        ax.set_xlabel("parameter")
        ax.set_ylabel("value / good-set max (dimensionless)")
        ax.set_title(
            f"most dissimilar pair: distance {self.pair.distance:.3g}, "
            f"readouts within {self.pair.readout_difference:.2%}",
            fontsize=9,
        )
        ax.legend(fontsize=8)
        return ax

    def figure(self) -> Any:
        """Return a figure with CVs, the pair's parameters and their traces."""
        import matplotlib.pyplot as plt

        panels = 3 if self.traces else 2
        figure, axes = plt.subplots(
            1, panels, figsize=(5 * panels, 4), layout="constrained"
        )
        self.plot(axes[0])
        self.plot_pair(axes[1])
        if self.traces:
            ax = axes[2]
            for trace, label in zip(self.traces, ("A", "B"), strict=True):
                name = next(iter(trace.series))
                ax.plot(trace.time_ms, trace.series[name], label=f"circuit {label}")
            ax.set_xlabel("time (ms)")
            unit = self.traces[0].units.get(name, "1")
            ax.set_ylabel(f"{name} ({unit})")
            ax.legend(fontsize=8)
        return figure


def _coefficient_of_variation(values: np.ndarray) -> np.ndarray:
    """Return SD/|mean| per column; NaN for columns with no finite value."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    counts = finite.sum(axis=0)
    total = np.where(finite, values, 0.0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(counts > 0, total / counts, np.nan)
        squares = np.where(finite, (values - mean) ** 2, 0.0).sum(axis=0)
        spread = np.where(
            counts > 1, np.sqrt(squares / (counts - 1)), np.where(counts, 0.0, np.nan)
        )
        return np.where(mean != 0, spread / np.abs(mean), np.nan)


def _find_pair(
    unit_parameters: np.ndarray,
    scaled_readouts: np.ndarray,
    tolerance: float,
    anchors: np.ndarray,
    neighbours: int,
) -> tuple[int, int, float] | None:
    """Return (i, j, distance) of the farthest near-identical pair found."""
    tree = cKDTree(scaled_readouts)
    k = min(neighbours + 1, len(scaled_readouts))
    best: tuple[int, int, float] | None = None
    for start in range(0, len(anchors), 20_000):
        chunk = anchors[start : start + 20_000]
        distances, indices = tree.query(
            scaled_readouts[chunk], k=k, p=np.inf, distance_upper_bound=tolerance
        )
        distances = distances.reshape(len(chunk), -1)
        indices = indices.reshape(len(chunk), -1)
        valid = np.isfinite(distances)
        safe = np.where(valid, indices, 0)
        difference = unit_parameters[safe] - unit_parameters[chunk][:, None, :]
        parameter_distance = np.where(valid, np.linalg.norm(difference, axis=2), -1.0)
        flat = int(np.argmax(parameter_distance))
        row, column = divmod(flat, parameter_distance.shape[1])
        value = float(parameter_distance[row, column])
        if value > 0 and (best is None or value > best[2]):
            best = (int(chunk[row]), int(indices[row, column]), value)
    return best


def redundancy_summary(
    table: pd.DataFrame,
    model: Model | ParameterSpace,
    criterion: CriterionBase | Mapping[str, Any] | str,
    *,
    readouts: Sequence[str] | None = None,
    tolerance: float = 0.02,
    max_anchors: int = 200_000,
    neighbours: int = 32,
    seed: int = 0,
    with_traces: bool = True,
) -> RedundancySummary:
    """Summarise the redundancy of the good set of a population table.

    Args:
        table: population table with parameter and readout columns.
        model: the model (gives the space, readout units and traces) or just
            a :class:`~redundancy.ParameterSpace`.
        criterion: the circuit-function criterion.
        readouts: readouts that define "near-identical function" and whose
            CVs are reported (default: the model's readouts in the table, or
            every non-parameter column).
        tolerance: maximum difference of each readout, as a fraction of the
            magnitude of its good-set median, for a near-identical pair.
        max_anchors: anchors of the pair search; a seeded random subset of
            the good set when it is larger.
        neighbours: near-identical neighbours examined per anchor.
        seed: seed of the anchor subsample.
        with_traces: simulate the pair's time series when the model has them.

    Returns:
        A :class:`RedundancySummary`.

    Raises:
        InputError: if parameter columns are missing from the table.

    References:
        Prinz AA, Bucher D, Marder E (2004). Nature Neuroscience 7:1345-1352.
    """
    space = model if isinstance(model, ParameterSpace) else model.space
    missing = [name for name in space.names if name not in table.columns]
    if missing:
        raise InputError(
            f"the table lacks parameter column(s) {', '.join(missing)}; it needs one "
            "column per parameter of the space"
        )
    if readouts is None and isinstance(model, Model):
        readouts = [name for name in model.readout_names if name in table.columns]
    good = good_set(table, criterion, readouts=readouts, parameters=space.names)
    readout_names = (
        list(readouts)
        if readouts is not None
        else [
            c
            for c in good.rows.columns
            if c not in space.names
            and c not in ("status", "reason")
            and pd.api.types.is_numeric_dtype(good.rows[c])
        ]
    )

    parameters = good.rows[space.names].to_numpy(dtype=float)
    values = good.rows[readout_names].to_numpy(dtype=float)
    lowest, highest = (
        parameters.min(axis=0, initial=np.inf),
        parameters.max(axis=0, initial=-np.inf),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        fold = np.where(lowest > 0, highest / lowest, np.nan)
    parameter_cv = _coefficient_of_variation(parameters)
    parameter_stats = pd.DataFrame(
        {
            "min": lowest,
            "max": highest,
            "fold_range": fold,
            "cv": parameter_cv,
            "unit": space.units,
        },
        index=pd.Index(space.names, name="name"),
    )
    readout_cv = _coefficient_of_variation(values)
    units = [
        model.readout(n).unit
        if isinstance(model, Model) and n in model.readout_names
        else "1"
        for n in readout_names
    ]
    readout_stats = pd.DataFrame(
        {
            "min": values.min(axis=0, initial=np.inf),
            "max": values.max(axis=0, initial=-np.inf),
            "cv": readout_cv,
            "unit": units,
        },
        index=pd.Index(readout_names, name="name"),
    )
    mean_readout_cv = (
        np.nanmean(readout_cv) if np.isfinite(readout_cv).any() else np.nan
    )
    mean_parameter_cv = (
        np.nanmean(parameter_cv) if np.isfinite(parameter_cv).any() else np.nan
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(mean_parameter_cv / mean_readout_cv)

    pair = None
    n_anchors = 0
    finite = np.all(np.isfinite(values), axis=1)
    if finite.sum() >= 2:
        rows_index = np.flatnonzero(finite)
        unit_parameters = space.to_unit(parameters[rows_index])
        median = np.median(values[rows_index], axis=0)
        magnitude = np.where(np.abs(median) > 0, np.abs(median), 1.0)
        scaled = values[rows_index] / magnitude
        rng = np.random.default_rng(seed)
        anchors = np.arange(len(rows_index))
        if len(anchors) > max_anchors:
            anchors = np.sort(rng.choice(anchors, size=max_anchors, replace=False))
            logger.info(
                "pair search uses %d of %d good circuits as anchors",
                max_anchors,
                len(rows_index),
            )
        n_anchors = len(anchors)
        found = _find_pair(unit_parameters, scaled, tolerance, anchors, neighbours)
        if found is not None:
            i, j, distance = found
            pair = _make_pair(
                good.rows,
                space,
                readout_names,
                rows_index[[i, j]],
                distance,
                float(np.max(np.abs(scaled[i] - scaled[j]))),
            )
    traces = None
    if pair is not None and with_traces and isinstance(model, Model):
        try:
            traces = (model.trace(pair.parameters[0]), model.trace(pair.parameters[1]))
        except NotImplementedError:
            traces = None
    return RedundancySummary(
        good=good,
        parameter_stats=parameter_stats,
        readout_stats=readout_stats,
        heterogeneity_ratio=ratio,
        pair=pair,
        tolerance=tolerance,
        anchors=n_anchors,
        traces=traces,
    )


def _make_pair(
    rows: pd.DataFrame,
    space: ParameterSpace,
    readout_names: list[str],
    positions: np.ndarray,
    distance: float,
    readout_difference: float,
) -> DissimilarPair:
    first, second = rows.iloc[int(positions[0])], rows.iloc[int(positions[1])]
    parameters = tuple(
        {name: float(row[name]) for name in space.names} for row in (first, second)
    )
    fold = {}
    for name in space.names:
        a, b = parameters[0][name], parameters[1][name]
        fold[name] = max(a, b) / min(a, b) if min(a, b) > 0 else float("nan")
    return DissimilarPair(
        rows=(rows.index[int(positions[0])], rows.index[int(positions[1])]),
        parameters=parameters,  # type: ignore[arg-type]
        readouts=tuple(  # type: ignore[arg-type]
            {name: float(row[name]) for name in readout_names}
            for row in (first, second)
        ),
        distance=distance,
        readout_difference=readout_difference,
        fold_change=fold,
    )
