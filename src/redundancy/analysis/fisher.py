"""Sloppiness: the Fisher information of a model's readouts at one parameter set.

The Fisher information for Gaussian readout noise is the Gauss-Newton matrix
F = Jᵀ Σ⁻¹ J, with J the Jacobian of the readouts with respect to the
(log) parameters and Σ = diag(σ²) the readout noise. Its eigenvalues spread
over many decades in "sloppy" models. Large eigenvalues mark stiff parameter
combinations and small ones sloppy combinations.

References:
    Gutenkunst RN, Waterfall JJ, Casey FP, Brown KS, Myers CR, Sethna JP
    (2007). Universally sloppy parameter sensitivities in systems biology
    models. PLoS Computational Biology 3:e189.
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

__all__ = ["FisherInformation", "fisher_information"]

logger = logging.getLogger(__name__)

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


def _resolve_point(model: Model, at: Mapping[str, float] | None) -> np.ndarray:
    values = dict(model.defaults())
    for name, value in dict(at or {}).items():
        model.space[name]  # raises a KeyError naming the known parameters
        values[name] = float(value)
    return np.array([values[name] for name in model.space.names], dtype=float)


def _readout_scale(
    readouts: Sequence[str],
    center: np.ndarray,
    scale: str | float | Mapping[str, float] | Sequence[float],
) -> np.ndarray:
    if isinstance(scale, str):
        if scale == "relative":
            sigma = np.abs(center)
            zero = [name for name, s in zip(readouts, sigma, strict=True) if s == 0]
            if zero:
                raise InputError(
                    f"readout(s) {', '.join(zero)} are 0 at this point, so a noise "
                    "scale relative to the value is undefined; pass readout_scale="
                    "{name: sigma} with a scale in the readout's unit"
                )
            return sigma
        if scale in ("none", "absolute"):
            return np.ones(len(readouts))
        raise InputError(
            f"readout_scale {scale!r} is not valid; use 'relative', 'absolute', a "
            "number or a mapping of readout name to sigma"
        )
    if isinstance(scale, Mapping):
        unknown = [name for name in scale if name not in readouts]
        if unknown:
            raise InputError(
                f"readout_scale names unknown readout(s) {', '.join(unknown)}; "
                f"readouts: {', '.join(readouts)}"
            )
        sigma = np.array([float(scale.get(name, np.nan)) for name in readouts])
        missing = [name for name, s in zip(readouts, sigma, strict=True) if np.isnan(s)]
        if missing:
            raise InputError(
                f"readout_scale is missing readout(s) {', '.join(missing)}"
            )
    else:
        sigma = np.broadcast_to(np.asarray(scale, dtype=float), (len(readouts),))
    if np.any(~np.isfinite(sigma)) or np.any(sigma <= 0):
        raise InputError(f"readout_scale must be positive and finite, got {sigma}")
    return np.array(sigma, dtype=float)


def _simulate_stencil(
    model: Model, points: np.ndarray, labels: list[str], columns: list[int]
) -> np.ndarray:
    frame = model.simulate(points)
    failed = frame["status"].to_numpy() != "ok"
    if failed.any():
        row = int(np.flatnonzero(failed)[0])
        raise InputError(
            f"{int(failed.sum())} of {len(points)} finite-difference simulations "
            f"failed; first at {labels[row]} ({frame['reason'].iloc[row]}). Choose a "
            "point further from the failing region or a smaller step"
        )
    return frame.iloc[:, columns].to_numpy(dtype=float)


def _finite_difference_jacobian(
    model: Model,
    center: np.ndarray,
    indices: list[int],
    log_parameters: bool,
    step: float,
    readout_columns: list[int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return y(center), J(step) and J(2 step) by central differences."""
    space = model.space
    points = [center]
    labels = ["the centre point"]
    widths = []
    for factor in (1.0, 2.0):
        for j in indices:
            name = space.names[j]
            if log_parameters:
                h = factor * step
                values = [center[j] * np.exp(h), center[j] * np.exp(-h)]
            else:
                scale = abs(center[j]) or (space.upper[j] - space.lower[j]) or 1.0
                h = factor * step * scale
                values = [center[j] + h, center[j] - h]
            widths.append(h)
            for sign, value in zip(("+", "-"), values, strict=True):
                point = center.copy()
                point[j] = value
                points.append(point)
                labels.append(f"{name}={value:.6g} ({sign}{factor:g} step)")
    outputs = _simulate_stencil(model, np.array(points), labels, readout_columns)
    center_value = outputs[0]
    d = len(indices)
    jacobians = []
    for block in range(2):
        start = 1 + 2 * d * block
        plus = outputs[start : start + 2 * d : 2]
        minus = outputs[start + 1 : start + 2 * d : 2]
        h = np.array(widths[block * d : (block + 1) * d])
        jacobians.append(((plus - minus) / (2 * h[:, None])).T)
    return center_value, jacobians[0], jacobians[1]


def fisher_information(
    model: Model,
    at: Mapping[str, float] | None = None,
    *,
    parameters: Sequence[str] | None = None,
    readouts: Sequence[str] | None = None,
    log_parameters: bool = True,
    readout_scale: str | float | Mapping[str, float] | Sequence[float] = "relative",
    step: float = 1e-3,
    rank_rtol: float = 1e-10,
    use_model_jacobian: bool = True,
) -> FisherInformation:
    """Compute the Fisher information of the readouts at one parameter set.

    F = Jᵀ Σ⁻¹ J with J = ∂y/∂ln θ (or ∂y/∂θ) and Σ = diag(σ²). J comes from
    ``model.jacobian(values)`` when the model defines it (a (k, d) array of
    ∂y/∂θ in natural units for a (d,) parameter array) and otherwise from
    central differences at step h and 2h. The relative difference between the
    two estimates is reported as ``step_discrepancy`` and a warning is issued
    when it exceeds 1 %.

    Args:
        model: the model.
        at: parameter values by name in their units; missing ones take their
            defaults.
        parameters: the parameters to differentiate (default: all).
        readouts: the readouts to use (default: all).
        log_parameters: differentiate with respect to ln θ, which makes F
            independent of parameter units. Parameters whose value is not
            positive are then left out and listed in ``excluded``.
        readout_scale: σ per readout in the readout's unit: ``"relative"``
            (σ = |y| at the point, so entries measure relative changes),
            ``"absolute"`` (σ = 1), a number for all, or a mapping by name.
        step: finite-difference step, in ln θ for log coordinates and as a
            fraction of |θ| (or of the bound range when θ = 0) otherwise.
        rank_rtol: eigenvalues below ``rank_rtol × λ_max`` count as zero.
        use_model_jacobian: use ``model.jacobian`` when it exists.

    Returns:
        A :class:`FisherInformation`.

    Raises:
        InputError: for unknown names, a simulation that fails at a stencil
            point (the message names the point), or an invalid scale.

    References:
        Gutenkunst RN et al. (2007). PLoS Computational Biology 3:e189.
    """
    if not 0 < step < 1:
        raise InputError(f"step {step} must lie in (0, 1); 1e-3 is a good start")
    center = _resolve_point(model, at)
    names = list(parameters) if parameters is not None else list(model.space.names)
    for name in names:
        model.space[name]
    readout_names = list(readouts) if readouts is not None else model.readout_names
    for name in readout_names:
        model.readout(name)
    excluded: dict[str, str] = {}
    if log_parameters:
        for name in names:
            value = center[model.space.index(name)]
            if value <= 0:
                excluded[name] = (
                    f"value {value:g} is not positive, so ln θ is undefined"
                )
        if excluded:
            warnings.warn(
                "left out of the log-parameter Fisher information: "
                + "; ".join(f"{k}: {v}" for k, v in excluded.items()),
                stacklevel=2,
            )
    names = [name for name in names if name not in excluded]
    if not names:
        raise InputError("no parameter is left to differentiate")
    indices = [model.space.index(name) for name in names]
    columns = [model.readout_names.index(name) for name in readout_names]

    jacobian_method = getattr(model, "jacobian", None)
    if use_model_jacobian and callable(jacobian_method):
        full = np.asarray(jacobian_method(center), dtype=float)
        expected = (len(model.readouts), len(model.space))
        if full.shape != expected:
            raise ValueError(
                f"model {model.name!r} jacobian returned shape {full.shape}, "
                f"expected {expected}"
            )
        jacobian = full[np.ix_(columns, indices)]
        if log_parameters:
            jacobian = jacobian * center[indices]
        center_frame = model.simulate(center[None, :])
        center_value = center_frame.iloc[0, columns].to_numpy(dtype=float)
        method, used_step, discrepancy = "model-jacobian", None, None
    else:
        center_value, jacobian, jacobian_2h = _finite_difference_jacobian(
            model, center, indices, log_parameters, step, columns
        )
        largest = float(np.max(np.abs(jacobian)))
        discrepancy = (
            float(np.max(np.abs(jacobian - jacobian_2h)) / largest) if largest else 0.0
        )
        method, used_step = "central-difference", step
        if discrepancy > 1e-2:
            warnings.warn(
                f"finite-difference Jacobian changes by {discrepancy:.1%} between "
                f"step {step:g} and {2 * step:g}; the readouts may be noisy or "
                "discontinuous here. Try another step or a smoother readout",
                stacklevel=2,
            )

    sigma = _readout_scale(readout_names, center_value, readout_scale)
    scaled = jacobian / sigma[:, None]
    matrix = scaled.T @ scaled
    matrix = (matrix + matrix.T) / 2
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues = eigenvalues[order]
    eigenvectors = eigenvectors[:, order]
    # Fix each eigenvector's sign so its largest component is positive.
    signs = np.sign(
        eigenvectors[np.argmax(np.abs(eigenvectors), axis=0), range(len(order))]
    )
    eigenvectors = eigenvectors * np.where(signs == 0, 1, signs)
    largest = max(float(eigenvalues[0]), 0.0)
    rank = int(np.sum(eigenvalues > rank_rtol * largest)) if largest > 0 else 0
    if rank < len(names):
        logger.info(
            "Fisher information has rank %d of %d: some parameter combinations "
            "have no measurable effect on the readouts",
            rank,
            len(names),
        )
    return FisherInformation(
        parameters=tuple(names),
        readouts=tuple(readout_names),
        at=dict(zip(model.space.names, center.tolist(), strict=True)),
        matrix=matrix,
        jacobian=scaled,
        eigenvalues=eigenvalues,
        eigenvectors=eigenvectors,
        log_parameters=log_parameters,
        readout_scale=dict(zip(readout_names, sigma.tolist(), strict=True)),
        method=method,
        step=used_step,
        step_discrepancy=discrepancy,
        rank=rank,
        rank_rtol=rank_rtol,
        excluded=excluded,
    )
