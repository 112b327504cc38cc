"""Builds the `helpseek` command. Each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from helpseek import __version__

app = typer.Typer(
    name="helpseek",
    help="Anonymous prevention research on the dark web: questionnaires, collection, analysis.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit(0)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="helpseek")


if __name__ == "__main__":
    sys.exit(main())
