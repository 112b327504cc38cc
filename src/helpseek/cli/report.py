"""`helpseek report`: results.json (+ invite funnel) -> one self-contained HTML report (+ .docx)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from helpseek.instrument.model import Instrument


def report(
    results: Annotated[
        list[Path],
        typer.Option(
            "--results",
            help="The folder `helpseek analyze --out` wrote (or its results.json). Repeat it to add "
            "further analyses (a second sample, a comparison) after the first, main one.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the HTML report, e.g. report.html.")
    ],
    invite: Annotated[
        Path | None,
        typer.Option(
            "--invite", help="The folder `helpseek invite stats --out` wrote (or its funnel.json)."
        ),
    ] = None,
    docx: Annotated[
        Path | None,
        typer.Option(
            "--docx", help="Also write the report's tables as a Word file, e.g. tables.docx."
        ),
    ] = None,
    instrument: Annotated[
        list[str] | None,
        typer.Option(
            "--instrument",
            help="The questionnaire (bundled name or file) for question labels and the CHERRIES "
            "items about it (pages, items, adaptive questioning, languages). Repeat it when the "
            "further analyses come from other questionnaires; the first is the main one. "
            "Labels recorded by `helpseek analyze` are used without it.",
        ),
    ] = None,
) -> None:
    """Write the study report: one HTML file that works offline and on paper.

    The report has the sample flow, prevalences with CIs, Table 1, Table 2 (univariable and adjusted odds ratios), forest plots, model diagnostics, the second sample and the invitation funnel when present, a methods paragraph, the CHERRIES checklist and a reproducibility footer. It has no JavaScript and loads nothing from the network; figures are inline PNG images.

    Example: helpseek report --results results/ --results programme/ --out report.html --docx tables.docx --instrument help_us_help_you --instrument program_feedback
    """
    from helpseek.cli.main import run_or_exit  # here, not at the top: main imports this module
    from helpseek.report import build_report

    def action() -> Path:
        loaded = [_load_instrument(name) for name in instrument or []]
        with Console(stderr=True).status("Writing the report…"):
            written = build_report(results, out, funnel=invite, docx=docx, instrument=loaded)
        return written.html_path

    path = run_or_exit(action)
    typer.echo(f"report written: {path}")
    if docx is not None:
        typer.echo(f"tables written: {docx}")


def _load_instrument(name_or_path: str) -> Instrument:
    from helpseek.instrument import load_instrument

    return load_instrument(name_or_path)
