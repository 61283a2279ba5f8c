"""Safe evaluation of expressions over readout columns.

An expression such as ``"burst_period_ms > 500 and abs(phase - 0.5) < 0.05"``
is parsed with :mod:`ast`, checked against a short list of allowed constructs
and evaluated with NumPy on whole columns. Attribute access, subscripts,
comprehensions, lambdas and any name that is not an allowed column or function
are rejected before anything runs, so a criterion from a study file or the
command line cannot execute code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Collection, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from redundancy.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FUNCTIONS", "evaluate_expression", "expression_names"]

#: Functions an expression may call, each applied element-wise.
FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "abs": np.abs,
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sqrt": np.sqrt,
}

_BINARY: dict[type[ast.operator], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.Pow: np.power,
    ast.Mod: np.mod,
    ast.BitAnd: np.logical_and,
    ast.BitOr: np.logical_or,
}

_COMPARE: dict[type[ast.cmpop], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}

_ALLOWED_HELP = (
    "use column names, numbers, + - * / ** %, comparisons, and/or/not (or & |) "
    f"and the functions {', '.join(FUNCTIONS)}"
)


@lru_cache(maxsize=256)
def _parse(expression: str) -> ast.Expression:
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise InputError(
            f"invalid expression {expression!r}: {error.msg}; {_ALLOWED_HELP}"
        ) from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise InputError(
                f"expression {expression!r} uses {type(node).__name__}, which is not "
                f"allowed; {_ALLOWED_HELP}"
            )
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                raise InputError(
                    f"expression {expression!r} calls {ast.unparse(node.func)!r}, "
                    f"which is not allowed; {_ALLOWED_HELP}"
                )
            if node.keywords or len(node.args) != 1:
                raise InputError(
                    f"expression {expression!r}: {node.func.id}() takes exactly one "
                    "positional argument"
                )
        if isinstance(node, ast.Constant) and not isinstance(
            node.value, (int, float, bool)
        ):
            raise InputError(
                f"expression {expression!r} contains the constant {node.value!r}; "
                "only numbers and True/False are allowed"
            )
    return tree


_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.BinOp,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.Invert,
    ast.Compare,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Call,
    *_BINARY,
    *_COMPARE,
)


def expression_names(expression: str) -> list[str]:
    """Return the column names an expression reads, in order of first use.

    Raises:
        InputError: if the expression is not valid or uses a construct that is
            not allowed.
    """
    tree = _parse(expression)
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in FUNCTIONS:
            if node.id not in names and node.id not in ("True", "False"):
                names.append(node.id)
    return names


def evaluate_expression(
    expression: str,
    columns: Mapping[str, np.ndarray] | pd.DataFrame,
    allowed: Collection[str] | None = None,
) -> np.ndarray:
    """Evaluate ``expression`` on named columns and return an array.

    Args:
        expression: the expression, in Python syntax restricted as described in
            the module docstring.
        columns: arrays by column name, all of the same length. Values are read
            lazily, so a pandas DataFrame works and only the named columns are
            converted.
        allowed: the names the expression may use (e.g. the readouts); None
            allows every key of ``columns``.

    Returns:
        A NumPy array of the expression's value per row (bool for conditions,
        float for arithmetic), broadcast to the column length.

    Raises:
        InputError: for a syntax error, a construct that is not allowed or a
            name that is not an allowed column. The message lists the names.
    """
    tree = _parse(expression)
    known = list(columns.keys()) if allowed is None else list(allowed)
    for name in expression_names(expression):
        if name not in known or name not in columns:
            raise InputError(
                f"unknown readout {name!r} in expression {expression!r}; "
                f"readouts: {', '.join(map(str, known)) or 'none'}"
            )
    cache: dict[str, np.ndarray] = {}

    def column(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = np.asarray(columns[name], dtype=float)
        return cache[name]

    def visit(node: ast.AST) -> np.ndarray:
        if isinstance(node, ast.Expression):
            return visit(node.body)
        if isinstance(node, ast.Constant):
            return np.asarray(node.value)
        if isinstance(node, ast.Name):
            if node.id in ("True", "False"):
                return np.asarray(node.id == "True")
            return column(node.id)
        if isinstance(node, ast.BoolOp):
            combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            result = visit(node.values[0])
            for value in node.values[1:]:
                result = combine(result, visit(value))
            return result
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](visit(node.left), visit(node.right))
        if isinstance(node, ast.UnaryOp):
            operand = visit(node.operand)
            if isinstance(node.op, ast.USub):
                return np.negative(operand)
            if isinstance(node.op, ast.UAdd):
                return operand
            return np.logical_not(operand)
        if isinstance(node, ast.Compare):
            left = visit(node.left)
            result = np.asarray(True)
            for operator, comparator in zip(node.ops, node.comparators, strict=True):
                right = visit(comparator)
                result = np.logical_and(result, _COMPARE[type(operator)](left, right))
                left = right
            return result
        if isinstance(node, ast.Call):
            assert isinstance(node.func, ast.Name)
            return FUNCTIONS[node.func.id](visit(node.args[0]))
        raise InputError(f"expression {expression!r}: unsupported {ast.dump(node)}")

    if hasattr(columns, "index"):  # a DataFrame: its length is its row count
        length = len(columns.index)
    else:
        length = len(next(iter(columns.values()))) if len(columns) else 0
    with np.errstate(all="ignore"):
        value = visit(tree)
    return np.broadcast_to(value, (length,)) if np.ndim(value) == 0 else value
