"""Figures of the E/I redundancy map: the contour map and the trace comparison.

Both follow the layout of Mizusaki & O'Donnell (2021, Curr Opin Neurobiol
70:74, Fig. 2): panel (a-b) style conductance and voltage traces, and a panel
(c) style map of the readout over the inhibitory and excitatory scales with
the wild-type contour, the iso-ratio line and each group's position.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from redundancy.analysis.landscape import Landscape
    from redundancy.cohorts.placement import GroupPlacement
    from redundancy.models.base import Trace

__all__ = [
    "plot_ei_map",
    "plot_holding_scan",
    "plot_landscape",
    "plot_trace_comparison",
    "save_figure",
]

_GROUP_COLOURS = ("#222222", "#c0392b", "#2471a3", "#7d3c98", "#d68910", "#138d75")


def save_figure(figure: Any, stem: Path) -> list[Path]:
    """Save ``figure`` as ``stem.png`` and ``stem.svg`` and close it."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix in (".png", ".svg"):
        path = stem.with_suffix(suffix)
        figure.savefig(path, dpi=150, bbox_inches="tight")
        paths.append(path)
    plt.close(figure)
    return paths


def plot_landscape(
    landscape: Landscape, ax: Any = None, *, levels: int = 12, colorbar: bool = True
) -> Any:
    """Draw filled readout contours, labelled iso-lines and the reference contour."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4.8))
    values = np.ma.masked_invalid(landscape.values)
    filled = ax.contourf(
        landscape.x_values, landscape.y_values, values, levels=levels, cmap="viridis"
    )
    lines = ax.contour(
        landscape.x_values,
        landscape.y_values,
        values,
        levels=filled.levels,
        colors="white",
        linewidths=0.4,
        alpha=0.7,
    )
    ax.clabel(lines, fmt="%.2g", fontsize=6, colors="white")
    for i, line in enumerate(landscape.contour()):
        ax.plot(
            line[:, 0],
            line[:, 1],
            color="black",
            linewidth=2.0,
            label=f"iso-{landscape.readout.name} (WT)" if i == 0 else None,
        )
    ref = landscape.reference
    ax.plot(
        ref[landscape.x.name],
        ref[landscape.y.name],
        "o",
        markersize=11,
        markerfacecolor="none",
        markeredgecolor="black",
        markeredgewidth=2,
        label="wild type",
    )
    ax.set_xlabel(landscape.x.label())
    ax.set_ylabel(landscape.y.label())
    ax.set_xlim(landscape.x_values[0], landscape.x_values[-1])
    ax.set_ylim(landscape.y_values[0], landscape.y_values[-1])
    if colorbar:
        ax.figure.colorbar(filled, ax=ax, label=landscape.readout.label())
    return ax


def plot_ei_map(
    landscape: Landscape,
    placement: GroupPlacement | None = None,
    *,
    ratio_readout: str | None = "ei_ratio",
    title: str | None = None,
) -> Any:
    """Return the contour map with the iso-ratio line and each group's marker.

    Each group is drawn at its measured scales, with an open marker and a
    dotted link at its ratio-preserving counterpart (same excitation,
    inhibition scaled to keep the wild-type E/I ratio).
    """
    figure, ax = plt.subplots(figsize=(6.2, 5.2))
    plot_landscape(landscape, ax=ax)
    if ratio_readout and ratio_readout in landscape.extra:
        for i, line in enumerate(landscape.contour(name=ratio_readout)):
            ax.plot(
                line[:, 0],
                line[:, 1],
                color="#f39c12",
                linestyle="--",
                linewidth=1.8,
                label="iso-E/I ratio (WT)" if i == 0 else None,
            )
    if placement is not None:
        table = placement.table
        for i, row in enumerate(table.to_dict(orient="records")):
            if row["genotype"] == placement.reference_group:
                continue
            colour = _GROUP_COLOURS[i % len(_GROUP_COLOURS)]
            x, y = float(row["g_i_scale"]), float(row["g_e_scale"])
            ax.plot(
                x,
                y,
                "s",
                color=colour,
                markersize=9,
                markeredgecolor="white",
                label=f"{row['genotype']} (measured)",
            )
            x_ratio = float(row["ratio_preserving_g_i_scale"])
            ax.plot(
                x_ratio,
                y,
                "s",
                markersize=9,
                markerfacecolor="none",
                markeredgecolor=colour,
                markeredgewidth=1.8,
                label=f"{row['genotype']} if E/I ratio were WT",
            )
            ax.plot([x, x_ratio], [y, y], ":", color=colour, linewidth=1.2)
    ax.legend(loc="upper left", fontsize=7, framealpha=0.85)
    ax.set_title(title or f"{landscape.readout.name} over E and I scales", fontsize=10)
    return figure


def plot_trace_comparison(
    traces: Sequence[tuple[str, Trace]], *, v_hold_mv: float | None = None
) -> Any:
    """Return a two-row figure of conductances (top) and voltage (bottom) per case."""
    n = len(traces)
    figure, axes = plt.subplots(
        2, n, figsize=(3.2 * n, 4.8), sharex=True, sharey="row", squeeze=False
    )
    for column, (label, trace) in enumerate(traces):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(trace.time_ms, trace.series["g_e_ns"], color="#c0392b", label="g_E")
        top.plot(trace.time_ms, trace.series["g_i_ns"], color="#2471a3", label="g_I")
        top.set_title(label, fontsize=9)
        bottom.plot(trace.time_ms, trace.series["v_mv"], color="black")
        if v_hold_mv is not None:
            bottom.axhline(v_hold_mv, color="grey", linewidth=0.6, linestyle=":")
        bottom.set_xlabel("time (ms)")
        if column == 0:
            top.set_ylabel("conductance (nS)")
            bottom.set_ylabel("V (mV)")
            top.legend(fontsize=7)
    figure.tight_layout()
    return figure


def plot_holding_scan(
    scan: Any, *, readout: str, reference_group: str, tolerance_pct: float
) -> Any:
    """Return a plot of each group's % change from wild type against holding potential.

    Solid lines are the measured scales, dashed lines the ratio-preserving
    counterparts; the grey band is the compensation tolerance.
    """
    figure, ax = plt.subplots(figsize=(5.8, 4.0))
    ax.axhspan(-tolerance_pct, tolerance_pct, color="#dddddd", label="tolerance")
    ax.axhline(0.0, color="black", linewidth=0.6)
    groups = [g for g in dict.fromkeys(scan["genotype"]) if g != reference_group]
    for i, genotype in enumerate(groups):
        rows = scan[scan["genotype"] == genotype]
        colour = _GROUP_COLOURS[(i + 1) % len(_GROUP_COLOURS)]
        ax.plot(
            rows["v_hold_mv"],
            rows["change_pct"],
            "o-",
            color=colour,
            label=f"{genotype} (measured)",
        )
        ax.plot(
            rows["v_hold_mv"],
            rows["ratio_preserving_change_pct"],
            "s--",
            color=colour,
            markerfacecolor="none",
            label=f"{genotype} if E/I ratio were WT",
        )
    ax.set_xlabel("holding potential v_hold_mv (mV)")
    ax.set_ylabel(f"{readout}: change from wild type (%)")
    ax.legend(fontsize=7)
    figure.tight_layout()
    return figure
