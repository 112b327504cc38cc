"""Words for variable and level names: the questionnaire's labels when an Instrument is given, else
the names made readable ("daily_life_difficulty" -> "Daily life difficulty")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from helpseek.instrument.model import Instrument
from helpseek.report.formatting import humanise


@dataclass(frozen=True)
class Labels:
    """Lookups from names to printable labels; unknown names fall back to `humanise`.

    >>> Labels().variable("age_first_exposure"), Labels().level("x", "18_plus")
    ('Age first exposure', '18 plus')
    """

    variables: Mapping[str, str] = field(default_factory=dict)
    levels: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def variable(self, name: str) -> str:
        return self.variables.get(name) or humanise(name)

    def level(self, variable: str, level: str | None) -> str:
        if level is None:
            return ""
        return self.levels.get((variable, level)) or humanise(level)


def labels_from(instrument: Instrument | None, language: str | None = None) -> Labels:
    """Labels from the questionnaire in `language` (default: its default language)."""
    if instrument is None:
        return Labels()
    code = language or instrument.default_language
    variables: dict[str, str] = {}
    levels: dict[tuple[str, str], str] = {}
    for question in instrument.questions:
        text = question.label.get(code, fallback=instrument.default_language)
        if text:
            variables[question.name] = text
        for choice in question.choices:
            levels[(question.name, choice.name)] = choice.label.get(
                code, fallback=instrument.default_language
            )
    return Labels(variables, levels)
