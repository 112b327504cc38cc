"""Page records -> one row per response (the dataset contract in data/README.md).

For each question the record with the highest `seq` that showed it wins; the final answers are
then run through the questionnaire's logic once more, so an answer made irrelevant by a later
change (back navigation) counts as "not shown", and calculations get their final values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd

from helpseek.instrument import Instrument, Question, compute_state
from helpseek.problems import InputError, Problem, problem
from helpseek.store import PageRecord

from .dataset import (
    META_COLUMNS,
    UNANSWERED,
    ChoiceCode,
    Dataset,
    Storage,
    Variable,
    dtype_of,
    with_export_names,
)

_META_LABELS = {
    "response_id": "Response id (random)",
    "instrument": "Questionnaire (form_id)",
    "instrument_version": "Questionnaire version",
    "language": "Language the respondent used last",
    "status": "complete or partial (breakoff)",
    "submitted_on": "Date of the last page submitted",
    "duration_s": "Sum of the rounded page durations (seconds)",
    "pages_submitted": "Pages submitted",
    "last_page": "Last page submitted",
    "language_review": "Review status of that language's translation: source, reviewed, "
    "machine-draft or not stated (issue 15)",
}
_META_STORAGE: dict[str, Storage] = {"duration_s": "integer", "pages_submitted": "integer"}
_STORAGE: dict[str, Storage] = {
    "text": "string",
    "acknowledge": "string",
    "select_multiple": "string",
    "select_one": "code",
    "integer": "integer",
    "decimal": "decimal",
    "calculate": "string",
}


@dataclass
class _Row:
    values: dict[str, Any]
    unanswered: list[str]


def assemble(
    records: Iterable[PageRecord], instruments: Sequence[Instrument], language: str | None = None
) -> Dataset:
    """One row per response, labels in `language` (default: the first instrument's default).

    Raises InputError (DATA-001) when records belong to a questionnaire not in `instruments`,
    and DATA-002 when versions disagree on a question's type in a way that cannot merge.
    """
    if not instruments:
        raise InputError([problem("DATA-003")])
    ordered = _newest_first(instruments)
    language = language or ordered[0].default_language
    known = sorted({code for i in ordered for code in i.language_codes})
    if language not in known:
        raise InputError([problem("DATA-008", language=language, known=", ".join(known))])
    responses = _group(records)
    chosen = {rid: _instrument_for(pages, ordered) for rid, pages in responses.items()}
    _check_all_found(responses, chosen)
    rows = [_row(pages, chosen[rid]) for rid, pages in responses.items()]  # type: ignore[arg-type]
    variables = _variables(ordered, language, rows)
    frame = _frame(rows, variables)
    forms = tuple(dict.fromkeys((i.form_id, i.version) for i in ordered))
    return Dataset(frame, with_export_names(variables), language, forms)


def _group(records: Iterable[PageRecord]) -> dict[str, list[PageRecord]]:
    responses: dict[str, list[PageRecord]] = {}
    for record in records:
        responses.setdefault(record.response_id, []).append(record)
    for pages in responses.values():
        pages.sort(key=lambda r: r.seq)
    return responses


def _version_key(version: str) -> tuple[tuple[int, Any], ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-_ ]", version))


def _newest_first(instruments: Sequence[Instrument]) -> list[Instrument]:
    forms = list(dict.fromkeys(i.form_id for i in instruments))
    return [
        inst
        for form in forms
        for inst in sorted(
            (i for i in instruments if i.form_id == form),
            key=lambda i: _version_key(i.version),
            reverse=True,
        )
    ]


def _instrument_for(pages: list[PageRecord], ordered: list[Instrument]) -> Instrument | None:
    last = pages[-1]
    same_form = [i for i in ordered if i.form_id == last.form_id]
    exact = [i for i in same_form if i.version == last.form_version]
    candidates = exact or same_form
    return candidates[0] if candidates else None


def _check_all_found(
    responses: dict[str, list[PageRecord]], chosen: dict[str, Instrument | None]
) -> None:
    missing: dict[tuple[str, str], int] = {}
    for rid, instrument in chosen.items():
        if instrument is None:
            last = responses[rid][-1]
            key = (last.form_id, last.form_version)
            missing[key] = missing.get(key, 0) + 1
    if missing:
        raise InputError(
            [
                problem("DATA-001", form=form, version=version, count=count)
                for (form, version), count in missing.items()
            ]
        )


def _row(pages: list[PageRecord], instrument: Instrument) -> _Row:
    last = pages[-1]
    shown_last: dict[str, bool] = {}  # question -> answered, from the highest seq showing it
    answers: dict[str, Any] = {}
    for page in pages:
        for name in page.shown:
            shown_last[name] = name in page.answers
            answers.pop(name, None)
        answers.update(page.answers)
    state = compute_state(
        instrument, answers, today=_date(last.submitted_on), language=last.language
    )
    values: dict[str, Any] = {
        "response_id": last.response_id,
        "instrument": instrument.form_id,
        "instrument_version": last.form_version,
        "language": last.language,
        "status": "complete" if any(p.status == "complete" for p in pages) else "partial",
        "submitted_on": last.submitted_on,
        "duration_s": sum(p.page_seconds for p in pages),
        "pages_submitted": len(pages),
        "last_page": last.page_id,
        "language_review": language_review(instrument, last.language),
    }
    unanswered = []
    for question in instrument.questions:
        if question.name in state.values:
            values[question.name] = state.values[question.name]
        elif shown_last.get(question.name) is False and state.is_relevant(question.name):
            unanswered.append(question.name)
    return _Row(values, unanswered)


def language_review(instrument: Instrument, language: str) -> str:
    """`source` for the questionnaire's own language, else the review status of its translation
    in this questionnaire version (`reviewed`, `machine-draft`, `not stated`)."""
    if language == instrument.default_language:
        return "source"
    if language in instrument.language_codes:
        return instrument.language(language).review_status
    return "not stated"


def _date(text: str) -> date | None:
    """The date a page was stored with: "2026-01-15", or "2026-01" (month precision), which
    the form's logic saw as the 1st of the month when the respondent answered."""
    try:
        return date.fromisoformat(text if len(text) != 7 else f"{text}-01")
    except ValueError:
        return None


def _variables(ordered: list[Instrument], language: str, rows: list[_Row]) -> list[Variable]:
    variables = [
        Variable(name, _META_LABELS[name], "meta", _META_STORAGE.get(name, "string"))
        for name in META_COLUMNS
    ]
    questions = _merged_questions(ordered)
    for question, instrument in questions.values():
        base = _question_variable(question, instrument, language, rows)
        variables.append(base)
        if question.type == "select_multiple":
            variables.extend(_flag_variables(base))
    variables.append(Variable(UNANSWERED, "Questions shown but not answered", "meta", "string"))
    return variables


def _merged_questions(ordered: list[Instrument]) -> dict[str, tuple[Question, Instrument]]:
    """Every answered question and calculation, newest version first; choices merged."""
    merged: dict[str, tuple[Question, Instrument]] = {}
    problems: list[Problem] = []
    for instrument in ordered:
        for question in instrument.questions:
            if question.type == "note":
                continue
            if question.name not in merged:
                merged[question.name] = (question, instrument)
                continue
            first, first_instrument = merged[question.name]
            if _STORAGE[first.type] != _STORAGE[question.type] or (
                (first.type == "select_multiple") != (question.type == "select_multiple")
            ):
                problems.append(
                    problem(
                        "DATA-002",
                        name=question.name,
                        first=f"{first_instrument.version}: {first.type}",
                        second=f"{instrument.version}: {question.type}",
                    )
                )
                continue
            known = {c.name for c in first.choices}
            extra = tuple(c for c in question.choices if c.name not in known)
            if extra:
                merged[question.name] = (
                    replace(first, choices=first.choices + extra),
                    first_instrument,
                )
    if problems:
        raise InputError(problems)
    return merged


def _question_variable(
    question: Question, instrument: Instrument, language: str, rows: list[_Row]
) -> Variable:
    fallback = instrument.default_language
    choices = [(c.name, c.label.get(language, fallback) or c.name) for c in question.choices]
    if question.choices:  # a name no questionnaire version lists still gets a code
        known = {name for name, _ in choices}
        for row in rows:
            for name in _chosen(row.values.get(question.name)):
                if name not in known:
                    known.add(name)
                    choices.append((name, name))
    storage = _STORAGE[question.type]
    if question.type == "calculate":
        storage = _calculate_storage([row.values.get(question.name) for row in rows])
    conditions = [*question.group_relevant, *([question.relevant] if question.relevant else [])]
    return Variable(
        name=question.name,
        label=question.label.get(language, fallback) or question.name,
        kind=question.type,
        storage=storage,
        question=question.name,
        choices=tuple(ChoiceCode(i, n, lab) for i, (n, lab) in enumerate(choices, start=1)),
        relevance=" and ".join(f"({c})" for c in conditions)
        if len(conditions) > 1
        else (conditions[0] if conditions else None),
        has_missing_codes=question.type in ("select_one", "integer", "decimal"),
    )


def _flag_variables(base: Variable) -> list[Variable]:
    return [
        Variable(
            name=f"{base.name}__{choice.name}",
            label=f"{base.label}: {choice.label}",
            kind="choice_flag",
            storage="integer",
            question=base.name,
            relevance=base.relevance,
            has_missing_codes=True,
        )
        for choice in base.choices
    ]


def _chosen(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _calculate_storage(values: list[Any]) -> Storage:
    present = [str(v) for v in values if v is not None]
    try:
        numbers = [float(v) for v in present]
    except ValueError:
        return "string"
    if not numbers:
        return "string"
    return "integer" if all(re.fullmatch(r"-?\d+", v) for v in present) else "decimal"


def _frame(rows: list[_Row], variables: list[Variable]) -> pd.DataFrame:
    columns: dict[str, list[Any]] = {v.name: [] for v in variables}
    for row in rows:
        for variable in variables:
            columns[variable.name].append(_cell(variable, row))
    data = {v.name: pd.array(columns[v.name], dtype=dtype_of(v.storage)) for v in variables}
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def _cell(variable: Variable, row: _Row) -> Any:
    if variable.name == UNANSWERED:
        return " ".join(row.unanswered)
    if variable.kind == "choice_flag":
        chosen = row.values.get(variable.question or "")
        if chosen is None:
            return pd.NA
        return int(variable.name.removeprefix(f"{variable.question}__") in _chosen(chosen))
    value = row.values.get(variable.name)
    if value is None:
        return pd.NA if variable.storage != "decimal" else float("nan")
    if variable.kind == "select_multiple":
        return " ".join(_chosen(value))
    if variable.storage == "integer":
        return int(value)
    if variable.storage == "decimal":
        return float(value)
    return str(value)
