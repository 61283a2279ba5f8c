"""The design interface: a numbered, regenerable list of parameter sets.

A design assigns every parameter set a stable integer ``sample_id`` (its row
index) and can regenerate any range of rows on demand, so a sweep streams its
design chunk by chunk and a resumed sweep regenerates exactly the rows that are
still missing.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from redundancy.errors import InputError
from redundancy.parameters import ParameterSpace

__all__ = ["SAMPLING_STAGE", "Design"]

#: Stage name passed to :func:`redundancy.seeding.stage_rng` by every sampler.
SAMPLING_STAGE = "sampling"


class Design(ABC):
    """An ordered, finite list of parameter sets over a :class:`ParameterSpace`.

    Only the parameters in :attr:`names` vary. The others stay at the defaults
    of ``space``, and every row has a value for every parameter of ``space``.

    Args:
        space: the model's full parameter space; fixed parameters take its
            defaults.
        names: the parameters that vary, in order; None varies all of them.
    """

    #: Sampler name stored with a run, e.g. ``"grid"``.
    sampler: str = "design"

    def __init__(self, space: ParameterSpace, names: Sequence[str] | None) -> None:
        names = list(space.names if names is None else names)
        if not names:
            raise InputError("a design needs at least one varying parameter")
        unknown = [name for name in names if name not in space]
        if unknown:
            raise InputError(
                f"unknown parameter(s) {', '.join(map(repr, unknown))} in the "
                f"sweep; the model's parameters are: {', '.join(space.names)}"
            )
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InputError(f"parameter(s) listed twice: {', '.join(duplicates)}")
        self.space = space
        self.names = tuple(names)
        self.subspace = space.subset(self.names)
        self._columns = np.array([space.index(name) for name in self.names])

    # Interface for subclasses -----------------------------------------------

    @property
    @abstractmethod
    def size(self) -> int:
        """Number of parameter sets in the design."""

    @abstractmethod
    def _unit_rows(self, start: int, stop: int) -> np.ndarray:
        """Return rows ``start`` to ``stop`` of the varying parameters.

        Values lie in the unit cube of :attr:`subspace`, shape
        ``(stop - start, len(names))``. Subclasses that work in natural units
        override :meth:`_varying_rows` instead.
        """

    def _varying_rows(self, start: int, stop: int) -> np.ndarray:
        return self.subspace.from_unit(self._unit_rows(start, stop))

    def settings(self) -> dict[str, Any]:
        """Return the sampler's own settings (levels, n, seed...) as JSON types."""
        return {}

    # Public API ---------------------------------------------------------------

    def rows(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Return the parameter sets with ids ``start`` to ``stop - 1``.

        Returns:
            A ``(stop - start, d)`` array in natural units with one column per
            parameter of :attr:`space`, in its order.

        Raises:
            IndexError: if the range lies outside ``[0, size]``.
        """
        stop = self.size if stop is None else stop
        if not 0 <= start <= stop <= self.size:
            raise IndexError(
                f"row range [{start}, {stop}) lies outside this design of "
                f"{self.size} rows"
            )
        out = np.tile(self.space.defaults, (stop - start, 1))
        if stop > start:
            out[:, self._columns] = self._varying_rows(start, stop)
        return out

    def to_frame(self, start: int = 0, stop: int | None = None) -> pd.DataFrame:
        """Return :meth:`rows` as a DataFrame indexed by ``sample_id``."""
        stop = self.size if stop is None else stop
        frame = pd.DataFrame(self.rows(start, stop), columns=self.space.names)
        frame.index = pd.RangeIndex(start, stop, name="sample_id")
        return frame

    def chunks(self, chunk_size: int) -> Iterator[tuple[int, int]]:
        """Yield ``(start, stop)`` id ranges of at most ``chunk_size`` rows."""
        if chunk_size < 1:
            raise InputError(f"chunk_size must be at least 1, got {chunk_size}")
        for start in range(0, self.size, chunk_size):
            yield start, min(start + chunk_size, self.size)

    def describe(self) -> dict[str, Any]:
        """Return everything that determines the rows, as JSON types."""
        return {
            "sampler": self.sampler,
            "size": self.size,
            "parameters": [self.space[name].to_dict() for name in self.names],
            "fixed": {
                p.name: p.default for p in self.space if p.name not in self.names
            },
            **self.settings(),
        }

    def fingerprint(self) -> str:
        """Return a short hash of :meth:`describe`; equal designs share it."""
        text = json.dumps(self.describe(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.size} rows over {', '.join(self.names)}>"
