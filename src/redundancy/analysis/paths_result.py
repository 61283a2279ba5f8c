"""Results of path searches in the good set: one connection and island connectivity.

:class:`Connection` is returned by :func:`redundancy.analysis.paths.connect`
and :class:`IslandConnectivity` by
:func:`redundancy.analysis.paths.connect_islands`.

References:
    Garipov T, Izmailov P, Podoprikhin D, Vetrov D, Wilson AG (2018). Loss
    surfaces, mode connectivity, and fast ensembling of DNNs. NeurIPS 31.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from redundancy.analysis.results import AnalysisResult, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["Connection", "IslandConnectivity"]


@dataclass(frozen=True)
class Connection(AnalysisResult):
    """Whether a path within the good set links two parameter sets.

    Attributes:
        parameters: parameter names.
        connected: True if the returned path stays in the good set.
        method: ``"straight"``, ``"optimised"``, ``"graph"`` (the best path
            found, connected or not) or ``"endpoint not good"``.
        waypoints: path corners including both ends, (m, d), natural units.
        path_points: the path sampled at ``resolution`` points, natural units.
        path_margin: criterion margin at each path point.
        worst_margin: smallest margin along the path.
        straight_margin: margin along the straight segment.
        straight_worst_margin: smallest margin along the straight segment.
        n_simulations: simulations run.
    """

    kind = "connection"

    parameters: tuple[str, ...]
    connected: bool
    method: str
    waypoints: np.ndarray = field(repr=False)
    path_points: np.ndarray = field(repr=False)
    path_margin: np.ndarray = field(repr=False)
    worst_margin: float
    straight_margin: np.ndarray = field(repr=False)
    straight_worst_margin: float
    n_simulations: int

    @property
    def fraction(self) -> np.ndarray:
        """Arc-length position of each path point, 0 at ``a`` and 1 at ``b``."""
        return np.linspace(0.0, 1.0, len(self.path_margin))

    def to_frame(self) -> pd.DataFrame:
        """Return one row per path point: position, parameters and margins."""
        frame = pd.DataFrame(self.path_points, columns=list(self.parameters))
        frame.insert(0, "fraction", self.fraction)
        frame["margin"] = self.path_margin
        frame["straight_margin"] = self.straight_margin
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict, worst margins and waypoints."""
        return {
            "kind": self.kind,
            "parameters": list(self.parameters),
            "connected": self.connected,
            "method": self.method,
            "worst_margin": self.worst_margin,
            "straight_worst_margin": self.straight_worst_margin,
            "straight_connected": self.straight_worst_margin >= 0
            and self.method != "endpoint not good",
            "waypoints": self.waypoints,
            "n_simulations": self.n_simulations,
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the margin along the straight segment and along the path."""
        ax = new_axes(ax)
        ax.plot(
            self.fraction, self.straight_margin, "--", color="0.5", label="straight"
        )
        ax.plot(self.fraction, self.path_margin, color="tab:blue", label=self.method)
        ax.axhline(0.0, color="tab:red", lw=0.8, label="good-set boundary")
        ax.set_xlabel("position along path (fraction of arc length, 1)")
        ax.set_ylabel("criterion margin (criterion's unit; > 0 is good)")
        verdict = "connected" if self.connected else "not connected"
        ax.set_title(f"{verdict}; worst margin {self.worst_margin:.3g}")
        ax.legend(fontsize=8)
        return ax


@dataclass(frozen=True)
class IslandConnectivity(AnalysisResult):
    """Pairwise connections between islands and the verdict they imply.

    Attributes:
        parameters: parameter names.
        centres: the connected points, (n, d), natural units.
        connected: (n, n) boolean matrix, True where a good path was found.
        worst_margin: (n, n) worst margin of the best path of each pair.
        components: island indices grouped by connected component.
        verdict: ``"connected set"`` if all islands form one component,
            else ``"separate islands"``.
        connections: the :class:`Connection` of each pair (i < j).
    """

    kind = "island_connectivity"

    parameters: tuple[str, ...]
    centres: np.ndarray = field(repr=False)
    connected: np.ndarray
    worst_margin: np.ndarray = field(repr=False)
    components: tuple[tuple[int, ...], ...]
    verdict: str
    connections: dict[tuple[int, int], Connection] = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per pair of islands."""
        rows = [
            {"island_1": i, "island_2": j, "connected": c.connected, "method": c.method,
             "worst_margin": c.worst_margin,
             "straight_worst_margin": c.straight_worst_margin}
            for (i, j), c in sorted(self.connections.items())
        ]  # fmt: skip
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict, matrices, components and pairs."""
        return {
            "kind": self.kind,
            "parameters": list(self.parameters),
            "verdict": self.verdict,
            "centres": self.centres,
            "connected": self.connected,
            "worst_margin": self.worst_margin,
            "components": [list(c) for c in self.components],
            "pairs": self.to_frame(),
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the connectivity matrix, annotated with each pair's worst margin."""
        n = len(self.centres)
        ax = new_axes(ax, (1.0 * n + 2.5, 1.0 * n + 1.5))
        ax.imshow(self.connected.astype(float), cmap="Greens", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                if i != j:
                    ax.text(j, i, f"{self.worst_margin[i, j]:.2g}", ha="center",
                            va="center", fontsize=8)  # fmt: skip
        ax.set_xticks(range(n))
        ax.set_yticks(range(n))
        ax.set_xlabel("island (index)")
        ax.set_ylabel("island (index)")
        ax.set_title(
            f"{self.verdict}\ngreen: connected; text: worst margin", fontsize=9
        )
        return ax
