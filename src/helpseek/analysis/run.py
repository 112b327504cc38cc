"""One analysis run: spec + DataFrame -> AnalysisResult (flow, prevalence, Table 1, models, descriptions).

`analysis` knows nothing about surveys: it reads the columns the spec names, and `flag_*` columns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from threadpoolctl import threadpool_limits

from helpseek.analysis.bivariate import (
    FISHER_TESTS,
    BivariateResult,
    categorical_by_group,
    numeric_by_group,
)
from helpseek.analysis.coding import Predictor, as_text
from helpseek.analysis.describe import DescriptionResult, describe_item, item_columns
from helpseek.analysis.filters import compile_filter
from helpseek.analysis.fisher import MONTE_CARLO_NOTE
from helpseek.analysis.imputation import SEED
from helpseek.analysis.logistic import LogisticResult
from helpseek.analysis.models import fit_models
from helpseek.analysis.prepare import FlowStep, prepare
from helpseek.analysis.prevalence import PrevalenceResult
from helpseek.analysis.spec import AnalysisSpec, ItemSpec

SCHEMA = "helpseek.results/1"


@dataclass(frozen=True)
class MissingCount:
    """How many analysed rows have no answer for `variable`."""

    variable: str
    n_missing: int
    n: int

    def to_dict(self) -> dict[str, Any]:
        share = self.n_missing / self.n if self.n else float("nan")
        return {
            "variable": self.variable,
            "n_missing": self.n_missing,
            "n": self.n,
            "percent": 100 * share,
        }


@dataclass(frozen=True)
class ComparisonResult:
    """Two samples side by side: group labels and sizes, and one test per item (or option)."""

    groups: tuple[str, str]
    sizes: tuple[int, int]
    items: tuple[BivariateResult, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": list(self.groups),
            "sizes": list(self.sizes),
            "items": [i.to_dict() for i in self.items],
        }


@dataclass(frozen=True)
class AnalysisResult:
    """Everything one run produced; `to_dict()` is results.json (schema helpseek.results/1)."""

    spec: AnalysisSpec
    flow: tuple[FlowStep, ...]
    prevalence: tuple[PrevalenceResult, ...] = ()
    table1: tuple[tuple[str, BivariateResult], ...] = ()
    missingness: tuple[MissingCount, ...] = ()
    models: tuple[LogisticResult, ...] = ()
    descriptions: tuple[DescriptionResult, ...] = ()
    comparison: ComparisonResult | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def model(self, outcome: str, kind: str, variable: str | None = None) -> LogisticResult:
        """The complete-case model of `outcome` ("univariable" needs the predictor's name)."""
        return next(
            m
            for m in self.models
            if m.outcome == outcome
            and m.kind == kind
            and m.missing == "complete"
            and (variable is None or any(t.variable == variable for t in m.terms))
        )

    def to_dict(self) -> dict[str, Any]:
        spec = self.spec
        return {
            "schema": SCHEMA,
            "title": spec.title,
            "settings": _settings(spec),
            "flow": [s.to_dict() for s in self.flow],
            "prevalence": [p.to_dict() for p in self.prevalence],
            "table1": [{"outcome": o, **b.to_dict()} for o, b in self.table1],
            "missingness": [m.to_dict() for m in self.missingness],
            "models": [m.to_dict() for m in self.models],
            "descriptions": [d.to_dict() for d in self.descriptions],
            "comparison": self.comparison.to_dict() if self.comparison else None,
            "notes": list(self.notes),
            "seed": SEED if spec.missing == "mice" else None,
        }  # fmt: skip


def _settings(spec: AnalysisSpec) -> dict[str, Any]:
    """The spec as results.json records it: the choices made, and every label and level order the
    report needs to name variables in words."""
    compare = spec.compare
    return {
        "include": spec.include, "include_label": spec.include_label or None,
        "screening": list(spec.screening), "ci": spec.ci, "proportion_ci": spec.proportion_ci,
        "missing": spec.missing, "imputations": spec.imputations if spec.missing == "mice" else None,
        "adjust_p": spec.adjust_p, "firth": spec.firth,
        "treat_as_missing": list(spec.treat_as_missing), "spec": spec.source,
        "outcomes": [{"name": o.name, "positive": list(o.positive), "label": o.label}
                     for o in spec.outcomes],
        "predictors": [{"name": p.name, "type": p.type, "reference": p.reference,
                        "levels": list(p.levels), "label": p.label} for p in spec.predictors],
        "describe": [{"name": i.name, "type": i.type, "label": i.label} for i in spec.describe],
        "compare": None if compare is None else {
            "groups": [{"label": g.label, "include": g.include} for g in compare.groups],
            "items": [{"name": i.name, "type": i.type, "label": i.label} for i in compare.items],
        },
    }  # fmt: skip


def run_analysis(
    data: pd.DataFrame, spec: AnalysisSpec, progress: Callable[[str], None] | None = None
) -> AnalysisResult:
    """Run every part of `spec` on `data`; raises InputError for bad spec/data combinations.

    BLAS runs on one thread: the model matrices are small (covariate patterns x columns), and
    several BLAS threads per process fight each other on a few shared cores (issue 16).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _run(data, spec, progress or (lambda _message: None))


def _run(data: pd.DataFrame, spec: AnalysisSpec, say: Callable[[str], None]) -> AnalysisResult:
    say("checking the spec against the data")
    prepared = prepare(data, spec)
    frame, predictors = prepared.frame, prepared.predictors
    notes: list[str] = []
    say("prevalence and Table 1")
    prevalence = tuple(_prevalence(frame, spec))
    table1 = tuple(_table1(frame, predictors, spec))
    missingness = tuple(
        MissingCount(name, int(frame[col].isna().sum()), len(frame))
        for name, col in [(o.name, f"outcome:{o.name}") for o in spec.outcomes]
        + [(p.name, p.name) for p in spec.predictors]
    )
    models = tuple(fit_models(frame, predictors, spec, say, notes))
    for m in models:
        notes += [f"{m.kind} model of {m.outcome} ({m.missing}): {w}" for w in m.warnings]
    say("descriptions")
    items = _blank(frame, spec)
    descriptions = tuple(describe_item(items, item, spec.proportion_ci) for item in spec.describe)
    comparison = _compare(items, spec) if spec.compare else None
    sampled = [
        f"Table 1, {b.variable} by {o}" for o, b in table1 if b.test == FISHER_TESTS["monte carlo"]
    ]
    sampled += [
        f"comparison, {b.variable}"
        for b in (comparison.items if comparison else ())
        if b.test == FISHER_TESTS["monte carlo"]
    ]
    notes += [f"{where}: Fisher's p is a {MONTE_CARLO_NOTE}" for where in sampled]
    return AnalysisResult(
        spec,
        prepared.flow,
        prevalence,
        table1,
        missingness,
        models,
        descriptions,
        comparison,
        tuple(notes),
    )


def _blank(frame: pd.DataFrame, spec: AnalysisSpec) -> pd.DataFrame:
    """Described/compared items with the spec's treat_as_missing answers set to NA."""
    if not spec.treat_as_missing:
        return frame
    names = [i.name for i in spec.describe] + (
        [i.name for i in spec.compare.items] if spec.compare else []
    )
    out = frame.copy()
    for name in {n for n in names if n in frame.columns}:
        text = as_text(frame[name])
        out[name] = text.where(~text.isin(set(spec.treat_as_missing)), other=None)
    return out


def _prevalence(frame: pd.DataFrame, spec: AnalysisSpec) -> list[PrevalenceResult]:
    out = []
    for outcome in spec.outcomes:
        coded = frame[f"outcome:{outcome.name}"]
        known = coded.dropna()
        out.append(PrevalenceResult(outcome.name, int(known.sum()), len(known), spec.proportion_ci))
        if spec.by and spec.by in frame.columns:
            groups = as_text(frame[spec.by])
            for group in sorted(groups.dropna().unique()):
                part = coded[(groups == group).to_numpy()].dropna()
                out.append(
                    PrevalenceResult(
                        outcome.name,
                        int(part.sum()),
                        len(part),
                        spec.proportion_ci,
                        group=group,
                        group_column=spec.by,
                    )
                )
    return out


def _table1(
    frame: pd.DataFrame, predictors: tuple[Predictor, ...], spec: AnalysisSpec
) -> list[tuple[str, BivariateResult]]:
    out = []
    for outcome in spec.outcomes:
        groups = frame[f"outcome:{outcome.name}"].map({1.0: "1", 0.0: "0"})
        for p in predictors:
            if p.kind == "numeric":
                result = numeric_by_group(p.name, frame[p.name], groups, ("1", "0"))
            else:
                result = categorical_by_group(p.name, frame[p.name], groups, ("1", "0"), p.levels)
            out.append((outcome.name, result))
    return out


def _compare(frame: pd.DataFrame, spec: AnalysisSpec) -> ComparisonResult:
    assert spec.compare is not None  # checked by the caller; for the type checker
    first, second = spec.compare.groups
    in_first = compile_filter(first.include).mask(frame).to_numpy()
    in_second = compile_filter(second.include).mask(frame).to_numpy()
    labels = [
        first.label if a else second.label if b else None for a, b in zip(in_first, in_second)
    ]
    groups = pd.Series(labels, index=frame.index, dtype=object)
    order = (first.label, second.label)
    items: list[BivariateResult] = []
    for item in spec.compare.items:
        items += _compare_item(frame, item, groups, order)
    sizes = (int(in_first.sum()), int((in_second & ~in_first).sum()))
    return ComparisonResult(order, sizes, tuple(items))


def _compare_item(
    frame: pd.DataFrame, item: ItemSpec, groups: pd.Series, order: tuple[str, str]
) -> list[BivariateResult]:
    if item.type == "numeric":
        return [numeric_by_group(item.name, frame[item.name], groups, order)]
    if item.type == "multiple":
        return [
            categorical_by_group(
                f"{item.name}: {option}",
                values.map({1.0: "selected", 0.0: "not selected"}),
                groups,
                order,
                ("selected", "not selected"),
            )
            for option, values in item_columns(frame, item.name).items()
        ]
    return [categorical_by_group(item.name, as_text(frame[item.name]), groups, order)]
