"""Full factorial grids, streamed by row id without building the whole grid."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from redundancy.errors import InputError
from redundancy.parameters import Parameter, ParameterSpace
from redundancy.sampling.base import Design

__all__ = ["GridDesign", "grid_levels"]

#: Levels of one parameter: a number of levels or the explicit values.
Levels = int | Sequence[float]


def grid_levels(parameter: Parameter, levels: Levels) -> np.ndarray:
    """Return the grid values of one parameter in its unit.

    Args:
        parameter: the parameter; its bounds span the grid.
        levels: a number of levels, spaced evenly between the bounds (evenly
            in log space for a log-scale parameter, both bounds included), or
            the explicit values.

    Raises:
        InputError: for fewer than one level, or an explicit value outside
            the parameter's bounds.
    """
    if isinstance(levels, (int, np.integer)):
        count = int(levels)
        if count < 1:
            raise InputError(
                f"parameter {parameter.name!r}: the number of grid levels must be "
                f"at least 1, got {count}"
            )
        if count == 1:
            return np.array([parameter.default])
        if parameter.scale == "log":
            return np.geomspace(parameter.lower, parameter.upper, count)
        return np.linspace(parameter.lower, parameter.upper, count)
    values = np.asarray(list(levels), dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise InputError(
            f"parameter {parameter.name!r}: grid levels must be a number or a "
            f"non-empty list of values, got {levels!r}"
        )
    outside = values[(values < parameter.lower) | (values > parameter.upper)]
    if outside.size:
        raise InputError(
            f"parameter {parameter.name!r}: grid value {outside[0]:g} "
            f"{parameter.unit} lies outside the bounds [{parameter.lower:g}, "
            f"{parameter.upper:g}]; widen the bounds in the study file or drop "
            "the value"
        )
    return values


class GridDesign(Design):
    """A full factorial grid: every combination of each parameter's levels.

    Row ids follow C order: the first parameter varies slowest and the last
    fastest. Any range of rows is computed from its ids alone, so a grid of
    6^8 = 1,679,616 points streams in chunks without being built in memory.

    Args:
        space: the model's parameter space.
        levels: one :data:`Levels` value for every varying parameter, or a
            mapping from parameter name to levels. With a mapping and
            ``names=None`` the mapping's keys are the varying parameters.
        names: the varying parameters, in order.

    References:
        Prinz, A. A., Billimoria, C. P. & Marder, E. (2003). Alternative to
        hand-tuning conductance-based models: construction and analysis of
        databases of model neurons. *Journal of Neurophysiology* 90,
        3998-4015. (Six values per maximal conductance, 6^8 model neurons.)
    """

    sampler = "grid"

    def __init__(
        self,
        space: ParameterSpace,
        levels: Levels | Mapping[str, Levels],
        names: Sequence[str] | None = None,
    ) -> None:
        if isinstance(levels, Mapping):
            if names is None:
                names = list(levels)
            missing = [name for name in names if name not in levels]
            if missing:
                raise InputError(
                    f"grid levels missing for parameter(s) {', '.join(missing)}; "
                    "give levels for every varying parameter or one number for all"
                )
            extra = [name for name in levels if name not in names]
            if extra:
                raise InputError(
                    f"grid levels given for parameter(s) {', '.join(extra)} that "
                    "are not among the varying parameters"
                )
        super().__init__(space, names)
        self.values = tuple(
            grid_levels(
                space[name], levels[name] if isinstance(levels, Mapping) else levels
            )
            for name in self.names
        )
        self.shape = tuple(len(v) for v in self.values)

    @property
    def size(self) -> int:
        # Python integers: a product of many level counts overflows int64.
        return math.prod(self.shape)

    def _unit_rows(self, start: int, stop: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError("a grid works in natural units")

    def _varying_rows(self, start: int, stop: int) -> np.ndarray:
        ids = np.arange(start, stop, dtype=np.int64)
        indices = np.unravel_index(ids, self.shape)
        return np.column_stack(
            [values[index] for values, index in zip(self.values, indices, strict=True)]
        )

    def settings(self) -> dict[str, Any]:
        pairs = zip(self.names, self.values, strict=True)
        return {"levels": {name: values.tolist() for name, values in pairs}}
