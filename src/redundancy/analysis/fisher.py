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

import numpy as np

from redundancy.analysis.fisher_result import FisherInformation
from redundancy.errors import InputError
from redundancy.models.base import Model

__all__ = ["FisherInformation", "fisher_information"]

logger = logging.getLogger(__name__)


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
                    "scale relative to the value is undefined; choose other readouts "
                    "(readouts=[...]) or give readout_scale={name: sigma} with a "
                    "scale in the readout's unit"
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


def _nonzero_readouts(
    readouts: Sequence[str], center: np.ndarray, scale: str
) -> list[int]:
    """Return the indices of readouts usable under ``scale``, warning of the rest.

    Under the relative scale a readout that is 0 at the point has no noise
    scale. When the readouts were not chosen explicitly such readouts are
    skipped with a logged warning, unless every readout is 0.
    """
    keep = list(range(len(readouts)))
    if scale != "relative":
        return keep
    zero = [i for i in keep if center[i] == 0]
    if zero and len(zero) < len(readouts):
        logger.warning(
            "skipped readout(s) %s: 0 at this point, so a relative noise scale is "
            "undefined; choose readouts explicitly or give an absolute scale",
            ", ".join(readouts[i] for i in zero),
        )
        keep = [i for i in keep if i not in zero]
    return keep


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
        block_widths = np.array(widths[block * d : (block + 1) * d])
        jacobians.append(((plus - minus) / (2 * block_widths[:, None])).T)
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
        readouts: the readouts to use (default: all, except that readouts
            which are 0 at the point are skipped with a logged warning under
            the relative scale).
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

    if readouts is None and isinstance(readout_scale, str):
        keep = _nonzero_readouts(readout_names, center_value, readout_scale)
        readout_names = [readout_names[i] for i in keep]
        center_value, jacobian = center_value[keep], jacobian[keep]
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
