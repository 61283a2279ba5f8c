"""Published STG parameter sets and parameter spaces.

* The 16 candidate cell models of Prinz, Bucher & Marder (2004): 5 AB/PD,
  5 LP and 6 PY models taken from the database of Prinz, Billimoria & Marder
  (2003), maximal conductances in mS/cm^2.
* The synapse strengths swept by Prinz et al. (2004), in nS.
* The grid of the Prinz (2003) database and the 31-parameter prior of
  Gonçalves et al. (2020).

The candidate values are those on which four public reimplementations agree.
Two entries differ between them: AB/PD 5 has g_CaT 2.5 in three sources and
5.0 in one, and LP 2 has g_A 30 in three sources and 40 in one. The majority
value is used and the other is available as ``abpd_5_alt`` and ``lp_2_alt``.

References:
    Prinz AA, Billimoria CP, Marder E (2003). Alternative to hand-tuning
    conductance-based models: construction and analysis of databases of model
    neurons. J Neurophysiol 90:3998-4015.

    Prinz AA, Bucher D, Marder E (2004). Similar network activity from
    disparate circuit parameters. Nat Neurosci 7:1345-1352.

    Gonçalves PJ, Lueckmann JM, Deistler M, et al. (2020). Training deep
    neural density estimators to identify mechanistic models of neural
    dynamics. eLife 9:e56261.
"""

from __future__ import annotations

from redundancy.errors import InputError
from redundancy.models.stg.currents import CURRENTS
from redundancy.parameters import Parameter, ParameterSpace

__all__ = [
    "CANDIDATE_CELLS",
    "CELL_SUFFIXES",
    "FIG2E_SYNAPSES_NS",
    "PRINZ2003_GRID",
    "SYNAPSE_NAMES",
    "SYNAPSE_VALUES_NS",
    "network_values",
    "neuron_space",
    "pyloric_prior",
]

_CURRENT_LABELS = ("Na", "CaT", "CaS", "A", "KCa", "Kd", "H", "leak")

#: Candidate cell models of Prinz et al. (2004), g in mS/cm^2 in CURRENTS order.
CANDIDATE_CELLS: dict[str, tuple[float, ...]] = {
    "abpd_1": (400, 2.5, 6, 50, 10, 100, 0.01, 0),
    "abpd_2": (100, 2.5, 6, 50, 5, 100, 0.01, 0),
    "abpd_3": (200, 2.5, 4, 50, 5, 50, 0.01, 0),
    "abpd_4": (200, 5.0, 4, 40, 5, 125, 0.01, 0),
    "abpd_5": (300, 2.5, 2, 10, 5, 125, 0.01, 0),
    "lp_1": (100, 0, 8, 40, 5, 75, 0.05, 0.02),
    "lp_2": (100, 0, 6, 30, 5, 50, 0.05, 0.02),
    "lp_3": (100, 0, 10, 50, 5, 100, 0, 0.03),
    "lp_4": (100, 0, 4, 20, 0, 25, 0.05, 0.03),
    "lp_5": (100, 0, 6, 30, 0, 50, 0.03, 0.02),
    "py_1": (100, 2.5, 2, 50, 0, 125, 0.05, 0.01),
    "py_2": (200, 7.5, 0, 50, 0, 75, 0.05, 0),
    "py_3": (200, 10, 0, 50, 0, 100, 0.03, 0),
    "py_4": (400, 2.5, 2, 50, 0, 75, 0.05, 0),
    "py_5": (500, 2.5, 2, 40, 0, 125, 0.01, 0.03),
    "py_6": (500, 2.5, 2, 40, 0, 125, 0, 0.02),
    # Minority readings of the two entries the public sources disagree on.
    "abpd_5_alt": (300, 5.0, 2, 10, 5, 125, 0.01, 0),
    "lp_2_alt": (100, 0, 6, 40, 5, 50, 0.05, 0.02),
}

#: Grid of the Prinz (2003) database: 6 equally spaced values from 0 per
#: conductance, in mS/cm^2. The step sizes are inferred from the candidate
#: models and the prior of Gonçalves et al. (2020).
# NOTE: the maxima of CaT, KCa and leak are the least certain entries; they
# have not been checked against Table 1 of Prinz et al. (2003).
PRINZ2003_GRID: dict[str, tuple[float, ...]] = {
    current: tuple(round(step * i, 6) for i in range(6))
    for current, step in zip(
        CURRENTS, (100, 2.5, 2, 10, 5, 25, 0.01, 0.01), strict=True
    )
}

#: The seven synapses in the order of Prinz et al. (2004): AB->LP, PD->LP,
#: AB->PY, PD->PY, LP->AB/PD, LP->PY, PY->LP.
SYNAPSE_NAMES = ("ab_lp", "pd_lp", "ab_py", "pd_py", "lp_abpd", "lp_py", "py_lp")
_SYNAPSE_LABELS = (
    "AB->LP",
    "PD->LP",
    "AB->PY",
    "PD->PY",
    "LP->AB/PD",
    "LP->PY",
    "PY->LP",
)
_SYNAPSE_KINDS = ("glut", "chol", "glut", "chol", "glut", "glut", "glut")

#: Synapse strengths swept by Prinz et al. (2004), in nS, per synapse. The
#: three synapses onto PY take six values and the others five, which gives the
#: published count of 5 x 5 x 6 x 6^3 x 5^4 = 20,250,000 networks.
SYNAPSE_VALUES_NS: dict[str, tuple[float, ...]] = {
    name: (0, 1, 3, 10, 30, 100) if name.endswith("_py") else (0, 3, 10, 30, 100)
    for name in SYNAPSE_NAMES
}

#: Synapse strengths in nS of the example network of Prinz et al. (2004)
#: Fig. 2e, as set in the xolotl pyloric example (Gorur-Shandilya et al. 2018).
FIG2E_SYNAPSES_NS: dict[str, float] = {
    "ab_lp": 30.0,
    "pd_lp": 30.0,
    "ab_py": 10.0,
    "pd_py": 3.0,
    "lp_abpd": 30.0,
    "lp_py": 1.0,
    "py_lp": 30.0,
}

#: Parameter-name suffix of each network cell.
CELL_SUFFIXES = ("abpd", "lp", "py")
_CELL_LABELS = ("AB/PD", "LP", "PY")

# Prior of Gonçalves et al. (2020) for membrane conductances, mS/cm^2.
_PRIOR_BOUNDS = {
    "abpd": (
        (0, 500),
        (0, 7.5),
        (0, 8),
        (0, 60),
        (0, 15),
        (25, 150),
        (0, 0.02),
        (0, 0.01),
    ),
    "lp": (
        (0, 200),
        (0, 2.5),
        (2, 12),
        (10, 60),
        (0, 10),
        (0, 125),
        (0, 0.06),
        (0.01, 0.04),
    ),
    "py": (
        (0, 600),
        (0, 12.5),
        (0, 4),
        (30, 60),
        (0, 5),
        (50, 150),
        (0, 0.06),
        (0, 0.04),
    ),
}
_DEFAULT_CELLS = {"abpd": "abpd_1", "lp": "lp_3", "py": "py_1"}


def neuron_space(default_cell: str = "abpd_1") -> ParameterSpace:
    """Return the 8 maximal conductances of one cell over the Prinz (2003) grid.

    Bounds are the grid's range per conductance, in mS/cm^2, and the defaults
    those of the candidate cell ``default_cell``.
    """
    defaults = _cell(default_cell)
    return ParameterSpace(
        Parameter(
            f"g_{current}",
            "mS/cm^2",
            0.0,
            PRINZ2003_GRID[current][-1],
            defaults[i],
            description=f"maximal {_CURRENT_LABELS[i]} conductance",
        )
        for i, current in enumerate(CURRENTS)
    )


def pyloric_prior() -> ParameterSpace:
    """Return the 31-parameter prior of Gonçalves et al. (2020).

    24 membrane conductances (AB/PD, LP and PY blocks of 8, uniform, in
    mS/cm^2) and 7 synapses (log-uniform over 0.01-1000 nS, AB->LP up to
    10,000 nS). Defaults: AB/PD 1, LP 3 and PY 1 of Prinz et al. (2004) with
    the Fig. 2e synapses.
    """
    parameters = []
    for suffix, label in zip(CELL_SUFFIXES, _CELL_LABELS, strict=True):
        defaults = _cell(_DEFAULT_CELLS[suffix])
        for i, current in enumerate(CURRENTS):
            lower, upper = _PRIOR_BOUNDS[suffix][i]
            parameters.append(
                Parameter(
                    f"g_{current}_{suffix}",
                    "mS/cm^2",
                    lower,
                    upper,
                    defaults[i],
                    description=f"{label} maximal {_CURRENT_LABELS[i]} conductance",
                )
            )
    for name, label, kind in zip(
        SYNAPSE_NAMES, _SYNAPSE_LABELS, _SYNAPSE_KINDS, strict=True
    ):
        kind_label = "glutamatergic" if kind == "glut" else "cholinergic"
        parameters.append(
            Parameter(
                f"g_{name}",
                "nS",
                0.01,
                10_000.0 if name == "ab_lp" else 1000.0,
                FIG2E_SYNAPSES_NS[name],
                scale="log",
                description=f"{label} {kind_label} synapse",
            )
        )
    return ParameterSpace(parameters)


def _cell(name: str) -> tuple[float, ...]:
    if name not in CANDIDATE_CELLS:
        raise InputError(
            f"unknown candidate cell {name!r}; use one of: {', '.join(CANDIDATE_CELLS)}"
        )
    return CANDIDATE_CELLS[name]


def cell_values(name: str, suffix: str = "") -> dict[str, float]:
    """Return a candidate cell's conductances by parameter name (mS/cm^2).

    Args:
        name: candidate name, e.g. ``"abpd_1"`` or ``"py_6"``.
        suffix: cell suffix for network parameter names (``"abpd"``, ``"lp"``,
            ``"py"``); empty for the single-neuron model.
    """
    tail = f"_{suffix}" if suffix else ""
    return {
        f"g_{current}{tail}": float(value)
        for current, value in zip(CURRENTS, _cell(name), strict=True)
    }


def network_values(
    abpd: str, lp: str, py: str, synapses_ns: dict[str, float] | None = None
) -> dict[str, float]:
    """Return a full pyloric parameter set from candidate cells and synapses.

    Args:
        abpd, lp, py: candidate names, e.g. ``"abpd_2"``, ``"lp_4"``, ``"py_1"``.
        synapses_ns: synapse strengths in nS by name of :data:`SYNAPSE_NAMES`;
            missing ones take the Fig. 2e values.

    Raises:
        InputError: for an unknown candidate or synapse name.
    """
    values = {
        **cell_values(abpd, "abpd"),
        **cell_values(lp, "lp"),
        **cell_values(py, "py"),
    }
    synapses = dict(FIG2E_SYNAPSES_NS)
    for name, value in (synapses_ns or {}).items():
        if name not in synapses:
            raise InputError(
                f"unknown synapse {name!r}; use one of: {', '.join(SYNAPSE_NAMES)}"
            )
        synapses[name] = float(value)
    values.update({f"g_{name}": value for name, value in synapses.items()})
    return values
