"""The shared shape of analysis results: a table, a plot and a JSON summary.

Every analysis returns a frozen dataclass deriving from :class:`AnalysisResult`.
It turns into a tidy :class:`pandas.DataFrame` with :meth:`~AnalysisResult.to_frame`,
draws itself with :meth:`~AnalysisResult.plot` and serialises to plain JSON types
with :meth:`~AnalysisResult.to_dict` (NaN and infinities become ``None``), so a
study can write every result into one ``summary.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["AnalysisResult", "jsonable", "new_axes", "write_result"]


def jsonable(value: Any) -> Any:
    """Return ``value`` converted to JSON types; NaN and infinities become None.

    NumPy scalars and arrays, pandas objects, tuples, sets and objects with a
    ``to_dict`` method are converted recursively.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, np.ndarray):
        return [jsonable(item) for item in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [jsonable(row) for row in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.to_dict())
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(item) for item in value]
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return str(value)


def new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.0, 4.0)) -> Axes:
    """Return ``ax``, or the axes of a new figure when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


@dataclass(frozen=True)
class AnalysisResult:
    """Base class of analysis results.

    Subclasses implement :meth:`to_frame`, :meth:`plot` and :meth:`to_dict`.
    The class attribute ``kind`` names the analysis in JSON summaries.
    """

    kind = "analysis"

    def to_frame(self) -> pd.DataFrame:
        """Return the result as a tidy table."""
        raise NotImplementedError

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the result's main figure on ``ax`` (a new figure if None)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-serialisable data."""
        raise NotImplementedError

    def save_figure(self, path: str | Path) -> Path:
        """Draw the result with :meth:`figure` and save it to ``path`` (PNG, SVG...)."""
        import matplotlib.pyplot as plt

        figure = self.figure()
        path = Path(path)
        figure.savefig(path, dpi=120)
        plt.close(figure)
        return path

    def figure(self) -> Any:
        """Return a Matplotlib figure of the result; subclasses may add panels."""
        return self.plot().figure


def write_result(
    result: AnalysisResult, out_dir: str | Path, stem: str
) -> dict[str, str]:
    """Write ``result`` as ``<stem>.json``, ``<stem>.csv`` and ``<stem>.png``.

    Args:
        result: the analysis result.
        out_dir: output folder, created if missing.
        stem: file name without extension, e.g. ``"fisher"``.

    Returns:
        The paths written, by file type.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(jsonable(result.to_dict()), indent=2))
    csv_path = out_dir / f"{stem}.csv"
    result.to_frame().to_csv(csv_path)
    png_path = result.save_figure(out_dir / f"{stem}.png")
    return {"json": str(json_path), "csv": str(csv_path), "png": str(png_path)}
