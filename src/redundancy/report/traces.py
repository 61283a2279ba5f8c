"""Plot any model's :class:`~redundancy.models.base.Trace`, one panel per unit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    from redundancy.models.base import Trace

__all__ = ["plot_trace"]


def plot_trace(trace: Trace, *, title: str = "", path: Path | None = None) -> object:
    """Plot every series of ``trace``; series sharing a unit share a panel.

    Args:
        trace: the time series to plot.
        title: figure title.
        path: if given, save the figure there (format from the suffix) and close it.

    Returns:
        The Matplotlib figure (already closed when ``path`` is given).
    """
    units = list(dict.fromkeys(trace.units[name] for name in trace.series))
    figure, axes = plt.subplots(
        len(units), 1, figsize=(8, 2.2 * len(units)), sharex=True, squeeze=False
    )
    for ax, unit in zip(axes[:, 0], units, strict=True):
        for name, values in trace.series.items():
            if trace.units[name] == unit:
                ax.plot(trace.time_ms, values, linewidth=0.8, label=name)
        ax.set_ylabel(unit)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1, 0].set_xlabel("time (ms)")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=150)
        plt.close(figure)
    return figure
