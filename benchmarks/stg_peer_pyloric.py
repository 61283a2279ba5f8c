"""Time mackelab ``pyloric`` on given parameter sets; run by ``stg_throughput.py``.

This script runs under the interpreter of an environment where mackelab
``pyloric`` (Deistler et al. 2022; the simulator of Gonçalves et al. 2020) is
importable, which need not be ours. It reads an (n, 31) array of parameter
sets (24 maximal conductances in mS/cm^2, then 7 synapses in nS, in the prior
order of Gonçalves et al. 2020). It simulates each one with
``pyloric.simulate`` at the given dt without noise. It prints one JSON object
with the wall and CPU seconds per simulation, the peak resident memory after import
and after the runs, the spike counts per cell (local maxima above -10 mV) and
the package versions.

Usage::

    PYTHON stg_peer_pyloric.py VALUES.npy SECONDS DT_MS

References:
    Gonçalves PJ, Lueckmann JM, Deistler M, et al. (2020). Training deep
    neural density estimators to identify mechanistic models of neural
    dynamics. eLife 9:e56261.

    Deistler M, Macke JH, Gonçalves PJ (2022). Energy-efficient network
    activity from disparate circuit parameters. PNAS 119:e2207632119.
"""

from __future__ import annotations

import json
import platform
import sys
import time


def _memory_mb(field: str) -> float:
    # VmHWM (peak) or VmRSS (current) of this process; unlike ru_maxrss, the
    # peak is not inherited from the parent across exec.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return float(line.split()[1]) / 1e3
    return float("nan")


def main() -> None:
    path, seconds, dt_ms = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])

    import numpy as np
    import pandas as pd
    from pyloric.interface import simulate
    from pyloric.utils import select_names

    values = np.load(path)
    type_names, channel_names = select_names()
    table = values.copy()
    table[:, 24:] = np.log(table[:, 24:] * 1e-6)  # nS -> ln(g / mS)
    frame = pd.DataFrame(table, columns=[type_names, channel_names])

    simulate(frame.iloc[0], t_max=50.0, dt=dt_ms, noise_std=0.0, seed=0)
    rss_import_mb = _memory_mb("VmHWM")
    walls = []
    cpus = []
    spikes = []
    for i in range(len(frame)):
        start = time.perf_counter()
        cpu_start = time.process_time()
        out = simulate(
            frame.iloc[i], t_max=seconds * 1e3, dt=dt_ms, noise_std=0.0, seed=0
        )
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu_start)
        v = out["voltage"]
        peak = (
            (v[:, 1:-1] > -10.0) & (v[:, 1:-1] > v[:, :-2]) & (v[:, 1:-1] >= v[:, 2:])
        )
        spikes.append(peak.sum(axis=1).tolist())
    rss_peak_mb = _memory_mb("VmHWM")
    print(
        json.dumps(
            {
                "walls_s": walls,
                "cpu_s": cpus,
                "rss_import_mb": rss_import_mb,
                "rss_peak_mb": rss_peak_mb,
                "spike_counts": spikes,
                "python": platform.python_version(),
                "numpy": np.__version__,
                "pandas": pd.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
