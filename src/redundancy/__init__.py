"""redundancy: measure redundancy, sloppiness, dependencies and islands in circuit models.

The top-level names are the ones a notebook needs first::

    import redundancy
    model = redundancy.get_model("ei_psp")
    table = model.simulate({"g_e_scale": [1.0, 0.35], "g_i_scale": [1.0, 0.15]})
"""

from importlib.metadata import PackageNotFoundError, version

from redundancy.models import (
    STATUS_FAILED,
    STATUS_OK,
    BatchResult,
    FunctionModel,
    Model,
    Trace,
    available_models,
    get_model,
    register_model,
)
from redundancy.parameters import UNITS, Parameter, ParameterSpace, Readout

try:
    __version__ = version("redundancy")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

__all__ = [
    "STATUS_FAILED",
    "STATUS_OK",
    "UNITS",
    "BatchResult",
    "FunctionModel",
    "Model",
    "Parameter",
    "ParameterSpace",
    "Readout",
    "Trace",
    "__version__",
    "available_models",
    "get_model",
    "register_model",
]
