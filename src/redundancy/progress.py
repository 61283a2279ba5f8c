"""Progress bars that count finished work and can be silenced.

The command line's ``--quiet`` switches bars off for the whole process through
:func:`set_progress_default`; Python callers pass ``show_progress`` explicitly.
"""

from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm

__all__ = ["progress_bar", "set_progress_default"]

_show_progress_default = True


def set_progress_default(enabled: bool) -> None:
    """Set whether progress bars are shown when a caller passes ``None``."""
    global _show_progress_default
    _show_progress_default = bool(enabled)


def progress_bar(
    total: int | None,
    description: str,
    *,
    show_progress: bool | None = None,
    unit: str = "sim",
    **kwargs: Any,
) -> tqdm:
    """Return a tqdm bar counting ``total`` items of work on standard error.

    Args:
        total: number of items (simulations, grid points...), or None if unknown.
        description: text shown left of the bar.
        show_progress: True or False to force; None uses the process default.
        unit: name of one item, shown in the throughput.
    """
    enabled = _show_progress_default if show_progress is None else show_progress
    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        unit_scale=True,
        disable=not enabled,
        file=sys.stderr,
        dynamic_ncols=True,
        **kwargs,
    )
