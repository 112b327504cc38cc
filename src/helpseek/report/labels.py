"""Words for variable and level names, and the order levels are shown in.

Where the words come from, later sources winning: the labels `helpseek analyze` recorded in
results.json (from the questionnaire or the data's codebook), the questionnaires given to the report,
then the analysis spec's own labels and level orders. Names nobody labelled are made readable
("daily_life_difficulty" -> "Daily life difficulty"), and the 0/1 column of a multiple-choice option
(`question__option`) reads No/Yes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpseek.instrument.model import Instrument
from helpseek.report.formatting import humanise

#: The levels of a multiple-choice option's 0/1 column (`question__option`).
FLAG_LEVELS: Mapping[str, str] = {"0": "No", "1": "Yes"}


@dataclass(frozen=True)
class Labels:
    """Lookups from names to printable labels; unknown names fall back to `humanise`.

    >>> labels = Labels(orders={"age": ("under_18", "18_plus")})
    >>> labels.variable("age_first_exposure"), labels.level("x", "18_plus")
    ('Age first exposure', '18 plus')
    >>> labels.level("help__therapist", "1"), labels.ordered("age", ["18_plus", "under_18", "x"])
    ('Yes', ['under_18', '18_plus', 'x'])
    """

    variables: Mapping[str, str] = field(default_factory=dict)
    levels: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: Level names per variable in the order the questionnaire (or the spec) lists them.
    orders: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def variable(self, name: str) -> str:
        return self.variables.get(name) or humanise(name)

    def level(self, variable: str, level: str | None) -> str:
        if level is None:
            return ""
        found = self.levels.get((variable, level))
        if found:
            return found
        if "__" in variable and level in FLAG_LEVELS:
            return FLAG_LEVELS[level]
        return humanise(level)

    def ordered(self, variable: str, levels: Iterable[str]) -> list[str]:
        """`levels` in the questionnaire's (or spec's) order; levels it does not list keep their
        place after those it does."""
        given = list(levels)
        order = self.orders.get(variable)
        if order is None and "__" in variable and set(given) <= set(FLAG_LEVELS):
            order = tuple(FLAG_LEVELS)
        if not order:
            return given
        rank = {name: index for index, name in enumerate(order)}
        return sorted(given, key=lambda lv: (rank.get(lv, len(rank)), given.index(lv)))

    def answer(self, level: str) -> str:
        """The label of an answer wherever it is used ("prefer_not" -> "Prefer not to say")."""
        for (_, name), text in self.levels.items():
            if name == level:
                return text
        return humanise(level)

    def merged(self, other: Labels) -> Labels:
        """These labels with `other`'s on top."""
        return Labels(
            {**self.variables, **other.variables},
            {**self.levels, **other.levels},
            {**self.orders, **other.orders},
        )

    def to_dict(self) -> dict[str, Any]:
        """The form results.json records ("labels"), read back by `from_dict`."""
        levels: dict[str, dict[str, str]] = {}
        for (variable, level), text in self.levels.items():
            levels.setdefault(variable, {})[level] = text
        return {
            "variables": dict(self.variables),
            "levels": levels,
            "orders": {k: list(v) for k, v in self.orders.items()},
        }

    @classmethod
    def from_dict(cls, data: object) -> Labels:
        """Labels from results.json's "labels" (anything malformed is ignored, never fatal)."""
        if not isinstance(data, Mapping):
            return cls()
        variables = _texts(data.get("variables"))
        levels = {
            (str(variable), str(level)): str(text)
            for variable, mapping in _mapping(data.get("levels")).items()
            for level, text in _mapping(mapping).items()
            if isinstance(text, str)
        }
        orders = {
            str(k): tuple(str(v) for v in values)
            for k, values in _mapping(data.get("orders")).items()
            if isinstance(values, list)
        }
        return cls(variables, levels, orders)


def labels_from(
    instruments: Instrument | Sequence[Instrument] | None,
    settings: Mapping[str, Any] | None = None,
    language: str | None = None,
    recorded: object = None,
) -> Labels:
    """The labels of a report: `recorded` (results.json "labels"), then the questionnaires in
    `language` (default: each one's default language), then the spec in `settings`."""
    labels = Labels.from_dict(recorded)
    if isinstance(instruments, Instrument):
        instruments = [instruments]
    # the first questionnaire given wins where two name the same question
    for instrument in reversed(list(instruments or [])):
        labels = labels.merged(from_instrument(instrument, language))
    return labels.merged(from_settings(settings or {}))


def from_instrument(instrument: Instrument, language: str | None = None) -> Labels:
    """Question labels, choice labels and choice order; each option of a multiple-choice question
    also as its 0/1 column ("Question: option", No/Yes); the answer languages by name."""
    code = language or instrument.default_language
    fallback = instrument.default_language
    variables: dict[str, str] = {"language": "Language"}
    levels: dict[tuple[str, str], str] = {}
    orders: dict[str, tuple[str, ...]] = {}
    for question in instrument.questions:
        text = question.label.get(code, fallback=fallback)
        if text:
            variables[question.name] = text
        if not question.choices:
            continue
        orders[question.name] = tuple(c.name for c in question.choices)
        for choice in question.choices:
            choice_text = choice.label.get(code, fallback=fallback) or choice.name
            levels[(question.name, choice.name)] = choice_text
            if question.type == "select_multiple":
                flag = f"{question.name}__{choice.name}"
                variables[flag] = f"{text or humanise(question.name)}: {choice_text}"
                levels.update({(flag, k): v for k, v in FLAG_LEVELS.items()})
                orders[flag] = tuple(FLAG_LEVELS)
    for spoken in instrument.languages:
        levels[("language", spoken.code)] = f"{spoken.name} ({spoken.code})"
    return Labels(variables, levels, orders)


def from_codebook(path: Path) -> Labels:
    """Labels from the codebook written next to an export (`data.codebook.json`), when there is no
    questionnaire to read them from; empty when the file is missing or unreadable."""
    try:
        book = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Labels()
    variables: dict[str, str] = {}
    levels: dict[tuple[str, str], str] = {}
    orders: dict[str, tuple[str, ...]] = {}
    for entry in book.get("variables", []) if isinstance(book, Mapping) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        name = entry["name"]
        if isinstance(entry.get("label"), str) and entry["label"] != name:
            variables[name] = entry["label"]
        choices = [c for c in entry.get("choices") or [] if isinstance(c, Mapping)]
        if choices:
            orders[name] = tuple(str(c.get("name")) for c in choices)
            levels.update({(name, str(c.get("name"))): str(c.get("label")) for c in choices})
        if entry.get("type") == "choice_flag":
            levels.update({(name, k): v for k, v in FLAG_LEVELS.items()})
            orders[name] = tuple(FLAG_LEVELS)
    return Labels(variables, levels, orders)


def from_settings(settings: Mapping[str, Any]) -> Labels:
    """The spec's labels (outcomes, predictors, described and compared items) and the level
    orders it sets (`levels` of a predictor), as results.json "settings" records them."""
    variables: dict[str, str] = {}
    orders: dict[str, tuple[str, ...]] = {}
    compare = settings.get("compare")
    entries = [
        *(settings.get("outcomes") or []),
        *(settings.get("predictors") or []),
        *(settings.get("describe") or []),
        *((compare.get("items") or []) if isinstance(compare, Mapping) else []),
    ]
    for entry in entries:
        if not isinstance(entry, Mapping) or not entry.get("name"):
            continue
        if entry.get("label"):
            variables[str(entry["name"])] = str(entry["label"])
        if entry.get("levels"):
            orders[str(entry["name"])] = tuple(str(v) for v in entry["levels"])
    return Labels(variables, {}, orders)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _texts(value: object) -> dict[str, str]:
    return {str(k): v for k, v in _mapping(value).items() if isinstance(v, str)}


def labels_for_data(paths: Sequence[Path], instruments: Sequence[Instrument | None]) -> Labels:
    """The labels of the data files an analysis read: each file's questionnaire when known, else
    the codebook written next to the file (the first file wins where two name the same thing)."""
    from helpseek.data.codebook import codebook_paths

    labels = Labels()
    for path, instrument in reversed(list(zip(paths, instruments, strict=True))):
        found = (
            from_instrument(instrument) if instrument else from_codebook(codebook_paths(path)[0])
        )
        labels = labels.merged(found)
    return labels
