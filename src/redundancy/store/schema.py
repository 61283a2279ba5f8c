"""Tables of the population database and the run record written with each run.

Tables
------
``runs``
    One row per run: the study file text, the model's name, version hash and
    description, the design and its hash, the seeds, package versions, the git
    commit, and a status (``running``, ``finished`` or ``incomplete``).
``simulations``
    One row per simulated parameter set, keyed by ``(run_id, sample_id)``:
    one DOUBLE column per parameter and readout (in the units stored in
    ``runs.parameters`` and ``runs.readouts``), then ``status`` and
    ``reason``. Columns are added when a run brings new parameter or readout
    names, and are NULL in rows of runs that lack them.
``meta``
    Key-value pairs, among them the schema version.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "RESERVED_COLUMNS",
    "SCHEMA_VERSION",
    "RunRecord",
    "add_simulation_columns",
    "create_tables",
    "quote",
]

#: Version of the table layout below; stored in ``meta``.
SCHEMA_VERSION = "1"

#: Column names of ``simulations`` that no parameter or readout may take.
RESERVED_COLUMNS = ("run_id", "sample_id", "status", "reason")

_TABLES = (
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
    """
    CREATE TABLE IF NOT EXISTS runs (
        run_id INTEGER PRIMARY KEY,
        name VARCHAR,
        status VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        model_name VARCHAR NOT NULL,
        model_hash VARCHAR NOT NULL,
        design_hash VARCHAR NOT NULL,
        sampler VARCHAR NOT NULL,
        n_samples BIGINT NOT NULL,
        seed BIGINT,
        parameters VARCHAR NOT NULL,
        readouts VARCHAR NOT NULL,
        model VARCHAR,
        design VARCHAR,
        seeds VARCHAR,
        study_text VARCHAR,
        package_versions VARCHAR,
        git_commit VARCHAR
    )
    """,
)


def quote(identifier: str) -> str:
    """Return ``identifier`` quoted for SQL."""
    return '"' + identifier.replace('"', '""') + '"'


def create_tables(connection: Any) -> None:
    """Create ``meta`` and ``runs`` if they are missing; record the schema version."""
    for statement in _TABLES:
        connection.execute(statement)
    connection.execute(
        "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
    )


def add_simulation_columns(connection: Any, names: list[str]) -> None:
    """Create ``simulations`` or add the DOUBLE columns ``names`` it lacks.

    A new table gets the columns between ``sample_id`` and ``status``, so a
    database of one run lists parameters, readouts, status and reason in order.
    """
    columns = "".join(f"{quote(name)} DOUBLE, " for name in names)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS simulations (run_id INTEGER NOT NULL, "
        f"sample_id BIGINT NOT NULL, {columns}status VARCHAR NOT NULL, "
        "reason VARCHAR, PRIMARY KEY (run_id, sample_id))"
    )
    for name in names:
        connection.execute(
            f"ALTER TABLE simulations ADD COLUMN IF NOT EXISTS {quote(name)} DOUBLE"
        )


@dataclass
class RunRecord:
    """Everything stored about a run besides its simulations.

    Attributes:
        model_name: registry name of the model.
        model_hash: :meth:`Model.version_hash` of the model.
        design_hash: fingerprint of the design (sampler, levels, n, seed,
            varying parameters and bounds).
        sampler: the sampler's name.
        n_samples: number of parameter sets in the design.
        parameters: one dict per model parameter (name, unit, bounds, scale,
            default), in column order.
        readouts: one dict per readout (name, unit, description).
        seed: the study seed, or None for a design without randomness.
        name: the study's name.
        model: the model's full description.
        design: the design's full description.
        seeds: the stage seeds derived from ``seed``, by stage name.
        study_text: the study file as written, or empty.
        package_versions: versions by package name.
        git_commit: commit of the source tree, if it is a git work tree.
    """

    model_name: str
    model_hash: str
    design_hash: str
    sampler: str
    n_samples: int
    parameters: list[dict[str, Any]]
    readouts: list[dict[str, Any]]
    seed: int | None = None
    name: str = ""
    model: dict[str, Any] = field(default_factory=dict)
    design: dict[str, Any] = field(default_factory=dict)
    seeds: dict[str, Any] = field(default_factory=dict)
    study_text: str = ""
    package_versions: dict[str, str] = field(default_factory=dict)
    git_commit: str | None = None

    @property
    def parameter_names(self) -> list[str]:
        """Parameter column names in order."""
        return [str(p["name"]) for p in self.parameters]

    @property
    def readout_names(self) -> list[str]:
        """Readout column names in order."""
        return [str(r["name"]) for r in self.readouts]

    def row(self) -> dict[str, Any]:
        """Return the record as column values of ``runs`` (JSON for nested data)."""
        values = asdict(self)
        for key in ("parameters", "readouts", "model", "design", "seeds"):
            values[key] = json.dumps(values[key], sort_keys=True)
        values["package_versions"] = json.dumps(self.package_versions, sort_keys=True)
        return values
