"""Exceptions that the command line reports as one-line errors without a traceback."""

from __future__ import annotations

__all__ = ["InputError", "RedundancyError"]


class RedundancyError(Exception):
    """Base class of the package's own errors."""


class InputError(RedundancyError, ValueError):
    """Invalid user input: a study file, a CSV table, a command-line value.

    The message names the offending value and says how to fix it.
    """
