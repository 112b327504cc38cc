"""From the exported table to the analysed rows: check the spec against the data, filter, code.

The sample flow (read -> included -> excluded by each screening flag -> analysed) is recorded here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpseek.analysis.coding import Predictor, as_text, code_outcome
from helpseek.analysis.filters import compile_filter
from helpseek.analysis.spec import AnalysisSpec, PredictorSpec
from helpseek.problems import InputError, Location, Problem, near_miss, problem


@dataclass(frozen=True)
class FlowStep:
    """One line of the sample flow: what happened and how many rows remain (or were flagged)."""

    step: str
    n: int

    def to_dict(self) -> dict[str, object]:
        return {"step": self.step, "n": self.n}


@dataclass(frozen=True)
class Prepared:
    """The analysed rows with outcomes coded 0/1 (columns `outcome:<name>`) and predictors typed."""

    frame: pd.DataFrame
    predictors: tuple[Predictor, ...]
    flow: tuple[FlowStep, ...]


def prepare(data: pd.DataFrame, spec: AnalysisSpec) -> Prepared:
    """Check `spec` against `data`, apply include and screening, code outcomes and predictors.

    Raises one InputError listing every problem (missing columns, references, numeric values...).
    """
    where = Location(file=spec.source or None)
    _raise_if(_missing_columns(data, spec, where))
    flow = [FlowStep("read", len(data))]
    frame = data
    if spec.include:
        frame = frame[compile_filter(spec.include).mask(frame).to_numpy()]
        flow.append(FlowStep(f"included ({spec.include})", len(frame)))
    for flag in spec.screening:
        flagged = frame[f"flag_{flag}"].fillna(False).astype(bool).to_numpy()
        flow.append(FlowStep(f"excluded: {flag}", int(flagged.sum())))
        frame = frame[~flagged]
    for column in sorted(c for c in frame.columns if c.startswith("flag_") and c != "flag_reasons"):
        if column.removeprefix("flag_") not in spec.screening:
            flagged_n = int(frame[column].fillna(False).astype(bool).sum())
            flow.append(
                FlowStep(f"flagged, not excluded: {column.removeprefix('flag_')}", flagged_n)
            )
    flow.append(FlowStep("analysed", len(frame)))
    if len(frame) == 0:
        raise InputError([problem("ANALYSIS-010", where, step=flow[-2].step)])
    prepared, predictors = _code(frame, spec, where)
    return Prepared(prepared, predictors, tuple(flow))


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise InputError(problems)


def _missing_columns(data: pd.DataFrame, spec: AnalysisSpec, where: Location) -> list[Problem]:
    wanted: list[tuple[str, str]] = []
    if spec.include:
        wanted += [("include", c) for c in sorted(compile_filter(spec.include).columns)]
    if (
        spec.by and spec.by != "language"
    ):  # the default is skipped quietly when there is no language
        wanted.append(("by", spec.by))
    wanted += [(f"outcomes[{i + 1}].name", o.name) for i, o in enumerate(spec.outcomes)]
    wanted += [(f"predictors[{i + 1}].name", p.name) for i, p in enumerate(spec.predictors)]
    wanted += [
        (f"describe[{i + 1}].name", d.name)
        for i, d in enumerate(spec.describe)
        if not (d.type == "multiple" and _has_choice_columns(data, d.name))
    ]
    if spec.compare:
        for g, group in enumerate(spec.compare.groups):
            wanted += [
                (f"compare.groups[{g + 1}].include", c)
                for c in sorted(compile_filter(group.include).columns)
            ]
        wanted += [
            (f"compare.items[{i + 1}].name", d.name)
            for i, d in enumerate(spec.compare.items)
            if not (d.type == "multiple" and _has_choice_columns(data, d.name))
        ]
    problems = [
        problem("ANALYSIS-005", where, field=field, name=name, hint=near_miss(name, data.columns))
        for field, name in wanted
        if name not in data.columns
    ]
    problems += [
        problem("ANALYSIS-009", where, name=flag)
        for flag in spec.screening
        if f"flag_{flag}" not in data.columns
    ]
    return problems


def _has_choice_columns(data: pd.DataFrame, name: str) -> bool:
    return any(str(c).startswith(f"{name}__") for c in data.columns)


def _code(
    frame: pd.DataFrame, spec: AnalysisSpec, where: Location
) -> tuple[pd.DataFrame, tuple[Predictor, ...]]:
    problems: list[Problem] = []
    columns: dict[str, pd.Series] = {}
    missing = set(spec.treat_as_missing)
    for i, outcome in enumerate(spec.outcomes):
        text = _without(as_text(frame[outcome.name]), missing)
        coded = code_outcome(text, outcome.positive, absent_means_no=outcome.absent_means_no)
        values = coded.dropna().unique()
        if len(values) < 2:
            shown = (
                "none"
                if len(values) == 0
                else ("1 = positive" if values[0] == 1 else "0 = not positive")
            )
            problems.append(
                problem(
                    "ANALYSIS-007",
                    where,
                    name=outcome.name,
                    field=f"outcomes[{i + 1}].positive",
                    value=shown,
                    n=len(frame),
                )
            )
        columns[f"outcome:{outcome.name}"] = coded
    predictors = []
    for i, spec_p in enumerate(spec.predictors):
        series, predictor = _predictor(frame[spec_p.name], spec_p, i, missing, where, problems)
        columns[spec_p.name] = series
        predictors.append(predictor)
    _raise_if(_cause_first(problems, len(frame), predictors, spec, where))
    keep = [c for c in frame.columns if c not in columns]
    prepared = pd.concat([frame[keep], pd.DataFrame(columns, index=frame.index)], axis=1)
    return prepared, tuple(predictors)


#: Problems that follow from a sample too small to hold every level (issue 11, defect 5).
_CONSEQUENCES = ("ANALYSIS-006", "ANALYSIS-013", "ANALYSIS-014", "ANALYSIS-016")


def _cause_first(
    problems: list[Problem],
    n: int,
    predictors: list[Predictor],
    spec: AnalysisSpec,
    where: Location,
) -> list[Problem]:
    """The real cause first: too few rows for the models, then outcomes with one value, then the
    rest. With too few rows, the level and predictor problems that follow from it are one line."""
    parameters = _parameters(predictors, spec.models)
    outcomes = [p for p in problems if p.code == "ANALYSIS-007"]
    others = [p for p in problems if p.code != "ANALYSIS-007"]
    if not problems or n > parameters:
        return outcomes + others
    cause = problem("ANALYSIS-017", where, n=n, parameters=parameters)
    folded = [p for p in others if p.code in _CONSEQUENCES]
    kept = [p for p in others if p.code not in _CONSEQUENCES]
    if not folded:
        return [cause, *outcomes, *kept]
    names = list(dict.fromkeys(_predictor_name(p, spec) for p in folded))
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    summary = problem("ANALYSIS-018", where, count=len(folded), names=shown)
    return [cause, *outcomes, *kept, summary]


def _parameters(predictors: list[Predictor], models: tuple[str, ...] | list[str]) -> int:
    """Coefficients of the largest model the spec asks for (the intercept included)."""
    sizes = [1 if p.kind == "numeric" else max(len(p.levels) - 1, 1) for p in predictors]
    if not sizes:
        return 1
    return 1 + (sum(sizes) if "multivariable" in models else max(sizes))


def _predictor_name(found: Problem, spec: AnalysisSpec) -> str:
    """The predictor a level/predictor problem is about (from its spec field predictors[i])."""
    for i, predictor in enumerate(spec.predictors):
        if f'"predictors[{i + 1}].' in found.message:
            return predictor.name
    return found.code


def _without(text: pd.Series, missing: set[str]) -> pd.Series:
    return text.where(~text.isin(missing), other=None) if missing else text


def _predictor(
    column: pd.Series,
    spec: PredictorSpec,
    i: int,
    missing: set[str],
    where: Location,
    problems: list[Problem],
) -> tuple[pd.Series, Predictor]:
    field = f"predictors[{i + 1}]"
    text = _without(as_text(column), missing)
    if spec.type == "numeric":
        numbers = pd.to_numeric(text, errors="coerce")
        bad = text.notna() & numbers.isna()
        if bad.any():
            problems.append(
                problem(
                    "ANALYSIS-012",
                    where,
                    name=spec.name,
                    field=f"{field}.type",
                    example=text[bad].iloc[0],
                )
            )
        return numbers.astype(float), Predictor(spec.name, "numeric")
    present = sorted(text.dropna().unique(), key=_natural)
    if not present:
        problems.append(
            problem("ANALYSIS-016", where, name=spec.name, field=f"{field}.name", n=len(text))
        )
        return text, Predictor(spec.name, "categorical", tuple(spec.levels))
    values = ", ".join(present[:12]) + (" ..." if len(present) > 12 else "")
    for level in spec.levels:
        if level not in present:
            problems.append(
                problem(
                    "ANALYSIS-013",
                    where,
                    field=f"{field}.levels",
                    level=level,
                    name=spec.name,
                    values=values,
                )
            )
    ordered = [lv for lv in spec.levels if lv in present] + [
        lv for lv in present if lv not in spec.levels
    ]
    if spec.reference is not None:
        if spec.reference not in present:
            problems.append(
                problem(
                    "ANALYSIS-006",
                    where,
                    field=f"{field}.reference",
                    reference=spec.reference,
                    name=spec.name,
                    values=values,
                )
            )
        else:
            ordered = [spec.reference] + [lv for lv in ordered if lv != spec.reference]
    if len(present) == 1:
        problems.append(
            problem("ANALYSIS-014", where, name=spec.name, field=f"{field}.name", value=present[0])
        )
    return text, Predictor(spec.name, "categorical", tuple(ordered))


def _natural(value: str) -> tuple[int, float, str]:
    """Sort numbers as numbers, then text: ['1', '2', '10', 'a']."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, np.inf, value)
