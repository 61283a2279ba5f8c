"""Continuous criterion margins: how far inside (positive) or outside the good set.

A criterion (:mod:`redundancy.analysis.criteria`) gives a yes/no answer per
row. Path search and island widths need a number instead, positive inside
the good set and negative outside, whose sign agrees with the criterion:

- :class:`~redundancy.analysis.criteria.ScoreCriterion`: ``score -
  threshold`` (``threshold - score`` for ``direction="below"``), in the
  score's unit;
- :class:`~redundancy.analysis.criteria.TargetCriterion`: the smallest of
  ``1 - |value - target| / tolerance`` over the targets (dimensionless);
- :class:`~redundancy.analysis.criteria.ExpressionCriterion`: each comparison
  ``left >= right`` becomes ``left - right`` (``right - left`` for ``<=``),
  ``and`` the minimum and ``or`` the maximum of its parts, so ``margin >= 0``
  has margin ``margin``. Comparisons across readouts of different units mix
  those units, so prefer a score criterion there;
- anything else (classifier criteria, ``==``, ``not``): +1 inside, -1
  outside, which is enough to test a path but gives an optimiser no slope.

A user function ``f(frame) -> array`` of floats is used as the margin
directly, and one returning booleans as +1/-1. Rows whose simulation failed
(status other than ``ok``) or whose margin is not finite get
:data:`FAILED_MARGIN`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from redundancy.analysis.criteria import (
    CriterionBase,
    ExpressionCriterion,
    ScoreCriterion,
    TargetCriterion,
    parse_criterion,
)
from redundancy.analysis.expressions import evaluate_expression
from redundancy.models.base import Model

__all__ = ["FAILED_MARGIN", "CriterionLike", "criterion_margin", "margin_function"]

#: Margin given to failed simulations and non-finite margins.
FAILED_MARGIN = -1.0e6

#: Criterion types accepted by the path and width analyses.
CriterionLike = (
    CriterionBase | Mapping[str, Any] | str | Callable[[pd.DataFrame], np.ndarray]
)


def criterion_margin(
    criterion: CriterionLike, frame: pd.DataFrame, readouts: list[str]
) -> np.ndarray:
    """Return the margin of each row of a readout table (positive means good).

    Args:
        criterion: a criterion object, a dict with a ``kind`` key, an
            expression string, or a function of the readout table.
        frame: readouts by column, as returned by :meth:`Model.simulate`.
        readouts: the columns the criterion may read.

    Returns:
        A float array of shape (n,).
    """
    if callable(criterion) and not isinstance(criterion, CriterionBase):
        raw = np.asarray(criterion(frame))
        margin = _bool_margin(raw) if raw.dtype == bool else raw.astype(float)
    else:
        parsed = parse_criterion(criterion)
        margin = _parsed_margin(parsed, frame, readouts)
    margin = np.asarray(margin, dtype=float).reshape(len(frame))
    if "status" in frame.columns:
        margin = np.where(frame["status"].to_numpy() == "ok", margin, np.nan)
    return np.where(np.isfinite(margin), margin, FAILED_MARGIN)


def margin_function(
    model: Model, criterion: CriterionLike
) -> Callable[[np.ndarray], np.ndarray]:
    """Return ``f(values) -> margins`` simulating an (n, d) array in natural units."""
    readouts = model.readout_names

    def evaluate(values: np.ndarray) -> np.ndarray:
        frame = model.simulate(np.atleast_2d(values))
        return criterion_margin(criterion, frame, readouts)

    return evaluate


def _bool_margin(mask: np.ndarray) -> np.ndarray:
    return np.where(np.asarray(mask, dtype=bool), 1.0, -1.0)


def _parsed_margin(
    criterion: CriterionBase, frame: pd.DataFrame, readouts: list[str]
) -> np.ndarray:
    if isinstance(criterion, ScoreCriterion):
        score = np.asarray(
            evaluate_expression(criterion.score, frame, readouts), dtype=np.float64
        )
        if criterion.direction == "above":
            return score - criterion.threshold
        return criterion.threshold - score
    if isinstance(criterion, TargetCriterion):
        parts = []
        for name, target in criterion.targets.items():
            if name not in readouts:
                criterion.evaluate(frame, readouts)  # raises the standard error
            deviation = np.abs(frame[name].to_numpy(dtype=float) - target.value)
            width = target.half_width()
            parts.append(1.0 - deviation / width if width > 0 else -deviation)
        return np.min(parts, axis=0)
    if isinstance(criterion, ExpressionCriterion):
        criterion.evaluate(frame, readouts)  # checks names and that it is boolean
        tree = ast.parse(criterion.expression.strip(), mode="eval")
        return _expression_margin(tree.body, frame, readouts)
    return _bool_margin(criterion.evaluate(frame, readouts))


def _expression_margin(
    node: ast.expr, frame: pd.DataFrame, readouts: list[str]
) -> np.ndarray:
    """Return the signed margin of a boolean expression tree."""
    if isinstance(node, ast.BoolOp):
        parts = [_expression_margin(value, frame, readouts) for value in node.values]
        reduce = np.minimum if isinstance(node.op, ast.And) else np.maximum
        result = parts[0]
        for part in parts[1:]:
            result = reduce(result, part)
        return result
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.BitAnd, ast.BitOr)):
        left = _expression_margin(node.left, frame, readouts)
        right = _expression_margin(node.right, frame, readouts)
        if isinstance(node.op, ast.BitAnd):
            return np.minimum(left, right)
        return np.maximum(left, right)
    if isinstance(node, ast.Compare) and all(
        isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in node.ops
    ):
        operands = [node.left, *node.comparators]
        values = [
            np.asarray(
                evaluate_expression(ast.unparse(o), frame, readouts),
                dtype=np.float64,
            )
            for o in operands
        ]
        parts = []
        for i, op in enumerate(node.ops):
            if isinstance(op, (ast.Gt, ast.GtE)):
                parts.append(values[i] - values[i + 1])
            else:
                parts.append(values[i + 1] - values[i])
        return np.broadcast_to(np.min(parts, axis=0), (len(frame),)).astype(float)
    mask = evaluate_expression(ast.unparse(node), frame, readouts)
    return _bool_margin(np.broadcast_to(mask, (len(frame),)))
