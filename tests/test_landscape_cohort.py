"""Landscapes, cohort tables and the placement of groups on the wild-type contour."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import redundancy
from redundancy.analysis.landscape import map_landscape
from redundancy.cohorts.measurements import load_cohort
from redundancy.cohorts.placement import null_direction, place_groups
from redundancy.errors import InputError


@pytest.fixture(scope="module")
def model() -> redundancy.Model:
    return redundancy.get_model("ei_psp")


@pytest.fixture(scope="module")
def landscape(model):
    return map_landscape(
        model,
        "g_i_scale",
        "g_e_scale",
        readout="psp_peak_mv",
        x_range=(0, 1.5),
        y_range=(0, 1.5),
        points=41,
        extra_readouts=("ei_ratio",),
        show_progress=False,
    )


def test_landscape_values_match_direct_simulation(model, landscape) -> None:
    frame = landscape.to_frame().sample(20, random_state=0)
    direct = model.simulate(frame[["g_i_scale", "g_e_scale"]])
    np.testing.assert_allclose(frame["psp_peak_mv"], direct["psp_peak_mv"], rtol=1e-12)


def test_reference_contour_passes_through_wild_type(model, landscape) -> None:
    point, distance = landscape.nearest_on_contour(landscape.reference)
    assert point is not None
    assert distance < 0.01
    assert landscape.reference_value == pytest.approx(
        model.simulate({"g_e_scale": [1.0]})["psp_peak_mv"].iloc[0]
    )


def test_contour_points_have_reference_value(model, landscape) -> None:
    vertices = np.vstack(landscape.contour())
    rows = pd.DataFrame(vertices[::5], columns=["g_i_scale", "g_e_scale"])
    values = model.simulate(rows)["psp_peak_mv"].to_numpy()
    # Linear interpolation between grid points of spacing 0.0375.
    np.testing.assert_allclose(values, landscape.reference_value, rtol=0.01)


def test_iso_ratio_line_is_the_diagonal(landscape) -> None:
    vertices = np.vstack(landscape.contour(name="ei_ratio"))
    np.testing.assert_allclose(vertices[:, 0], vertices[:, 1], atol=1e-6)


def test_landscape_rejects_bad_range(model) -> None:
    with pytest.raises(ValueError, match="g_e_scale"):
        map_landscape(
            model,
            "g_i_scale",
            "g_e_scale",
            readout="psp_peak_mv",
            y_range=(0, 5.0),
            points=5,
            show_progress=False,
        )
    with pytest.raises(KeyError, match="unknown readout"):
        map_landscape(
            model,
            "g_i_scale",
            "g_e_scale",
            readout="psp",
            points=5,
            show_progress=False,
        )


def test_builtin_cohort_has_published_values() -> None:
    cohort = load_cohort("builtin:cntnap2")
    groups = cohort.groups.set_index("genotype")
    assert groups.loc["wild_type", "g_e_scale"] == 1.0
    assert groups.loc["Cntnap2-/-", "g_e_scale"] == pytest.approx(0.35)
    assert groups.loc["Cntnap2-/-", "g_i_scale"] == pytest.approx(0.15)
    assert "Mizusaki" in groups.loc["Cntnap2-/-", "source"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cohort.csv"
    path.write_text(text)
    return path


def test_absolute_values_normalised_to_wild_type_mean(tmp_path) -> None:
    path = _write(
        tmp_path,
        "genotype,g_e,g_i,unit\nwild_type,2,4,nS\nwild_type,4,8,nS\nko,1.5,1.2,nS\nko,1.5,1.8,nS\n",
    )
    groups = load_cohort(path).groups.set_index("genotype")
    assert groups.loc["ko", "g_e_scale"] == pytest.approx(0.5)
    assert groups.loc["ko", "g_i_scale"] == pytest.approx(0.25)
    assert groups.loc["ko", "n"] == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("genotype,g_e,unit\nwild_type,1,%\n", "missing column 'g_i'"),
        (
            "genotype,g_e,g_i,unit\nwild_type,100,100,%\nko,35,15,mS\n",
            "line 3, column 'unit': unknown unit 'mS'",
        ),
        (
            "genotype,g_e,g_i,unit\nwild_type,100,100,%\nko,35,-15,%\n",
            "line 3, column 'g_i'",
        ),
        ("genotype,g_e,g_i,unit\nko,35,15,%\n", "no wild-type rows"),
        ("genotype,g_e,g_i,unit\nwild_type,abc,100,%\n", "line 2, column 'g_e'"),
        ("# comment\ngenotype,g_e,g_i,unit\nwild_type,1,1,1\nko,1,x,1\n", "line 4"),
    ],
)
def test_bad_cohort_csv_names_row_and_column(tmp_path, text, expected) -> None:
    with pytest.raises(InputError, match=expected):
        load_cohort(_write(tmp_path, text))


def test_cntnap2_placement(model, landscape) -> None:
    cohort = load_cohort("builtin:cntnap2")
    placement = place_groups(model, cohort, readout="psp_peak_mv", landscape=landscape)
    table = placement.table.set_index("genotype")
    ko = table.loc["Cntnap2-/-"]
    wt = table.loc["wild_type"]
    assert wt["distance_pct"] == 0.0
    assert wt["compensated"]
    assert ko["ei_ratio_vs_wt"] == pytest.approx(0.35 / 0.15)
    direct = model.simulate({"g_e_scale": [0.35], "g_i_scale": [0.15]})["psp_peak_mv"]
    assert ko["psp_peak_mv"] == pytest.approx(direct.iloc[0])
    expected_pct = 100 * (direct.iloc[0] / wt["psp_peak_mv"] - 1)
    assert ko["distance_pct"] == pytest.approx(expected_pct)
    assert ko["compensated"] == (abs(expected_pct) <= 10.0)
    assert ko["ratio_preserving_g_i_scale"] == pytest.approx(0.35)
    # Below the wild-type contour: negative signed distance.
    assert ko["distance_contour"] < 0


def test_null_direction_matches_contour(model, landscape) -> None:
    slope = null_direction(model, "psp_peak_mv")["contour_slope"]
    vertices = np.vstack(landscape.contour())
    near = vertices[np.argsort(np.abs(vertices[:, 0] - 1.0))[:2]]
    numeric = (near[1, 1] - near[0, 1]) / (near[1, 0] - near[0, 0])
    assert slope > 0
    assert slope == pytest.approx(numeric, rel=0.1)


def test_holding_scan_matches_placement(model) -> None:
    from redundancy.cohorts.placement import holding_scan

    cohort = load_cohort("builtin:cntnap2")
    scan = holding_scan(
        model, cohort, readout="psp_peak_mv", holding_potentials_mv=[-68.0, -45.0]
    )
    assert len(scan) == 4
    wild_type = scan[scan["genotype"] == "wild_type"]
    assert np.all(wild_type["change_pct"] == 0.0)
    ko = scan[(scan["genotype"] == "Cntnap2-/-") & (scan["v_hold_mv"] == -45.0)]
    placement = place_groups(
        model, cohort, readout="psp_peak_mv", fixed={"v_hold_mv": -45.0}
    )
    expected = placement.table.set_index("genotype").loc["Cntnap2-/-"]
    assert ko["change_pct"].iloc[0] == pytest.approx(expected["distance_pct"])
    assert ko["ratio_preserving_change_pct"].iloc[0] == pytest.approx(
        expected["ratio_preserving_change_pct"]
    )
    with pytest.raises(ValueError, match="outside the bounds"):
        holding_scan(model, cohort, readout="psp_peak_mv", holding_potentials_mv=[10.0])
