"""Short-lived DuckDB connections that wait while another process locks the file.

DuckDB lets one process open a database file for writing, or any number of
processes open it read-only, but not both at once. The population store
therefore never keeps a connection open: the sweep's writer opens the file for
one transaction per chunk and closes it, and every read opens a read-only
connection for one query. A connection that finds the file locked waits and retries with
a growing delay, up to a timeout.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

__all__ = ["DatabaseLockedError", "connect"]

logger = logging.getLogger(__name__)

_FIRST_DELAY_S = 0.02
_MAX_DELAY_S = 0.5
_WARN_EVERY_S = 10.0


class DatabaseLockedError(TimeoutError):
    """Another process held the database file for longer than the timeout."""


@contextmanager
def connect(
    path: Path, *, read_only: bool, timeout_s: float, external_access: bool = True
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open ``path``, retrying while another process holds its lock, then close it.

    Args:
        path: the database file.
        read_only: open without write access; the file must exist.
        timeout_s: how long to keep retrying a locked file, in seconds.
        external_access: allow SQL that reads or writes other files (COPY,
            read_csv, ATTACH); False sets DuckDB's ``enable_external_access``
            off for this connection.

    Raises:
        FileNotFoundError: for a read-only open of a missing file.
        DatabaseLockedError: if the file stayed locked for ``timeout_s``.
    """
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"population database {str(path)!r} not found; run a sweep with "
            "--db to create it"
        )
    start = time.monotonic()
    delay = _FIRST_DELAY_S
    next_warning = _WARN_EVERY_S
    config = {} if external_access else {"enable_external_access": False}
    while True:
        try:
            connection = duckdb.connect(str(path), read_only=read_only, config=config)
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            waited = time.monotonic() - start
            if waited >= timeout_s:
                raise DatabaseLockedError(
                    f"population database {str(path)!r} stayed locked by another "
                    f"process for {timeout_s:g} s ({error}); close that process "
                    "or raise the timeout"
                ) from None
            if waited >= next_warning:
                logger.warning(
                    "waiting %.0f s so far for another process to release %s",
                    waited,
                    path,
                )
                next_warning += _WARN_EVERY_S
            time.sleep(min(delay, max(timeout_s - waited, 0.0)))
            delay = min(delay * 2, _MAX_DELAY_S)
    try:
        yield connection
    finally:
        connection.close()
