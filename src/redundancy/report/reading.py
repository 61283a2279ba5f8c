"""Report sections for the E/I compensation study, with a plain-language reading."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from redundancy.report.html import Section

if TYPE_CHECKING:
    from redundancy.analysis.landscape import Landscape
    from redundancy.cohorts.placement import GroupPlacement
    from redundancy.models.base import Model
    from redundancy.study import Study

__all__ = ["compensation_sections", "describe_group", "references_section"]


def describe_group(row: Any, readout: str, unit: str, tolerance_pct: float) -> str:
    """Return one or two sentences that read a group's result in plain language."""
    change = row["distance_pct"]
    ratio = row["ei_ratio_vs_wt"]
    ratio_text = "an unchanged" if ratio == 1 else f"a {ratio:.2g}-fold"
    text = (
        f"{row['genotype']}: excitation at {100 * row['g_e_scale']:.0f} % and inhibition at "
        f"{100 * row['g_i_scale']:.0f} % of wild type give {ratio_text} E/I ratio, and "
        f"{readout} = {row[readout]:.3g} {unit}, {change:+.1f} % from wild type. "
    )
    if row["compensated"]:
        text += (
            f"That is within the {tolerance_pct:g} % tolerance: function is compensated "
            "although the components moved."
        )
    else:
        text += f"That is outside the {tolerance_pct:g} % tolerance: not compensated."
    equal = row["ratio_preserving_change_pct"]
    text += (
        f" Had the E/I ratio stayed at wild type (inhibition also at "
        f"{100 * row['ratio_preserving_g_i_scale']:.0f} %), {readout} would change by "
        f"{equal:+.1f} %."
    )
    return text


def compensation_sections(
    study: Study,
    model: Model,
    landscape: Landscape | None,
    placement: GroupPlacement | None,
    summary: dict,
    out: Path,
    scan: pd.DataFrame | None = None,
) -> list[Section]:
    """Return the report's sections for a landscape and cohort study."""
    sections: list[Section] = []
    overview = Section("Result")
    if placement is not None:
        readout = model.readout(placement.readout)
        for record in placement.table.to_dict(orient="records"):
            if record["genotype"] == placement.reference_group:
                continue
            overview.paragraphs.append(
                describe_group(
                    record, readout.name, readout.unit, placement.tolerance_pct
                )
            )
        overview.paragraphs.append(
            "The E/I ratio alone does not predict the PSP: a loss of inhibition larger "
            "than the loss of excitation raises the ratio but can hold the PSP near wild "
            "type, while scaling both equally keeps the ratio and lowers the PSP. Whether "
            "the measured point lands on the wild-type contour depends on the cell's "
            "constants, listed below."
        )
    if "null_direction" in summary:
        slope = summary["null_direction"]["contour_slope"]
        overview.paragraphs.append(
            f"At the wild-type point the iso-{landscape.readout.name if landscape else ''} "
            f"contour has slope d g_e_scale / d g_i_scale = {slope:.3g}: moving along it, "
            "each unit of extra inhibition needs that much extra excitation to keep the "
            "readout constant."
        )
    if (out / "contour_map.png").exists():
        overview.figures.append(
            (
                out / "contour_map.png",
                "Readout over inhibitory (x) and excitatory (y) scale. Black: wild-type "
                "contour; orange dashed: wild-type E/I ratio; filled squares: measured groups; "
                "open squares: the same excitation with the wild-type E/I ratio.",
            )
        )
    if (out / "traces.png").exists():
        overview.figures.append(
            (
                out / "traces.png",
                "Conductances (top) and membrane potential (bottom): wild type, equal "
                "scaling and measured scaling.",
            )
        )
    if overview.paragraphs or overview.figures:
        sections.append(overview)

    if scan is not None:
        sections.append(_holding_section(scan, placement, out))
    if placement is not None:
        columns = [
            "genotype",
            "g_e_scale",
            "g_i_scale",
            "ei_ratio_vs_wt",
            placement.readout,
            "distance_pct",
            "distance_contour",
            "ratio_preserving_change_pct",
            "compensated",
        ]
        sections.append(
            Section(
                "Groups",
                tables=[
                    (
                        "Per-group readouts and distances from the wild-type contour",
                        placement.table[columns],
                    )
                ],
            )
        )

    stand_ins = summary.get("stand_ins") or {}
    if stand_ins:
        table = pd.DataFrame(
            [
                {
                    "parameter": name,
                    "value": info["value"],
                    "unit": model.space[name].unit,
                    "source": info["source"],
                    "set in study": info["set_in_study"],
                }
                for name, info in stand_ins.items()
            ]
        )
        sections.append(
            Section(
                "Model constants",
                notes=[
                    "Antoine et al. (2019) did not publish their model's membrane "
                    "constants, conductance waveforms, reversal potentials or holding "
                    "potentials. The values below are stand-ins: the L2/3 pyramidal cell "
                    "of O'Donnell et al. (2017, Table 1) and explicitly chosen peak "
                    "conductances, delay and holding potential. The verdicts above hold "
                    "for these stand-ins, not necessarily for the published model."
                ],
                tables=[("Constants used", table)],
            )
        )
    return sections


def _holding_section(
    scan: pd.DataFrame, placement: GroupPlacement | None, out: Path
) -> Section:
    """Return the section on how each verdict changes with the holding potential."""
    tolerance = placement.tolerance_pct if placement is not None else float("nan")
    section = Section("Holding potential")
    reference = placement.reference_group if placement is not None else None
    for genotype in dict.fromkeys(scan["genotype"]):
        if genotype == reference:
            continue
        rows = scan[scan["genotype"] == genotype]
        inside = rows[rows["change_pct"].abs() <= tolerance]["v_hold_mv"].tolist()
        where = (
            "at no tested holding potential"
            if not inside
            else "at " + ", ".join(f"{v:g}" for v in inside) + " mV"
        )
        section.paragraphs.append(
            f"{genotype} is compensated (within {tolerance:g} %) {where}. Its change "
            f"ranges from {rows['change_pct'].min():+.1f} % to "
            f"{rows['change_pct'].max():+.1f} % over "
            f"{rows['v_hold_mv'].min():g} to {rows['v_hold_mv'].max():g} mV."
        )
    if (out / "holding_scan.png").exists():
        section.figures.append(
            (
                out / "holding_scan.png",
                "Change of the readout from wild type at each holding potential; "
                "dashed: the same excitation with the wild-type E/I ratio.",
            )
        )
    section.tables.append(("Change from wild type by holding potential", scan))
    return section


def references_section(model: Model, placement: GroupPlacement | None) -> Section:
    """Return the closing section: the model's sources and the cohort's."""
    paragraphs = list(model.references)
    if placement is not None:
        sources = [s for s in dict.fromkeys(placement.table["source"]) if s]
        paragraphs += [f"Cohort values: {source}" for source in sources]
    return Section("References", paragraphs=paragraphs)
