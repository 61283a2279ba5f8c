"""Place measured groups on a function landscape and judge their compensation.

For each group of a :class:`~redundancy.cohorts.measurements.Cohort` this
simulates the model at the group's measured E and I scales, compares every
readout with the wild type, measures the group's signed distance from the
wild-type iso-readout contour, and simulates the group's ratio-preserving
counterpart: the same excitation with inhibition scaled to keep the wild-type
E/I ratio. A group is *compensated* when its readout lies within a stated
tolerance of the wild type although its components moved.

References:
    Antoine MW et al. (2019) Neuron 101:648-661.
    Mizusaki BEP, O'Donnell C (2021) Curr Opin Neurobiol 70:74-80, Fig. 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from redundancy.analysis.landscape import Landscape
from redundancy.cohorts.measurements import Cohort
from redundancy.errors import InputError
from redundancy.models.base import Model

__all__ = ["GroupPlacement", "holding_scan", "null_direction", "place_groups"]

E_SCALE = "g_e_scale"
I_SCALE = "g_i_scale"


@dataclass(frozen=True)
class GroupPlacement:
    """The groups of a cohort placed on a landscape.

    Attributes:
        table: one row per group with its scales, readouts, % change from the
            wild type, E/I ratio relative to the wild type, distances from the
            wild-type contour, the ratio-preserving counterpart and the verdict.
        readout: the readout that defines function.
        tolerance_pct: largest |% change| of the readout counted as compensated.
        reference_group: name of the wild-type group.
    """

    table: pd.DataFrame
    readout: str
    tolerance_pct: float
    reference_group: str

    def to_frame(self) -> pd.DataFrame:
        """Return the per-group table."""
        return self.table.copy()

    def to_dict(self) -> list[dict[str, Any]]:
        """Return one JSON-serialisable dict per group."""
        records = []
        for record in self.table.to_dict(orient="records"):
            records.append({str(k): _json_value(v) for k, v in record.items()})
        return records


def _json_value(value: Any) -> Any:
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def place_groups(
    model: Model,
    cohort: Cohort,
    *,
    readout: str,
    tolerance_pct: float = 10.0,
    fixed: Mapping[str, float] | None = None,
    landscape: Landscape | None = None,
) -> GroupPlacement:
    """Simulate each group at its measured scales and compare it with the wild type.

    Args:
        model: a model with ``g_e_scale`` and ``g_i_scale`` parameters.
        cohort: groups with measured scales; the reference group is the wild type.
        readout: the readout that defines circuit function, e.g. ``psp_peak_mv``.
        tolerance_pct: a group is compensated when its readout differs from the
            wild type's by at most this many percent.
        fixed: values of the model's other parameters; defaults otherwise.
        landscape: a landscape over ``g_i_scale`` (x) and ``g_e_scale`` (y) of
            the same readout, used for the geometric distance from the
            wild-type contour. Without it that distance is NaN.

    Raises:
        KeyError: if the model lacks the scale parameters or the readout.
        ValueError: if the wild type's readout is zero or failed, so that %
            changes are undefined.
    """
    for name in (E_SCALE, I_SCALE):
        model.space[name]
    model.readout(readout)
    if not tolerance_pct >= 0:
        raise ValueError(f"tolerance_pct must be >= 0, got {tolerance_pct}")
    groups = cohort.groups
    base = {**model.defaults(), **dict(fixed or {})}
    _check_group_bounds(model, cohort)

    measured = pd.DataFrame(
        [
            {**base, E_SCALE: g.g_e_scale, I_SCALE: g.g_i_scale}
            for g in groups.itertuples()
        ]
    )
    reference = measured.iloc[0]
    ratio_factor = (
        reference[I_SCALE] / reference[E_SCALE] if reference[E_SCALE] else np.nan
    )
    counterpart = measured.copy()
    counterpart[I_SCALE] = measured[E_SCALE] * ratio_factor

    results = model.simulate(measured)
    counterpart_results = model.simulate(counterpart)
    wt = results.iloc[0]
    if wt["status"] == "failed":
        raise ValueError(f"the wild-type simulation failed: {wt['reason']}")
    wt_value = float(wt[readout])
    if wt_value == 0:
        raise ValueError(
            f"the wild-type {readout} is 0, so % changes are undefined; choose another "
            "readout or holding potential"
        )

    rows = []
    for i, group in enumerate(groups.to_dict(orient="records")):
        g_e_scale = float(group[E_SCALE])
        g_i_scale = float(group[I_SCALE])
        row: dict[str, Any] = {
            "genotype": group["genotype"],
            "n": int(group["n"]),
            "source": group["source"],
            E_SCALE: g_e_scale,
            I_SCALE: g_i_scale,
            "status": results["status"].iloc[i],
            "reason": results["reason"].iloc[i],
        }
        for name in model.readout_names:
            value = float(results[name].iloc[i])
            row[name] = value
            reference_value = float(wt[name])
            row[f"{name}_change_pct"] = (
                100.0 * (value / reference_value - 1.0) if reference_value else np.nan
            )
        value = row[readout]
        row["ei_ratio_vs_wt"] = _ratio_vs_wt(g_e_scale, g_i_scale, reference)
        row["distance_readout"] = value - wt_value
        row["distance_pct"] = 100.0 * (value - wt_value) / abs(wt_value)
        row["distance_contour"] = _contour_distance(landscape, row, value - wt_value)
        row["ratio_preserving_g_i_scale"] = float(counterpart[I_SCALE].iloc[i])
        row[f"ratio_preserving_{readout}"] = float(counterpart_results[readout].iloc[i])
        row["ratio_preserving_change_pct"] = 100.0 * (
            row[f"ratio_preserving_{readout}"] / wt_value - 1.0
        )
        row["compensated"] = bool(
            row["status"] != "failed" and abs(row["distance_pct"]) <= tolerance_pct
        )
        rows.append(row)
    return GroupPlacement(
        table=pd.DataFrame(rows),
        readout=readout,
        tolerance_pct=float(tolerance_pct),
        reference_group=cohort.reference_group,
    )


def _check_group_bounds(model: Model, cohort: Cohort) -> None:
    """Raise InputError for a group whose scales lie outside the model's bounds."""
    for name, column in ((E_SCALE, E_SCALE), (I_SCALE, I_SCALE)):
        parameter = model.space[name]
        for record in cohort.groups.to_dict(orient="records"):
            value = float(record[column])
            if not parameter.lower <= value <= parameter.upper:
                raise InputError(
                    f"{cohort.path}: group {record['genotype']!r} has {name} = "
                    f"{value:g} (x wild type), outside the model's bounds "
                    f"[{parameter.lower:g}, {parameter.upper:g}]; check the values "
                    "and unit, or widen model.bounds in the study"
                )


def _ratio_vs_wt(g_e_scale: float, g_i_scale: float, reference: pd.Series) -> float:
    """Return the group's E/I conductance ratio divided by the wild type's."""
    wt = reference[E_SCALE] / reference[I_SCALE] if reference[I_SCALE] else np.inf
    if g_i_scale == 0:
        return np.inf if g_e_scale > 0 else np.nan
    return (g_e_scale / g_i_scale) / wt


def _contour_distance(
    landscape: Landscape | None, row: Mapping[str, Any], delta: float
) -> float:
    """Return the signed distance from the wild-type contour in scale units.

    The distance is Euclidean in the (g_i_scale, g_e_scale) plane, where 1 is
    the wild-type conductance, and positive on the side of larger readout
    values.
    """
    if landscape is None or {landscape.x.name, landscape.y.name} != {E_SCALE, I_SCALE}:
        return float("nan")
    # NOTE: only the contour inside the mapped grid is searched, so a contour
    # that leaves the grid can make the distance larger than the true one.
    _, distance = landscape.nearest_on_contour(row, normalise=False)
    return float(np.sign(delta) * distance)


def null_direction(
    model: Model,
    readout: str,
    at: Mapping[str, float] | None = None,
    *,
    relative_step: float = 1e-3,
) -> dict[str, float]:
    """Return the readout's gradient in (g_i_scale, g_e_scale) and the contour slope.

    The slope ``d g_e_scale / d g_i_scale`` along the iso-readout contour at
    ``at`` is minus the ratio of the two partial derivatives. This is the
    two-dimensional case of a sloppy direction; central differences.
    """
    point = {**model.defaults(), **dict(at or {})}
    gradient = {}
    for name in (I_SCALE, E_SCALE):
        h = relative_step * max(abs(point[name]), 1.0)
        rows = pd.DataFrame(
            [{**point, name: point[name] + h}, {**point, name: point[name] - h}]
        )
        values = model.simulate(rows)[readout].to_numpy(dtype=float)
        gradient[name] = float((values[0] - values[1]) / (2 * h))
    slope = -gradient[I_SCALE] / gradient[E_SCALE] if gradient[E_SCALE] else np.inf
    return {
        f"d_{readout}_d_{I_SCALE}": gradient[I_SCALE],
        f"d_{readout}_d_{E_SCALE}": gradient[E_SCALE],
        "contour_slope": float(slope),
    }


def holding_scan(
    model: Model,
    cohort: Cohort,
    *,
    readout: str,
    holding_potentials_mv: list[float],
    fixed: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Return each group's % change from wild type at several holding potentials.

    Antoine et al. (2019) found the measured E and I changes matched to keep
    the PSP stable for cells near spike threshold, so the verdict can depend
    on the holding potential. For every group and holding potential (mV) the
    table gives the readout's % change from the wild type at that potential,
    for the measured scales and for the ratio-preserving counterpart.

    Raises:
        KeyError: if the model has no ``v_hold_mv`` parameter or lacks the readout.
    """
    parameter = model.space["v_hold_mv"]
    model.readout(readout)
    base = {**model.defaults(), **dict(fixed or {})}
    groups = cohort.groups
    reference = groups.iloc[0]
    ratio_factor = reference.g_i_scale / reference.g_e_scale
    rows = []
    for v_hold in holding_potentials_mv:
        if not parameter.lower <= v_hold <= parameter.upper:
            raise ValueError(
                f"holding potential {v_hold} mV is outside the bounds of v_hold_mv "
                f"[{parameter.lower}, {parameter.upper}]"
            )
        cases = []
        for group in groups.itertuples():
            point = {**base, "v_hold_mv": v_hold, E_SCALE: group.g_e_scale}
            cases.append({**point, I_SCALE: group.g_i_scale})
            cases.append({**point, I_SCALE: group.g_e_scale * ratio_factor})
        values = model.simulate(pd.DataFrame(cases))[readout].to_numpy(dtype=float)
        wt_value = values[0]
        for i, group in enumerate(groups.itertuples()):
            measured, equal = values[2 * i], values[2 * i + 1]
            rows.append(
                {
                    "genotype": group.genotype,
                    "v_hold_mv": float(v_hold),
                    readout: measured,
                    "change_pct": 100.0 * (measured / wt_value - 1.0)
                    if wt_value
                    else np.nan,
                    "ratio_preserving_change_pct": 100.0 * (equal / wt_value - 1.0)
                    if wt_value
                    else np.nan,
                }
            )
    return pd.DataFrame(rows)
