"""Sheet rows -> Instrument, in named stages: languages, settings, choices, questions, pages, extras.

Each stage appends Problems instead of raising, so the author sees every problem in one round;
`build_instrument` returns the Instrument (None when an error makes one impossible) and them all.
The survey sheet's stage (questions and pages) lives in questions.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from helpseek.languages import is_rtl
from helpseek.problems import Location, Problem

from .columns import (
    DEFAULT_CODE,
    LANGUAGE_SPEC,
    NAME,
    TRANSLATABLE,
    YES,
    BuildContext,
    split_translated,
)
from .model import Choice, HelpResource, Instrument, Language, Question, Translations
from .questions import build_questions
from .read import Sheets


def build_instrument(sheets: Sheets) -> tuple[Instrument | None, list[Problem]]:
    """Run every stage; the Instrument is None when the rows cannot make a usable one."""
    context = BuildContext(sheets)
    settings = {
        k.lower(): v for k, v in (sheets.settings[0].cells if sheets.settings else {}).items()
    }
    _languages(context, settings)
    if not sheets.survey or not any(row.cells for row in sheets.survey):
        context.add(
            "INSTRUMENT-002", "survey", None, None, sheets=", ".join(sheets.sheet_names) or "none"
        )
        return None, context.problems
    duplicates_allowed = settings.get("allow_choice_duplicates", "").strip().lower() in YES
    choices = _choices(context, duplicates_allowed)
    questions, pages = build_questions(context, choices)
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


def _languages(context: BuildContext, settings: Mapping[str, str]) -> None:
    found: dict[str, Language] = {}
    uses_plain = False
    for sheet in ("survey", "choices", "settings", "help", "checks"):
        for column in context.sheets.headers.get(sheet, ()):
            parsed = split_translated(column)
            if parsed and parsed[0] in TRANSLATABLE:
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
    reviewed = _reviewed_dates(context, settings.get("reviewed", ""))
    for flag, codes in (("rtl", rtl), ("machine_translated", machine), ("reviewed", set(reviewed))):
        for code in sorted(codes - set(found)):
            context.add(
                "INSTRUMENT-017",
                "settings",
                2,
                flag,
                lang_code=code,
                languages=", ".join(found) or "none",
            )
    for code in sorted(machine & set(reviewed)):
        context.add("INSTRUMENT-051", "settings", 2, "reviewed", lang_code=code)
    order = sorted(found.values(), key=lambda lang: lang.code != default)
    context.languages = tuple(
        replace(
            lang,
            is_rtl=lang.code in rtl or is_rtl(lang.code),
            is_machine_translated=lang.code in machine,
            reviewed_on=reviewed.get(lang.code),
        )
        for lang in order
    )


def _reviewed_dates(context: BuildContext, text: str) -> dict[str, date]:
    """The settings column `reviewed`: `de=2026-11-30 fi=2026-12-01` (code = date of review)."""
    dates: dict[str, date] = {}
    for item in text.split():
        code, _, when = item.partition("=")
        try:
            dates[code] = date.fromisoformat(when)
        except ValueError:
            context.add("INSTRUMENT-050", "settings", 2, "reviewed", item=item)
    return dates


def _title(context: BuildContext, settings: Mapping[str, str]) -> Translations:
    """`form_title` is in the default language; `form_title_<code>` holds the others (pyxform
    refuses `form_title::...` columns, see yamlform.py)."""
    default = _default_code(context, settings)
    texts = {default: settings["form_title"]} if settings.get("form_title") else {}
    for lang in context.languages:
        # settings keys are lowered (build_instrument), so zh-Hans's title is form_title_zh-hans
        if title := settings.get(f"form_title_{lang.code}".lower()):
            texts[lang.code] = title
    return Translations(texts)


def _language_code(spec: str, found: Mapping[str, Language]) -> str:
    """default_language may be 'English (en)', 'en' or 'English'."""
    spec = spec.strip()
    if not spec:
        return ""
    match = LANGUAGE_SPEC.match(spec)
    if match:
        return match.group("code").strip()
    for lang in found.values():
        if spec in (lang.code, lang.name):
            return lang.code
    return spec


def _default_code(context: BuildContext, settings: Mapping[str, str]) -> str:
    codes = [lang.code for lang in context.languages]
    code = _language_code(
        settings.get("default_language", ""), {c.code: c for c in context.languages}
    )
    return code or (codes[0] if codes else DEFAULT_CODE)


# --- stage: choices --------------------------------------------------------------------------------


def _choices(context: BuildContext, duplicates_allowed: bool) -> dict[str, tuple[Choice, ...]]:
    """The choice lists; a name twice in one list is an error unless the settings say
    allow_choice_duplicates: yes (as pyxform; the standard cascading-select example needs it)."""
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
        if not duplicates_allowed and any(c.name == name for c in existing):
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


# --- stage: help resources, declared checks, batteries -------------------------------------------


def _help(context: BuildContext) -> tuple[HelpResource, ...]:
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


def _checks(context: BuildContext) -> tuple[tuple[str, str], ...]:
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


def _check_messages(context: BuildContext) -> dict[str, Translations]:
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
