"""Parquet export and import of a population database.

An export is a folder with two files, ``runs.parquet`` and
``simulations.parquet``, with the columns of the database tables, so pandas,
pyarrow, Polars or Spark read a population without DuckDB.
"""

from __future__ import annotations

import logging
from pathlib import Path

from redundancy.errors import InputError
from redundancy.store.connection import connect
from redundancy.store.schema import (
    RESERVED_COLUMNS,
    add_simulation_columns,
    create_tables,
)

__all__ = ["export_parquet", "import_parquet"]

logger = logging.getLogger(__name__)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export_parquet(
    database: Path, folder: Path, *, run_id: int | None, timeout_s: float
) -> list[Path]:
    """Write ``runs.parquet`` and ``simulations.parquet`` into ``folder``.

    Args:
        database: the DuckDB file.
        folder: the output folder; created if missing, files overwritten.
        run_id: export only this run; None exports all.
        timeout_s: how long to wait for a writer to release the file, in s.

    Returns:
        The two file paths.
    """
    folder.mkdir(parents=True, exist_ok=True)
    runs_path = folder / "runs.parquet"
    simulations_path = folder / "simulations.parquet"
    condition = "" if run_id is None else f" WHERE run_id = {int(run_id)}"
    with connect(database, read_only=True, timeout_s=timeout_s) as connection:
        connection.execute(
            f"COPY (SELECT * FROM runs{condition} ORDER BY run_id) "
            f"TO {_literal(runs_path)} (FORMAT parquet)"
        )
        connection.execute(
            f"COPY (SELECT * FROM simulations{condition} "
            f"ORDER BY run_id, sample_id) TO {_literal(simulations_path)} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
    logger.info("exported %s to %s", database, folder)
    return [runs_path, simulations_path]


def import_parquet(folder: Path, database: Path, *, timeout_s: float) -> dict[int, int]:
    """Add the runs and simulations of a Parquet export to a database.

    Imported runs get new ids after the database's largest one.

    Returns:
        The new run id of each imported run id.

    Raises:
        FileNotFoundError: if a file of the export is missing.
        InputError: if the database already contains a run with the same model
            hash and design hash as an imported run.
    """
    runs_path = folder / "runs.parquet"
    simulations_path = folder / "simulations.parquet"
    for path in (runs_path, simulations_path):
        if not path.exists():
            raise FileNotFoundError(
                f"{str(path)!r} not found; expected a folder written by "
                "PopulationStore.to_parquet"
            )
    database.parent.mkdir(parents=True, exist_ok=True)
    with connect(database, read_only=False, timeout_s=timeout_s) as connection:
        create_tables(connection)
        imported = connection.execute(
            f"SELECT run_id, model_hash, design_hash FROM read_parquet("
            f"{_literal(runs_path)}) ORDER BY run_id"
        ).fetchall()
        duplicates = connection.execute(
            "SELECT r.run_id FROM runs r JOIN read_parquet("
            f"{_literal(runs_path)}) p USING (model_hash, design_hash)"
        ).fetchall()
        if duplicates:
            raise InputError(
                f"{str(database)!r} already contains run {duplicates[0][0]} with the "
                "same model and design as a run of this export; import into "
                "another database file"
            )
        offset = connection.execute(
            "SELECT coalesce(max(run_id), 0) FROM runs"
        ).fetchone()[0]
        columns = connection.execute(
            f"DESCRIBE SELECT * FROM read_parquet({_literal(simulations_path)})"
        ).fetchall()
        connection.execute("BEGIN TRANSACTION")
        add_simulation_columns(
            connection, [name for name, *_ in columns if name not in RESERVED_COLUMNS]
        )
        for table, path in (("runs", runs_path), ("simulations", simulations_path)):
            source = f"read_parquet({_literal(path)})"
            connection.execute(
                f"INSERT INTO {table} BY NAME SELECT * REPLACE "
                f"(run_id + {int(offset)} AS run_id) FROM {source}"
            )
        connection.execute("COMMIT")
    mapping = {int(old): int(old) + int(offset) for old, _, _ in imported}
    logger.info("imported runs %s from %s into %s", mapping, folder, database)
    return mapping
