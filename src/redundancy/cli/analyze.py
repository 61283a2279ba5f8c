"""The ``redundancy analyze`` command group."""

from __future__ import annotations

import typer

analyze_app = typer.Typer(
    help="Analyse a model or a population table: good set, sloppiness, sensitivity.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command group to ``app``."""
    app.add_typer(analyze_app, name="analyze")
