"""Samplers: numbered designs of parameter sets that regenerate any chunk.

Every design gives each parameter set a stable ``sample_id`` (its row index)
and computes any id range on demand, so sweeps stream designs in chunks and a
resumed sweep rebuilds only the missing rows.
"""

from redundancy.sampling.base import SAMPLING_STAGE, Design
from redundancy.sampling.factory import SAMPLERS, make_design
from redundancy.sampling.grid import GridDesign, grid_levels
from redundancy.sampling.random_designs import (
    LatinHypercubeDesign,
    SobolDesign,
    UniformDesign,
)
from redundancy.sampling.saltelli import SaltelliDesign

__all__ = [
    "SAMPLERS",
    "SAMPLING_STAGE",
    "Design",
    "GridDesign",
    "LatinHypercubeDesign",
    "SaltelliDesign",
    "SobolDesign",
    "UniformDesign",
    "grid_levels",
    "make_design",
]
