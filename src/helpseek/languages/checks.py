"""Checks of one translation file against the texts it translates; never raises.

Errors (the import refuses the file): a missing or empty entry, an entry for a text that does not
exist, a repeated entry, a placeholder, tag or web address lost or added, control characters, a
length far from the source's, two choices of one list that read the same. Warnings: a translation
of an older source text, different numbers, unreviewed (fuzzy) entries in a reviewed file.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from helpseek.problems import Location, Problem, near_miss, problem

from .pofiles import Entry, TranslationFile
from .registry import DENSE_SCRIPTS, language_info


@dataclass(frozen=True)
class SourceEntry:
    """A text to translate: its key, the source text, a note for the translator, and `group`: the
    texts of one group (a choice list) must read differently in every language. Optional texts
    (shown to analysts, not respondents) may stay untranslated."""

    key: str
    text: str
    context: str = ""
    group: str | None = None
    is_optional: bool = False


_PLACEHOLDERS = (
    ("reference", re.compile(r"\$\{[^{}]*\}")),  # XLSForm: ${name}
    ("placeholder", re.compile(r"(?<![{$])\{[A-Za-z_][A-Za-z0-9_]*(?:[!:][^{}]*)?\}(?!\})")),
    ("placeholder", re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0+]*\d*(?:\.\d+)?[sdif]")),
    ("tag", re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")),
    ("web address", re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+[^\s<>()\"'.,;:!?]")),
    ("Markdown link", re.compile(r"\]\([^()\s]+\)")),
    ("Markdown emphasis", re.compile(r"\*\*|__")),
)
# Bidi embeddings, overrides and isolates can reorder what a respondent sees; the marks
# (U+200E, U+200F, U+061C) and joiners (U+200C, U+200D, needed in Persian) are fine.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_DIGITS = re.compile(r"\d+(?:[.,\u066b\u066c\u202f\u00a0 ]\d{3})*")
#: Length bounds: a translation within [low * n - slack, high * n + slack] characters of an
#: n-character source passes (measured on the bundled drafts: docs/decisions/0003).
LENGTH_HIGH, LENGTH_LOW, LENGTH_LOW_DENSE, LENGTH_SLACK = 3.5, 0.25, 0.1, 12


def check_translation(
    sources: Sequence[SourceEntry], translation: TranslationFile, *, for_import: bool = True
) -> list[Problem]:
    """Every problem of `translation` against `sources`, each naming its entry.

    With `for_import=False` (a stored file read at load or check time), entries for texts that no
    longer exist are warnings: the questionnaire changed after the file was made.
    """
    file = translation.file
    by_key = {s.key: s for s in sources}
    problems: list[Problem] = []
    seen: dict[str, Entry] = {}
    for entry in translation.entries:
        where = Location(file, line=entry.line, entry=entry.key)
        if entry.key in seen:
            first = seen[entry.key].line
            problems.append(problem("TRANSLATE-013", where, first_line=first))
            continue
        seen[entry.key] = entry
        source = by_key.get(entry.key)
        if source is None:
            hint = near_miss(entry.key, by_key)
            severity = "error" if for_import else "warning"
            problems.append(problem("TRANSLATE-012", where, severity, hint=hint))
            continue
        problems.extend(_check_entry(source, entry, where, translation.language))
    for source in sources:
        entry = seen.get(source.key)
        if source.is_optional or (entry is not None and entry.translation.strip()):
            continue
        where = Location(file, line=entry.line if entry else None, entry=source.key)
        problems.append(problem("TRANSLATE-010", where, text=_short(source.text)))
    problems.extend(_same_choices(sources, seen, file))
    fuzzy = [e for e in seen.values() if e.is_fuzzy and e.key in by_key]
    if translation.review.is_reviewed and fuzzy:
        where = Location(file, line=fuzzy[0].line, entry=fuzzy[0].key)
        problems.append(problem("TRANSLATE-021", where, "warning", n=len(fuzzy)))
    return problems


def _check_entry(
    source: SourceEntry, entry: Entry, where: Location, language: str
) -> list[Problem]:
    text = entry.translation
    if not text.strip():
        return []  # reported once as missing, in source order
    problems = []
    for kind, lost, added in _placeholder_differences(source.text, text):
        problems.append(problem("TRANSLATE-014", where, kind=kind, lost=lost, added=added))
    bad = sorted({f"U+{ord(c):04X}" for c in text if _is_forbidden(c)})
    if bad:
        problems.append(problem("TRANSLATE-015", where, chars=", ".join(bad)))
    low, high = length_bounds(len(source.text), language)
    if not low <= len(text) <= high:
        problems.append(
            problem(
                "TRANSLATE-016", where, n=len(text), source_n=len(source.text), low=low, high=high
            )
        )
    if entry.source.strip() != source.text.strip():
        problems.append(problem("TRANSLATE-019", where, "warning", text=_short(source.text)))
    if _numbers(source.text) != _numbers(text):
        shown = ", ".join(sorted(_numbers(source.text))) or "none"
        problems.append(problem("TRANSLATE-020", where, "warning", numbers=shown))
    return problems


def length_bounds(source_chars: int, language: str) -> tuple[int, int]:
    """The characters a translation of a `source_chars`-character text may have.

    >>> length_bounds(3, "de")
    (0, 22)
    >>> length_bounds(200, "ja")
    (8, 712)
    """
    info = language_info(language)
    low_ratio = LENGTH_LOW_DENSE if info and info.script in DENSE_SCRIPTS else LENGTH_LOW
    low = max(0, round(low_ratio * source_chars) - LENGTH_SLACK)
    return low, round(LENGTH_HIGH * source_chars) + LENGTH_SLACK


def _placeholder_differences(source: str, text: str) -> Iterable[tuple[str, str, str]]:
    for kind, pattern in _PLACEHOLDERS:
        want, got = Counter(pattern.findall(source)), Counter(pattern.findall(text))
        if want != got:
            yield kind, _listed(want - got), _listed(got - want)


def _listed(items: Counter[str]) -> str:
    return ", ".join(f'"{item}"' for item in sorted(items.elements())) or "none"


def _is_forbidden(char: str) -> bool:
    if char in "\n\t":
        return False
    return char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc"


def _numbers(text: str) -> Counter[str]:
    """Numbers as digit strings, whatever the digits' script and the grouping separator."""
    found: Counter[str] = Counter()
    for match in _DIGITS.finditer(text):
        digits = "".join(str(unicodedata.digit(c)) for c in match.group() if c.isdigit())
        found[digits.lstrip("0") or "0"] += 1
    return found


def _same_choices(
    sources: Sequence[SourceEntry], entries: dict[str, Entry], file: str
) -> list[Problem]:
    """Two texts of one group (a choice list) that differ in the source must differ here too."""
    problems = []
    firsts: dict[tuple[str, str], SourceEntry] = {}
    source_texts: dict[tuple[str, str], str] = {}
    for source in sources:
        entry = entries.get(source.key)
        if source.group is None or entry is None or not entry.translation.strip():
            continue
        reads = (source.group, " ".join(entry.translation.casefold().split()))
        other = firsts.get(reads)
        if other is not None and source_texts[reads] != source.text.strip():
            where = Location(file, line=entry.line, entry=source.key)
            problems.append(
                problem("TRANSLATE-017", where, other=other.key, text=_short(entry.translation))
            )
        firsts.setdefault(reads, source)
        source_texts.setdefault(reads, source.text.strip())
    return problems


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
