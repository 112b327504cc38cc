"""Words for variable and level names: the questionnaire's labels when an Instrument is given, else
the names made readable ("daily_life_difficulty" -> "Daily life difficulty")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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


def labels_from(
    instrument: Instrument | None,
    settings: Mapping[str, Any] | None = None,
    language: str | None = None,
) -> Labels:
    """Labels from the analysis spec (its `label` fields, recorded in results.json "settings"),
    then from the questionnaire in `language` (default: its default language)."""
    variables: dict[str, str] = {}
    levels: dict[tuple[str, str], str] = {}
    if instrument is not None:
        _add_instrument(instrument, language or instrument.default_language, variables, levels)
    for key in ("outcomes", "predictors", "describe"):
        for entry in (settings or {}).get(key) or []:
            if isinstance(entry, Mapping) and entry.get("label") and entry.get("name"):
                variables[str(entry["name"])] = str(entry["label"])
    return Labels(variables, levels)


def _add_instrument(
    instrument: Instrument,
    code: str,
    variables: dict[str, str],
    levels: dict[tuple[str, str], str],
) -> None:
    for question in instrument.questions:
        text = question.label.get(code, fallback=instrument.default_language)
        if text:
            variables[question.name] = text
        for choice in question.choices:
            levels[(question.name, choice.name)] = choice.label.get(
                code, fallback=instrument.default_language
            )
