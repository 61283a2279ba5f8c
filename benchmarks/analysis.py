"""Time the table analyses on a synthetic population of 1,000,000 rows.

Each analysis is timed next to a named baseline computed in the same run:

- good set: :func:`redundancy.analysis.good_set` against ``DataFrame.query``;
- redundancy summary: against pandas statistics plus a brute-force
  ``scipy.spatial.distance.cdist`` pair search, timed on a subsample and
  extrapolated quadratically to the full good set (an estimate);
- correlations: against ``DataFrame.corr`` on the good rows; islands is
  timed alone.

Usage::

    python benchmarks/analysis.py [--rows 1000000] [--dimensions 8]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from redundancy import FunctionModel, Parameter
from redundancy.analysis import correlations, good_set, islands, redundancy_summary


def _readouts(x: np.ndarray) -> np.ndarray:
    product = x[:, 0] * x[:, 1]
    total = x[:, 2:].sum(axis=1)
    return np.column_stack([product, total, x[:, 0] / (x[:, 3] + 1.0)])


def _population(
    rows: int, dimensions: int, seed: int
) -> tuple[FunctionModel, pd.DataFrame]:
    parameters = [
        Parameter(f"g{i}", "nS", 0.1, 10.0, 1.0, "log") for i in range(dimensions)
    ]
    model = FunctionModel(_readouts, parameters, ["product", "total", "ratio"])
    values = model.space.from_unit(
        np.random.default_rng(seed).random((rows, dimensions))
    )
    frame = pd.DataFrame(values, columns=model.space.names)
    return model, pd.concat([frame, model.simulate(frame)], axis=1)


def _time(func: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dimensions", type=int, default=8)
    parser.add_argument("--brute-force-rows", type=int, default=5_000)
    arguments = parser.parse_args()

    model, table = _population(arguments.rows, arguments.dimensions, seed=0)
    expression = "product > 0.5 and product < 2 and total > 5"
    print(
        f"{arguments.rows} rows, {arguments.dimensions} parameters; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    )
    rows = []

    ours, good = _time(
        lambda: good_set(table, expression, readouts=model.readout_names)
    )
    baseline, expected = _time(lambda: table.query(expression))
    assert good.size == len(expected)
    rows.append(("good_set", ours, "DataFrame.query", baseline))
    print(f"good set: {good.size} rows ({good.fraction:.1%})")

    ours, summary = _time(
        lambda: redundancy_summary(table, model, expression, with_traces=False)
    )
    sample = good.rows.sample(
        min(arguments.brute_force_rows, good.size), random_state=0
    )

    def brute_force() -> float:
        sample[model.space.names].describe()
        values = sample[model.readout_names].to_numpy()
        scaled = values / np.abs(np.median(values, axis=0))
        close = cdist(scaled, scaled, "chebyshev") <= summary.tolerance
        unit = model.space.to_unit(sample[model.space.names].to_numpy())
        return float(np.where(close, cdist(unit, unit), -1).max())

    sampled_time, _ = _time(brute_force)
    extrapolated = sampled_time * (good.size / len(sample)) ** 2
    rows.append(
        ("redundancy_summary", ours, "cdist pair search (extrapolated)", extrapolated)
    )
    print(
        f"most dissimilar pair: distance {summary.pair.distance:.3f} "
        f"over {summary.anchors} anchors"
    )

    ours, _ = _time(lambda: correlations(table, model.space, good))
    baseline, _ = _time(lambda: good.rows[model.space.names].corr())
    rows.append(("correlations", ours, "DataFrame.corr (marginal only)", baseline))

    ours, _ = _time(lambda: islands(table, model.space, good, method="dbscan"))
    # NOTE: islands has no like-for-like peer here; it is timed alone.
    rows.append(("islands (dbscan)", ours, "none", float("nan")))

    print(f"\n{'analysis':<22}{'ours (s)':>10}  {'baseline':<36}{'(s)':>9}{'ratio':>9}")
    for name, ours_s, label, base_s in rows:
        ratio = ours_s / base_s
        print(f"{name:<22}{ours_s:>10.2f}  {label:<36}{base_s:>9.2f}{ratio:>9.3g}")


if __name__ == "__main__":
    main()
