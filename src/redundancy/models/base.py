"""The model interface: batch-first simulation returning tidy readout tables.

Every model, built in or wrapped from a user's function, subclasses
:class:`Model`. A subclass states its :class:`~redundancy.ParameterSpace` and
readouts and implements :meth:`Model.simulate_batch`, which maps an (n, d)
array of parameter sets to an (n, k) array of readouts, optionally with a
status and failure reason per row. :meth:`Model.simulate` adds the table
handling, input checks and failure isolation on top, so a failure is a row
with a status and never a lost batch.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from redundancy.parameters import Parameter, ParameterSpace, Readout

__all__ = [
    "STATUS_FAILED",
    "STATUS_OK",
    "BatchResult",
    "Model",
    "Trace",
]

logger = logging.getLogger(__name__)

#: Status of a row whose readouts are all valid.
STATUS_OK = "ok"
#: Status of a row whose simulation raised, diverged or gave invalid readouts.
STATUS_FAILED = "failed"


@dataclass
class BatchResult:
    """Readouts of a batch with a status and reason per parameter set.

    Attributes:
        values: (n, k) float array of readouts; NaN where undefined.
        status: (n,) array of status strings (:data:`STATUS_OK` or
            :data:`STATUS_FAILED`, or a model-specific status).
        reason: (n,) array of strings, empty for rows without a problem.
    """

    values: np.ndarray
    status: np.ndarray
    reason: np.ndarray

    @classmethod
    def ok(cls, values: np.ndarray) -> BatchResult:
        """Wrap an (n, k) array whose rows all succeeded."""
        values = np.asarray(values, dtype=float)
        n = values.shape[0]
        return cls(values, np.full(n, STATUS_OK, dtype=object), np.full(n, "", object))


@dataclass
class Trace:
    """Time series of one simulation.

    Attributes:
        time_ms: sample times in ms, shape (t,).
        series: named arrays of shape (t,), e.g. ``v_mv`` or ``g_e_ns``.
        units: unit of each series, by name.
        parameters: the parameter set that produced the trace.
    """

    time_ms: np.ndarray
    series: dict[str, np.ndarray]
    units: dict[str, str]
    parameters: dict[str, float] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Return the trace as a DataFrame with a ``time_ms`` column."""
        data = {"time_ms": self.time_ms}
        data.update(self.series)
        return pd.DataFrame(data)


class Model:
    """Base class of every model.

    Subclasses set :attr:`name`, :attr:`space` and :attr:`readouts` and
    implement :meth:`simulate_batch`. Models that can produce time series
    implement :meth:`trace`. Model constants that are not sampled (time step,
    duration...) are constructor arguments and are returned by
    :meth:`settings`, so that :meth:`version_hash` changes with them.
    """

    #: Registry name, e.g. ``"ei_psp"``.
    name: str = "model"
    #: Version of the model's equations; bump it when results change.
    version: str = "1"
    #: Source papers, one citation per entry.
    references: ClassVar[tuple[str, ...]] = ()

    space: ParameterSpace
    readouts: tuple[Readout, ...]

    # Interface for subclasses ------------------------------------------------

    def simulate_batch(self, values: np.ndarray) -> np.ndarray | BatchResult:
        """Simulate an (n, d) array of parameter sets in natural units.

        Returns an (n, k) readout array or a :class:`BatchResult`.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement simulate_batch"
        )

    def trace(self, values: Mapping[str, float] | None = None, **kwargs: Any) -> Trace:
        """Return time series of one simulation.

        Args:
            values: parameter values by name; missing ones take defaults.
        """
        raise NotImplementedError(
            f"model {self.name!r} has no time series; use simulate() for readouts"
        )

    def settings(self) -> dict[str, Any]:
        """Return the model's non-sampled constants as a JSON-serialisable dict."""
        return {}

    def presets(self) -> dict[str, dict[str, float]]:
        """Return named parameter sets (published models, wild type...) by name."""
        return {}

    # Derived API -------------------------------------------------------------

    @property
    def readout_names(self) -> list[str]:
        """Readout names in column order."""
        return [r.name for r in self.readouts]

    def readout(self, name: str) -> Readout:
        """Return the readout called ``name``."""
        for readout in self.readouts:
            if readout.name == name:
                return readout
        raise KeyError(
            f"unknown readout {name!r} for model {self.name!r}; "
            f"readouts: {', '.join(self.readout_names)}"
        )

    def defaults(self) -> dict[str, float]:
        """Return the default parameter set as a dict."""
        return dict(zip(self.space.names, self.space.defaults.tolist(), strict=True))

    def with_defaults(self, **values: float) -> Model:
        """Return a copy whose default parameter values are replaced.

        Bounds widen where a new default lies outside them.
        """
        clone = copy.copy(self)
        clone.space = self.space.with_defaults(values)
        return clone

    def with_space(self, space: ParameterSpace | Iterable[Parameter]) -> Model:
        """Return a copy with a new parameter space of the same names and order."""
        space = space if isinstance(space, ParameterSpace) else ParameterSpace(space)
        if space.names != self.space.names:
            raise ValueError(
                f"model {self.name!r} needs parameters {self.space.names}, got {space.names}"
            )
        clone = copy.copy(self)
        clone.space = space
        return clone

    def version_hash(self) -> str:
        """Return a short hash of the model's identity, version, settings and space.

        Two models with the same hash give the same readouts for the same
        parameter set, so stored results can be matched to the model version.
        """
        identity = {
            "class": f"{type(self).__module__}.{type(self).__qualname__}",
            "name": self.name,
            "version": self.version,
            "settings": self.settings(),
            "parameters": [p.to_dict() for p in self.space],
            "readouts": [r.to_dict() for r in self.readouts],
        }
        text = json.dumps(identity, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def describe(self) -> dict[str, Any]:
        """Return the model's name, settings, parameters and readouts as a dict."""
        return {
            "name": self.name,
            "version": self.version,
            "version_hash": self.version_hash(),
            "settings": self.settings(),
            "parameters": [p.to_dict() for p in self.space],
            "readouts": [r.to_dict() for r in self.readouts],
            "references": list(self.references),
        }

    def simulate(
        self,
        table: pd.DataFrame | np.ndarray | Mapping[str, Any],
        *,
        check_bounds: bool = False,
    ) -> pd.DataFrame:
        """Simulate many parameter sets and return one row of readouts each.

        Args:
            table: a DataFrame with parameter-name columns (missing parameters
                take their defaults), an (n, d) array in the space's order, or
                a mapping of names to values or arrays.
            check_bounds: raise if a value lies outside its parameter's bounds.

        Returns:
            A DataFrame with one column per readout plus ``status`` and
            ``reason``, with the index of ``table`` when it is a DataFrame.
            A simulation that raises or gives a non-finite readout is kept as
            a row with status ``failed`` and its reason.
        """
        values = self.space.to_array(table)
        if check_bounds:
            self.space.validate(values)
        result = self._run_isolated(values)
        frame = pd.DataFrame(result.values, columns=self.readout_names)
        frame["status"] = result.status
        frame["reason"] = result.reason
        if isinstance(table, pd.DataFrame):
            frame.index = table.index
        return frame

    def simulate_one(self, values: Mapping[str, float] | None = None) -> dict[str, Any]:
        """Simulate one parameter set given by name and return its readouts as a dict."""
        row = pd.DataFrame([dict(values)]) if values else pd.DataFrame(index=[0])
        return {str(k): v for k, v in self.simulate(row).iloc[0].to_dict().items()}

    # Failure isolation -------------------------------------------------------

    def _run_isolated(self, values: np.ndarray) -> BatchResult:
        """Run a batch; if it raises, split it until the failing rows are found."""
        n = values.shape[0]
        k = len(self.readouts)
        if n == 0:
            empty = np.empty(0, dtype=object)
            return BatchResult(np.empty((0, k)), empty, empty.copy())
        try:
            result = self._normalise(self.simulate_batch(values), n)
        except Exception as error:  # noqa: BLE001 - a model error becomes a row
            if n == 1:
                reason = f"{type(error).__name__}: {error}"
                logger.debug("simulation failed for %s: %s", values[0], reason)
                return BatchResult(
                    np.full((1, k), np.nan),
                    np.array([STATUS_FAILED], dtype=object),
                    np.array([reason], dtype=object),
                )
            half = n // 2
            first = self._run_isolated(values[:half])
            second = self._run_isolated(values[half:])
            return BatchResult(
                np.vstack([first.values, second.values]),
                np.concatenate([first.status, second.status]),
                np.concatenate([first.reason, second.reason]),
            )
        return result

    def _normalise(self, raw: np.ndarray | BatchResult, n: int) -> BatchResult:
        """Check a batch's shape and mark non-finite rows that claim success."""
        result = raw if isinstance(raw, BatchResult) else BatchResult.ok(raw)
        values = np.asarray(result.values, dtype=float)
        k = len(self.readouts)
        if values.ndim == 1 and k == 1:
            values = values[:, None]
        if values.shape != (n, k):
            raise ValueError(
                f"model {self.name!r} returned readouts of shape {values.shape}, "
                f"expected ({n}, {k})"
            )
        status = np.asarray(result.status, dtype=object).copy()
        reason = np.asarray(result.reason, dtype=object).copy()
        allow_infinite = np.array([r.allow_infinite for r in self.readouts])
        invalid = np.isnan(values) | (np.isinf(values) & ~allow_infinite)
        bad = (status == STATUS_OK) & invalid.any(axis=1)
        for row in np.flatnonzero(bad):
            names = [self.readouts[j].name for j in np.flatnonzero(invalid[row])]
            status[row] = STATUS_FAILED
            reason[row] = f"non-finite readout: {', '.join(names)}"
        return BatchResult(values, status, reason)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name!r}: {len(self.space)} parameters, "
            f"{len(self.readouts)} readouts>"
        )


def as_readouts(readouts: Sequence[Readout | str]) -> tuple[Readout, ...]:
    """Return readouts given as :class:`Readout` objects or bare (dimensionless) names."""
    return tuple(
        r if isinstance(r, Readout) else Readout(str(r), "1") for r in readouts
    )
