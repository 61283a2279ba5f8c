"""Parameter columns of a population table, with scales, bounds and the unit cube.

The dependency and island analyses read parameter sets from a table. They
need to know which columns are parameters, which of them vary on a log scale
and what their bounds are, so that distances and correlations are taken in
the unit cube (log parameters in log space). A
:class:`~redundancy.ParameterSpace` gives all of this; a bare list of column
names gives linear parameters (or log ones named in ``log_scale``) bounded by
the smallest and largest value in the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from redundancy.analysis.criteria import META_COLUMNS
from redundancy.errors import InputError
from redundancy.parameters import ParameterSpace

__all__ = ["TableSpace", "resolve_space", "within_mask"]


@dataclass(frozen=True)
class TableSpace:
    """Parameter columns of a table with their units, scales and bounds.

    Attributes:
        names: parameter column names.
        units: unit of each parameter (``"1"`` when unknown).
        is_log: whether each parameter is analysed in log space.
        lower: lower bound of each parameter, natural units.
        upper: upper bound of each parameter, natural units.
    """

    names: list[str]
    units: list[str]
    is_log: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    @property
    def labels(self) -> list[str]:
        """Axis labels such as ``g_na (mS/cm^2)``; log parameters are marked as such."""
        labels = []
        for name, unit, log in zip(self.names, self.units, self.is_log, strict=True):
            label = name if unit == "1" else f"{name} ({unit})"
            labels.append(f"{label}, log" if log else label)
        return labels

    def natural(
        self, table: pd.DataFrame, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """Return the parameter columns of the selected rows, (n, d) natural units."""
        values = table[self.names].to_numpy(dtype=float)
        return values if mask is None else values[mask]

    def transformed(
        self, table: pd.DataFrame, mask: np.ndarray | None = None
    ) -> np.ndarray:
        """Return finite rows with log parameters replaced by their natural log."""
        values = self.natural(table, mask)
        values = values[np.all(np.isfinite(values), axis=1)]
        return self.log_transform(values)

    def log_transform(self, values: np.ndarray) -> np.ndarray:
        """Return ``values`` with log parameters replaced by their natural log."""
        values = np.array(values, dtype=float)
        if self.is_log.any():
            logged = values[:, self.is_log]
            if np.any(logged <= 0):
                column = np.flatnonzero(self.is_log)[np.argwhere(logged <= 0)[0, 1]]
                raise InputError(
                    f"log-scale parameter {self.names[column]!r} has non-positive "
                    "values; analyse it on a linear scale or drop those rows"
                )
            values[:, self.is_log] = np.log(logged)
        return values

    def _transformed_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        low = np.where(
            self.is_log, np.log(np.where(self.is_log, self.lower, 1)), self.lower
        )
        high = np.where(
            self.is_log, np.log(np.where(self.is_log, self.upper, 1)), self.upper
        )
        return low, high

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Map natural values to the unit cube (log parameters in log space)."""
        low, high = self._transformed_bounds()
        width = np.where(high > low, high - low, 1.0)
        return (self.log_transform(values) - low) / width

    def from_unit(self, unit: np.ndarray) -> np.ndarray:
        """Map points of the unit cube back to natural units."""
        low, high = self._transformed_bounds()
        transformed = low + np.asarray(unit, dtype=float) * (high - low)
        return np.where(self.is_log, np.exp(transformed), transformed)

    def central_row(self, table: pd.DataFrame, mask: np.ndarray) -> dict[str, float]:
        """Return the selected row nearest (in the unit cube) to their median."""
        values = self.natural(table, mask)
        values = values[np.all(np.isfinite(values), axis=1)]
        if len(values) == 0:
            raise InputError("the good set is empty; there is no reference point")
        unit = self.to_unit(values)
        nearest = int(np.argmin(np.sum((unit - np.median(unit, axis=0)) ** 2, axis=1)))
        return dict(zip(self.names, values[nearest].tolist(), strict=True))


def resolve_space(
    table: pd.DataFrame,
    parameters: ParameterSpace | Sequence[str] | None,
    log_scale: Sequence[str] = (),
) -> TableSpace:
    """Return the parameter columns of ``table`` as a :class:`TableSpace`.

    Args:
        table: the population table.
        parameters: a parameter space, a list of column names, or None for
            every numeric column that is not a bookkeeping column.
        log_scale: names analysed in log space when ``parameters`` is not a
            :class:`~redundancy.ParameterSpace`.

    Raises:
        InputError: if a parameter is not a column of ``table``.
    """
    if isinstance(parameters, ParameterSpace):
        names = parameters.names
    elif parameters is None:
        names = [
            str(c)
            for c in table.columns
            if c not in META_COLUMNS and pd.api.types.is_numeric_dtype(table[c])
        ]
    else:
        names = [str(name) for name in parameters]
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise InputError(
            f"parameter column(s) {', '.join(map(repr, missing))} not in the table; "
            f"columns: {', '.join(map(str, table.columns))}"
        )
    unknown_log = [name for name in log_scale if name not in names]
    if unknown_log:
        raise InputError(
            f"log_scale names {', '.join(map(repr, unknown_log))} are not among the "
            f"parameters {', '.join(names)}"
        )
    if isinstance(parameters, ParameterSpace):
        return TableSpace(
            names=names,
            units=parameters.units,
            is_log=parameters.is_log,
            lower=parameters.lower,
            upper=parameters.upper,
        )
    values = table[names].to_numpy(dtype=float)
    finite = np.where(np.isfinite(values), values, np.nan)
    if len(table) == 0 or np.all(np.isnan(finite), axis=0).any():
        raise InputError("the table has no finite values for some parameter columns")
    return TableSpace(
        names=names,
        units=["1"] * len(names),
        is_log=np.array([name in log_scale for name in names], dtype=bool),
        lower=np.nanmin(finite, axis=0),
        upper=np.nanmax(finite, axis=0),
    )


def within_mask(within: Any, n_rows: int) -> np.ndarray:
    """Return a boolean row mask from None, a boolean array or a good-set result.

    Raises:
        InputError: if the mask is not boolean or has the wrong length.
    """
    if within is None:
        return np.ones(n_rows, dtype=bool)
    if hasattr(within, "mask") and not isinstance(within, (np.ndarray, pd.Series)):
        within = within.mask
    mask = np.asarray(within)
    if mask.dtype != bool:
        raise InputError(
            f"within must be a boolean mask, got dtype {mask.dtype}; compare a "
            "column, e.g. table['margin'] >= 0"
        )
    if mask.shape != (n_rows,):
        raise InputError(
            f"within has {mask.size} entries but the table has {n_rows} rows"
        )
    return mask
