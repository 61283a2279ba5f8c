"""Models: the model interface, user-function models, the registry and built-ins."""

from redundancy.models.base import STATUS_FAILED, STATUS_OK, BatchResult, Model, Trace
from redundancy.models.function import FunctionModel
from redundancy.models.registry import available_models, get_model, register_model

__all__ = [
    "STATUS_FAILED",
    "STATUS_OK",
    "BatchResult",
    "FunctionModel",
    "Model",
    "Trace",
    "available_models",
    "get_model",
    "register_model",
]
