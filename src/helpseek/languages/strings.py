"""Fixed strings (the survey pages' interface, the invitation page) in every language they have.

A folder holds one template, `<name>.pot` (msgctxt = key, msgid = the English text, `#.` = where
the string appears), and one `<lang>.po` per language, made and checked by `helpseek translate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from helpseek.problems import InputError, Location, Problem, problem

from .checks import SourceEntry
from .pofiles import Review, TranslationFile, read_translation_file
from .registry import picker_order


@dataclass(frozen=True)
class StringTable:
    """English strings by key (from the template) and each language's translations.

    `text(language, key)` falls back to English for a string a language lacks; `missing(language)`
    names those strings, `stale(language)` the ones translated from an older English text.
    """

    texts: str  # "ui" or "invite"
    source: Mapping[str, str]
    comments: Mapping[str, str] = field(default_factory=dict)
    translations: Mapping[str, TranslationFile] = field(default_factory=dict)
    source_language: str = "en"

    @property
    def languages(self) -> tuple[str, ...]:
        """The source language, then every language with a file, in the picker's order."""
        return picker_order([self.source_language, *self.translations], self.source_language)

    def has_language(self, language: str) -> bool:
        return language == self.source_language or language in self.translations

    @cached_property
    def _own(self) -> dict[str, dict[str, str]]:
        """language -> key -> its own translation (computed once: the web renders from it)."""
        own = {code: file.translations() for code, file in self.translations.items()}
        own[self.source_language] = dict(self.source)
        return own

    def strings(self, language: str) -> dict[str, str]:
        """key -> text in `language` (English where it has no translation)."""
        own = self._own.get(language, {})
        return {key: own.get(key) or english for key, english in self.source.items()}

    def text(self, language: str, key: str) -> str:
        found = self._own.get(language, {}).get(key)
        return found or self.source.get(key) or key

    def missing(self, language: str) -> tuple[str, ...]:
        """Keys without a translation in `language` (all of them for a language with no file)."""
        own = self._own.get(language, {})
        return tuple(key for key in self.source if not own.get(key))

    def stale(self, language: str) -> tuple[str, ...]:
        own = self.translations.get(language)
        if own is None:
            return ()
        current = {e.key: e for e in own.entries}
        return tuple(
            key
            for key, english in self.source.items()
            if key in current and current[key].translation and current[key].source != english
        )

    def review(self, language: str) -> Review | None:
        """None for the source language."""
        own = self.translations.get(language)
        return own.review if own else None

    def source_entries(self) -> tuple[SourceEntry, ...]:
        return tuple(
            SourceEntry(key, text, self.comments.get(key, "")) for key, text in self.source.items()
        )


def template_path(directory: Path, texts: str) -> Path:
    return directory / f"{texts}.pot"


def load_string_table(directory: Path, texts: str) -> StringTable:
    """Read `<texts>.pot` and every `<lang>.po` beside it; InputError names every broken file."""
    template = read_translation_file(template_path(directory, texts))
    problems: list[Problem] = []
    translations: dict[str, TranslationFile] = {}
    for path in sorted(directory.glob("*.po")):
        try:
            translation = read_translation_file(path, file=f"{directory.name}/{path.name}")
        except InputError as error:
            problems.extend(error.problems)
            continue
        if translation.language != path.stem or translation.texts != texts:
            problems.append(
                problem(
                    "TRANSLATE-007",
                    Location(f"{directory.name}/{path.name}"),
                    language=translation.language,
                    texts=translation.texts,
                    expected_language=path.stem,
                    expected_texts=texts,
                )
            )
            continue
        translations[translation.language] = translation
    if problems:
        raise InputError(problems)
    return StringTable(
        texts=texts,
        source={e.key: e.source for e in template.entries},
        comments={e.key: e.comment for e in template.entries},
        translations=translations,
        source_language=template.source_language,
    )
