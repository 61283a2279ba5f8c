"""The ``redundancy analyze`` command group.

Model-based commands (``fisher``, ``sobol``, ``morris``, ``oat``) take a model
name from the registry, or ``module:factory`` / ``path/to/file.py:factory``
for a model defined in user code. Table-based commands (``good-set``) read a
population database (DuckDB), Parquet or CSV file. Each command prints a
short table and, with ``--out DIR``, writes ``<command>.json``, ``.csv`` and
``.png`` there.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import typer

from redundancy.cli.analysis_options import (
    check_point,
    check_positive_levels,
    cli_hints,
    criterion_spec,
    show_result,
)
from redundancy.cli.common import parse_assignments
from redundancy.errors import InputError
from redundancy.models.registry import check_settings

if TYPE_CHECKING:
    from redundancy.analysis.sensitivity import FailurePolicy

__all__ = ["analyze_app", "load_model", "load_table", "register"]

analyze_app = typer.Typer(
    help="Analyse a model or a population table: good set, sloppiness, sensitivity.",
    no_args_is_help=True,
)

_MODEL_HELP = "Model name, or module:factory / file.py:factory for a user model."
_OUT_HELP = "Folder for the JSON, CSV and PNG results."
_READOUT_HELP = "Readout to analyse; repeatable (default: all)."


def load_model(spec: str, settings: list[str] | None = None) -> Any:
    """Return a model from a registry name or a ``module:factory`` reference.

    Raises:
        InputError: if the module, file or factory cannot be found, or a
            ``--setting`` names a constant that the model does not take.
    """
    from redundancy.models import Model, get_model

    constants = parse_assignments(settings, "--setting")
    if ":" not in spec:
        return get_model(spec, **constants)
    location, _, attribute = spec.rpartition(":")
    if location.endswith(".py"):
        path = Path(location)
        if not path.is_file():
            raise InputError(f"model file {location!r} not found")
        module_spec = importlib.util.spec_from_file_location(path.stem, path)
        assert module_spec is not None and module_spec.loader is not None
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[path.stem] = module
        module_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as error:
            raise InputError(
                f"cannot import model module {location!r}: {error}"
            ) from None
    factory = getattr(module, attribute, None)
    if factory is None:
        raise InputError(f"{location!r} has no attribute {attribute!r}")
    if callable(factory):
        check_settings(spec, factory, dict(constants))
    model = factory(**constants) if callable(factory) else factory
    if not isinstance(model, Model):
        raise InputError(f"{spec!r} did not give a Model, got {type(model).__name__}")
    return model


def load_table(path: Path, run_id: int | None) -> tuple[Any, list[str] | None, Any]:
    """Return (table, readout names or None, parameter space or None) from a file.

    A DuckDB database gives the run's readouts and parameter space; Parquet
    and CSV files give neither.
    """
    import pandas as pd

    if not path.exists():
        raise InputError(f"table {str(path)!r} not found")
    suffix = path.suffix.lower()
    if suffix in (".duckdb", ".db"):
        from redundancy.parameters import Parameter, ParameterSpace
        from redundancy.store import PopulationStore

        store = PopulationStore(path)
        if run_id is None:
            runs = store.runs()
            if runs.empty:
                raise InputError(f"database {str(path)!r} contains no runs")
            run_id = int(runs["run_id"].iloc[-1])
        record = store.run(run_id)
        table = store.table(run_id).set_index("sample_id").drop(columns="run_id")
        readouts = [r["name"] for r in record["readouts"]]
        space = ParameterSpace(Parameter(**p) for p in record["parameters"])
        return table, readouts, space
    if suffix == ".parquet":
        import duckdb

        # DuckDB rather than pandas/pyarrow: a process that exits right after
        # pyarrow's threaded read can abort ("terminate called without an
        # active exception") on a loaded machine.
        with duckdb.connect() as connection:
            table = connection.execute(
                "SELECT * FROM read_parquet(?)", [str(path)]
            ).df()
        return table, None, None
    if suffix == ".csv":
        return pd.read_csv(path), None, None
    raise InputError(
        f"table {str(path)!r}: unknown file type {suffix!r}; use .duckdb, .parquet "
        "or .csv"
    )


@analyze_app.command("fisher")
@cli_hints
def fisher_command(
    model_spec: str = typer.Argument(..., metavar="MODEL", help=_MODEL_HELP),
    at: list[str] = typer.Option(
        None, "--at", help="Parameter value NAME=VALUE in its unit; repeatable."
    ),
    settings: list[str] = typer.Option(
        None, "--setting", help="Model constant NAME=VALUE; repeatable."
    ),
    linear: bool = typer.Option(
        False, "--linear", help="Differentiate in θ instead of ln θ."
    ),
    scale: str = typer.Option(
        "relative", "--scale", help="Readout noise scale: relative or absolute."
    ),
    step: float = typer.Option(1e-3, "--step", help="Finite-difference step."),
    readouts: list[str] = typer.Option(None, "--readout", help=_READOUT_HELP),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Fisher information (sloppiness spectrum) of the readouts at one point."""
    from redundancy.analysis.fisher import fisher_information

    model = load_model(model_spec, settings)
    point = parse_assignments(at, "--at")
    check_point(model.space, point, "--at")
    result = fisher_information(
        model,
        point,
        readouts=readouts or None,
        log_parameters=not linear,
        readout_scale=scale,
        step=step,
    )
    typer.echo(
        f"rank {result.rank} of {len(result.parameters)}, condition number "
        f"{result.condition_number:.3g}, eigenvalues "
        + " ".join(f"{v:.3g}" for v in result.eigenvalues)
    )
    columns = ["individual_uncertainty", "collective_uncertainty", "compensation_ratio"]
    show_result(result, out, "fisher", [*columns, "sloppy_participation"])


@analyze_app.command("sobol")
@cli_hints
def sobol_command(
    model_spec: str = typer.Argument(..., metavar="MODEL", help=_MODEL_HELP),
    n: int = typer.Option(1024, "--n", help="Base sample size N (power of two)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampler and bootstrap."),
    within: str = typer.Option(
        None, "--within", help="Criterion expression: analyse within the good set."
    ),
    policy: str = typer.Option(
        "raise", "--failure-policy", help="raise, drop, impute-mean or as-bad."
    ),
    readouts: list[str] = typer.Option(None, "--readout", help=_READOUT_HELP),
    settings: list[str] = typer.Option(None, "--setting", help="Model constant."),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """First-order and total Sobol indices with confidence intervals."""
    from redundancy.analysis.sensitivity import sobol_indices

    model = load_model(model_spec, settings)
    # sobol_indices rejects an unknown policy with an InputError naming it.
    failure_policy = cast("FailurePolicy", policy)
    result = sobol_indices(
        model,
        n=n,
        seed=seed,
        readouts=readouts or None,
        within=within,
        failure_policy=failure_policy,
    )
    show_result(result, out, "sobol", ["S1", "S1_conf", "ST", "ST_conf"])


@analyze_app.command("morris")
@cli_hints
def morris_command(
    model_spec: str = typer.Argument(..., metavar="MODEL", help=_MODEL_HELP),
    trajectories: int = typer.Option(20, "--trajectories", help="Trajectories r."),
    levels: int = typer.Option(4, "--levels", help="Grid levels per parameter."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampler."),
    policy: str = typer.Option("raise", "--failure-policy", help="raise or drop."),
    readouts: list[str] = typer.Option(None, "--readout", help=_READOUT_HELP),
    settings: list[str] = typer.Option(None, "--setting", help="Model constant."),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Morris elementary-effects screening (μ*, σ)."""
    from redundancy.analysis.morris import morris

    check_positive_levels(levels, trajectories)
    model = load_model(model_spec, settings)
    result = morris(
        model,
        readouts=readouts or None,
        trajectories=trajectories,
        num_levels=levels,
        seed=seed,
        failure_policy=cast("Literal['raise', 'drop']", policy),
    )
    show_result(result, out, "morris", ["mu", "mu_star", "sigma", "mu_star_conf"])


@analyze_app.command("oat")
@cli_hints
def oat_command(
    model_spec: str = typer.Argument(..., metavar="MODEL", help=_MODEL_HELP),
    at: list[str] = typer.Option(
        None, "--at", help="Baseline value NAME=VALUE in its unit; repeatable."
    ),
    delta: float = typer.Option(0.2, "--delta", help="Relative change, e.g. 0.2."),
    repeats: int = typer.Option(1, "--repeats", help="Repeats (seeds) per design."),
    seed: int = typer.Option(0, "--seed", help="Seed of the repeats."),
    readouts: list[str] = typer.Option(None, "--readout", help=_READOUT_HELP),
    settings: list[str] = typer.Option(None, "--setting", help="Model constant."),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """One-at-a-time ±delta sensitivity with a noise floor."""
    from redundancy.analysis.oat import one_at_a_time

    model = load_model(model_spec, settings)
    point = parse_assignments(at, "--at")
    check_point(model.space, point, "--at")
    result = one_at_a_time(
        model,
        point,
        readouts=readouts or None,
        delta=delta,
        repeats=repeats,
        seed=seed,
    )
    columns = ["change_plus", "change_minus", "noise_floor", "asymmetric"]
    show_result(result, out, "oat", columns)


@analyze_app.command("good-set")
@cli_hints
def good_set_command(
    table_path: Path = typer.Argument(
        ..., metavar="TABLE", help="Population database (.duckdb), .parquet or .csv."
    ),
    expression: str = typer.Option(
        None, "--criterion", help="Boolean expression over readouts."
    ),
    targets: list[str] = typer.Option(
        None, "--target", help="NAME=VALUE+-TOL (TOL may end in %); repeatable."
    ),
    classifier: str = typer.Option(None, "--classifier", help="0/1 readout column."),
    score: str = typer.Option(None, "--score", help="Score readout or expression."),
    threshold: float = typer.Option(None, "--threshold", help="Score threshold."),
    below: bool = typer.Option(False, "--below", help="Keep scores <= threshold."),
    run_id: int = typer.Option(None, "--run", help="Run id in a database (last)."),
    model_spec: str = typer.Option(
        None, "--model", help="Model giving parameters and readouts of a file table."
    ),
    summary: bool = typer.Option(
        False, "--summary", help="Also summarise redundancy (needs parameters)."
    ),
    tolerance: float = typer.Option(
        0.02, "--tolerance", help="Relative readout tolerance of the pair search."
    ),
    out: Path = typer.Option(None, "--out", help=_OUT_HELP),
) -> None:
    """Select the good set of a population table and summarise its redundancy."""
    from redundancy.analysis.criteria import good_set

    criterion = criterion_spec(expression, targets, classifier, score, threshold, below)
    table, readouts, space = load_table(table_path, run_id)
    model = load_model(model_spec) if model_spec else None
    if model is not None:
        space = model.space
        readouts = [name for name in model.readout_names if name in table.columns]
    parameters = space.names if space is not None else None
    result = good_set(table, criterion, readouts=readouts, parameters=parameters)
    show_result(result, out, "good_set", ["n_total", "n_ok", "n_good", "fraction"])
    if summary:
        from redundancy.analysis.redundancy_summary import redundancy_summary

        if space is None:
            raise InputError(
                "--summary needs the parameter space: read a .duckdb database or "
                "give --model"
            )
        result_summary = redundancy_summary(
            table, model or space, criterion, readouts=readouts, tolerance=tolerance
        )
        show_result(result_summary, out, "redundancy", ["fold_range", "cv", "unit"])
        pair = result_summary.pair
        if pair is not None:
            typer.echo(
                json.dumps(
                    {
                        "most_dissimilar_pair_rows": [str(r) for r in pair.rows],
                        "distance": round(pair.distance, 4),
                    }
                )
            )


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command group to ``app``."""
    app.add_typer(analyze_app, name="analyze")
