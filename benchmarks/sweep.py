"""Population sweep throughput: the Prinz et al. (2003) grid of one STG neuron.

Runs ``run_sweep`` over a seeded random fraction of the 6^8 = 1,679,616-point
grid of the eight maximal conductances of ``stg_neuron`` and prints:

- rows stored per second, and the full grid's time extrapolated from it;
- the overhead against the peer, one ``model.simulate`` call on the same rows
  in this process (the compiled kernel called directly, on as many Numba
  threads as the sweep has workers, with no pickling and no storage);
- database size per million rows;
- resident memory of the sweep (main process plus workers) at several points,
  which must stay flat as the sweep grows;
- with early stop on (the default here), how many of the first
  ``--check-rows`` rows stopped early and how many differ from full runs.

Usage::

    .venv/bin/python benchmarks/sweep.py [--fraction 0.001] [--workers N]
    .venv/bin/python benchmarks/sweep.py --scheme exp_midpoint --dt-ms 0.05
    .venv/bin/python benchmarks/sweep.py --no-early-stop
    .venv/bin/python benchmarks/sweep.py --model function --fraction 0.05

``--model function`` replaces the STG neuron with a cheap FunctionModel with
the same eight parameters and twelve readouts (:func:`cheap_readouts`, about
2 microseconds per row), which measures the sweep machinery alone.

References:
    Prinz AA, Billimoria CP, Marder E (2003). Alternative to hand-tuning
    conductance-based models: construction and analysis of databases of model
    neurons. J Neurophysiol 90:3998-4015.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import threading
import time
from pathlib import Path

import numba
import numpy as np
import psutil

from redundancy import FunctionModel, Model, Parameter, get_model
from redundancy.sampling import Design, GridDesign
from redundancy.seeding import stage_rng
from redundancy.sweep import run_sweep

LEVELS = 6


def cheap_readouts(values: np.ndarray) -> np.ndarray:
    """Return twelve closed-form readouts of eight parameters, per row."""
    total = values.sum(axis=1, keepdims=True)
    return np.hstack([values[:, :6] / (1.0 + total), np.sqrt(values[:, :6])])


def cheap_model() -> FunctionModel:
    """Return the cheap stand-in with the STG neuron's parameter names."""
    names = ["g_na", "g_cat", "g_cas", "g_a", "g_kca", "g_kd", "g_h", "g_leak"]
    uppers = [500.0, 12.5, 10.0, 50.0, 25.0, 125.0, 0.05, 0.05]
    return FunctionModel(
        cheap_readouts,
        [
            Parameter(n, "mS/cm^2", 0.0, u, u / 2)
            for n, u in zip(names, uppers, strict=True)
        ],
        [f"r{i}" for i in range(12)],
        name="cheap_stand_in",
    )


class GridFraction(Design):
    """A seeded random subset of a grid's points, in grid order."""

    sampler = "grid_fraction"

    def __init__(self, grid: GridDesign, count: int, seed: int) -> None:
        super().__init__(grid.space, grid.names)
        rng = stage_rng(seed, "benchmark-fraction")
        self.grid = grid
        self.ids = np.sort(rng.choice(grid.size, size=count, replace=False))

    @property
    def size(self) -> int:
        return len(self.ids)

    def _unit_rows(self, start: int, stop: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _varying_rows(self, start: int, stop: int) -> np.ndarray:
        indices = np.unravel_index(self.ids[start:stop], self.grid.shape)
        return np.column_stack(
            [v[i] for v, i in zip(self.grid.values, indices, strict=True)]
        )

    def settings(self) -> dict[str, object]:
        return {"grid": self.grid.describe(), "count": len(self.ids)}


def direct_seconds(model: Model, values: np.ndarray, workers: int) -> float:
    """Return the wall time of one ``model.simulate`` call on every row.

    This is the compiled kernel called directly: one process, the kernel's own
    parallel loop on ``workers`` Numba threads, no pickling and no storage.
    """
    numba.set_num_threads(max(1, min(workers, numba.config.NUMBA_NUM_THREADS)))
    model.simulate(values[:1])  # load the compiled kernel before timing
    start = time.perf_counter()
    model.simulate(values)
    return time.perf_counter() - start


def early_stop_agreement(model: Model, values: np.ndarray) -> tuple[int, float]:
    """Compare early-stopped runs with full runs of the same rows.

    Returns the number of rows whose activity class differs or whose firing
    rate, burst period, duty cycle or mean calcium differs by more than 1 %,
    and the fraction of rows that stopped early.
    """
    settings = {k: v for k, v in model.settings().items() if k != "early_stop"}
    full_model = get_model(model.name, **{**settings, "early_stop": False})
    full = full_model.simulate(values)
    early = model.simulate(values)
    stopped = np.isfinite(model.record(values).stopped_ms).mean()
    differ = full["activity"].to_numpy() != early["activity"].to_numpy()
    for name in ("firing_rate_hz", "burst_period_ms", "duty_cycle", "ca_mean_um"):
        a = full[name].to_numpy(float)
        b = early[name].to_numpy(float)
        same = (np.isnan(a) & np.isnan(b)) | np.isclose(a, b, rtol=0.01, atol=0.0)
        differ |= ~same
    return int(differ.sum()), float(stopped)


class MemoryMonitor(threading.Thread):
    """Samples the resident memory of this process and its children."""

    def __init__(self, every_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.every_s = every_s
        self.samples: list[tuple[float, float, float]] = []
        self._halt = threading.Event()

    def run(self) -> None:
        me = psutil.Process()
        start = time.perf_counter()
        while not self._halt.is_set():
            main = me.memory_info().rss
            workers = 0
            for child in me.children(recursive=True):
                try:
                    workers += child.memory_info().rss
                except psutil.Error:
                    pass
            self.samples.append((time.perf_counter() - start, main, workers))
            self._halt.wait(self.every_s)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stg_neuron", help="stg_neuron or function")
    parser.add_argument("--fraction", type=float, default=0.001)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk-size", type=int, default=None)
    parser.add_argument("--db", type=Path, default=None, help="database file")
    parser.add_argument(
        "--scheme",
        default="exp_euler",
        help="STG integration scheme: exp_euler or exp_midpoint",
    )
    parser.add_argument("--dt-ms", type=float, default=0.025, help="STG time step (ms)")
    parser.add_argument(
        "--early-stop",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="stop STG runs once silent or periodic (default on; "
        "--no-early-stop runs every model for the full window)",
    )
    parser.add_argument(
        "--check-rows",
        type=int,
        default=1000,
        help="rows run both with and without early stop to compare readouts",
    )
    args = parser.parse_args()

    if args.model == "function":
        model = cheap_model()
    else:
        model = get_model(
            args.model,
            scheme=args.scheme,
            dt_ms=args.dt_ms,
            early_stop=args.early_stop,
        )
        print(
            f"integration: {args.scheme} at dt {args.dt_ms} ms, early stop "
            f"{'on' if args.early_stop else 'off'}, {model.settings()}"
        )
    grid = GridDesign(model.space, LEVELS)
    count = max(2 * args.workers, round(args.fraction * grid.size))
    design = GridFraction(grid, count, seed=0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    print(
        f"model {model.name}: {count} of {grid.size} grid points "
        f"(fraction {count / grid.size:.4g}), {args.workers} workers"
    )
    model.simulate(design.rows(0, 1))  # compile or load the kernel cache once

    folder = Path(tempfile.mkdtemp(prefix="sweep-bench-"))
    db = args.db or folder / "population.duckdb"
    monitor = MemoryMonitor()
    monitor.start()
    summary = run_sweep(
        model,
        design,
        db,
        workers=args.workers,
        chunk_size=args.chunk_size,
        show_progress=False,
    )
    monitor.stop()
    direct = direct_seconds(model, design.rows(), args.workers)

    rate = summary.n_simulated / summary.elapsed_s
    size_mb = db.stat().st_size / 2**20
    print(
        f"sweep: {summary.n_simulated} rows in {summary.elapsed_s:.2f} s = "
        f"{rate:,.0f} rows/s; statuses {summary.status_counts}"
    )
    print(
        f"peer (one model.simulate call, {args.workers} Numba threads, no storage): "
        f"{direct:.2f} s = {count / direct:,.0f} rows/s"
    )
    print(
        f"ratio sweep / peer wall time: {summary.elapsed_s / direct:.3f} "
        f"(overhead {100 * (summary.elapsed_s / direct - 1):+.1f} %)"
    )
    print(
        f"database: {size_mb:.2f} MiB = {size_mb * 1e6 / count:,.0f} MiB per "
        "million rows"
    )
    print(
        f"extrapolated full grid: {grid.size / rate / 3600:.2f} h, "
        f"{size_mb * grid.size / count / 1024:.2f} GiB"
    )
    if args.model != "function" and args.early_stop and args.check_rows > 0:
        rows = design.rows(0, min(args.check_rows, count))
        differ, stopped = early_stop_agreement(model, rows)
        print(
            f"early stop: {stopped:.0%} of {len(rows)} checked rows stopped early; "
            f"{differ} of the {len(rows)} differ from the full run in activity, or "
            "by more than 1 % in firing rate, burst period, duty cycle or mean "
            "calcium"
        )
    samples = np.array(monitor.samples)
    print("resident memory (MiB) at fractions of the sweep's wall time:")
    for quarter in (0.25, 0.5, 0.75, 1.0):
        upto = samples[samples[:, 0] <= quarter * samples[-1, 0]]
        peak_main = upto[:, 1].max() / 2**20
        peak_workers = upto[:, 2].max() / 2**20
        print(f"  {quarter:4.0%}: main {peak_main:7.1f}, workers {peak_workers:7.1f}")


if __name__ == "__main__":
    main()
