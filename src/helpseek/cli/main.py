"""Builds the `helpseek` command. Each command group lives in its own module under cli/.

This is the only place that turns HelpseekError into printed problems and an exit code:
1 for bad input, 2 for bad usage; `--debug` adds the traceback.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

import typer

from helpseek import __version__
from helpseek.problems import HelpseekError, InputError

T = TypeVar("T")

app = typer.Typer(
    name="helpseek",
    help="Anonymous prevention research on the dark web: questionnaires, collection, analysis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    _state["debug"] = debug
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


def run_or_exit(action: Callable[[], T]) -> T:
    """Run a core call; print its problems and exit 1 on bad input, never a raw traceback.

    Warnings inside an InputError are printed but only errors decide the exit code.
    """
    try:
        return action()
    except InputError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        if _state["debug"]:
            traceback.print_exc()
        if any(p.is_error for p in error.problems) or not error.problems:
            raise typer.Exit(1) from None
        raise typer.Exit(0) from None
    except HelpseekError as error:
        typer.echo(f"error: {error}", err=True)
        if _state["debug"]:
            traceback.print_exc()
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception:  # noqa: BLE001 - the last resort: a bug message, never a traceback
        if _state["debug"]:
            traceback.print_exc()
        else:
            typer.echo(
                "helpseek hit an unexpected error (a bug). Run again with --debug to see the "
                "traceback, and report it.",
                err=True,
            )
        raise typer.Exit(3) from None


# Command groups register here, one line each.
from helpseek.cli.report import report

app.command("report")(report)
from helpseek.cli.serve import serve, tor_config

app.command("serve")(serve)
app.command("tor-config")(tor_config)
from helpseek.cli.keys import keys_app

app.add_typer(keys_app, name="keys")
from helpseek.cli.export import export

app.command("export")(export)
from helpseek.cli.pull import pull
from helpseek.cli.status import status

app.command("pull")(pull)
app.command("status")(status)
from helpseek.cli.invite import invite_app

app.add_typer(invite_app, name="invite")
from helpseek.cli.instrument import instrument_app

app.add_typer(instrument_app, name="instrument")
from helpseek.cli.translate import translate_app

app.add_typer(translate_app, name="translate")

from helpseek.cli.analyze import analyze, spec_app

app.command("analyze")(analyze)
app.add_typer(spec_app, name="spec")

from helpseek.cli.synth import synth

app.command("synth")(synth)
from helpseek.cli.demo import demo

app.command("demo")(demo)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="helpseek")


if __name__ == "__main__":
    sys.exit(main())
