"""Checks that need the whole instrument: expressions, references, page order, cycles, translations.

`check_logic` returns Problems and never raises; `build.py` has already checked each row alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from helpseek.problems import Location, Problem, near_miss, problem

from .expressions import (
    ALLOWED_FUNCTIONS,
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    ExpressionError,
    compile_expression,
    compile_pattern,
)
from .model import Instrument, Question, Translations
from .questions import refused_names
from .read import Sheets
from .types import parse_type

_REGEX_LITERAL = re.compile(r"regex\s*\([^()]*?,\s*(?:'([^']*)'|\"([^\"]*)\")\s*\)")
_EXPRESSION_CODES = {
    "syntax": "EXPRESSION-001", "eval": "EXPRESSION-001", "function": "EXPRESSION-002",
    "length": "EXPRESSION-003", "depth": "EXPRESSION-004", "construct": "EXPRESSION-005",
    "regex": "EXPRESSION-006", "name": "EXPRESSION-007", "arity": "EXPRESSION-008",
    "excluded": "EXPRESSION-009", "excluded_reference": "EXPRESSION-010",
}  # fmt: skip
# Which columns may read answers from the same page: only a constraint, checked when the page is sent.
_SAME_PAGE_OK = {"constraint": True, "relevant": False, "required": False, "choice_filter": False}


def check_logic(instrument: Instrument, sheets: Sheets) -> list[Problem]:
    """Every expression compiles, names exist, pages only read earlier pages, no cycles, translations."""
    problems: list[Problem] = []
    names = {q.name for q in instrument.questions}
    refused = refused_names(sheets.survey)  # already reported on their own rows
    for text, where in _expressions(instrument, sheets):
        problems.extend(check_expression(text, where, names, refused))
    problems.extend(_page_order(instrument, sheets, names))
    problems.extend(_text_references(instrument, sheets, refused))
    problems.extend(_cycles(instrument))
    problems.extend(_translations(instrument, sheets))
    return problems


# Names ODK fills in itself; helpseek's instance has no such metadata (see functions.py).
METADATA_NAMES = {
    "instanceID": "a response identifier in the answers would let anyone link pages to a person",
    "instanceName": "a response identifier in the answers would let anyone link pages to a person",
    "deprecatedID": "a response identifier in the answers would let anyone link pages to a person",
}


def check_expression(
    text: str, where: Location, names: set[str], refused: set[str] | frozenset[str] = frozenset()
) -> list[Problem]:
    """Compile one expression and check its references and literal regex() patterns.

    A reference to a question refused for a left-out feature is not reported again."""
    try:
        compiled = compile_expression(text)
    except ExpressionError as error:
        return [_expression_problem(error, where)]
    problems = [
        problem("EXPRESSION-010", where, name=name, reason=METADATA_NAMES[name])
        if name in METADATA_NAMES
        else problem("INSTRUMENT-012", where, name=name, hint=near_miss(name, names))
        for name in compiled.references
        if name not in names and name not in refused
    ]
    for match in _REGEX_LITERAL.finditer(text):
        try:
            compile_pattern(match.group(1) if match.group(1) is not None else match.group(2))
        except ExpressionError as error:
            problems.append(_expression_problem(error, where))
    return problems


def _expression_problem(error: ExpressionError, where: Location) -> Problem:
    code = _EXPRESSION_CODES.get(error.kind, "EXPRESSION-001")
    return problem(
        code,
        where,
        reason=error.reason,
        function=error.detail,
        name=error.detail,
        hint=near_miss(error.detail, ALLOWED_FUNCTIONS) if error.kind == "function" else "",
        limit=_limit(error.kind),
    )


def _limit(kind: str) -> int:
    return MAX_EXPRESSION_CHARS if kind == "length" else MAX_EXPRESSION_DEPTH


def _expressions(instrument: Instrument, sheets: Sheets) -> Iterator[tuple[str, Location]]:
    for question in instrument.questions:
        base = question.location
        columns = {
            "relevant": question.relevant,
            "constraint": question.constraint,
            "calculation": question.calculation,
            "choice_filter": question.choice_filter,
            "required": question.required if question.required != "yes" else None,
        }
        for column, text in columns.items():
            if text and not _generated(instrument, question, column):
                yield text, Location(base.file, base.sheet, base.row, column)
    for row in sheets.survey:
        if parse_type(row.get("type")).base == "begin group":
            relevant = row.get("relevant") or row.get("relevance")
            if relevant:
                yield relevant, Location(sheets.file, "survey", row.number, "relevant")
    for row in sheets.checks:
        if row.get("expression"):
            yield row.get("expression"), Location(sheets.file, "checks", row.number, "expression")


def _generated(instrument: Instrument, question: Question, column: str) -> bool:
    """The relevant of an or_other text question is ours, not the author's."""
    if column != "relevant" or not question.name.endswith("_other"):
        return False
    owner = question.name[: -len("_other")]
    return any(q.name == owner and q.has_other for q in instrument.questions)


# --- `${name}` in labels and hints --------------------------------------------------------------

_REFERENCE = re.compile(r"\$\{\s*([^\s{}]+)\s*\}")  # as collect/piping.py fills them in
_SHOWN_TEXTS = ("label", "hint")


def _text_references(instrument: Instrument, sheets: Sheets, refused: set[str]) -> list[Problem]:
    """A `${name}` in a label or hint names a question above it whose answer is known when the
    page is drawn: answered on an earlier page, or a calculation (computed as the page is drawn).

    Metadata names get EXPRESSION-010 as in expressions; `${last-saved#x}` is refused on its row
    already (questions.py), and so is a question refused for a left-out feature.
    """
    by_name = {q.name: q for q in instrument.questions}
    page_of = {q.name: i for i, page in enumerate(instrument.pages) for q in page.questions}
    rows = sorted(
        (q.location.row or 0, page_of[q.name]) for q in instrument.questions if q.name in page_of
    )
    problems: list[Problem] = []
    for row in sheets.survey:
        own = next((page for number, page in rows if number >= row.number), None)
        for column, text in row.cells.items():
            if column.split("::")[0].lower() not in _SHOWN_TEXTS or "${" not in text:
                continue
            where = Location(sheets.file, "survey", row.number, column)
            for name in dict.fromkeys(m.group(1) for m in _REFERENCE.finditer(text)):
                found = _text_reference(name, by_name, page_of, row.number, own, where, refused)
                problems.extend(found)
    return problems


def _text_reference(
    name: str,
    by_name: Mapping[str, Question],
    page_of: Mapping[str, int],
    row: int,
    own: int | None,
    where: Location,
    refused: set[str],
) -> list[Problem]:
    if name in refused or name.startswith("last-saved#"):
        return []
    if name in METADATA_NAMES:
        return [problem("EXPRESSION-010", where, name=name, reason=METADATA_NAMES[name])]
    question = by_name.get(name)
    if question is None:
        return [problem("INSTRUMENT-053", where, column=where.column, name=name,
                        hint=near_miss(name, by_name))]  # fmt: skip
    if (question.location.row or 0) > row:
        later = "further down the form"
    elif question.is_answered and page_of.get(name) == own:
        later = "on the same page"
    else:
        return []
    return [problem("INSTRUMENT-054", where, column=where.column, name=name, where=later)]


# --- page order ------------------------------------------------------------------------------------


def _page_order(instrument: Instrument, sheets: Sheets, names: set[str]) -> list[Problem]:
    """Relevance, required and choice filters may only read earlier pages; constraints this page too.

    A group's condition is reported once, on the group's row.
    """
    page_of = {q.name: i for i, page in enumerate(instrument.pages) for q in page.questions}
    ready = _ready_page(instrument, page_of)
    group_rows = _group_rows(sheets)
    found: dict[tuple[int | None, str, str], Problem] = {}
    for question in instrument.questions:
        if question.name not in page_of or _generated(instrument, question, "relevant"):
            continue
        own = page_of[question.name]
        for row, column, text in _conditions_of(question, group_rows):
            for name in _safe_references([text]):
                if name not in names or (name == question.name and column == "constraint"):
                    continue
                when = ready.get(name, -1)
                if when > own or (when == own and not _SAME_PAGE_OK[column]):
                    where = _describe_page(instrument, when, own)
                    location = Location(sheets.file, "survey", row, column)
                    found.setdefault(
                        (row, column, name),
                        problem("INSTRUMENT-013", location, column=column, name=name, where=where),
                    )
    return list(found.values())


def _group_rows(sheets: Sheets) -> dict[str, tuple[int, str]]:
    """Group name -> (row, relevant) for every begin group row."""
    rows: dict[str, tuple[int, str]] = {}
    for row in sheets.survey:
        cells = {k.lower(): v for k, v in row.cells.items()}
        if parse_type(cells.get("type", "")).base == "begin group" and cells.get("name"):
            relevant = cells.get("relevant") or cells.get("relevance") or ""
            rows.setdefault(cells["name"], (row.number, relevant))
    return rows


def _conditions_of(
    question: Question, group_rows: Mapping[str, tuple[int, str]]
) -> Iterator[tuple[int | None, str, str]]:
    """(row, column, expression) of every condition that decides what this question's page shows."""
    for group in question.group_path:
        row, relevant = group_rows.get(group, (None, ""))
        if relevant:
            yield row, "relevant", relevant
    row = question.location.row
    required = question.required if question.required not in (None, "yes") else None
    for column, text in (
        ("relevant", question.relevant),
        ("required", required),
        ("choice_filter", question.choice_filter),
        ("constraint", question.constraint),
    ):
        if text:
            yield row, column, text


def _describe_page(instrument: Instrument, when: int, own: int) -> str:
    if when == own:
        return "the same page"
    return f'a later page ("{instrument.pages[when].id}")'


def _safe_references(texts: list[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        try:
            found.extend(compile_expression(text).references)
        except ExpressionError:
            continue
    return list(dict.fromkeys(found))


def _ready_page(instrument: Instrument, page_of: Mapping[str, int]) -> dict[str, int]:
    """The page after which each value is known: its own page, or for a calculation the latest
    page among what it reads (-1 when it reads nothing)."""
    by_name = {q.name: q for q in instrument.questions}
    ready: dict[str, int] = {}

    def visit(name: str, seen: frozenset[str]) -> int:
        if name in ready:
            return ready[name]
        question = by_name.get(name)
        if question is None or name in seen:
            return -1
        if name in page_of:
            result = page_of[name]
        else:
            reads = _safe_references(
                [question.calculation or "", question.relevant or "", *question.group_relevant]
            )
            result = max((visit(r, seen | {name}) for r in reads), default=-1)
        ready[name] = result
        return result

    for question in instrument.questions:
        visit(question.name, frozenset())
    return ready


# --- cycles ----------------------------------------------------------------------------------------


def _cycles(instrument: Instrument) -> list[Problem]:
    calculations = {q.name: q for q in instrument.questions if q.type == "calculate"}
    graph = {
        name: [
            r
            for r in _safe_references([q.calculation or "", q.relevant or ""])
            if r in calculations
        ]
        for name, q in calculations.items()
    }
    problems, reported = [], set()
    for start in graph:
        cycle = _find_cycle(graph, start)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            q = calculations[cycle[0]]
            where = Location(q.location.file, q.location.sheet, q.location.row, "calculation")
            listed = " -> ".join(f'"{n}"' for n in [*cycle, cycle[0]])
            problems.append(problem("INSTRUMENT-014", where, names=listed))
    return problems


def _find_cycle(graph: Mapping[str, list[str]], start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, []):
            if nxt == start:
                return path
            if nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


# --- translations ----------------------------------------------------------------------------------


def _translations(instrument: Instrument, sheets: Sheets) -> list[Problem]:
    """Every translated text present in one language must be present in all (a warning)."""
    if len(instrument.languages) < 2:
        return []
    problems: list[Problem] = []
    for item, column, location in _translated_texts(instrument, sheets):
        if not item:
            continue
        for lang in instrument.languages:
            if not item.by_language.get(lang.code):
                where = Location(
                    location.file,
                    location.sheet,
                    location.row,
                    _column_name(instrument, column, lang.code, lang.name),
                )
                problems.append(
                    problem(
                        "INSTRUMENT-022",
                        where,
                        severity="warning",
                        language=lang.name,
                        lang_code=lang.code,
                    )
                )
    return problems


def _column_name(instrument: Instrument, column: str, code: str, name: str) -> str:
    if column == "form_title":  # see yamlform.py: pyxform refuses form_title::...
        return "form_title" if code == instrument.default_language else f"form_title_{code}"
    return f"{column}::{name} ({code})"


def _translated_texts(
    instrument: Instrument, sheets: Sheets
) -> Iterator[tuple[Translations, str, Location]]:
    file = sheets.file
    yield instrument.title, "form_title", Location(file, "settings", 2)
    for question in instrument.questions:
        if question.location.row is None or _generated(instrument, question, "relevant"):
            continue
        for column in ("label", "hint", "required_message", "constraint_message"):
            yield getattr(question, column), column, question.location
    seen: set[tuple[str, str]] = set()
    for question in instrument.questions:
        for choice in question.choices:
            key = (question.list_name or "", choice.name)
            if choice.location.row is not None and key not in seen:
                seen.add(key)
                yield choice.label, "label", choice.location
    rows = {row.get("id"): row.number for row in sheets.help}
    for resource in instrument.help_resources:
        where = Location(file, "help", rows.get(resource.id))
        yield resource.label, "label", where
        yield resource.description, "description", where
    check_rows = {row.get("name"): row.number for row in sheets.checks}
    for name, message in instrument.inconsistency_messages.items():
        yield message, "message", Location(file, "checks", check_rows.get(name))
