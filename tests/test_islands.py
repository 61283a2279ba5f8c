"""Islands of the good set, paths between solutions, widths and criterion margins."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from redundancy.analysis.criteria import ScoreCriterion, Target, TargetCriterion
from redundancy.analysis.margins import criterion_margin
from redundancy.analysis.results import jsonable
from redundancy.analysis.solutions import connect, island_width, islands
from redundancy.errors import InputError
from redundancy.models import FunctionModel, get_model
from redundancy.parameters import Parameter, ParameterSpace

matplotlib.use("Agg")


def grid_table(good_cells, shape):
    """Return a grid table over (x, y) in [0, 1] with the listed cells good."""
    axes = [np.linspace(0, 1, n) for n in shape]
    x, y = np.meshgrid(*axes, indexing="ij")
    good = np.zeros(shape, dtype=bool)
    for cell in good_cells:
        good[cell] = True
    return pd.DataFrame({"x": x.ravel(), "y": y.ravel()}), good.ravel()


def test_grid_connectivity_option():
    table, good = grid_table([(1, 1), (2, 2)], (5, 5))
    faces = islands(table, ["x", "y"], good, connectivity=1)
    corners = islands(table, ["x", "y"], good, connectivity=2)
    assert faces.count == 2
    assert corners.count == 1
    assert corners.islands[0].size == 2


def test_grid_labels_align_with_rows():
    table, good = grid_table([(0, 0), (0, 1), (4, 4)], (5, 5))
    result = islands(table, ["x", "y"], good)
    assert result.count == 2
    assert result.islands[0].size == 2  # the larger island is label 0
    assert np.all(result.labels[~good] == -1)
    assert set(result.labels[good]) == {0, 1}
    assert result.islands[0].lower == {"x": 0.0, "y": 0.0}
    assert result.islands[0].upper == {"x": 0.0, "y": 0.25}


def test_grid_min_size_drops_small():
    table, good = grid_table([(0, 0), (0, 1), (4, 4)], (5, 5))
    result = islands(table, ["x", "y"], good, min_size=2)
    assert result.count == 1
    assert result.n_noise == 1


def test_grid_three_dimensions():
    axis = np.linspace(0, 1, 11)
    points = np.array(np.meshgrid(axis, axis, axis, indexing="ij")).reshape(3, -1).T
    table = pd.DataFrame(points, columns=["a", "b", "c"])
    good = (np.linalg.norm(points - 0.2, axis=1) < 0.15) | (
        np.linalg.norm(points - 0.8, axis=1) < 0.15
    )
    assert islands(table, None, good).count == 2


def test_log_centroid_is_geometric_mean():
    space = ParameterSpace([Parameter("g", "nS", 1, 100, 10, "log"),
                            Parameter("h", "1", 0, 1, 0.5)])  # fmt: skip
    table = pd.DataFrame({"g": [1.0, 100.0, 1.0, 100.0], "h": [0.0, 0.0, 1.0, 1.0]})
    result = islands(table, space, np.ones(4, dtype=bool))
    assert result.count == 1
    assert result.islands[0].centroid["g"] == pytest.approx(10.0)
    assert result.islands[0].centroid["h"] == pytest.approx(0.5)


def test_random_table_rejected_by_grid():
    table = pd.DataFrame(np.random.default_rng(0).random((500, 2)), columns=["x", "y"])
    with pytest.raises(InputError, match="not a grid sweep"):
        islands(table, ["x", "y"], np.ones(500, dtype=bool))


def test_unknown_method_and_connectivity():
    table, good = grid_table([(1, 1)], (3, 3))
    with pytest.raises(InputError, match="unknown method"):
        islands(table, ["x", "y"], good, method="kmeans")
    with pytest.raises(InputError, match="connectivity"):
        islands(table, ["x", "y"], good, connectivity=3)


def test_empty_good_set():
    table, good = grid_table([], (3, 3))
    result = islands(table, ["x", "y"], good)
    assert result.count == 0
    assert result.to_frame().empty


def test_subsample_assigns_every_good_row():
    model = get_model("landscape_islands")
    unit = np.random.default_rng(3).random((30_000, 2))
    table = pd.DataFrame(unit, columns=["x", "y"])
    good = model.simulate(table)["margin"].to_numpy() >= 0
    result = islands(table, model.space, good, method="dbscan", max_points=500)
    assert result.settings["clustered"] == 500
    assert result.count == 2
    assert result.n_noise < 0.02 * good.sum()


def test_hdbscan_finds_two():
    model = get_model("landscape_islands")
    unit = np.random.default_rng(4).random((20_000, 2))
    table = pd.DataFrame(unit, columns=["x", "y"])
    good = model.simulate(table)["margin"].to_numpy() >= 0
    result = islands(table, model.space, good, method="hdbscan")
    assert result.count == 2


def test_islands_result_serialises_and_plots(tmp_path):
    table, good = grid_table([(0, 0), (4, 4)], (5, 5))
    result = islands(table, ["x", "y"], good)
    data = json.loads(json.dumps(jsonable(result.to_dict())))
    assert data["count"] == 2
    ax = result.plot()
    assert ax.get_xlabel() == "x"
    assert result.save_figure(tmp_path / "islands.png").stat().st_size > 0


def test_connect_endpoint_not_good():
    model = get_model("landscape_islands")
    link = connect(model, {"x": 0.5, "y": 0.5}, model.centres[1], "margin >= 0")
    assert not link.connected
    assert link.method == "endpoint not good"


def test_connect_straight_inside_island():
    model = get_model("landscape_islands")
    link = connect(model, {"x": 0.2, "y": 0.3}, {"x": 0.3, "y": 0.3}, "margin >= 0")
    assert link.connected
    assert link.method == "straight"
    assert link.worst_margin == pytest.approx(0.12 - 0.0, abs=0.06)
    frame = link.to_frame()
    assert list(frame.columns[:3]) == ["fraction", "x", "y"]


def test_connect_with_callable_criterion():
    model = get_model("landscape_islands", bridge=True)

    def margin(frame):
        return frame["margin"].to_numpy()

    link = connect(model, model.centres[0], model.centres[1], margin, graph_samples=0)
    assert link.connected


def test_width_log_units_requires_positive():
    model = get_model("landscape_islands")
    with pytest.raises(InputError, match="positive"):
        island_width(model, {"x": 0.0, "y": 0.3}, "margin >= 0", units="log")
    with pytest.raises(InputError, match="radius"):
        island_width(model, model.centres[0], "margin >= 0", radius=0)


def test_margin_sign_agrees_with_criteria():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"rate": rng.uniform(0, 20, 500), "cv": rng.uniform(0, 2, 500)}
    )
    readouts = ["rate", "cv"]
    criteria = [
        ScoreCriterion(score="rate", threshold=8.0),
        ScoreCriterion(score="rate - 2 * cv", threshold=5.0, direction="below"),
        TargetCriterion(
            targets={
                "rate": Target(value=10, tolerance=0.3, relative=True),
                "cv": Target(value=1, tolerance=0.5),
            }
        ),  # fmt: skip
        "rate > 5 and (cv < 1 or rate >= 15)",
        "3 <= rate <= 12",
    ]
    from redundancy.analysis.criteria import parse_criterion

    for criterion in criteria:
        mask = parse_criterion(criterion).evaluate(frame, readouts)
        margin = criterion_margin(criterion, frame, readouts)
        np.testing.assert_array_equal(margin >= 0, mask)


def test_margin_of_failed_rows_is_very_negative():
    frame = pd.DataFrame({"m": [1.0, 1.0, np.nan], "status": ["ok", "failed", "ok"]})
    margin = criterion_margin("m >= 0", frame, ["m"])
    assert margin[0] == 1.0
    assert margin[1] < -1e5
    assert margin[2] < -1e5


def test_function_model_path_blocked_by_wall():
    """A wall x = 0.5 with no gap: no path can cross it."""

    def wall(values):
        return np.abs(values[:, 0] - 0.5) - 0.05

    model = FunctionModel(wall, [Parameter(n, "1", 0, 1, 0.2) for n in "xy"], ["m"])
    link = connect(model, {"x": 0.2, "y": 0.5}, {"x": 0.8, "y": 0.5}, "m >= 0",
                   max_evaluations=200)  # fmt: skip
    assert not link.connected
    assert link.worst_margin < 0
