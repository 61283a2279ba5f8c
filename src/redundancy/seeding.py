"""Seeds: one study seed, one independent random stream per named stage.

Each stage (sampling, a cohort, an analysis...) calls :func:`stage_rng` with the
study seed and its own stage name, so adding or reordering stages never changes
another stage's numbers and no global random state is used.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stage_rng", "stage_seed"]


def stage_seed(seed: int, stage: str) -> np.random.SeedSequence:
    """Return the seed sequence of ``stage`` derived from the study ``seed``."""
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    digest = hashlib.sha256(stage.encode()).digest()
    key = int.from_bytes(digest[:8], "little")
    return np.random.SeedSequence(entropy=seed, spawn_key=(key,))


def stage_rng(seed: int, stage: str) -> np.random.Generator:
    """Return an independent :class:`numpy.random.Generator` for ``stage``."""
    return np.random.default_rng(stage_seed(seed, stage))
