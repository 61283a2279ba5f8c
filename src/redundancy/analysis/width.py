"""Width of an island: how far a good solution can be pushed and stay good.

Two measures at a point (usually an island centroid):

- the **fraction of random perturbations of a given size that stay good**:
  ``n_samples`` perturbations of Euclidean length exactly ``radius`` in
  uniformly random directions, in the unit cube of the parameter space (log
  parameters in log space) or in natural-log units of every parameter. A
  flat minimum in the sense of Hochreiter & Schmidhuber (1997) keeps this
  fraction near 1 up to large radii. Perturbed points are not clipped to the
  parameter bounds;
- the **Hessian trace** of a continuous score at the point, by central
  finite differences ``sum_i (f(x + h e_i) - 2 f(x) + f(x - h e_i)) / h^2``
  in the same coordinates. A large negative trace marks a sharp peak of the
  score, a trace near 0 a flat one (Keskar et al. 2017 use the related
  sharpness).

References:
    Hochreiter S, Schmidhuber J (1997). Flat minima. Neural Comput 9:1-42.
    Keskar NS, Mudigere D, Nocedal J, Smelyanskiy M, Tang PTP (2017). On
    large-batch training for deep learning: generalization gap and sharp
    minima. ICLR.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from redundancy.analysis.expressions import evaluate_expression
from redundancy.analysis.margins import CriterionLike, margin_function
from redundancy.analysis.paths import PointLike, _as_point
from redundancy.analysis.results import AnalysisResult, new_axes
from redundancy.errors import InputError
from redundancy.models.base import Model

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["IslandWidth", "island_width"]


@dataclass(frozen=True)
class IslandWidth(AnalysisResult):
    """Robustness of a good point to perturbations, and the curvature of a score.

    Attributes:
        centre: the point, by parameter name, natural units.
        units: ``"unit"`` (unit cube) or ``"log"`` (natural log of each value).
        radius: perturbation length, in ``units``.
        n_samples: number of perturbations.
        fraction_good: fraction of perturbed points that stay good.
        standard_error: binomial standard error of ``fraction_good``.
        score: name of the score whose Hessian trace was taken.
        hessian_trace: trace of the score's Hessian, score units per
            ``units`` squared.
        step: finite-difference step, in ``units``.
        margins: criterion margin of each perturbed point.
    """

    kind = "island_width"

    centre: dict[str, float]
    units: str
    radius: float
    n_samples: int
    fraction_good: float
    standard_error: float
    score: str
    hessian_trace: float
    step: float
    margins: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Return one row with the width measures."""
        return pd.DataFrame(
            [{k: v for k, v in self.to_dict().items() if k != "centre"}]
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the point, settings and width measures."""
        return {
            "kind": self.kind,
            "centre": dict(self.centre),
            "units": self.units,
            "radius": self.radius,
            "n_samples": self.n_samples,
            "fraction_good": self.fraction_good,
            "standard_error": self.standard_error,
            "score": self.score,
            "hessian_trace": self.hessian_trace,
            "step": self.step,
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw a histogram of the criterion margin of the perturbed points."""
        ax = new_axes(ax)
        ax.hist(self.margins, bins=30, color="tab:blue")
        ax.axvline(0.0, color="tab:red", lw=0.8, label="good-set boundary")
        ax.set_xlabel("criterion margin after perturbation (criterion's unit)")
        ax.set_ylabel("perturbations (count)")
        ax.set_title(
            f"radius {self.radius:g} ({self.units}): "
            f"{100 * self.fraction_good:.1f}% good"
        )
        ax.legend(fontsize=8)
        return ax


def island_width(
    model: Model,
    centre: PointLike,
    criterion: CriterionLike,
    *,
    radius: float = 0.05,
    n_samples: int = 500,
    units: Literal["unit", "log"] = "unit",
    score: str | Callable[[pd.DataFrame], np.ndarray] | None = None,
    step: float = 0.01,
    seed: int = 0,
) -> IslandWidth:
    """Measure the width of the good set around ``centre``.

    Args:
        model: the model to simulate.
        centre: the point: values by name, a (d,) array in natural units or an
            :class:`~redundancy.analysis.islands.Island` (its centroid).
        criterion: the good-set criterion.
        radius: perturbation length, in ``units``.
        n_samples: number of random perturbations.
        units: ``"unit"`` for the unit cube of the parameter space (log
            parameters in log space), ``"log"`` for the natural log of every
            parameter (all values must be positive).
        score: readout name, expression over readouts, or function of the
            readout table whose Hessian trace is taken; default the
            criterion margin.
        step: finite-difference step, in ``units``.
        seed: seed of the perturbation directions.

    Returns:
        An :class:`IslandWidth`.

    Raises:
        InputError: for a non-positive radius, step or sample count, unknown
            units, or non-positive values with ``units="log"``.

    References:
        Hochreiter S, Schmidhuber J (1997). Neural Comput 9:1-42.
    """
    if radius <= 0 or step <= 0 or n_samples < 1:
        raise InputError(
            f"radius ({radius}), step ({step}) and n_samples ({n_samples}) must be "
            "positive"
        )
    if units not in ("unit", "log"):
        raise InputError(f"unknown units {units!r}; use 'unit' or 'log'")
    space = model.space
    point = _as_point(model, centre)
    if units == "log" and np.any(point <= 0):
        raise InputError(
            "units='log' needs positive parameter values; use units='unit' instead"
        )
    to_natural: Callable[[np.ndarray], np.ndarray]
    if units == "unit":
        origin = space.to_unit(point[None, :])[0]
        to_natural = space.from_unit
    else:
        origin = np.log(point)
        to_natural = np.exp
    d = origin.size

    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(n_samples, d))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    margins = margin_function(model, criterion)(
        to_natural(origin + radius * directions)
    )
    fraction = float(np.mean(margins >= 0))

    offsets = np.vstack([np.zeros(d), step * np.eye(d), -step * np.eye(d)])
    frame = model.simulate(to_natural(origin + offsets))
    if score is None:
        values = margin_function(model, criterion)(to_natural(origin + offsets))
        score_name = "criterion margin"
    elif callable(score):
        values = np.asarray(score(frame), dtype=float)
        score_name = getattr(score, "__name__", "score")
    else:
        values = np.asarray(
            evaluate_expression(score, frame, model.readout_names), dtype=float
        )
        score_name = score
    centre_value, plus, minus = values[0], values[1 : d + 1], values[d + 1 :]
    trace = float(np.sum(plus - 2 * centre_value + minus) / step**2)
    return IslandWidth(
        centre=dict(zip(space.names, point.tolist(), strict=True)),
        units=units,
        radius=float(radius),
        n_samples=int(n_samples),
        fraction_good=fraction,
        standard_error=float(np.sqrt(fraction * (1 - fraction) / n_samples)),
        score=score_name,
        hessian_trace=trace,
        step=float(step),
        margins=margins,
    )
