"""Commands ``sweep`` (sample, simulate and store a population) and ``query``."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from redundancy.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["query_command", "register", "sweep_command"]

logger = logging.getLogger(__name__)


def sweep_command(
    study_path: Path = typer.Argument(
        ..., metavar="STUDY.yaml", help="Study file with a sweep section."
    ),
    db: Path = typer.Option(
        ..., "--db", help="Population database file (DuckDB); created if missing."
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        min=0,
        help="Worker processes; default every core; 0 runs in this process.",
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address (tcp://HOST:PORT), or 'local' to start a "
        "Dask cluster on 127.0.0.1. Default: a local process pool.",
    ),
    append: bool = typer.Option(
        False,
        "--append",
        help="Add this study as a new run to a database that contains another study.",
    ),
    chunk_size: int = typer.Option(
        None,
        "--chunk-size",
        min=1,
        help="Parameter sets per task and transaction; default adapts to about "
        "2 s of simulation per chunk.",
    ),
) -> None:
    """Simulate every parameter set of a study's sweep and store it in a database.

    Run the same command again to resume: parameter sets already stored are
    skipped.
    """
    from redundancy.study import load_study
    from redundancy.sweep import run_sweep

    study = load_study(study_path)
    if study.sweep is None:
        raise InputError(
            f"{study_path}: the study has no sweep section; add one, e.g. "
            "'sweep: {sampler: sobol, n: 4096}'"
        )
    model = study.check()
    summary = run_sweep(
        model,
        study.sweep,
        db,
        seed=study.seed,
        workers=workers,
        scheduler=scheduler,
        append=append,
        study_text=study.text,
        study_name=study.name,
        chunk_size=chunk_size,
    )
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.status_counts.items()))
    typer.echo(
        f"run {summary.run_id} in {db}: "
        f"{summary.n_stored_before + summary.n_simulated} of {summary.n_total} "
        f"parameter sets stored ({summary.n_simulated} simulated now: "
        f"{counts or 'none'}) in {summary.elapsed_s:.1f} s"
    )
    if summary.failed_chunks:
        typer.echo(
            f"{len(summary.failed_chunks)} chunk(s) failed as a whole; their rows "
            "are stored with status 'failed' and reason 'chunk failed: ...'"
        )


def _json_value(value: object) -> object:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _records_json(frame: pd.DataFrame) -> str:
    """Return ``frame`` as a JSON list of row objects; NaN and NULL become null.

    Floats keep every digit (the shortest text that reads back to the same
    float), unlike ``DataFrame.to_json``, which rounds to 10 digits by default.
    """
    cells = frame.astype(object).where(frame.notna(), None)
    return json.dumps(cells.to_dict(orient="records"), indent=1, default=_json_value)


def query_command(
    db: Path = typer.Argument(..., metavar="DB", help="Population database file."),
    sql: str = typer.Argument(
        ...,
        metavar="SQL",
        help="DuckDB SQL over the tables runs and simulations, e.g. "
        '"SELECT status, count(*) FROM simulations GROUP BY status".',
    ),
    as_csv: bool = typer.Option(False, "--csv", help="Print CSV."),
    as_json: bool = typer.Option(
        False, "--json", help="Print JSON, one object per row."
    ),
    timeout_s: float = typer.Option(
        60.0,
        "--timeout",
        help="Seconds to wait while a running sweep has the database file locked.",
    ),
) -> None:
    """Run a read-only SQL query on a population database and print the result.

    The query may run while a sweep writes to the same file: it waits for the
    current chunk's transaction and reads every chunk committed before it.
    """
    import duckdb

    from redundancy.store import PopulationStore

    if as_csv and as_json:
        raise InputError("choose one of --csv and --json")
    try:
        frame = PopulationStore(db, timeout_s=timeout_s).query(sql)
    except duckdb.Error as error:
        raise InputError(f"query failed: {error}") from None
    if as_csv:
        frame.to_csv(sys.stdout, index=False)
    elif as_json:
        typer.echo(_records_json(frame))
    elif frame.empty:
        typer.echo(f"(no rows; columns: {', '.join(map(str, frame.columns))})")
    else:
        typer.echo(frame.to_string(index=False))


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` and ``query`` commands to ``app``."""
    app.command("sweep")(sweep_command)
    app.command("query")(query_command)
