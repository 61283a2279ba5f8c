"""Parameters, parameter spaces, the model base class, FunctionModel and the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import redundancy
from redundancy import FunctionModel, Parameter, ParameterSpace, Readout
from redundancy.seeding import stage_rng


def _space() -> ParameterSpace:
    return ParameterSpace(
        [
            Parameter("g_na", "mS/cm2", 10, 1000, 100, scale="log"),
            Parameter("e_l", "mV", -80, -40, -60),
        ]
    )


def test_parameter_checks() -> None:
    with pytest.raises(ValueError, match="unknown unit 'volts'"):
        Parameter("v", "volts", 0, 1, 0.5)
    with pytest.raises(ValueError, match="positive lower bound"):
        Parameter("g", "nS", 0, 1, 0.5, scale="log")
    with pytest.raises(ValueError, match="outside"):
        Parameter("g", "nS", 0, 1, 2)
    with pytest.raises(ValueError, match="lower bound"):
        Parameter("g", "nS", 2, 1, 1.5)
    assert Parameter("g", "mS/cm²", 0, 1, 0).unit == "mS/cm^2"
    assert Parameter("g", "mS/cm2", 0, 1, 0).label() == "g (mS/cm^2)"


def test_unit_cube_round_trip_and_log_mapping() -> None:
    space = _space()
    cube = space.to_unit(np.array([[100.0, -60.0]]))
    # log space: 100 lies at log(100/10)/log(1000/10) = 0.5
    np.testing.assert_allclose(cube, [[0.5, 0.5]])
    values = np.array([[10.0, -80.0], [1000.0, -40.0], [31.6, -55.0]])
    np.testing.assert_allclose(space.from_unit(space.to_unit(values)), values)


def test_to_array_defaults_and_errors() -> None:
    space = _space()
    array = space.to_array(pd.DataFrame({"e_l": [-70.0, -50.0]}))
    np.testing.assert_allclose(array, [[100.0, -70.0], [100.0, -50.0]])
    with pytest.raises(ValueError, match="unknown parameter"):
        space.to_array(pd.DataFrame({"g_k": [1.0]}))
    with pytest.raises(ValueError, match="expected an"):
        space.to_array(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="row 1: e_l = -90.0 mV is outside"):
        space.validate({"e_l": [-60.0, -90.0]})
    with pytest.raises(ValueError, match="duplicate"):
        ParameterSpace([space[0], space[0]])


def _product(x: np.ndarray) -> np.ndarray:
    return x[:, :1] * x[:, 1:2]


def _fragile(x: np.ndarray) -> np.ndarray:
    if np.any(x[:, 0] < 0):
        raise RuntimeError("negative input")
    return np.column_stack([np.sqrt(x[:, 0]), np.log(x[:, 1])])


def _linear_space() -> list[Parameter]:
    return [Parameter("a", "1", -5, 5, 1), Parameter("b", "1", -5, 5, 1)]


def test_function_model_batch_and_rows() -> None:
    model = FunctionModel(_product, _linear_space(), ["product"])
    out = model.simulate({"a": [2.0, 3.0], "b": [4.0, -1.0]})
    assert out["product"].tolist() == [8.0, -3.0]
    assert out["status"].tolist() == ["ok", "ok"]
    scalar = FunctionModel(
        lambda row: [row[0] + row[1]], _linear_space(), ["total"], vectorized=False
    )
    assert scalar.simulate({"a": [1.0, 2.0]})["total"].tolist() == [2.0, 3.0]


def test_failures_are_isolated_rows() -> None:
    model = FunctionModel(_fragile, _linear_space(), [Readout("root", "1"), "log_b"])
    table = pd.DataFrame({"a": [4.0, -1.0, 9.0, 1.0], "b": [1.0, 1.0, 1.0, -2.0]})
    with np.errstate(invalid="ignore"):
        out = model.simulate(table)
    assert out["status"].tolist() == ["ok", "failed", "ok", "failed"]
    assert "RuntimeError: negative input" in out["reason"].iloc[1]
    assert "non-finite readout: log_b" in out["reason"].iloc[3]
    assert out["root"].iloc[2] == 3.0


def test_wrong_output_shape_is_a_failed_row() -> None:
    model = FunctionModel(lambda x: np.zeros((len(x), 3)), _linear_space(), ["y"])
    out = model.simulate({"a": [1.0]})
    assert out["status"].iloc[0] == "failed"
    assert "shape" in out["reason"].iloc[0]


def test_version_hash_tracks_settings_and_space() -> None:
    base = redundancy.get_model("ei_psp")
    assert base.version_hash() == redundancy.get_model("ei_psp").version_hash()
    assert (
        base.version_hash() != redundancy.get_model("ei_psp", dt_ms=0.01).version_hash()
    )
    assert base.version_hash() != base.with_defaults(v_hold_mv=-60).version_hash()


def test_registry() -> None:
    assert "ei_psp" in redundancy.available_models()
    with pytest.raises(KeyError, match="available models"):
        redundancy.get_model("nosuch")

    @redundancy.register_model("test_product")
    def _factory() -> FunctionModel:
        return FunctionModel(
            _product, _linear_space(), ["product"], name="test_product"
        )

    assert (
        redundancy.get_model("test_product").simulate({"a": [3.0]})["product"][0] == 3.0
    )


def test_stage_rng_independent_and_reproducible() -> None:
    first = stage_rng(7, "sampling").random(3)
    assert np.array_equal(first, stage_rng(7, "sampling").random(3))
    assert not np.array_equal(first, stage_rng(7, "cohort").random(3))
    assert not np.array_equal(first, stage_rng(8, "sampling").random(3))


def test_from_unit_no_overflow_on_linear_columns() -> None:
    space = ParameterSpace(
        [
            Parameter("g", "nS", 1, 10, 2, scale="log"),
            Parameter("v", "mV", -1000, 1000, 0),
        ]
    )
    with np.errstate(over="raise"):
        values = space.from_unit(np.array([[0.5, 1.0]]))
    np.testing.assert_allclose(values, [[np.sqrt(10), 1000.0]])
