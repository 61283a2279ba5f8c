"""Correlations in the good set, checked against SciPy and direct formulas."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from redundancy.analysis.corner import corner_plot
from redundancy.analysis.dependencies import conditional_correlations, correlations
from redundancy.analysis.results import jsonable
from redundancy.errors import InputError
from redundancy.models import FunctionModel
from redundancy.parameters import Parameter, ParameterSpace

matplotlib.use("Agg")


@pytest.fixture
def gaussian_table():
    """Four correlated Gaussian columns with a known covariance."""
    rng = np.random.default_rng(7)
    covariance = np.array(
        [[1.0, 0.6, 0.3, 0.0], [0.6, 1.0, 0.5, 0.1], [0.3, 0.5, 1.0, 0.0],
         [0.0, 0.1, 0.0, 1.0]]
    )  # fmt: skip
    values = rng.multivariate_normal(np.zeros(4), covariance, size=400)
    return pd.DataFrame(values, columns=["a", "b", "c", "d"])


def pair(result, first, second):
    rows = result.pairs
    return rows[(rows.parameter_1 == first) & (rows.parameter_2 == second)].iloc[0]


def test_pearson_matches_scipy(gaussian_table):
    result = correlations(gaussian_table, ["a", "b", "c", "d"], correction="none")
    reference = stats.pearsonr(gaussian_table["a"], gaussian_table["c"])
    row = pair(result, "a", "c")
    assert row.r == pytest.approx(reference.statistic, abs=1e-12)
    assert row.p_value == pytest.approx(reference.pvalue, rel=1e-6)
    interval = reference.confidence_interval(0.95)
    assert row.low == pytest.approx(interval.low, abs=1e-9)
    assert row.high == pytest.approx(interval.high, abs=1e-9)


def test_spearman_matches_scipy(gaussian_table):
    result = correlations(gaussian_table, None, method="spearman")
    reference = stats.spearmanr(gaussian_table["b"], gaussian_table["d"])
    assert pair(result, "b", "d").r == pytest.approx(reference.statistic, abs=1e-12)


def test_partial_matches_residuals(gaussian_table):
    result = correlations(gaussian_table, ["a", "b", "c", "d"])
    values = gaussian_table.to_numpy()
    others = np.column_stack([np.ones(len(values)), values[:, [2, 3]]])

    def residual(column):
        coefficients = np.linalg.lstsq(others, values[:, column], rcond=None)[0]
        return values[:, column] - others @ coefficients

    expected = np.corrcoef(residual(0), residual(1))[0, 1]
    assert pair(result, "a", "b").partial_r == pytest.approx(expected, abs=1e-10)
    # a and c are linked only through b: their partial correlation vanishes.
    assert abs(pair(result, "a", "c").partial_r) < 0.15


def test_corrections_match_definitions(gaussian_table):
    names = ["a", "b", "c", "d"]
    raw = correlations(gaussian_table, names, correction="none").pairs["p_value"]
    bh = correlations(gaussian_table, names, correction="fdr_bh").pairs["p_adjusted"]
    bonferroni = correlations(gaussian_table, names, correction="bonferroni")
    p = raw.to_numpy()
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    expected = np.minimum.accumulate(ranked[::-1])[::-1]
    np.testing.assert_allclose(bh.to_numpy()[order], np.minimum(expected, 1), rtol=1e-9)
    np.testing.assert_allclose(
        bonferroni.pairs["p_adjusted"], np.minimum(p * 6, 1), rtol=1e-12
    )


def test_log_parameters_in_log_space():
    rng = np.random.default_rng(1)
    log_a = rng.normal(size=500)
    table = pd.DataFrame(
        {"a": np.exp(log_a), "b": np.exp(log_a + rng.normal(size=500))}
    )
    space = ParameterSpace([Parameter("a", "1", 1e-3, 1e3, 1, "log"),
                            Parameter("b", "1", 1e-3, 1e3, 1, "log")])  # fmt: skip
    result = correlations(table, space)
    expected = np.corrcoef(np.log(table["a"]), np.log(table["b"]))[0, 1]
    assert result.marginal[0, 1] == pytest.approx(expected, abs=1e-12)
    assert result.log_scale == (True, True)


def test_within_mask_selects_rows(gaussian_table):
    mask = gaussian_table["a"].to_numpy() > 0
    result = correlations(gaussian_table, ["a", "b"], within=mask)
    expected = np.corrcoef(gaussian_table["a"][mask], gaussian_table["b"][mask])[0, 1]
    assert result.n == int(mask.sum())
    assert result.marginal[0, 1] == pytest.approx(expected, abs=1e-12)


def test_constant_column_gives_nan(gaussian_table):
    table = gaussian_table.assign(d=1.0)
    result = correlations(table, ["a", "b", "d"])
    assert np.isnan(pair(result, "a", "d").r)
    assert np.isfinite(pair(result, "a", "b").partial_r)


def test_bad_inputs_raise(gaussian_table):
    with pytest.raises(InputError, match="rows"):
        correlations(gaussian_table, ["a", "b"], within=np.ones(3, dtype=bool))
    with pytest.raises(InputError, match="boolean"):
        correlations(gaussian_table, ["a", "b"], within=np.ones(400))
    with pytest.raises(InputError, match="not in the table"):
        correlations(gaussian_table, ["a", "zzz"])
    with pytest.raises(InputError, match="method"):
        correlations(gaussian_table, ["a", "b"], method="kendall")
    with pytest.raises(InputError, match="usable rows"):
        correlations(gaussian_table.head(4), ["a", "b", "c"])


def test_conditional_correlation_on_band():
    """Good iff |x - y| < 0.1: the (x, y) slice is a diagonal band, z is free."""

    def band(values):
        return 0.1 - np.abs(values[:, 0] - values[:, 1])

    model = FunctionModel(
        band, [Parameter(n, "1", 0, 1, 0.5) for n in ("x", "y", "z")], ["margin"]
    )
    matrix = conditional_correlations(
        model, "margin >= 0", {"x": 0.5, "y": 0.5, "z": 0.5}, resolution=31,
        show_progress=False,
    )  # fmt: skip
    assert matrix[0, 1] > 0.9
    assert abs(matrix[0, 2]) < 1e-9
    assert abs(matrix[1, 2]) < 1e-9


def test_conditional_included_in_result():
    def band(values):
        return 0.1 - np.abs(values[:, 0] - values[:, 1])

    model = FunctionModel(
        band, [Parameter(n, "1", 0, 1, 0.5) for n in "xy"], ["margin"]
    )
    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.random((2000, 2)), columns=["x", "y"])
    good = band(table.to_numpy()) >= 0
    result = correlations(table, model.space, within=good, model=model,
                          criterion="margin >= 0", show_progress=False)  # fmt: skip
    assert result.conditional[0, 1] > 0.9
    assert result.pairs["conditional_r"].iloc[0] == result.conditional[0, 1]
    with pytest.raises(InputError, match="criterion"):
        correlations(table, model.space, within=good, model=model)


def test_result_serialises_and_plots(gaussian_table, tmp_path):
    result = correlations(gaussian_table, ["a", "b", "c", "d"])
    text = json.dumps(jsonable(result.to_dict()))
    assert "compensation_pairs" in text
    ax = result.plot()
    assert "parameter" in ax.get_xlabel()
    path = result.save_figure(tmp_path / "heatmap.png")
    assert path.stat().st_size > 0


def test_corner_plot_marks_references(gaussian_table):
    wild_type = {"a": 0.0, "b": 0.0, "c": 0.0}
    figure = corner_plot(
        gaussian_table, ["a", "b", "c"], references={"wild type": wild_type}
    )
    axes = figure.axes
    assert len(axes) == 9
    assert axes[6].get_xlabel() == "a"
    assert any(line.get_label() == "wild type" for line in axes[3].get_lines())
    with pytest.raises(InputError, match="unknown parameter"):
        corner_plot(gaussian_table, ["a", "b"], references={"x": {"q": 1.0}})


def _discs(n_per_disc: int, centres: list[tuple[float, float]]) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    blocks = []
    for cx, cy in centres:
        angle = rng.uniform(0, 2 * np.pi, n_per_disc)
        radius = 0.08 * np.sqrt(rng.uniform(0, 1, n_per_disc))
        blocks.append(np.column_stack([cx + radius * np.cos(angle),
                                       cy + radius * np.sin(angle)]))  # fmt: skip
    return pd.DataFrame(np.vstack(blocks), columns=["x", "y"])


def test_pooled_islands_warn_in_result():
    table = _discs(3000, [(0.25, 0.25), (0.75, 0.75)])
    result = correlations(table, ["x", "y"])
    assert pair(result, "x", "y")["r"] > 0.9  # pooled across the two discs
    assert len(result.warnings) == 1
    assert "2 islands" in result.warnings[0]
    assert json.loads(json.dumps(jsonable(result.to_dict())))["warnings"]


def test_single_island_has_no_warning():
    result = correlations(_discs(3000, [(0.5, 0.5)]), ["x", "y"])
    assert result.warnings == ()
    told = correlations(_discs(50, [(0.5, 0.5)]), ["x", "y"], islands_found=3)
    assert "3 islands" in told.warnings[0]
