"""Input checks for STG recordings and feature-extraction thresholds."""

from __future__ import annotations

import numpy as np

from redundancy.errors import InputError
from redundancy.models.stg.recording import SpikeRecord

__all__ = ["check_positive", "check_record"]


def check_record(record: SpikeRecord) -> tuple[int, int]:
    """Check that a record's arrays agree in shape and dtype.

    Converts the arrays in place to contiguous float64 or int64 and bool, as
    the Numba kernels require.

    Returns:
        The number of runs and of cells.

    Raises:
        InputError: naming the first inconsistent field and its shape.
    """
    if not isinstance(record, SpikeRecord):
        raise InputError(
            f"expected a SpikeRecord, got {type(record).__name__}; "
            "build one with redundancy.models.stg.recording.SpikeRecord"
        )
    times = np.ascontiguousarray(record.spike_times_ms, dtype=np.float64)
    if times.ndim != 3:
        raise InputError(
            f"spike_times_ms must have shape (runs, cells, max_spikes), "
            f"got {times.shape}"
        )
    n_runs, n_cells = times.shape[:2]
    record.spike_times_ms = times

    expected = {
        "spike_counts": ((n_runs, n_cells), np.int64),
        "plateau_counts": ((n_runs, n_cells), np.int64),
        "v_min_mv": ((n_runs, n_cells), np.float64),
        "v_max_mv": ((n_runs, n_cells), np.float64),
        "ca_mean_um": ((n_runs, n_cells), np.float64),
        "diverged": ((n_runs,), np.bool_),
    }
    for name, (shape, dtype) in expected.items():
        array = np.ascontiguousarray(getattr(record, name), dtype=dtype)
        if array.shape != shape:
            raise InputError(
                f"SpikeRecord.{name} has shape {array.shape}, expected {shape} "
                "to match spike_times_ms"
            )
        setattr(record, name, array)

    plateaus = np.ascontiguousarray(record.plateau_intervals_ms, dtype=np.float64)
    if plateaus.ndim != 4 or plateaus.shape[:2] != (n_runs, n_cells):
        raise InputError(
            f"SpikeRecord.plateau_intervals_ms has shape {plateaus.shape}, expected "
            f"({n_runs}, {n_cells}, max_intervals, 2)"
        )
    if plateaus.shape[3] != 2:
        raise InputError(
            "SpikeRecord.plateau_intervals_ms must end in an axis of length 2 "
            f"(start, end), got shape {plateaus.shape}"
        )
    record.plateau_intervals_ms = plateaus

    if not (np.isfinite(record.duration_ms) and record.duration_ms > 0):
        raise InputError(
            f"SpikeRecord.duration_ms must be a positive time in ms, "
            f"got {record.duration_ms!r}"
        )
    if np.any(record.spike_counts < 0) or np.any(record.plateau_counts < 0):
        raise InputError("SpikeRecord spike_counts and plateau_counts must be >= 0")
    return n_runs, n_cells


def check_positive(**values: float) -> None:
    """Raise :class:`InputError` naming the first value that is not positive."""
    for name, value in values.items():
        if not (np.isfinite(value) and value > 0):
            raise InputError(f"{name} must be a positive number, got {value!r}")
