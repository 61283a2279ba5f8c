"""Time a 201 x 201 landscape of the ei_psp model on one core against named peers.

Peers, run in the same process on the same parameter sets:

- SciPy ``solve_ivp`` (LSODA, rtol 1e-8) one parameter set at a time, timed on a
  random subset and extrapolated to the whole grid;
- Brian2 (runtime mode, NumPy code generation) with one neuron per grid point,
  the usual Brian idiom for a parameter sweep, at the same dt.

Run: ``python benchmarks/ei_psp_landscape.py [--points 201] [--skip-brian]``.
Prints wall times, ratios and the largest PSP-peak difference to each peer.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numba  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

import redundancy  # noqa: E402
from redundancy.analysis.landscape import map_landscape  # noqa: E402


def _waveform(t, tau_rise, tau_decay):
    lo, hi = sorted((tau_rise, tau_decay))
    t_peak = lo * hi / (hi - lo) * np.log(hi / lo)
    norm = np.exp(-t_peak / hi) - np.exp(-t_peak / lo)
    return np.where(t > 0, (np.exp(-t / hi) - np.exp(-t / lo)) / norm, 0.0)


def scipy_peak(p: dict, duration_ms: float) -> float:
    """PSP peak of one parameter set with solve_ivp."""

    def rhs(t, y):
        g_e = (
            p["g_e_scale"]
            * p["g_e_peak_ns"]
            * _waveform(t, p["tau_rise_e_ms"], p["tau_decay_e_ms"])
        )
        g_i = (
            p["g_i_scale"]
            * p["g_i_peak_ns"]
            * _waveform(t - p["delay_i_ms"], p["tau_rise_i_ms"], p["tau_decay_i_ms"])
        )
        v = y[0]
        current = (
            -p["g_l_ns"] * (v - p["v_hold_mv"])
            - g_e * (v - p["e_e_mv"])
            - g_i * (v - p["e_i_mv"])
        )
        return [current / p["c_pf"]]

    t_eval = np.arange(0, duration_ms, 0.025)
    solution = solve_ivp(
        rhs,
        (0, duration_ms),
        [p["v_hold_mv"]],
        method="LSODA",
        rtol=1e-8,
        atol=1e-10,
        t_eval=t_eval,
        max_step=0.5,
    )
    return float(np.max(solution.y[0] - p["v_hold_mv"]))


def brian_peaks(table: pd.DataFrame, defaults: dict, duration_ms: float, dt_ms: float):
    """PSP peaks of every row with one Brian2 NeuronGroup (NumPy target)."""
    import brian2 as b2

    b2.prefs.codegen.target = "numpy"
    b2.start_scope()
    b2.defaultclock.dt = dt_ms * b2.ms
    d = defaults
    lo_e, hi_e = sorted((d["tau_rise_e_ms"], d["tau_decay_e_ms"]))
    lo_i, hi_i = sorted((d["tau_rise_i_ms"], d["tau_decay_i_ms"]))
    norm = {}
    for key, (lo, hi) in {"e": (lo_e, hi_e), "i": (lo_i, hi_i)}.items():
        t_peak = lo * hi / (hi - lo) * np.log(hi / lo)
        norm[key] = np.exp(-t_peak / hi) - np.exp(-t_peak / lo)
    equations = f"""
    dv/dt = (-g_l*(v - v_hold) - g_e*(v - e_e) - g_i*(v - e_i)) / c : volt
    g_e = s_e * {d["g_e_peak_ns"]}*nS * (exp(-t/({hi_e}*ms)) - exp(-t/({lo_e}*ms))) / {norm["e"]} : siemens
    g_i = s_i * {d["g_i_peak_ns"]}*nS * int(t > {d["delay_i_ms"]}*ms) * (exp(-(t - {d["delay_i_ms"]}*ms)/({hi_i}*ms)) - exp(-(t - {d["delay_i_ms"]}*ms)/({lo_i}*ms))) / {norm["i"]} : siemens
    s_e : 1
    s_i : 1
    peak : volt
    """  # noqa: E501
    namespace = {
        "g_l": d["g_l_ns"] * b2.nS,
        "v_hold": d["v_hold_mv"] * b2.mV,
        "e_e": d["e_e_mv"] * b2.mV,
        "e_i": d["e_i_mv"] * b2.mV,
        "c": d["c_pf"] * b2.pF,
    }
    group = b2.NeuronGroup(
        len(table), equations, method="exponential_euler", namespace=namespace
    )
    group.v = d["v_hold_mv"] * b2.mV
    group.peak = 0 * b2.mV
    group.s_e = table["g_e_scale"].to_numpy()
    group.s_i = table["g_i_scale"].to_numpy()
    group.run_regularly("peak = clip(v - v_hold, peak, 1*volt)", when="end")
    network = b2.Network(group)
    network.run(duration_ms * b2.ms, namespace=namespace)
    return np.asarray(group.peak / b2.mV)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=201, help="grid points per axis")
    parser.add_argument(
        "--scipy-subset",
        type=int,
        default=40,
        help="parameter sets timed with solve_ivp, then extrapolated",
    )
    parser.add_argument(
        "--skip-brian", action="store_true", help="skip the Brian2 peer"
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median)")
    args = parser.parse_args()

    numba.set_num_threads(1)
    model = redundancy.get_model("ei_psp")
    n = args.points**2
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numba {numba.__version__}, 1 thread"
    )
    map_landscape(
        model,
        "g_i_scale",
        "g_e_scale",
        readout="psp_peak_mv",
        x_range=(0, 1.5),
        y_range=(0, 1.5),
        points=5,
        show_progress=False,
    )
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        landscape = map_landscape(
            model,
            "g_i_scale",
            "g_e_scale",
            readout="psp_peak_mv",
            x_range=(0, 1.5),
            y_range=(0, 1.5),
            points=args.points,
            show_progress=False,
        )
        times.append(time.perf_counter() - start)
    ours = float(np.median(times))
    print(
        f"redundancy ei_psp: {args.points}x{args.points} = {n} sims in {ours:.3f} s "
        f"(median of {args.repeats}; {n / ours:,.0f} sims/s); target < 2 s"
    )

    table = landscape.to_frame()
    defaults = model.defaults()
    rng = np.random.default_rng(0)
    subset = table.iloc[rng.choice(n, size=args.scipy_subset, replace=False)]
    start = time.perf_counter()
    reference = [
        scipy_peak({**defaults, **row}, model.duration_ms)
        for row in subset[["g_e_scale", "g_i_scale"]].to_dict("records")
    ]
    per_sim = (time.perf_counter() - start) / len(subset)
    scipy_total = per_sim * n
    error = np.max(np.abs(np.array(reference) - subset["psp_peak_mv"].to_numpy()))
    print(
        f"scipy solve_ivp:   {per_sim * 1e3:.1f} ms/sim -> {scipy_total:.0f} s for the "
        f"grid (extrapolated); ratio {scipy_total / ours:.0f}x; max |dpeak| "
        f"{error:.2e} mV"
    )

    if not args.skip_brian:
        try:
            start = time.perf_counter()
            peaks = brian_peaks(table, defaults, model.duration_ms, model.dt_ms)
            brian = time.perf_counter() - start
            error = np.max(np.abs(peaks - table["psp_peak_mv"].to_numpy()))
            print(
                f"brian2 (numpy):    {brian:.2f} s; ratio {brian / ours:.1f}x; max "
                f"|dpeak| {error:.2e} mV (sampled peak, no refinement)"
            )
        except ImportError:
            print("brian2 not installed: pip install 'redundancy[bench]'")


if __name__ == "__main__":
    main()
