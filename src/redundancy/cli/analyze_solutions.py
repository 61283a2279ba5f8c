"""``redundancy analyze`` commands for dependencies and multiple solutions.

``correlations`` and ``islands`` read a population database (DuckDB),
Parquet or CSV table and a criterion of the good set; ``connect`` simulates a
model along a path between two parameter sets. Each prints a short table and,
with ``--out DIR``, writes ``<command>.json``, ``.csv`` and ``.png`` there.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from redundancy.cli.analysis_options import (
    check_point,
    cli_hints,
    criterion_spec,
    show_result,
)
from redundancy.cli.analyze import load_model, load_table
from redundancy.cli.common import parse_assignments
from redundancy.errors import InputError

if TYPE_CHECKING:
    from redundancy.analysis.dependencies import Correction, CorrelationMethod
    from redundancy.analysis.islands import IslandMethod

__all__ = ["register"]

_TABLE_HELP = "Population database (.duckdb), .parquet or .csv."
_OUT_HELP = "Folder for the JSON, CSV and PNG results."


def _good_rows(
    table_path: Path,
    run_id: int | None,
    model_spec: str | None,
    parameter_names: str | None,
    criterion: dict[str, Any] | None,
) -> tuple[Any, Any, Any]:
    """Return (table, parameters, good mask) of a population table."""
    import numpy as np

    from redundancy.analysis.criteria import good_set

    table, readouts, space = load_table(table_path, run_id)
    if model_spec:
        model = load_model(model_spec)
        space = model.space
        readouts = [name for name in model.readout_names if name in table.columns]
    parameters: Any = space
    if parameter_names:
        names = [name.strip() for name in parameter_names.split(",") if name.strip()]
        parameters = space.subset(names) if space is not None else names
    if parameters is None:
        raise InputError(
            f"{str(table_path)!r} does not store its parameters; give --parameters "
            "a,b,c or --model NAME"
        )
    names = parameters.names if hasattr(parameters, "names") else parameters
    if criterion is None:
        good = (
            table["status"].to_numpy() == "ok"
            if "status" in table.columns
            else np.ones(len(table), dtype=bool)
        )
    else:
        good = good_set(table, criterion, readouts=readouts, parameters=names).mask
    return table, parameters, good


def _optional_criterion(
    expression: str | None,
    targets: list[str] | None,
    score: str | None,
    threshold: float | None,
    below: bool,
) -> dict[str, Any] | None:
    if not (expression or targets or score):
        return None
    return criterion_spec(expression, targets, None, score, threshold, below)


def correlations_command(
    table_path: Path = typer.Argument(..., metavar="TABLE", help=_TABLE_HELP),
    expression: str = typer.Option(
        None, "--criterion", help="Good set: boolean expression over readouts."
    ),
    targets: list[str] = typer.Option(
        None, "--target", help="Good set: NAME=VALUE+-TOL (TOL may end in %)."
    ),
    score: str = typer.Option(None, "--score", help="Good set: score expression."),
    threshold: float = typer.Option(None, "--threshold", help="Score threshold."),
    below: bool = typer.Option(False, "--below", help="Keep scores <= threshold."),
    parameters: str = typer.Option(
        None, "--parameters", help="Comma-separated parameter columns (default all)."
    ),
    run_id: int = typer.Option(None, "--run", help="Run id in a database (last)."),
    model_spec: str = typer.Option(
        None, "--model", help="Model giving the parameter space of a file table."
    ),
    method: str = typer.Option("pearson", "--method", help="pearson or spearman."),
    correction: str = typer.Option(
        "fdr_bh", "--correction", help="fdr_bh, bonferroni or none."
    ),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    references: list[str] = typer.Option(
        None,
        "--reference",
        help="Point marked on the corner plot, NAME=VALUE; repeatable.",
    ),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Correlate parameters within the good set and list compensation pairs."""
    from redundancy.analysis.dependencies import correlations

    criterion = _optional_criterion(expression, targets, score, threshold, below)
    table, space, good = _good_rows(
        table_path, run_id, model_spec, parameters, criterion
    )
    # correlations and islands reject unknown methods with an InputError.
    result = correlations(
        table,
        space,
        within=good,
        method=cast("CorrelationMethod", method),
        correction=cast("Correction", correction),
        alpha=alpha,
    )
    columns = ["parameter_1", "parameter_2", "r", "partial_r", "partial_p_adjusted",
               "partial_significant"]  # fmt: skip
    show_result(result, out, "correlations", columns)
    pairs = result.compensation_pairs()
    typer.echo(
        f"compensation pairs (significant partial r, strongest first): {len(pairs)}"
    )
    for row in pairs.itertuples():
        typer.echo(
            f"  {row.parameter_1} ~ {row.parameter_2}: "
            f"{row.partial_r:+.3f} ({row.kind})"
        )
    if out is not None:
        import matplotlib.pyplot as plt

        from redundancy.analysis.corner import corner_plot

        point = parse_assignments(references, "--reference")
        figure = corner_plot(
            table,
            space,
            within=good,
            references={"reference": point} if point else None,
        )
        figure.savefig(out / "corner.png", dpi=100)
        plt.close(figure)
        typer.echo(f"wrote {out / 'corner.png'}")


def islands_command(
    table_path: Path = typer.Argument(..., metavar="TABLE", help=_TABLE_HELP),
    expression: str = typer.Option(
        None, "--criterion", help="Good set: boolean expression over readouts."
    ),
    targets: list[str] = typer.Option(
        None, "--target", help="Good set: NAME=VALUE+-TOL (TOL may end in %)."
    ),
    score: str = typer.Option(None, "--score", help="Good set: score expression."),
    threshold: float = typer.Option(None, "--threshold", help="Score threshold."),
    below: bool = typer.Option(False, "--below", help="Keep scores <= threshold."),
    parameters: str = typer.Option(
        None, "--parameters", help="Comma-separated parameter columns (default all)."
    ),
    run_id: int = typer.Option(None, "--run", help="Run id in a database (last)."),
    model_spec: str = typer.Option(
        None, "--model", help="Model giving the parameter space of a file table."
    ),
    method: str = typer.Option("grid", "--method", help="grid, dbscan or hdbscan."),
    connectivity: int = typer.Option(
        1, "--connectivity", help="Grid neighbours: 1 (faces) up to d (corners)."
    ),
    eps: float = typer.Option(
        None, "--eps", help="DBSCAN radius in unit-cube units (default: estimated)."
    ),
    min_size: int = typer.Option(1, "--min-size", help="Smallest island, in rows."),
    max_points: int = typer.Option(
        20_000, "--max-points", help="Most good rows clustered by (H)DBSCAN."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the (H)DBSCAN subsample."),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Find the islands (connected components) of the good set."""
    from redundancy.analysis.islands import islands

    criterion = _optional_criterion(expression, targets, score, threshold, below)
    if criterion is None:
        raise InputError(
            "islands needs a good set: give --criterion, --target or --score"
        )
    table, space, good = _good_rows(
        table_path, run_id, model_spec, parameters, criterion
    )
    result = islands(
        table,
        space,
        good,
        method=cast("IslandMethod", method),
        connectivity=connectivity,
        eps=eps,
        min_size=min_size,
        max_points=max_points,
        seed=seed,
    )
    frame = result.to_frame()
    columns = ["island", "size", "fraction"] + [
        c for c in frame.columns if c.startswith("centroid_")
    ]
    typer.echo(f"{result.count} island(s) among {result.n_good} good rows ({method})")
    show_result(result, out, "islands", columns)


def connect_command(
    model_spec: str = typer.Argument(..., metavar="MODEL", help="Model name."),
    start: list[str] = typer.Option(
        ..., "--from", help="Start point NAME=VALUE; repeatable (others default)."
    ),
    end: list[str] = typer.Option(
        ..., "--to", help="End point NAME=VALUE; repeatable."
    ),
    expression: str = typer.Option(
        None, "--criterion", help="Good set: expression, e.g. 'margin >= 0'."
    ),
    targets: list[str] = typer.Option(
        None, "--target", help="Good set: NAME=VALUE+-TOL (TOL may end in %)."
    ),
    score: str = typer.Option(None, "--score", help="Good set: score expression."),
    threshold: float = typer.Option(None, "--threshold", help="Score threshold."),
    below: bool = typer.Option(False, "--below", help="Keep scores <= threshold."),
    settings: list[str] = typer.Option(
        None, "--setting", help="Model constant NAME=VALUE; repeatable."
    ),
    waypoints: int = typer.Option(2, "--waypoints", help="Interior path waypoints."),
    resolution: int = typer.Option(64, "--resolution", help="Points sampled per path."),
    seed: int = typer.Option(0, "--seed", help="Seed of the path search."),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Test whether a path within the good set links two parameter sets."""
    from redundancy.analysis.paths import connect

    criterion = _optional_criterion(expression, targets, score, threshold, below)
    if criterion is None:
        raise InputError(
            "connect needs a good set: give --criterion, --target or --score"
        )
    model = load_model(model_spec, settings)
    start_point = parse_assignments(start, "--from")
    end_point = parse_assignments(end, "--to")
    check_point(model.space, start_point, "--from")
    check_point(model.space, end_point, "--to")
    result = connect(
        model,
        start_point,
        end_point,
        criterion,
        n_waypoints=waypoints,
        resolution=resolution,
        seed=seed,
    )
    verdict = "connected" if result.connected else "not connected"
    typer.echo(
        f"{verdict} ({result.method}); worst margin {result.worst_margin:.4g}, "
        f"straight line {result.straight_worst_margin:.4g}, "
        f"{result.n_simulations} simulations"
    )
    waypoint_rows = result.waypoints
    for row in waypoint_rows:
        typer.echo(
            "  "
            + ", ".join(
                f"{n}={v:.4g}" for n, v in zip(result.parameters, row, strict=True)
            )
        )
    if out is not None:
        from redundancy.analysis.results import write_result

        files = write_result(result, out, "connect")
        typer.echo(f"wrote {files['json']} and {files['png']}")


def register(analyze_app: typer.Typer) -> None:
    """Add ``correlations``, ``islands`` and ``connect`` to the ``analyze`` group."""
    analyze_app.command("correlations")(cli_hints(correlations_command))
    analyze_app.command("islands")(cli_hints(islands_command))
    analyze_app.command("connect")(cli_hints(connect_command))
