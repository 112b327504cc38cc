"""How far each language of each set of texts is: translated, missing, out of date, reviewed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from helpseek.languages import Review

from .targets import Target


@dataclass(frozen=True)
class LanguageStatus:
    """One language of one set of texts. `stale`: translated from an older source text; `fuzzy`:
    marked as needing review; `missing` counts required texts only."""

    texts: str
    language: str
    review: Review
    total: int
    translated: int
    missing: int
    stale: int
    fuzzy: int

    @property
    def is_complete(self) -> bool:
        return self.missing == 0


def language_status(target: Target, language: str) -> LanguageStatus:
    stored = target.files[language]
    by_key = stored.by_key()
    translated = stale = fuzzy = missing = 0
    for source in target.sources:
        entry = by_key.get(source.key)
        if entry is None or not entry.translation:
            missing += 0 if source.is_optional else 1
            continue
        translated += 1
        stale += entry.source != source.text
        fuzzy += entry.is_fuzzy
    return LanguageStatus(
        target.texts,
        language,
        stored.review,
        len(target.sources),
        translated,
        missing,
        stale,
        fuzzy,
    )


def translation_status(targets: Iterable[Target]) -> list[LanguageStatus]:
    """Every language file of every target, in target then code order."""
    return [language_status(t, language) for t in targets for language in t.languages()]
