"""Seeded random and quasi-random designs: uniform, Latin hypercube, Sobol.

Every design draws from its own stream, derived from the study seed with
:func:`redundancy.seeding.stage_seed` and the stage name ``"sampling"``, so the
same study seed gives the same rows. Values are drawn in the unit cube and
mapped to natural units by :meth:`ParameterSpace.from_unit`, which maps a
log-scale parameter linearly in log space: a log parameter is log-uniform.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import qmc

from redundancy.errors import InputError
from redundancy.parameters import ParameterSpace
from redundancy.sampling.base import SAMPLING_STAGE, Design
from redundancy.seeding import stage_seed

__all__ = ["LatinHypercubeDesign", "SobolDesign", "UniformDesign"]

# Rows per independent random block of a uniform design. Fixed, so the rows of
# a design never depend on the chunk size a sweep happens to use.
_BLOCK_ROWS = 4096


def _check_count(n: int, sampler: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(
            f"the {sampler} sampler needs a positive number of samples n, got {n!r}"
        )
    return int(n)


class _SeededDesign(Design):
    def __init__(
        self,
        space: ParameterSpace,
        n: int,
        seed: int,
        names: Sequence[str] | None = None,
    ) -> None:
        super().__init__(space, names)
        self.n = _check_count(n, self.sampler)
        if seed < 0:
            raise InputError(f"the study seed must be non-negative, got {seed}")
        self.seed = int(seed)
        self.seed_sequence = stage_seed(self.seed, SAMPLING_STAGE)

    @property
    def size(self) -> int:
        return self.n

    def settings(self) -> dict[str, Any]:
        return {"n": self.n, "seed": self.seed, "stage": SAMPLING_STAGE}

    def fresh_rng(self) -> np.random.Generator:
        """Return a new generator at the start of the sampling stream.

        SciPy's engines spawn children from the generator's seed sequence,
        which changes that sequence, so every use starts from a fresh copy.
        """
        return np.random.default_rng(
            np.random.SeedSequence(
                entropy=self.seed_sequence.entropy,
                spawn_key=self.seed_sequence.spawn_key,
            )
        )


class UniformDesign(_SeededDesign):
    """Independent uniform draws; log-scale parameters are log-uniform.

    Rows are drawn in blocks of 4096, each from its own child of the sampling
    seed sequence, so any range of rows is regenerated without drawing the rows
    before it.

    Args:
        space: the model's parameter space.
        n: number of parameter sets.
        seed: the study seed.
        names: the varying parameters; None varies all.

    References:
        Prinz, A. A., Bucher, D. & Marder, E. (2004). Similar network activity
        from disparate circuit parameters. *Nature Neuroscience* 7, 1345-1352.
    """

    sampler = "uniform"

    def _block(self, block: int) -> np.ndarray:
        child = np.random.SeedSequence(
            entropy=self.seed_sequence.entropy,
            spawn_key=(*self.seed_sequence.spawn_key, block),
        )
        return np.random.default_rng(child).random((_BLOCK_ROWS, len(self.names)))

    def _unit_rows(self, start: int, stop: int) -> np.ndarray:
        first, last = start // _BLOCK_ROWS, (stop - 1) // _BLOCK_ROWS
        blocks = np.vstack([self._block(b) for b in range(first, last + 1)])
        offset = first * _BLOCK_ROWS
        return blocks[start - offset : stop - offset]


class LatinHypercubeDesign(_SeededDesign):
    """A Latin hypercube from :class:`scipy.stats.qmc.LatinHypercube`.

    Each parameter's range is cut into ``n`` strata of equal width (in log
    space for a log parameter) and every stratum contains exactly one row.

    NOTE: stratification couples all rows, so the whole ``(n, k)`` unit-cube
    design is built on first use and kept (8 n k bytes, 107 MB for
    n = 1.68 million and k = 8). Only the sweep's main process keeps it in memory.

    References:
        McKay, M. D., Beckman, R. J. & Conover, W. J. (1979). A comparison of
        three methods for selecting values of input variables in the analysis
        of output from a computer code. *Technometrics* 21, 239-245.
    """

    sampler = "latin_hypercube"

    def __init__(
        self,
        space: ParameterSpace,
        n: int,
        seed: int,
        names: Sequence[str] | None = None,
    ) -> None:
        super().__init__(space, n, seed, names)
        self._unit: np.ndarray | None = None

    def _unit_rows(self, start: int, stop: int) -> np.ndarray:
        if self._unit is None:
            engine = qmc.LatinHypercube(d=len(self.names), seed=self.fresh_rng())
            self._unit = engine.random(self.n)
        return self._unit[start:stop]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_unit"] = None  # rebuilt on demand from the seed
        return state


class SobolDesign(_SeededDesign):
    """A scrambled Sobol sequence from :class:`scipy.stats.qmc.Sobol`.

    A range of rows is regenerated by fast-forwarding a fresh engine with the
    same scrambling seed, so nothing is held in memory. Sobol points keep their
    balance properties only when ``n`` is a power of two, and a warning is issued
    for other ``n``.

    References:
        Sobol', I. M. (1967). On the distribution of points in a cube and the
        approximate evaluation of integrals. *USSR Computational Mathematics
        and Mathematical Physics* 7, 86-112.
        Owen, A. B. (1998). Scrambling Sobol' and Niederreiter-Xing points.
        *Journal of Complexity* 14, 466-489.
    """

    sampler = "sobol"

    def __init__(
        self,
        space: ParameterSpace,
        n: int,
        seed: int,
        names: Sequence[str] | None = None,
    ) -> None:
        super().__init__(space, n, seed, names)
        if self.n & (self.n - 1):
            warnings.warn(
                f"Sobol design with n = {self.n}, which is not a power of two, so "
                f"the points lose their balance properties; use n = "
                f"{1 << (self.n - 1).bit_length()} for a balanced design",
                UserWarning,
                stacklevel=2,
            )

    def _unit_rows(self, start: int, stop: int) -> np.ndarray:
        engine = qmc.Sobol(d=len(self.names), scramble=True, seed=self.fresh_rng())
        if start:
            engine.fast_forward(start)
        with warnings.catch_warnings():
            # The power-of-two advice is given once, for the whole design.
            warnings.filterwarnings("ignore", message=".*balance properties.*")
            return engine.random(stop - start)
