"""The model registry: look models up by name, built in or registered by a user."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from redundancy.errors import InputError
from redundancy.models.base import Model

__all__ = ["available_models", "check_settings", "get_model", "register_model"]

# Built-in models, imported on first use so that compiling one model's kernels
# never slows down the import of the package.
_BUILTIN: dict[str, str] = {
    "ei_psp": "redundancy.models.ei_psp:EIPSPModel",
    "stg_neuron": "redundancy.models.stg.models:StgNeuron",
    "pyloric": "redundancy.models.stg.models:PyloricNetwork",
    "landscape_redundancy": "redundancy.models.landscapes:RedundancyLandscape",
    "landscape_sloppy": "redundancy.models.landscapes:SloppyLandscape",
    "landscape_dependency": "redundancy.models.landscapes:DependencyLandscape",
    "landscape_islands": "redundancy.models.landscapes:IslandsLandscape",
}

_REGISTERED: dict[str, Callable[..., Model]] = {}


def register_model(name: str, factory: Callable[..., Model] | None = None) -> Any:
    """Register a model factory under ``name``; usable as a decorator.

    The factory is called with the keyword settings given to :func:`get_model`.
    """

    def decorator(func: Callable[..., Model]) -> Callable[..., Model]:
        if name in _BUILTIN:
            raise ValueError(f"{name!r} is a built-in model name; choose another")
        _REGISTERED[name] = func
        return func

    return decorator(factory) if factory is not None else decorator


def available_models() -> list[str]:
    """Return the names of all built-in and registered models."""
    return sorted({*_BUILTIN, *_REGISTERED})


def get_model(name: str, **settings: Any) -> Model:
    """Return a new instance of the model called ``name``.

    Args:
        name: a name from :func:`available_models`.
        **settings: model constants passed to the model's constructor
            (for example ``dt_ms`` for a time-stepped model).

    Raises:
        KeyError: if no model has that name; the message lists the names.
    """
    if name in _REGISTERED:
        factory = _REGISTERED[name]
    elif name in _BUILTIN:
        module_name, _, attribute = _BUILTIN[name].partition(":")
        factory = getattr(importlib.import_module(module_name), attribute)
    else:
        raise KeyError(
            f"unknown model {name!r}; available models: {', '.join(available_models())}"
        )
    check_settings(name, factory, settings)
    return factory(**settings)


def check_settings(
    name: str, factory: Callable[..., Model], settings: dict[str, Any]
) -> None:
    """Raise InputError for a setting that the model's constructor does not take."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    parameters = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    accepted = [
        p.name
        for p in parameters
        if p.kind
        in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    unknown = [key for key in settings if key not in accepted]
    if unknown:
        raise InputError(
            f"unknown setting {unknown[0]!r} for model {name!r}; settings: "
            f"{', '.join(accepted) or 'none'}"
        )
