"""The correlations result: marginal, partial and conditional matrices and pairs.

:class:`Correlations` is returned by
:func:`redundancy.analysis.dependencies.correlations`. It lists every
parameter pair with its coefficients, Fisher-z intervals and adjusted
p-values, picks out the compensation pairs and draws a heatmap.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.
    Marder E, Goaillard JM (2006). Variability, compensation and homeostasis
    in neuron and network function. Nat Rev Neurosci 7:563-574.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redundancy.analysis.results import AnalysisResult, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Correlations"]


@dataclass(frozen=True)
class Correlations(AnalysisResult):
    """Marginal, partial and (optionally) conditional correlations of parameters.

    Attributes:
        parameters: parameter names, in matrix order.
        labels: axis labels with units, e.g. ``g_na (mS/cm^2)``.
        log_scale: whether each parameter was correlated in log space.
        method: ``"pearson"`` or ``"spearman"``.
        n: number of rows correlated (good rows with finite values).
        alpha: significance level of the intervals and tests.
        correction: multiple-comparison correction of the p-values.
        marginal: (d, d) marginal correlation matrix.
        partial: (d, d) partial correlation matrix.
        conditional: (d, d) conditional correlation matrix, or None.
        pairs: one row per pair with coefficients, intervals and p-values.
        reference: the reference point of the conditional correlations.
        warnings: cautions about the result, e.g. a good set split into
            several islands, whose pooled correlations can reflect where the
            islands lie rather than compensation.
    """

    kind = "correlations"

    parameters: tuple[str, ...]
    labels: tuple[str, ...]
    log_scale: tuple[bool, ...]
    method: str
    n: int
    alpha: float
    correction: str
    marginal: np.ndarray = field(repr=False)
    partial: np.ndarray = field(repr=False)
    pairs: pd.DataFrame = field(repr=False)
    conditional: np.ndarray | None = field(default=None, repr=False)
    reference: dict[str, float] | None = None
    warnings: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Return one row per parameter pair."""
        return self.pairs.copy()

    def compensation_pairs(self) -> pd.DataFrame:
        """Return the pairs with a significant partial correlation, strongest first.

        ``kind`` is ``"co-tuned"`` for a positive partial correlation (the two
        parameters rise and fall together, the compensation described by
        Marder & Goaillard 2006) and ``"anti-tuned"`` for a negative one.
        """
        pairs = self.pairs[self.pairs["partial_significant"]].copy()
        pairs["kind"] = np.where(pairs["partial_r"] > 0, "co-tuned", "anti-tuned")
        order = np.argsort(-np.abs(pairs["partial_r"].to_numpy()), kind="stable")
        columns = ["parameter_1", "parameter_2", "partial_r", "partial_low"]
        columns += ["partial_high", "partial_p_adjusted", "r", "kind"]
        return pairs.iloc[order][columns].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """Return the settings, matrices, pairs and compensation pairs."""
        return {
            "kind": self.kind,
            "parameters": list(self.parameters),
            "log_scale": list(self.log_scale),
            "method": self.method,
            "n": self.n,
            "alpha": self.alpha,
            "correction": self.correction,
            "marginal": self.marginal,
            "partial": self.partial,
            "conditional": self.conditional,
            "reference": self.reference,
            "pairs": self.pairs,
            "compensation_pairs": self.compensation_pairs(),
            "warnings": list(self.warnings),
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw a heatmap: marginal r below the diagonal, partial r above it.

        Significant coefficients (after correction) are marked with ``*``.
        """
        d = len(self.parameters)
        ax = new_axes(ax, (1.2 * d + 2.5, 1.0 * d + 1.5))
        upper = np.triu(np.ones((d, d), dtype=bool), 1)
        shown = np.where(upper, self.partial, self.marginal)
        np.fill_diagonal(shown, np.nan)
        image = ax.imshow(shown, cmap="RdBu_r", vmin=-1, vmax=1)
        colorbar = ax.figure.colorbar(image, ax=ax)
        colorbar.set_label("correlation coefficient (1)")
        for row in self.pairs.itertuples():
            i, j = (
                self.parameters.index(row.parameter_1),
                self.parameters.index(row.parameter_2),
            )
            for (y, x), value, significant in (
                ((j, i), row.r, row.significant),
                ((i, j), row.partial_r, row.partial_significant),
            ):
                text = f"{value:.2f}{'*' if significant else ''}"
                ax.text(x, y, text, ha="center", va="center", fontsize=8)
        ax.set_xticks(range(d), self.labels, rotation=45, ha="right")
        ax.set_yticks(range(d), self.labels)
        ax.set_xlabel("parameter (unit); log-scale parameters in log space")
        ax.set_ylabel("parameter (unit)")
        ax.set_title(f"{self.method}: marginal (lower), partial (upper), n={self.n}")
        return ax
