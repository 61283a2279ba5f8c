"""Event record of the STG batch integrator, the input of feature extraction.

The compiled integrator does not store voltage traces. It detects events
online and fills fixed-size buffers, one row per parameter set and one column
per cell, which :mod:`redundancy.models.stg.features` turns into readouts.

Cell order is AB/PD, LP, PY for the network and a single cell for the neuron.
All times are in ms from the start of the recorded window, i.e. after the
discarded transient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "NETWORK_CELLS",
    "NETWORK_CELL_LABELS",
    "PLATEAU_THRESHOLD_MV",
    "SPIKE_MIN_RISE_MV",
    "SPIKE_THRESHOLD_MV",
    "SpikeRecord",
]

#: A spike is a local maximum of V above this voltage, in mV.
SPIKE_THRESHOLD_MV = -10.0
#: A spike's peak must also lie at least this far, in mV, above the last
#: local minimum of V before it (a peak with no minimum before it since the
#: cold start is no spike). A cell resting above the spike threshold, in
#: depolarisation block, then has no spikes. Without this rule the round-off
#: wiggles of its constant V would count as spikes.
SPIKE_MIN_RISE_MV = 1.0
#: A plateau is a stretch of time with V above this voltage, in mV.
PLATEAU_THRESHOLD_MV = -30.0
#: Cell names of the pyloric network, in the column order of every array.
#: Readout names use them, e.g. ``burst_duration_ab_pd_ms``.
NETWORK_CELLS = ("ab_pd", "lp", "py")
#: Display labels of :data:`NETWORK_CELLS`, in the same order, for reasons,
#: readout descriptions and plots.
NETWORK_CELL_LABELS = ("AB/PD", "LP", "PY")


@dataclass
class SpikeRecord:
    """Events and voltage statistics of a batch of STG simulations.

    Buffers have a fixed size. The count arrays contain the true number of
    events, which can exceed the buffer size. Events beyond it are counted but
    not stored (see :attr:`spike_overflow` and :attr:`plateau_overflow`).

    Attributes:
        spike_times_ms: (n, cells, max_spikes) spike times in ms, NaN-padded.
        spike_counts: (n, cells) int64 true number of spikes.
        plateau_intervals_ms: (n, cells, max_intervals, 2) start and end times
            in ms of stretches with V above :data:`PLATEAU_THRESHOLD_MV`,
            NaN-padded. A stretch that is still open when the window ends has
            the window end as its end time.
        plateau_counts: (n, cells) int64 true number of such stretches.
        v_min_mv: (n, cells) minimum voltage in the window, in mV.
        v_max_mv: (n, cells) maximum voltage in the window, in mV.
        ca_mean_um: (n, cells) time-averaged intracellular calcium in uM.
        duration_ms: length of the recorded window in ms.
        dt_ms: integration time step in ms.
        diverged: (n,) True where a state became NaN, infinite or left the
            physically possible range. The other arrays of such a row are not
            meaningful.
        cell_names: names of the cells, one per column.
        stopped_ms: (n,) time in the recorded window at which a run stopped
            early because it was silent or periodic (its record is extended
            to the full window, see :mod:`redundancy.models.stg.settle`).
            NaN for a run that ran the full window, and all NaN when omitted.
    """

    spike_times_ms: np.ndarray
    spike_counts: np.ndarray
    plateau_intervals_ms: np.ndarray
    plateau_counts: np.ndarray
    v_min_mv: np.ndarray
    v_max_mv: np.ndarray
    ca_mean_um: np.ndarray
    duration_ms: float
    dt_ms: float
    diverged: np.ndarray
    cell_names: tuple[str, ...] = ()
    stopped_ms: np.ndarray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        n = self.spike_counts.shape[0]
        if self.stopped_ms.size == 0:
            self.stopped_ms = np.full(n, np.nan)
        elif self.stopped_ms.shape != (n,):
            raise ValueError(
                f"stopped_ms has shape {self.stopped_ms.shape}; it needs one "
                f"entry per run, shape ({n},)"
            )

    @property
    def n_runs(self) -> int:
        """Number of parameter sets (rows)."""
        return int(self.spike_counts.shape[0])

    @property
    def n_cells(self) -> int:
        """Number of cells (columns)."""
        return int(self.spike_counts.shape[1])

    @property
    def max_spikes(self) -> int:
        """Spike buffer size per cell."""
        return int(self.spike_times_ms.shape[2])

    @property
    def max_intervals(self) -> int:
        """Plateau buffer size per cell."""
        return int(self.plateau_intervals_ms.shape[2])

    @property
    def spike_overflow(self) -> np.ndarray:
        """(n, cells) True where more spikes occurred than the buffer stores."""
        return self.spike_counts > self.max_spikes

    @property
    def plateau_overflow(self) -> np.ndarray:
        """(n, cells) True where more plateaus occurred than the buffer stores."""
        return self.plateau_counts > self.max_intervals

    def select(self, rows: np.ndarray | slice) -> SpikeRecord:
        """Return the record of a subset of rows (an index array, mask or slice)."""
        return SpikeRecord(
            spike_times_ms=self.spike_times_ms[rows],
            spike_counts=self.spike_counts[rows],
            plateau_intervals_ms=self.plateau_intervals_ms[rows],
            plateau_counts=self.plateau_counts[rows],
            v_min_mv=self.v_min_mv[rows],
            v_max_mv=self.v_max_mv[rows],
            ca_mean_um=self.ca_mean_um[rows],
            duration_ms=self.duration_ms,
            dt_ms=self.dt_ms,
            diverged=self.diverged[rows],
            cell_names=self.cell_names,
            stopped_ms=self.stopped_ms[rows],
        )

    def spikes(self, row: int, cell: int) -> np.ndarray:
        """Return the stored spike times of one run and cell, in ms."""
        stored = min(int(self.spike_counts[row, cell]), self.max_spikes)
        return self.spike_times_ms[row, cell, :stored].copy()

    def plateaus(self, row: int, cell: int) -> np.ndarray:
        """Return the stored (start, end) plateau times of one run and cell, in ms."""
        stored = min(int(self.plateau_counts[row, cell]), self.max_intervals)
        return self.plateau_intervals_ms[row, cell, :stored].copy()

    @classmethod
    def empty(
        cls,
        n: int,
        cells: int,
        max_spikes: int,
        max_intervals: int,
        duration_ms: float,
        dt_ms: float,
        cell_names: tuple[str, ...] = (),
    ) -> SpikeRecord:
        """Return a record of ``n`` runs with no events and NaN statistics."""
        return cls(
            spike_times_ms=np.full((n, cells, max_spikes), np.nan),
            spike_counts=np.zeros((n, cells), dtype=np.int64),
            plateau_intervals_ms=np.full((n, cells, max_intervals, 2), np.nan),
            plateau_counts=np.zeros((n, cells), dtype=np.int64),
            v_min_mv=np.full((n, cells), np.nan),
            v_max_mv=np.full((n, cells), np.nan),
            ca_mean_um=np.full((n, cells), np.nan),
            duration_ms=float(duration_ms),
            dt_ms=float(dt_ms),
            diverged=np.zeros(n, dtype=bool),
            cell_names=cell_names,
        )
