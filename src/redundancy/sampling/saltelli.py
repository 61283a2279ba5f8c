"""The Saltelli design that SALib's Sobol sensitivity analysis reads."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from SALib.sample import sobol as salib_sobol

from redundancy.errors import InputError
from redundancy.parameters import ParameterSpace
from redundancy.sampling.base import SAMPLING_STAGE, Design
from redundancy.seeding import stage_seed

__all__ = ["SaltelliDesign"]


class SaltelliDesign(Design):
    """The cross-sampled design of :func:`SALib.sample.sobol.sample`.

    SALib draws the design in the unit cube, and :meth:`ParameterSpace.from_unit`
    maps it to natural units (log parameters in log space), so the rows are in
    natural units while SALib's analysis only needs the row order.

    Row structure: the design has ``N (2k + 2)`` rows with second-order
    indices and ``N (k + 2)`` without, for ``k`` varying parameters. Base
    sample ``j`` owns the consecutive rows ``j * block`` to ``(j + 1) * block
    - 1``, in the order A, AB_1 ... AB_k, (BA_1 ... BA_k,) B, where AB_i is A
    with column i taken from B. Readouts ordered by ``sample_id`` therefore
    form the ``Y`` vector that :func:`SALib.analyze.sobol.analyze` expects.

    NOTE: SALib builds the whole design at once, so it is kept in memory
    (8 N (2k + 2) k bytes).

    Args:
        space: the model's parameter space.
        n: the number of base samples N (a power of two keeps the Sobol
            sequence balanced).
        seed: the study seed.
        names: the varying parameters; None varies all.
        calc_second_order: include the BA rows needed for second-order indices.

    References:
        Saltelli, A. (2002). Making best use of model evaluations to compute
        sensitivity indices. *Computer Physics Communications* 145, 280-297.
        Herman, J. & Usher, W. (2017). SALib: an open-source Python library for
        sensitivity analysis. *Journal of Open Source Software* 2(9), 97.
    """

    sampler = "saltelli"

    def __init__(
        self,
        space: ParameterSpace,
        n: int,
        seed: int,
        names: Sequence[str] | None = None,
        *,
        calc_second_order: bool = True,
    ) -> None:
        super().__init__(space, names)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise InputError(
                f"the saltelli sampler needs a positive number of base samples n, "
                f"got {n!r}"
            )
        if seed < 0:
            raise InputError(f"the study seed must be non-negative, got {seed}")
        self.n = int(n)
        self.seed = int(seed)
        self.calc_second_order = bool(calc_second_order)
        k = len(self.names)
        self.block = 2 * k + 2 if self.calc_second_order else k + 2
        self._unit: np.ndarray | None = None

    @property
    def size(self) -> int:
        return self.n * self.block

    def salib_problem(self) -> dict[str, Any]:
        """Return the SALib problem over the varying parameters, in unit-cube form."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [[0.0, 1.0]] * len(self.names),
        }

    def _unit_rows(self, start: int, stop: int) -> np.ndarray:
        if self._unit is None:
            seed = int(stage_seed(self.seed, SAMPLING_STAGE).generate_state(1)[0])
            with warnings.catch_warnings():
                # A non-power-of-two N is the caller's choice; SALib warns on it.
                warnings.simplefilter("ignore", UserWarning)
                self._unit = salib_sobol.sample(
                    self.salib_problem(),
                    self.n,
                    calc_second_order=self.calc_second_order,
                    seed=seed,
                )
        return self._unit[start:stop]

    def settings(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "seed": self.seed,
            "stage": SAMPLING_STAGE,
            "calc_second_order": self.calc_second_order,
            "rows_per_base_sample": self.block,
        }

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_unit"] = None
        return state
