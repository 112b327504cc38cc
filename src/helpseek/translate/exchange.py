"""Export a language for a translator; import what comes back, checked before anything is written.

The exported file has every source text (msgid), its key (msgctxt), a note on where it appears and
the current translation. An entry whose source text changed since it was translated is marked
fuzzy, with the old source as gettext's previous msgid (`#|`), so the translator sees what changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from helpseek.languages import (
    Entry,
    Review,
    TranslationFile,
    canonical_code,
    check_translation,
    is_language_code,
    known_codes,
    language_info,
    read_translation_file,
    write_translation_file,
)
from helpseek.problems import InputError, Location, Problem, near_miss, problem

from .targets import Target


@dataclass(frozen=True)
class ImportResult:
    """What `import_translation` did: the file written (None for a dry run), the language, its
    review status, how many texts are translated, and the warnings found."""

    path: Path | None
    language: str
    texts: str
    review: Review
    translated: int
    total: int
    warnings: tuple[Problem, ...]


def export_translation(target: Target, language: str) -> TranslationFile:
    """Everything a translator needs for `language`: sources, notes, the current translations."""
    language = _checked_language(target, language, Location())
    stored = target.files.get(language)
    if stored is not None:
        current, review = stored.by_key(), stored.review
        inline: dict[str, str] = {}
    else:
        inline, found = target.inline(language) if target.inline else ({}, None)
        current, review = {}, found or Review("machine-draft")
    entries = []
    for source in target.sources:
        old = current.get(source.key)
        text = old.translation if old else inline.get(source.key, "")
        is_changed = old is not None and bool(old.translation) and old.source != source.text
        previous = old.source if is_changed else (old.previous_source if old else None)
        entries.append(
            Entry(
                key=source.key,
                source=source.text,
                translation=text,
                comment=source.context,
                is_fuzzy=is_changed or bool(old and old.is_fuzzy),
                previous_source=previous,
            )
        )
    return TranslationFile(
        language=language,
        texts=target.texts,
        review=review,
        entries=tuple(entries),
        source_language=target.source_language,
        project=target.project,
    )


def write_export(target: Target, language: str, out: Path) -> Path:
    return write_translation_file(export_translation(target, language), out, what=target.title)


def import_translation(
    path: Path, target: Target, *, review: Review | None = None, dry_run: bool = False
) -> ImportResult:
    """Check the file against the target's texts; write it to the target's folder only when it has
    no error. InputError lists every problem (errors and warnings), each naming its entry."""
    given = read_translation_file(path, file=path.name)
    where = Location(path.name)
    problems: list[Problem] = []
    if given.texts != target.texts:
        problems.append(problem("TRANSLATE-009", where, texts=given.texts, given=target.texts))
    language = _language_problems(target, given.language, where, problems)
    problems += check_translation(target.sources, given)
    if any(p.is_error for p in problems):
        raise InputError(problems)
    stored = _stored_form(target, replace(given, language=language), review)
    written = None
    if not dry_run:
        written = write_translation_file(stored, target.destination(language), what=target.title)
    translated = sum(1 for s in target.sources if stored.translations().get(s.key))
    return ImportResult(
        written,
        language,
        target.texts,
        stored.review,
        translated,
        len(target.sources),
        tuple(problems),
    )


def _stored_form(target: Target, given: TranslationFile, review: Review | None) -> TranslationFile:
    """In source order, with the current notes; each msgid as the translator saw it (so a later
    change of the source text shows up as a translation of an older text)."""
    by_key = given.by_key()
    entries = []
    for source in target.sources:
        entry = by_key.get(source.key)
        entries.append(
            Entry(
                key=source.key,
                source=entry.source if entry else source.text,
                translation=entry.translation if entry else "",
                comment=source.context,
                is_fuzzy=bool(entry and entry.is_fuzzy),
                previous_source=entry.previous_source if entry else None,
            )
        )
    return TranslationFile(
        language=given.language,
        texts=target.texts,
        review=review or given.review,
        entries=tuple(entries),
        source_language=target.source_language,
        project=target.project,
    )


def _checked_language(target: Target, language: str, where: Location) -> str:
    problems: list[Problem] = []
    code = _language_problems(target, language, where, problems)
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(errors)
    return code


def _language_problems(
    target: Target, language: str, where: Location, problems: list[Problem]
) -> str:
    code = canonical_code(language)
    if not is_language_code(code):
        problems.append(problem("TRANSLATE-003", where, value=language, hint=""))
    elif code == target.source_language:
        problems.append(problem("TRANSLATE-008", where, language=code))
    elif language_info(code) is None:
        hint = near_miss(code, known_codes())
        problems.append(
            problem("TRANSLATE-022", where, "warning", language=code, texts=target.texts, hint=hint)
        )
    return code
