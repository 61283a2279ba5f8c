"""Multiple solutions: islands of the good set, paths between them and their width.

This module gathers the public names of :mod:`redundancy.analysis.islands`
(connected components of the good set), :mod:`redundancy.analysis.paths`
(paths within the good set and the "separate islands" versus "connected set"
verdict) and :mod:`redundancy.analysis.width` (robustness and curvature
around a solution).

References:
    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.
    Garipov T et al. (2018). Loss surfaces, mode connectivity, and fast
    ensembling of DNNs. NeurIPS 31.
"""

from __future__ import annotations

from redundancy.analysis.islands import Island, Islands, islands
from redundancy.analysis.paths import (
    Connection,
    IslandConnectivity,
    connect,
    connect_islands,
)
from redundancy.analysis.width import IslandWidth, island_width

__all__ = [
    "Connection",
    "Island",
    "IslandConnectivity",
    "IslandWidth",
    "Islands",
    "connect",
    "connect_islands",
    "island_width",
    "islands",
]
