"""Build a design by sampler name, as a study file names it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from redundancy.errors import InputError
from redundancy.parameters import ParameterSpace
from redundancy.sampling.base import Design
from redundancy.sampling.grid import GridDesign, Levels
from redundancy.sampling.random_designs import (
    LatinHypercubeDesign,
    SobolDesign,
    UniformDesign,
)
from redundancy.sampling.saltelli import SaltelliDesign

__all__ = ["SAMPLERS", "make_design"]

#: Sampler names accepted by :func:`make_design`.
SAMPLERS = ("grid", "uniform", "latin_hypercube", "sobol", "saltelli")


def make_design(
    space: ParameterSpace,
    sampler: str,
    *,
    seed: int,
    n: int | None = None,
    levels: Levels | Mapping[str, Levels] | None = None,
    parameters: Sequence[str] | None = None,
    calc_second_order: bool = True,
) -> Design:
    """Return the design called ``sampler`` over ``space``.

    Args:
        space: the model's parameter space; parameters not in ``parameters``
            stay at its defaults.
        sampler: one of :data:`SAMPLERS`.
        seed: the study seed (unused by ``grid``).
        n: number of parameter sets; for ``saltelli`` the number of base
            samples N (the design then has N (2k + 2) or N (k + 2) rows).
        levels: grid levels, for ``grid`` only (see :class:`GridDesign`).
        parameters: the varying parameters; None varies all of them, or for a
            grid with a levels mapping, the mapping's keys.
        calc_second_order: for ``saltelli``, add the rows for second-order
            indices.

    Raises:
        InputError: for an unknown sampler or a missing or misplaced ``n`` or
            ``levels``.
    """
    if sampler not in SAMPLERS:
        raise InputError(
            f"unknown sampler {sampler!r}; choose one of: {', '.join(SAMPLERS)}"
        )
    if sampler == "grid":
        if levels is None:
            raise InputError(
                "the grid sampler needs levels: a number of levels per parameter, "
                "or a mapping from parameter name to a number or list of values"
            )
        if n is not None:
            raise InputError(
                "the grid sampler takes levels, not n; its size is the product "
                "of the numbers of levels"
            )
        return GridDesign(space, levels, parameters)
    if levels is not None:
        raise InputError(f"levels apply to the grid sampler only, not {sampler!r}")
    if n is None:
        raise InputError(f"the {sampler} sampler needs n, the number of samples")
    if sampler == "uniform":
        return UniformDesign(space, n, seed, parameters)
    if sampler == "latin_hypercube":
        return LatinHypercubeDesign(space, n, seed, parameters)
    if sampler == "sobol":
        return SobolDesign(space, n, seed, parameters)
    return SaltelliDesign(
        space, n, seed, parameters, calc_second_order=calc_second_order
    )
