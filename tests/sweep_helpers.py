"""A cheap model for the sweep tests, at module level so worker processes import it.

``quadratic_model()`` maps three parameters to two readouts with closed-form
values, fails rows on purpose (a raise, a NaN, a worker crash) where the tests
ask for it, and can slow down so a sweep runs long enough to be killed.
"""

from __future__ import annotations

import os
import time

import numpy as np

from redundancy import FunctionModel, Parameter, Readout, register_model

# Rows with x above these values fail on purpose; outside the default bounds.
RAISE_ABOVE = 0.95
NAN_ABOVE = 0.9
# Seconds of sleep per simulated row, read from the environment at call time
# so a test can slow a subprocess sweep down.
DELAY_ENV = "REDUNDANCY_TEST_DELAY_S"
CRASH_ENV = "REDUNDANCY_TEST_CRASH_ABOVE"


def quadratic(values: np.ndarray) -> np.ndarray:
    """Return ``(x^2 + y, x * log10(g))`` per row, failing where the tests ask.

    Raises:
        ValueError: if any row has ``x > RAISE_ABOVE`` (the model isolates it).
    """
    x, y, g = values[:, 0], values[:, 1], values[:, 2]
    delay = float(os.environ.get(DELAY_ENV, "0"))
    if delay:
        time.sleep(delay * len(values))
    crash = os.environ.get(CRASH_ENV)
    if crash is not None and np.any(x > float(crash)):
        os._exit(3)  # a worker process that dies without a Python exception
    if np.any(x > RAISE_ABOVE):
        raise ValueError("x is too large")
    first = x**2 + y
    second = np.where(x > NAN_ABOVE, np.nan, x * np.log10(g))
    return np.column_stack([first, second])


def quadratic_model(upper_x: float = 1.0) -> FunctionModel:
    """Return the test model; ``x`` spans ``[0, upper_x]``."""
    return FunctionModel(
        quadratic,
        [
            Parameter("x", "1", 0.0, upper_x, min(0.5, upper_x)),
            Parameter("y", "mV", -1.0, 1.0, 0.0),
            Parameter("g", "mS/cm^2", 0.1, 100.0, 1.0, "log"),
        ],
        [Readout("square_mv", "mV"), Readout("log_product", "1")],
        name="sweep_quadratic",
    )


register_model("sweep_quadratic", quadratic_model)
