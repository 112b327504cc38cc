"""`helpseek export`: decrypt every sealed page offline and write the dataset with its codebook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

from helpseek.cli.passphrase import PassphraseFile, read_passphrase
from helpseek.cli.progress import progress_bars


def export(
    db: Annotated[
        str, typer.Option("--db", help="sqlite:///responses.db or postgresql+psycopg://…")
    ],
    private_key: Annotated[
        Path,
        typer.Option("--private-key", help="Your private.key (from `keys new`).", dir_okay=False),
    ],
    out: Annotated[
        list[Path],
        typer.Option(
            "--out",
            help="Data file to write: .csv, .parquet, .sav (SPSS) or .dta (Stata). Repeat it "
            "for several formats. A codebook (.codebook.json and .codebook.md) is written next to it.",
        ),
    ],
    instrument: Annotated[
        list[str] | None,
        typer.Option(
            "--instrument",
            help="Questionnaire(s) the answers were given on: a bundled name or a "
            "form file. Repeat it for every version fielded. Default: the bundled questionnaire "
            "named like the records' form_id.",
        ),
    ] = None,
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language of variable and value labels (e.g. en).")
    ] = None,
    passphrase_file: PassphraseFile = None,
    skip_unreadable: Annotated[
        bool,
        typer.Option(
            "--skip-unreadable",
            help="Warn about records that do not open with this key and "
            "export the rest (default: stop and list them).",
        ),
    ] = False,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            help="Processes that decrypt at once (default: one per core). Pass 1 on a machine "
            "short of memory; stores under 20,000 records are always decrypted in one.",
        ),
    ] = None,
) -> None:
    """Decrypt every sealed page with the private key and write one row per response.

    Run this on the researchers' offline machine, never on the survey server. The passphrase comes
    from --passphrase-file, HELPSEEK_PASSPHRASE, or a prompt.

    Example: helpseek export --db sqlite:///responses.db --private-key keys/private.key
    --out data.sav --out data.csv --lang en
    """
    # Imported here, not at the top: every `helpseek` command would otherwise load pandas and
    # the store's libraries before it starts.
    from helpseek.cli.main import run_or_exit
    from helpseek.data.export import check_out_paths, export_store
    from helpseek.instrument import load_instrument
    from helpseek.store import load_private_key, open_store

    run_or_exit(lambda: check_out_paths(out))
    # A mistyped --db is refused before the passphrase is asked for, and never created (issue 12).
    store = run_or_exit(lambda: open_store(db, must_exist=True))
    stderr = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    try:
        identity = run_or_exit(
            lambda: load_private_key(private_key, read_passphrase(passphrase_file))
        )
        forms = run_or_exit(lambda: [load_instrument(name) for name in instrument or []])
        with progress_bars(stderr, columns, transient=True) as bar:
            task = bar.add_task("Decrypting records", total=None)
            written = run_or_exit(
                lambda: export_store(
                    store,
                    identity,
                    out,
                    forms,
                    lang,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    on_unreadable=(lambda p: stderr.print(str(p), markup=False, highlight=False))
                    if skip_unreadable
                    else None,
                    processes=processes,
                )
            )
    finally:
        store.close()
    for path in written:
        typer.echo(str(path))
