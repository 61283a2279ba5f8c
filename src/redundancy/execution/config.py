"""The ``sweep`` section of a study file."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from redundancy.parameters import ParameterSpace
from redundancy.sampling import Design, make_design

__all__ = ["SweepConfig"]


class SweepConfig(BaseModel):
    """How to sample, chunk and run a population sweep.

    Example (YAML, inside a study file)::

        sweep:
          sampler: grid
          levels: 6
          parameters: [g_na, g_cas, g_cat, g_a, g_kca, g_kd, g_h, g_leak]

    Attributes:
        sampler: ``grid``, ``uniform`` (log-uniform for log parameters),
            ``latin_hypercube``, ``sobol`` or ``saltelli``.
        n: number of parameter sets; for ``saltelli`` the number of base
            samples N. Not used by ``grid``.
        levels: for ``grid``, the number of levels of every varying
            parameter, the list of values of every varying parameter, or a
            mapping from name to either.
        parameters: the parameters that vary; the others stay at the model's
            defaults (after the study's fixed values). None varies all, or
            for a grid with a levels mapping, the mapping's keys.
        calc_second_order: for ``saltelli``, add the rows needed for
            second-order Sobol indices.
        chunk_size: parameter sets per task and per database transaction.
            None adapts it so one chunk takes about two seconds.
        workers: worker processes of the local pool (0 runs in the calling
            process); None uses every core.
        scheduler: address of a Dask scheduler, or ``local`` for a Dask
            cluster on this machine; None uses the local process pool.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    sampler: Literal["grid", "uniform", "latin_hypercube", "sobol", "saltelli"] = (
        "uniform"
    )
    n: int | None = Field(None, ge=1)
    levels: int | list[float] | dict[str, int | list[float]] | None = None
    parameters: list[str] | None = None
    calc_second_order: bool = True
    chunk_size: int | None = Field(None, ge=1)
    workers: int | None = Field(None, ge=0)
    scheduler: str | None = None

    @model_validator(mode="after")
    def _check_sampler_arguments(self) -> SweepConfig:
        if self.sampler == "grid":
            if self.levels is None:
                raise ValueError(
                    "the grid sampler needs levels (a number of levels, a list of "
                    "values, or a mapping from parameter name to either)"
                )
            if self.n is not None:
                raise ValueError("the grid sampler takes levels, not n")
        else:
            if self.n is None:
                raise ValueError(f"the {self.sampler} sampler needs n")
            if self.levels is not None:
                raise ValueError("levels apply to the grid sampler only")
        return self

    def design(self, space: ParameterSpace, seed: int) -> Design:
        """Return the design this section describes over ``space``.

        Args:
            space: the model's parameter space.
            seed: the study seed.

        Raises:
            InputError: for unknown parameters or grid values outside bounds.
        """
        return make_design(
            space,
            self.sampler,
            seed=seed,
            n=self.n,
            levels=self.levels,
            parameters=self.parameters,
            calc_second_order=self.calc_second_order,
        )
