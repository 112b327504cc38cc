"""Sheet rows -> Instrument, in named stages: languages, settings, choices, questions, pages, extras.

Each stage appends Problems instead of raising, so the author sees every problem in one round;
`build_instrument` returns the Instrument (None when an error makes one impossible) and them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import cast

from helpseek.problems import Location, Problem, near_miss, problem

from .model import (
    Choice,
    HelpResource,
    Instrument,
    Language,
    Page,
    Question,
    QuestionType,
    Translations,
)
from .read import Row, Sheets
from .types import TypeInfo, parse_type

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_TRANSLATED = re.compile(r"^(?P<base>[^:]+?)\s*::\s*(?P<lang>.+)$")
_LANG = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[^()]+)\)\s*$")
DEFAULT_CODE = "default"
YES = frozenset({"yes", "true", "true()"})
NO = frozenset({"no", "false", "false()"})

SURVEY_TRANSLATED = ("label", "hint", "constraint_message", "required_message")
SURVEY_PLAIN = (
    "type", "name", "required", "relevant", "constraint", "calculation", "choice_filter",
    "default", "parameters", "appearance", "battery",
)  # fmt: skip
SURVEY_ALIASES = {
    "relevance": "relevant", "caption": "label", "calculate": "calculation",
    "constraining_message": "constraint_message", "requiredmsg": "required_message",
    "constraint message": "constraint_message", "required message": "required_message",
}  # fmt: skip
# Columns that only make sense for features we refuse; naming them helps the author.
SURVEY_REFUSED = {
    "image": "media (images, audio, video) in questions",
    "big-image": "media (images, audio, video) in questions",
    "audio": "media (images, audio, video) in questions",
    "video": "media (images, audio, video) in questions",
    "repeat_count": "repeats",
    "trigger": "triggers",
}  # fmt: skip
SURVEY_IGNORED = ("guidance_hint", "read_only", "readonly", "autoplay", "label_other")
OTHER_LABELS = {
    "en": "Other", "es": "Otro", "ru": "Другое", "de": "Sonstiges", "pt": "Outro", "fi": "Muu",
    "ar": "أخرى", "fr": "Autre",
}  # fmt: skip
SPECIFY_OTHER = {
    "en": "Specify other.", "es": "Especifique otro.", "ru": "Уточните другое.",
    "de": "Bitte angeben.", "pt": "Especifique outro.", "fi": "Tarkenna muu.",
    "ar": "حدد غير ذلك.", "fr": "Précisez autre.",
}  # fmt: skip


@dataclass
class _Group:
    name: str
    relevant: str | None
    is_field_list: bool
    label: Translations
    row: int


@dataclass
class _Context:
    """What the stages share: the sheets, the languages, and the problems found so far."""

    sheets: Sheets
    problems: list[Problem] = field(default_factory=list)
    languages: tuple[Language, ...] = ()
    plain_code: str = DEFAULT_CODE
    names: dict[str, int] = field(default_factory=dict)

    def add(self, code: str, sheet: str, row: int | None, at: str | None, **fields: object) -> None:
        where = Location(self.sheets.file, sheet, row, at)
        self.problems.append(problem(code, where, "error", **fields))

    def warn(
        self, code: str, sheet: str, row: int | None, at: str | None, **fields: object
    ) -> None:
        where = Location(self.sheets.file, sheet, row, at)
        self.problems.append(problem(code, where, severity="warning", **fields))

    def translations(self, cells: Mapping[str, str], base: str) -> Translations:
        """`base` and `base::Name (code)` cells -> Translations keyed by code."""
        texts: dict[str, str] = {}
        if cells.get(base):
            texts[self.plain_code] = cells[base]
        for column, text in cells.items():
            parsed = split_translated(column)
            if parsed and parsed[0] == base and text:
                texts[parsed[1].code] = text
        return Translations(texts)


def split_translated(column: str) -> tuple[str, Language] | None:
    """'label::English (en)' -> ('label', Language('en', 'English')); plain columns -> None."""
    match = _TRANSLATED.match(column)
    if not match:
        return None
    spec = match.group("lang").strip()
    lang = _LANG.match(spec)
    code, name = (lang.group("code").strip(), lang.group("name").strip()) if lang else (spec, spec)
    return match.group("base").strip().lower(), Language(code, name or code)


def build_instrument(sheets: Sheets) -> tuple[Instrument | None, list[Problem]]:
    """Run every stage; the Instrument is None when the rows cannot make a usable one."""
    context = _Context(sheets)
    settings = {
        k.lower(): v for k, v in (sheets.settings[0].cells if sheets.settings else {}).items()
    }
    _languages(context, settings)
    if not sheets.survey or not any(row.cells for row in sheets.survey):
        context.add(
            "INSTRUMENT-002", "survey", None, None, sheets=", ".join(sheets.sheet_names) or "none"
        )
        return None, context.problems
    choices = _choices(context)
    questions, pages = _questions(context, choices)
    instrument = Instrument(
        form_id=settings.get("form_id") or settings.get("id_string") or _stem(sheets.file),
        version=settings.get("version", ""),
        title=_title(context, settings),
        default_language=_default_code(context, settings),
        languages=context.languages,
        questions=tuple(questions),
        pages=tuple(pages),
        help_resources=_help(context),
        source=sheets.file,
        inconsistencies=_checks(context),
        inconsistency_messages=_check_messages(context),
        batteries=_batteries(sheets, questions),
    )
    return instrument, context.problems


def _stem(file: str) -> str:
    stem = re.split(r"[\\/]", file)[-1].rsplit(".", 1)[0]
    return stem if NAME.match(stem) else "data"


# --- stage: languages and settings ---------------------------------------------------------------


def _languages(context: _Context, settings: Mapping[str, str]) -> None:
    found: dict[str, Language] = {}
    uses_plain = False
    for sheet in ("survey", "choices", "settings", "help", "checks"):
        for column in context.sheets.headers.get(sheet, ()):
            parsed = split_translated(column)
            if parsed:
                found.setdefault(parsed[1].code, parsed[1])
            elif column.lower() in ("label", "hint", "description", "message"):
                uses_plain = True
    default = _language_code(settings.get("default_language", ""), found)
    if default and default not in found:
        found[default] = Language(default, default)
    if uses_plain:
        context.plain_code = default or DEFAULT_CODE
        found.setdefault(context.plain_code, Language(context.plain_code, context.plain_code))
    rtl = set(settings.get("rtl", "").split())
    machine = set(settings.get("machine_translated", "").split())
    for flag, codes in (("rtl", rtl), ("machine_translated", machine)):
        for code in sorted(codes - set(found)):
            context.add(
                "INSTRUMENT-017",
                "settings",
                2,
                flag,
                lang_code=code,
                languages=", ".join(found) or "none",
            )
    order = sorted(found.values(), key=lambda lang: lang.code != default)
    context.languages = tuple(
        replace(lang, is_rtl=lang.code in rtl, is_machine_translated=lang.code in machine)
        for lang in order
    )


def _title(context: _Context, settings: Mapping[str, str]) -> Translations:
    """`form_title` is in the default language; `form_title_<code>` holds the others (pyxform
    refuses `form_title::...` columns, see yamlform.py)."""
    default = _default_code(context, settings)
    texts = {default: settings["form_title"]} if settings.get("form_title") else {}
    for lang in context.languages:
        if settings.get(f"form_title_{lang.code}"):
            texts[lang.code] = settings[f"form_title_{lang.code}"]
    return Translations(texts)


def _language_code(spec: str, found: Mapping[str, Language]) -> str:
    """default_language may be 'English (en)', 'en' or 'English'."""
    spec = spec.strip()
    if not spec:
        return ""
    match = _LANG.match(spec)
    if match:
        return match.group("code").strip()
    for lang in found.values():
        if spec in (lang.code, lang.name):
            return lang.code
    return spec


def _default_code(context: _Context, settings: Mapping[str, str]) -> str:
    codes = [lang.code for lang in context.languages]
    code = _language_code(
        settings.get("default_language", ""), {c.code: c for c in context.languages}
    )
    return code or (codes[0] if codes else DEFAULT_CODE)


# --- stage: choices --------------------------------------------------------------------------------


def _choices(context: _Context) -> dict[str, tuple[Choice, ...]]:
    lists: dict[str, list[Choice]] = {}
    for row in context.sheets.choices:
        cells = {_choice_column(k): v for k, v in row.cells.items()}
        if not cells:
            continue
        list_name, name = cells.get("list_name", ""), cells.get("name") or cells.get("value", "")
        if not list_name or not name:
            missing = "list_name" if not list_name else "name"
            context.add("INSTRUMENT-003", "choices", row.number, missing, column=missing)
            continue
        existing = lists.setdefault(list_name, [])
        if any(c.name == name for c in existing):
            context.add("INSTRUMENT-010", "choices", row.number, "name", name=name, list=list_name)
            continue
        extra = {
            k: v
            for k, v in cells.items()
            if k not in ("list_name", "name", "value")
            and split_translated(k) is None
            and k.lower() != "label"
        }
        location = Location(context.sheets.file, "choices", row.number)
        existing.append(Choice(name, context.translations(cells, "label"), extra, location))
    return {name: tuple(items) for name, items in lists.items()}


def _choice_column(column: str) -> str:
    """list_name, name and label are matched case-insensitively; other columns keep their case
    because choice filters refer to them by name."""
    lowered = column.strip().lower()
    if lowered in ("list name", "list_name"):
        return "list_name"
    if lowered in ("name", "value", "label"):
        return lowered
    return column


# --- stage: questions ------------------------------------------------------------------------------


def _normalise(cells: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for column, text in cells.items():
        parsed = split_translated(column)
        base = parsed[0] if parsed else column.strip().lower()
        base = SURVEY_ALIASES.get(base, base)
        out[f"{base}::{column.split('::', 1)[1]}" if parsed else base] = text
    return out


def _questions(
    context: _Context, choices: Mapping[str, tuple[Choice, ...]]
) -> tuple[list[Question], list[Page]]:
    questions: list[Question] = []
    stack: list[_Group] = []
    for row in context.sheets.survey:
        cells = _normalise(row.cells)
        if not cells:
            continue
        _check_columns(context, row, cells)
        kind = parse_type(cells.get("type", ""))
        if kind.problem:
            context.add(
                kind.problem,
                "survey",
                row.number,
                "type",
                type=cells.get("type", ""),
                feature=kind.feature,
                reason=kind.reason,
                hint=near_miss(cells.get("type", ""), kind.suggestions),
            )
            continue
        if kind.base == "end group":
            if not stack:
                context.add("INSTRUMENT-009", "survey", row.number, "type")
            else:
                stack.pop()
            continue
        name = cells.get("name", "")
        if not _valid_name(context, row, name):
            continue
        if kind.base == "begin group":
            stack.append(
                _Group(
                    name,
                    cells.get("relevant"),
                    "field-list" in cells.get("appearance", "").split(),
                    context.translations(cells, "label"),
                    row.number,
                )
            )
            continue
        questions.extend(_question(context, row, cells, kind, stack, choices))
    for group in stack:
        context.add("INSTRUMENT-008", "survey", group.row, "type", name=group.name)
    return questions, _pages(questions, context)


def _valid_name(context: _Context, row: Row, name: str) -> bool:
    if not name:
        context.add("INSTRUMENT-003", "survey", row.number, "name", column="name")
        return False
    if not NAME.match(name):
        context.add("INSTRUMENT-011", "survey", row.number, "name", name=name)
        return False
    if name in context.names:
        context.add(
            "INSTRUMENT-006", "survey", row.number, "name", name=name, first_row=context.names[name]
        )
        return False
    context.names[name] = row.number
    return True


def _check_columns(context: _Context, row: Row, cells: Mapping[str, str]) -> None:
    known = set(SURVEY_PLAIN) | set(SURVEY_TRANSLATED) | set(SURVEY_IGNORED)
    for column in cells:
        base = column.split("::")[0]
        if base in SURVEY_REFUSED or base.startswith("media"):
            feature = SURVEY_REFUSED.get(base, "media (images, audio, video) in questions")
            context.add(
                "INSTRUMENT-005",
                "survey",
                row.number,
                column,
                feature=feature,
                reason="respondent pages carry no media and no repeats",
            )
        elif base not in known and not base.startswith(("instance::", "bind::", "body::")):
            context.warn(
                "INSTRUMENT-019",
                "survey",
                row.number,
                column,
                column=column,
                hint=near_miss(base, known),
            )


def _question(
    context: _Context,
    row: Row,
    cells: Mapping[str, str],
    kind: TypeInfo,
    stack: list[_Group],
    choices: Mapping[str, tuple[Choice, ...]],
) -> list[Question]:
    name = cells["name"]
    options: tuple[Choice, ...] = ()
    if kind.list_name is not None:
        options = choices.get(kind.list_name, ())
        if not options:
            context.add(
                "INSTRUMENT-007",
                "survey",
                row.number,
                "type",
                list=kind.list_name,
                hint=near_miss(kind.list_name, choices),
            )
        # pyxform adds an "other" option only when the list has none (it keeps the list's own,
        # translated one), and so do we.
        if kind.or_other and not any(c.name == "other" for c in options):
            options += (Choice("other", _other_label(context, OTHER_LABELS)),)
    if kind.base == "calculate" and not cells.get("calculation"):
        context.add("INSTRUMENT-003", "survey", row.number, "calculation", column="calculation")
    question = Question(
        name=name,
        type=cast(QuestionType, kind.base),
        label=context.translations(cells, "label"),
        hint=context.translations(cells, "hint"),
        list_name=kind.list_name,
        choices=options,
        has_other=kind.or_other,
        required=_required(cells.get("required")),
        required_message=context.translations(cells, "required_message"),
        relevant=cells.get("relevant"),
        group_relevant=tuple(g.relevant for g in stack if g.relevant),
        constraint=cells.get("constraint"),
        constraint_message=context.translations(cells, "constraint_message"),
        calculation=cells.get("calculation"),
        choice_filter=cells.get("choice_filter"),
        default=cells.get("default"),
        is_randomized=_randomized(context, row, cells.get("parameters", "")),
        appearance=cells.get("appearance"),
        group_path=tuple(g.name for g in stack),
        location=Location(context.sheets.file, "survey", row.number),
    )
    if not kind.or_other:
        return [question]
    other_name = f"{name}_other"
    if other_name in context.names:
        context.add(
            "INSTRUMENT-006",
            "survey",
            row.number,
            "name",
            name=other_name,
            first_row=context.names[other_name],
        )
    context.names.setdefault(other_name, row.number)
    other = Question(
        name=other_name,
        type="text",
        label=_other_label(context, SPECIFY_OTHER),
        relevant=f"selected(${{{name}}}, 'other')",
        group_relevant=question.group_relevant,
        group_path=question.group_path,
        location=question.location,
    )
    return [question, other]


def _other_label(context: _Context, texts: Mapping[str, str]) -> Translations:
    return Translations(
        {lang.code: texts.get(lang.code, texts["en"]) for lang in context.languages}
        or {DEFAULT_CODE: texts["en"]}
    )


def _required(text: str | None) -> str | None:
    """'yes'/'TRUE'/'true()' -> 'yes'; 'no'/'false' or empty -> None; anything else is an expression."""
    if text is None or text.strip().lower() in NO or not text.strip():
        return None
    return "yes" if text.strip().lower() in YES else text.strip()


def _randomized(context: _Context, row: Row, parameters: str) -> bool:
    randomized = False
    for pair in re.split(r"[\s,;]+", parameters.strip()):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if key.strip().lower() == "randomize" and value.strip().lower() in YES | NO:
            randomized = value.strip().lower() in YES
        else:
            context.warn("INSTRUMENT-020", "survey", row.number, "parameters", parameter=pair)
    return randomized


# --- stage: pages ----------------------------------------------------------------------------------


def _pages(questions: Iterable[Question], context: _Context) -> list[Page]:
    """A field-list group is one page; any other shown question is its own page."""
    groups = _group_info(context)
    pages: list[Page] = []
    for question in questions:
        if question.type == "calculate":
            continue
        field_list = next((g for g in question.group_path if groups[g].is_field_list), None)
        if field_list is None:
            inner = groups[question.group_path[-1]].label if question.group_path else Translations()
            pages.append(Page(question.name, (question,), inner, question.group_relevant))
            continue
        if pages and pages[-1].id == field_list:
            pages[-1] = replace(pages[-1], questions=pages[-1].questions + (question,))
            continue
        depth = question.group_path.index(field_list) + 1
        relevant = tuple(
            groups[g].relevant for g in question.group_path[:depth] if groups[g].relevant
        )
        pages.append(
            Page(field_list, (question,), groups[field_list].label, cast(tuple[str, ...], relevant))
        )
    return pages


def _group_info(context: _Context) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    for row in context.sheets.survey:
        cells = _normalise(row.cells)
        if parse_type(cells.get("type", "")).base == "begin group" and cells.get("name"):
            groups.setdefault(
                cells["name"],
                _Group(
                    cells["name"],
                    cells.get("relevant"),
                    "field-list" in cells.get("appearance", "").split(),
                    context.translations(cells, "label"),
                    row.number,
                ),
            )
    return groups


# --- stage: help resources, declared checks, batteries -------------------------------------------


def _help(context: _Context) -> tuple[HelpResource, ...]:
    resources = []
    for row in context.sheets.help:
        if not row.cells:
            continue
        missing = [c for c in ("id", "url") if not row.get(c)]
        for column in missing:
            context.add("INSTRUMENT-003", "help", row.number, column, column=column)
        url = row.get("url")
        if url and not re.match(r"^https?://[^\s]+$", url):
            context.add("INSTRUMENT-021", "help", row.number, "url", url=url)
        if not missing:
            resources.append(
                HelpResource(
                    row.get("id"),
                    url,
                    context.translations(row.cells, "label"),
                    context.translations(row.cells, "description"),
                )
            )
    return tuple(resources)


def _checks(context: _Context) -> tuple[tuple[str, str], ...]:
    found = []
    for row in context.sheets.checks:
        if not row.cells:
            continue
        for column in ("name", "expression"):
            if not row.get(column):
                context.add("INSTRUMENT-003", "checks", row.number, column, column=column)
        if row.get("name") and row.get("expression"):
            found.append((row.get("name"), row.get("expression")))
    return tuple(found)


def _check_messages(context: _Context) -> dict[str, Translations]:
    return {
        row.get("name"): context.translations(row.cells, "message")
        for row in context.sheets.checks
        if row.get("name")
    }


def _batteries(sheets: Sheets, questions: Iterable[Question]) -> dict[str, tuple[str, ...]]:
    names = {q.name for q in questions}
    batteries: dict[str, list[str]] = {}
    for row in sheets.survey:
        battery, name = row.get("battery"), row.get("name")
        if battery and name in names:
            batteries.setdefault(battery, []).append(name)
    return {k: tuple(v) for k, v in batteries.items()}
