"""The survey's own UI strings in every supported language, read at startup from web/locale/*.po.

Keys (msgid) are short names like "next"; a test checks every key exists in every language. The
questionnaire's text comes from the Instrument, not from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
UI_LANGUAGES: tuple[str, ...] = ("en", "es", "ru", "de", "pt", "fi", "ar")
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "fa", "he", "ur"})
FALLBACK = "en"


@dataclass(frozen=True)
class Catalogue:
    """UI strings by language then key; `text` falls back to English, then to the key itself."""

    strings: dict[str, dict[str, str]]

    def text(self, language: str, key: str) -> str:
        table = self.strings.get(language) or self.strings[FALLBACK]
        return table.get(key) or self.strings[FALLBACK].get(key) or key

    def has_language(self, language: str) -> bool:
        return language in self.strings

    def language_name(self, language: str) -> str:
        return self.text(language, "language_name")


def load_catalogue(directory: Path = LOCALE_DIR) -> Catalogue:
    """Every `<lang>.po` in `directory` (only languages in UI_LANGUAGES)."""
    strings: dict[str, dict[str, str]] = {}
    for language in UI_LANGUAGES:
        path = directory / f"{language}.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
        strings[language] = {
            str(message.id): str(message.string) for message in catalog if message.id
        }
    return Catalogue(strings)


def is_rtl(language: str) -> bool:
    return language in RTL_LANGUAGES
