"""`helpseek translate`: export a language for a translator, import it back checked, show status."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from helpseek.languages import Review
    from helpseek.translate import Target

# helpseek.translate (instrument: pyxform, lxml) is imported in each command, as in cli/instrument.

translate_app = typer.Typer(
    help="Translations in gettext PO files: export one language for a translator (Poedit, "
    "Weblate, OmegaT, Lokalize or a text editor), import it back after checking it, see how far "
    "each language is.",
    no_args_is_help=True,
)

InstrumentOption = Annotated[
    str,
    typer.Option(
        "--instrument",
        help="A questionnaire: a bundled name (help_us_help_you) or a form file (.xlsx, .yaml...).",
    ),
]
UiOption = Annotated[bool, typer.Option("--ui", help="The survey pages' own strings.")]
InviteOption = Annotated[bool, typer.Option("--invite", help="The invitation page's texts.")]


@translate_app.command("export")
def export(
    lang: Annotated[str, typer.Option("--lang", help="Language code (BCP 47), e.g. el, zh-Hant.")],
    out: Annotated[Path, typer.Option("--out", help="The .po file to write.", dir_okay=False)],
    instrument: InstrumentOption = "",
    ui: UiOption = False,
    invite: InviteOption = False,
) -> None:
    """Write one language of one set of texts as a PO file for a translator.

    Each entry has the English text (msgid), its key (msgctxt), a note saying where it appears
    (page, question, the choice's question) and the current translation (msgstr), empty for a
    new language. An entry whose English changed since it was translated is marked fuzzy.

    Examples:
      helpseek translate export --instrument help_us_help_you --lang el --out el.po
      helpseek translate export --ui --lang el --out ui-el.po
      helpseek translate export --invite --lang el --out invite-el.po
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.translate import write_export

    _one_kind(instrument, ui, invite)
    target = run_or_exit(lambda: _target(instrument, ui, invite))
    written = run_or_exit(lambda: write_export(target, lang, out))
    typer.echo(f"Wrote {written} ({target.title}, {lang})", err=True)


@translate_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The translated .po file.", dir_okay=False)],
    instrument: Annotated[
        str,
        typer.Option(
            "--instrument",
            help="The form file the translation was exported from (not needed for a bundled "
            "questionnaire, the survey pages or the invitation: the file's header names them).",
        ),
    ] = "",
    draft: bool = typer.Option(False, "--draft", help="Mark the language a machine draft."),
    reviewed_on: str = typer.Option(
        "",
        "--reviewed-on",
        help="Mark the language reviewed by a translator on this date (YYYY-MM-DD). No names.",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check only; write nothing."),
) -> None:
    """Check a translated PO file and store it where helpseek reads it.

    Nothing is written unless every entry passes: no missing or extra entries, placeholders, tags
    and web addresses kept, lengths sane, the choices of a list distinct. Every problem names its
    entry (msgctxt) and line. A questionnaire's file goes to translations/<form>/<lang>.po beside
    the form; the survey pages' to web/locale/, the invitation's to invite/locale/.

    Examples:
      helpseek translate import el.po
      helpseek translate import el.po --reviewed-on 2026-12-01
      helpseek translate import study-fr.po --instrument forms/study.xlsx
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.languages import read_translation_file
    from helpseek.translate import import_translation

    review = _review(draft, reviewed_on)
    header = run_or_exit(lambda: read_translation_file(file, file=file.name))
    texts = header.texts
    if instrument:
        target = run_or_exit(lambda: _target(instrument, False, False))
    else:
        target = run_or_exit(lambda: _target_of_header(texts))
    result = run_or_exit(lambda: import_translation(file, target, review=review, dry_run=dry_run))
    for warning in result.warnings:
        typer.echo(str(warning), err=True)
    where = f"stored in {result.path}" if result.path else "checked, nothing written (--dry-run)"
    typer.echo(
        f"{file}: {result.language}, {result.translated}/{result.total} texts, {result.review}; "
        f"{where}",
        err=True,
    )


@translate_app.command("status")
def status(
    lang: str = typer.Option("", "--lang", help="Only this language."),
    instrument: Annotated[
        list[str], typer.Option("--instrument", help="Questionnaires (default: the bundled ones).")
    ] = [],  # noqa: B006 - typer reads the default, it is never mutated
) -> None:
    """List every language of the questionnaires, the survey pages and the invitation: review
    status, texts translated, missing, translated from an older English text, marked fuzzy; then
    (on stderr) the languages helpseek knows that have no file yet.

    Example: helpseek translate status --lang el
    """
    from helpseek.cli.main import run_or_exit
    from helpseek.instrument import bundled_instruments
    from helpseek.languages import endonym, known_codes
    from helpseek.translate import translation_status

    names = instrument or bundled_instruments()
    targets = run_or_exit(
        lambda: (
            [_target(n, False, False) for n in names]
            + [_target("", True, False), _target("", False, True)]
        )
    )
    rows = [r for r in translation_status(targets) if not lang or r.language == lang]
    typer.echo("texts\tlanguage\treview\ttranslated\tmissing\tstale\tfuzzy")
    for row in rows:
        typer.echo(
            f"{row.texts}\t{row.language} {endonym(row.language)}\t{row.review}\t"
            f"{row.translated}/{row.total}\t{row.missing}\t{row.stale}\t{row.fuzzy}"
        )
    for target in targets:
        absent = [c for c in known_codes() if c != target.source_language and c not in target.files]
        shown = [c for c in absent if not lang or c == lang]
        if shown:
            typer.echo(f"{target.texts}: no file yet for {' '.join(shown)}", err=True)


def _one_kind(instrument: str, ui: bool, invite: bool) -> None:
    if sum((bool(instrument), ui, invite)) != 1:
        raise typer.BadParameter("pass exactly one of --instrument NAME, --ui, --invite")


def _target(instrument: str, ui: bool, invite: bool) -> Target:
    from helpseek.translate import instrument_target, invite_target, strings_target
    from helpseek.web.i18n import LOCALE_DIR

    if ui:
        return strings_target(LOCALE_DIR, "ui", "the survey pages' strings")
    if invite:
        return invite_target()
    return instrument_target(instrument)


def _target_of_header(texts: str) -> Target:
    """The texts a file's X-Helpseek-Texts header names: a bundled questionnaire, ui, invite."""
    from helpseek.instrument import bundled_instruments
    from helpseek.problems import InputError, near_miss, problem

    kind, _, name = texts.partition(" ")
    if kind in ("ui", "invite") and not name:
        return _target("", kind == "ui", kind == "invite")
    if kind == "instrument" and name in bundled_instruments():
        return _target(name, False, False)
    hint = near_miss(name, bundled_instruments())
    raise InputError([problem("TRANSLATE-011", name=name or texts, hint=hint)])


def _review(draft: bool, reviewed_on: str) -> Review | None:
    from helpseek.languages import Review
    from helpseek.problems import InputError, problem

    if draft and reviewed_on:
        raise typer.BadParameter("pass --draft or --reviewed-on, not both")
    if draft:
        return Review("machine-draft")
    if not reviewed_on:
        return None
    try:
        return Review("reviewed", date.fromisoformat(reviewed_on))
    except ValueError:
        from helpseek.cli.main import run_or_exit

        def refuse() -> None:
            raise InputError([problem("TRANSLATE-018", value=reviewed_on)])

        run_or_exit(refuse)
        return None
