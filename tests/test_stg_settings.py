"""Settings checks of the STG models and guards of the compiled integrator."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

from redundancy.errors import InputError
from redundancy.models import get_model
from redundancy.models.stg import kernel
from redundancy.models.stg.kernel_checks import check_shapes
from redundancy.models.stg.models import MIN_RHYTHM_WINDOW_MS
from redundancy.models.stg.simulate import IntegrationSettings, run_batch


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"dt_ms": 0.0}, r"dt_ms must be a positive number, got 0\.0"),
        ({"dt_ms": -0.1}, r"dt_ms must be a positive number, got -0\.1"),
        ({"dt_ms": float("nan")}, r"dt_ms must be a positive number, got nan"),
        ({"dt_ms": 0.6}, r"dt_ms=0\.6 is too coarse.*dt_ms <= 0\.5"),
        ({"dt_ms": "fast"}, r"dt_ms must be a number.*'fast'"),
        ({"duration_ms": 0.0}, r"duration_ms must be a positive number, got 0\.0"),
        ({"duration_ms": -5.0}, r"duration_ms must be a positive number"),
        ({"duration_ms": 0.01}, r"duration_ms=0\.01 is shorter than one step"),
        ({"transient_ms": -1.0}, r"transient_ms must be >= 0, got -1\.0.*use 0"),
        ({"scheme": "rk45"}, r"unknown scheme 'rk45'; use one of: exp_euler"),
        ({"gating": "spline"}, r"unknown gating 'spline'; use one of: table"),
        ({"temperature_degc": -5.0}, r"temperature_degc=-5\.0 degC is outside"),
        ({"temperature_degc": 45.0}, r"temperature_degc=45\.0 degC.*0 to 40"),
        ({"max_spikes": 0}, r"max_spikes must be at least 1, got 0"),
        ({"max_intervals": -3}, r"max_intervals must be at least 1, got -3"),
        ({"max_spikes": 2.5}, r"max_spikes must be a whole number, got 2\.5"),
    ],
)
@pytest.mark.parametrize("model", ["stg_neuron", "pyloric"])
def test_invalid_setting_raises(model: str, settings: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        get_model(model, **settings)


def test_valid_edge_settings_are_accepted() -> None:
    settings = IntegrationSettings(
        dt_ms=0.5,
        duration_ms=0.5,
        transient_ms=0,
        temperature_degc=40,
        max_spikes=4.0,
        max_intervals=np.int64(1),
    )
    assert settings.dt_ms == 0.5
    assert settings.transient_ms == 0.0
    assert isinstance(settings.transient_ms, float)
    assert settings.max_spikes == 4
    assert isinstance(settings.max_spikes, int)
    assert settings.max_intervals == 1
    assert settings.n_steps == 1


def test_short_window_warns_and_is_kept() -> None:
    with pytest.warns(UserWarning, match=r"duration_ms=10 is the recorded window"):
        model = get_model("stg_neuron", duration_ms=10)
    assert model.integration.duration_ms == 10.0
    assert model.integration.transient_ms == 1000.0
    assert model.integration.n_steps == round(1010.0 / 0.025)


@pytest.mark.parametrize("model", ["stg_neuron", "pyloric"])
def test_default_window_does_not_warn(model: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_model(model)
        get_model(model, duration_ms=MIN_RHYTHM_WINDOW_MS)


def test_temperature_parameter_outside_range_raises() -> None:
    settings = IntegrationSettings(duration_ms=10, transient_ms=0)
    gbar = np.ones((2, 1, 8))
    with pytest.raises(InputError, match=r"temperature=50\.0 degC is outside"):
        run_batch(gbar, None, settings, temperature_degc=np.array([10.0, 50.0]))
    with pytest.raises(InputError, match=r"temperature=nan degC is outside"):
        run_batch(gbar, None, settings, temperature_degc=np.array([np.nan, 10.0]))


def _kernel_arrays(n: int, cells: int, table_columns: int = 52) -> list[np.ndarray]:
    return [
        np.zeros((n, cells, 8)),
        np.zeros((n, 0 if cells == 1 else 7)),
        np.zeros((2, 5, table_columns)),
        np.zeros(13),
        np.zeros((n, cells), dtype=np.int64),
        np.zeros((n, cells, 4)),
        np.zeros((n, cells, 2, 2)),
        np.zeros((n, cells), dtype=np.int64),
        np.zeros((n, cells)),
        np.zeros((n, cells)),
        np.zeros((n, cells)),
        np.zeros(n, dtype=np.bool_),
        np.zeros((n, 2 * cells, 0)),
    ]


def test_kernel_shape_check_accepts_consistent_arrays() -> None:
    check_shapes(*_kernel_arrays(3, 1))
    check_shapes(*_kernel_arrays(9, 3))


@pytest.mark.parametrize(
    ("index", "bad"),
    [
        (2, np.zeros((2, 5, 50))),
        (3, np.zeros(12)),
        (4, np.zeros((2, 1), dtype=np.int64)),
        (5, np.zeros((3, 3, 4))),
        (6, np.zeros((3, 1, 2, 3))),
        (11, np.zeros(4, dtype=np.bool_)),
        (12, np.zeros((3, 6, 0))),
    ],
)
def test_kernel_shape_check_rejects_mismatch(index: int, bad: np.ndarray) -> None:
    arrays = _kernel_arrays(3, 1)
    arrays[index] = bad
    with pytest.raises(ValueError, match="inconsistent shapes"):
        check_shapes(*arrays)


def test_compile_message_logged_once(monkeypatch, caplog) -> None:
    monkeypatch.setattr(kernel, "_compile_announced", False)
    monkeypatch.setattr(kernel, "_kernel_in_cache", lambda: False)
    with caplog.at_level(logging.DEBUG, logger=kernel.__name__):
        kernel.announce_compile()
        kernel.announce_compile()
    messages = [r for r in caplog.records if "compiling the STG kernels" in r.message]
    assert len(messages) == 1
    assert messages[0].levelno == logging.INFO


def test_compile_message_skipped_when_cached(monkeypatch, caplog) -> None:
    monkeypatch.setattr(kernel, "_compile_announced", False)
    monkeypatch.setattr(kernel, "_kernel_in_cache", lambda: True)
    with caplog.at_level(logging.DEBUG, logger=kernel.__name__):
        kernel.announce_compile()
    assert not [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any("from the Numba cache" in r.message for r in caplog.records)


def test_cache_probe_works_with_installed_numba() -> None:
    # None would mean the private Numba cache attributes moved, and the
    # compile message would fall back to DEBUG.
    assert kernel._kernel_in_cache() in (True, False)
