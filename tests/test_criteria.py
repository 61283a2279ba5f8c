"""Criteria, the good set and the redundancy summary."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from redundancy import FunctionModel, Parameter
from redundancy.analysis import (
    ClassifierCriterion,
    ExpressionCriterion,
    ScoreCriterion,
    Target,
    TargetCriterion,
    good_set,
    parse_criterion,
    redundancy_summary,
)
from redundancy.analysis.config import AnalysesConfig, run_analyses
from redundancy.analysis.results import jsonable
from redundancy.errors import InputError


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "g": [1.0, 2.0, 3.0, 4.0, 5.0],
            "period_ms": [900.0, 1000.0, 1100.0, np.nan, 1050.0],
            "pyloric_like": [1.0, 1.0, 0.0, 1.0, 1.0],
            "status": ["ok", "ok", "ok", "failed", "ok"],
            "reason": ["", "", "", "diverged", ""],
        }
    )


def test_target_criterion_absolute_and_relative(table):
    absolute = TargetCriterion(targets={"period_ms": Target(value=1000, tolerance=60)})
    assert good_set(table, absolute, parameters=["g"]).mask.tolist() == [
        False,
        True,
        False,
        False,
        True,
    ]
    relative = TargetCriterion(
        targets={"period_ms": Target(value=1000, tolerance=0.1, relative=True)}
    )
    result = good_set(table, relative, parameters=["g"])
    assert result.mask.tolist() == [True, True, True, False, True]
    assert result.size == 4
    assert result.n_ok == 4
    assert result.fraction == pytest.approx(0.8)


def test_expression_and_failed_rows(table):
    result = good_set(table, "period_ms > 950 and pyloric_like == 1", parameters=["g"])
    assert result.mask.tolist() == [False, True, False, False, True]
    assert list(result.rows.index) == [1, 4]


def test_classifier_and_score(table):
    classifier = good_set(table, ClassifierCriterion(column="pyloric_like"))
    assert classifier.mask.tolist() == [True, True, False, False, True]
    score = ScoreCriterion(
        score="abs(period_ms - 1000)", threshold=60, direction="below"
    )
    assert good_set(table, score).mask.tolist() == [False, True, False, False, True]
    with pytest.raises(InputError, match="values other than 0 and 1"):
        good_set(table, ClassifierCriterion(column="period_ms"))


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('true')",
        "period_ms.real > 1",
        "[x for x in g]",
        "'a' == 'a'",
        "lambda: 1",
    ],
)
def test_unsafe_expressions_rejected(expression):
    with pytest.raises(InputError, match="not allowed|only numbers"):
        parse_criterion(expression)


def test_expression_errors_name_the_problem(table):
    with pytest.raises(InputError, match="unknown readout 'g'"):
        good_set(table, "g > 1", parameters=["g"])
    with pytest.raises(InputError, match="invalid expression"):
        parse_criterion("period_ms >")
    with pytest.raises(InputError, match="gives numbers"):
        good_set(table, "period_ms * 2")


def test_criterion_hash_stable_and_round_trips():
    first = TargetCriterion(targets={"p": Target(value=1, tolerance=0.1)})
    same = parse_criterion(first.to_dict())
    other = TargetCriterion(targets={"p": Target(value=1, tolerance=0.2)})
    assert same == first
    assert same.criterion_hash() == first.criterion_hash()
    assert other.criterion_hash() != first.criterion_hash()
    assert first.to_dict()["version"] == "1"
    expression = ExpressionCriterion(expression="p > 1")
    assert parse_criterion("p > 1").criterion_hash() == expression.criterion_hash()
    with pytest.raises(InputError, match="invalid criterion"):
        parse_criterion({"kind": "target", "targets": {}})


def _product_model() -> FunctionModel:
    parameters = [
        Parameter("a", "nS", 0.1, 10, 1.0, "log"),
        Parameter("b", "nS", 0.1, 10, 1.0, "log"),
    ]
    return FunctionModel(
        lambda x: np.column_stack([x[:, 0] * x[:, 1], x[:, 0] + x[:, 1]]),
        parameters,
        ["product", "total"],
    )


def _population(model: FunctionModel, n: int, seed: int) -> pd.DataFrame:
    values = model.space.from_unit(np.random.default_rng(seed).random((n, 2)))
    frame = pd.DataFrame(values, columns=model.space.names)
    return pd.concat([frame, model.simulate(frame)], axis=1)


def test_redundancy_summary_finds_distant_pair():
    model = _product_model()
    table = _population(model, 20_000, 0)
    criterion = {
        "kind": "target",
        "targets": {"product": {"value": 1, "tolerance": 0.05}},
    }
    summary = redundancy_summary(table, model, criterion, readouts=["product"])
    # On the curve a·b = 1 the farthest pair sits near (10, 0.1) and (0.1, 10):
    # fold ranges near 100 and a normalised distance near sqrt(2).
    assert summary.pair is not None
    assert summary.pair.distance > 1.3
    assert min(summary.pair.fold_change.values()) > 50
    assert summary.pair.readout_difference <= 0.02
    stats = summary.parameter_stats
    assert stats.loc["a", "fold_range"] > 50
    assert summary.heterogeneity_ratio > 10
    assert summary.readout_stats.loc["product", "cv"] < 0.05
    data = json.loads(json.dumps(jsonable(summary.to_dict())))
    assert data["most_dissimilar_pair"]["distance"] == pytest.approx(
        summary.pair.distance
    )


def test_pair_search_matches_brute_force_on_small_set():
    model = _product_model()
    table = _population(model, 400, 1)
    criterion = "product > 0.5 and product < 2"
    summary = redundancy_summary(
        table,
        model,
        criterion,
        readouts=["product", "total"],
        tolerance=0.2,
        neighbours=400,
    )
    good = good_set(table, criterion, parameters=model.space.names).rows
    values = good[["product", "total"]].to_numpy()
    scaled = values / np.abs(np.median(values, axis=0))
    close = cdist(scaled, scaled, "chebyshev") <= 0.2
    unit = model.space.to_unit(good[model.space.names].to_numpy())
    distance = np.where(close, cdist(unit, unit), -1)
    assert summary.pair.distance == pytest.approx(distance.max())


def test_run_analyses_writes_files(tmp_path):
    model = _product_model()
    table = _population(model, 2000, 2)
    config = AnalysesConfig.model_validate(
        {
            "criterion": {"kind": "expression", "expression": "product < 1"},
            "redundancy": {"tolerance": 0.05},
            "fisher": {"at": "good_set_median"},
            "sobol": {"n": 64, "within_good_set": True},
            "morris": {"trajectories": 4},
            "oat": {"delta": 0.1},
        }
    )
    summary = run_analyses(config, model, table, tmp_path, seed=5)
    assert set(summary) == {
        "good_set",
        "redundancy",
        "fisher",
        "sobol",
        "morris",
        "oat",
    }
    json.dumps(summary)
    for name in summary:
        assert (tmp_path / f"{name}.png").exists()
        assert (tmp_path / f"{name}.json").exists()
    with pytest.raises(ValueError, match="extra"):
        AnalysesConfig.model_validate({"sobl": {}})
