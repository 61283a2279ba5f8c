"""Status and reasons given for undefined or failed STG feature rows.

Each function turns the counters of the burst kernels
(:data:`~redundancy.models.stg.bursts.NETWORK_INFO_COLUMNS`) into a short
sentence for the ``reason`` column of a readout table.
"""

from __future__ import annotations

import logging

import numpy as np

from redundancy.models.stg.recording import NETWORK_CELL_LABELS

__all__ = [
    "DIVERGED",
    "STATUS_UNDEFINED",
    "activity_problem",
    "log_status_summary",
    "order_reason",
    "plateau_overflow",
    "rhythm_problems",
    "spike_overflow",
    "too_few_bursts",
]

#: Status of a valid run with readouts that have no value (NaN with a reason).
STATUS_UNDEFINED = "undefined"

#: Reason of a run whose integration diverged.
DIVERGED = "diverged: the integration produced non-finite or out-of-range state"

_ACTIVITY_LABELS = {
    "silent": "silent",
    "tonic": "tonic spiking",
    "bursting": "bursting",
    "irregular": "irregular",
}


def activity_problem(activity_name: str, n_bursts: int) -> str:
    """Explain why a single cell has no burst period."""
    detail = "no bursts" if n_bursts == 0 else "one burst, no burst period"
    return f"{_ACTIVITY_LABELS[activity_name]}: {detail}"


def too_few_bursts(n_bursts: int, min_bursts: int) -> str:
    """Explain why a cell with a burst period is not called bursting."""
    return (
        f"irregular: {n_bursts} complete bursts, at least {min_bursts} needed "
        "to call the cell bursting; lengthen the recorded window (duration_ms)"
    )


def rhythm_problems(
    info: np.ndarray,
    rates: np.ndarray,
    triphasic: bool,
    silent_rate_hz: float,
    min_cycles: int,
    min_burst_ms: float,
) -> list[str]:
    """Explain why rhythm features of one network run are undefined."""
    problems = []
    for c, name in enumerate(NETWORK_CELL_LABELS):
        if rates[c] <= silent_rate_hz:
            problems.append(f"{name} silent")
        elif info[c] == 0:
            problems.append(f"{name} has no bursts longer than {min_burst_ms:g} ms")
    if info[0] == 1:
        problems.append("AB/PD has one burst, no cycle period")
    if problems or triphasic:
        return problems

    n_cycles, n_triphasic = int(info[3]), int(info[4])
    if n_cycles < min_cycles:
        problems.append(
            f"not triphasic: {n_cycles} AB/PD cycle(s), at least {min_cycles} needed"
        )
    else:
        problems.append(
            f"not triphasic: {n_triphasic} of {n_cycles} AB/PD cycles contain "
            "exactly one LP and one PY burst start"
        )
    return problems


def order_reason(info: np.ndarray) -> str:
    """Explain why a triphasic run is not pyloric-like."""
    n_triphasic, n_ordered = int(info[4]), int(info[5])
    parts = [f"{n_ordered} of {n_triphasic} triphasic cycles in pyloric order"]
    for column, text in (
        (6, "PY starts before LP"),
        (7, "LP ends after PY"),
        (8, "LP starts before AB/PD ends"),
    ):
        if info[column]:
            parts.append(f"{text} in {info[column]}")
    return "not pyloric-like: " + "; ".join(parts)


def spike_overflow(count: int, capacity: int) -> str:
    """Describe a full spike buffer."""
    return (
        f"spike buffer overflow: {count} spikes, only {capacity} stored; "
        "increase max_spikes"
    )


def plateau_overflow(count: int, capacity: int) -> str:
    """Describe a full plateau buffer."""
    return (
        f"plateau buffer overflow: {count} stretches above -30 mV, only "
        f"{capacity} stored; increase max_intervals"
    )


def log_status_summary(logger: logging.Logger, kind: str, status: np.ndarray) -> None:
    """Log at debug level how many rows of a feature batch have each status."""
    labels, counts = np.unique(status.astype(str), return_counts=True)
    summary = ", ".join(f"{n} {label}" for label, n in zip(labels, counts, strict=True))
    logger.debug("%s features of %d runs: %s", kind, status.size, summary)
