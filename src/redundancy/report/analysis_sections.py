"""Report sections for the analyses of a study: one section per analysis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from redundancy.report.html import Section

__all__ = ["analysis_sections"]

# Title and one-line reading aid of each analysis, in report order.
_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "good_set": (
        "Good set",
        "Circuits whose readouts meet the function criterion.",
    ),
    "redundancy": (
        "Redundancy",
        "Spread of each parameter within the good set next to the spread of "
        "function, and the most dissimilar circuits with near-identical function.",
    ),
    "fisher": (
        "Sloppiness (Fisher information)",
        "Eigenvalues of the Fisher information in log parameters: a few large "
        "(stiff) directions and many small (sloppy) ones mark a sloppy model.",
    ),
    "sobol": (
        "Global sensitivity (Sobol indices)",
        "First-order and total Sobol indices with confidence intervals.",
    ),
    "morris": (
        "Screening (Morris)",
        "Mean absolute elementary effect against its spread for each parameter.",
    ),
    "oat": (
        "Local sensitivity (one at a time)",
        "Change of each readout when one parameter moves by the stated fraction.",
    ),
    "correlations": (
        "Dependencies (correlations within the good set)",
        "Pairs of parameters that co-vary within the good set; a significant "
        "positive partial correlation marks a compensation pair.",
    ),
    "islands": (
        "Multiple solutions (islands)",
        "Separate regions of the good set, each with its size, centroid and bounds.",
    ),
    "island_connectivity": (
        "Island connectivity",
        "Whether a path within the good set joins each pair of islands.",
    ),
}

_MAX_TABLE_ROWS = 30


def _read_result_table(path: Path) -> pd.DataFrame:
    """Read a result CSV, keeping its index only when it carries labels."""
    table = pd.read_csv(path, index_col=0)
    if table.index.equals(pd.RangeIndex(len(table))):
        return table.reset_index(drop=True)
    return table.reset_index(names=table.index.name or "name")


def analysis_sections(summary: dict[str, Any], out_dir: Path) -> list[Section]:
    """Return one report section per analysis in ``summary``.

    Args:
        summary: the output of :func:`redundancy.analysis.config.run_analyses`,
            with a ``files`` entry (json, csv, png paths) per analysis.
        out_dir: folder the files were written to.
    """
    sections = []
    names = [n for n in _DESCRIPTIONS if n in summary]
    names += [n for n in summary if n not in _DESCRIPTIONS]
    for name in names:
        entry = summary[name]
        title, text = _DESCRIPTIONS.get(name, (name, ""))
        section = Section(title, paragraphs=[text] if text else [])
        if isinstance(entry, dict) and "error" in entry:
            section.notes.append(f"This analysis failed: {entry['error']}")
        files = entry.get("files", {}) if isinstance(entry, dict) else {}
        csv = files.get("csv")
        if csv and Path(csv).exists():
            table = _read_result_table(Path(csv))
            if len(table) > _MAX_TABLE_ROWS:
                section.paragraphs.append(
                    f"The first {_MAX_TABLE_ROWS} of {len(table)} rows are shown; "
                    f"the full table is {Path(csv).name}."
                )
                table = table.head(_MAX_TABLE_ROWS)
            section.tables.append((Path(csv).name, table))
        png = files.get("png")
        if png and Path(png).exists():
            section.figures.append((Path(png), title))
        sections.append(section)
    return sections
