"""Translation files: gettext PO, read and written with polib (docs/decisions/0003).

One file holds one language of one set of texts (a questionnaire, the survey pages' strings, the
invitation). Each entry is `msgctxt` = a stable key (`survey/uses/label`), `msgid` = the source
(English) text it translates, `msgstr` = the translation, `#.` = context for the translator.
The header names the language, the texts (`X-Helpseek-Texts`) and the review status
(`X-Helpseek-Review: machine-draft` or `reviewed 2026-11-30`); it never carries a person's name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import polib

from helpseek.problems import InputError, Location, Problem, near_miss, problem

from .registry import canonical_code, is_language_code, known_codes, language_info

ReviewStatus = Literal["machine-draft", "reviewed"]
TEXTS_HEADER = "X-Helpseek-Texts"
REVIEW_HEADER = "X-Helpseek-Review"
SOURCE_LANGUAGE_HEADER = "X-Source-Language"
#: A translation file larger than this is refused before it is parsed (the largest is ~60 KB).
MAX_FILE_BYTES = 4 * 1024 * 1024
_REVIEW = re.compile(r"^\s*(?:(machine-draft)|reviewed\s+(\d{4}-\d{2}-\d{2}))\s*$", re.IGNORECASE)
_HEADER_NOTE = """\
Translation of {what} into {language} for helpseek.
Translate each msgstr. Keep msgctxt and msgid as they are; keep every placeholder such as ${{name}}
or {{name}}, every <tag> and every web address. Choices of one list must read differently.
X-Helpseek-Review says whether this is a machine draft or was reviewed by a translator
(reviewed YYYY-MM-DD); write no names in this file."""
_TEMPLATE_NOTE = """\
Template of {what} for helpseek: the source texts, one entry per key.
Change a source text here; translations live in one <language>.po per language beside this file
(`helpseek translate export ... --lang xx` makes one, `helpseek translate import` checks it)."""


@dataclass(frozen=True)
class Review:
    """A language's review status: a machine draft, or reviewed by a translator on a date.

    >>> Review.parse("reviewed 2026-11-30")
    Review(status='reviewed', reviewed_on=datetime.date(2026, 11, 30))
    >>> str(Review("machine-draft"))
    'machine-draft'
    """

    status: ReviewStatus = "machine-draft"
    reviewed_on: date | None = None

    @classmethod
    def parse(cls, text: str) -> Review | None:
        match = _REVIEW.match(text or "")
        if not match:
            return None
        if match.group(1):
            return cls("machine-draft")
        try:
            return cls("reviewed", date.fromisoformat(match.group(2)))
        except ValueError:
            return None

    @property
    def is_reviewed(self) -> bool:
        return self.status == "reviewed"

    def __str__(self) -> str:
        return f"reviewed {self.reviewed_on.isoformat()}" if self.reviewed_on else self.status


@dataclass(frozen=True)
class Entry:
    """One translatable text: its key, the source text it translates, the translation (may be
    empty), the translator's context, and gettext's `fuzzy` flag and previous source text."""

    key: str
    source: str
    translation: str = ""
    comment: str = ""
    is_fuzzy: bool = False
    previous_source: str | None = None
    line: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class TranslationFile:
    """One language of one set of texts, as read from or written to a PO file."""

    language: str
    texts: str  # "instrument NAME", "ui" or "invite"
    review: Review
    entries: tuple[Entry, ...]
    source_language: str = "en"
    project: str = ""  # Project-Id-Version, e.g. "help_us_help_you 2026.11.1"
    file: str = field(default="", compare=False)  # how problems name the file

    def by_key(self) -> dict[str, Entry]:
        """Entries by key (the first, when a broken file repeats a key)."""
        found: dict[str, Entry] = {}
        for entry in self.entries:
            found.setdefault(entry.key, entry)
        return found

    def translations(self) -> dict[str, str]:
        """key -> translation, for entries that have one."""
        return {k: e.translation for k, e in self.by_key().items() if e.translation.strip()}


def read_translation_file(path: Path, *, file: str | None = None) -> TranslationFile:
    """Read a PO file; raises InputError naming the file, line and entry of every problem.

    Bytes read before are not parsed again (a questionnaire is loaded by every collector process
    and many times in tests; parsing, not reading, is the cost).
    """
    name = file or str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            reason = f"it is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
            raise InputError([problem("TRANSLATE-001", Location(name), path=name, reason=reason)])
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError([problem("CLI-001", Location(name), path=name)]) from None
    except OSError as error:
        raise InputError([problem("CLI-002", Location(name), path=name, reason=error)]) from None
    return _parsed(data, name)


@lru_cache(maxsize=256)
def _parsed(data: bytes, name: str) -> TranslationFile:
    """Keyed by the bytes themselves: a changed file is parsed again, whatever its timestamps."""
    return parse_translation(data, name)


def parse_translation(data: bytes | str, file: str) -> TranslationFile:
    """PO text -> TranslationFile; raises InputError (TRANSLATE-001..006) for what it cannot use."""
    text = _decode(data, file)
    if "msgid" not in text or "\n" not in text:
        raise InputError(
            [problem("TRANSLATE-001", Location(file), path=file, reason="it has no PO entries")]
        )
    try:
        po = polib.pofile(text, check_for_duplicates=False, wrapwidth=78)
    except (OSError, ValueError, UnicodeError) as error:
        line = re.search(r"\(line (\d+)\)", str(error))
        where = Location(file, line=int(line.group(1)) if line else None)
        reason = re.sub(r"\s*\(line \d+\)", "", str(error)).replace(f" {text}", "")
        reason = "a line is not valid PO syntax" if "Syntax error" in reason else reason[:200]
        raise InputError([problem("TRANSLATE-001", where, path=file, reason=reason)]) from None
    problems: list[Problem] = []
    language = _language(po.metadata, file, problems)
    texts = po.metadata.get(TEXTS_HEADER, "").strip()
    if not texts:
        problems.append(problem("TRANSLATE-004", Location(file), header=TEXTS_HEADER))
    review = Review.parse(po.metadata.get(REVIEW_HEADER, "machine-draft"))
    if review is None:
        value = po.metadata.get(REVIEW_HEADER, "")
        problems.append(problem("TRANSLATE-005", Location(file), value=value))
    entries = [_entry(e, file, problems) for e in po if not e.obsolete]
    if problems:
        raise InputError(problems)
    return TranslationFile(
        language=language,
        texts=texts,
        review=review or Review(),
        entries=tuple(e for e in entries if e is not None),
        source_language=canonical_code(po.metadata.get(SOURCE_LANGUAGE_HEADER, "en") or "en"),
        project=po.metadata.get("Project-Id-Version", ""),
        file=file,
    )


def _decode(data: bytes | str, file: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        reason = f"it is not UTF-8 text (byte {error.start})"
        raise InputError(
            [problem("TRANSLATE-001", Location(file), path=file, reason=reason)]
        ) from None


def _language(metadata: Mapping[str, str], file: str, problems: list[Problem]) -> str:
    given = metadata.get("Language", "").strip()
    if not given:
        problems.append(problem("TRANSLATE-002", Location(file)))
        return ""
    if language_info(given) is None and not is_language_code(given):
        hint = near_miss(given, known_codes())
        problems.append(problem("TRANSLATE-003", Location(file), value=given, hint=hint))
    return canonical_code(given)


def _entry(entry: polib.POEntry, file: str, problems: list[Problem]) -> Entry | None:
    where = Location(file, line=entry.linenum, entry=entry.msgctxt or None)
    if entry.msgid_plural:
        problems.append(problem("TRANSLATE-006", where, what="a plural entry (msgid_plural)"))
        return None
    if not entry.msgctxt:
        shown = entry.msgid if len(entry.msgid) <= 40 else entry.msgid[:40] + "..."
        problems.append(
            problem("TRANSLATE-006", where, what=f'an entry without msgctxt ("{shown}")')
        )
        return None
    return Entry(
        key=entry.msgctxt,
        source=entry.msgid,
        translation=entry.msgstr.strip(),
        comment=entry.comment or "",
        is_fuzzy="fuzzy" in entry.flags,
        previous_source=entry.previous_msgid or None,
        line=entry.linenum,
    )


def to_po_text(translation: TranslationFile, *, what: str = "", is_template: bool = False) -> str:
    """The file's PO text: header (language, texts, review; no names), then the entries in order.

    A template (`.pot`) holds the source texts with empty translations and no review status.
    """
    po = polib.POFile(wrapwidth=78)
    info = language_info(translation.language)
    po.header = (
        _TEMPLATE_NOTE.format(what=what or translation.texts)
        if is_template
        else _HEADER_NOTE.format(
            what=what or translation.texts,
            language=f"{info.english_name} ({info.code})" if info else translation.language,
        )
    )
    po.metadata = {
        "Project-Id-Version": translation.project or translation.texts,
        "Language": translation.language,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        SOURCE_LANGUAGE_HEADER: translation.source_language,
        TEXTS_HEADER: translation.texts,
        REVIEW_HEADER: str(translation.review),
    }
    if is_template:
        del po.metadata[REVIEW_HEADER]
    for entry in translation.entries:
        po.append(
            polib.POEntry(
                msgctxt=entry.key,
                msgid=entry.source,
                msgstr=entry.translation,
                comment=entry.comment,
                flags=["fuzzy"] if entry.is_fuzzy else [],
                previous_msgid=entry.previous_source or None,
            )
        )
    return str(po) + "\n"


def write_translation_file(
    translation: TranslationFile, path: Path, *, what: str = "", is_template: bool = False
) -> Path:
    """Write through a temporary name, so a failure never leaves half a file where one was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    text = to_po_text(translation, what=what, is_template=is_template)
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def with_review(translation: TranslationFile, review: Review | None) -> TranslationFile:
    return translation if review is None else replace(translation, review=review)
