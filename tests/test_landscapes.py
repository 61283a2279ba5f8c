"""The analytic landscapes: each analysis finds the answer known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from redundancy.analysis.dependencies import correlations
from redundancy.analysis.fisher import fisher_information
from redundancy.analysis.solutions import (
    connect,
    connect_islands,
    island_width,
    islands,
)
from redundancy.models import available_models, get_model
from redundancy.models.landscapes import IslandsLandscape, SloppyLandscape

NAMES = [
    "landscape_redundancy",
    "landscape_sloppy",
    "landscape_dependency",
    "landscape_islands",
]


def random_sweep(model, n, seed=0):
    """Return a uniform sweep of the unit cube with readouts, and its good mask."""
    unit = np.random.default_rng(seed).random((n, len(model.space)))
    table = pd.DataFrame(model.space.from_unit(unit), columns=model.space.names)
    table = pd.concat([table, model.simulate(table)], axis=1)
    return table, table["margin"].to_numpy() >= 0


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_good_default(name):
    assert name in available_models()
    model = get_model(name)
    row = model.simulate_one(model.defaults())
    assert row["status"] == "ok"
    assert row["margin"] > 0
    for preset in model.presets().values():
        assert model.simulate_one(preset)["margin"] >= 0


def test_redundancy_fisher_rank_one():
    model = get_model("landscape_redundancy", weights=[1.0, 2.0, 2.0])
    fisher = fisher_information(
        model, model.defaults(), readouts=["output"], readout_scale="absolute",
        log_parameters=False,
    )  # fmt: skip
    np.testing.assert_allclose(
        fisher.eigenvalues, model.fisher_eigenvalues(), atol=1e-8
    )
    assert fisher.eigenvalues[0] == pytest.approx(9.0)


def test_redundancy_partial_correlations_negative():
    model = get_model("landscape_redundancy")
    table, good = random_sweep(model, 40_000)
    result = correlations(table, model.space, within=good)
    # x1 + x2 + x3 is pinned, so any two are opposed once the third is known.
    assert np.all(result.pairs["partial_r"] < -0.9)
    assert np.all(result.pairs["partial_significant"])


def test_redundancy_width_matches_slab_geometry():
    model = get_model("landscape_redundancy")
    width = island_width(
        model, model.defaults(), "margin >= 0", radius=0.1, n_samples=4000
    )
    # A direction u keeps x on the slab when |sum(u)| * radius <= tolerance;
    # sum(u) / sqrt(3) is uniform on [-1, 1] for u uniform on the 3-sphere.
    expected = 0.05 / (0.1 * np.sqrt(3))
    assert width.fraction_good == pytest.approx(expected, abs=4 * width.standard_error)


@pytest.mark.parametrize("use_model_jacobian", [True, False])
def test_sloppy_fisher_eigenvalues_exact(use_model_jacobian):
    model = SloppyLandscape(eigenvalues=(10.0, 0.5, 1e-3, 1e-5), rotation_seed=3)
    at = {"k1": 2.0, "k2": 0.5, "k3": 1.0, "k4": 3.0}
    fisher = fisher_information(
        model, at, readouts=["y1", "y2", "y3", "y4"], readout_scale="absolute",
        use_model_jacobian=use_model_jacobian,
    )  # fmt: skip
    np.testing.assert_allclose(fisher.eigenvalues, [10.0, 0.5, 1e-3, 1e-5], rtol=1e-6)
    # The stiffest eigenvector is the first rotation column, up to sign.
    alignment = abs(fisher.eigenvectors[:, 0] @ model.eigenvectors[:, 0])
    assert alignment == pytest.approx(1.0, abs=1e-6)


def test_sloppy_jacobian_matches_differences():
    model = get_model("landscape_sloppy")
    k = np.array([2.0, 0.5, 1.3, 3.0])
    step = 1e-6
    numeric = np.column_stack(
        [
            (model.simulate_batch((k + step * e)[None])[0]
             - model.simulate_batch((k - step * e)[None])[0]) / (2 * step)
            for e in np.eye(4)
        ]
    )  # fmt: skip
    np.testing.assert_allclose(model.jacobian(k), numeric, rtol=1e-5, atol=1e-8)


def test_dependency_correlation_signs():
    model = get_model("landscape_dependency")
    table, good = random_sweep(model, 200_000)
    result = correlations(table, model.space, within=good, correction="bonferroni")
    pairs = result.compensation_pairs()
    found = {(r.parameter_1, r.parameter_2): r.kind for r in pairs.itertuples()}
    assert found == {("a", "b"): "co-tuned", ("b", "c"): "anti-tuned"}


def test_islands_grid_finds_two():
    model = get_model("landscape_islands")
    axis = np.linspace(0.0, 1.0, 101)
    x, y = np.meshgrid(axis, axis, indexing="ij")
    table = pd.DataFrame({"x": x.ravel(), "y": y.ravel()})
    table = pd.concat([table, model.simulate(table)], axis=1)
    result = islands(table, model.space, table["margin"] >= 0)
    assert result.count == 2
    centroids = result.centroids()[np.argsort(result.centroids()[:, 0])]
    np.testing.assert_allclose(centroids, model.centres, atol=0.01)


def test_islands_dbscan_finds_two():
    model = get_model("landscape_islands")
    table, good = random_sweep(model, 20_000, seed=2)
    result = islands(table, model.space, good, method="dbscan")
    assert result.count == 2
    centroids = result.centroids()[np.argsort(result.centroids()[:, 0])]
    np.testing.assert_allclose(centroids, model.centres, atol=0.02)


def test_islands_separate_without_bridge():
    model = get_model("landscape_islands")
    result = connect_islands(model, list(model.centres), "margin >= 0")
    assert result.verdict == "separate islands"
    assert not result.connected[0, 1]


def test_islands_bridge_needs_bent_path():
    model = IslandsLandscape(bridge=True)
    link = connect(model, model.centres[0], model.centres[1], "margin >= 0")
    assert link.straight_worst_margin < 0
    assert link.connected
    assert link.method in ("optimised", "graph")
    assert link.worst_margin >= 0


def test_islands_width_and_curvature():
    model = get_model("landscape_islands")
    inside = island_width(model, model.centres[0], "margin >= 0", radius=0.1,
                          score="score", step=1e-3)  # fmt: skip
    outside = island_width(model, model.centres[0], "margin >= 0", radius=0.15)
    assert inside.fraction_good == 1.0
    assert outside.fraction_good == 0.0
    # A Gaussian of width s = radius / 2 has Hessian trace -2 / s^2 at its peak.
    assert inside.hessian_trace == pytest.approx(-2 / 0.06**2, rel=1e-3)


def test_landscape_invalid_settings():
    with pytest.raises(ValueError, match="tolerance"):
        get_model("landscape_redundancy", tolerance=0)
    with pytest.raises(ValueError, match="unit square"):
        get_model("landscape_islands", centres=[(1.5, 0.5)])
    with pytest.raises(ValueError, match="eigenvalues"):
        get_model("landscape_sloppy", eigenvalues=[1.0])
