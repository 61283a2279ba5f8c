"""Readout definitions of the STG single-cell and pyloric network features.

The 15 rhythm features keep the order of the mackelab ``pyloric`` package
used by Gonçalves et al. (2020) and Deistler et al. (2022), followed by the
three plateau durations (the 18 features used for inference there) and three
classification flags.

References:
    Gonçalves PJ, Lueckmann J-M, Deistler M, et al. (2020). Training deep
    neural density estimators to identify mechanistic models of neural
    dynamics. eLife 9:e56261.

    Deistler M, Macke JH, Gonçalves PJ (2022). Energy-efficient network
    activity from disparate circuit parameters. PNAS 119:e2207632119.
"""

from __future__ import annotations

from redundancy.models.stg.recording import NETWORK_CELL_LABELS, NETWORK_CELLS
from redundancy.parameters import Readout

__all__ = ["NETWORK_READOUTS", "NEURON_READOUTS"]

#: Readouts of :func:`~redundancy.models.stg.features.neuron_features`.
NEURON_READOUTS: tuple[Readout, ...] = (
    Readout(
        "activity",
        "1",
        "activity code: 0 silent, 1 tonic, 2 bursting, 3 irregular",
    ),
    Readout("firing_rate_hz", "Hz", "mean firing rate over the recorded window"),
    Readout("isi_cv", "1", "coefficient of variation of inter-spike intervals"),
    Readout("burst_period_ms", "ms", "mean interval between burst starts"),
    Readout("burst_period_cv", "1", "coefficient of variation of burst periods"),
    Readout("burst_duration_ms", "ms", "mean time from first to last spike of a burst"),
    Readout("duty_cycle", "1", "burst duration / burst period"),
    Readout("spikes_per_burst", "1", "mean number of spikes per burst"),
    Readout(
        "plateau_duration_ms",
        "ms",
        "mean longest stretch above -30 mV per burst cycle",
    ),
    Readout("v_min_mv", "mV", "minimum membrane potential"),
    Readout("v_max_mv", "mV", "maximum membrane potential"),
    Readout("ca_mean_um", "uM", "mean intracellular calcium concentration"),
)

_CELL_LABELS = dict(zip(NETWORK_CELLS, NETWORK_CELL_LABELS, strict=True))

#: Readouts of :func:`~redundancy.models.stg.features.network_features`.
NETWORK_READOUTS: tuple[Readout, ...] = (
    Readout("cycle_period_ms", "ms", "mean interval between AB/PD burst starts"),
    *(
        Readout(f"burst_duration_{cell}_ms", "ms", f"mean {label} burst duration")
        for cell, label in _CELL_LABELS.items()
    ),
    *(
        Readout(f"duty_cycle_{cell}", "1", f"{label} burst duration / cycle period")
        for cell, label in _CELL_LABELS.items()
    ),
    Readout(
        "start_phase_lp",
        "1",
        "LP burst start after AB/PD burst start / cycle period",
    ),
    Readout(
        "start_phase_py",
        "1",
        "PY burst start after AB/PD burst start / cycle period",
    ),
    Readout("delay_ab_pd_lp_ms", "ms", "AB/PD burst start to LP burst start"),
    Readout("delay_ab_pd_py_ms", "ms", "AB/PD burst start to PY burst start"),
    Readout("gap_ab_pd_lp_ms", "ms", "AB/PD burst end to LP burst start"),
    Readout("gap_lp_py_ms", "ms", "LP burst end to PY burst start"),
    Readout("phase_gap_ab_pd_lp", "1", "AB/PD end to LP start gap / cycle period"),
    Readout("phase_gap_lp_py", "1", "LP end to PY start gap / cycle period"),
    *(
        Readout(
            f"plateau_duration_{cell}_ms",
            "ms",
            f"mean longest {label} stretch above -30 mV per burst cycle",
        )
        for cell, label in _CELL_LABELS.items()
    ),
    Readout("triphasic", "1", "1 if each cell bursts once in >= 90 % of cycles"),
    Readout("pyloric_like", "1", "1 if triphasic in pyloric order (Prinz 2004)"),
    Readout(
        "within_reference_2sd",
        "1",
        "1 if all 15 rhythm features lie within 2 SD of the biological means",
    ),
)
