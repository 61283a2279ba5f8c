"""Pyloric rhythm readouts of three-cell STG network recordings.

:func:`network_features` turns a
:class:`~redundancy.models.stg.recording.SpikeRecord` of AB/PD, LP and PY
into the readouts of :data:`NETWORK_READOUTS`, one row per run, with the row
status described in :mod:`redundancy.models.stg.features`.

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.

    Gonçalves PJ, Lueckmann J-M, Deistler M, et al. (2020). Training deep
    neural density estimators to identify mechanistic models of neural
    dynamics. eLife 9:e56261.

    Deistler M, Macke JH, Gonçalves PJ (2022). Energy-efficient network
    activity from disparate circuit parameters. PNAS 119:e2207632119.
"""

from __future__ import annotations

import logging

import numpy as np

from redundancy.errors import InputError
from redundancy.models.base import STATUS_FAILED, STATUS_OK, BatchResult
from redundancy.models.stg.bursts import network_kernel
from redundancy.models.stg.classify import within_reference
from redundancy.models.stg.readouts import NETWORK_READOUTS
from redundancy.models.stg.reasons import (
    DIVERGED,
    STATUS_UNDEFINED,
    log_status_summary,
    order_reason,
    plateau_overflow,
    rhythm_problems,
    spike_overflow,
)
from redundancy.models.stg.recording import (
    NETWORK_CELL_LABELS,
    NETWORK_CELLS,
    SpikeRecord,
)
from redundancy.models.stg.validation import check_positive, check_record

__all__ = ["NETWORK_READOUTS", "network_features"]

logger = logging.getLogger(__name__)

_NETWORK_COLUMN = {readout.name: j for j, readout in enumerate(NETWORK_READOUTS)}


def network_features(
    record: SpikeRecord,
    *,
    burst_gap_ms: float = 150.0,
    min_burst_ms: float = 40.0,
    silent_rate_hz: float = 1.0,
    min_cycles: int = 2,
    triphasic_fraction: float = 0.9,
    ordered_fraction: float = 0.7,
    plateau_min_ms: float = 5.0,
    plateau_fill_ms: float = 2.5,
) -> BatchResult:
    """Compute the pyloric rhythm readouts of :data:`NETWORK_READOUTS`.

    Cells are ordered AB/PD, LP, PY. Bursts and plateaus are detected per
    cell as in :func:`neuron_features`, so bursts cut by the window edges are
    dropped. The cycle period is the mean
    interval between AB/PD burst starts, and each cell's duty cycle is its
    mean burst duration over that period. The AB/PD burst
    starts divide time into cycles, and a cycle is triphasic when LP and PY
    each start exactly one burst in it. The network is triphasic when it has
    at least ``min_cycles`` cycles and at least ``triphasic_fraction`` of
    them are triphasic. Only then are start phases, delays and gaps defined,
    as means over the triphasic cycles.

    The second start-to-start delay runs from the AB/PD burst start to the PY
    burst start (``delay_ab_pd_py_ms``), as in the code of Gonçalves et al.
    (2020) and in the biological reference values. The ``pyloric`` package
    instead reports the LP to PY delay, which equals
    ``delay_ab_pd_py_ms - delay_ab_pd_lp_ms``.

    ``pyloric_like`` is 1.0 when the network is triphasic and at least
    ``ordered_fraction`` of the triphasic cycles have LP start <= PY start,
    LP end <= PY end and AB/PD end <= LP start (criterion
    ``"prinz2004-order"``, see
    :data:`~redundancy.models.stg.classify.PYLORIC_LIKE_CRITERION`).
    ``within_reference_2sd`` is 1.0 when all 15 rhythm features lie within
    two standard deviations of the biological means used by Gonçalves et al.
    (2020). A triphasic network in the wrong order keeps its features and
    status ``"ok"``, with ``pyloric_like`` 0.0 and the violated conditions
    in ``reason``.

    Args:
        record: three-cell recording of the batch.
        burst_gap_ms: inter-spike interval in ms that ends a burst.
        min_burst_ms: bursts lasting at most this long (ms) are dropped.
        silent_rate_hz: firing rate in Hz at or below which a cell is named
            silent in the reason.
        min_cycles: number of AB/PD cycles a triphasic network needs at
            least. NOTE: the ``pyloric`` package (commit 0c7dd2e) requires two
            AB/PD burst starts, i.e. one cycle; pass 1 to match it.
        triphasic_fraction: fraction of cycles that must be triphasic.
        ordered_fraction: fraction of triphasic cycles that must be in
            pyloric order.
        plateau_min_ms: mean plateau duration in ms below which
            ``plateau_fill_ms`` is reported.
        plateau_fill_ms: plateau duration in ms reported for short plateaus.

    Returns:
        A :class:`BatchResult` with one column per readout of
        :data:`NETWORK_READOUTS`.

    Raises:
        InputError: if the record does not have three cells, its arrays are
            inconsistent or a threshold is invalid.

    References:
        Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.
        Gonçalves PJ, et al. (2020). eLife 9:e56261.
        Deistler M, Macke JH, Gonçalves PJ (2022). PNAS 119:e2207632119.
    """
    n_runs, n_cells = check_record(record)
    if n_cells != 3:
        raise InputError(
            f"network_features needs a three-cell record (AB/PD, LP, PY), "
            f"got {n_cells} cells; use neuron_features for single cells"
        )
    check_positive(
        burst_gap_ms=burst_gap_ms,
        min_burst_ms=min_burst_ms,
        silent_rate_hz=silent_rate_hz,
        min_cycles=min_cycles,
        triphasic_fraction=triphasic_fraction,
        ordered_fraction=ordered_fraction,
        plateau_min_ms=plateau_min_ms,
        plateau_fill_ms=plateau_fill_ms,
    )
    for name, fraction in (
        ("triphasic_fraction", triphasic_fraction),
        ("ordered_fraction", ordered_fraction),
    ):
        if fraction > 1:
            raise InputError(f"{name} must lie in (0, 1], got {fraction!r}")

    kernel_out = np.empty((n_runs, 20))
    info = np.zeros((n_runs, 9), dtype=np.int64)
    network_kernel(
        record.spike_times_ms,
        record.spike_counts,
        record.plateau_intervals_ms,
        record.plateau_counts,
        float(record.duration_ms),
        float(burst_gap_ms),
        float(min_burst_ms),
        float(plateau_min_ms),
        float(plateau_fill_ms),
        int(min_cycles),
        float(triphasic_fraction),
        float(ordered_fraction),
        kernel_out,
        info,
    )
    rhythm = {r.name: kernel_out[:, j] for j, r in enumerate(NETWORK_READOUTS[:15])}
    reference = within_reference(rhythm).astype(float)
    values = np.column_stack([kernel_out, reference])

    status = np.full(n_runs, STATUS_OK, dtype=object)
    reason = np.full(n_runs, "", dtype=object)
    rates = 1000.0 * record.spike_counts / record.duration_ms
    spike_capacity = record.spike_times_ms.shape[2]
    plateau_capacity = record.plateau_intervals_ms.shape[2]
    plateau_columns = [
        _NETWORK_COLUMN[f"plateau_duration_{cell}_ms"] for cell in NETWORK_CELLS
    ]
    triphasic_column = _NETWORK_COLUMN["triphasic"]
    pyloric_column = _NETWORK_COLUMN["pyloric_like"]
    for i in range(n_runs):
        if record.diverged[i]:
            values[i] = np.nan
            status[i] = STATUS_FAILED
            reason[i] = DIVERGED
            continue
        overflow = [
            f"{name} {spike_overflow(int(record.spike_counts[i, c]), spike_capacity)}"
            for c, name in enumerate(NETWORK_CELL_LABELS)
            if record.spike_counts[i, c] > spike_capacity
        ]
        if overflow:
            values[i] = np.nan
            status[i] = STATUS_FAILED
            reason[i] = "; ".join(overflow)
            continue
        plateau_problems = []
        for c, name in enumerate(NETWORK_CELL_LABELS):
            plateaus = int(record.plateau_counts[i, c])
            column = plateau_columns[c]
            if plateaus > plateau_capacity and np.isfinite(values[i, column]):
                values[i, column] = np.nan
                overflow_text = plateau_overflow(plateaus, plateau_capacity)
                plateau_problems.append(f"{name} {overflow_text}")
        if np.all(np.isfinite(values[i])):
            if values[i, pyloric_column] == 0.0:
                reason[i] = order_reason(info[i])
            continue

        triphasic = values[i, triphasic_column] == 1.0
        problems = rhythm_problems(
            info[i], rates[i], triphasic, silent_rate_hz, min_cycles, min_burst_ms
        )
        problems += plateau_problems
        if not problems:
            names = [
                readout.name
                for readout, value in zip(NETWORK_READOUTS, values[i], strict=True)
                if np.isnan(value)
            ]
            problems.append("undefined readouts: " + ", ".join(names))
        status[i] = STATUS_UNDEFINED
        reason[i] = "; ".join(problems)
    log_status_summary(logger, "network", status)
    return BatchResult(values, status, reason)
