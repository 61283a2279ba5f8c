"""Circuit-function criteria and the good set they select.

A criterion decides, row by row, whether a simulated circuit "works". Four
kinds cover the usual definitions:

- :class:`TargetCriterion`: each named readout within ``target ± tolerance``
  (absolute, or relative to the target), as in the activity targets of
  Prinz et al. (2004);
- :class:`ExpressionCriterion`: a boolean expression over readouts, evaluated
  safely (see :mod:`redundancy.analysis.expressions`);
- :class:`ClassifierCriterion`: a 0/1 readout computed by the model, such as
  ``pyloric_like``;
- :class:`ScoreCriterion`: a continuous score (a readout or an expression)
  compared with a threshold.

Criteria are frozen Pydantic models with a ``kind`` discriminator, a
``version`` and a stable :meth:`~CriterionBase.criterion_hash`, so the exact
definition is stored with every result.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nature Neuroscience 7:1345-1352.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from redundancy.analysis.expressions import evaluate_expression, expression_names
from redundancy.analysis.results import AnalysisResult, new_axes
from redundancy.errors import InputError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "META_COLUMNS",
    "ClassifierCriterion",
    "Criterion",
    "ExpressionCriterion",
    "GoodSet",
    "ScoreCriterion",
    "Target",
    "TargetCriterion",
    "good_set",
    "parse_criterion",
    "readout_columns",
]

#: Columns of a population table that are bookkeeping, never readouts.
META_COLUMNS = frozenset(
    {"status", "reason", "id", "row_id", "sample_id", "batch", "seed", "run_id"}
)


def readout_columns(
    table: pd.DataFrame,
    readouts: Sequence[str] | None = None,
    parameters: Sequence[str] | None = None,
) -> list[str]:
    """Return the columns of ``table`` that a criterion may read.

    Args:
        table: the population table.
        readouts: the readout names, when known (e.g. ``model.readout_names``).
        parameters: parameter names to exclude when ``readouts`` is None.
    """
    if readouts is not None:
        return [name for name in readouts if name in table.columns]
    excluded = META_COLUMNS | set(parameters or ())
    return [str(c) for c in table.columns if c not in excluded]


class CriterionBase(BaseModel):
    """Common behaviour of criteria: a mask over a table, a version and a hash."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Version of the criterion's semantics; stored with every result.
    version: ClassVar[str] = "1"

    def readouts_used(self) -> list[str]:
        """Return the readout names the criterion reads."""
        raise NotImplementedError

    def evaluate(self, table: pd.DataFrame, allowed: Sequence[str]) -> np.ndarray:
        """Return a boolean mask, one entry per row (status not considered)."""
        raise NotImplementedError

    def describe(self) -> str:
        """Return a one-line human-readable form."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Return the definition with its version and hash, JSON-serialisable."""
        data = self.model_dump(mode="json")
        data["version"] = self.version
        data["hash"] = self.criterion_hash()
        data["description"] = self.describe()
        return data

    def criterion_hash(self) -> str:
        """Return a 16-hex-digit hash of the definition and version."""
        payload = {"definition": self.model_dump(mode="json"), "version": self.version}
        text = json.dumps(payload, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _check_names(self, allowed: Sequence[str]) -> None:
        for name in self.readouts_used():
            if name not in allowed:
                raise InputError(
                    f"unknown readout {name!r} in criterion {self.describe()!r}; "
                    f"readouts: {', '.join(allowed) or 'none'}"
                )


class Target(BaseModel):
    """A target value of one readout with its tolerance.

    Args:
        value: target, in the readout's unit.
        tolerance: allowed deviation, in the readout's unit, or as a fraction
            of ``|value|`` when ``relative`` is True.
        relative: whether ``tolerance`` is a fraction of the target.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    tolerance: float = Field(ge=0)
    relative: bool = False

    def half_width(self) -> float:
        """Return the tolerance in the readout's unit."""
        return self.tolerance * abs(self.value) if self.relative else self.tolerance


class TargetCriterion(CriterionBase):
    """Every named readout within its target ± tolerance (bounds inclusive)."""

    kind: Literal["target"] = "target"
    targets: dict[str, Target]

    @field_validator("targets")
    @classmethod
    def _not_empty(cls, targets: dict[str, Target]) -> dict[str, Target]:
        if not targets:
            raise ValueError("a target criterion needs at least one readout target")
        return targets

    def readouts_used(self) -> list[str]:
        return list(self.targets)

    def evaluate(self, table: pd.DataFrame, allowed: Sequence[str]) -> np.ndarray:
        self._check_names(allowed)
        mask = np.ones(len(table), dtype=bool)
        for name, target in self.targets.items():
            values = table[name].to_numpy(dtype=float)
            mask &= np.abs(values - target.value) <= target.half_width()
        return mask

    def describe(self) -> str:
        parts = []
        for name, target in self.targets.items():
            suffix = f"{100 * target.tolerance:g}%" if target.relative else ""
            tolerance = suffix or f"{target.tolerance:g}"
            parts.append(f"{name} = {target.value:g} ± {tolerance}")
        return " and ".join(parts)


class ExpressionCriterion(CriterionBase):
    """A boolean expression over readouts, e.g. ``"period_ms > 500 and duty < 0.3"``."""

    kind: Literal["expression"] = "expression"
    expression: str

    @field_validator("expression")
    @classmethod
    def _valid(cls, expression: str) -> str:
        expression_names(expression)  # raises InputError on invalid syntax
        return expression

    def readouts_used(self) -> list[str]:
        return expression_names(self.expression)

    def evaluate(self, table: pd.DataFrame, allowed: Sequence[str]) -> np.ndarray:
        self._check_names(allowed)
        value = evaluate_expression(self.expression, table, allowed)
        if value.dtype != bool:
            raise InputError(
                f"expression {self.expression!r} gives numbers, not true/false; "
                "add a comparison such as '> 0' or use a score criterion"
            )
        return np.asarray(value, dtype=bool)

    def describe(self) -> str:
        return self.expression


class ClassifierCriterion(CriterionBase):
    """A 0/1 readout computed by the model, e.g. ``pyloric_like``."""

    kind: Literal["classifier"] = "classifier"
    column: str
    positive: float = 1.0

    def readouts_used(self) -> list[str]:
        return [self.column]

    def evaluate(self, table: pd.DataFrame, allowed: Sequence[str]) -> np.ndarray:
        self._check_names(allowed)
        values = table[self.column].to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        labels = set(np.unique(finite).tolist())
        if not labels <= {0.0, 1.0}:
            shown = ", ".join(f"{v:g}" for v in sorted(labels)[:5])
            raise InputError(
                f"classifier readout {self.column!r} has values other than 0 and 1 "
                f"({shown}); use a score criterion with a threshold instead"
            )
        return values == self.positive

    def describe(self) -> str:
        return f"{self.column} == {self.positive:g}"


class ScoreCriterion(CriterionBase):
    """A continuous score compared with a threshold.

    Args:
        score: a readout name or an arithmetic expression over readouts.
        threshold: threshold, in the score's unit.
        direction: ``"above"`` keeps rows with score >= threshold, ``"below"``
            rows with score <= threshold.
    """

    kind: Literal["score"] = "score"
    score: str
    threshold: float
    direction: Literal["above", "below"] = "above"

    @field_validator("score")
    @classmethod
    def _valid(cls, score: str) -> str:
        expression_names(score)
        return score

    def readouts_used(self) -> list[str]:
        return expression_names(self.score)

    def evaluate(self, table: pd.DataFrame, allowed: Sequence[str]) -> np.ndarray:
        self._check_names(allowed)
        score = np.asarray(
            evaluate_expression(self.score, table, allowed), dtype=np.float64
        )
        if self.direction == "above":
            return score >= self.threshold
        return score <= self.threshold

    def describe(self) -> str:
        sign = ">=" if self.direction == "above" else "<="
        return f"{self.score} {sign} {self.threshold:g}"


Criterion = Annotated[
    TargetCriterion | ExpressionCriterion | ClassifierCriterion | ScoreCriterion,
    Field(discriminator="kind"),
]

_CRITERION_ADAPTER: TypeAdapter[Any] = TypeAdapter(Criterion)


def parse_criterion(spec: CriterionBase | Mapping[str, Any] | str) -> CriterionBase:
    """Return a criterion from an object, a dict (as in a study file) or an expression.

    A dict needs a ``kind`` key (``target``, ``expression``, ``classifier`` or
    ``score``); a plain string is taken as an expression.

    Raises:
        InputError: for an invalid definition.
    """
    if isinstance(spec, CriterionBase):
        return spec
    if isinstance(spec, str):
        data: dict[str, Any] = {"kind": "expression", "expression": spec}
    else:
        excluded = ("version", "hash", "description")
        data = {k: v for k, v in dict(spec).items() if k not in excluded}
    try:
        return _CRITERION_ADAPTER.validate_python(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'criterion'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise InputError(f"invalid criterion: {problems}") from None


@dataclass(frozen=True)
class GoodSet(AnalysisResult):
    """The rows of a population table that meet a criterion.

    Attributes:
        criterion: the criterion used.
        mask: boolean array, True for rows in the good set, aligned with the
            table's rows.
        rows: the good rows of the table (a view on the same data).
        n_total: number of rows in the table.
        n_ok: number of rows whose simulation succeeded (status ``ok``); all
            rows when the table has no status column.
    """

    kind = "good_set"

    criterion: CriterionBase
    mask: np.ndarray = field(repr=False)
    rows: pd.DataFrame = field(repr=False)
    n_total: int
    n_ok: int

    @property
    def size(self) -> int:
        """Number of rows in the good set."""
        return int(self.mask.sum())

    @property
    def fraction(self) -> float:
        """Fraction of all rows in the good set (NaN for an empty table)."""
        return self.size / self.n_total if self.n_total else float("nan")

    @property
    def fraction_of_ok(self) -> float:
        """Fraction of successfully simulated rows in the good set."""
        return self.size / self.n_ok if self.n_ok else float("nan")

    def to_frame(self) -> pd.DataFrame:
        """Return one row with the counts and fractions."""
        return pd.DataFrame([self._counts()])

    def _counts(self) -> dict[str, float]:
        return {
            "n_total": self.n_total,
            "n_ok": self.n_ok,
            "n_good": self.size,
            "fraction": self.fraction,
            "fraction_of_ok": self.fraction_of_ok,
        }

    def to_dict(self) -> dict[str, Any]:
        """Return the counts, fractions and criterion."""
        return {
            "kind": self.kind,
            "criterion": self.criterion.to_dict(),
            **self._counts(),
        }

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the number of good, other successful and failed rows as bars."""
        ax = new_axes(ax, (5.0, 3.5))
        counts = [self.size, self.n_ok - self.size, self.n_total - self.n_ok]
        labels = ["good", "ok, not good", "failed"]
        ax.bar(labels, counts, color=["tab:green", "tab:gray", "tab:red"])
        ax.set_ylabel("parameter sets (count)")
        ax.set_xlabel("simulation outcome (category)")
        ax.set_title(f"good set: {self.criterion.describe()}", fontsize=9)
        return ax


def good_set(
    table: pd.DataFrame,
    criterion: CriterionBase | Mapping[str, Any] | str,
    *,
    readouts: Sequence[str] | None = None,
    parameters: Sequence[str] | None = None,
) -> GoodSet:
    """Select the rows of ``table`` that meet ``criterion``.

    Rows whose ``status`` column is not ``"ok"`` are never in the good set, and
    a NaN readout fails every comparison.

    Args:
        table: population table with one column per readout (and optionally
            parameter columns and ``status``/``reason``).
        criterion: a criterion object, a dict with a ``kind`` key or an
            expression string.
        readouts: names the criterion may read; by default every column that
            is not a parameter or bookkeeping column.
        parameters: parameter column names, excluded from the default readouts.

    Returns:
        A :class:`GoodSet` with the mask, the good rows, counts and the criterion.

    Raises:
        InputError: if the criterion names a column that is not a readout, or
            its expression is invalid.

    References:
        Prinz AA, Bucher D, Marder E (2004). Nature Neuroscience 7:1345-1352.
    """
    criterion = parse_criterion(criterion)
    allowed = readout_columns(table, readouts, parameters)
    mask = np.asarray(criterion.evaluate(table, allowed), dtype=bool)
    if "status" in table.columns:
        ok = table["status"].to_numpy() == "ok"
        mask &= ok
        n_ok = int(ok.sum())
    else:
        n_ok = len(table)
    return GoodSet(
        criterion=criterion, mask=mask, rows=table[mask], n_total=len(table), n_ok=n_ok
    )
