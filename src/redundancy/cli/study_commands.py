"""Study commands: ``demo`` runs the embedded default study, ``run`` a study file."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

logger = logging.getLogger(__name__)


def _report(summary: dict, out: Path) -> None:
    """Print the verdict of each group and where the outputs are."""
    for group in summary.get("groups", []):
        if group["genotype"] == summary["groups"][0]["genotype"]:
            continue
        verdict = "compensated" if group["compensated"] else "not compensated"
        change = group["distance_pct"]
        typer.echo(
            f"{group['genotype']}: {summary['compensation']['readout']} "
            f"{change:+.1f} % from wild type -> {verdict} "
            f"(tolerance {summary['compensation']['tolerance_pct']:g} %)"
        )
    sweep = summary.get("sweep")
    if sweep:
        typer.echo(
            f"population: {sweep['n_total']} parameter sets in {sweep['database']} "
            f"(run {sweep['run_id']}, {sweep['n_simulated']} simulated now)"
        )
    for name, result in summary.get("analyses", {}).items():
        if "error" in result:
            typer.echo(f"analysis {name}: failed: {result['error']}")
        else:
            typer.echo(f"analysis {name}: {result['files']['json']}")
    typer.echo(f"summary: {out / 'summary.json'}")
    typer.echo(f"report:  {out / 'report.html'}")


def demo_command(
    out: Path = typer.Option(Path("results/demo"), "--out", help="Output folder."),
) -> None:
    """Run the embedded default study: the Cntnap2 E/I redundancy map."""
    from redundancy.pipeline import run_study
    from redundancy.study import default_study_text, parse_study

    study = parse_study(default_study_text(), source="<embedded demo study>")
    summary = run_study(study, out)
    _report(summary, out)


def run_command(
    study_path: Path = typer.Argument(..., metavar="STUDY.yaml", help="Study file."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    db: Path = typer.Option(
        None,
        "--db",
        help="Population database of the sweep (default OUT/population.duckdb); "
        "without a sweep section, the database the analyses read.",
    ),
    workers: int = typer.Option(
        None, "--workers", min=0, help="Sweep worker processes (default: all cores)."
    ),
    scheduler: str = typer.Option(
        None,
        "--scheduler",
        help="Dask scheduler address, or 'local' for a LocalCluster.",
    ),
    append: bool = typer.Option(
        False,
        "--append",
        help="Add the sweep as a new run to a database of another study.",
    ),
) -> None:
    """Run every stage of a study file and write its outputs to --out."""
    from redundancy.pipeline import run_study
    from redundancy.study import load_study

    study = load_study(study_path)
    summary = run_study(
        study, out, db_path=db, workers=workers, scheduler=scheduler, append=append
    )
    _report(summary, out)


def register(app: typer.Typer) -> None:
    """Add ``demo`` and ``run`` to ``app``."""
    app.command("demo")(demo_command)
    app.command("run")(run_command)
