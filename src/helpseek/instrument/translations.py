"""A questionnaire's translations in files: one gettext PO file per language beside the form.

`forms/study.xlsx` reads `forms/translations/study/<lang>.po`; a bundled questionnaire reads
`instrument/bundled/translations/<name>/<lang>.po`. The form holds the source language (English);
each file is the source of truth for its language, so translators working on different languages
never touch the same file. Each translatable cell has a stable key:

| text | key |
| --- | --- |
| title | `settings/form_title` |
| question, note or group text | `survey/<name>/label`, `.../hint`, `.../required_message`, `.../constraint_message` |
| answer option | `choices/<list>/<name>/label` |
| help service | `help/<id>/label`, `help/<id>/description` |
| declared check (analysts only, optional) | `checks/<name>/message` |

A file's texts become the `::<Endonym> (<code>)` columns of its language (replacing any such
column in the form), its review status the settings `machine_translated` / `reviewed`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from helpseek.languages import (
    SourceEntry,
    TranslationFile,
    canonical_code,
    endonym,
    read_translation_file,
)
from helpseek.problems import InputError, Location, Problem, problem

from .columns import DEFAULT_CODE, LANGUAGE_SPEC, normalise_survey_columns, split_translated
from .model import Language
from .read import Row, Sheets
from .types import parse_type

TRANSLATIONS_FOLDER = "translations"
SURVEY_TEXTS = ("label", "hint", "required_message", "constraint_message")
_WHAT = {
    "label": "its text",
    "hint": "the hint under it",
    "required_message": "the message when it is left unanswered",
    "constraint_message": "the message when an answer is not accepted",
}


@dataclass(frozen=True)
class TextSlot:
    """Where one translatable text lives: its key, sheet, row number and column (without the
    language), the source text, a note for the translator, its group and whether it is optional."""

    key: str
    sheet: str
    row: int
    column: str
    text: str
    context: str
    group: str | None = None
    is_optional: bool = False

    def to_source(self) -> SourceEntry:
        return SourceEntry(self.key, self.text, self.context, self.group, self.is_optional)


def translations_dir(form: Path) -> Path:
    """`forms/study.xlsx` -> `forms/translations/study`."""
    return form.parent / TRANSLATIONS_FOLDER / form.stem


def texts_name(form_id: str) -> str:
    """The `X-Helpseek-Texts` header of a questionnaire's files: `instrument <form_id>`."""
    return f"instrument {form_id}"


def form_id_of(sheets: Sheets, fallback: str) -> str:
    settings = _settings(sheets)
    return settings.get("form_id") or settings.get("id_string") or fallback


def source_language(sheets: Sheets) -> str:
    """The code of the form's default language (what translations translate from)."""
    spec = _settings(sheets).get("default_language", "").strip()
    match = LANGUAGE_SPEC.match(spec)
    if match:
        return canonical_code(match.group("code"))
    codes = list(dict.fromkeys(lang.code for lang in _column_languages(sheets)))
    if spec:
        named = [lang.code for lang in _column_languages(sheets) if lang.name == spec]
        return canonical_code(named[0] if named else spec)
    return codes[0] if codes else DEFAULT_CODE


def text_slots(sheets: Sheets) -> tuple[TextSlot, ...]:
    """Every translatable text of the form that has a source-language text, in sheet order."""
    source = source_language(sheets)
    slots = (
        *_settings_slots(sheets, source),
        *_survey_slots(sheets, source),
        *_choice_slots(sheets, source),
        *_extra_slots(sheets, source),
    )
    return tuple(slot for slot in slots if slot.text.strip())


def source_entries(sheets: Sheets) -> tuple[SourceEntry, ...]:
    return tuple(slot.to_source() for slot in text_slots(sheets))


def inline_translations(sheets: Sheets, language: str) -> dict[str, str]:
    """key -> the form's own text in `language` (its `::Name (code)` columns)."""
    rows = _rows_by_sheet(sheets)
    found = {}
    for slot in text_slots(sheets):
        cells = _cells(slot.sheet, rows[slot.sheet].get(slot.row))
        text = _translated_cell(cells, slot.column, language)
        if text:
            found[slot.key] = text
    return found


def read_translation_dir(
    directory: Path, form_id: str, source: str
) -> tuple[tuple[TranslationFile, ...], list[Problem]]:
    """Every `<lang>.po` in `directory` (none when it does not exist), with what makes one unusable."""
    if not directory.is_dir():
        return (), []
    files, problems = [], []
    for path in sorted(directory.glob("*.po")):
        shown = f"{TRANSLATIONS_FOLDER}/{directory.name}/{path.name}"
        try:
            translation = read_translation_file(path, file=shown)
        except InputError as error:
            problems.extend(error.problems)
            continue
        expected = (canonical_code(path.stem), texts_name(form_id))
        if (translation.language, translation.texts) != expected:
            problems.append(
                problem(
                    "TRANSLATE-007",
                    Location(shown),
                    language=translation.language,
                    texts=translation.texts,
                    expected_language=expected[0],
                    expected_texts=expected[1],
                )
            )
        elif translation.language == source:
            problems.append(problem("TRANSLATE-008", Location(shown), language=source))
        else:
            files.append(translation)
    return tuple(files), problems


def apply_translations(sheets: Sheets, files: tuple[TranslationFile, ...]) -> Sheets:
    """The sheets with each file's language as columns and its review status in the settings."""
    if not files:
        return sheets
    slots = {slot.key: slot for slot in text_slots(sheets)}
    codes = {f.language for f in files}
    source = source_language(sheets)
    added: dict[tuple[str, int], dict[str, str]] = {}
    for translation in files:
        name = endonym(translation.language)
        for key, text in translation.translations().items():
            slot = slots.get(key)
            if slot is None:
                continue  # reported by check_instrument (TRANSLATE-012)
            column = _column(slot, name, translation.language, source)
            added.setdefault((slot.sheet, slot.row), {})[column] = text
    sheets = _with_cells(sheets, codes, added)
    return _with_review_settings(sheets, files)


# --- slots ---------------------------------------------------------------------------------------


def _settings_slots(sheets: Sheets, source: str) -> Iterator[TextSlot]:
    for row in sheets.settings[:1]:
        text = row.get("form_title") or _translated_cell(row.cells, "form_title", source)
        yield TextSlot(
            "settings/form_title",
            "settings",
            row.number,
            "form_title",
            text,
            "The questionnaire's title: the browser tab and the heading of its first page.",
        )


def _survey_slots(sheets: Sheets, source: str) -> Iterator[TextSlot]:
    groups: list[str] = []
    for row in sheets.survey:
        cells = normalise_survey_columns(row.cells)
        name, kind = cells.get("name", ""), parse_type(cells.get("type", ""))
        if kind.base == "end group":
            groups = groups[:-1]
            continue
        if not name:
            continue
        label = _source_text(cells, "label", source)
        what = _describe(name, kind.base, kind.list_name, cells)
        if groups and kind.base != "begin group":
            what += f" in {groups[-1]}"
        if kind.base == "begin group":
            groups.append(f'the group "{name}"' + (f' ("{_short(label, 50)}")' if label else ""))
        for column in SURVEY_TEXTS:
            text = _source_text(cells, column, source)
            context = f"{what}: {_WHAT[column]}."
            if column != "label" and label:
                context += f' The question: "{_short(label)}"'
            yield TextSlot(f"survey/{name}/{column}", "survey", row.number, column, text, context)


def _describe(name: str, base: str, list_name: str | None, cells: Mapping[str, str]) -> str:
    if base == "begin group":
        return f'Page heading (group "{name}")'
    if base == "note":
        return f'Text shown on its own (note "{name}")'
    kind = base + (f" from the list {list_name}" if list_name else "")
    required = ", must be answered" if cells.get("required", "").lower() in ("yes", "true") else ""
    return f'Question "{name}" ({kind}{required})'


def _choice_slots(sheets: Sheets, source: str) -> Iterator[TextSlot]:
    users: dict[str, list[str]] = {}
    for row in sheets.survey:
        cells = normalise_survey_columns(row.cells)
        kind = parse_type(cells.get("type", ""))
        if kind.list_name and cells.get("name"):
            label = _source_text(cells, "label", source)
            users.setdefault(kind.list_name, []).append(f'"{cells["name"]}" ({_short(label, 50)})')
    for row in sheets.choices:
        cells = {_choice_column(k): v for k, v in row.cells.items()}
        list_name, name = cells.get("list_name", ""), cells.get("name") or cells.get("value", "")
        if not list_name or not name:
            continue
        used = "; ".join(users.get(list_name, [])) or "no question"
        context = f'Answer option "{name}" of the list "{list_name}", used by {used}.'
        text = _source_text(cells, "label", source)
        yield TextSlot(
            f"choices/{list_name}/{name}/label", "choices", row.number, "label", text, context,
            group=f"choices/{list_name}",
        )  # fmt: skip


def _extra_slots(sheets: Sheets, source: str) -> Iterator[TextSlot]:
    for row in sheets.help:
        if not row.get("id"):
            continue
        service = f'The help service "{row.get("id")}" ({row.get("url")}), listed on every page'
        for column, what in (("label", "its name"), ("description", "what it offers")):
            text = _source_text(row.cells, column, source)
            yield TextSlot(
                f"help/{row.get('id')}/{column}", "help", row.number, column, text,
                f"{service}: {what}. Keep names of services and organisations as they are known.",
            )  # fmt: skip
    for row in sheets.checks:
        if not row.get("name"):
            continue
        yield TextSlot(
            f"checks/{row.get('name')}/message", "checks", row.number, "message",
            _source_text(row.cells, "message", source),
            f'For analysts only, never shown to respondents (optional): what the answer pattern '
            f'"{row.get("name")}" means.',
            is_optional=True,
        )  # fmt: skip


# --- cells ---------------------------------------------------------------------------------------


def _source_text(cells: Mapping[str, str], column: str, source: str) -> str:
    return _translated_cell(cells, column, source) or cells.get(column, "")


def _translated_cell(cells: Mapping[str, str], column: str, language: str) -> str:
    if column == "form_title":
        return cells.get(f"form_title_{language}", "")
    for key, text in cells.items():
        parsed = split_translated(key)
        if parsed and parsed[0] == column and canonical_code(parsed[1].code) == language:
            return text
    return ""


def _column(slot: TextSlot, name: str, code: str, source: str) -> str:
    if slot.column == "form_title":
        return "form_title" if code == source else f"form_title_{code}"
    return f"{slot.column}::{name} ({code})"


def _cells(sheet: str, row: Row | None) -> Mapping[str, str]:
    if row is None:
        return {}
    if sheet == "survey":
        return normalise_survey_columns(row.cells)
    if sheet == "choices":
        return {_choice_column(k): v for k, v in row.cells.items()}
    return row.cells


def _choice_column(column: str) -> str:
    lowered = column.strip().lower()
    if lowered in ("list name", "list_name"):
        return "list_name"
    parsed = split_translated(column)
    if parsed:
        return column
    return lowered if lowered in ("name", "value", "label") else column


def _is_language_column(column: str, codes: set[str]) -> bool:
    parsed = split_translated(column)
    if parsed is not None:
        return canonical_code(parsed[1].code) in codes
    return any(column == f"form_title_{code}" for code in codes)


def _with_cells(
    sheets: Sheets, codes: set[str], added: Mapping[tuple[str, int], Mapping[str, str]]
) -> Sheets:
    """Drop the form's own columns of the files' languages; add the files' texts."""
    changed: dict[str, tuple[Row, ...]] = {}
    headers = dict(sheets.headers)
    for sheet in ("survey", "choices", "settings", "help", "checks"):
        rows = []
        new_columns: dict[str, None] = {}
        for row in sheets.rows(sheet):
            cells = {k: v for k, v in row.cells.items() if not _is_language_column(k, codes)}
            extra = added.get((sheet, row.number), {})
            cells.update(extra)
            new_columns.update(dict.fromkeys(extra))
            rows.append(Row(row.number, cells))
        changed[sheet] = tuple(rows)
        kept = [c for c in headers.get(sheet, ()) if not _is_language_column(c, codes)]
        headers[sheet] = tuple(kept + sorted(new_columns, key=_column_order))
    return replace(sheets, **changed, headers=headers)


def _column_order(column: str) -> tuple[str, str]:
    parsed = split_translated(column)
    code = parsed[1].code if parsed else column.removeprefix("form_title_")
    return (code.lower(), column)


def _with_review_settings(sheets: Sheets, files: tuple[TranslationFile, ...]) -> Sheets:
    if not sheets.settings:
        return sheets
    row = sheets.settings[0]
    cells = dict(row.cells)
    codes = {f.language for f in files}
    drafts = [c for c in cells.get("machine_translated", "").split() if c not in codes]
    reviewed = [p for p in cells.get("reviewed", "").split() if p.split("=")[0] not in codes]
    for translation in sorted(files, key=lambda f: f.language.lower()):
        if translation.review.reviewed_on:
            reviewed.append(f"{translation.language}={translation.review.reviewed_on.isoformat()}")
        else:
            drafts.append(translation.language)
    for column, values in (("machine_translated", drafts), ("reviewed", reviewed)):
        if values:
            cells[column] = " ".join(values)
        else:
            cells.pop(column, None)
    settings_header = tuple(
        dict.fromkeys(
            [*sheets.headers.get("settings", ()), *(c for c in cells if c not in row.cells)]
        )
    )
    headers = {**sheets.headers, "settings": settings_header}
    return replace(sheets, settings=(Row(row.number, cells), *sheets.settings[1:]), headers=headers)


def _settings(sheets: Sheets) -> dict[str, str]:
    return {k.lower(): v for k, v in (sheets.settings[0].cells if sheets.settings else {}).items()}


def _column_languages(sheets: Sheets) -> Iterator[Language]:
    for sheet in ("survey", "choices", "settings", "help", "checks"):
        for column in sheets.headers.get(sheet, ()):
            parsed = split_translated(column)
            if parsed:
                yield parsed[1]


def _rows_by_sheet(sheets: Sheets) -> dict[str, dict[int, Row]]:
    return {
        sheet: {row.number: row for row in sheets.rows(sheet)}
        for sheet in ("survey", "choices", "settings", "help", "checks")
    }


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
