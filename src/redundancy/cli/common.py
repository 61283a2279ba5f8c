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


def run_app(app: typer.Typer) -> None:
    """Run ``app``; print expected errors as one line and exit with status 2."""
    import pydantic

    try:
        app(standalone_mode=False)
    except SystemExit:
        raise
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
    except typer.Abort:
        print("aborted", file=sys.stderr)
        raise SystemExit(130) from None
    except (
        Exception
    ) as error:  # click usage errors arrive here in standalone_mode=False
        import click

        if isinstance(error, click.ClickException):
            error.show()
            raise SystemExit(error.exit_code) from None
        raise
