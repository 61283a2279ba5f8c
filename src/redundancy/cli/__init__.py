"""The ``redundancy`` command line.

Each command group lives in its own module with a ``register(app)`` function,
and :func:`main` turns input errors into one-line messages with a non-zero exit
(a traceback only with ``--debug``).
"""

from __future__ import annotations

import logging
import sys
import warnings

import typer

from redundancy.cli import analyze, analyze_solutions, core, study_commands, sweep
from redundancy.cli.common import state

app = typer.Typer(
    name="redundancy",
    help="Simulate populations of circuit models and measure their redundancy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _configure(
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Hide progress bars and informational logs."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages."),
    debug: bool = typer.Option(
        False, "--debug", help="Show the full traceback when a command fails."
    ),
) -> None:
    """Simulate populations of circuit models and measure their redundancy."""
    from redundancy.progress import set_progress_default

    state.debug = debug
    if verbose:
        level = logging.DEBUG
    elif quiet:
        level = logging.WARNING
    else:
        level = logging.INFO
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("redundancy").setLevel(level)
    warnings.showwarning = _log_warning
    set_progress_default(not quiet)


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    """Log a Python warning as one line, without its source line."""
    logging.getLogger("redundancy.warnings").warning(
        "%s: %s", category.__name__, message
    )


core.register(app)
sweep.register(app)
analyze.register(app)
analyze_solutions.register(analyze.analyze_app)
study_commands.register(app)


def main() -> None:
    """Run the command line, reporting input errors without a traceback."""
    from redundancy.cli.common import run_app

    run_app(app)
