"""Screening flags per response: speeding, straight-lining, duplicates, inconsistencies, free text.

Flags never delete a row: each is a `flag_<name>` column with a reason in `flag_reasons`; which flags
exclude is the analysis spec's choice. Imports instrument for the declared checks and batteries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from helpseek.instrument import ExpressionError, Instrument, evaluate
from helpseek.problems import InputError, Problem, near_miss, problem
from helpseek.quality.text import is_gibberish, redact

FLAGS = ("speeding", "straightlining", "duplicates", "inconsistent", "gibberish", "identifying")
METADATA = frozenset({
    "response_id", "instrument", "instrument_version", "language", "status", "submitted_on",
    "duration_s", "pages_submitted", "last_page", "language_review", "unanswered",
})  # fmt: skip
_REFERENCE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")


@dataclass(frozen=True)
class ScreeningOptions:
    """Thresholds and the item lists to check (from the instrument, the spec, or given here)."""

    speeding_ratio: float = 0.3
    duplicates_min_answered: int = 5
    straightlining_min_items: int = 3
    batteries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    checks: tuple[tuple[str, str], ...] = ()
    text_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScreeningResult:
    """The frame with `flag_*` columns, `flag_reasons` and free text redacted; `counts` per flag."""

    frame: pd.DataFrame
    counts: Mapping[str, int]
    options: ScreeningOptions

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "speeding_ratio": self.options.speeding_ratio,
            "duplicates_min_answered": self.options.duplicates_min_answered,
            "batteries": {k: list(v) for k, v in self.options.batteries.items()},
            "checks": [list(c) for c in self.options.checks],
        }


def options_for(
    instrument: Instrument | None, raw: Mapping[str, Any] | None = None
) -> ScreeningOptions:
    """Options from an instrument's declared batteries/checks/text questions plus spec overrides.

    `raw` is the spec's `screening_options` mapping; bad values raise InputError (QUALITY-003).
    """
    raw = dict(raw or {})
    batteries = dict(instrument.batteries) if instrument else {}
    checks = tuple(instrument.inconsistencies) if instrument else ()
    texts = tuple(q.name for q in instrument.questions if q.type == "text") if instrument else ()
    problems: list[Problem] = []
    ratio = raw.pop("speeding_ratio", 0.3)
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 < ratio < 1:
        problems.append(
            problem(
                "QUALITY-003",
                option="speeding_ratio",
                value=ratio,
                expected="a number between 0 and 1, e.g. 0.3",
            )
        )
        ratio = 0.3
    counts = {}
    for key, default in (("duplicates_min_answered", 5), ("straightlining_min_items", 3)):
        value = raw.pop(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(
                problem(
                    "QUALITY-003", option=key, value=value, expected="a whole number of at least 1"
                )
            )
            value = default
        counts[key] = value
    batteries.update(
        {str(k): tuple(str(c) for c in v) for k, v in (raw.pop("batteries", None) or {}).items()}
    )
    checks += tuple((str(c["name"]), str(c["expression"])) for c in raw.pop("checks", None) or [])
    texts += tuple(str(t) for t in raw.pop("text_columns", None) or [])
    for key in raw:
        problems.append(
            problem(
                "QUALITY-003",
                option=key,
                value=raw[key],
                expected="a known option: "
                "speeding_ratio, duplicates_min_answered, straightlining_min_items, "
                "batteries, checks, text_columns" + near_miss(key, ["speeding_ratio"]),
            )
        )
    if problems:
        raise InputError(problems)
    return ScreeningOptions(
        float(ratio),
        counts["duplicates_min_answered"],
        counts["straightlining_min_items"],
        batteries,
        checks,
        texts,
    )


def screen(
    data: pd.DataFrame,
    options: ScreeningOptions | None = None,
    instrument: Instrument | None = None,
) -> ScreeningResult:
    """Add every flag to a copy of `data`, redact identifying free text, and count the flags."""
    options = options or options_for(instrument)
    frame = data.copy()
    reasons: list[list[str]] = [[] for _ in range(len(frame))]
    types = {q.name: q.type for q in instrument.questions} if instrument else {}
    results = {
        "speeding": _speeding(frame, options.speeding_ratio),
        "straightlining": _straightlining(frame, options),
        "duplicates": _duplicates(frame, options.duplicates_min_answered),
        "inconsistent": _inconsistent(frame, options.checks, types),
    }
    results.update(_free_text(frame, options.text_columns))
    counts = {}
    for name in FLAGS:
        flagged, why = results[name]
        frame[f"flag_{name}"] = flagged
        counts[name] = int(flagged.sum())
        for i in np.flatnonzero(flagged):
            reasons[i].append(f"{name}: {why[i]}")
    frame["flag_reasons"] = ["; ".join(r) for r in reasons]
    return ScreeningResult(frame, counts, options)


Flags = tuple[np.ndarray, list[str]]


def _speeding(frame: pd.DataFrame, ratio: float) -> Flags:
    """Seconds per page submitted below `ratio` x the median (relative speed; handles partials)."""
    n = len(frame)
    if "duration_s" not in frame.columns or "pages_submitted" not in frame.columns:
        return np.zeros(n, bool), [""] * n
    seconds = pd.to_numeric(frame["duration_s"], errors="coerce").to_numpy(float)
    pages = pd.to_numeric(frame["pages_submitted"], errors="coerce").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_page = np.where(pages > 0, seconds / pages, np.nan)
    median = float(np.nanmedian(per_page)) if np.isfinite(per_page).any() else np.nan
    flagged = (
        np.nan_to_num(per_page < ratio * median, nan=0).astype(bool)
        if median > 0
        else np.zeros(n, bool)
    )
    why = [
        f"{v:.1f} s per page is {v / median:.2f} × the median {median:.1f} s" if f else ""
        for v, f in zip(per_page, flagged)
    ]
    return flagged, why


def _straightlining(frame: pd.DataFrame, options: ScreeningOptions) -> Flags:
    n = len(frame)
    flagged, why = np.zeros(n, bool), [""] * n
    problems = [
        problem("QUALITY-001", battery=b, name=c, hint=near_miss(c, frame.columns))
        for b, cols in options.batteries.items()
        for c in cols
        if c not in frame.columns
    ]
    if problems:
        raise InputError(problems)
    for battery, columns in options.batteries.items():
        if len(columns) < options.straightlining_min_items:
            continue
        # column against column, not row by row (a million rows in a second, issue 16)
        values = [frame[c].to_numpy(dtype=object, na_value=None) for c in columns]
        same = frame[list(columns)].notna().all(axis=1).to_numpy().copy()
        for other in values[1:]:
            same &= (other == values[0]).astype(bool)
        for i in np.flatnonzero(same):
            flagged[i] = True
            why[i] = (
                why[i] + ", " if why[i] else ""
            ) + f'all {len(columns)} items of "{battery}" are "{values[0][i]}"'
    return flagged, why


def _answer_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in METADATA and not str(c).startswith("flag_")]


def _duplicates(frame: pd.DataFrame, min_answered: int) -> Flags:
    """Later copies of an identical answer vector (among responses with >= `min_answered` answers)."""
    n = len(frame)
    columns = _answer_columns(frame)
    if not columns:
        return np.zeros(n, bool), [""] * n
    # answers compared as text (a missing answer as "None"), each column coded once: no string
    # per cell, so a million rows stay small and fast (issue 16)
    codes = pd.DataFrame({i: _text_codes(frame[c]) for i, c in enumerate(columns)})
    answered = frame[columns].notna().sum(axis=1).to_numpy() >= min_answered
    key = pd.util.hash_pandas_object(codes, index=False).to_numpy()
    first_of: dict[int, int] = {}
    flagged, why = np.zeros(n, bool), [""] * n
    ids = (
        frame["response_id"].astype(str).tolist()
        if "response_id" in frame.columns
        else [f"row {i + 2}" for i in range(n)]
    )
    for i in range(n):
        if not answered[i]:
            continue
        if key[i] in first_of:
            flagged[i] = True
            why[i] = f"same answers as {ids[first_of[key[i]]]}"
        else:
            first_of[key[i]] = i
    return flagged, why


def _text_codes(column: pd.Series) -> np.ndarray:
    """One integer per distinct text of the answers (str(value); missing is "None")."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    texts = [str(u) for u in np.asarray(uniques, dtype=object)] + ["None"]
    return pd.factorize(np.array(texts, dtype=object))[0].astype(np.int32)[codes]


def _inconsistent(
    frame: pd.DataFrame, checks: Sequence[tuple[str, str]], types: Mapping[str, str]
) -> Flags:
    """Rows where a declared inconsistency expression is true, evaluated once per distinct answer
    pattern of the columns it names (on that pattern's first row) and spread to the other rows."""
    n = len(frame)
    flagged, why = np.zeros(n, bool), [""] * n
    for name, expression in checks:
        names = [c for c in dict.fromkeys(_REFERENCE.findall(expression)) if c in frame.columns]
        first, pattern = _answer_patterns(frame, names)
        rows = frame[names].iloc[first]
        keys = rows.astype(object).where(rows.notna(), None).itertuples(index=False)
        outcome = []
        for key in keys:
            answers = {c: _answer(v, types.get(c)) for c, v in zip(names, key) if v is not None}
            try:
                outcome.append(bool(evaluate(expression, answers)))
            except ExpressionError as error:
                raise InputError(
                    [problem("QUALITY-002", name=name, expression=expression, reason=error)]
                ) from None
        for i in np.flatnonzero(np.asarray(outcome, dtype=bool)[pattern]):
            flagged[i] = True
            why[i] = (why[i] + ", " if why[i] else "") + name
    return flagged, why


def _answer_patterns(frame: pd.DataFrame, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(the first row of each distinct combination of values in the columns `names`, the number of
    each row's combination); missing values are one value. One combination when `names` is empty."""
    if not names or not len(frame):
        return np.zeros(min(len(frame), 1), dtype=np.int64), np.zeros(len(frame), dtype=np.int64)
    codes = [pd.factorize(frame[c], use_na_sentinel=True)[0] + 1 for c in names]  # missing: 0
    radix = [int(c.max()) + 1 for c in codes]
    if float(np.prod(radix, dtype=float)) < 2.0**62:
        key = np.zeros(len(frame), dtype=np.int64)
        for code, r in zip(codes, radix):
            key = key * r + code
        _, first, pattern = np.unique(key, return_index=True, return_inverse=True)
    else:
        stacked = np.column_stack(codes)
        _, first, pattern = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    return first, pattern.ravel()


def _answer(value: object, kind: str | None) -> Any:
    if kind == "select_multiple":
        return str(value).split()
    if kind == "integer":
        return int(float(value))  # type: ignore[arg-type]
    if kind == "decimal":
        return float(value)  # type: ignore[arg-type]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else float(value)
    return str(value)


def _free_text(frame: pd.DataFrame, columns: Sequence[str]) -> dict[str, Flags]:
    """Flag gibberish and identifying details in the free-text columns, redacting the latter in place."""
    n = len(frame)
    gib, gib_why = np.zeros(n, bool), [""] * n
    ids, ids_why = np.zeros(n, bool), [""] * n
    for column in [c for c in columns if c in frame.columns]:
        values = frame[column].tolist()
        cleaned: list[object] = []
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                cleaned.append(value)
                continue
            if is_gibberish(value):
                gib[i], gib_why[i] = True, f"{column} carries no words"
            result = redact(value)
            if result.kinds:
                ids[i] = True
                ids_why[i] = (
                    ids_why[i] + ", " if ids_why[i] else ""
                ) + f"{' and '.join(result.kinds)} in {column} (redacted)"
            cleaned.append(result.text)
        frame[column] = pd.Series(cleaned, index=frame.index, dtype=object)
    return {"gibberish": (gib, gib_why), "identifying": (ids, ids_why)}
