"""The survey's own UI strings in every language, read at startup from web/locale/.

`locale/ui.pot` holds the English strings (msgctxt = key such as "next"); each `locale/<lang>.po`
translates them (made and checked with `helpseek translate export --ui` / `translate import`).
The questionnaire's text comes from the Instrument, not from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from helpseek.languages import StringTable, endonym, load_string_table
from helpseek.languages import is_rtl as _is_rtl

LOCALE_DIR = Path(__file__).parent / "locale"
TEXTS = "ui"
FALLBACK = "en"


@dataclass(frozen=True)
class Catalogue:
    """UI strings by language then key; `text` falls back to English, then to the key itself."""

    table: StringTable

    @property
    def strings(self) -> dict[str, dict[str, str]]:
        """language -> key -> text, English filling what a language lacks."""
        return {language: self.table.strings(language) for language in self.table.languages}

    @property
    def languages(self) -> tuple[str, ...]:
        return self.table.languages

    def text(self, language: str, key: str) -> str:
        return self.table.text(language, key)

    def has_language(self, language: str) -> bool:
        return self.table.has_language(language)

    def language_name(self, language: str) -> str:
        """The language's own name (the registry's endonym), as the language list shows it."""
        return endonym(language)

    def missing(self, language: str) -> tuple[str, ...]:
        """Keys without a translation in `language` (shown in English if fielded anyway)."""
        return self.table.missing(language)


def load_catalogue(directory: Path = LOCALE_DIR) -> Catalogue:
    """The template and every `<lang>.po` in `directory`; InputError names a broken file."""
    return Catalogue(load_string_table(directory, TEXTS))


def ui_languages(directory: Path = LOCALE_DIR) -> tuple[str, ...]:
    """English, then every language with a `<lang>.po` (codes from the file names), by code."""
    return load_catalogue(directory).languages


UI_LANGUAGES: tuple[str, ...] = ui_languages()


def is_rtl(language: str) -> bool:
    return _is_rtl(language)
