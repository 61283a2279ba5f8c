"""Core commands: ``models`` and ``simulate`` (``demo`` and ``run`` live in study_commands)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import typer

from redundancy.cli.common import parse_assignments
from redundancy.errors import InputError

logger = logging.getLogger(__name__)


def models_command(
    name: str = typer.Argument(None, help="Show only this model."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """List the built-in models with their parameters, units and bounds."""
    from redundancy.models import available_models, get_model

    names = [name] if name else available_models()
    descriptions = [get_model(n).describe() for n in names]
    if as_json:
        typer.echo(json.dumps(descriptions, indent=2))
        return
    for description in descriptions:
        typer.echo(f"{description['name']}  (version {description['version']})")
        typer.echo("  parameters:")
        for p in description["parameters"]:
            typer.echo(
                f"    {p['name']:<22} {p['unit']:<9} [{p['lower']:g}, {p['upper']:g}]"
                f"  default {p['default']:g}  {p['scale']:<6}  {p['description']}"
            )
        typer.echo("  readouts:")
        for r in description["readouts"]:
            typer.echo(f"    {r['name']:<22} {r['unit']:<9} {r['description']}")
        typer.echo("")


def simulate_command(
    model_name: str = typer.Argument(..., metavar="MODEL", help="Model name."),
    assignments: list[str] = typer.Option(
        None,
        "--set",
        help="Parameter value NAME=VALUE in the parameter's unit; repeatable.",
    ),
    settings: list[str] = typer.Option(
        None,
        "--setting",
        help="Model constant NAME=VALUE, e.g. dt_ms=0.01; repeatable.",
    ),
    preset: str = typer.Option(
        None, "--preset", help="Start from a named parameter set of the model."
    ),
    plot: Path = typer.Option(
        None,
        "--plot",
        help="Save the simulation's time series to this PNG or SVG file.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the readouts as JSON."),
) -> None:
    """Simulate one parameter set and print its readouts."""
    from redundancy.models import get_model

    model = get_model(model_name, **parse_assignments(settings, "--setting"))
    values: dict[str, float] = {}
    if preset:
        presets = model.presets()
        if preset not in presets:
            known = ", ".join(presets) or "none"
            raise InputError(
                f"unknown preset {preset!r} for model {model_name!r}; presets: {known}"
            )
        values.update(presets[preset])
    values.update(parse_assignments(assignments, "--set"))
    for parameter_name in values:
        model.space[parameter_name]  # KeyError names the known parameters
    model.space.validate(model.space.to_array({k: [v] for k, v in values.items()}))

    row = model.simulate_one(values)
    if as_json:
        parameters = {**model.defaults(), **values}
        typer.echo(
            json.dumps(
                {
                    "model": model.name,
                    "parameters": parameters,
                    "readouts": _jsonable(row),
                },
                indent=2,
            )
        )
    else:
        for readout in model.readouts:
            value = row[readout.name]
            typer.echo(f"{readout.name:<24} {value:>12.6g} {readout.unit}")
        typer.echo(f"{'status':<24} {row['status']:>12}")
        if row["reason"]:
            typer.echo(f"{'reason':<24} {row['reason']}")
    if plot is not None:
        from redundancy.report.traces import plot_trace

        trace = model.trace(values)
        plot_trace(
            trace, title=f"{model.name}{' ' + preset if preset else ''}", path=plot
        )
        logger.info("saved trace plot to %s", plot)


def _jsonable(row: dict) -> dict:
    """Return a readout row with NaN turned into None, for strict JSON."""
    out: dict[str, object] = {}
    for key, value in row.items():
        if isinstance(value, float) and value != value:
            out[key] = None
        elif hasattr(value, "item"):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def register(app: typer.Typer) -> None:
    """Add the core commands to ``app``."""
    app.command("models")(models_command)
    app.command("simulate")(simulate_command)
