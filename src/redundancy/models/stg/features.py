"""Readouts of STG single-cell and pyloric network simulations.

:func:`neuron_features` and :func:`network_features` (defined in
:mod:`redundancy.models.stg.rhythm`) turn a
:class:`~redundancy.models.stg.recording.SpikeRecord` of a whole batch into a
:class:`~redundancy.models.base.BatchResult`, one row per run. Spikes are
grouped into bursts by inter-spike gaps (:mod:`redundancy.models.stg.bursts`)
and the rhythm features follow the definitions of the mackelab ``pyloric``
package used by Gonçalves et al. (2020) and Deistler et al. (2022).

Row status:

- ``"ok"``: every readout is finite.
- ``"undefined"`` (:data:`STATUS_UNDEFINED`): the run is valid, but some
  readouts have no value, e.g. a silent cell has no burst period or a
  non-triphasic network has no phases. Those readouts are NaN, and the
  ``reason`` column gives the cause, e.g. "silent: no bursts" or
  "LP silent".
- ``"failed"``: the integration diverged or a spike buffer overflowed, so the
  recorded spikes cannot be trusted.

References:
    Prinz AA, Billimoria CP, Marder E (2003). Alternative to hand-tuning
    conductance-based models: construction and analysis of databases of
    model neurons. J Neurophysiol 90:3998-4015.

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
from redundancy.models.stg.bursts import neuron_kernel
from redundancy.models.stg.classify import (
    ACTIVITY_IRREGULAR,
    ACTIVITY_NAMES,
    activity_codes,
)
from redundancy.models.stg.readouts import NETWORK_READOUTS, NEURON_READOUTS
from redundancy.models.stg.reasons import (
    DIVERGED,
    STATUS_UNDEFINED,
    activity_problem,
    log_status_summary,
    plateau_overflow,
    spike_overflow,
    too_few_bursts,
)
from redundancy.models.stg.recording import SpikeRecord
from redundancy.models.stg.rhythm import network_features
from redundancy.models.stg.validation import check_positive, check_record

__all__ = [
    "NETWORK_READOUTS",
    "NEURON_READOUTS",
    "STATUS_UNDEFINED",
    "network_features",
    "neuron_features",
]

logger = logging.getLogger(__name__)

_NEURON_COLUMN = {readout.name: j for j, readout in enumerate(NEURON_READOUTS)}
# Neuron readouts that stay defined when the spike buffer overflows.
_COUNT_BASED = [
    _NEURON_COLUMN[name]
    for name in ("firing_rate_hz", "v_min_mv", "v_max_mv", "ca_mean_um")
]


def neuron_features(
    record: SpikeRecord,
    *,
    cell: int | None = None,
    burst_gap_ms: float = 150.0,
    min_burst_ms: float = 40.0,
    silent_rate_hz: float = 1.0,
    tonic_isi_cv: float = 0.1,
    min_bursts: int = 3,
    max_burst_period_cv: float = 0.1,
    plateau_min_ms: float = 5.0,
    plateau_fill_ms: float = 2.5,
) -> BatchResult:
    """Compute the single-cell readouts of :data:`NEURON_READOUTS` for a batch.

    A burst ends at an inter-spike interval of at least ``burst_gap_ms`` and
    is kept when it lasts (first to last spike) more than ``min_burst_ms``
    and lies complete inside the window. Complete means that its first spike
    comes at least ``burst_gap_ms`` after the window start and its last spike
    at least ``burst_gap_ms`` before the window end. A burst cut by either
    edge would give a wrong burst start, end and period.
    The activity code follows
    :func:`~redundancy.models.stg.classify.activity_codes`. The plateau
    duration is the mean over burst cycles of the longest stretch above
    -30 mV, replaced by ``plateau_fill_ms`` when it is below
    ``plateau_min_ms``. The defaults 5 ms and 2.5 ms equal the 200 and 100
    samples of the ``pyloric`` package at its time step of 0.025 ms.

    Burst duration and burst period are means over different sets of bursts,
    so the duty cycle of an irregular cell can exceed 1 (for example one
    short burst followed by one burst that lasts the rest of the window).

    Args:
        record: recording of the batch.
        cell: index of the cell to analyse; may be omitted for one-cell
            records.
        burst_gap_ms: inter-spike interval in ms that ends a burst.
        min_burst_ms: bursts lasting at most this long (ms) are dropped.
        silent_rate_hz: firing rate in Hz at or below which a cell is silent.
        tonic_isi_cv: ISI coefficient of variation below which spiking is
            tonic.
        min_bursts: number of bursts a bursting cell needs at least.
        max_burst_period_cv: burst period coefficient of variation below
            which bursting is regular.
        plateau_min_ms: mean plateau duration in ms below which
            ``plateau_fill_ms`` is reported.
        plateau_fill_ms: plateau duration in ms reported for short plateaus.

    Returns:
        A :class:`BatchResult` with one column per readout of
        :data:`NEURON_READOUTS` and status ``"ok"``, ``"undefined"`` or
        ``"failed"`` (see the module documentation). An irregular cell with
        a burst period but fewer than ``min_bursts`` complete bursts keeps
        status ``"ok"``, and its reason states that the window is too short to
        call it bursting.

    Raises:
        InputError: if the record's arrays are inconsistent, ``cell`` is out
            of range or a threshold is not positive.

    References:
        Prinz AA, Billimoria CP, Marder E (2003). J Neurophysiol 90:3998-4015.
        Gonçalves PJ, et al. (2020). eLife 9:e56261.
    """
    n_runs, n_cells = check_record(record)
    if cell is None:
        if n_cells != 1:
            raise InputError(
                f"record has {n_cells} cells; pass cell=0..{n_cells - 1} "
                "or use network_features for a three-cell network"
            )
        cell = 0
    if not 0 <= cell < n_cells:
        raise InputError(f"cell {cell!r} is out of range for a {n_cells}-cell record")
    check_positive(
        burst_gap_ms=burst_gap_ms,
        min_burst_ms=min_burst_ms,
        silent_rate_hz=silent_rate_hz,
        tonic_isi_cv=tonic_isi_cv,
        min_bursts=min_bursts,
        max_burst_period_cv=max_burst_period_cv,
        plateau_min_ms=plateau_min_ms,
        plateau_fill_ms=plateau_fill_ms,
    )

    # Kernel columns: rate, ISI CV, period, period CV, duration, duty,
    # spikes per burst, plateau.
    kernel_out = np.empty((n_runs, 8))
    info = np.zeros((n_runs, 2), dtype=np.int64)
    neuron_kernel(
        record.spike_times_ms,
        record.spike_counts,
        record.plateau_intervals_ms,
        record.plateau_counts,
        cell,
        float(record.duration_ms),
        float(burst_gap_ms),
        float(min_burst_ms),
        float(plateau_min_ms),
        float(plateau_fill_ms),
        kernel_out,
        info,
    )
    n_bursts = info[:, 1]
    codes = activity_codes(
        kernel_out[:, 0],
        kernel_out[:, 1],
        n_bursts,
        kernel_out[:, 3],
        silent_rate_hz=silent_rate_hz,
        tonic_isi_cv=tonic_isi_cv,
        min_bursts=min_bursts,
        max_burst_period_cv=max_burst_period_cv,
    )
    values = np.column_stack(
        [
            codes,
            kernel_out,
            record.v_min_mv[:, cell],
            record.v_max_mv[:, cell],
            record.ca_mean_um[:, cell],
        ]
    ).astype(float)

    status = np.full(n_runs, STATUS_OK, dtype=object)
    reason = np.full(n_runs, "", dtype=object)
    spike_capacity = record.spike_times_ms.shape[2]
    plateau_capacity = record.plateau_intervals_ms.shape[2]
    plateau_column = _NEURON_COLUMN["plateau_duration_ms"]
    period_column = _NEURON_COLUMN["burst_period_ms"]
    for i in range(n_runs):
        if record.diverged[i]:
            values[i] = np.nan
            status[i] = STATUS_FAILED
            reason[i] = DIVERGED
            continue
        count = int(record.spike_counts[i, cell])
        if count > spike_capacity:
            count_based_values = values[i, _COUNT_BASED].copy()
            values[i] = np.nan
            values[i, _COUNT_BASED] = count_based_values
            status[i] = STATUS_FAILED
            reason[i] = spike_overflow(count, spike_capacity)
            continue
        problems = []
        plateaus = int(record.plateau_counts[i, cell])
        if plateaus > plateau_capacity and np.isfinite(values[i, plateau_column]):
            values[i, plateau_column] = np.nan
            problems.append(plateau_overflow(plateaus, plateau_capacity))
        if not np.isfinite(values[i, period_column]):
            name = ACTIVITY_NAMES[int(codes[i])]
            problems.insert(0, activity_problem(name, int(n_bursts[i])))
        if not problems and not np.all(np.isfinite(values[i])):
            problems.append("non-finite voltage or calcium summary")
        if problems:
            status[i] = STATUS_UNDEFINED
            reason[i] = "; ".join(problems)
        elif codes[i] == ACTIVITY_IRREGULAR and n_bursts[i] < min_bursts:
            reason[i] = too_few_bursts(int(n_bursts[i]), min_bursts)
    log_status_summary(logger, "neuron", status)
    return BatchResult(values, status, reason)
