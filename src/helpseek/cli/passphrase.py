"""Where a research key passphrase comes from: --passphrase-file, HELPSEEK_PASSPHRASE, standard input
when it is not a terminal (a pipe), or a prompt.

The passphrase is never taken as a command-line value: it would land in shell history and `ps`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from helpseek.problems import InputError, problem

PASSPHRASE_ENV = "HELPSEEK_PASSPHRASE"

#: The --passphrase-file option, shared by every command that unlocks or makes a private key.
PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help="Read the passphrase from the first line of this file (else HELPSEEK_PASSPHRASE, "
        "else the first line piped to standard input, else a prompt).",
        dir_okay=False,
    ),
]


def read_passphrase(passphrase_file: Path | None, confirm: bool = False) -> str:
    """The passphrase from the file, else the environment, else the terminal (twice if confirm)."""
    if passphrase_file is not None:
        return _from_file(passphrase_file)
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        return _from_pipe(confirm)
    try:
        first = typer.prompt("Passphrase", hide_input=True, err=True)
        if confirm and typer.prompt("Passphrase again", hide_input=True, err=True) != first:
            raise InputError([problem("KEYS-009")])
    except typer.Abort:  # end of input: no terminal and nothing piped in
        raise InputError([problem("CLI-003")]) from None
    if not first:
        raise InputError([problem("CLI-003")])
    return str(first)


def _from_pipe(confirm: bool) -> str:
    """The first line of standard input when it is not a terminal (`printf ... | helpseek ...`).

    getpass would print a GetPassWarning and echo nothing useful here (issue 12). With `confirm`,
    a second line, if one was sent, must repeat the first.
    """
    first = sys.stdin.readline().rstrip("\r\n")
    if not first:
        raise InputError([problem("CLI-003")])
    if confirm:
        second = sys.stdin.readline()
        if second and second.rstrip("\r\n") != first:
            raise InputError([problem("KEYS-009")])
    return first


def _from_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([problem("CLI-001", path=str(path))]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "it is not UTF-8 text"
        raise InputError([problem("CLI-002", path=str(path), reason=reason)]) from None
    lines = text.splitlines()
    if not lines or not lines[0]:
        raise InputError([problem("CLI-003")])
    return lines[0]
