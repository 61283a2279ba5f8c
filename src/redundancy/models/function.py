"""Wrap any Python function of parameter sets as a :class:`~redundancy.models.Model`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from redundancy.models.base import Model, as_readouts
from redundancy.parameters import Parameter, ParameterSpace, Readout

__all__ = ["FunctionModel"]


class FunctionModel(Model):
    """A model defined by a function mapping an (n, d) array to an (n, k) array.

    Args:
        func: the function. It receives parameter sets in natural units, one
            row each, with columns in the order of ``parameters``. It must
            return one row of readouts per parameter set. To run on a process
            pool or Dask cluster it must be picklable (a module-level function).
        parameters: the parameters, as :class:`~redundancy.Parameter` objects
            or a :class:`~redundancy.ParameterSpace`.
        readouts: the readouts, as :class:`~redundancy.Readout` objects or bare
            names (taken as dimensionless).
        name: name used in stores and reports.
        vectorized: if False, ``func`` takes one parameter set of shape (d,)
            and returns shape (k,), and is called once per row.
        version: version string of ``func``; change it when ``func`` changes so
            stored results are not mixed with the old version's.

    Example:
        >>> import numpy as np
        >>> from redundancy import FunctionModel, Parameter
        >>> model = FunctionModel(
        ...     lambda x: (x[:, :1] * x[:, 1:]),
        ...     [Parameter("a", "1", 0, 2, 1), Parameter("b", "1", 0, 2, 1)],
        ...     ["product"],
        ... )
        >>> model.simulate({"a": [2.0], "b": [1.5]})["product"].tolist()
        [3.0]
    """

    def __init__(
        self,
        func: Callable[[np.ndarray], Any],
        parameters: ParameterSpace | Iterable[Parameter],
        readouts: Sequence[Readout | str],
        *,
        name: str = "function",
        vectorized: bool = True,
        version: str = "1",
    ) -> None:
        if not callable(func):
            raise TypeError(f"func must be callable, got {type(func).__name__}")
        self.func = func
        self.space = (
            parameters
            if isinstance(parameters, ParameterSpace)
            else ParameterSpace(parameters)
        )
        self.readouts = as_readouts(readouts)
        if not self.readouts:
            raise ValueError("a FunctionModel needs at least one readout")
        self.name = name
        self.vectorized = vectorized
        self.version = version

    def settings(self) -> dict[str, Any]:
        """Return the wrapped function's qualified name and call mode."""
        func = self.func
        qualified = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
        return {"function": qualified, "vectorized": self.vectorized}

    def simulate_batch(self, values: np.ndarray) -> np.ndarray:
        """Call the wrapped function on a batch and return an (n, k) array."""
        if self.vectorized:
            out = np.asarray(self.func(values), dtype=float)
        else:
            out = np.array([np.asarray(self.func(row), dtype=float) for row in values])
        if out.ndim == 1 and len(self.readouts) == 1:
            out = out[:, None]
        return out
