"""Analytic landscapes: four toy models whose good sets are known by construction.

Mizusaki & O'Donnell (2021) sketch four ways in which many parameter sets can
give the same circuit function: generic redundancy (the function depends on a
combination of parameters, so many combinations give the same output),
sloppiness (stiff and sloppy directions of very different sensitivity),
dependencies (a compensation valley along which two parameters are co-tuned)
and multiple solutions (separate islands of good parameter sets). Each class
below is a closed-form model of one of these forms. Because the good set,
the Fisher information and the island geometry are known exactly, the models
serve as ground truth for the analyses in :mod:`redundancy.analysis`.

Every model has a ``margin`` readout (units ``1``) that is positive inside the
good set and negative outside, so the criterion ``margin >= 0`` selects the
good set and its value is a continuous score for path search.

References:
    Mizusaki BEP, O'Donnell C (2021). Neural circuit function redundancy in
    brain disorders. Curr Opin Neurobiol 70:74-80.
    doi:10.1016/j.conb.2021.07.008
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from redundancy.models.base import Model
from redundancy.parameters import Parameter, ParameterSpace, Readout

__all__ = [
    "DependencyLandscape",
    "IslandsLandscape",
    "RedundancyLandscape",
    "SloppyLandscape",
]

_REVIEW = (
    "Mizusaki BEP, O'Donnell C (2021). Neural circuit function redundancy in "
    "brain disorders. Curr Opin Neurobiol 70:74-80. doi:10.1016/j.conb.2021.07.008",
)
_MARGIN_DESCRIPTION = "positive inside the good set, negative outside"


def _positive(name: str, value: float) -> float:
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value}")
    return value


class RedundancyLandscape(Model):
    """Generic redundancy: the function depends only on a weighted sum.

    The readout is ``output = sum_i w_i x_i`` and the good set is the slab
    ``|output - target| <= tolerance``, a (d-1)-dimensional family of
    equally good parameter sets. The Jacobian is the constant row ``w``, so
    the Fisher information ``J^T J = w w^T`` has one eigenvalue ``|w|^2`` and
    d-1 zero eigenvalues.

    Args:
        n_parameters: number of parameters ``x_1 ... x_d``, each in [0, 1].
        weights: the weights ``w_i`` (default all 1).
        target: target value of ``output``.
        tolerance: half-width of the good slab, in units of ``output``.

    References:
        Mizusaki BEP, O'Donnell C (2021). Curr Opin Neurobiol 70:74-80.
    """

    name = "landscape_redundancy"
    version = "1"
    references = _REVIEW

    def __init__(
        self,
        n_parameters: int = 3,
        weights: Sequence[float] | None = None,
        target: float = 1.0,
        tolerance: float = 0.05,
    ) -> None:
        if int(n_parameters) < 2:
            raise ValueError(f"n_parameters must be at least 2, got {n_parameters}")
        self.n_parameters = int(n_parameters)
        w = (
            np.ones(self.n_parameters)
            if weights is None
            else np.asarray(weights, float)
        )
        if w.shape != (self.n_parameters,) or not np.all(np.isfinite(w)):
            raise ValueError(
                f"weights must be {self.n_parameters} finite numbers, got {weights}"
            )
        self.weights = w
        self.target = float(target)
        self.tolerance = _positive("tolerance", tolerance)
        default = self.target / float(w.sum()) if w.sum() else 0.5
        default = min(max(default, 0.0), 1.0)
        self.space = ParameterSpace(
            Parameter(f"x{i + 1}", "1", 0.0, 1.0, default, description="summed input")
            for i in range(self.n_parameters)
        )
        self.readouts = (
            Readout("output", "1", "weighted sum of the parameters"),
            Readout("margin", "1", _MARGIN_DESCRIPTION),
        )

    def settings(self) -> dict[str, Any]:
        """Return the number of parameters, weights, target and tolerance."""
        return {
            "n_parameters": self.n_parameters,
            "weights": self.weights.tolist(),
            "target": self.target,
            "tolerance": self.tolerance,
        }

    def presets(self) -> dict[str, dict[str, float]]:
        """Return one good parameter set on the target plane."""
        return {"on_target": self.defaults()}

    def fisher_eigenvalues(self) -> np.ndarray:
        """Return the exact eigenvalues of ``J^T J`` for ``output``, descending."""
        eigenvalues = np.zeros(self.n_parameters)
        eigenvalues[0] = float(self.weights @ self.weights)
        return eigenvalues

    def simulate_batch(self, values: np.ndarray) -> np.ndarray:
        """Return ``output`` and ``margin`` for each parameter set."""
        output = values @ self.weights
        margin = self.tolerance - np.abs(output - self.target)
        return np.column_stack([output, margin])


class SloppyLandscape(Model):
    """Sloppiness: stiff and sloppy directions with prescribed eigenvalues.

    The readouts are ``y = diag(sqrt(lambda)) Q^T ln(k)``, linear in the
    log parameters, with ``Q`` a fixed random rotation. The Jacobian with
    respect to ``ln k`` is therefore constant and ``J^T J = Q diag(lambda)
    Q^T``: the Fisher information (unit noise) has exactly the eigenvalues
    ``lambda`` and eigenvectors the columns of ``Q``, at every point. The
    cost is ``0.5 |y|^2`` and the good set is the ellipsoid
    ``cost <= cost_tolerance`` around ``k = 1``, with semi-axis
    ``sqrt(2 cost_tolerance / lambda_i)`` along eigenvector i in ln units.

    Args:
        eigenvalues: the eigenvalues ``lambda`` (default 1, 0.1, 0.01, 0.001).
            Their number sets the number of parameters.
        rotation_seed: seed of the random rotation ``Q``.
        cost_tolerance: the largest cost counted as good.

    References:
        Gutenkunst RN et al. (2007). Universally sloppy parameter
        sensitivities in systems biology models. PLoS Comput Biol 3:e189.
        Mizusaki BEP, O'Donnell C (2021). Curr Opin Neurobiol 70:74-80.
    """

    name = "landscape_sloppy"
    version = "1"
    references = (
        "Gutenkunst RN, Waterfall JJ, Casey FP, Brown KS, Myers CR, Sethna JP "
        "(2007). Universally sloppy parameter sensitivities in systems biology "
        "models. PLoS Comput Biol 3:e189.",
        *_REVIEW,
    )

    def __init__(
        self,
        eigenvalues: Sequence[float] = (1.0, 0.1, 0.01, 0.001),
        rotation_seed: int = 0,
        cost_tolerance: float = 0.5,
    ) -> None:
        lam = np.asarray(eigenvalues, dtype=float)
        if (
            lam.ndim != 1
            or lam.size < 2
            or np.any(~np.isfinite(lam))
            or np.any(lam < 0)
        ):
            raise ValueError(
                "eigenvalues must be at least 2 non-negative numbers, "
                f"got {eigenvalues}"
            )
        self.eigenvalues = np.sort(lam)[::-1]
        self.rotation_seed = int(rotation_seed)
        self.cost_tolerance = _positive("cost_tolerance", cost_tolerance)
        d = lam.size
        q, r = np.linalg.qr(
            np.random.default_rng(self.rotation_seed).normal(size=(d, d))
        )
        # Fix the sign of each column so the rotation is unique for a seed.
        self.eigenvectors = q * np.sign(np.diag(r))
        self._jacobian = np.sqrt(self.eigenvalues)[:, None] * self.eigenvectors.T
        self.space = ParameterSpace(
            Parameter(f"k{i + 1}", "1", 0.1, 10.0, 1.0, "log", "rate factor")
            for i in range(d)
        )
        self.readouts = (
            *(Readout(f"y{i + 1}", "1", f"eigen-direction {i + 1}") for i in range(d)),
            Readout("cost", "1", "0.5 times the squared norm of y"),
            Readout("margin", "1", _MARGIN_DESCRIPTION),
        )

    def settings(self) -> dict[str, Any]:
        """Return the eigenvalues, rotation seed and cost tolerance."""
        return {
            "eigenvalues": self.eigenvalues.tolist(),
            "rotation_seed": self.rotation_seed,
            "cost_tolerance": self.cost_tolerance,
        }

    def presets(self) -> dict[str, dict[str, float]]:
        """Return the minimum of the cost, ``k = 1``."""
        return {"minimum": self.defaults()}

    @property
    def log_jacobian(self) -> np.ndarray:
        """The constant Jacobian of ``y`` with respect to ``ln k``, shape (d, d)."""
        return self._jacobian.copy()

    def jacobian(self, values: np.ndarray) -> np.ndarray:
        """Return the exact ``d readout / d k`` at one parameter set, shape (d + 2, d).

        Rows follow the readouts: ``y``, then ``cost`` and ``margin``.
        """
        k = np.asarray(values, dtype=float)
        dy = self._jacobian / k[None, :]
        y = self._jacobian @ np.log(k)
        dcost = y @ dy
        return np.vstack([dy, dcost, -dcost])

    def simulate_batch(self, values: np.ndarray) -> np.ndarray:
        """Return ``y``, ``cost`` and ``margin`` for each parameter set."""
        y = np.log(values) @ self._jacobian.T
        cost = 0.5 * np.sum(y**2, axis=1)
        return np.column_stack([y, cost, self.cost_tolerance - cost])


class DependencyLandscape(Model):
    """Dependency: a compensation valley in which parameters are co-tuned.

    The readouts are ``log_ratio_ab = ln(a / b)`` and ``log_product_bc =
    ln(b c)``, and a parameter set is good when both lie within
    ``tolerance`` of zero. Inside the good set ``a`` follows ``b``
    (positive compensation: ``ln a`` and ``ln b`` co-tuned) and ``c``
    follows ``1 / b`` (negative compensation), while ``a`` and ``c`` are
    independent once ``b`` is fixed, so their partial correlation is zero.
    ``b`` has narrower bounds than ``a`` and ``c`` so that the valley never
    meets the bounds of ``a`` or ``c``, which would add edge correlations.

    Args:
        tolerance: half-width of the valley in natural-log units.

    References:
        Mizusaki BEP, O'Donnell C (2021). Curr Opin Neurobiol 70:74-80.
        Marder E, Goaillard JM (2006). Variability, compensation and
        homeostasis in neuron and network function. Nat Rev Neurosci
        7:563-574.
    """

    name = "landscape_dependency"
    version = "1"
    references = (
        *_REVIEW,
        "Marder E, Goaillard JM (2006). Variability, compensation and homeostasis "
        "in neuron and network function. Nat Rev Neurosci 7:563-574.",
    )

    def __init__(self, tolerance: float = 0.2) -> None:
        self.tolerance = _positive("tolerance", tolerance)
        self.space = ParameterSpace(
            [
                Parameter("a", "1", 0.1, 10.0, 1.0, "log", "co-tuned with b"),
                Parameter("b", "1", 0.2, 5.0, 1.0, "log", "compensated by a and c"),
                Parameter("c", "1", 0.1, 10.0, 1.0, "log", "co-tuned with 1/b"),
            ]
        )
        self.readouts = (
            Readout("log_ratio_ab", "1", "ln(a / b)"),
            Readout("log_product_bc", "1", "ln(b c)"),
            Readout("margin", "1", _MARGIN_DESCRIPTION),
        )

    def settings(self) -> dict[str, Any]:
        """Return the valley tolerance."""
        return {"tolerance": self.tolerance}

    def presets(self) -> dict[str, dict[str, float]]:
        """Return two good parameter sets at opposite ends of the valley."""
        return {
            "low_b": {"a": 0.3, "b": 0.3, "c": 1 / 0.3},
            "high_b": {"a": 3.0, "b": 3.0, "c": 1 / 3.0},
        }

    def simulate_batch(self, values: np.ndarray) -> np.ndarray:
        """Return both log readouts and ``margin`` for each parameter set."""
        logs = np.log(values)
        ratio = logs[:, 0] - logs[:, 1]
        product = logs[:, 1] + logs[:, 2]
        margin = self.tolerance - np.maximum(np.abs(ratio), np.abs(product))
        return np.column_stack([ratio, product, margin])


class IslandsLandscape(Model):
    """Multiple solutions: separate discs of good parameter sets.

    The good set is the union of discs of ``radius`` around ``centres`` in
    the (x, y) unit square, and ``margin`` is the largest of ``radius -
    distance to centre`` over the discs. With ``bridge=True`` an L-shaped
    corridor of half-width ``bridge_width`` joins the first two centres
    through the corner ``(x_0, y_1)``: the straight segment between the
    centres then still leaves the good set, but a bent path stays inside.
    The readout ``score``, a sum of Gaussians of width ``radius / 2`` at the
    centres, is a smooth fitness whose Hessian trace at an isolated centre
    is ``-2 / (radius / 2)^2``.

    Args:
        centres: island centres as (x, y) pairs in [0, 1].
        radius: disc radius, in the units of x and y.
        bridge: add the corridor between the first two centres.
        bridge_width: corridor half-width.

    References:
        Mizusaki BEP, O'Donnell C (2021). Curr Opin Neurobiol 70:74-80.
    """

    name = "landscape_islands"
    version = "1"
    references = _REVIEW

    def __init__(
        self,
        centres: Sequence[Sequence[float]] = ((0.25, 0.3), (0.75, 0.7)),
        radius: float = 0.12,
        bridge: bool = False,
        bridge_width: float = 0.04,
    ) -> None:
        c = np.asarray(centres, dtype=float)
        if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 1:
            raise ValueError(f"centres must be a list of (x, y) pairs, got {centres}")
        if np.any((c < 0) | (c > 1)):
            raise ValueError(f"centres must lie in the unit square, got {centres}")
        if bridge and c.shape[0] < 2:
            raise ValueError("bridge=True needs at least two centres")
        self.centres = c
        self.radius = _positive("radius", radius)
        self.bridge = bool(bridge)
        self.bridge_width = _positive("bridge_width", bridge_width)
        self.space = ParameterSpace(
            [
                Parameter("x", "1", 0.0, 1.0, float(c[0, 0]), description="first axis"),
                Parameter(
                    "y", "1", 0.0, 1.0, float(c[0, 1]), description="second axis"
                ),
            ]
        )
        self.readouts = (
            Readout("margin", "1", _MARGIN_DESCRIPTION),
            Readout("score", "1", "sum of Gaussian bumps at the island centres"),
        )

    def settings(self) -> dict[str, Any]:
        """Return the centres, radius and corridor settings."""
        return {
            "centres": self.centres.tolist(),
            "radius": self.radius,
            "bridge": self.bridge,
            "bridge_width": self.bridge_width,
        }

    def presets(self) -> dict[str, dict[str, float]]:
        """Return each island centre as ``island_<i>``."""
        return {
            f"island_{i}": {"x": cx, "y": cy} for i, (cx, cy) in enumerate(self.centres)
        }

    @property
    def corner(self) -> np.ndarray:
        """Corner of the L-shaped corridor, ``(x_0, y_1)``."""
        return np.array([self.centres[0, 0], self.centres[1, 1]])

    def simulate_batch(self, values: np.ndarray) -> np.ndarray:
        """Return ``margin`` and ``score`` for each parameter set."""
        offsets = values[:, None, :] - self.centres[None, :, :]
        distance = np.sqrt(np.sum(offsets**2, axis=2))
        margin = np.max(self.radius - distance, axis=1)
        if self.bridge:
            corner = self.corner
            to_corridor = np.minimum(
                _segment_distance(values, self.centres[0], corner),
                _segment_distance(values, corner, self.centres[1]),
            )
            margin = np.maximum(margin, self.bridge_width - to_corridor)
        width = self.radius / 2
        score = np.sum(np.exp(-(distance**2) / (2 * width**2)), axis=1)
        return np.column_stack([margin, score])


def _segment_distance(
    points: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Return the Euclidean distance of each point to the segment start-end."""
    direction = end - start
    length2 = float(direction @ direction)
    t = np.clip((points - start) @ direction / length2, 0.0, 1.0)
    nearest = start + t[:, None] * direction
    return np.sqrt(np.sum((points - nearest) ** 2, axis=1))
