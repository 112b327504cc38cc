"""`helpseek report`: results.json (+ invite funnel) -> one self-contained HTML report (+ .docx)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def report(
    results: Path = typer.Option(
        ..., "--results", help="The folder `helpseek analyze --out` wrote (or its results.json)."
    ),
    out: Path = typer.Option(..., "--out", help="Where to write the HTML report, e.g. report.html."),
    invite: Path | None = typer.Option(
        None, "--invite", help="The folder `helpseek invite stats --out` wrote (or its funnel.json)."
    ),
    docx: Path | None = typer.Option(
        None, "--docx", help="Also write the report's tables as a Word file, e.g. tables.docx."
    ),
    instrument: str | None = typer.Option(
        None,
        "--instrument",
        help="The questionnaire (bundled name or file) for question labels and the CHERRIES "
        "items about it (pages, items, adaptive questioning, languages).",
    ),
) -> None:
    """Write the study report: one HTML file that works offline and on paper.

    The report has the sample flow, prevalences with CIs, Table 1, Table 2 (univariable and adjusted odds ratios), forest plots, model diagnostics, the second sample and the invitation funnel when present, a methods paragraph, the CHERRIES checklist and a reproducibility footer. It has no JavaScript and loads nothing from the network; figures are inline PNG images.

    Example: helpseek report --results results/ --out report.html --docx tables.docx
    """
    from helpseek.cli.main import run_or_exit  # here, not at the top: main imports this module
    from helpseek.report import build_report

    def action() -> Path:
        loaded = _load_instrument(instrument) if instrument else None
        with Console(stderr=True).status("Writing the report…"):
            written = build_report(results, out, funnel=invite, docx=docx, instrument=loaded)
        return written.html_path

    path = run_or_exit(action)
    typer.echo(f"report written: {path}")
    if docx is not None:
        typer.echo(f"tables written: {docx}")


def _load_instrument(name_or_path: str) -> object:
    from helpseek.instrument import load_instrument  # type: ignore[attr-defined]

    return load_instrument(name_or_path)
