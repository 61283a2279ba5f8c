"""Parameters, parameter spaces and readouts: the vocabulary every model speaks.

Unit system
-----------
Every quantity carries its unit as a plain string, and the package uses one
system throughout:

========================  ==========
quantity                  unit
========================  ==========
time                      ``ms``
voltage                   ``mV``
current                   ``nA``
synaptic conductance      ``nS``
membrane conductance      ``mS/cm^2``
concentration             ``uM``
temperature               ``degC``
dimensionless             ``1``
========================  ==========

Values are floats in these units. Units are stored with every parameter and
readout, checked where data come in (:func:`check_unit`) and printed on every
plot axis (:meth:`Parameter.label`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "UNITS",
    "Parameter",
    "ParameterSpace",
    "Readout",
    "check_unit",
]

#: Units the package accepts, with the quantity each one measures.
UNITS: dict[str, str] = {
    "ms": "time",
    "s": "time",
    "mV": "voltage",
    "nA": "current",
    "pA": "current",
    "nS": "synaptic conductance",
    "mS/cm^2": "membrane conductance",
    "uS/cm^2": "membrane conductance",
    "uM": "concentration",
    "pF": "capacitance",
    "nF": "capacitance",
    "MOhm": "resistance",
    "Hz": "rate",
    "degC": "temperature",
    "1": "dimensionless",
    "%": "dimensionless",
}

# Spellings users type that mean a unit of ``UNITS``.
_UNIT_ALIASES: dict[str, str] = {
    "mS/cm2": "mS/cm^2",
    "mS/cm²": "mS/cm^2",
    "uS/cm2": "uS/cm^2",
    "µS/cm²": "uS/cm^2",
    "µM": "uM",
    "μM": "uM",
    "°C": "degC",
    "C": "degC",
    "MΩ": "MOhm",
    "": "1",
    "dimensionless": "1",
    "percent": "%",
}


def check_unit(unit: str) -> str:
    """Return the canonical spelling of ``unit``.

    Raises:
        ValueError: if the unit is not part of the package's unit system. The
            message lists the accepted units.
    """
    canonical = _UNIT_ALIASES.get(unit, unit)
    if canonical not in UNITS:
        accepted = ", ".join(sorted(UNITS))
        raise ValueError(f"unknown unit {unit!r}; use one of: {accepted}")
    return canonical


@dataclass(frozen=True)
class Parameter:
    """A named model parameter with a unit, bounds and a sampling scale.

    Args:
        name: identifier used in tables and study files, e.g. ``g_na``.
        unit: unit of the value, one of :data:`UNITS`.
        lower: lower bound, in ``unit``.
        upper: upper bound, in ``unit``.
        default: value used when a parameter set does not give one.
        scale: ``"linear"`` or ``"log"``; a log parameter is sampled and
            differentiated in log space and needs ``lower > 0``.
        description: one line for listings and plot titles.
    """

    name: str
    unit: str
    lower: float
    upper: float
    default: float
    scale: Literal["linear", "log"] = "linear"
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(
                f"invalid parameter name {self.name!r}; use letters, digits and "
                "underscores, starting with a letter"
            )
        object.__setattr__(self, "unit", check_unit(self.unit))
        for attribute in ("lower", "upper", "default"):
            value = float(getattr(self, attribute))
            if not math.isfinite(value):
                raise ValueError(f"parameter {self.name!r}: {attribute} must be finite")
            object.__setattr__(self, attribute, value)
        if not self.lower <= self.upper:
            raise ValueError(
                f"parameter {self.name!r}: lower bound {self.lower} is above upper "
                f"bound {self.upper}"
            )
        if self.scale not in ("linear", "log"):
            raise ValueError(
                f"parameter {self.name!r}: scale {self.scale!r} must be 'linear' or 'log'"
            )
        if self.scale == "log" and self.lower <= 0:
            raise ValueError(
                f"parameter {self.name!r}: a log-scale parameter needs a positive "
                f"lower bound, got {self.lower}"
            )
        if not self.lower <= self.default <= self.upper:
            raise ValueError(
                f"parameter {self.name!r}: default {self.default} lies outside "
                f"[{self.lower}, {self.upper}]"
            )

    def label(self) -> str:
        """Return an axis label such as ``g_na (mS/cm^2)``."""
        return self.name if self.unit == "1" else f"{self.name} ({self.unit})"

    def with_bounds(self, lower: float, upper: float) -> Parameter:
        """Return a copy with new bounds; the default is clipped into them."""
        default = min(max(self.default, lower), upper)
        return Parameter(
            self.name, self.unit, lower, upper, default, self.scale, self.description
        )

    def with_default(self, default: float) -> Parameter:
        """Return a copy with a new default, widening the bounds to include it."""
        lower = min(self.lower, default)
        upper = max(self.upper, default)
        return Parameter(
            self.name, self.unit, lower, upper, default, self.scale, self.description
        )

    def to_dict(self) -> dict[str, object]:
        """Return the parameter as a JSON-serialisable dict."""
        return {
            "name": self.name,
            "unit": self.unit,
            "lower": self.lower,
            "upper": self.upper,
            "default": self.default,
            "scale": self.scale,
            "description": self.description,
        }


@dataclass(frozen=True)
class Readout:
    """A named model output with its unit.

    Args:
        name: column name in result tables, e.g. ``psp_peak_mv``.
        unit: unit of the value, one of :data:`UNITS`.
        description: one line for listings and plot titles.
        allow_infinite: whether +-inf is a valid value (a ratio with a zero
            denominator, say). NaN is never valid in a successful row.
    """

    name: str
    unit: str
    description: str = ""
    allow_infinite: bool = False

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"invalid readout name {self.name!r}")
        object.__setattr__(self, "unit", check_unit(self.unit))

    def label(self) -> str:
        """Return an axis label such as ``psp_peak_mv (mV)``."""
        return self.name if self.unit == "1" else f"{self.name} ({self.unit})"

    def to_dict(self) -> dict[str, object]:
        """Return the readout as a JSON-serialisable dict."""
        return {
            "name": self.name,
            "unit": self.unit,
            "description": self.description,
            "allow_infinite": self.allow_infinite,
        }


@dataclass(frozen=True)
class ParameterSpace:
    """An ordered set of :class:`Parameter` objects.

    Converts between natural units and the unit cube (log parameters are
    mapped linearly in log space), and validates tables of parameter sets.
    """

    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def __init__(self, parameters: Iterable[Parameter]) -> None:
        parameters = tuple(parameters)
        names = [p.name for p in parameters]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate parameter names: {', '.join(duplicates)}")
        object.__setattr__(self, "parameters", parameters)

    # Sequence-like access -------------------------------------------------

    def __len__(self) -> int:
        return len(self.parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def __getitem__(self, key: str | int) -> Parameter:
        if isinstance(key, int):
            return self.parameters[key]
        for parameter in self.parameters:
            if parameter.name == key:
                return parameter
        raise KeyError(
            f"unknown parameter {key!r}; this space has: {', '.join(self.names)}"
        )

    @property
    def names(self) -> list[str]:
        """Parameter names in order."""
        return [p.name for p in self.parameters]

    @property
    def units(self) -> list[str]:
        """Parameter units in order."""
        return [p.unit for p in self.parameters]

    @property
    def lower(self) -> np.ndarray:
        """Lower bounds, shape (d,)."""
        return np.array([p.lower for p in self.parameters], dtype=float)

    @property
    def upper(self) -> np.ndarray:
        """Upper bounds, shape (d,)."""
        return np.array([p.upper for p in self.parameters], dtype=float)

    @property
    def defaults(self) -> np.ndarray:
        """Default values, shape (d,)."""
        return np.array([p.default for p in self.parameters], dtype=float)

    @property
    def is_log(self) -> np.ndarray:
        """Boolean mask of log-scale parameters, shape (d,)."""
        return np.array([p.scale == "log" for p in self.parameters], dtype=bool)

    def index(self, name: str) -> int:
        """Return the position of parameter ``name``."""
        return self.names.index(self[name].name)

    def subset(self, names: Sequence[str]) -> ParameterSpace:
        """Return the space restricted to ``names``, in that order."""
        return ParameterSpace(self[name] for name in names)

    def replace(self, **updates: Parameter) -> ParameterSpace:
        """Return a copy with some parameters replaced by name."""
        for name in updates:
            self[name]  # raises a clear KeyError for unknown names
        return ParameterSpace(updates.get(p.name, p) for p in self.parameters)

    def with_defaults(self, values: Mapping[str, float]) -> ParameterSpace:
        """Return a copy whose defaults are ``values`` (bounds widen if needed)."""
        for name in values:
            self[name]
        return ParameterSpace(
            p.with_default(float(values[p.name])) if p.name in values else p
            for p in self.parameters
        )

    # Conversions ------------------------------------------------------------

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Map values in natural units to the unit cube, column by column."""
        values = np.asarray(values, dtype=float)
        low, high, log = self.lower, self.upper, self.is_log
        transformed = np.where(log, np.log(np.where(log, values, 1.0)), values)
        low_t = np.where(log, np.log(np.where(log, low, 1.0)), low)
        high_t = np.where(log, np.log(np.where(log, high, 1.0)), high)
        width = np.where(high_t > low_t, high_t - low_t, 1.0)
        return (transformed - low_t) / width

    def from_unit(self, unit_values: np.ndarray) -> np.ndarray:
        """Map points of the unit cube to natural units, column by column."""
        unit_values = np.asarray(unit_values, dtype=float)
        low, high, log = self.lower, self.upper, self.is_log
        low_t = np.where(log, np.log(np.where(log, low, 1.0)), low)
        high_t = np.where(log, np.log(np.where(log, high, 1.0)), high)
        transformed = low_t + unit_values * (high_t - low_t)
        out = transformed.copy()
        out[..., log] = np.exp(transformed[..., log])
        return out

    def to_array(
        self, table: pd.DataFrame | np.ndarray | Mapping[str, object]
    ) -> np.ndarray:
        """Return an (n, d) float array of parameter sets in this space's order.

        A DataFrame or mapping may omit parameters, which then take their
        defaults, but may not name parameters the space lacks; an empty
        mapping gives one parameter set of defaults. An array must have d
        columns.

        Raises:
            ValueError: for unknown columns, a wrong number of columns or
                non-numeric values.
        """
        if isinstance(table, Mapping) and not isinstance(table, pd.DataFrame):
            if not table:
                return self.defaults[None, :]
            table = pd.DataFrame(
                {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in table.items()}
            )
        if isinstance(table, pd.DataFrame):
            unknown = [c for c in table.columns if c not in self.names]
            if unknown:
                raise ValueError(
                    f"unknown parameter(s) {', '.join(map(repr, unknown))}; "
                    f"known parameters: {', '.join(self.names)}"
                )
            n = len(table)
            out = np.tile(self.defaults, (n, 1))
            for j, name in enumerate(self.names):
                if name in table.columns:
                    try:
                        out[:, j] = table[name].to_numpy(dtype=float)
                    except (TypeError, ValueError) as error:
                        raise ValueError(
                            f"parameter {name!r} has non-numeric values: {error}"
                        ) from None
            return out
        array = np.asarray(table, dtype=float)
        if array.ndim == 1:
            array = array[None, :]
        if array.ndim != 2 or array.shape[1] != len(self):
            raise ValueError(
                f"expected an (n, {len(self)}) array of parameter sets in the order "
                f"{', '.join(self.names)}; got shape {array.shape}"
            )
        return array

    def to_frame(self, values: np.ndarray) -> pd.DataFrame:
        """Return an (n, d) array as a DataFrame with parameter-name columns."""
        return pd.DataFrame(self.to_array(values), columns=self.names)

    def out_of_bounds(self, values: np.ndarray) -> np.ndarray:
        """Return a boolean (n,) mask of rows with any value outside the bounds."""
        values = self.to_array(values)
        return np.any((values < self.lower) | (values > self.upper), axis=1)

    def validate(self, values: np.ndarray) -> np.ndarray:
        """Return ``values`` as an array, raising if any value is out of bounds.

        Raises:
            ValueError: naming the first offending row, parameter and bounds.
        """
        values = self.to_array(values)
        bad = (values < self.lower) | (values > self.upper) | ~np.isfinite(values)
        if bad.any():
            row, column = map(int, np.argwhere(bad)[0])
            p = self.parameters[column]
            unit = "" if p.unit == "1" else f" {p.unit}"
            raise ValueError(
                f"row {row}: {p.name} = {values[row, column]}{unit} is outside "
                f"its bounds [{p.lower}, {p.upper}]"
            )
        return values

    def to_frame_description(self) -> pd.DataFrame:
        """Return one row per parameter: name, unit, bounds, scale, default."""
        return pd.DataFrame([p.to_dict() for p in self.parameters])
