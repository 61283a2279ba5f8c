"""Activity types of single STG cells and reference windows of the pyloric rhythm.

Single cells are labelled silent, tonic spiking, bursting or irregular, with
numeric codes so the label can sit in a readout table next to the other
features. Pyloric network features can be compared with the biological
reference values used by Gonçalves et al. (2020).

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

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from redundancy.errors import InputError

__all__ = [
    "ACTIVITY_BURSTING",
    "ACTIVITY_CODES",
    "ACTIVITY_IRREGULAR",
    "ACTIVITY_NAMES",
    "ACTIVITY_SILENT",
    "ACTIVITY_TONIC",
    "BIOLOGICAL_REFERENCE",
    "PYLORIC_LIKE_CRITERION",
    "activity_codes",
    "classify_activity",
    "within_reference",
]

ACTIVITY_SILENT = 0
ACTIVITY_TONIC = 1
ACTIVITY_BURSTING = 2
ACTIVITY_IRREGULAR = 3

#: Name of each activity code of the ``activity`` readout.
ACTIVITY_NAMES: dict[int, str] = {
    ACTIVITY_SILENT: "silent",
    ACTIVITY_TONIC: "tonic",
    ACTIVITY_BURSTING: "bursting",
    ACTIVITY_IRREGULAR: "irregular",
}

#: Activity code of each name; the inverse of :data:`ACTIVITY_NAMES`.
ACTIVITY_CODES: dict[str, int] = {name: code for code, name in ACTIVITY_NAMES.items()}

#: Version label of the ``pyloric_like`` readout: the triphasic and burst
#: order conditions attributed to Prinz et al. (2004) as coded in the mackelab
#: ``pyloric`` package (at least 90 % of AB/PD cycles triphasic and at least
#: 70 % of those in the order AB/PD, LP, PY).
PYLORIC_LIKE_CRITERION = "prinz2004-order"

#: Biological mean and standard deviation of 15 pyloric features, by readout
#: name, as used by the pyloric-like test of Gonçalves et al. (2020). Times
#: in ms. The start-to-start delays are measured from the AB/PD burst start
#: to the LP and to the PY burst start.
BIOLOGICAL_REFERENCE: dict[str, tuple[float, float]] = {
    "cycle_period_ms": (1509.0, 279.0),
    "burst_duration_ab_pd_ms": (582.0, 133.0),
    "burst_duration_lp_ms": (399.0, 113.0),
    "burst_duration_py_ms": (530.0, 150.0),
    "gap_ab_pd_lp_ms": (221.0, 109.0),
    "gap_lp_py_ms": (-61.0, 60.0),
    "delay_ab_pd_lp_ms": (803.0, 169.0),
    "delay_ab_pd_py_ms": (1141.0, 216.0),
    "duty_cycle_ab_pd": (0.385, 0.040),
    "duty_cycle_lp": (0.264, 0.059),
    "duty_cycle_py": (0.348, 0.054),
    "phase_gap_ab_pd_lp": (0.148, 0.065),
    "phase_gap_lp_py": (-0.040, 0.034),
    "start_phase_lp": (0.533, 0.054),
    "start_phase_py": (0.758, 0.060),
}


def classify_activity(codes: Any) -> np.ndarray:
    """Map numeric activity codes to their names.

    Args:
        codes: a code or array of codes from the ``activity`` readout (0
            silent, 1 tonic, 2 bursting, 3 irregular). NaN maps to
            ``"undefined"``, the value of failed runs.

    Returns:
        An object array of names with the shape of ``codes``.

    Raises:
        InputError: if a finite code is not one of :data:`ACTIVITY_NAMES`.

    References:
        Prinz AA, Billimoria CP, Marder E (2003). J Neurophysiol 90:3998-4015.
    """
    values = np.asarray(codes, dtype=float)
    names = np.full(values.shape, "undefined", dtype=object)
    finite = np.isfinite(values)
    unknown = finite & ~np.isin(values, list(ACTIVITY_NAMES))
    if unknown.any():
        bad = float(values[unknown].ravel()[0])
        raise InputError(
            f"unknown activity code {bad:g}; valid codes are "
            + ", ".join(f"{code} ({name})" for code, name in ACTIVITY_NAMES.items())
        )
    for code, name in ACTIVITY_NAMES.items():
        names[values == code] = name
    return names


def activity_codes(
    firing_rate_hz: np.ndarray,
    isi_cv: np.ndarray,
    n_bursts: np.ndarray,
    burst_period_cv: np.ndarray,
    *,
    silent_rate_hz: float,
    tonic_isi_cv: float,
    min_bursts: int,
    max_burst_period_cv: float,
) -> np.ndarray:
    """Return the activity code of each run from its spike statistics.

    The first rule that holds decides:

    1. silent: firing rate at most ``silent_rate_hz`` (1 Hz in the ``pyloric``
       package of Gonçalves et al. 2020);
    2. tonic: coefficient of variation of the inter-spike intervals below
       ``tonic_isi_cv`` (0.1 in Alonso & Marder 2020, eLife 9:e55470);
    3. bursting: at least ``min_bursts`` bursts whose start-to-start
       intervals have a coefficient of variation below
       ``max_burst_period_cv`` (0.1 in Alonso & Marder 2020);
    4. irregular: everything else that spikes.

    Args:
        firing_rate_hz: (n,) mean firing rate in Hz.
        isi_cv: (n,) ISI coefficient of variation; NaN with fewer than 3
            spikes.
        n_bursts: (n,) number of detected bursts.
        burst_period_cv: (n,) coefficient of variation of burst periods.
        silent_rate_hz: rate threshold of silence in Hz.
        tonic_isi_cv: ISI CV below which spiking is tonic.
        min_bursts: minimum number of bursts for bursting.
        max_burst_period_cv: burst period CV below which bursting is regular.

    Returns:
        (n,) float array of codes from :data:`ACTIVITY_NAMES`.

    References:
        Prinz AA, Billimoria CP, Marder E (2003). J Neurophysiol 90:3998-4015.
    """
    codes = np.full(np.shape(firing_rate_hz), float(ACTIVITY_IRREGULAR))
    bursting = (np.asarray(n_bursts) >= min_bursts) & (
        np.asarray(burst_period_cv) < max_burst_period_cv
    )
    codes[bursting] = ACTIVITY_BURSTING
    codes[np.asarray(isi_cv) < tonic_isi_cv] = ACTIVITY_TONIC
    codes[np.asarray(firing_rate_hz) <= silent_rate_hz] = ACTIVITY_SILENT
    return codes


def within_reference(
    features: pd.DataFrame | Mapping[str, Any],
    *,
    n_sd: float = 2.0,
    reference: Mapping[str, tuple[float, float]] | None = None,
) -> np.ndarray:
    """Return whether every reference feature lies within mean +/- n_sd SD.

    This is the pyloric-like test of Gonçalves et al. (2020): a network
    passes when each of its 15 rhythm features lies within two standard
    deviations of the biological mean in :data:`BIOLOGICAL_REFERENCE`. A NaN
    feature fails.

    Args:
        features: a table or mapping with one column per reference feature,
            as returned by :func:`~redundancy.models.stg.features.network_features`.
        n_sd: half-width of each window in standard deviations.
        reference: mean and standard deviation by feature name; defaults to
            :data:`BIOLOGICAL_REFERENCE`.

    Returns:
        (n,) bool array.

    Raises:
        InputError: if a reference feature is missing from ``features`` or
            ``n_sd`` is not positive.

    References:
        Gonçalves PJ, et al. (2020). eLife 9:e56261.
    """
    if not n_sd > 0:
        raise InputError(f"n_sd must be positive, got {n_sd!r}")
    reference = BIOLOGICAL_REFERENCE if reference is None else reference
    missing = [name for name in reference if name not in features]
    if missing:
        raise InputError(
            f"features lack the reference columns {missing}; "
            "pass the table returned by network_features"
        )
    passed: np.ndarray | None = None
    for name, (mean, sd) in reference.items():
        values = np.asarray(features[name], dtype=float)
        inside = np.abs(values - mean) <= n_sd * sd
        passed = inside if passed is None else passed & inside
    return np.atleast_1d(np.asarray(passed, dtype=bool))
