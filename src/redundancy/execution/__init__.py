"""Execution: run designs through a model on a local process pool or on Dask."""

from redundancy.execution.backends import (
    DaskBackend,
    InProcessBackend,
    LocalPoolBackend,
    make_backend,
)
from redundancy.execution.config import SweepConfig
from redundancy.execution.engine import CHUNK_FAILED, ExecutionReport, run_design

__all__ = [
    "CHUNK_FAILED",
    "DaskBackend",
    "InProcessBackend",
    "LocalPoolBackend",
    "ExecutionReport",
    "SweepConfig",
    "make_backend",
    "run_design",
]
