"""Run a study end to end: landscape, cohort placement, figures, summary and report.

:func:`run_study` is what ``redundancy run`` and ``redundancy demo`` call; a
notebook can call it too, or any of the stage functions it strings together.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from redundancy import __version__
from redundancy.analysis.landscape import Landscape, map_landscape
from redundancy.cohorts.measurements import load_cohort
from redundancy.cohorts.placement import (
    GroupPlacement,
    holding_scan,
    null_direction,
    place_groups,
)
from redundancy.errors import InputError
from redundancy.models.base import Model
from redundancy.report.html import Section, write_report
from redundancy.study import Study

__all__ = ["run_study"]

logger = logging.getLogger(__name__)


def run_study(
    study: Study,
    out_dir: str | Path,
    *,
    db_path: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    append: bool = False,
    show_progress: bool | None = None,
) -> dict:
    """Run every stage of ``study`` and write its outputs to ``out_dir``.

    Stages run in order: the sweep into the population database, the
    landscape, the cohort placement and holding-potential scan, then the
    analyses on the stored population. Writes ``summary.json``,
    ``report.html``, ``study.yaml`` and figures as PNG and SVG, plus
    ``analyses/`` when the study has analyses. Returns the summary as a dict.

    Args:
        study: the validated study.
        out_dir: output folder, created if missing.
        db_path: population database of the sweep; ``out_dir/population.duckdb``
            by default. A database that already contains part of the same sweep
            is resumed.
        workers: worker processes of the sweep; all cores by default.
        scheduler: Dask scheduler address, or ``"local"`` for a LocalCluster.
        append: store the sweep as a new run in a database that contains another
            study's run.
        show_progress: show progress bars; None uses the process default.

    Raises:
        InputError: if the study names unknown parameters, readouts or files.
    """
    out = Path(out_dir)
    _prepare_output(out)
    model = study.check()
    logger.info(
        "study %r: model %s (version %s)", study.name, model.name, model.version_hash()
    )
    (out / "study.yaml").write_text(study.text or "", encoding="utf-8")

    summary: dict[str, Any] = {
        "study": study.name,
        "package_version": __version__,
        "model": model.describe(),
        "seed": study.seed,
    }
    sections: list[Section] = []
    landscape = None
    placement = None
    population = None
    if study.sweep is not None:
        population = _sweep_stage(
            study,
            model,
            Path(db_path) if db_path else out / "population.duckdb",
            summary,
            workers=workers,
            scheduler=scheduler,
            append=append,
            show_progress=show_progress,
        )
    if study.landscape is not None:
        landscape = _landscape_stage(study, model, show_progress)
        summary["landscape"] = landscape.to_dict()
    if study.cohort is not None:
        placement = _cohort_stage(study, model, landscape)
        summary["groups"] = placement.to_dict()
        summary["compensation"] = {
            "readout": placement.readout,
            "tolerance_pct": placement.tolerance_pct,
            "rule": (
                f"a group is compensated when |{placement.readout} - wild type| <= "
                f"{placement.tolerance_pct:g} % of the wild-type value"
            ),
            "distances": {
                "distance_readout": f"{placement.readout} minus the wild type's",
                "distance_pct": "distance_readout in % of the wild-type value",
                "distance_contour": (
                    "signed Euclidean distance from the wild-type contour in the "
                    "(g_i_scale, g_e_scale) plane, in scale units (1 = wild type), "
                    "positive where the readout is larger"
                ),
            },
        }
    scan = None
    if study.cohort is not None and study.cohort.holding_potentials_mv:
        scan = _holding_stage(study, model, placement)
        summary["holding_scan"] = scan.to_dict(orient="records")
    if landscape is not None and {"g_e_scale", "g_i_scale"} <= set(model.space.names):
        summary["null_direction"] = null_direction(
            model, landscape.readout.name, at=landscape.reference
        )
    summary["stand_ins"] = _stand_ins(model, study)
    if study.analyses is not None:
        from redundancy.analysis.config import run_analyses

        if population is None and db_path is not None:
            population = _stored_population(Path(db_path), model)
        summary["analyses"] = run_analyses(
            study.analyses, model, population, out / "analyses", study.seed
        )

    figures = _figures(study, model, landscape, placement, out)
    if scan is not None and placement is not None:
        from redundancy.report.figures import plot_holding_scan, save_figure

        figures += save_figure(
            plot_holding_scan(
                scan,
                readout=placement.readout,
                reference_group=placement.reference_group,
                tolerance_pct=placement.tolerance_pct,
            ),
            out / "holding_scan",
        )
    summary["figures"] = sorted(str(p.relative_to(out)) for p in figures)
    sections = _sections(study, model, landscape, placement, summary, out, scan)
    if "sweep" in summary:
        sections.append(_sweep_section(summary["sweep"]))
    if "analyses" in summary:
        from redundancy.report.analysis_sections import analysis_sections

        sections += analysis_sections(summary["analyses"], out / "analyses")
    from redundancy.report.reading import references_section

    sections.append(references_section(model, placement))
    write_report(
        out / "report.html",
        f"redundancy study: {study.name}",
        sections,
        subtitle=study.description,
    )
    summary_path = out / "summary.json"
    summary_path.write_text(json.dumps(_jsonable(summary), indent=2), encoding="utf-8")
    logger.info("wrote %s and %s", summary_path, out / "report.html")
    return summary


def _prepare_output(out: Path) -> None:
    """Create the output folder, or raise if the path is taken by a file."""
    for path in (out, *out.parents):
        if path.exists() and not path.is_dir():
            raise InputError(
                f"cannot write outputs to {out}: {path} is a file; choose another --out"
            )
    out.mkdir(parents=True, exist_ok=True)


def _sweep_stage(
    study: Study,
    model: Model,
    db_path: Path,
    summary: dict[str, Any],
    **options: Any,
) -> pd.DataFrame:
    """Run the study's sweep, record it in ``summary`` and return the stored rows."""
    from redundancy.store import PopulationStore
    from redundancy.sweep import run_sweep

    assert study.sweep is not None
    result = run_sweep(
        model,
        study.sweep,
        db_path,
        seed=study.seed,
        study_text=study.text,
        study_name=study.name,
        **options,
    )
    summary["sweep"] = {
        "database": str(db_path),
        "run_id": result.run_id,
        "resumed": result.resumed,
        "n_total": result.n_total,
        "n_stored_before": result.n_stored_before,
        "n_simulated": result.n_simulated,
        "status_counts": dict(result.status_counts),
        "failed_chunks": [list(chunk) for chunk in result.failed_chunks],
        "elapsed_s": result.elapsed_s,
    }
    return PopulationStore(db_path).table(run_id=result.run_id)


def _stored_population(db_path: Path, model: Model) -> pd.DataFrame:
    """Return the newest stored run of ``model`` in an existing database."""
    from redundancy.store import PopulationStore

    if not db_path.is_file():
        raise InputError(f"population database not found: {db_path}")
    store = PopulationStore(db_path)
    runs = store.runs()
    matching = runs[runs["model_name"] == model.name] if "model_name" in runs else runs
    if matching.empty:
        raise InputError(
            f"{db_path} contains no run of model {model.name!r}; add a sweep section "
            "to the study or point --db at a database of this model"
        )
    run_id = int(matching["run_id"].max())
    logger.info("analysing run %d of %s", run_id, db_path)
    return store.table(run_id=run_id)


def _sweep_section(sweep: dict[str, Any]) -> Section:
    counts = ", ".join(f"{k}: {v}" for k, v in sweep["status_counts"].items())
    text = (
        f"{sweep['n_total']} parameter sets in the design; {sweep['n_simulated']} "
        f"simulated by this run ({counts or 'none'}), {sweep['n_stored_before']} "
        f"already stored before it. Database: {sweep['database']} "
        f"(run {sweep['run_id']})."
    )
    section = Section("Population", paragraphs=[text])
    if sweep["failed_chunks"]:
        section.notes.append(
            f"{len(sweep['failed_chunks'])} chunks failed as a whole; their rows are "
            "stored with status failed and the reason."
        )
    return section


def _landscape_stage(
    study: Study, model: Model, show_progress: bool | None
) -> Landscape:
    section = study.landscape
    assert section is not None
    extra = tuple(
        name for name in (section.ratio_readout,) if name and name != section.readout
    )
    return map_landscape(
        model,
        section.x,
        section.y,
        readout=section.readout,
        x_range=section.x_range,
        y_range=section.y_range,
        points=section.points,
        extra_readouts=extra,
        show_progress=show_progress,
    )


def _cohort_stage(
    study: Study, model: Model, landscape: Landscape | None
) -> GroupPlacement:
    section = study.cohort
    assert section is not None
    cohort = load_cohort(
        study.resolve_path(section.csv),
        reference_group=section.reference_group,
        unit=section.unit,
    )
    readout = study.landscape.readout if study.landscape else model.readout_names[0]
    logger.info("placing %d groups from %s", len(cohort.groups), cohort.path)
    return place_groups(
        model,
        cohort,
        readout=readout,
        tolerance_pct=section.tolerance_pct,
        landscape=landscape,
    )


def _stand_ins(model: Model, study: Study) -> dict[str, Any]:
    try:
        from redundancy.models.ei_psp import STAND_IN_PARAMETERS
    except ImportError:  # pragma: no cover - the module ships with the package
        return {}
    if model.name != "ei_psp":
        return {}
    overridden = set(study.model.parameters)
    return {
        name: {
            "value": model.defaults()[name],
            "source": source,
            "set_in_study": name in overridden,
        }
        for name, source in STAND_IN_PARAMETERS.items()
    }


def _figures(
    study: Study,
    model: Model,
    landscape: Landscape | None,
    placement: GroupPlacement | None,
    out: Path,
) -> list[Path]:
    from redundancy.report.figures import (
        plot_ei_map,
        plot_trace_comparison,
        save_figure,
    )

    paths: list[Path] = []
    if landscape is not None:
        figure = plot_ei_map(
            landscape,
            placement,
            ratio_readout=study.landscape.ratio_readout if study.landscape else None,
        )
        paths += save_figure(figure, out / "contour_map")
    if study.traces and placement is not None:
        cases: list[tuple[str, dict[str, float]]] = []
        for row in placement.table.to_dict(orient="records"):
            values = {
                "g_e_scale": float(row["g_e_scale"]),
                "g_i_scale": float(row["g_i_scale"]),
            }
            if row["genotype"] == placement.reference_group:
                cases.append(("wild type", values))
                continue
            equal = {
                "g_e_scale": float(row["g_e_scale"]),
                "g_i_scale": float(row["ratio_preserving_g_i_scale"]),
            }
            cases.append((f"{row['genotype']}: equal scaling", equal))
            cases.append((f"{row['genotype']}: measured", values))
        try:
            traces = [(label, model.trace(values)) for label, values in cases]
        except NotImplementedError:
            traces = []
        if traces:
            v_hold = model.defaults().get("v_hold_mv")
            paths += save_figure(
                plot_trace_comparison(traces, v_hold_mv=v_hold), out / "traces"
            )
    return paths


def _holding_stage(
    study: Study, model: Model, placement: GroupPlacement | None
) -> pd.DataFrame:
    section = study.cohort
    assert section is not None and section.holding_potentials_mv
    cohort = load_cohort(
        study.resolve_path(section.csv),
        reference_group=section.reference_group,
        unit=section.unit,
    )
    readout = placement.readout if placement else model.readout_names[0]
    try:
        return holding_scan(
            model,
            cohort,
            readout=readout,
            holding_potentials_mv=list(section.holding_potentials_mv),
        )
    except (KeyError, ValueError) as error:
        message = error.args[0] if error.args else str(error)
        raise InputError(f"cohort.holding_potentials_mv: {message}") from None


def _sections(
    study: Study,
    model: Model,
    landscape: Landscape | None,
    placement: GroupPlacement | None,
    summary: dict,
    out: Path,
    scan: pd.DataFrame | None,
) -> list[Section]:
    from redundancy.report.reading import compensation_sections

    return compensation_sections(study, model, landscape, placement, summary, out, scan)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    return value
