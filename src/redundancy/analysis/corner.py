"""Corner plot of the good set: pairwise scatter plots and per-parameter histograms.

The standard picture of a population of good models (Prinz et al. 2004; the
``pairplot`` of sbi, Tejero-Cantero et al. 2020): histograms on the diagonal,
scatter plots of every pair below it, and reference parameter sets (wild
type, published models) marked on every panel. Log-scale parameters get log
axes, and every axis carries the parameter's unit.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.
    Tejero-Cantero A et al. (2020). sbi: a toolkit for simulation-based
    inference. J Open Source Softw 5:2505.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from redundancy.analysis.table_space import resolve_space, within_mask
from redundancy.errors import InputError
from redundancy.parameters import ParameterSpace

__all__ = ["corner_plot"]


def corner_plot(
    table: pd.DataFrame,
    parameters: ParameterSpace | Sequence[str] | None = None,
    within: Any = None,
    *,
    references: Mapping[str, Mapping[str, float]] | None = None,
    log_scale: Sequence[str] = (),
    max_points: int = 5_000,
    seed: int = 0,
    bins: int = 30,
) -> Any:
    """Draw a corner plot of the selected rows and return the Matplotlib figure.

    Args:
        table: population table with parameter columns, natural units.
        parameters: a parameter space, a list of column names or None for all
            numeric columns.
        within: boolean mask of rows to draw (e.g. the good set) or a
            :class:`~redundancy.analysis.criteria.GoodSet`; None draws all.
        references: named parameter sets marked on every panel, e.g.
            ``{"wild type": {"g_e_scale": 1.0, "g_i_scale": 1.0}}``.
        log_scale: names drawn on log axes when ``parameters`` is a list.
        max_points: most rows drawn in the scatter panels (a random subset);
            the histograms use every selected row.
        seed: seed of the scatter subset.
        bins: histogram bins (log-spaced for log parameters).

    Returns:
        A :class:`matplotlib.figure.Figure`.

    Raises:
        InputError: for unknown columns, a bad mask or a reference naming an
            unknown parameter.
    """
    import matplotlib.pyplot as plt

    space = resolve_space(table, parameters, log_scale)
    mask = within_mask(within, len(table))
    values = space.natural(table, mask)
    values = values[np.all(np.isfinite(values), axis=1)]
    references = dict(references or {})
    for name, point in references.items():
        unknown = [p for p in point if p not in space.names]
        if unknown:
            raise InputError(
                f"reference {name!r} names unknown parameter(s) {', '.join(unknown)}; "
                f"parameters: {', '.join(space.names)}"
            )
    shown = values
    if len(values) > max_points:
        rows = np.random.default_rng(seed).choice(
            len(values), max_points, replace=False
        )
        shown = values[np.sort(rows)]

    d = len(space.names)
    size = max(2.0, min(2.5, 14.0 / d))
    figure, axes = plt.subplots(d, d, figsize=(size * d, size * d), squeeze=False,
                                layout="constrained")  # fmt: skip
    labels = [
        name if unit == "1" else f"{name} ({unit})"
        for name, unit in zip(space.names, space.units, strict=True)
    ]
    markers = ["*", "D", "s", "^", "v", "P"]
    for i in range(d):
        for j in range(d):
            ax = axes[i, j]
            if j > i:
                ax.set_axis_off()
                continue
            if space.is_log[j]:
                ax.set_xscale("log")
            if i == j:
                edges = _bins(values[:, j], bool(space.is_log[j]), bins)
                ax.hist(values[:, j], bins=edges, color="tab:blue", alpha=0.8)
                ax.set_ylabel("count (parameter sets)" if j == 0 else "")
            else:
                if space.is_log[i]:
                    ax.set_yscale("log")
                ax.scatter(shown[:, j], shown[:, i], s=2, alpha=0.4, color="tab:blue")
            for (name, point), marker in zip(
                references.items(), markers * d, strict=False
            ):
                px = point.get(space.names[j])
                py = point.get(space.names[i])
                if i == j and px is not None:
                    ax.axvline(px, color="tab:red", lw=1)
                elif px is not None and py is not None:
                    ax.plot(px, py, marker, color="tab:red", markersize=8,
                            markeredgecolor="k", label=name)  # fmt: skip
            if i == d - 1:
                ax.set_xlabel(labels[j])
            if j == 0 and i > 0:
                ax.set_ylabel(labels[i])
            if i == j and i > 0:
                ax.set_ylabel("count (parameter sets)")
    if references and d > 1:
        axes[1, 0].legend(fontsize=7, loc="best")
    figure.suptitle(f"good set: {len(values)} parameter sets")
    return figure


def _bins(column: np.ndarray, log: bool, count: int) -> np.ndarray | int:
    if len(column) == 0 or np.ptp(column) == 0:
        return count
    if log:
        return np.geomspace(column.min(), column.max(), count + 1)
    return np.linspace(column.min(), column.max(), count + 1)
