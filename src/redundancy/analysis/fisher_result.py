"""The Fisher information result: the matrix, its spectrum and uncertainties.

:class:`FisherInformation` contains the matrix F = Jᵀ Σ⁻¹ J computed by
:func:`redundancy.analysis.fisher.fisher_information`, its eigen-analysis and
the per-parameter uncertainties derived from it, with a spectrum plot.

References:
    Gutenkunst RN, Waterfall JJ, Casey FP, Brown KS, Myers CR, Sethna JP
    (2007). Universally sloppy parameter sensitivities in systems biology
    models. PLoS Computational Biology 3:e189.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redundancy.analysis.results import AnalysisResult, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["SPECTRUM_FLOOR", "FisherInformation"]

#: Normalised eigenvalues below this are clipped in the spectrum plot, following
#: the 10⁻⁶ floor of Gutenkunst et al. (2007), Fig. 1B.
SPECTRUM_FLOOR = 1e-6


@dataclass(frozen=True)
class FisherInformation(AnalysisResult):
    """The Fisher information matrix at one point and its eigen-analysis.

    Attributes:
        parameters: names of the differentiated parameters, in matrix order.
        readouts: names of the readouts used.
        at: the parameter set (all parameters, natural units).
        matrix: F, shape (d, d), in 1/(coordinate unit)² where the coordinate
            is ln θ (log_parameters) or θ in its natural unit.
        jacobian: scaled Jacobian Σ^(-1/2) J, shape (k, d).
        eigenvalues: eigenvalues of F in descending order, shape (d,).
        eigenvectors: matching unit eigenvectors as columns, shape (d, d).
        log_parameters: whether the coordinates are ln θ.
        readout_scale: σ per readout, in the readout's unit.
        method: ``"central-difference"`` or ``"model-jacobian"``.
        step: relative step used for finite differences (None for a model
            Jacobian).
        step_discrepancy: max |J(h) − J(2h)| / max |J(h)|, an estimate of the
            finite-difference error (None for a model Jacobian).
        rank: numerical rank, the number of eigenvalues above
            ``rank_rtol × λ_max``.
        rank_rtol: relative eigenvalue threshold of the rank.
        excluded: parameters left out with the reason (e.g. zero value in log
            coordinates).
    """

    kind = "fisher_information"

    parameters: tuple[str, ...]
    readouts: tuple[str, ...]
    at: dict[str, float]
    matrix: np.ndarray = field(repr=False)
    jacobian: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray = field(repr=False)
    log_parameters: bool
    readout_scale: dict[str, float]
    method: str
    step: float | None
    step_discrepancy: float | None
    rank: int
    rank_rtol: float
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def condition_number(self) -> float:
        """λ_max / λ_min; infinite when the smallest eigenvalue is not positive."""
        smallest = float(self.eigenvalues[-1])
        largest = float(self.eigenvalues[0])
        return largest / smallest if smallest > 0 else float("inf")

    @property
    def rank_deficient(self) -> bool:
        """Whether some parameter combination has no measurable effect."""
        return self.rank < len(self.parameters)

    @property
    def normalised_eigenvalues(self) -> np.ndarray:
        """Eigenvalues divided by the largest (all zero if F is zero)."""
        largest = float(self.eigenvalues[0])
        if largest <= 0:
            return np.zeros_like(self.eigenvalues)
        return self.eigenvalues / largest

    @property
    def individual_uncertainty(self) -> np.ndarray:
        """1/sqrt(F_ii): the uncertainty of each coordinate varied alone."""
        diagonal = np.diag(self.matrix)
        with np.errstate(divide="ignore"):
            return np.where(diagonal > 0, 1 / np.sqrt(np.abs(diagonal)), np.inf)

    @property
    def collective_uncertainty(self) -> np.ndarray:
        """sqrt((F⁺)_ii) with the pseudo-inverse F⁺ at the rank threshold.

        The pseudo-inverse gives the uncertainty within the identifiable
        subspace. A parameter that takes part in a null direction
        (:attr:`null_space_participation` > 0) has an unbounded true
        collective uncertainty, and its entry here is infinite.
        """
        inverse = self._pseudo_inverse()
        values = np.sqrt(np.clip(np.diag(inverse), 0, None))
        return np.where(self.null_space_participation > 1e-8, np.inf, values)

    @property
    def null_space_participation(self) -> np.ndarray:
        """Each parameter's squared weight in the eigenvectors beyond the rank."""
        null_vectors = self.eigenvectors[:, self.rank :]
        return np.sum(null_vectors**2, axis=1)

    @property
    def compensation_ratio(self) -> np.ndarray:
        """sqrt(I_i / P_i) = individual / collective uncertainty, in (0, 1].

        Values well below 1 mean that other parameters can compensate a change
        of this one. A parameter without effect (zero row) counts as 1, and
        one in a null direction as 0.
        """
        individual = self.individual_uncertainty
        collective = self.collective_uncertainty
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = individual / collective
        ratio = np.where(np.isinf(individual), 1.0, ratio)
        return np.where(np.isinf(collective) & np.isfinite(individual), 0.0, ratio)

    def participation(self, direction: int) -> np.ndarray:
        """Return each parameter's squared weight in eigenvector ``direction``.

        Index 0 is the stiffest direction and -1 the sloppiest. The weights
        sum to 1.
        """
        return self.eigenvectors[:, direction] ** 2

    def _pseudo_inverse(self) -> np.ndarray:
        largest = max(float(self.eigenvalues[0]), 0.0)
        keep = self.eigenvalues > self.rank_rtol * largest
        vectors = self.eigenvectors[:, keep]
        return (vectors / self.eigenvalues[keep]) @ vectors.T

    def to_frame(self) -> pd.DataFrame:
        """Return one row per parameter: uncertainties and stiff/sloppy weights."""
        return pd.DataFrame(
            {
                "individual_uncertainty": self.individual_uncertainty,
                "collective_uncertainty": self.collective_uncertainty,
                "compensation_ratio": self.compensation_ratio,
                "stiff_participation": self.participation(0),
                "sloppy_participation": self.participation(-1),
                "null_space_participation": self.null_space_participation,
            },
            index=pd.Index(self.parameters, name="parameter"),
        )

    def eigen_frame(self) -> pd.DataFrame:
        """Return the eigenvectors as columns ``v0`` (stiffest) to ``v{d-1}``."""
        columns = [f"v{i}" for i in range(len(self.parameters))]
        return pd.DataFrame(self.eigenvectors, index=self.parameters, columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """Return the matrix, spectrum, uncertainties and diagnostics."""
        return {
            "kind": self.kind,
            "parameters": list(self.parameters),
            "readouts": list(self.readouts),
            "at": self.at,
            "log_parameters": self.log_parameters,
            "readout_scale": self.readout_scale,
            "method": self.method,
            "step": self.step,
            "step_discrepancy": self.step_discrepancy,
            "matrix": self.matrix,
            "eigenvalues": self.eigenvalues,
            "normalised_eigenvalues": self.normalised_eigenvalues,
            "eigenvectors": self.eigenvectors,
            "rank": self.rank,
            "rank_rtol": self.rank_rtol,
            "rank_deficient": self.rank_deficient,
            "condition_number": self.condition_number,
            "excluded": self.excluded,
            "per_parameter": self.to_frame().reset_index(),
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the normalised spectrum λ_k/λ_max as ticks on a log axis.

        Values below 10⁻⁶ are clipped to 10⁻⁶ and drawn in grey.
        """
        ax = new_axes(ax, (2.6, 4.0))
        values = self.normalised_eigenvalues
        clipped = np.clip(values, SPECTRUM_FLOOR, None)
        for value, original in zip(clipped, values, strict=True):
            color = "black" if original >= SPECTRUM_FLOOR else "0.6"
            ax.hlines(value, 0.1, 0.9, color=color, linewidth=2)
        ax.set_yscale("log")
        ax.set_ylim(SPECTRUM_FLOOR / 2, 2)
        ax.set_xlim(0, 1)
        ax.set_xticks([])
        ax.set_xlabel(f"rank {self.rank} of {len(self.parameters)}")
        ax.set_ylabel("eigenvalue λ / λ_max (dimensionless)")
        coordinate = "log parameters" if self.log_parameters else "parameters"
        ax.set_title(f"Fisher spectrum ({coordinate})", fontsize=9)
        return ax

    def plot_eigenvectors(self, ax: Axes | None = None, count: int = 3) -> Axes:
        """Draw the components of the ``count`` stiffest and the sloppiest vectors."""
        ax = new_axes(ax, (6.0, 3.5))
        d = len(self.parameters)
        chosen = list(range(min(count, d)))
        if d - 1 not in chosen:
            chosen.append(d - 1)
        width = 0.8 / len(chosen)
        positions = np.arange(d)
        for offset, index in enumerate(chosen):
            label = f"v{index} (λ/λ_max = {self.normalised_eigenvalues[index]:.1e})"
            ax.bar(
                positions + offset * width - 0.4 + width / 2,
                self.eigenvectors[:, index],
                width=width,
                label=label,
            )
        ax.set_xticks(positions, self.parameters, rotation=45, ha="right")
        ax.axhline(0, color="black", linewidth=0.5)
        ax.set_xlabel("parameter")
        ax.set_ylabel("eigenvector component (dimensionless)")
        ax.legend(fontsize=7)
        return ax

    def figure(self) -> Any:
        """Return a figure with the spectrum and the eigenvector bars."""
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(
            1, 2, figsize=(9, 4), width_ratios=[1, 3], layout="constrained"
        )
        self.plot(axes[0])
        self.plot_eigenvectors(axes[1])
        return figure
