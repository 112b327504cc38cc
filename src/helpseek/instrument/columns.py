"""XLSForm column names (translated `label::English (en)`, aliases) and the context build stages share.

Used by build.py and questions.py; holds no stage logic of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from helpseek.problems import Location, Problem, near_miss, problem

from .model import Language, Translations
from .read import Sheets

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_TRANSLATED = re.compile(r"^(?P<base>[^:]+?)\s*::\s*(?P<lang>.+)$")
LANGUAGE_SPEC = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[^()]+)\)\s*$")
DEFAULT_CODE = "default"
# Columns whose `::Name (code)` suffix is a language (others, like instance::odk:tag, are not).
TRANSLATABLE = frozenset(
    {"label", "hint", "guidance_hint", "constraint_message", "required_message", "image",
     "big-image", "audio", "video", "media", "description", "message"}
)  # fmt: skip
YES = frozenset({"yes", "true", "true()"})
NO = frozenset({"no", "false", "false()"})

SURVEY_ALIASES = {
    "relevance": "relevant", "caption": "label", "calculate": "calculation",
    "constraining_message": "constraint_message", "requiredmsg": "required_message",
    "constraint message": "constraint_message", "required message": "required_message",
}  # fmt: skip


@dataclass
class BuildContext:
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


def near_column(name: str, candidates: Iterable[str]) -> str:
    """' Did you mean "x"?' for the closest candidate within two edits (STYLE.md §6), else ''.

    >>> near_column("relevnt", ["relevant", "required"]), near_column("relevence", ["relevant"])
    (' Did you mean "relevant"?', '')
    """
    found = near_miss(name, candidates)
    if found:
        return found
    scored = sorted((_edits(name.lower(), c.lower()), c) for c in candidates)
    return f' Did you mean "{scored[0][1]}"?' if scored and scored[0][0] <= 2 else ""


def _edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


@cache  # column names repeat on every row of every form: parse each once
def split_translated(column: str) -> tuple[str, Language] | None:
    """'label::English (en)' -> ('label', Language('en', 'English')); plain columns -> None."""
    match = _TRANSLATED.match(column)
    if not match:
        return None
    spec = match.group("lang").strip()
    lang = LANGUAGE_SPEC.match(spec)
    code, name = (lang.group("code").strip(), lang.group("name").strip()) if lang else (spec, spec)
    return match.group("base").strip().lower(), Language(code, name or code)


def normalise_survey_columns(cells: Mapping[str, str]) -> dict[str, str]:
    """Survey columns lower-cased and de-aliased (relevance -> relevant), translations kept."""
    out: dict[str, str] = {}
    for column, text in cells.items():
        parsed = split_translated(column)
        base = parsed[0] if parsed else column.strip().lower()
        base = SURVEY_ALIASES.get(base, base)
        out[f"{base}::{column.split('::', 1)[1]}" if parsed else base] = text
    return out
