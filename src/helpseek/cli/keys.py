"""`helpseek keys`: make a research key pair, and print the bare identity for the `age` tool."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from helpseek.cli.passphrase import PassphraseFile, read_passphrase

keys_app = typer.Typer(
    help="Research keys: answers are sealed to the public key; only the private key reads them.",
    no_args_is_help=True,
)


@keys_app.command("new")
def new(
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for public.key and private.key.", file_okay=False),
    ],
    passphrase_file: PassphraseFile = None,
    sensitive: bool = typer.Option(
        False, "--sensitive", help="Stronger passphrase hashing (argon2id, 1 GiB, ~2 s per unlock)."
    ),
) -> None:
    """Make a research key pair: keys/public.key for the server, keys/private.key for you.

    The private key is protected by a passphrase (asked twice). Keep private.key and its
    passphrase OFFLINE, with a backup: without them nobody can read the answers, ever.

    Example: helpseek keys new --out keys/
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.store import write_research_key  # here: loading the store takes half a second

    def make() -> str:
        passphrase = read_passphrase(passphrase_file, confirm=True)
        return write_research_key(
            out, passphrase, "sensitive" if sensitive else "moderate"
        ).public_key

    public_key = run_or_exit(make)
    typer.echo(
        f"Wrote {out / 'public.key'} (give it to the server) and {out / 'private.key'} "
        "(keep it offline, with a backup).",
        err=True,
    )
    typer.echo(public_key)


@keys_app.command("show-identity")
def show_identity(
    private_key: Annotated[
        Path, typer.Option("--private-key", help="The private.key file.", dir_okay=False)
    ],
    passphrase_file: PassphraseFile = None,
) -> None:
    """Print the bare age identity (AGE-SECRET-KEY-1...) so that `age -d -i` can open records.

    Anyone who sees this line can read every answer: write it only to a file you delete after
    use, never to the server.

    Example: helpseek keys show-identity --private-key keys/private.key > id.txt
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.store import load_private_key

    identity = run_or_exit(lambda: load_private_key(private_key, read_passphrase(passphrase_file)))
    typer.echo(
        "warning: the line below is your UNPROTECTED private key. Anyone who sees it can read "
        "every answer. Delete the copy (e.g. shred -u id.txt) when done.",
        err=True,
    )
    typer.echo(identity.secret)
