"""`helpseek pull`: move sealed records and tombstones off the collector into the research archive."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

_DEFAULT_BATCH = 500


def pull(
    db: Annotated[
        str,
        typer.Option(
            "--db", help="The collector's store: sqlite:///responses.db or postgresql+psycopg://…"
        ),
    ],
    into: Annotated[
        str,
        typer.Option(
            "--into",
            help="The research archive: any store helpseek opens (a SQLite file on the offline "
            "machine, or PostgreSQL). Created if it does not exist.",
        ),
    ],
    purge: Annotated[
        bool,
        typer.Option(
            "--purge",
            help="Delete each batch from the collector once its copy in the archive is verified "
            "(SHA-256 of every row). Without it the copies are only marked pulled.",
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Rows copied, verified and purged together.")
    ] = _DEFAULT_BATCH,
) -> None:
    """Copy every sealed record and tombstone from the collector into the archive, verify the
    copies, and with --purge delete them from the collector in the same verified step.

    Nothing is decrypted: no private key is needed. Interrupted at any point (even kill -9), no
    record is lost or copied twice; run the same command again to finish. Sessions in progress
    and resume codes stay on the collector. `export` reads the archive like a collector's store.

    Example: helpseek pull --db sqlite:///responses.db --into sqlite:///archive.db --purge
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.store import open_store
    from helpseek.store import pull as pull_store

    collector = run_or_exit(lambda: open_store(db, must_exist=True))
    try:
        archive = run_or_exit(lambda: open_store(into))
        try:
            result = run_or_exit(
                lambda: pull_store(
                    collector,
                    archive,
                    purge=purge,
                    batch_size=batch_size,
                    progress=_progress_printer(),
                )
            )
        finally:
            archive.close()
    finally:
        collector.close()
    verb = "purged from" if purge else "marked pulled on"
    for name, count in (("sealed records", result.records), ("tombstones", result.tombstones)):
        typer.echo(
            f"{name}: {count.read:,} read, {count.copied:,} copied, {count.already:,} already in "
            f"the archive, {count.verified:,} verified (SHA-256), {count.removed:,} {verb} "
            "the collector"
        )


def _progress_printer():  # type: ignore[no-untyped-def]
    """A progress callback: a rich bar on a terminal, else one plain line per batch (stderr)."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        bar = Progress(
            TextColumn("Pulling"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        bar.start()
        task = bar.add_task("pull", total=None)

        def show(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            if done >= total:
                bar.stop()

        return show

    def say(done: int, total: int) -> None:
        print(f"pull: {done:,}/{total:,} rows copied and verified", file=sys.stderr, flush=True)

    return say
