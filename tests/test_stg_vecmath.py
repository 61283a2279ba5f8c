"""The SIMD-friendly exp and log of the STG kernel against NumPy."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from redundancy.models.stg import presets
from redundancy.models.stg.kernel import LANES
from redundancy.models.stg.simulate import IntegrationSettings, run_batch
from redundancy.models.stg.vecmath import EXP_MAX, EXP_MIN, vexp, vlog


def _exp_loop(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = vexp(x[i])
    return out


def _log_loop(x: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = vlog(x[i])
    return out


# The kernel compiles with fused multiply-add contraction, so check both forms.
_exp_all = njit(error_model="numpy")(_exp_loop)
_log_all = njit(error_model="numpy")(_log_loop)
_exp_fma = njit(error_model="numpy", fastmath={"contract"})(_exp_loop)
_log_fma = njit(error_model="numpy", fastmath={"contract"})(_log_loop)


def _ulps(got: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return np.abs(got - expected) / np.spacing(np.abs(expected))


def test_exp_within_two_ulp_of_numpy() -> None:
    rng = np.random.default_rng(3)
    x = np.concatenate(
        [
            rng.uniform(EXP_MIN, EXP_MAX, 100_000),
            # Decay of V over one step: -dt * g_total / C in the kernel.
            rng.uniform(-60.0, 0.0, 100_000),
            np.linspace(-1.0, 1.0, 2001),
            [0.0, EXP_MIN, EXP_MAX, 1e-300, -1e-300],
        ]
    )
    assert _ulps(_exp_all(x), np.exp(x)).max() <= 2.0
    assert _ulps(_exp_fma(x), np.exp(x)).max() <= 2.0
    assert _exp_all(np.array([0.0]))[0] == 1.0


def test_exp_clips_outside_its_range() -> None:
    got = _exp_all(np.array([-1000.0, 1000.0]))
    np.testing.assert_allclose(got, np.exp([EXP_MIN, EXP_MAX]), rtol=1e-15)


def test_log_within_two_ulp_of_numpy() -> None:
    rng = np.random.default_rng(4)
    x = np.concatenate(
        [
            10.0 ** rng.uniform(-300, 300, 100_000),
            # Intracellular calcium in uM, the argument used by the kernel.
            10.0 ** rng.uniform(-3, 4, 100_000),
            rng.uniform(0.5, 2.0, 100_000),
            [1.0, 2.0, 0.5, 1.0 + 2.0**-52, 1.0 - 2.0**-53, 3000.0],
        ]
    )
    expected = np.log(x)
    got = _log_all(x)
    nonzero = expected != 0.0
    assert _ulps(got[nonzero], expected[nonzero]).max() <= 2.0
    fused = _log_fma(x)
    assert _ulps(fused[nonzero], expected[nonzero]).max() <= 2.0
    assert got[~nonzero].tolist() == [0.0] * int((~nonzero).sum())


@pytest.mark.parametrize("extra", [1, LANES + 3])
def test_blocks_and_padding_do_not_mix_runs(extra: int) -> None:
    # Several blocks, a partly filled last block: each run as if alone.
    values = presets.network_values("abpd_1", "lp_3", "py_1")
    cells = ("na", "cat", "cas", "a", "kca", "kd", "h", "leak")
    gbar = np.array(
        [[values[f"g_{c}_{s}"] for c in cells] for s in presets.CELL_SUFFIXES]
    )
    gsyn = np.array([values[f"g_{name}"] for name in presets.SYNAPSE_NAMES])
    scale = np.linspace(0.6, 1.4, extra)
    gbars = gbar[None] * scale[:, None, None]
    gsyns = gsyn[None] * scale[::-1, None]
    settings = IntegrationSettings(duration_ms=300, transient_ms=0)
    together, _ = run_batch(gbars, gsyns, settings)
    for row in (0, extra - 1):
        alone, _ = run_batch(gbars[row : row + 1], gsyns[row : row + 1], settings)
        np.testing.assert_array_equal(
            alone.spike_times_ms[0], together.spike_times_ms[row]
        )
        np.testing.assert_array_equal(alone.v_min_mv[0], together.v_min_mv[row])
