"""Table 2 in gtsummary's layout: one row per level, the reference row marked, univariable OR (95% CI)
and p beside adjusted OR (95% CI) and p, footnotes with n analysed, CI method and reference levels.
"""

from __future__ import annotations

import math

from helpseek.analysis.logistic import LogisticResult, Term, exp_or_inf
from helpseek.analysis.run import AnalysisResult
from helpseek.analysis.tables import Table, style_count, style_percent, style_pvalue, style_ratio

CI_NAMES = {
    "wald": "Wald",
    "profile": "profile likelihood",
    "profile penalised": "profile penalised likelihood",
    "wald (Rubin's rules)": "Wald, pooled by Rubin's rules",
}


def _or_cell(term: Term | None) -> tuple[str, str]:
    if term is None:
        return "", ""
    low, high = exp_or_inf(term.ci_low), exp_or_inf(term.ci_high)
    return f"{style_ratio(term.odds_ratio)} ({style_ratio(low)}–{style_ratio(high)})", style_pvalue(
        term.p
    )


def table2(
    result: AnalysisResult, outcome: str, models: list[LogisticResult], missing: str
) -> Table:
    spec = result.spec
    uni = {m.terms[0].variable: m for m in models if m.kind == "univariable" and m.terms}
    multi = next((m for m in models if m.kind == "multivariable"), None)
    adjusted = spec.adjust_p != "none"
    header = ["Characteristic", "N", "Events, n (%)", "OR (95% CI)", "p"]
    header += (
        [f"p ({spec.adjust_p.upper() if spec.adjust_p == 'bh' else 'Holm'})"] if adjusted else []
    )
    header += ["aOR (95% CI)", "p"] + ([header[5]] if adjusted else [])
    counts = {b.variable: b for o, b in result.table1 if o == outcome}
    rows: list[tuple[str, ...]] = []
    labels = set()
    for p in spec.predictors:
        u = uni.get(p.name)
        if p.type == "numeric":
            rows.append(_numeric_row(p.name, spec.label(p.name), u, multi, adjusted))
            continue
        labels.add(len(rows))
        n = style_count(u.n) if u else ""
        rows.append(
            (
                spec.label(p.name),
                n,
                "",
                "",
                _factor_cell(u, p.name),
                *([""] if adjusted else []),
                "",
                _factor_cell(multi, p.name),
                *([""] if adjusted else []),
            )
        )
        for level_row in counts[p.name].rows if p.name in counts else ():
            rows.append(_level_row(p.name, level_row.level, level_row.counts, u, multi, adjusted))
    return Table(
        f"table2_{outcome}" + ("_mice" if missing == "mice" else ""),
        f"Factors associated with {spec.label(outcome)}"
        + (" (multiple imputation)" if missing == "mice" else ""),
        tuple(header),
        tuple(rows),
        _table2_notes(result, models, multi),
        frozenset(labels),
    )


def _factor_cell(model: LogisticResult | None, variable: str) -> str:
    """The likelihood-ratio p of a multi-level factor, marked with its footnote."""
    if model is None or variable not in model.factor_p:
        return ""
    return style_pvalue(model.factor_p[variable]) + "ᵇ"


def _numeric_row(
    name: str, label: str, u: LogisticResult | None, multi: LogisticResult | None, adjusted: bool
) -> tuple[str, ...]:
    ut = u.term(name) if u else None
    mt = multi.term(name) if multi else None
    uor, up = _or_cell(ut)
    mor, mp = _or_cell(mt)

    def extra(term: Term | None) -> list[str]:
        if not adjusted:
            return []
        return [style_pvalue(term.p_adjusted) if term and term.p_adjusted is not None else ""]

    return (label, style_count(u.n) if u else "", "", uor, up, *extra(ut), mor, mp, *extra(mt))


def _level_row(
    name: str,
    level: str,
    counts: tuple[int, ...],
    u: LogisticResult | None,
    multi: LogisticResult | None,
    adjusted: bool,
) -> tuple[str, ...]:
    events, total = counts[0], sum(counts)
    share = f"{style_count(events)} ({style_percent(100 * events / total if total else math.nan)})"

    def side(m: LogisticResult | None) -> list[str]:
        if m is None:
            return ["", ""] + ([""] if adjusted else [])
        term = next((t for t in m.terms if t.variable == name and t.level == level), None)
        if term is None:
            ref = next((t.reference for t in m.terms if t.variable == name), None)
            return ["1.00 (reference)" if ref == level else "—", ""] + ([""] if adjusted else [])
        cell, p = _or_cell(term)
        return [cell, p] + (
            [style_pvalue(term.p_adjusted) if term.p_adjusted is not None else ""]
            if adjusted
            else []
        )

    return (level, style_count(total), share, *side(u), *side(multi))


def _table2_notes(
    result: AnalysisResult, models: list[LogisticResult], multi: LogisticResult | None
) -> tuple[str, ...]:
    spec = result.spec
    methods = sorted({CI_NAMES.get(m.ci_method, m.ci_method) for m in models})
    refs = ", ".join(
        f"{p.name}: {p.reference or '(first level)'}"
        for p in spec.predictors
        if p.type == "categorical"
    )
    notes = [
        (
            "OR = odds ratio; aOR = adjusted odds ratio (multivariable model with all characteristics in the table); "
            f"CI = 95% confidence interval ({'; '.join(methods)})."
        )
    ]
    if multi is not None:
        notes.append(
            f"Multivariable model: n = {style_count(multi.n)} analysed, {style_count(multi.events)} events "
            f"({multi.missing} {'cases' if multi.missing == 'complete' else ''}).".replace(
                " )", ")"
            )
        )
    notes.append(
        "N = respondents in each univariable model (complete cases); reference levels: "
        + (refs or "none")
        + "."
    )
    if any(m.factor_p for m in models):
        notes.append(
            "ᵇ Likelihood-ratio test of the whole factor (penalised likelihood under Firth)."
        )
    if any(m.method == "firth" for m in models):
        firth = [
            m.kind if m.kind == "multivariable" else f"univariable ({m.terms[0].variable})"
            for m in models
            if m.method == "firth"
        ]
        notes.append(
            "Firth's penalised likelihood (firthmodels) was used for: "
            + ", ".join(firth)
            + "; p-values are penalised likelihood-ratio tests."
        )
    if spec.adjust_p != "none":
        notes.append(
            f"Adjusted p: {'Holm' if spec.adjust_p == 'holm' else 'Benjamini-Hochberg'}, within each "
            "outcome and model kind."
        )
    notes += [f"Note: {m.kind} model: {w}." for m in models for w in m.warnings]
    return tuple(notes)
