"""`helpseek status`: what a store holds, by day, without a private key."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer


def status(
    db: Annotated[
        str, typer.Option("--db", help="sqlite:///responses.db or postgresql+psycopg://…")
    ],
) -> None:
    """Count what a store holds without decrypting anything: sealed records and tombstones by the
    day they were stored (and how many a pull copied without purging), open and paused sessions,
    the oldest record not pulled yet, and the store's size.

    Sealed records include the fillers every response holds from its start, so they are not
    pages: only `export`, with the private key, tells pages apart.

    Example: helpseek status --db sqlite:///responses.db
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.store import open_store, store_status

    store = run_or_exit(lambda: open_store(db, must_exist=True))
    try:
        found = run_or_exit(lambda: store_status(store))
        today = store.today()
    finally:
        store.close()
    size = "unknown" if found.size_bytes is None else f"{found.size_bytes / 2**20:,.1f} MiB"
    typer.echo(f"store: {found.url} ({size})")
    typer.echo(
        f"sealed records: {found.records:,} ({found.pulled:,} pulled and kept); "
        f"tombstones: {found.tombstones:,}"
    )
    typer.echo(
        f"session states: {found.open_sessions:,} (in progress, paused or finished in the last "
        "--resume-days; sealed, they look alike); "
        f"paused with a resume code: {found.paused_sessions:,}"
    )
    typer.echo(f"oldest record not pulled: {_age(found.oldest_unpulled, today)}")
    if found.days:
        typer.echo("")
        typer.echo(f"{'stored on':<12}{'records':>10}{'pulled':>10}{'tombstones':>12}")
        for day in found.days:
            typer.echo(
                f"{day.day.isoformat():<12}{day.records:>10,}{day.pulled:>10,}{day.tombstones:>12,}"
            )


def _age(day: date | None, today: date) -> str:
    if day is None:
        return "none (everything stored has been pulled)"
    days = (today - day).days
    return f"{day.isoformat()} ({days} day{'s' if days != 1 else ''} ago)"
