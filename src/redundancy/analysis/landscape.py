"""Two-parameter landscapes: a readout mapped over a grid, with its iso-readout contours.

A landscape answers the E/I question of Antoine et al. (2019) in two
dimensions: which combinations of two components give the same function as
the wild type. The contour of the readout through the reference (wild-type)
point is the set of functionally equivalent states; a group's signed distance
from it measures how far its function has moved.

References:
    Mizusaki BEP, O'Donnell C (2021). Neural circuit function redundancy in
    brain disorders. Curr Opin Neurobiol 70:74-80, Fig. 2.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import contourpy
import numpy as np
import pandas as pd

from redundancy.models.base import Model
from redundancy.parameters import Parameter, Readout
from redundancy.progress import progress_bar

__all__ = ["Landscape", "map_landscape"]

logger = logging.getLogger(__name__)

# Grid rows simulated per batch; bounds memory and gives the progress bar steps.
_ROWS_PER_BATCH = 8192


@dataclass(frozen=True)
class Landscape:
    """A readout on a regular grid over two parameters.

    Attributes:
        x: parameter on the horizontal axis.
        y: parameter on the vertical axis.
        readout: the mapped readout.
        x_values: grid values of ``x``, shape (nx,), in ``x.unit``.
        y_values: grid values of ``y``, shape (ny,), in ``y.unit``.
        values: readout values, shape (ny, nx); NaN where a simulation failed.
        fixed: values of all other parameters, by name.
        reference: the reference point, ``{x.name: ..., y.name: ...}``.
        reference_value: the readout at the reference point.
        n_failed: number of grid points whose simulation failed.
    """

    x: Parameter
    y: Parameter
    readout: Readout
    x_values: np.ndarray
    y_values: np.ndarray
    values: np.ndarray
    fixed: dict[str, float]
    reference: dict[str, float]
    reference_value: float
    n_failed: int = 0
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    reference_readouts: dict[str, float] = field(default_factory=dict)

    def contour(
        self, level: float | None = None, name: str | None = None
    ) -> list[np.ndarray]:
        """Return the iso-lines at ``level`` as a list of (m, 2) arrays of (x, y).

        Args:
            level: readout value of the contour; the reference value by default.
            name: another readout mapped on the same grid (see ``extra``).
        """
        grid = self.values if name is None else self.extra[name]
        if level is None:
            level = self.reference_value if name is None else self.reference_extra(name)
        finite = np.where(np.isfinite(grid), grid, np.nan)
        generator = contourpy.contour_generator(
            self.x_values, self.y_values, np.ma.masked_invalid(finite)
        )
        return [np.asarray(line) for line in generator.lines(level) if len(line) > 1]

    def reference_extra(self, name: str) -> float:
        """Return another mapped readout at the reference point."""
        return self.reference_readouts[name]

    def value_at(self, point: Mapping[str, float]) -> float:
        """Return the readout at ``point`` by bilinear interpolation on the grid."""
        return float(self._interpolate(self.values, point))

    def _interpolate(self, grid: np.ndarray, point: Mapping[str, float]) -> float:
        from scipy.interpolate import RegularGridInterpolator

        interpolator = RegularGridInterpolator(
            (self.y_values, self.x_values), grid, bounds_error=False, fill_value=np.nan
        )
        return float(interpolator([[point[self.y.name], point[self.x.name]]])[0])

    def nearest_on_contour(
        self,
        point: Mapping[str, float],
        level: float | None = None,
        *,
        normalise: bool = True,
    ) -> tuple[np.ndarray | None, float]:
        """Return the contour point nearest ``point`` and the Euclidean distance.

        With ``normalise`` the distance is measured in axis units divided by
        each axis's span, so parameters with different units count equally.
        Without it the distance is in the axes' own units, which needs both
        axes in the same unit. Only the part of the contour inside the grid is searched.
        Returns ``(None, nan)`` when the contour does not cross the grid.
        """
        lines = self.contour(level)
        if not lines:
            return None, float("nan")
        span = (
            np.array([np.ptp(self.x_values) or 1.0, np.ptp(self.y_values) or 1.0])
            if normalise
            else np.ones(2)
        )
        target = np.array([point[self.x.name], point[self.y.name]])
        vertices = np.vstack(lines)
        distances = np.linalg.norm((vertices - target) / span, axis=1)
        best = int(np.argmin(distances))
        return vertices[best], float(distances[best])

    def to_frame(self) -> pd.DataFrame:
        """Return the grid as a long table with one row per point."""
        xx, yy = np.meshgrid(self.x_values, self.y_values)
        frame = pd.DataFrame(
            {
                self.x.name: xx.ravel(),
                self.y.name: yy.ravel(),
                self.readout.name: self.values.ravel(),
            }
        )
        for name, grid in self.extra.items():
            frame[name] = grid.ravel()
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Return the grid's definition and reference, without the values."""
        return {
            "x": self.x.to_dict(),
            "y": self.y.to_dict(),
            "readout": self.readout.to_dict(),
            "x_range": [float(self.x_values[0]), float(self.x_values[-1])],
            "y_range": [float(self.y_values[0]), float(self.y_values[-1])],
            "points": [len(self.x_values), len(self.y_values)],
            "fixed": self.fixed,
            "reference": self.reference,
            "reference_value": self.reference_value,
            "n_failed": self.n_failed,
        }

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the landscape's filled contours and the reference contour."""
        from redundancy.report.figures import plot_landscape

        return plot_landscape(self, ax=ax, **kwargs)


def _grid_values(
    parameter: Parameter, bounds: tuple[float, float], points: int
) -> np.ndarray:
    low, high = bounds
    if parameter.scale == "log":
        if low <= 0:
            raise ValueError(
                f"{parameter.name} is a log-scale parameter; its range needs a positive "
                f"lower end, got {low}"
            )
        return np.geomspace(low, high, points)
    return np.linspace(low, high, points)


def map_landscape(
    model: Model,
    x: str,
    y: str,
    *,
    readout: str,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    points: int | tuple[int, int] = 101,
    fixed: Mapping[str, float] | None = None,
    reference: Mapping[str, float] | None = None,
    extra_readouts: tuple[str, ...] = (),
    show_progress: bool | None = None,
) -> Landscape:
    """Simulate ``model`` on a grid over parameters ``x`` and ``y``.

    Args:
        model: any model; every grid point is one row of a batch simulation.
        x: parameter on the horizontal axis.
        y: parameter on the vertical axis.
        readout: readout to map.
        x_range: (low, high) in the parameter's unit; its bounds by default.
        y_range: (low, high) in the parameter's unit; its bounds by default.
        points: grid points per axis, or (nx, ny). Log parameters are spaced
            geometrically.
        fixed: values of other parameters; their defaults otherwise.
        reference: the reference point on the two axes; the defaults otherwise.
        extra_readouts: other readouts to keep on the same grid (``extra``).
        show_progress: show a progress bar; None uses the process default.

    Raises:
        KeyError: for an unknown parameter or readout.
        ValueError: for a range outside the parameters' bounds or too few points.
    """
    if x == y:
        raise ValueError(f"x and y must be different parameters, both are {x!r}")
    px, py = model.space[x], model.space[y]
    mapped = model.readout(readout)
    for name in extra_readouts:
        model.readout(name)
    nx, ny = (points, points) if isinstance(points, int) else points
    if nx < 3 or ny < 3:
        raise ValueError(
            f"a landscape needs at least 3 points per axis, got {nx} x {ny}"
        )
    x_bounds = (
        (float(x_range[0]), float(x_range[1]))
        if x_range is not None
        else (px.lower, px.upper)
    )
    y_bounds = (
        (float(y_range[0]), float(y_range[1]))
        if y_range is not None
        else (py.lower, py.upper)
    )
    for parameter, (low, high) in ((px, x_bounds), (py, y_bounds)):
        if not (parameter.lower <= low < high <= parameter.upper):
            raise ValueError(
                f"range [{low}, {high}] of {parameter.name} must be increasing and lie "
                f"within its bounds [{parameter.lower}, {parameter.upper}] {parameter.unit}"
            )

    x_values = _grid_values(px, x_bounds, nx)
    y_values = _grid_values(py, y_bounds, ny)
    fixed_values = {**model.defaults(), **dict(fixed or {})}
    for name in fixed or {}:
        model.space[name]
    fixed_values.pop(x)
    fixed_values.pop(y)

    xx, yy = np.meshgrid(x_values, y_values)
    table = pd.DataFrame({x: xx.ravel(), y: yy.ravel()})
    for name, value in fixed_values.items():
        table[name] = value
    columns = [readout, *extra_readouts]
    results = np.full((len(table), len(columns)), np.nan)
    failed = 0
    logger.info("mapping %s over %s x %s (%d x %d points)", readout, x, y, nx, ny)
    with progress_bar(len(table), "landscape", show_progress=show_progress) as bar:
        for start in range(0, len(table), _ROWS_PER_BATCH):
            chunk = table.iloc[start : start + _ROWS_PER_BATCH]
            frame = model.simulate(chunk)
            ok = frame["status"].to_numpy() != "failed"
            failed += int((~ok).sum())
            block = frame[columns].to_numpy(dtype=float)
            block[~ok] = np.nan
            results[start : start + len(chunk)] = block
            bar.update(len(chunk))
    if failed:
        logger.warning("%d of %d landscape points failed", failed, len(table))

    reference_point = {x: model.defaults()[x], y: model.defaults()[y]}
    reference_point.update(
        {k: v for k, v in dict(reference or {}).items() if k in (x, y)}
    )
    reference_row = pd.DataFrame([{**fixed_values, **reference_point}])
    reference_frame = model.simulate(reference_row)
    if reference_frame["status"].iloc[0] == "failed":
        raise ValueError(
            f"the reference point {reference_point} failed to simulate: "
            f"{reference_frame['reason'].iloc[0]}"
        )
    grids = results.reshape(ny, nx, len(columns))
    return Landscape(
        x=px,
        y=py,
        readout=mapped,
        x_values=x_values,
        y_values=y_values,
        values=grids[:, :, 0],
        fixed=fixed_values,
        reference=reference_point,
        reference_value=float(reference_frame[readout].iloc[0]),
        n_failed=failed,
        extra={name: grids[:, :, i + 1] for i, name in enumerate(extra_readouts)},
        reference_readouts={
            name: float(reference_frame[name].iloc[0]) for name in columns
        },
    )
