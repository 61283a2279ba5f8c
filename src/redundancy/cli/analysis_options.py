"""Options shared by the ``redundancy analyze`` commands: criteria and output.

:func:`criterion_spec` turns the ``--criterion``, ``--target``,
``--classifier`` and ``--score``/``--threshold`` options into a criterion
mapping for :func:`redundancy.analysis.criteria.parse_criterion`, and
:func:`show_result` prints a result's table and writes its files.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import typer

from redundancy.errors import InputError

__all__ = [
    "check_point",
    "check_positive_levels",
    "cli_form",
    "cli_hints",
    "criterion_spec",
    "parse_target",
    "show_result",
]

_Command = TypeVar("_Command", bound=Callable[..., Any])

#: Python keyword hints in analysis errors and their command-line spelling.
_CLI_HINTS: tuple[tuple[str, str], ...] = (
    (r"readouts=\[\.\.\.\]", "--readout NAME"),
    (r"readout_scale=\{name: sigma\} with a scale in the readout's unit",
     "--scale absolute"),
    (r"\bat=\.\.\.", "--at NAME=VALUE"),
    (r"method='(\w+)' or '(\w+)'", r"--method \1 or --method \2"),
    (r"method='(\w+)'", r"--method \1"),
    (r"failure_policy='(\w+)' or '([\w-]+)'", r"--failure-policy \1 or \2"),
    (r"\bfailure_policy\b", "--failure-policy"),
    (r"\bwithin=\.\.\.", "--within EXPR"),
    (r"\bn=(\d+)", r"--n \1"),
)  # fmt: skip

_TARGET = re.compile(r"^(\w+)=([^+±]+)(?:\+-|±)([0-9.eE+-]+)(%?)$")


def parse_target(item: str) -> tuple[str, dict[str, Any]]:
    """Parse a ``--target NAME=VALUE+-TOLERANCE`` item into a target mapping.

    A tolerance ending in ``%`` is relative to the value. Both numbers are in
    the readout's unit.

    Raises:
        InputError: for an item that does not match the form or contains a value
            that is not a number.
    """
    match = _TARGET.match(item.replace(" ", ""))
    if not match:
        raise InputError(
            f"--target {item!r}: expected NAME=VALUE+-TOLERANCE, e.g. "
            "period_ms=1000+-100 or period_ms=1000+-10%"
        )
    name, value, tolerance, percent = match.groups()
    try:
        target = float(value)
        width = float(tolerance) / (100 if percent else 1)
    except ValueError:
        raise InputError(
            f"--target {item!r}: value or tolerance is not a number"
        ) from None
    return name, {"value": target, "tolerance": width, "relative": bool(percent)}


def criterion_spec(
    expression: str | None,
    targets: list[str] | None,
    classifier: str | None,
    score: str | None,
    threshold: float | None,
    below: bool,
) -> dict[str, Any]:
    """Return the criterion mapping given by exactly one of the criterion options.

    Args:
        expression: ``--criterion``, a boolean expression over readouts.
        targets: ``--target`` items, ``NAME=VALUE+-TOL`` in the readout's unit.
        classifier: ``--classifier``, a 0/1 readout column.
        score: ``--score``, a readout name or expression.
        threshold: ``--threshold``, the score's cut-off in its unit.
        below: keep scores at or below the threshold instead of above.

    Raises:
        InputError: when none or several of the options are given, or
            ``--score`` comes without ``--threshold``.
    """
    given = [bool(expression), bool(targets), bool(classifier), bool(score)]
    if sum(given) != 1:
        raise InputError(
            "give exactly one of --criterion EXPR, --target NAME=VALUE+-TOL, "
            "--classifier COLUMN or --score EXPR --threshold X"
        )
    if expression:
        return {"kind": "expression", "expression": expression}
    if targets:
        return {"kind": "target", "targets": dict(map(parse_target, targets))}
    if classifier:
        return {"kind": "classifier", "column": classifier}
    if threshold is None:
        raise InputError("--score needs --threshold X")
    direction = "below" if below else "above"
    return {
        "kind": "score",
        "score": score,
        "threshold": threshold,
        "direction": direction,
    }


def show_result(result: Any, out: Path | None, stem: str, columns: list[str]) -> None:
    """Print ``columns`` of a result's table and write its files into ``out``.

    Args:
        result: an analysis result with ``to_frame()``.
        out: folder for ``<stem>.json``, ``.csv`` and ``.png``; None writes
            nothing.
        stem: file name without extension.
        columns: table columns to print; missing ones are skipped.
    """
    import pandas as pd

    frame = result.to_frame()
    shown = frame[[c for c in columns if c in frame.columns]]
    with pd.option_context("display.width", 120, "display.max_rows", 60):
        typer.echo(shown.to_string(float_format=lambda v: f"{v:.4g}"))
    if out is not None:
        from redundancy.analysis.results import write_result

        files = write_result(result, out, stem)
        typer.echo(f"wrote {files['json']} and {files['png']}")


def cli_form(message: str) -> str:
    """Return an analysis error message with its fixes in command-line form.

    Library errors suggest Python keywords (``readouts=[...]``,
    ``method='dbscan'``); on the command line the matching options
    (``--readout NAME``, ``--method dbscan``) are the fix.
    """
    for pattern, replacement in _CLI_HINTS:
        message = re.sub(pattern, replacement, message)
    return message


def cli_hints(command: _Command) -> _Command:
    """Wrap a command so that its input errors name command-line options."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            raise InputError(cli_form(str(error))) from None

    return wrapper  # type: ignore[return-value]


def check_point(space: Any, point: Mapping[str, float], option: str) -> None:
    """Raise an InputError when a point given on the command line is out of bounds.

    Args:
        space: the model's :class:`~redundancy.parameters.ParameterSpace`.
        point: parameter values by name, in their units (others default).
        option: the option that gave the point, e.g. ``"--at"``.

    Raises:
        InputError: naming the parameter, its value and its bounds.
    """
    # Unknown names are reported, with the known ones, by the analysis itself.
    known = {name: value for name, value in point.items() if name in space.names}
    if not known:
        return
    try:
        space.validate(space.to_array(known))
    except ValueError as error:
        message = re.sub(r"^row \d+: ", "", str(error))
        raise InputError(f"{option} {message}") from None


def check_positive_levels(levels: int, trajectories: int) -> None:
    """Raise an InputError unless Morris has at least 2 levels and 2 trajectories.

    Args:
        levels: ``--levels``, grid levels per parameter.
        trajectories: ``--trajectories``, the number of trajectories r.
    """
    if levels < 2:
        raise InputError(
            f"--levels {levels}: Morris needs at least 2 grid levels; 4 is usual"
        )
    if trajectories < 2:
        raise InputError(
            f"--trajectories {trajectories}: Morris needs at least 2; 20 is usual"
        )
