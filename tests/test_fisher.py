"""Fisher information against closed forms: linear maps, power laws, sloppy models."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from redundancy import FunctionModel, Parameter
from redundancy.analysis import fisher_information
from redundancy.analysis.results import jsonable
from redundancy.errors import InputError

A = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [1.0, 0.0, 1.0], [2.0, 1.0, 1.0]])


def _linear(x: np.ndarray) -> np.ndarray:
    return x @ A.T


def _linear_model() -> FunctionModel:
    parameters = [Parameter(name, "1", -5, 5, 1.0) for name in "abc"]
    return FunctionModel(_linear, parameters, ["y0", "y1", "y2", "y3"])


def _power(x: np.ndarray) -> np.ndarray:
    # y1 = a^2 b^-1 c^0.5, y2 = a b: log-derivatives are the exponents.
    a, b, c = x[:, 0], x[:, 1], x[:, 2]
    return np.column_stack([a**2 / b * np.sqrt(c), a * b])


def _power_model(scale: float = 1.0) -> FunctionModel:
    parameters = [
        Parameter("a", "1", 0.1 * scale, 10 * scale, scale, "log"),
        Parameter("b", "1", 0.1, 10, 1.0, "log"),
        Parameter("c", "1", 0.1, 10, 1.0, "log"),
    ]

    def func(x: np.ndarray) -> np.ndarray:
        scaled = x.copy()
        scaled[:, 0] /= scale
        return _power(scaled)

    return FunctionModel(func, parameters, ["y1", "y2"])


def test_linear_fim_equals_ata():
    result = fisher_information(
        _linear_model(),
        {"a": 0.5, "b": -1.0, "c": 2.0},
        log_parameters=False,
        readout_scale="absolute",
    )
    np.testing.assert_allclose(result.matrix, A.T @ A, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(
        result.eigenvalues, np.sort(np.linalg.eigvalsh(A.T @ A))[::-1], rtol=1e-8
    )
    assert result.rank == 3
    assert not result.rank_deficient
    assert result.step_discrepancy < 1e-8


def test_linear_fim_with_noise_scale():
    sigma = {"y0": 2.0, "y1": 1.0, "y2": 0.5, "y3": 1.0}
    result = fisher_information(
        _linear_model(), log_parameters=False, readout_scale=sigma
    )
    weights = np.diag([1 / 4, 1, 4, 1])
    np.testing.assert_allclose(result.matrix, A.T @ weights @ A, rtol=1e-8)


def test_log_power_law_fim_is_exponent_outer_product():
    result = fisher_information(_power_model(), {"a": 2.0, "b": 0.5, "c": 3.0})
    exponents = np.array([[2.0, -1.0, 0.5], [1.0, 1.0, 0.0]])
    np.testing.assert_allclose(result.matrix, exponents.T @ exponents, rtol=1e-5)


def test_log_fim_unchanged_by_unit_rescaling():
    at = {"b": 0.5, "c": 3.0}
    plain = fisher_information(_power_model(), {"a": 2.0, **at})
    rescaled = fisher_information(_power_model(1000.0), {"a": 2000.0, **at})
    np.testing.assert_allclose(plain.matrix, rescaled.matrix, rtol=1e-6)


def test_exactly_sloppy_direction_reports_rank_deficiency():
    def product(x: np.ndarray) -> np.ndarray:
        p = x[:, 0] * x[:, 1]
        return np.column_stack([p, p**2 + x[:, 2]])

    parameters = [Parameter(n, "1", 0.1, 10, 1.0, "log") for n in "abc"]
    model = FunctionModel(product, parameters, ["p", "q"])
    result = fisher_information(model, {"a": 2.0, "b": 1.5, "c": 0.7})
    assert result.rank == 2
    assert result.rank_deficient
    assert result.condition_number > 1e10
    sloppy = result.eigenvectors[:, -1]
    np.testing.assert_allclose(np.abs(sloppy), [2**-0.5, 2**-0.5, 0], atol=1e-6)
    assert np.all(np.isinf(result.collective_uncertainty[:2]))
    assert np.isfinite(result.collective_uncertainty[2])
    np.testing.assert_allclose(
        result.null_space_participation, [0.5, 0.5, 0], atol=1e-6
    )


def test_collective_uncertainty_at_least_individual():
    result = fisher_information(_linear_model(), log_parameters=False)
    assert np.all(
        result.collective_uncertainty >= result.individual_uncertainty - 1e-12
    )
    ratio = result.compensation_ratio
    assert np.all((ratio > 0) & (ratio <= 1 + 1e-12))
    inverse = np.linalg.inv(result.matrix)
    np.testing.assert_allclose(
        result.collective_uncertainty, np.sqrt(np.diag(inverse)), rtol=1e-8
    )


def test_eigen_decomposition_properties():
    result = fisher_information(_power_model(), {"a": 2.0, "b": 0.5, "c": 3.0})
    assert np.all(np.diff(result.eigenvalues) <= 1e-12)
    assert np.all(result.eigenvalues >= -1e-9)
    np.testing.assert_allclose(result.matrix, result.matrix.T)
    for index in (0, -1):
        assert result.participation(index).sum() == pytest.approx(1.0)


def test_model_jacobian_is_used():
    model = _linear_model()
    model.jacobian = lambda values: A  # type: ignore[attr-defined]
    result = fisher_information(model, log_parameters=False, readout_scale="absolute")
    assert result.method == "model-jacobian"
    assert result.step_discrepancy is None
    np.testing.assert_allclose(result.matrix, A.T @ A)


def test_zero_parameter_excluded_in_log_coordinates():
    parameters = [Parameter("a", "1", 0, 2, 0.0), Parameter("b", "1", 0.1, 2, 1.0)]
    model = FunctionModel(lambda x: x + 1.0, parameters, ["u", "v"])
    with pytest.warns(UserWarning, match="not positive"):
        result = fisher_information(model)
    assert result.parameters == ("b",)
    assert "a" in result.excluded


def test_failed_stencil_point_raises():
    def fails_above_one(x: np.ndarray) -> np.ndarray:
        if np.any(x[:, 0] > 1.0):
            raise RuntimeError("diverged")
        return x[:, :1] * 2

    parameters = [Parameter("a", "1", 0.1, 2, 1.0, "log")]
    model = FunctionModel(fails_above_one, parameters, ["y"])
    with pytest.raises(InputError, match="finite-difference simulations failed"):
        fisher_information(model, {"a": 1.0})


def test_step_check_warns_on_kink():
    parameters = [Parameter("a", "1", 0.5, 2, 1.0)]
    model = FunctionModel(lambda x: np.abs(x - 1.0) + 1.0, parameters, ["y"])
    with pytest.warns(UserWarning, match="changes by"):
        # The 2h stencil crosses the kink at a = 1, the h stencil does not.
        result = fisher_information(
            model, {"a": 1.0015}, log_parameters=False, readout_scale="absolute"
        )
    assert result.step_discrepancy > 0.1


def test_relative_scale_rejects_zero_readout():
    parameters = [Parameter("a", "1", -1, 1, 0.0)]
    model = FunctionModel(lambda x: x, parameters, ["y"])
    with pytest.raises(InputError, match="are 0 at this point"):
        fisher_information(model, log_parameters=False)


def test_result_serialises_and_plots(tmp_path):
    result = fisher_information(_power_model(), {"a": 2.0})
    text = json.dumps(jsonable(result.to_dict()))
    assert '"rank": 2' in text
    path = result.save_figure(tmp_path / "fisher.png")
    assert path.stat().st_size > 1000
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert result.plot().get_yscale() == "log"
