"""Sobol, Morris and one-at-a-time sensitivity against closed-form values."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from redundancy import FunctionModel, Parameter
from redundancy.analysis import morris, one_at_a_time, sobol_indices
from redundancy.analysis.results import jsonable
from redundancy.errors import InputError


def _ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return (
        np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
    )


def _ishigami_model() -> FunctionModel:
    parameters = [Parameter(f"x{i}", "1", -np.pi, np.pi, 0.0) for i in (1, 2, 3)]
    return FunctionModel(_ishigami, parameters, ["y"])


def _ishigami_exact(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    # Closed-form partial variances of the Ishigami function for uniform inputs.
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    total = v1 + v2 + v13
    first = np.array([v1, v2, 0.0]) / total
    total_order = np.array([v1 + v13, v2, v13]) / total
    return first, total_order


def _additive(x: np.ndarray) -> np.ndarray:
    return np.column_stack([x @ np.array([1.0, 2.0, 3.0]), 4.0 * x[:, 0] - x[:, 2]])


def _additive_model() -> FunctionModel:
    parameters = [Parameter(n, "1", 0.0, 1.0, 0.5) for n in "abc"]
    return FunctionModel(_additive, parameters, ["s", "t"])


def test_sobol_ishigami_within_confidence_interval():
    result = sobol_indices(_ishigami_model(), n=4096, seed=1)
    frame = result.to_frame().loc["y"]
    first, total = _ishigami_exact()
    for j, name in enumerate(["x1", "x2", "x3"]):
        row = frame.loc[name]
        assert abs(row["S1"] - first[j]) < max(2 * row["S1_conf"], 0.02), name
        assert abs(row["ST"] - total[j]) < max(2 * row["ST_conf"], 0.02), name


def test_sobol_additive_model_exact_shares():
    frame = sobol_indices(_additive_model(), n=2048, seed=2).to_frame()
    # Uniform inputs with equal variance: shares are squared coefficients.
    expected = np.array([1.0, 4.0, 9.0]) / 14
    np.testing.assert_allclose(frame.loc["s", "S1"], expected, atol=0.03)
    np.testing.assert_allclose(frame.loc["s", "ST"], expected, atol=0.03)
    np.testing.assert_allclose(frame.loc["t", "ST"], [16 / 17, 0, 1 / 17], atol=0.03)


def test_sobol_log_parameter_sampled_in_log_space():
    parameters = [
        Parameter("g", "nS", 0.01, 100.0, 1.0, "log"),
        Parameter("h", "1", 0.0, 1.0, 0.5),
    ]
    # y = ln g + h * ln(10): with ln g uniform over a range 4 ln 10 wide,
    # Var(ln g) = (4 ln 10)^2/12 and Var(h ln 10) = (ln 10)^2/12.
    model = FunctionModel(
        lambda x: np.log(x[:, 0]) + x[:, 1] * np.log(10), parameters, ["y"]
    )
    frame = sobol_indices(model, n=1024, seed=0).to_frame().loc["y"]
    assert frame.loc["g", "S1"] == pytest.approx(16 / 17, abs=0.03)


def test_sobol_warns_for_non_power_of_two():
    with pytest.warns(UserWarning, match="not a power of two"):
        sobol_indices(_additive_model(), n=100, seed=0)


def test_sobol_within_good_set_indicator():
    # The good set u > 0.5 depends on a alone, so the indicator's indices for
    # b and c vanish while a's total index is 1.
    parameters = [Parameter(n, "1", 0.0, 1.0, 0.5) for n in "abc"]
    model = FunctionModel(
        lambda x: np.column_stack([_additive(x)[:, 0], x[:, 0]]), parameters, ["s", "u"]
    )
    result = sobol_indices(model, n=1024, seed=3, within="u > 0.5", readouts=["s"])
    good = result.to_frame().loc["good"]
    assert good.loc["a", "ST"] == pytest.approx(1.0, abs=0.05)
    assert abs(good.loc["b", "ST"]) < 1e-9
    assert abs(good.loc["c", "ST"]) < 1e-9
    assert result.within is not None
    assert "s_x_good" in result.to_frame().index.get_level_values("readout")


def _fails_sometimes(x: np.ndarray) -> np.ndarray:
    out = x @ np.array([1.0, 2.0, 3.0])
    return np.where(x[:, 0] > 0.9, np.nan, out)


def _failing_model() -> FunctionModel:
    parameters = [Parameter(n, "1", 0.0, 1.0, 0.5) for n in "abc"]
    return FunctionModel(_fails_sometimes, parameters, ["s"])


def test_sobol_failure_policies():
    model = _failing_model()
    with pytest.raises(InputError, match="Sobol simulations failed"):
        sobol_indices(model, n=256, seed=0)
    with pytest.warns(UserWarning, match="dropped the"):
        dropped = sobol_indices(model, n=256, seed=0, failure_policy="drop")
    assert 0 < dropped.n_dropped < 256
    assert dropped.n == 256 - dropped.n_dropped
    with pytest.warns(UserWarning, match="replaced by the mean"):
        imputed = sobol_indices(model, n=256, seed=0, failure_policy="impute-mean")
    assert imputed.n_failed > 0
    with pytest.raises(InputError, match="needs a criterion"):
        sobol_indices(model, n=256, failure_policy="as-bad")
    with pytest.raises(InputError, match="not valid"):
        sobol_indices(model, n=256, failure_policy="ignore")  # type: ignore[arg-type]


def test_sobol_result_serialises(tmp_path):
    result = sobol_indices(_additive_model(), n=256, seed=0)
    data = json.loads(json.dumps(jsonable(result.to_dict())))
    assert len(data["indices"]) == 6
    assert result.save_figure(tmp_path / "sobol.png").stat().st_size > 1000


def test_morris_linear_model_exact_effects():
    result = morris(_additive_model(), trajectories=10, seed=0)
    frame = result.to_frame()
    # Elementary effects are per unit range; the range is 1 here.
    np.testing.assert_allclose(frame.loc["s", "mu_star"], [1, 2, 3], rtol=1e-9)
    np.testing.assert_allclose(frame.loc["t", "mu"], [4, 0, -1], atol=1e-9)
    np.testing.assert_allclose(frame.loc["s", "sigma"], 0, atol=1e-9)


def test_morris_drops_failed_trajectories():
    with pytest.raises(InputError, match="Morris simulations failed"):
        morris(_failing_model(), trajectories=20, seed=0)
    with pytest.warns(UserWarning, match="trajectories that contain them"):
        result = morris(
            _failing_model(), trajectories=20, seed=0, failure_policy="drop"
        )
    assert result.n_dropped > 0
    assert result.trajectories == 20 - result.n_dropped


def test_oat_linear_function_exact_changes():
    model = _additive_model()
    result = one_at_a_time(model, {"a": 0.2, "b": 0.4, "c": 0.6}, delta=0.2)
    frame = result.to_frame()
    baseline = 0.2 + 0.8 + 1.8
    for name, coefficient, value in (("a", 1, 0.2), ("b", 2, 0.4), ("c", 3, 0.6)):
        change = 0.2 * coefficient * value / baseline
        assert frame.loc[("s", name), "change_plus"] == pytest.approx(change)
        assert frame.loc[("s", name), "change_minus"] == pytest.approx(-change)
        assert frame.loc[("s", name), "elasticity"] == pytest.approx(change / 0.2)
    assert (frame["noise_floor"] == 0).all()
    assert not frame["asymmetric"].any()
    assert not result.stochastic


def test_oat_flags_asymmetric_response():
    parameters = [Parameter("a", "1", 0.1, 10, 1.0)]
    model = FunctionModel(lambda x: 1.0 + np.maximum(x - 1.0, 0), parameters, ["y"])
    frame = one_at_a_time(model).to_frame()
    assert frame.loc[("y", "a"), "change_minus"] == 0
    assert bool(frame.loc[("y", "a"), "asymmetric"])


class _NoisyModel(FunctionModel):
    """y = 2a + b + noise, with the noise fixed by the model's seed."""

    def __init__(self, seed: int = 0) -> None:
        parameters = [Parameter(n, "1", 0.1, 10, 1.0) for n in "ab"]
        super().__init__(self._evaluate, parameters, ["y"], name="noisy")
        self.seed = seed

    def _evaluate(self, x: np.ndarray) -> np.ndarray:
        noise = np.random.default_rng(self.seed).normal(0, 0.1)
        return 2 * x[:, 0] + x[:, 1] + noise

    def with_seed(self, seed: int) -> _NoisyModel:
        return _NoisyModel(seed)


def test_oat_common_random_numbers_and_noise_floor():
    result = one_at_a_time(_NoisyModel(), repeats=8, seed=1)
    frame = result.to_frame()
    assert result.stochastic
    assert frame["noise_floor"].iloc[0] > 0.005
    # With common random numbers the absolute change is exact in every repeat,
    # so the relative change varies only through the baseline (~3 %).
    change = frame.loc[("y", "a"), "change_plus"]
    assert change == pytest.approx(0.4 / 3.0, rel=0.05)
    assert frame.loc[("y", "a"), "change_plus_sd"] < 0.1 * change
    assert frame.loc[("y", "a"), "above_noise"] > 1


def test_oat_rejects_bad_input():
    with pytest.raises(InputError, match="delta"):
        one_at_a_time(_additive_model(), delta=1.5)
    with pytest.raises(KeyError, match="unknown parameter"):
        one_at_a_time(_additive_model(), {"zz": 1.0})


def test_oat_plot_has_log_axis(tmp_path):
    result = one_at_a_time(_additive_model())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert result.plot().get_xscale() == "log"
    assert result.save_figure(tmp_path / "oat.png").stat().st_size > 1000
