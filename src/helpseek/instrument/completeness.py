"""The completeness gate: a language is fielded only when every text a respondent can see has it.

A text missing in a language would be shown in the default language (English) to a respondent who
chose that language. `instrument check` and `serve` refuse such a language (INSTRUMENT-052) unless
it is named in `allow_incomplete` ("*" = every language); then it is fielded with the gaps.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass

from helpseek.problems import Location, Problem, problem

from .model import Instrument, Translations

ALL_LANGUAGES = "*"


@dataclass(frozen=True)
class LanguageGaps:
    """One language's missing respondent-facing texts, as (where, source text) pairs."""

    code: str
    name: str
    missing: tuple[tuple[str, str], ...]
    total: int


def respondent_texts(instrument: Instrument) -> Iterator[tuple[str, Translations]]:
    """Every text a respondent can see, with where it is (title, pages, questions, choices, help).

    Declared checks' messages are for analysts and not included.
    """
    yield "title", instrument.title
    for page in instrument.pages:
        yield f'page "{page.id}" heading', page.label
    for question in instrument.questions:
        if question.type == "calculate":
            continue
        for column in ("label", "hint", "required_message", "constraint_message"):
            yield f'"{question.name}" {column.replace("_", " ")}', getattr(question, column)
        for choice in question.choices:
            yield f'"{question.name}" choice "{choice.name}"', choice.label
    for resource in instrument.help_resources:
        yield f'help "{resource.id}" name', resource.label
        yield f'help "{resource.id}" description', resource.description


def language_gaps(instrument: Instrument) -> list[LanguageGaps]:
    """For each language but the default: the texts it lacks that the default language has."""
    default = instrument.default_language
    texts = [
        (where, text)
        for where, text in respondent_texts(instrument)
        if text.by_language.get(default)
    ]
    gaps = []
    for language in instrument.languages:
        if language.code == default:
            continue
        missing = tuple(
            (where, text.by_language[default])
            for where, text in texts
            if not text.by_language.get(language.code, "").strip()
        )
        gaps.append(LanguageGaps(language.code, language.name, missing, len(texts)))
    return gaps


def completeness_problems(
    instrument: Instrument, allow_incomplete: Collection[str] = (), *, name: str = ""
) -> list[Problem]:
    """INSTRUMENT-052 for each incomplete language: an error, or a warning when it is allowed.

    `name` is how the messages name the questionnaire (the bundled name or file the user gave).
    """
    where = Location(instrument.source or instrument.form_id)
    found = []
    for gaps in language_gaps(instrument):
        if not gaps.missing:
            continue
        is_allowed = gaps.code in allow_incomplete or ALL_LANGUAGES in allow_incomplete
        first, english = gaps.missing[0]
        found.append(
            problem(
                "INSTRUMENT-052",
                where,
                "warning" if is_allowed else "error",
                language=gaps.name,
                lang_code=gaps.code,
                n=len(gaps.missing),
                total=gaps.total,
                first=first,
                text=english if len(english) <= 50 else english[:49] + "…",
                form=name or instrument.form_id,
            )
        )
    return found
