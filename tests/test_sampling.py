"""Samplers: sizes, orderings, seeding, chunk regeneration and SALib's design."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from pydantic import ValidationError
from SALib.analyze import sobol as salib_analyze
from SALib.sample import sobol as salib_sample
from scipy import stats
from scipy.stats import qmc

from redundancy import Parameter, ParameterSpace
from redundancy.errors import InputError
from redundancy.execution import SweepConfig
from redundancy.sampling import (
    GridDesign,
    LatinHypercubeDesign,
    SaltelliDesign,
    SobolDesign,
    UniformDesign,
    make_design,
)
from redundancy.seeding import stage_seed


@pytest.fixture
def space() -> ParameterSpace:
    return ParameterSpace(
        [
            Parameter("a", "1", 0.0, 1.0, 0.25),
            Parameter("g", "mS/cm^2", 0.1, 1000.0, 1.0, "log"),
            Parameter("c", "mV", -80.0, -40.0, -60.0),
        ]
    )


def test_grid_order_and_levels(space: ParameterSpace) -> None:
    design = GridDesign(space, {"a": 3, "g": 5})
    rows = design.rows()
    expected = list(itertools.product([0.0, 0.5, 1.0], [0.1, 1.0, 10.0, 100.0, 1000.0]))
    assert design.size == 15
    np.testing.assert_allclose(rows[:, :2], np.array(expected))
    assert np.all(rows[:, 2] == -60.0)  # fixed parameter at its default


def test_grid_explicit_values_and_bounds(space: ParameterSpace) -> None:
    design = GridDesign(space, {"c": [-70.0, -50.0]})
    np.testing.assert_array_equal(design.rows()[:, 2], [-70.0, -50.0])
    with pytest.raises(InputError, match="outside the bounds"):
        GridDesign(space, {"c": [-90.0]})
    with pytest.raises(InputError, match="at least 1"):
        GridDesign(space, 0)


def test_grid_streams_prinz_size() -> None:
    names = [f"g_{i}" for i in range(8)]
    space = ParameterSpace(Parameter(n, "mS/cm^2", 0.0, 5.0, 1.0) for n in names)
    design = GridDesign(space, 6)
    assert design.size == 6**8
    start = design.size - 700
    chunk = design.rows(start, design.size)
    assert chunk.shape == (700, 8)
    levels = np.linspace(0.0, 5.0, 6)
    for offset in (0, 123, 699):
        digits = np.unravel_index(start + offset, (6,) * 8)
        np.testing.assert_allclose(chunk[offset], levels[list(digits)])


def test_uniform_seeded_and_chunked(space: ParameterSpace) -> None:
    design = UniformDesign(space, 10_000, seed=7)
    full = design.rows()
    np.testing.assert_array_equal(UniformDesign(space, 10_000, seed=7).rows(), full)
    np.testing.assert_array_equal(design.rows(4000, 9001), full[4000:9001])
    assert not np.allclose(UniformDesign(space, 10_000, seed=8).rows(), full)
    assert np.all(space.out_of_bounds(full) == 0)


def test_uniform_is_log_uniform_for_log(space: ParameterSpace) -> None:
    g = UniformDesign(space, 20_000, seed=1).rows()[:, 1]
    log_unit = (np.log10(g) + 1.0) / 4.0
    assert stats.kstest(log_unit, "uniform").pvalue > 1e-3
    assert np.mean(g < 1.0) == pytest.approx(0.25, abs=0.02)


def test_latin_hypercube_strata(space: ParameterSpace) -> None:
    design = LatinHypercubeDesign(space, 50, seed=3)
    unit = space.to_unit(design.rows())
    for column in unit.T:
        strata = np.sort(np.floor(column * 50).astype(int))
        np.testing.assert_array_equal(strata, np.arange(50))
    np.testing.assert_array_equal(
        LatinHypercubeDesign(space, 50, seed=3).rows(10, 20), design.rows()[10:20]
    )


def test_sobol_matches_scipy_and_chunks(space: ParameterSpace) -> None:
    design = SobolDesign(space, 1024, seed=5)
    rng = np.random.default_rng(stage_seed(5, "sampling"))
    reference = space.from_unit(qmc.Sobol(3, scramble=True, seed=rng).random(1024))
    np.testing.assert_allclose(design.rows(), reference)
    np.testing.assert_allclose(design.rows(300, 700), reference[300:700])


def test_sobol_warns_for_non_power_of_two(space: ParameterSpace) -> None:
    with pytest.warns(UserWarning, match="power of two"):
        SobolDesign(space, 1000, seed=0)


def test_saltelli_structure(space: ParameterSpace) -> None:
    design = SaltelliDesign(space, 16, seed=2, names=["a", "g"])
    assert design.size == 16 * 6
    seed = int(stage_seed(2, "sampling").generate_state(1)[0])
    problem = {"num_vars": 2, "names": ["a", "g"], "bounds": [[0, 1]] * 2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unit = salib_sample.sample(problem, 16, seed=seed)
    rows = design.rows()
    np.testing.assert_allclose(rows[:, :2], space.subset(["a", "g"]).from_unit(unit))
    block = rows[:6]
    a_row, ab_1, b_row = block[0], block[1], block[5]
    assert ab_1[0] == b_row[0]
    assert ab_1[1] == a_row[1]
    first_order = SaltelliDesign(space, 16, seed=2, calc_second_order=False)
    assert first_order.size == 16 * 5


def test_saltelli_feeds_salib_analysis(space: ParameterSpace) -> None:
    design = SaltelliDesign(space, 1024, seed=0, names=["a", "c"])
    rows = design.rows()
    y = rows[:, 0] + (rows[:, 2] + 80.0) / 40.0 * 2.0  # a + 2 u_c, u uniform
    result = salib_analyze.analyze(
        design.salib_problem(), y, calc_second_order=True, seed=1
    )
    np.testing.assert_allclose(result["S1"], [0.2, 0.8], atol=0.03)


def test_make_design_errors(space: ParameterSpace) -> None:
    with pytest.raises(InputError, match="unknown sampler"):
        make_design(space, "halton", seed=0, n=4)
    with pytest.raises(InputError, match="needs levels"):
        make_design(space, "grid", seed=0)
    with pytest.raises(InputError, match="unknown parameter"):
        make_design(space, "uniform", seed=0, n=4, parameters=["nope"])
    design = make_design(space, "uniform", seed=0, n=4, parameters=["c"])
    assert np.all(design.rows()[:, 0] == 0.25)


def test_fingerprint_tracks_seed_and_levels(space: ParameterSpace) -> None:
    base = UniformDesign(space, 100, seed=1).fingerprint()
    assert base == UniformDesign(space, 100, seed=1).fingerprint()
    assert base != UniformDesign(space, 100, seed=2).fingerprint()
    assert GridDesign(space, 3).fingerprint() != GridDesign(space, 4).fingerprint()


def test_sweep_config_validation(space: ParameterSpace) -> None:
    with pytest.raises(ValidationError, match="needs levels"):
        SweepConfig(sampler="grid")
    with pytest.raises(ValidationError, match="needs n"):
        SweepConfig(sampler="sobol")
    with pytest.raises(ValidationError, match="Extra inputs"):
        SweepConfig(sampler="sobol", n=8, colour="red")
    config = SweepConfig(sampler="grid", levels={"a": 2, "c": [-50.0]})
    assert config.design(space, seed=0).size == 2


def test_huge_designs_rejected_before_building(monkeypatch) -> None:
    from redundancy.sampling import factory

    monkeypatch.setattr(factory, "_physical_memory_bytes", lambda: 10 * 10**9)
    space = ParameterSpace([Parameter(f"p{i}", "1", 0.0, 1.0, 0.5) for i in range(10)])
    with pytest.raises(InputError, match=r"grid design has 1e\+30 rows"):
        make_design(space, "grid", seed=0, levels=1000)
    with pytest.raises(InputError, match="uniform design has 1e\\+12 rows"):
        make_design(space, "uniform", seed=0, n=10**12)
    with pytest.raises(InputError, match="GB of memory to build"):
        make_design(space, "latin_hypercube", seed=0, n=10**8)
    with pytest.raises(InputError, match="saltelli design of 220000000 rows"):
        make_design(space, "saltelli", seed=0, n=10**7)
    assert make_design(space, "uniform", seed=0, n=10**9).size == 10**9
