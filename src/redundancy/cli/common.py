"""Helpers shared by the command modules: error reporting and option parsing."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import typer

from redundancy.errors import InputError

__all__ = ["parse_assignments", "run_app", "state"]


@dataclass
class _State:
    debug: bool = False


#: Options of the current process that every command reads.
state = _State()


def parse_assignments(items: list[str] | None, option: str) -> dict[str, float]:
    """Parse ``NAME=VALUE`` strings into a dict of floats.

    Raises:
        InputError: for an item without ``=`` or with a non-numeric value.
    """
    values: dict[str, float] = {}
    for item in items or []:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise InputError(
                f"{option} {item!r}: expected NAME=VALUE, e.g. g_e_scale=0.35"
            )
        try:
            values[name.strip()] = float(text)
        except ValueError:
            raise InputError(
                f"{option} {item!r}: value {text!r} is not a number"
            ) from None
    return values


def _click_exceptions() -> tuple[type[Exception], type[Exception]]:
    """Return the ClickException and Abort classes that Typer raises.

    Typer 0.16 and newer ship their own copy of Click as ``typer._click``;
    older releases use the ``click`` package.
    """
    try:
        from typer._click.exceptions import ClickException
    except ImportError:
        from click.exceptions import ClickException
    return ClickException, typer.Abort


def run_app(app: typer.Typer) -> None:
    """Run ``app``; print expected errors as one line and exit with status 2.

    Usage errors print Click's usage message and exit 2, an interrupt exits
    130, and ``--debug`` shows the traceback of an input error.
    """
    import pydantic

    click_error, abort = _click_exceptions()
    try:
        # Outside standalone mode Typer returns 130 for Ctrl-C instead of raising.
        if app(standalone_mode=False) == 130:
            raise KeyboardInterrupt
    except SystemExit:
        raise
    except (KeyboardInterrupt, abort):
        print("interrupted; rerun the same command to resume", file=sys.stderr)
        raise SystemExit(130) from None
    except click_error as error:
        error.show()
        raise SystemExit(error.exit_code) from None
    except (
        InputError,
        ValueError,
        KeyError,
        FileNotFoundError,
        pydantic.ValidationError,
    ) as error:
        if "--debug" in sys.argv[1:] or state.debug:
            raise
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2) from None
