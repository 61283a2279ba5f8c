"""Islands of the good set as a result: one record per island and a scatter plot.

:class:`Islands` is returned by :func:`redundancy.analysis.islands.islands`.
Each :class:`Island` reports its size (good rows), the fraction of good rows
in it, its centroid (geometric mean for log parameters) and its bounding box,
in natural units.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redundancy.analysis.results import AnalysisResult, new_axes
from redundancy.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Island", "Islands"]


@dataclass(frozen=True)
class Island:
    """One island of the good set.

    Attributes:
        label: island number, 0 for the largest.
        size: number of good rows in the island.
        fraction: ``size`` divided by the number of good rows.
        centroid: centre by parameter name, natural units (geometric mean for
            log parameters).
        lower: smallest value of each parameter in the island.
        upper: largest value of each parameter in the island.
    """

    label: int
    size: int
    fraction: float
    centroid: dict[str, float]
    lower: dict[str, float]
    upper: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """Return the island as a JSON-serialisable dict."""
        return {
            "label": self.label,
            "size": self.size,
            "fraction": self.fraction,
            "centroid": dict(self.centroid),
            "lower": dict(self.lower),
            "upper": dict(self.upper),
        }


@dataclass(frozen=True)
class Islands(AnalysisResult):
    """Islands of the good set found in a population table.

    Attributes:
        parameters: analysed parameter names.
        units: their units.
        log_scale: whether each parameter was analysed in log space.
        method: ``"grid"``, ``"dbscan"`` or ``"hdbscan"``.
        islands: the islands, largest first.
        n_rows: rows in the table.
        n_good: good rows.
        n_noise: good rows in no island (always 0 for the grid method unless
            ``min_size`` drops small islands).
        settings: the method's settings (connectivity, eps, min_samples...).
        labels: island label of every row of the table, -1 for rows that are
            not good or in no island.
        sample: up to 5,000 good rows (natural units) with a ``label`` column,
            for plotting.
    """

    kind = "islands"

    parameters: tuple[str, ...]
    units: tuple[str, ...]
    log_scale: tuple[bool, ...]
    method: str
    islands: tuple[Island, ...]
    n_rows: int
    n_good: int
    n_noise: int
    settings: dict[str, Any]
    labels: np.ndarray = field(repr=False)
    sample: pd.DataFrame = field(repr=False)

    @property
    def count(self) -> int:
        """Number of islands."""
        return len(self.islands)

    def centroids(self) -> np.ndarray:
        """Return the island centroids as an (islands, d) array, natural units."""
        return np.array(
            [
                [island.centroid[name] for name in self.parameters]
                for island in self.islands
            ]
        ).reshape(self.count, len(self.parameters))

    def to_frame(self) -> pd.DataFrame:
        """Return one row per island: size, fraction, centroid and bounding box."""
        rows = []
        for island in self.islands:
            row: dict[str, Any] = {
                "island": island.label,
                "size": island.size,
                "fraction": island.fraction,
            }
            for prefix, values in (
                ("centroid", island.centroid),
                ("lower", island.lower),
                ("upper", island.upper),
            ):
                row.update(
                    {f"{prefix}_{name}": values[name] for name in self.parameters}
                )
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Return the counts, settings and islands (not the per-row labels)."""
        return {
            "kind": self.kind,
            "method": self.method,
            "parameters": list(self.parameters),
            "units": list(self.units),
            "log_scale": list(self.log_scale),
            "count": self.count,
            "n_rows": self.n_rows,
            "n_good": self.n_good,
            "n_noise": self.n_noise,
            "settings": dict(self.settings),
            "islands": [island.to_dict() for island in self.islands],
        }

    def plot(
        self, ax: Axes | None = None, x: str | None = None, y: str | None = None
    ) -> Axes:
        """Scatter good rows over two parameters, coloured by island.

        Args:
            ax: axes to draw on (a new figure if None).
            x: parameter on the horizontal axis (default the first).
            y: parameter on the vertical axis (default the second, or the
                first again when there is only one).
        """
        ax = new_axes(ax, (5.5, 4.5))
        x = x or self.parameters[0]
        y = y or self.parameters[min(1, len(self.parameters) - 1)]
        for name in (x, y):
            if name not in self.parameters:
                raise InputError(
                    f"unknown parameter {name!r}; islands were found over "
                    f"{', '.join(self.parameters)}"
                )
        noise = self.sample["label"].to_numpy() < 0
        if noise.any():
            ax.scatter(self.sample[x][noise], self.sample[y][noise], s=3, c="0.7",
                       label="noise")  # fmt: skip
        for island in self.islands:
            rows = self.sample["label"].to_numpy() == island.label
            points = ax.scatter(
                self.sample[x][rows], self.sample[y][rows], s=3,
                label=f"island {island.label} ({island.size})",
            )  # fmt: skip
            colour = points.get_facecolor()[0]
            ax.plot(island.centroid[x], island.centroid[y], "kx", markersize=9)
            x0, x1 = island.lower[x], island.upper[x]
            y0, y1 = island.lower[y], island.upper[y]
            ax.plot([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0], color=colour, lw=1)
        for name, setter in ((x, ax.set_xscale), (y, ax.set_yscale)):
            if self.log_scale[self.parameters.index(name)]:
                setter("log")
        ax.set_xlabel(_label(x, self.units[self.parameters.index(x)]))
        ax.set_ylabel(_label(y, self.units[self.parameters.index(y)]))
        ax.set_title(f"{self.count} island(s), {self.method}; x = centroid")
        if self.islands or noise.any():
            ax.legend(fontsize=7, markerscale=3)
        return ax


def _label(name: str, unit: str) -> str:
    return name if unit == "1" else f"{name} ({unit})"
