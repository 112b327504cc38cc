"""Whole-token matching of search queries against the operator's term list (Aho-Corasick).

The term list is a text file: one term or phrase a line, `#` starts a comment, blank lines are
ignored. helpseek ships no term list. `TermMatcher` re-reads the file when it changes on disk.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from helpseek.invite.normalise import joined, normalise
from helpseek.problems import HelpseekError, InputError, Location, Problem, problem

DEFAULT_MAX_QUERY_CHARS = 512


@dataclass(frozen=True)
class Term:
    """One entry of the term list: as written, where, and its normal form."""

    entry: str
    line: int
    normal: str


class QueryTooLongError(HelpseekError):
    """A query was longer than the configured maximum, so it was refused without being checked."""

    def __init__(self, length: int, max_chars: int):
        self.problem = problem("INVITE-020", length=length, max_chars=max_chars)
        super().__init__(str(self.problem))


def read_terms(path: Path) -> tuple[tuple[Term, ...], list[Problem]]:
    """Terms in file order, and the problems found (errors stop a load, warnings do not)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return (), [problem("CLI-001", path=str(path))]
    except OSError as error:
        return (), [problem("CLI-002", path=str(path), reason=error.strerror or str(error))]
    terms: list[Term] = []
    problems: list[Problem] = []
    for number, line_bytes in enumerate(raw.splitlines(), start=1):
        where = Location(str(path), row=number)
        try:
            line = line_bytes.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            problems.append(problem("INVITE-010", where))
            continue
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        normal = normalise(entry)
        if not normal:
            problems.append(problem("INVITE-011", where, severity="warning", entry=entry))
            continue
        terms.append(Term(entry, number, normal))
    return tuple(terms), problems


class TermList:
    """An immutable, compiled term list.

    >>> terms = TermList([Term("token beta phrase", 1, normalise("token beta phrase"))])
    >>> terms.match("Find T0KEN  beta-phrase now").entry
    'token beta phrase'
    >>> terms.match("tokenbeta phrasing") is None
    True
    """

    def __init__(self, terms: tuple[Term, ...] | list[Term]):
        self.terms = tuple(terms)
        self._automaton = ahocorasick.Automaton()
        for term in self.terms:
            key = f" {term.normal} "
            if key not in self._automaton:  # the first line wins when two entries agree
                self._automaton.add_word(key, term)
        if self.terms:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.terms)

    def match(self, query: str) -> Term | None:
        """The first listed term found as whole tokens in `query` (in either normal form), or None."""
        if not self.terms:
            return None
        for form in (normalise(query), joined(query)):
            for _end, term in self._automaton.iter(f" {form} "):
                return term  # type: ignore[no-any-return]
        return None


def load_terms(path: Path) -> TermList:
    """Read and compile a term list; raises InputError listing every error (warnings are kept)."""
    terms, problems = read_terms(path)
    if any(p.is_error for p in problems):
        raise InputError(problems)
    return TermList(terms)


class TermMatcher:
    """A term list bound to its file: checks the file's modification time at most every
    `reload_check_s` seconds and swaps in the new list when it changed. A reload that fails (file
    gone, undecodable line) keeps the previous list, so the filter never silently turns off;
    the problems are kept in `last_problems`.
    """

    def __init__(
        self,
        path: Path,
        *,
        max_query_chars: int = DEFAULT_MAX_QUERY_CHARS,
        reload_check_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.path = Path(path)
        self.max_query_chars = max_query_chars
        self.reload_check_s = reload_check_s
        self._clock = clock
        self._lock = threading.Lock()
        self._signature = self._stat()
        self._terms = load_terms(self.path)
        self._checked_at = clock()
        self.last_problems: list[Problem] = []

    @property
    def terms(self) -> TermList:
        return self._terms

    def match(self, query: str | bytes) -> Term | None:
        """The matching term, or None. Raises QueryTooLongError for an over-long query.

        Bytes are decoded as UTF-8 with undecodable bytes replaced, so binary input never crashes.
        """
        text = query.decode("utf-8", errors="replace") if isinstance(query, bytes) else query
        if len(text) > self.max_query_chars:
            raise QueryTooLongError(len(text), self.max_query_chars)
        self._reload_if_due()
        return self._terms.match(text)

    def reload(self) -> list[Problem]:
        """Re-read the file now. Returns its problems; on errors the previous list stays in use."""
        with self._lock:
            signature = self._stat()
            terms, problems = read_terms(self.path)
            if not any(p.is_error for p in problems):
                self._terms = TermList(terms)
                self._signature = signature
            self.last_problems = problems
            self._checked_at = self._clock()
            return problems

    def _reload_if_due(self) -> None:
        if self._clock() - self._checked_at < self.reload_check_s:
            return
        self._checked_at = self._clock()
        if self._stat() != self._signature:
            self.reload()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)
