"""Entry points: find a form (file or bundled name), read it with its translation files, build it,
check it.

`load_*` raise one InputError carrying every error; `check_instrument` returns all problems.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from helpseek.languages import TranslationFile, canonical_code, check_translation
from helpseek.problems import InputError, Location, Problem, near_miss, problem

from .build import build_instrument
from .check import check_logic
from .completeness import completeness_problems
from .conformance import pyxform_problems
from .model import Instrument
from .read import Sheets, read_xlsform
from .translations import (
    apply_translations,
    form_id_of,
    read_translation_dir,
    source_entries,
    source_language,
    translations_dir,
)
from .yamlform import read_yaml_form, yaml_to_sheets

BUNDLED_DIR = Path(__file__).parent / "bundled"
YAML_SUFFIXES = (".yaml", ".yml")


def bundled_instruments() -> list[str]:
    """Names of the questionnaires shipped with helpseek (the YAML files in instrument/bundled/)."""
    if not BUNDLED_DIR.is_dir():
        return []
    return sorted(p.stem for p in BUNDLED_DIR.iterdir() if p.suffix in YAML_SUFFIXES)


def resolve_source(source: str | Path) -> Path:
    """A path to a form file, or the bundled form of that name; InputError when neither exists."""
    path = Path(source)
    if path.is_file():
        return path
    for suffix in YAML_SUFFIXES:
        bundled = BUNDLED_DIR / f"{source}{suffix}"
        if str(source) in bundled_instruments() and bundled.is_file():
            return bundled
    name = str(source)
    hint = near_miss(name, bundled_instruments())
    raise InputError([problem("INSTRUMENT-023", Location(name), name=name, hint=hint)])


def read_base_form(source: str | Path) -> Sheets:
    """Read a form file or bundled name into sheet rows, without its translation files."""
    path = resolve_source(source)
    shown = path.name if path.parent == BUNDLED_DIR else str(source)
    if path.suffix.lower() in YAML_SUFFIXES:
        return read_yaml_form(path, file=shown)
    return read_xlsform(path, file=shown)


def read_translations(source: str | Path, base: Sheets) -> tuple[TranslationFile, ...]:
    """The form's translation files (translations/<form>/<lang>.po); InputError if one is broken."""
    path = resolve_source(source)
    files, problems = read_translation_dir(
        translations_dir(path), form_id_of(base, path.stem), source_language(base)
    )
    if problems:
        raise InputError(problems)
    return files


def read_form(source: str | Path) -> Sheets:
    """Read a form file or bundled name, with its translation files, into sheet rows (no building,
    no checks)."""
    base = read_base_form(source)
    return apply_translations(base, read_translations(source, base))


def instrument_from_sheets(sheets: Sheets) -> Instrument:
    """Build and check; raises InputError with every problem when there is any error."""
    instrument, problems = build_instrument(sheets)
    if instrument is not None:
        problems += check_logic(instrument, sheets)
    if instrument is None or any(p.is_error for p in problems):
        raise InputError(problems)
    return instrument


def load_instrument(source: str | Path) -> Instrument:
    """Load a form file (.xlsx, .xls, .csv, .md, .yaml) or a bundled questionnaire by name.

    >>> load_instrument("help_us_help_you").form_id  # doctest: +SKIP
    'help_us_help_you'
    """
    return instrument_from_sheets(read_form(source))


def instrument_from_markdown(text: str, file: str = "<markdown>") -> Instrument:
    """An Instrument from XLSForm Markdown tables (pyxform's `md=` style, as tests write forms)."""
    return instrument_from_sheets(read_xlsform(text, file=file, markdown=True))


def instrument_from_yaml(text: str, file: str = "<yaml>") -> Instrument:
    """An Instrument from YAML text in the bundled form's shape."""
    return instrument_from_sheets(yaml_to_sheets(text, file))


def check_sheets(sheets: Sheets, *, path: Path | None = None) -> list[Problem]:
    """All problems of read sheets: ours, then pyxform's conversion's."""
    instrument, problems = build_instrument(sheets)
    if instrument is not None:
        problems += check_logic(instrument, sheets)
    return problems + pyxform_problems(sheets, path)


def check_instrument(
    source: str | Path, *, allow_incomplete: Collection[str] | None = None
) -> list[Problem]:
    """Every error and warning of a form file or bundled name; never raises for bad input.

    With `allow_incomplete` (a collection, possibly empty) the completeness gate applies too: a
    language with missing texts is an error (INSTRUMENT-052) unless named there ("*" = any).
    """
    try:
        base = read_base_form(source)
        files = read_translations(source, base)
    except InputError as error:
        return list(error.problems)
    path = resolve_source(source)
    sheets = apply_translations(base, files)
    problems = check_sheets(sheets, path=None if path.suffix.lower() in YAML_SUFFIXES else path)
    problems = _with_file_problems(problems, base, files)
    if allow_incomplete is not None:
        instrument, _ = build_instrument(sheets)
        if instrument is not None:
            problems += completeness_problems(instrument, allow_incomplete, name=str(source))
    return problems


def _with_file_problems(
    problems: list[Problem], base: Sheets, files: tuple[TranslationFile, ...]
) -> list[Problem]:
    """A language from a translation file has its problems named by file and entry: its missing
    texts are TRANSLATE-010 warnings there, not INSTRUMENT-022 warnings on the form's rows."""
    from_files = {f.language for f in files}
    kept = [p for p in problems if not (p.code == "INSTRUMENT-022" and _code(p) in from_files)]
    sources = source_entries(base)
    for translation in files:
        for found in check_translation(sources, translation, for_import=False):
            if found.code == "TRANSLATE-010":
                found = Problem(found.code, found.message, found.location, "warning")
            kept.append(found)
    return kept


def _code(found: Problem) -> str:
    """The language code in an INSTRUMENT-022 location's column (`label::Deutsch (de)`)."""
    column = found.location.column or ""
    if column.startswith("form_title_"):
        return canonical_code(column.removeprefix("form_title_"))
    return canonical_code(column.rsplit("(", 1)[-1].rstrip(")")) if "(" in column else ""
