"""Functions that run on worker processes; module level so they pickle by name."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd

from redundancy.models.base import Model

__all__ = ["install_model", "simulate_chunk", "simulate_with_installed_model"]

# The model of a process-pool worker, installed once by the pool's initializer
# so it is not pickled again with every chunk.
_installed_model: Model | None = None

# Seconds between checks that the process that started this worker still runs.
_PARENT_POLL_S = 1.0


def _exit_when_orphaned(parent_pid: int) -> None:
    """Exit this process once its parent is gone (its parent pid changes)."""
    while True:
        time.sleep(_PARENT_POLL_S)
        if os.getppid() != parent_pid:
            os._exit(1)


def install_model(model: Model, compute_threads: int = 1) -> None:
    """Keep ``model`` for :func:`simulate_with_installed_model` in this process.

    Also limits Numba's parallel kernels in this worker to ``compute_threads``
    threads: the pool already runs one worker per core, and each worker's
    kernel starting a thread per core would oversubscribe the machine.

    The worker ignores SIGINT, so Ctrl-C in a terminal reaches only the
    sweep's main process, which stops the pool. A daemon thread ends the
    worker within about a second of its parent dying, SIGKILL included.
    """
    global _installed_model
    _installed_model = model
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_when_orphaned,
        args=(os.getppid(),),
        name="exit-when-orphaned",
        daemon=True,
    ).start()
    import numba

    numba.set_num_threads(max(1, min(compute_threads, numba.config.NUMBA_NUM_THREADS)))


def simulate_chunk(model: Model, values: np.ndarray) -> tuple[pd.DataFrame, float]:
    """Simulate an (n, d) array of parameter sets.

    Returns:
        The readout table of :meth:`Model.simulate` (readouts, ``status``,
        ``reason``) and the time it took, in seconds.
    """
    start = time.perf_counter()
    frame = model.simulate(values)
    return frame, time.perf_counter() - start


def simulate_with_installed_model(values: np.ndarray) -> tuple[pd.DataFrame, float]:
    """Run :func:`simulate_chunk` with the model given to :func:`install_model`."""
    if _installed_model is None:
        raise RuntimeError("no model installed in this worker process")
    return simulate_chunk(_installed_model, values)
