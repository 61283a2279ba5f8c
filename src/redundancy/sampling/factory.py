"""Build a design by sampler name, as a study file names it."""

from __future__ import annotations

import os
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

__all__ = ["MAX_DESIGN_ROWS", "SAMPLERS", "check_design_size", "make_design"]

#: Sampler names accepted by :func:`make_design`.
SAMPLERS = ("grid", "uniform", "latin_hypercube", "sobol", "saltelli")

#: Largest design a sweep accepts, in rows. A sweep keeps about 9 bytes of
#: bookkeeping per row in memory (which rows are stored, which are missing),
#: so this maximum needs about 9 GB.
MAX_DESIGN_ROWS = 10**9


def _physical_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def check_design_size(design: Design) -> Design:
    """Return ``design`` if a sweep can hold it in memory, else raise.

    Latin hypercube and Saltelli designs are built whole in memory (8 bytes
    per row and varying parameter, twice that for Saltelli while SALib builds
    it), so they must also fit in half of this machine's physical memory.

    Raises:
        InputError: for a design of more than :data:`MAX_DESIGN_ROWS` rows, or
            one built in memory that needs more than half the physical memory.
    """
    if design.size > MAX_DESIGN_ROWS:
        raise InputError(
            f"the {design.sampler} design has {design.size:.3g} rows, more than "
            f"the maximum of {MAX_DESIGN_ROWS:.0e}; use fewer samples or grid "
            "levels, or vary fewer parameters"
        )
    factor = {"latin_hypercube": 8, "saltelli": 16}.get(design.sampler)
    memory = _physical_memory_bytes()
    if factor is not None and memory is not None:
        needed = factor * design.size * len(design.names)
        if needed > memory // 2:
            raise InputError(
                f"the {design.sampler} design of {design.size} rows needs about "
                f"{needed / 1e9:.1f} GB of memory to build, more than half of "
                f"this machine's {memory / 1e9:.1f} GB; use fewer samples, or the "
                "sobol or uniform sampler, which generate rows chunk by chunk"
            )
    return design


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
        InputError: for an unknown sampler, a missing or misplaced ``n`` or
            ``levels``, or a design too large (see :func:`check_design_size`).
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
        return check_design_size(GridDesign(space, levels, parameters))
    if levels is not None:
        raise InputError(f"levels apply to the grid sampler only, not {sampler!r}")
    if n is None:
        raise InputError(f"the {sampler} sampler needs n, the number of samples")
    if sampler == "uniform":
        design: Design = UniformDesign(space, n, seed, parameters)
    elif sampler == "latin_hypercube":
        design = LatinHypercubeDesign(space, n, seed, parameters)
    elif sampler == "sobol":
        design = SobolDesign(space, n, seed, parameters)
    else:
        design = SaltelliDesign(
            space, n, seed, parameters, calc_second_order=calc_second_order
        )
    return check_design_size(design)
