"""`helpseek invite check | serve | stats`: the search-term filter, a demo front end, the funnel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# Other imports are inside the commands: cli/main.py imports this module, and the funnel's
# matplotlib should load only for `stats`.

invite_app = typer.Typer(
    help="The invitation: search-term filter, help + survey interstitial, click funnel.",
    no_args_is_help=True,
)


@invite_app.command("check")
def check(
    query: Annotated[str, typer.Argument(help="The search query to test.")],
    terms: Annotated[
        Path, typer.Option("--terms", help="Term list: one term or phrase a line, # comments.")
    ],
    max_query_chars: Annotated[
        int | None,
        typer.Option(help="Refuse longer queries (default: the matcher's, 512 characters)."),
    ] = None,
) -> None:
    """Does QUERY match the term list? Prints "match: <entry>" (exit 0) or "no match" (exit 1).

    Example: helpseek invite check --terms terms.txt "tokenalpha placeholder"
    """
    from helpseek.cli.main import run_or_exit

    # Imported here: the invite package loads SQLAlchemy, which other commands need not wait for.
    from helpseek.invite.match import DEFAULT_MAX_QUERY_CHARS, TermMatcher, read_terms

    def run() -> str | None:
        for warning in read_terms(terms)[1]:
            if not warning.is_error:
                typer.echo(str(warning), err=True)
        matcher = TermMatcher(terms, max_query_chars=max_query_chars or DEFAULT_MAX_QUERY_CHARS)
        hit = matcher.match(query)
        return None if hit is None else hit.entry

    entry = run_or_exit(run)
    if entry is None:
        typer.echo("no match")
        raise typer.Exit(1)
    typer.echo(f"match: {entry}")


@invite_app.command("serve")
def serve(
    config: Annotated[
        Path, typer.Option("--config", help="invite.yaml: terms, languages, variants, targets.")
    ],
    db: Annotated[
        str,
        typer.Option(
            "--db",
            help="Counters database, e.g. sqlite:///invite.db (else database: in invite.yaml).",
        ),
    ] = "",
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8090,
) -> None:
    """Run a demo search front end with the interstitial: matching searches get the help page.

    Example: helpseek invite serve --config invite.yaml --db sqlite:///invite.db --port 8090
    """
    import uvicorn

    from helpseek.cli.main import run_or_exit
    from helpseek.invite import InviteMiddleware, load_config
    from helpseek.invite.demo import demo_search_app

    app = run_or_exit(lambda: InviteMiddleware(demo_search_app, load_config(config), db=db or None))
    typer.echo(f"Demo search on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    # No access log: request lines would carry search queries.
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False,
                date_header=False, log_level="warning")  # fmt: skip


@invite_app.command("stats")
def stats(
    db: Annotated[str, typer.Option("--db", help="Counters database, e.g. sqlite:///invite.db.")],
    out: Annotated[
        Path,
        typer.Option("--out", help="Folder for funnel.json, funnel.csv, funnel.md and funnel.png."),
    ] = Path("funnel"),
    reference: Annotated[
        str, typer.Option(help='Variant to compare the others against (default "neutral").')
    ] = "",
) -> None:
    """Per-variant funnel: impressions, clicks, click-through (Wilson CI), each variant against
    the reference (difference, odds ratio, Fisher p), as JSON, CSV, Markdown and a PNG chart.

    Example: helpseek invite stats --db sqlite:///invite.db --out funnel/
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.invite import open_counts
    from helpseek.invite.funnel import build_funnel
    from helpseek.invite.funnel_files import write_funnel
    from helpseek.problems import InputError, problem

    def run() -> list[Path]:
        rows = list(open_counts(db, must_exist=True).rows())
        if not rows:
            raise InputError([problem("INVITE-012", url=db)])
        return write_funnel(build_funnel(rows, reference or None), out)

    for path in run_or_exit(run):
        typer.echo(str(path))
