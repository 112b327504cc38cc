"""`helpseek instrument`: list, check, show and export questionnaires (XLSForm or bundled YAML)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

# helpseek.instrument (pyxform, lxml) is imported in each command: loading it takes half a second
# that the other `helpseek` commands need not wait for.

instrument_app = typer.Typer(
    help="Questionnaires: list the bundled ones, check a form before it goes live, print it, "
    "export it to a spreadsheet.",
    no_args_is_help=True,
)

Source = Annotated[
    str, typer.Argument(help="A form file (.xlsx, .xls, .csv, .md, .yaml) or a bundled name.")
]


@instrument_app.command("list")
def list_instruments() -> None:
    """List the bundled questionnaires: name, version, languages, number of questions.

    Example: helpseek instrument list
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.instrument import bundled_instruments, load_instrument

    for name in bundled_instruments():
        instrument = run_or_exit(partial(load_instrument, name))
        answered = sum(1 for q in instrument.questions if q.is_answered)
        languages = " ".join(instrument.language_codes)
        typer.echo(f"{name}\tversion {instrument.version}\t{answered} questions\t{languages}")


@instrument_app.command("check")
def check(
    source: Source,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    allow_incomplete: Annotated[
        list[str],
        typer.Option(
            "--allow-incomplete",
            help="A language to field although some of its texts are missing (repeat it, or "
            "'*' for any): its gaps become warnings.",
        ),
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
) -> None:
    """Check a questionnaire before it goes live; every problem names file, sheet, row and column.

    Checks names, types, choice lists, every condition and calculation (syntax, unknown names,
    answers from later pages, circular calculations), translations in every language and their
    files, and runs pyxform's own conversion. A language with missing texts is an error
    (INSTRUMENT-052) unless --allow-incomplete names it. Exit status 1 when there is an error.

    Example: helpseek instrument check survey.xlsx --allow-incomplete fr
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.instrument import check_instrument

    allowed = tuple(c.strip() for item in allow_incomplete for c in item.split(",") if c.strip())
    problems = run_or_exit(lambda: check_instrument(source, allow_incomplete=allowed))
    for problem in problems:
        typer.echo(str(problem))
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    typer.echo(f"{source}: {errors} error(s), {warnings} warning(s)", err=True)
    if errors or (strict and warnings):
        raise typer.Exit(1)


@instrument_app.command("show")
def show(
    source: Source,
    lang: str = typer.Option("", "--lang", help="Language code, e.g. es (default: the form's)."),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write an HTML file instead: source and translation side by side in two "
            "columns, page by page (for ethics boards; prints, opens in a word processor).",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Print the questionnaire as readable text, page by page, for translators and ethics boards.

    With --lang (not the default language), every text is shown in the source language and in
    the translation, one under the other, with the language's review status.

    Examples:
      helpseek instrument show help_us_help_you --lang es
      helpseek instrument show help_us_help_you --lang ar --out ethics-ar.html
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.instrument import load_instrument, to_text
    from helpseek.instrument.bilingual import to_html

    instrument = run_or_exit(lambda: load_instrument(source))
    if lang and lang not in instrument.language_codes:
        codes = ", ".join(instrument.language_codes)
        raise typer.BadParameter(
            f'"{lang}" is not a language of {source} ({codes}).', param_hint="--lang"
        )
    if out is None:
        typer.echo(to_text(instrument, lang or None), nl=False)
        return
    if not lang or lang == instrument.default_language:
        raise typer.BadParameter(
            "--out needs --lang with a translated language", param_hint="--lang"
        )
    out.write_text(to_html(instrument, lang), encoding="utf-8")
    typer.echo(f"Wrote {out}", err=True)


@instrument_app.command("export")
def export(
    source: Source,
    out: Annotated[Path, typer.Option("--out", help="The .xlsx file to write.", dir_okay=False)],
) -> None:
    """Write a questionnaire as an XLSForm spreadsheet (.xlsx) to edit in a spreadsheet program.

    Loading the written file gives the same questionnaire. Example:
    helpseek instrument export help_us_help_you --out help_us_help_you.xlsx
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.instrument import load_instrument
    from helpseek.instrument.export import export_xlsx
    from helpseek.instrument.load import read_form

    if out.suffix.lower() != ".xlsx":
        raise typer.BadParameter("the file name must end in .xlsx", param_hint="--out")

    def write() -> Path:
        load_instrument(source)  # refuse to export a form with errors
        return export_xlsx(read_form(source), out)

    typer.echo(f"Wrote {run_or_exit(write)}", err=True)
