"""Measured synaptic conductances per cell or per group, read from CSV.

A cohort table has one row per cell or per group with the columns

``genotype``
    group label; the wild-type rows are named by ``reference_group``.
``g_e``, ``g_i``
    measured excitatory and inhibitory conductance.
``unit``
    ``nS`` (absolute), ``%`` (percent of the wild-type mean) or ``1``
    (fraction of the wild-type mean). May instead be given once for the whole
    file through the ``unit`` argument.
``source`` (optional)
    citation of the measurement.

Lines starting with ``#`` are comments. Absolute values are normalised to the
mean of the wild-type rows, so every group ends up as scale factors with the
wild type at (1, 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from redundancy.errors import InputError

__all__ = ["BUILTIN_COHORTS", "Cohort", "load_cohort"]

#: Bundled cohort tables, by name (used as ``builtin:NAME``).
BUILTIN_COHORTS = {"cntnap2": "cntnap2_antoine2019.csv"}

_UNITS = {"nS": "nS", "%": "%", "percent": "%", "1": "1", "fraction": "1"}
_REQUIRED = ("genotype", "g_e", "g_i")


@dataclass(frozen=True)
class Cohort:
    """Groups of measured conductances normalised to the wild-type mean.

    Attributes:
        cells: one row per input row with ``genotype``, ``g_e_scale`` and
            ``g_i_scale`` (fractions of the wild-type mean) and ``source``.
        groups: one row per genotype with the mean scales, the number of rows
            and the source; the reference group first.
        reference_group: name of the wild-type group.
        path: file the cohort was read from.
    """

    cells: pd.DataFrame
    groups: pd.DataFrame
    reference_group: str
    path: str


def _resolve(path: str | Path) -> tuple[Path, str]:
    text = str(path)
    if text.startswith("builtin:"):
        name = text.removeprefix("builtin:")
        if name not in BUILTIN_COHORTS:
            raise InputError(
                f"unknown built-in cohort {name!r}; available: "
                + ", ".join(f"builtin:{n}" for n in BUILTIN_COHORTS)
            )
        resource = files("redundancy.data").joinpath(BUILTIN_COHORTS[name])
        return Path(str(resource)), text
    resolved = Path(path)
    if not resolved.is_file():
        raise InputError(f"cohort file not found: {resolved}")
    return resolved, str(resolved)


def load_cohort(
    path: str | Path,
    *,
    reference_group: str = "wild_type",
    unit: str | None = None,
) -> Cohort:
    """Read a cohort table and normalise it to the wild-type mean.

    Args:
        path: a CSV file, or ``builtin:NAME`` for a bundled table.
        reference_group: genotype label of the wild-type rows.
        unit: unit of ``g_e`` and ``g_i`` for files without a ``unit`` column.

    Raises:
        InputError: for a missing file or column, an unknown unit, a negative or
            non-numeric conductance, or no wild-type rows. The message names the
            line of the file and the column.
    """
    resolved, label = _resolve(path)
    try:
        raw = pd.read_csv(resolved, comment="#", skipinitialspace=True, dtype=str)
    except pd.errors.EmptyDataError:
        raise InputError(f"{label}: the file has no header or rows") from None
    except pd.errors.ParserError as error:
        raise InputError(f"{label}: not a valid CSV table: {error}") from None
    raw.columns = [c.strip() for c in raw.columns]
    # Line numbers as a user sees them in an editor: the header's line plus one.
    lines = _data_line_numbers(resolved, len(raw))
    for column in _REQUIRED:
        if column not in raw.columns:
            raise InputError(
                f"{label}: missing column {column!r}; the table needs columns "
                f"{', '.join(_REQUIRED)} (and 'unit' unless given separately)"
            )
    if "unit" not in raw.columns:
        if unit is None:
            raise InputError(
                f"{label}: missing column 'unit'; add it with nS, % or 1 per row, "
                "or set the cohort's unit in the study file"
            )
        raw["unit"] = unit
    if raw.empty:
        raise InputError(f"{label}: the table has no rows")

    cells = []
    for position, (_, row) in enumerate(raw.iterrows()):
        line = lines[position]
        genotype = str(row["genotype"]).strip() if pd.notna(row["genotype"]) else ""
        if not genotype:
            raise InputError(f"{label}, line {line}, column 'genotype': value is empty")
        row_unit = str(row["unit"]).strip() if pd.notna(row["unit"]) else ""
        if row_unit not in _UNITS:
            raise InputError(
                f"{label}, line {line}, column 'unit': unknown unit {row_unit!r}; "
                "use nS (absolute), % or 1 (fraction of the wild-type mean)"
            )
        values = {}
        for column in ("g_e", "g_i"):
            text = row[column]
            try:
                value = float(text)
            except (TypeError, ValueError):
                raise InputError(
                    f"{label}, line {line}, column {column!r}: {text!r} is not a number"
                ) from None
            if not np.isfinite(value) or value < 0:
                raise InputError(
                    f"{label}, line {line}, column {column!r}: conductance {value} must "
                    "be a finite, non-negative number"
                )
            values[column] = value
        source = row.get("source", "")
        cells.append(
            {
                "genotype": genotype,
                "g_e": values["g_e"],
                "g_i": values["g_i"],
                "unit": _UNITS[row_unit],
                "source": "" if pd.isna(source) else str(source),
                "line": line,
            }
        )
    table = pd.DataFrame(cells)
    return _normalise(table, label, reference_group)


def _data_line_numbers(path: Path, n_rows: int) -> list[int]:
    """Return the 1-based file line of each data row, skipping comments and blanks."""
    numbers = []
    seen_header = False
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if not seen_header:
                seen_header = True
                continue
            numbers.append(number)
    numbers.extend(range(len(numbers) + 1, n_rows + 1))  # only for odd quoting
    return numbers[:n_rows]


def _normalise(table: pd.DataFrame, label: str, reference_group: str) -> Cohort:
    reference = table[table["genotype"] == reference_group]
    if reference.empty:
        found = ", ".join(sorted(table["genotype"].unique()))
        raise InputError(
            f"{label}: no wild-type rows (genotype {reference_group!r}); genotypes "
            f"found: {found}. Add wild-type rows or set the reference group"
        )
    scales = {}
    for column in ("g_e", "g_i"):
        scaled = np.empty(len(table))
        for unit in table["unit"].unique():
            rows = table["unit"] == unit
            if unit == "%":
                scaled[rows] = table.loc[rows, column] / 100.0
            elif unit == "1":
                scaled[rows] = table.loc[rows, column]
            else:
                wt = reference.loc[reference["unit"] == "nS", column]
                if wt.empty:
                    raise InputError(
                        f"{label}: rows in nS need wild-type rows in nS to normalise "
                        "against; none were found"
                    )
                mean = float(wt.mean())
                if mean <= 0:
                    raise InputError(
                        f"{label}, column {column!r}: the wild-type mean is {mean} nS; "
                        "it must be positive to normalise against"
                    )
                scaled[rows] = table.loc[rows, column] / mean
        scales[column] = scaled
    cells = pd.DataFrame(
        {
            "genotype": table["genotype"],
            "g_e_scale": scales["g_e"],
            "g_i_scale": scales["g_i"],
            "source": table["source"],
            "line": table["line"],
        }
    )
    grouped = cells.groupby("genotype", sort=False)
    groups = grouped.agg(
        g_e_scale=("g_e_scale", "mean"),
        g_i_scale=("g_i_scale", "mean"),
        n=("g_e_scale", "size"),
        source=("source", "first"),
    ).reset_index()
    order = [reference_group] + [g for g in groups["genotype"] if g != reference_group]
    groups = groups.set_index("genotype").loc[order].reset_index()
    return Cohort(
        cells=cells, groups=groups, reference_group=reference_group, path=label
    )
