"""Descriptive summaries: shares with intervals for categories and options, medians for numbers.

A select_multiple is read from its `<name>__<choice>` 0/1 columns (or split from its text) so each
option is its own share of those who answered the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from helpseek.analysis.coding import as_text
from helpseek.analysis.prevalence import PrevalenceResult
from helpseek.analysis.spec import ItemSpec


@dataclass(frozen=True)
class ShareRow:
    """One category or option: `count` of `denominator`, with an interval."""

    level: str
    count: int
    denominator: int
    ci_low: float
    ci_high: float

    @property
    def percent(self) -> float:
        return 100 * self.count / self.denominator if self.denominator else float("nan")


@dataclass(frozen=True)
class DescriptionResult:
    """The summary of one item: shares (categorical, multiple) or numeric statistics."""

    variable: str
    kind: str
    n: int
    n_missing: int
    shares: tuple[ShareRow, ...] = ()
    statistics: tuple[tuple[str, float], ...] = ()
    method: str = "wilson"

    def to_dict(self) -> dict[str, Any]:
        return {
            "variable": self.variable, "kind": self.kind, "n": self.n, "n_missing": self.n_missing,
            "ci_method": self.method,
            "shares": [{"level": s.level, "count": s.count, "denominator": s.denominator,
                        "percent": s.percent, "ci_low": s.ci_low, "ci_high": s.ci_high}
                       for s in self.shares],
            "statistics": {k: (None if not np.isfinite(v) else v) for k, v in self.statistics},
        }  # fmt: skip


def item_columns(frame: pd.DataFrame, name: str) -> dict[str, pd.Series]:
    """0/1 (NA when unanswered) per option of a select_multiple, from `name__option` or the text."""
    prefix = f"{name}__"
    found = {
        str(c)[len(prefix) :]: pd.to_numeric(frame[c], errors="coerce")
        for c in frame.columns
        if str(c).startswith(prefix)
    }
    if found:
        return found
    text = as_text(frame[name])
    options = sorted({o for v in text.dropna() for o in v.split()})
    return {
        o: text.map(lambda v, o=o: np.nan if v is None else float(o in v.split())) for o in options
    }


def describe_item(frame: pd.DataFrame, item: ItemSpec, method: str = "wilson") -> DescriptionResult:
    """Describe one item of `frame` as its spec says (categorical, numeric or multiple)."""
    if item.type == "numeric":
        values = pd.to_numeric(frame[item.name], errors="coerce").dropna().to_numpy(float)
        stats = (
            ("median", _q(values, 0.5)),
            ("q1", _q(values, 0.25)),
            ("q3", _q(values, 0.75)),
            ("mean", float(values.mean()) if len(values) else float("nan")),
            ("sd", float(values.std(ddof=1)) if len(values) > 1 else float("nan")),
            ("min", float(values.min()) if len(values) else float("nan")),
            ("max", float(values.max()) if len(values) else float("nan")),
        )
        return DescriptionResult(
            item.name, "numeric", len(values), len(frame) - len(values), statistics=stats
        )
    if item.type == "multiple":
        options = item_columns(frame, item.name)
        answered = (
            pd.concat(options.values(), axis=1).notna().any(axis=1)
            if options
            else frame.index.isna()
        )
        n = int(answered.sum())
        rows = tuple(
            _share(o, int((s[answered] == 1).sum()), n, method) for o, s in options.items()
        )
        return DescriptionResult(item.name, "multiple", n, len(frame) - n, rows, method=method)
    text = as_text(frame[item.name]).dropna()
    n = len(text)
    counts = text.value_counts()
    rows = tuple(_share(str(level), int(c), n, method) for level, c in counts.items())
    return DescriptionResult(item.name, "categorical", n, len(frame) - n, rows, method=method)


def _share(level: str, count: int, n: int, method: str) -> ShareRow:
    ci = PrevalenceResult(level, count, n, method=method).interval()
    return ShareRow(level, count, n, ci.low, ci.high)


def _q(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q)) if len(values) else float("nan")
