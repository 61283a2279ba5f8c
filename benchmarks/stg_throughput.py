"""Throughput of the compiled pyloric network against mackelab pyloric and Brian 2.

Simulates a batch of draws from the 31-parameter prior of Gonçalves et al.
(2020) at dt = 0.025 ms and prints simulated network-seconds per wall-second
per core, memory per simulation, and the ratios to the peers, all in the same
run and on the same draws. Every timed run is pinned to one core. It then
reports, for one pyloric preset, the largest dt at which the cycle period is
within 1 % of a converged reference, per scheme, with the batch speed there.

Usage::

    .venv/bin/python benchmarks/stg_throughput.py [--n 32] [--seconds 2]
        [--pyloric-python PATH] [--brian2-n 4] [--core 0]

mackelab ``pyloric`` is not on PyPI (the PyPI name is an unrelated
placeholder) and its dependencies (PyTorch, sbi) are not ours, so it runs in
a subprocess under the interpreter of its own environment, given by
``--pyloric-python`` (see ``stg_peer_pyloric.py``). Without that option the
benchmark tries to import it in this process.

References:
    Prinz AA, Bucher D, Marder E (2004). Nat Neurosci 7:1345-1352.
    Gonçalves PJ, et al. (2020). eLife 9:e56261.
    Stimberg M, Brette R, Goodman DFM (2019). Brian 2, an intuitive and
    efficient neural simulator. eLife 8:e47314.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numba
import numpy as np

from redundancy.models.stg import presets
from redundancy.models.stg.kernel import LANES
from redundancy.models.stg.models import PyloricNetwork
from redundancy.models.stg.simulate import IntegrationSettings, run_batch
from redundancy.seeding import stage_rng

DT_MS = 0.025
_PEER_SCRIPT = Path(__file__).with_name("stg_peer_pyloric.py")
_ONE_THREAD = {
    name: "1"
    for name in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMBA_NUM_THREADS",
    )
}


def prior_draws(n: int, seed: int) -> np.ndarray:
    """Return n draws of the 31-parameter prior in natural units."""
    space = presets.pyloric_prior()
    unit = stage_rng(seed, "stg-benchmark").uniform(size=(n, len(space)))
    return space.from_unit(unit)


def split(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return values[:, :24].reshape(-1, 3, 8), values[:, 24:31]


def _memory_mb(field: str) -> float:
    # VmHWM (peak) or VmRSS (current) resident memory of this process in MB.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1e3
    return float("nan")


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def time_ours(
    values: np.ndarray, seconds: float, threads: int, repeats: int = 3
) -> tuple[float, float, float]:
    """Return (best wall s, its CPU s, record MB per simulation, RSS growth MB)."""
    numba.set_num_threads(threads)
    gbar, gsyn = split(values)
    settings = IntegrationSettings(
        dt_ms=DT_MS, duration_ms=seconds * 1e3, transient_ms=0
    )
    run_batch(gbar[:1], gsyn[:1], IntegrationSettings(duration_ms=10, transient_ms=0))
    rss_before = _memory_mb("VmRSS")
    _reset_peak()
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        cpu_start = time.process_time()
        record, _ = run_batch(gbar, gsyn, settings)
        walls.append((time.perf_counter() - start, time.process_time() - cpu_start))
    nbytes = sum(
        getattr(record, name).nbytes
        for name in (
            "spike_times_ms",
            "spike_counts",
            "plateau_intervals_ms",
            "plateau_counts",
            "v_min_mv",
            "v_max_mv",
            "ca_mean_um",
        )
    )
    wall, cpu = min(walls)
    return wall, cpu, nbytes / len(values) / 1e6, _memory_mb("VmHWM") - rss_before


def time_pyloric(
    values: np.ndarray, seconds: float, python: str | None, core: int
) -> dict | None:
    """Run mackelab pyloric on the same draws in a subprocess; return its report.

    The subprocess is pinned to ``core`` with one thread. With ``python`` None
    the current interpreter is used, which works only where pyloric imports.
    """
    interpreter = python or sys.executable
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "values.npy"
        np.save(path, values)
        result = subprocess.run(
            [interpreter, str(_PEER_SCRIPT), str(path), str(seconds), str(DT_MS)],
            capture_output=True,
            text=True,
            env={**os.environ, **_ONE_THREAD},
            preexec_fn=lambda: os.sched_setaffinity(0, {core}),
            check=False,
        )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        print(
            f"pyloric: skipped, {interpreter} could not run it ({last}); pass "
            "--pyloric-python with the interpreter of an environment where "
            "mackelab pyloric is installed"
        )
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_brian2(values: np.ndarray, seconds: float) -> float | None:
    """Return the wall time of a Brian 2 version of the network, or None."""
    try:
        import brian2 as b2
    except Exception as error:  # noqa: BLE001 - any import failure skips the peer
        print(f"brian2: skipped, import failed ({type(error).__name__}: {error})")
        return None
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT_MS * b2.ms
    eqs = """
    dv/dt = -(i_na + i_ca + i_k + i_h + i_leak + i_syn) / (1*uF/cm**2) : volt
    i_na = g_na*m_na**3*h_na*(v - 50*mV) : amp/meter**2
    i_ca = (g_cat*m_cat**3*h_cat + g_cas*m_cas**3*h_cas)*(v - e_ca) : amp/meter**2
    i_k = (g_a*m_a**3*h_a + g_kca*m_kca**4 + g_kd*m_kd**4)*(v + 80*mV) : amp/meter**2
    i_h = g_h*m_h*(v + 20*mV) : amp/meter**2
    i_leak = g_leak*(v + 50*mV) : amp/meter**2
    i_syn : amp/meter**2
    e_ca = 12.2*mV*log(3000*umolar/ca) : volt
    dca/dt = (-14.96*umolar/nA*0.628e-3*cm**2*i_ca - ca + 0.05*umolar)/(200*ms) : mmolar
    u = v/mV : 1
    sig(x, a, b) = 1/(1 + exp((x + a)/b)) : 1
    dm_na/dt = (1/(1+exp((u+25.5)/-5.29)) - m_na)/((2.64 - 2.52/(1+exp((u+120)/-25)))*ms) : 1
    dh_na/dt = (1/(1+exp((u+48.9)/5.18)) - h_na)/(1.34/(1+exp((u+62.9)/-10))*(1.5 + 1/(1+exp((u+34.9)/3.6)))*ms) : 1
    dm_cat/dt = (1/(1+exp((u+27.1)/-7.2)) - m_cat)/((43.4 - 42.6/(1+exp((u+68.1)/-20.5)))*ms) : 1
    dh_cat/dt = (1/(1+exp((u+32.1)/5.5)) - h_cat)/((210 - 179.6/(1+exp((u+55)/-16.9)))*ms) : 1
    dm_cas/dt = (1/(1+exp((u+33)/-8.1)) - m_cas)/((2.8 + 14/(exp((u+27)/10) + exp((u+70)/-13)))*ms) : 1
    dh_cas/dt = (1/(1+exp((u+60)/6.2)) - h_cas)/((120 + 300/(exp((u+55)/9) + exp((u+65)/-16)))*ms) : 1
    dm_a/dt = (1/(1+exp((u+27.2)/-8.7)) - m_a)/((23.2 - 20.8/(1+exp((u+32.9)/-15.2)))*ms) : 1
    dh_a/dt = (1/(1+exp((u+56.9)/4.9)) - h_a)/((77.2 - 58.4/(1+exp((u+38.9)/-26.5)))*ms) : 1
    dm_kca/dt = (ca/(ca + 3*umolar)/(1+exp((u+28.3)/-12.6)) - m_kca)/((180.6 - 150.2/(1+exp((u+46)/-22.7)))*ms) : 1
    dm_kd/dt = (1/(1+exp((u+12.3)/-11.8)) - m_kd)/((14.4 - 12.8/(1+exp((u+28.3)/-19.2)))*ms) : 1
    dm_h/dt = (1/(1+exp((u+75)/5.5)) - m_h)/(2/(exp((u+169.7)/-11.6) + exp((u-26.7)/14.3))*ms) : 1
    g_na : siemens/meter**2
    g_cat : siemens/meter**2
    g_cas : siemens/meter**2
    g_a : siemens/meter**2
    g_kca : siemens/meter**2
    g_kd : siemens/meter**2
    g_h : siemens/meter**2
    g_leak : siemens/meter**2
    """  # noqa: E501
    eqs = "\n".join(
        line for line in eqs.splitlines() if not line.strip().startswith("sig(")
    )
    gbar, gsyn = split(values)
    n = len(values)
    cells = b2.NeuronGroup(3 * n, eqs, method="exponential_euler")
    cells.v = -50 * b2.mV
    cells.ca = 0.05 * b2.umolar
    cells.h_na = cells.h_cat = cells.h_cas = cells.h_a = 1
    for j, name in enumerate(("na", "cat", "cas", "a", "kca", "kd", "h", "leak")):
        setattr(cells, f"g_{name}", gbar[:, :, j].ravel() * b2.msiemens / b2.cm**2)
    syn_eqs = """
    ds/dt = (s_inf - s)*k_minus/(1 - s_inf + 1e-12) : 1 (clock-driven)
    s_inf = 1/(1 + exp((-35*mV - v_pre)/(5*mV))) : 1
    g_s : siemens/meter**2
    e_s : volt
    k_minus : 1/second
    i_syn_post = g_s*s*(v_post - e_s) : amp/meter**2 (summed)
    """
    synapses = b2.Synapses(cells, cells, syn_eqs, method="exponential_euler")
    pre_post = [(0, 1), (0, 1), (0, 2), (0, 2), (1, 0), (1, 2), (2, 1)]
    sources = np.concatenate([3 * np.arange(n) + p for p, _ in pre_post])
    targets = np.concatenate([3 * np.arange(n) + q for _, q in pre_post])
    synapses.connect(i=sources, j=targets)
    cholinergic = np.array([0, 1, 0, 1, 0, 0, 0], bool)
    synapses.g_s = (gsyn.T.ravel() * 1e-6 / 0.628e-3) * b2.msiemens / b2.cm**2
    synapses.e_s = np.repeat(np.where(cholinergic, -80.0, -70.0), n) * b2.mV
    synapses.k_minus = np.repeat(np.where(cholinergic, 0.01, 0.025), n) / b2.ms
    network = b2.Network(cells, synapses)
    network.run(1 * b2.ms)
    start = time.perf_counter()
    network.run(seconds * b2.second)
    wall = time.perf_counter() - start
    if not np.all(np.isfinite(cells.v[:])):
        print("brian2: the run produced NaN voltages; its timing is not comparable")
    return wall


def dt_convergence(model_values: dict[str, float], seconds: float) -> None:
    """Print cycle period against dt for both schemes and the 1 % dt."""
    model = PyloricNetwork(duration_ms=seconds * 1e3, transient_ms=1000)
    values = model.space.to_array({k: [v] for k, v in model_values.items()})
    gbar, gsyn = split(values)
    reference_model = PyloricNetwork(
        duration_ms=seconds * 1e3,
        transient_ms=1000,
        dt_ms=0.0025,
        scheme="exp_midpoint",
        gating="exact",
    )
    converged = reference_model.simulate(values)["cycle_period_ms"].iloc[0]
    print(
        f"converged cycle period (exp_midpoint, exact gating, dt 0.0025 ms): "
        f"{converged:.1f} ms"
    )
    for scheme in ("exp_euler", "exp_midpoint"):
        within = None
        for dt in (0.1, 0.05, 0.025, 0.0125, 0.00625):
            candidate = PyloricNetwork(
                duration_ms=seconds * 1e3, transient_ms=1000, dt_ms=dt, scheme=scheme
            )
            numba.set_num_threads(1)
            # One block of identical copies: the speed of a full batch.
            start = time.perf_counter()
            run_batch(
                np.repeat(gbar, LANES, axis=0),
                np.repeat(gsyn, LANES, axis=0),
                candidate.integration,
            )
            wall = time.perf_counter() - start
            period = candidate.simulate(values)["cycle_period_ms"].iloc[0]
            error = abs(period - converged) / converged
            speed = LANES * (seconds + 1.0) / wall
            print(
                f"  {scheme:<13} dt {dt:<8} period {period:8.1f} ms  error "
                f"{100 * error:6.2f} %  {speed:7.1f} network-s/s"
            )
            # The largest dt from which every smaller dt tried is within 1 %.
            if error >= 0.01:
                within = None
            elif within is None:
                within = (dt, speed)
        if within:
            print(
                f"  {scheme}: within 1 % at dt {within[0]} ms and below, "
                f"{within[1]:.1f} network-s per wall-s per core there (batch)"
            )
        else:
            print(f"  {scheme}: not within 1 % at any dt tried")


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"numba {numba.__version__}, numpy {np.__version__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=32, help="prior draws")
    parser.add_argument("--seconds", type=float, default=2.0, help="simulated s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--pyloric-python", default=None, help="interpreter that can import pyloric"
    )
    parser.add_argument(
        "--brian2-n", type=int, default=None, help="draws for Brian 2 (default --n)"
    )
    parser.add_argument("--core", type=int, default=0, help="core for timed runs")
    parser.add_argument("--skip-convergence", action="store_true")
    args = parser.parse_args()

    print(f"machine: {_machine()}")
    os.sched_setaffinity(0, {args.core})
    values = prior_draws(args.n, args.seed)
    simulated = args.n * args.seconds
    neuron_steps = simulated * 1e3 / DT_MS * 3
    wall_1, cpu_1, record_mb, rss_growth = time_ours(values, args.seconds, 1)
    ours = simulated / wall_1
    print(
        f"redundancy pyloric, dt {DT_MS} ms, {args.n} prior draws x {args.seconds} s, "
        f"exponential Euler, tabulated gating, one core:"
    )
    print(
        f"  {wall_1:.3f} s wall, {ours:.1f} network-s per wall-s, "
        f"{1e9 * wall_1 / neuron_steps:.1f} ns per neuron-step "
        f"({1e9 * cpu_1 / neuron_steps:.1f} ns of CPU time)"
    )
    print(
        f"  memory: record {record_mb:.3f} MB per simulation; peak RSS grew "
        f"{rss_growth:.1f} MB over the batch ({rss_growth / args.n:.3f} MB per "
        f"simulation); peak RSS of this process {_memory_mb('VmHWM'):.0f} MB since "
        f"the batch began (compiling the kernel without a cache takes more)"
    )

    peer = time_pyloric(values, args.seconds, args.pyloric_python, args.core)
    if peer is not None:
        wall = float(np.sum(peer["walls_s"]))
        cpu = float(np.sum(peer["cpu_s"]))
        speed = simulated / wall
        print(
            f"pyloric (numpy {peer['numpy']}, pandas {peer['pandas']}), same draws, "
            f"same dt, no noise, one core: {wall:.3f} s wall, {speed:.2f} network-s "
            f"per wall-s, {1e9 * wall / neuron_steps:.0f} ns per neuron-step "
            f"({1e9 * cpu / neuron_steps:.0f} ns of CPU time)"
        )
        growth = peer["rss_peak_mb"] - peer["rss_import_mb"]
        print(
            f"  memory: peak RSS {peer['rss_peak_mb']:.0f} MB, of which "
            f"{growth:.1f} MB above the process after import (one simulation "
            f"of {args.seconds} s at a time)"
        )
        print(
            f"  redundancy / pyloric = {ours / speed:.1f}x per core by wall time, "
            f"{cpu / cpu_1:.1f}x by CPU time"
        )
    brian2_n = args.n if args.brian2_n is None else args.brian2_n
    if brian2_n > 0:
        part = values[:brian2_n]
        wall = time_brian2(part, args.seconds)
        if wall is not None:
            speed = len(part) * args.seconds / wall
            print(
                f"brian2 (numpy target, {len(part)} draws): {wall:.2f} s wall, "
                f"{speed:.2f} network-s per wall-s; redundancy / brian2 = "
                f"{ours / speed:.0f}x per core"
            )
    if not args.skip_convergence:
        dt_convergence(PyloricNetwork().presets()["abpd1_lp3_py1"], 6.0)


if __name__ == "__main__":
    main()
