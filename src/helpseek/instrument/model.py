"""The questionnaire as immutable data: Instrument -> Page -> Question -> Choice.

Built by `instrument/build.py` from sheet rows; read by collect, data, synth and report. Holds no
logic beyond lookups: evaluating conditions lives in `instrument/logic.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeAlias

from helpseek.problems import Location

#: One answer as the logic and the sealed records see it:
#:   text, select_one, acknowledge ("OK")  -> str
#:   integer -> int; decimal -> float
#:   select_multiple -> list[str] of choice names, in the order shown
#:   not answered -> absent from the mapping (never None, never "")
Answer: TypeAlias = str | int | float | list[str]
Answers: TypeAlias = Mapping[str, Answer]

QuestionType = Literal[
    "text",
    "integer",
    "decimal",
    "select_one",
    "select_multiple",
    "note",
    "acknowledge",
    "calculate",
]

#: Types that the respondent answers (calculate and note are not answered).
ANSWERED_TYPES: frozenset[str] = frozenset(
    {"text", "integer", "decimal", "select_one", "select_multiple", "acknowledge"}
)


@dataclass(frozen=True)
class Translations:
    """Text in several languages, keyed by language code ("en", "es", "ar"...).

    >>> Translations({"en": "Yes", "es": "Sí"}).get("es")
    'Sí'
    >>> Translations({"en": "Yes"}).get("fi", fallback="en")
    'Yes'
    """

    by_language: Mapping[str, str] = field(default_factory=dict)

    def get(self, language: str, fallback: str | None = None) -> str:
        if language in self.by_language:
            return self.by_language[language]
        if fallback is not None and fallback in self.by_language:
            return self.by_language[fallback]
        return next(iter(self.by_language.values()), "")

    def __bool__(self) -> bool:
        return any(self.by_language.values())


@dataclass(frozen=True)
class Language:
    """A language of the instrument: code "ar", name "Arabic", as in `label::Arabic (ar)`.

    Review status (settings `machine_translated` and `reviewed`, or a translation file's header):
    a machine draft, reviewed by a translator on `reviewed_on`, or not stated.
    """

    code: str
    name: str
    is_rtl: bool = False
    is_machine_translated: bool = False
    reviewed_on: date | None = None

    @property
    def review_status(self) -> Literal["machine-draft", "reviewed", "not stated"]:
        if self.reviewed_on is not None:
            return "reviewed"
        return "machine-draft" if self.is_machine_translated else "not stated"


@dataclass(frozen=True)
class Choice:
    """One answer option of a choices list; `extra` holds other columns for choice_filter."""

    name: str
    label: Translations
    extra: Mapping[str, str] = field(default_factory=dict)
    location: Location = field(default_factory=Location, compare=False)


@dataclass(frozen=True)
class Question:
    """One row of the survey sheet that is not a group marker.

    `required` is "yes"/"true()" or an expression (XLSForm allows both); `relevant` is this
    question's own condition, and `group_relevant` the conditions of its enclosing groups, all of
    which must hold for the question to be shown.
    """

    name: str
    type: QuestionType
    label: Translations = field(default_factory=Translations)
    hint: Translations = field(default_factory=Translations)
    list_name: str | None = None
    choices: tuple[Choice, ...] = ()
    has_other: bool = False
    required: str | None = None
    required_message: Translations = field(default_factory=Translations)
    relevant: str | None = None
    group_relevant: tuple[str, ...] = ()
    constraint: str | None = None
    constraint_message: Translations = field(default_factory=Translations)
    calculation: str | None = None
    choice_filter: str | None = None
    default: str | None = None
    is_randomized: bool = False
    appearance: str | None = None
    group_path: tuple[str, ...] = ()
    location: Location = field(default_factory=Location, compare=False)

    @property
    def is_answered(self) -> bool:
        """True for questions the respondent answers (not notes, not calculations)."""
        return self.type in ANSWERED_TYPES

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)


@dataclass(frozen=True)
class Page:
    """What one screen shows: a field-list group, or a single question outside such a group."""

    id: str
    questions: tuple[Question, ...]
    label: Translations = field(default_factory=Translations)
    relevant: tuple[str, ...] = ()


@dataclass(frozen=True)
class HelpResource:
    """A public prevention service shown on every page and at the end."""

    id: str
    url: str
    label: Translations
    description: Translations = field(default_factory=Translations)


@dataclass(frozen=True)
class Instrument:
    """A loaded, checked questionnaire. Immutable; safe to share between requests."""

    form_id: str
    version: str
    title: Translations
    default_language: str
    languages: tuple[Language, ...]
    questions: tuple[Question, ...]
    pages: tuple[Page, ...]
    help_resources: tuple[HelpResource, ...] = ()
    #: Where it was loaded from; like locations, not part of equality (same questionnaire, any file).
    source: str = field(default="", compare=False)
    #: Pairs of (name, expression) declared in the form: an answer pattern that is logically
    #: inconsistent (e.g. accessed help without having sought it); used by quality screening.
    inconsistencies: tuple[tuple[str, str], ...] = ()
    #: The message of each declared inconsistency (checks sheet, column message), keyed by name.
    inconsistency_messages: Mapping[str, Translations] = field(default_factory=dict)
    #: Names of item batteries (groups of like-scaled questions) for straight-lining checks.
    batteries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise KeyError(name)

    @property
    def language_codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def language(self, code: str) -> Language:
        for lang in self.languages:
            if lang.code == code:
                return lang
        raise KeyError(code)
