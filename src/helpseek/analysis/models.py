"""The models of a spec: univariable (one per predictor) and multivariable, complete-case or imputed.

Each model uses its own complete cases, as R's glm and gtsummary's tbl_uvregression do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from helpseek.analysis.coding import Column, Predictor, build_design
from helpseek.analysis.imputation import SEED, impute_chained
from helpseek.analysis.logistic import LogisticResult, fit_logistic, with_adjusted
from helpseek.analysis.multiplicity import adjust_p
from helpseek.analysis.patterns import OutcomeData, code_predictors
from helpseek.analysis.pooling import pool_rubin
from helpseek.analysis.spec import AnalysisSpec, OutcomeSpec

Progress = Callable[[str], None]


def fit_models(
    frame: pd.DataFrame,
    predictors: Sequence[Predictor],
    spec: AnalysisSpec,
    progress: Progress,
    notes: list[str],
) -> list[LogisticResult]:
    """Every model the spec asks for, in order: per outcome, univariable then multivariable."""
    results: list[LogisticResult] = []
    coded = code_predictors(frame, predictors)  # once, shared by every model of every outcome
    for outcome in spec.outcomes:
        column = f"outcome:{outcome.name}"
        data = OutcomeData(frame[column], coded)
        sets = _predictor_sets(predictors, spec.models)
        for kind, chosen in sets:
            progress(
                f"{kind} model of {outcome.name}"
                + (f" ({chosen[0].name})" if kind == "univariable" else "")
            )
            fitted = _fit_complete(data, chosen, outcome, kind, spec, notes)
            if fitted is not None:
                results.append(fitted)
        if spec.missing == "mice" and predictors:
            progress(f"multiple imputation for {outcome.name} (m={spec.imputations})")
            results += _fit_imputed(frame, column, predictors, outcome, sets, spec)
    return _adjusted(results, spec.adjust_p)


def _predictor_sets(
    predictors: Sequence[Predictor], models: Sequence[str]
) -> list[tuple[str, list[Predictor]]]:
    sets: list[tuple[str, list[Predictor]]] = []
    if "univariable" in models:
        sets += [("univariable", [p]) for p in predictors]
    if "multivariable" in models and predictors:
        sets.append(("multivariable", list(predictors)))
    return sets


def _fit_complete(
    data: OutcomeData,
    chosen: list[Predictor],
    outcome: OutcomeSpec,
    kind: str,
    spec: AnalysisSpec,
    notes: list[str],
) -> LogisticResult | None:
    mask = data.complete(chosen)
    present = _present_levels(data, mask, chosen, outcome.name, kind, notes)
    if present is None:
        return None
    if not data.has_both_outcomes(mask):
        notes.append(
            f"{kind} model of {outcome.name} ({', '.join(p.name for p in chosen)}) skipped: "
            "the outcome has one value in its complete cases"
        )
        return None
    patterns = data.patterns(present, mask)
    return fit_logistic(
        patterns.y,
        patterns.design,
        outcome=outcome.name,
        kind=kind,
        ci=spec.ci,
        firth=spec.firth,
        weights=patterns.weights,
    )


def _present_levels(
    data: OutcomeData,
    mask: np.ndarray,
    chosen: list[Predictor],
    outcome: str,
    kind: str,
    notes: list[str],
) -> list[Predictor] | None:
    """Predictors restricted to the levels present in these complete cases (None: cannot fit)."""
    out = []
    for p in chosen:
        if p.kind == "numeric":
            out.append(p)
            continue
        levels = data.present_levels(p, mask)
        if p.levels[0] not in levels:
            notes.append(
                f"{kind} model of {outcome} skipped: its complete cases have no "
                f'"{p.levels[0]}", the reference level of {p.name}'
            )
            return None
        if len(levels) < 2:
            notes.append(
                f"{kind} model of {outcome} skipped: {p.name} has one level in its complete cases"
            )
            return None
        if len(levels) < len(p.levels):
            notes.append(
                f"{kind} model of {outcome}: levels of {p.name} absent from its complete cases "
                f"were left out ({', '.join(lv for lv in p.levels if lv not in levels)})"
            )
        out.append(Predictor(p.name, p.kind, levels))
    return out


def _fit_imputed(
    frame: pd.DataFrame,
    column: str,
    predictors: Sequence[Predictor],
    outcome: OutcomeSpec,
    sets: list[tuple[str, list[Predictor]]],
    spec: AnalysisSpec,
) -> list[LogisticResult]:
    completed = impute_chained(
        frame, predictors, column, spec.imputations, rng=np.random.default_rng(SEED)
    )
    pooled = []
    for kind, chosen in sets:
        fits = []
        for data in completed:
            y = data[column].to_numpy(float)
            design = build_design(data, chosen)
            fits.append(
                fit_logistic(
                    y,
                    design,
                    outcome=outcome.name,
                    kind=kind,
                    ci="wald",
                    firth=spec.firth,
                    with_diagnostics=False,
                )
            )
        pooled.append(pool_rubin(fits))
    return pooled


def _adjusted(results: list[LogisticResult], method: str) -> list[LogisticResult]:
    """Adjust p-values within each family: one outcome x one kind x one missing-data approach."""
    if method == "none":
        return results
    families: dict[tuple[str, str, str], list[int]] = {}
    for i, r in enumerate(results):
        families.setdefault((r.outcome, r.kind, r.missing), []).append(i)
    out = list(results)
    for members in families.values():
        keys = [
            (i, Column(t.variable, t.level, t.reference)) for i in members for t in results[i].terms
        ]
        adjusted = adjust_p([results[i].term(c.variable, c.level).p for i, c in keys], method)
        for i in members:
            mapping = {c: a for (j, c), a in zip(keys, adjusted) if j == i}
            out[i] = with_adjusted(results[i], mapping)
    return [replace(r) for r in out]
