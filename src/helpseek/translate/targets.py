"""What can be translated: a questionnaire, the survey pages' strings, the invitation's texts.

A Target knows its source texts (with notes for the translator), the folder that holds one
`<lang>.po` per language, and the translations there now. The survey pages' folder is passed in
by the CLI (this package must not import `web`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from helpseek.instrument.load import BUNDLED_DIR, read_base_form, read_translations, resolve_source
from helpseek.instrument.translations import (
    form_id_of,
    inline_translations,
    source_entries,
    source_language,
    texts_name,
    translations_dir,
)
from helpseek.invite.config import LOCALE_DIR as INVITE_DIR
from helpseek.languages import (
    Review,
    SourceEntry,
    TranslationFile,
    load_string_table,
)


@dataclass(frozen=True)
class Target:
    """One set of texts to translate, and where its translation files live."""

    texts: str  # the X-Helpseek-Texts header: "instrument NAME", "ui" or "invite"
    title: str  # how the files' header note names the texts
    sources: tuple[SourceEntry, ...]
    source_language: str
    folder: Path
    project: str
    files: Mapping[str, TranslationFile] = field(default_factory=dict)
    #: A questionnaire's own translated columns (key -> text) and review status for a language
    #: that has no file yet (an XLSForm with translations inside).
    inline: Callable[[str], tuple[dict[str, str], Review | None]] | None = None

    @property
    def is_bundled(self) -> bool:
        return BUNDLED_DIR in self.folder.parents or INVITE_DIR == self.folder

    def destination(self, language: str) -> Path:
        return self.folder / f"{language}.po"

    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.files, key=str.lower))


def instrument_target(source: str | Path) -> Target:
    """A questionnaire (bundled name or form file) and its translation files."""
    path = resolve_source(source)
    base = read_base_form(source)
    form_id = form_id_of(base, path.stem)
    files = read_translations(source, base)
    settings = {k.lower(): v for k, v in (base.settings[0].cells if base.settings else {}).items()}

    def inline(language: str) -> tuple[dict[str, str], Review | None]:
        return inline_translations(base, language), _settings_review(settings, language)

    version = settings.get("version", "")
    return Target(
        texts=texts_name(form_id),
        title=f'the questionnaire "{form_id}"',
        sources=source_entries(base),
        source_language=source_language(base),
        folder=translations_dir(path),
        project=f"{form_id} {version}".strip(),
        files={f.language: f for f in files},
        inline=inline,
    )


def strings_target(folder: Path, texts: str, title: str) -> Target:
    """Fixed strings: `<texts>.pot` (English) and each `<lang>.po` in `folder`."""
    table = load_string_table(folder, texts)
    return Target(
        texts=texts,
        title=title,
        sources=table.source_entries(),
        source_language=table.source_language,
        folder=folder,
        project=f"helpseek {texts}",
        files=dict(table.translations),
    )


def invite_target() -> Target:
    return strings_target(INVITE_DIR, "invite", "the invitation page's texts")


def _settings_review(settings: Mapping[str, str], language: str) -> Review | None:
    for item in settings.get("reviewed", "").split():
        code, _, when = item.partition("=")
        if code == language:
            try:
                return Review("reviewed", date.fromisoformat(when))
            except ValueError:
                return None
    if language in settings.get("machine_translated", "").split():
        return Review("machine-draft")
    return None
