"""The population database: runs and simulations in DuckDB, exported as Parquet."""

from redundancy.store.connection import DatabaseLockedError
from redundancy.store.database import PopulationStore
from redundancy.store.provenance import git_commit, package_versions
from redundancy.store.schema import RESERVED_COLUMNS, SCHEMA_VERSION, RunRecord

__all__ = [
    "RESERVED_COLUMNS",
    "SCHEMA_VERSION",
    "DatabaseLockedError",
    "PopulationStore",
    "RunRecord",
    "git_commit",
    "package_versions",
]
