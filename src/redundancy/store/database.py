"""The population database: one row per simulation in an embedded DuckDB file."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from redundancy.errors import InputError
from redundancy.store.connection import connect
from redundancy.store.exchange import export_parquet, import_parquet
from redundancy.store.schema import (
    RESERVED_COLUMNS,
    RunRecord,
    add_simulation_columns,
    create_tables,
    quote,
)

__all__ = ["PopulationStore"]

logger = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class PopulationStore:
    """A population database file: runs, and one row per simulated parameter set.

    Reading methods return pandas DataFrames. Every call opens the file for
    that call only, so several processes can read while a sweep writes: a
    reader that finds the file locked by the writer's current transaction
    waits and retries (see :mod:`redundancy.store.connection`), and reads every
    chunk committed before its query began.

    Args:
        path: the DuckDB file; created by the first write.
        timeout_s: how long a call waits for another process to release the
            file, in seconds.

    References:
        Prinz, A. A., Billimoria, C. P. & Marder, E. (2003). Alternative to
        hand-tuning conductance-based models: construction and analysis of
        databases of model neurons. *Journal of Neurophysiology* 90,
        3998-4015.
        Raasveldt, M. & Muehleisen, H. (2019). DuckDB: an embeddable
        analytical database. *Proceedings of SIGMOD 2019*, 1981-1984.
    """

    def __init__(self, path: str | Path, *, timeout_s: float = 60.0) -> None:
        if (
            not isinstance(timeout_s, (int, float))
            or not math.isfinite(timeout_s)
            or (timeout_s <= 0)
        ):
            raise InputError(
                f"the database timeout must be a positive number of seconds, got "
                f"{timeout_s!r}"
            )
        self.path = Path(path)
        self.timeout_s = float(timeout_s)

    def _read(self) -> Any:
        return connect(self.path, read_only=True, timeout_s=self.timeout_s)

    def _write(self) -> Any:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return connect(self.path, read_only=False, timeout_s=self.timeout_s)

    # Reading -------------------------------------------------------------------

    def query(self, sql: str, parameters: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a SQL query on a read-only connection and return its result.

        Args:
            sql: a DuckDB SQL query over the tables ``runs`` and
                ``simulations`` (see :mod:`redundancy.store.schema`).
            parameters: values for ``?`` placeholders in ``sql``.

        The connection cannot read or write files other than the database
        (DuckDB's ``enable_external_access`` is off), so ``COPY ... TO`` fails.

        Raises:
            InputError: for an empty query, or a statement without a result
                table.
        """
        if not sql.strip():
            raise InputError(
                "the SQL query is empty; give a statement such as "
                "'SELECT status, count(*) FROM simulations GROUP BY status'"
            )
        with connect(
            self.path,
            read_only=True,
            timeout_s=self.timeout_s,
            external_access=False,
        ) as connection:
            result = connection.execute(sql, parameters or [])
            if result is None or result.description is None:
                raise InputError(
                    f"the SQL statement {sql.strip()[:80]!r} returned no result "
                    "table; give a query such as 'SELECT * FROM runs'"
                )
            return result.df()

    def runs(self) -> pd.DataFrame:
        """Return one row per run, ordered by ``run_id``."""
        return self.query("SELECT * FROM runs ORDER BY run_id")

    def run(self, run_id: int) -> dict[str, Any]:
        """Return one run's record with its JSON fields decoded.

        Raises:
            KeyError: if the database has no run ``run_id``.
        """
        frame = self.query("SELECT * FROM runs WHERE run_id = ?", [int(run_id)])
        if frame.empty:
            known = self.query("SELECT run_id FROM runs ORDER BY run_id")["run_id"]
            raise KeyError(
                f"no run {run_id} in {str(self.path)!r}; runs: "
                f"{', '.join(map(str, known)) or 'none'}"
            )
        record = frame.iloc[0].to_dict()
        for key in ("parameters", "readouts", "model", "design", "seeds"):
            record[key] = json.loads(record[key] or "null")
        record["package_versions"] = json.loads(record["package_versions"] or "{}")
        return record

    def columns(self) -> list[str]:
        """Return the column names of the ``simulations`` table."""
        frame = self.query(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'simulations' ORDER BY ordinal_position"
        )
        return frame["column_name"].tolist()

    def table(
        self,
        run_id: int | None = None,
        status: str | Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
        where: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Return stored simulations ordered by ``run_id`` and ``sample_id``.

        Args:
            run_id: only this run; its parameters and readouts are the default
                columns. None returns every run with every column.
            status: only rows with this status or one of these statuses.
            columns: the columns to return; ``run_id`` and ``sample_id`` are
                always included.
            where: an extra SQL condition, e.g. ``"g_na > 100"``. It runs on a
                read-only connection.
            limit: return at most this many rows.

        Raises:
            InputError: for a column the table lacks.
        """
        available = self.columns()
        if columns is None:
            if run_id is None:
                middle = [c for c in available if c not in RESERVED_COLUMNS]
            else:
                record = self.run(run_id)
                middle = [p["name"] for p in record["parameters"]]
                middle += [r["name"] for r in record["readouts"]]
            columns = [*middle, "status", "reason"]
        unknown = [c for c in columns if c not in available]
        if unknown:
            raise InputError(
                f"unknown column(s) {', '.join(map(repr, unknown))}; the "
                f"simulations table has: {', '.join(available)}"
            )
        selected = ["run_id", "sample_id"]
        selected += [c for c in columns if c not in ("run_id", "sample_id")]
        conditions: list[str] = []
        values: list[Any] = []
        if run_id is not None:
            conditions.append("run_id = ?")
            values.append(int(run_id))
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            conditions.append(f"status IN ({', '.join('?' * len(statuses))})")
            values.extend(statuses)
        if where:
            conditions.append(f"({where})")
        sql = f"SELECT {', '.join(map(quote, selected))} FROM simulations"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        sql += " ORDER BY run_id, sample_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.query(sql, values)

    def status_counts(self, run_id: int) -> dict[str, int]:
        """Return the number of stored rows of a run by status."""
        frame = self.query(
            "SELECT status, count(*) AS n FROM simulations WHERE run_id = ? "
            "GROUP BY status ORDER BY status",
            [int(run_id)],
        )
        return dict(zip(frame["status"], frame["n"].astype(int), strict=True))

    def stored_ids(self, run_id: int) -> np.ndarray:
        """Return the sorted ``sample_id`` values stored for a run (int64)."""
        if not self.path.exists():
            return np.empty(0, dtype=np.int64)
        with self._read() as connection:
            ids = connection.execute(
                "SELECT sample_id FROM simulations WHERE run_id = ? ORDER BY sample_id",
                [int(run_id)],
            ).fetchnumpy()["sample_id"]
        return np.asarray(ids, dtype=np.int64)

    # Writing -------------------------------------------------------------------

    def delete_rows(self, run_id: int, reason_prefix: str) -> np.ndarray:
        """Delete a run's rows whose failure reason starts with ``reason_prefix``.

        Returns:
            The sorted ``sample_id`` values of the deleted rows (int64).
        """
        if not self.path.exists():
            return np.empty(0, dtype=np.int64)
        with self._write() as connection:
            connection.execute("BEGIN TRANSACTION")
            ids = connection.execute(
                "DELETE FROM simulations WHERE run_id = ? AND starts_with(reason, ?) "
                "RETURNING sample_id",
                [int(run_id), reason_prefix],
            ).fetchnumpy()["sample_id"]
            connection.execute("COMMIT")
        return np.sort(np.asarray(ids, dtype=np.int64))

    def open_run(self, record: RunRecord, *, append: bool = False) -> tuple[int, bool]:
        """Find the run that ``record`` continues, or add it as a new run.

        A run continues an earlier one when the model hash and design hash
        (sampler, levels or n, seed, varying parameters and bounds) are equal.

        Args:
            record: the run's description.
            append: allow a new run in a database that already contains a
                different study.

        Returns:
            ``(run_id, resumed)``; ``resumed`` is True for an existing run.

        Raises:
            InputError: if the database contains a different study and ``append``
                is False, or a parameter or readout takes a reserved column
                name.
        """
        names = record.parameter_names + record.readout_names
        clashes = sorted(
            {n for n in names if n in RESERVED_COLUMNS or names.count(n) > 1}
        )
        if clashes:
            raise InputError(
                f"model {record.model_name!r}: column name(s) {', '.join(clashes)} "
                f"are reserved ({', '.join(RESERVED_COLUMNS)}) or shared by a "
                "parameter and a readout; rename them to store the model"
            )
        now = _utc_now()
        with self._write() as connection:
            create_tables(connection)
            existing = connection.execute(
                "SELECT run_id, name, model_name, model_hash, design_hash, seed, "
                "sampler, n_samples FROM runs ORDER BY run_id"
            ).df()
            same = existing[
                (existing["model_hash"] == record.model_hash)
                & (existing["design_hash"] == record.design_hash)
            ]
            if not same.empty:
                run_id = int(same["run_id"].iloc[0])
                connection.execute(
                    "UPDATE runs SET status = 'running', updated_at = ? "
                    "WHERE run_id = ?",
                    [now, run_id],
                )
                return run_id, True
            if not existing.empty and not append:
                raise InputError(self._mismatch_message(existing.iloc[-1], record))
            run_id = int(existing["run_id"].max()) + 1 if not existing.empty else 1
            connection.execute("BEGIN TRANSACTION")
            add_simulation_columns(connection, names)
            row = record.row()
            row.update(run_id=run_id, status="running", created_at=now, updated_at=now)
            keys = list(row)
            connection.execute(
                f"INSERT INTO runs ({', '.join(map(quote, keys))}) "
                f"VALUES ({', '.join('?' * len(keys))})",
                [row[key] for key in keys],
            )
            connection.execute("COMMIT")
        return run_id, False

    def _mismatch_message(self, last: pd.Series, record: RunRecord) -> str:
        differences = []
        if last["model_hash"] != record.model_hash:
            differences.append(
                f"model {last['model_name']} hash {last['model_hash']} versus "
                f"{record.model_name} hash {record.model_hash}"
            )
        seeds_known = pd.notna(last["seed"]) and record.seed is not None
        if seeds_known and last["seed"] != record.seed:
            differences.append(f"seed {int(last['seed'])} versus {record.seed}")
        if last["sampler"] != record.sampler or last["n_samples"] != record.n_samples:
            differences.append(
                f"design {last['sampler']} of {int(last['n_samples'])} rows versus "
                f"{record.sampler} of {record.n_samples} rows"
            )
        if not differences:
            differences.append("design (varying parameters, levels or bounds)")
        return (
            f"population database {str(self.path)!r} contains run {int(last['run_id'])} "
            f"of another study ({'; '.join(differences)}). Use a new --db file, or "
            "pass --append to add this study as a new run"
        )

    def write_rows(self, run_id: int, frame: pd.DataFrame) -> int:
        """Store simulations of a run in one transaction.

        Args:
            run_id: the run, from :meth:`open_run`.
            frame: one row per simulation with ``sample_id``, parameter and
                readout columns, ``status`` and ``reason``.

        Returns:
            The number of rows inserted. Rows whose ``sample_id`` the run
            already contains are skipped, so every parameter set is stored once.
        """
        if frame.empty:
            return 0
        with self._write() as connection:
            connection.register("chunk_rows", frame)
            connection.execute("BEGIN TRANSACTION")
            inserted = connection.execute(
                "INSERT OR IGNORE INTO simulations BY NAME "
                f"SELECT {int(run_id)}::INTEGER AS run_id, * FROM chunk_rows"
            ).fetchone()[0]
            connection.execute(
                "UPDATE runs SET updated_at = ? WHERE run_id = ?",
                [_utc_now(), int(run_id)],
            )
            connection.execute("COMMIT")
        if inserted < len(frame):
            logger.warning(
                "run %d: %d of %d rows were already stored and were skipped",
                run_id,
                len(frame) - inserted,
                len(frame),
            )
        return int(inserted)

    def set_run_status(self, run_id: int, status: str) -> None:
        """Set a run's status, e.g. ``finished`` or ``incomplete``."""
        with self._write() as connection:
            connection.execute(
                "UPDATE runs SET status = ?, updated_at = ? WHERE run_id = ?",
                [status, _utc_now(), int(run_id)],
            )

    # Exchange ------------------------------------------------------------------

    def to_parquet(
        self, folder: str | Path, *, run_id: int | None = None
    ) -> list[Path]:
        """Export the database to ``runs.parquet`` and ``simulations.parquet``.

        Args:
            folder: the output folder; created if missing.
            run_id: export only this run; None exports all runs.

        Returns:
            The paths of the two files.
        """
        return export_parquet(
            self.path, Path(folder), run_id=run_id, timeout_s=self.timeout_s
        )

    @classmethod
    def from_parquet(
        cls, folder: str | Path, path: str | Path, *, timeout_s: float = 60.0
    ) -> PopulationStore:
        """Import a folder written by :meth:`to_parquet` into the database ``path``.

        The runs get new ids after the largest id already in ``path``.

        Returns:
            The store at ``path``.
        """
        import_parquet(Path(folder), Path(path), timeout_s=timeout_s)
        return cls(path, timeout_s=timeout_s)

    def __repr__(self) -> str:
        return f"PopulationStore({str(self.path)!r})"
