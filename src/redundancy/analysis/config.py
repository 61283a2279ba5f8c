"""The ``analyses`` section of a study file and the stage that runs it.

Example (YAML)::

    analyses:
      criterion: {kind: target, targets: {period_ms: {value: 1000, tolerance: 0.2,
                                                       relative: true}}}
      redundancy: {tolerance: 0.02}
      fisher: {at: {g_na: 100}}
      sobol: {n: 1024, within_good_set: true}
      morris: {trajectories: 20}
      oat: {delta: 0.2}

Every analysis writes ``<name>.json``, ``<name>.csv`` and ``<name>.png`` to
the output folder, and :func:`run_analyses` returns their JSON summaries.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from redundancy.analysis.criteria import Criterion, good_set
from redundancy.analysis.fisher import fisher_information
from redundancy.analysis.morris import morris
from redundancy.analysis.oat import one_at_a_time
from redundancy.analysis.redundancy_summary import redundancy_summary
from redundancy.analysis.results import jsonable, write_result
from redundancy.analysis.sensitivity import sobol_indices
from redundancy.errors import InputError
from redundancy.models.base import Model
from redundancy.seeding import stage_seed

__all__ = [
    "AnalysesConfig",
    "CorrelationsConfig",
    "FisherConfig",
    "IslandsConfig",
    "MorrisConfig",
    "OATConfig",
    "RedundancyConfig",
    "SobolConfig",
    "run_analyses",
]

logger = logging.getLogger(__name__)

_FORBID = ConfigDict(extra="forbid")


class RedundancyConfig(BaseModel):
    """Options of :func:`~redundancy.analysis.redundancy_summary`."""

    model_config = _FORBID
    tolerance: float = Field(0.02, gt=0)
    max_anchors: int = Field(200_000, ge=1)
    neighbours: int = Field(32, ge=1)


class FisherConfig(BaseModel):
    """Options of :func:`~redundancy.analysis.fisher_information`.

    ``at`` is a parameter set by name, or ``"good_set_median"`` for the good
    circuit closest to the good set's median (defaults when omitted).
    """

    model_config = _FORBID
    at: dict[str, float] | Literal["defaults", "good_set_median"] = "defaults"
    log_parameters: bool = True
    readout_scale: Literal["relative", "absolute"] | float | dict[str, float] = (
        "relative"
    )
    step: float = Field(1e-3, gt=0, lt=1)


class SobolConfig(BaseModel):
    """Options of :func:`~redundancy.analysis.sobol_indices`."""

    model_config = _FORBID
    n: int = Field(1024, ge=2)
    within_good_set: bool = False
    failure_policy: Literal["raise", "drop", "impute-mean", "as-bad"] = "raise"
    parameters: list[str] | None = None
    readouts: list[str] | None = None


class MorrisConfig(BaseModel):
    """Options of :func:`~redundancy.analysis.morris`."""

    model_config = _FORBID
    trajectories: int = Field(20, ge=2)
    num_levels: int = Field(4, ge=2)
    failure_policy: Literal["raise", "drop"] = "raise"
    parameters: list[str] | None = None
    readouts: list[str] | None = None


class OATConfig(BaseModel):
    """Options of :func:`~redundancy.analysis.one_at_a_time`."""

    model_config = _FORBID
    at: dict[str, float] | None = None
    delta: float = Field(0.2, gt=0, lt=1)
    repeats: int = Field(1, ge=1)


class CorrelationsConfig(BaseModel):
    """Options of :func:`~redundancy.analysis.correlations` within the good set."""

    model_config = _FORBID
    method: Literal["pearson", "spearman"] = "pearson"
    alpha: float = Field(0.05, gt=0, lt=1)
    correction: Literal["fdr_bh", "bonferroni", "none"] = "fdr_bh"
    parameters: list[str] | None = None


class IslandsConfig(BaseModel):
    """Options of :func:`~redundancy.analysis.islands` and of island connectivity.

    ``method`` is ``grid`` for a grid sweep, ``dbscan`` or ``hdbscan`` for a
    random one. With ``connect: true`` the centroids of every pair of islands
    are joined by :func:`~redundancy.analysis.solutions.connect_islands`,
    which distinguishes separate islands from one connected set.
    """

    model_config = _FORBID
    method: Literal["grid", "dbscan", "hdbscan"] = "dbscan"
    parameters: list[str] | None = None
    min_size: int = Field(1, ge=1)
    eps: float | None = Field(None, gt=0)
    max_points: int = Field(20_000, ge=10)
    connect: bool = False


class AnalysesConfig(BaseModel):
    """The analyses to run after a population is simulated.

    A section left out (None) is not run. The good set and the redundancy
    summary need ``criterion`` and a population table; the others need only
    the model.
    """

    model_config = _FORBID
    criterion: Criterion | None = None
    redundancy: RedundancyConfig | None = None
    fisher: FisherConfig | None = None
    sobol: SobolConfig | None = None
    morris: MorrisConfig | None = None
    oat: OATConfig | None = None
    correlations: CorrelationsConfig | None = None
    islands: IslandsConfig | None = None


def _stage_int(seed: int, stage: str) -> int:
    return int(stage_seed(seed, stage).generate_state(1)[0])


def _fisher_point(
    config: FisherConfig, model: Model, table: pd.DataFrame | None, good: Any
) -> dict[str, float] | None:
    if isinstance(config.at, dict):
        return config.at
    if config.at == "defaults":
        return None
    if good is None or good.size == 0:
        raise InputError(
            "fisher.at is 'good_set_median' but there is no non-empty good set; "
            "give a criterion that some circuits meet, or at: {name: value}"
        )
    unit = model.space.to_unit(good.rows[model.space.names].to_numpy(dtype=float))
    median = pd.DataFrame(unit).median().to_numpy()
    closest = int(((unit - median) ** 2).sum(axis=1).argmin())
    row = good.rows.iloc[closest]
    return {name: float(row[name]) for name in model.space.names}


def run_analyses(
    config: AnalysesConfig,
    model: Model,
    table: pd.DataFrame | None,
    out_dir: str | Path,
    seed: int,
) -> dict[str, Any]:
    """Run the configured analyses, write their files and return a summary.

    Args:
        config: the ``analyses`` section.
        model: the study's model.
        table: the population table (parameters, readouts, status), or None
            when only model-based analyses are configured.
        out_dir: folder for ``<analysis>.json/.csv/.png``.
        seed: the study seed; each analysis derives its own stream.

    Returns:
        JSON-serialisable results by analysis name, each with its ``files``.
        An analysis that fails on its input (``InputError`` or ``ValueError``,
        e.g. a good set too small for correlations) is logged as a warning and
        recorded as ``{"error": message}``; the others still run.

    Raises:
        InputError: before any analysis runs, when one needs a criterion or
            a table that is missing.
    """
    _check_config(config, table)
    out_dir = Path(out_dir)
    summary: dict[str, Any] = {}
    good = None

    def record(name: str, result: Any) -> None:
        files = write_result(result, out_dir, name)
        summary[name] = {**jsonable(result.to_dict()), "files": files}
        logger.info("analysis %s finished; wrote %s", name, files["json"])

    def failed(name: str, error: Exception) -> None:
        logger.warning("analysis %s failed: %s", name, error)
        summary[name] = {"error": str(error)}

    if config.criterion is not None and table is not None:
        try:
            good = good_set(
                table,
                config.criterion,
                readouts=[c for c in model.readout_names if c in table.columns],
                parameters=model.space.names,
            )
            record("good_set", good)
        except ValueError as error:  # InputError derives from ValueError
            failed("good_set", error)
    for name in _MODEL_ANALYSES:
        if getattr(config, name) is None:
            continue
        try:
            _run_one(name, config, model, table, good, seed, record)
        except ValueError as error:
            failed(name, error)
    if config.correlations is not None or config.islands is not None:
        if good is None or table is None:
            error = InputError("the good set could not be selected (see good_set)")
            for name in ("correlations", "islands"):
                if getattr(config, name) is not None:
                    failed(name, error)
        else:
            _run_solution_analyses(config, model, table, good, seed, record, failed)
    return summary


def _check_config(config: AnalysesConfig, table: pd.DataFrame | None) -> None:
    """Raise an InputError when an analysis lacks the criterion or table it needs."""
    if config.redundancy is not None and (config.criterion is None or table is None):
        raise InputError("analyses.redundancy needs analyses.criterion and a table")
    if config.sobol is not None and config.sobol.within_good_set:
        if config.criterion is None:
            raise InputError("analyses.sobol.within_good_set needs analyses.criterion")
    solutions = config.correlations is not None or config.islands is not None
    if solutions and (config.criterion is None or table is None):
        raise InputError(
            "analyses.correlations and analyses.islands need analyses.criterion "
            "and a population table (a sweep section or a database)"
        )


_MODEL_ANALYSES = ("redundancy", "fisher", "sobol", "morris", "oat")


def _run_one(
    name: str,
    config: AnalysesConfig,
    model: Model,
    table: pd.DataFrame | None,
    good: Any,
    seed: int,
    record: Any,
) -> None:
    """Run the model-based or summary analysis ``name`` and record its result."""
    if name == "redundancy" and config.redundancy is not None:
        if config.criterion is None or table is None:
            raise InputError("analyses.redundancy needs analyses.criterion and a table")
        redundancy_options = config.redundancy
        summary_result = redundancy_summary(
            table,
            model,
            config.criterion,
            tolerance=redundancy_options.tolerance,
            max_anchors=redundancy_options.max_anchors,
            neighbours=redundancy_options.neighbours,
            seed=_stage_int(seed, "analysis-redundancy"),
        )
        record("redundancy", summary_result)
    if name == "fisher" and config.fisher is not None:
        fisher_options = config.fisher
        fisher_result = fisher_information(
            model,
            _fisher_point(fisher_options, model, table, good),
            log_parameters=fisher_options.log_parameters,
            readout_scale=fisher_options.readout_scale,
            step=fisher_options.step,
        )
        record("fisher", fisher_result)
    if name == "sobol" and config.sobol is not None:
        sobol_options = config.sobol
        if sobol_options.within_good_set and config.criterion is None:
            raise InputError("analyses.sobol.within_good_set needs analyses.criterion")
        sobol_result = sobol_indices(
            model,
            sobol_options.parameters,
            n=sobol_options.n,
            seed=_stage_int(seed, "analysis-sobol"),
            readouts=sobol_options.readouts,
            within=config.criterion if sobol_options.within_good_set else None,
            failure_policy=sobol_options.failure_policy,
        )
        record("sobol", sobol_result)
    if name == "morris" and config.morris is not None:
        morris_options = config.morris
        morris_result = morris(
            model,
            morris_options.parameters,
            trajectories=morris_options.trajectories,
            num_levels=morris_options.num_levels,
            seed=_stage_int(seed, "analysis-morris"),
            readouts=morris_options.readouts,
            failure_policy=morris_options.failure_policy,
        )
        record("morris", morris_result)
    if name == "oat" and config.oat is not None:
        oat_options = config.oat
        oat_result = one_at_a_time(
            model,
            oat_options.at,
            delta=oat_options.delta,
            repeats=oat_options.repeats,
            seed=_stage_int(seed, "analysis-oat"),
        )
        record("oat", oat_result)


def _run_solution_analyses(
    config: AnalysesConfig,
    model: Model,
    table: pd.DataFrame,
    good: Any,
    seed: int,
    record: Any,
    failed: Any,
) -> None:
    """Run the dependency and multiple-solution analyses on the good set.

    Each analysis that raises ``InputError`` or ``ValueError`` is passed to
    ``failed(name, error)`` and the next one still runs.
    """
    if config.correlations is not None:
        try:
            _run_correlations(config.correlations, model, table, good, seed, record)
        except ValueError as error:
            failed("correlations", error)
    if config.islands is not None:
        try:
            _run_islands(config, model, table, good, seed, record)
        except ValueError as error:
            failed("islands", error)


def _run_correlations(
    correlations_options: CorrelationsConfig,
    model: Model,
    table: pd.DataFrame,
    good: Any,
    seed: int,
    record: Any,
) -> None:
    """Correlate the parameters within the good set and record the result."""
    from redundancy.analysis.dependencies import correlations

    space = (
        model.space.subset(correlations_options.parameters)
        if correlations_options.parameters
        else model.space
    )
    result = correlations(
        table,
        space,
        within=good,
        method=correlations_options.method,
        alpha=correlations_options.alpha,
        correction=correlations_options.correction,
    )
    record("correlations", result)


def _run_islands(
    config: AnalysesConfig,
    model: Model,
    table: pd.DataFrame,
    good: Any,
    seed: int,
    record: Any,
) -> None:
    """Find the islands of the good set (and their connectivity) and record them."""
    from redundancy.analysis.islands import islands
    from redundancy.analysis.paths import connect_islands

    islands_options = config.islands
    if islands_options is None:
        return
    space = (
        model.space.subset(islands_options.parameters)
        if islands_options.parameters
        else model.space
    )
    found = islands(
        table,
        space,
        good,
        method=islands_options.method,
        min_size=islands_options.min_size,
        eps=islands_options.eps,
        max_points=islands_options.max_points,
        seed=_stage_int(seed, "analysis-islands"),
    )
    record("islands", found)
    if (
        islands_options.connect
        and config.criterion is not None
        and len(found.islands) > 1
    ):
        connectivity = connect_islands(
            model,
            found,
            config.criterion,
            seed=_stage_int(seed, "analysis-connect"),
        )
        record("island_connectivity", connectivity)
