"""AnalysisResult -> the tables researchers publish (gtsummary layout): flow, prevalence, Table 1,
Table 2 (univariable beside multivariable), diagnostics, descriptions, comparisons.
"""

from __future__ import annotations

import math

import numpy as np

from helpseek.analysis.bivariate import BivariateResult
from helpseek.analysis.logistic import LogisticResult, Term, exp_or_inf
from helpseek.analysis.run import AnalysisResult
from helpseek.analysis.spec import AnalysisSpec
from helpseek.analysis.tables import Table, style_count, style_percent, style_pvalue, style_ratio

CI_NAMES = {"wald": "Wald", "profile": "profile likelihood", "profile penalised": "profile penalised likelihood",
            "wald (Rubin's rules)": "Wald, pooled by Rubin's rules"}
TESTS = {"chi-square": "Pearson's chi-square test", "fisher": "Fisher's exact test",
         "wilcoxon rank-sum": "Wilcoxon rank-sum test", "kruskal-wallis": "Kruskal-Wallis test", "none": "no test"}


def build_tables(result: AnalysisResult) -> list[Table]:
    """Every table of a run, in reading order."""
    tables = [flow_table(result)]
    if result.prevalence:
        tables.append(prevalence_table(result))
    for outcome in result.spec.outcomes:
        rows = [b for o, b in result.table1 if o == outcome.name]
        if rows:
            tables.append(table1(result.spec, outcome.name, rows))
    if result.missingness:
        tables.append(missingness_table(result))
    for outcome in result.spec.outcomes:
        for missing in ("complete", "mice"):
            models = [m for m in result.models if m.outcome == outcome.name
                      and (m.missing == "complete") == (missing == "complete")]
            if models:
                tables.append(table2(result, outcome.name, models, missing))
    if result.models:
        tables.append(diagnostics_table(result))
    if result.descriptions:
        tables.append(description_table(result))
    if result.comparison:
        tables.append(comparison_table(result))
    return tables


def _label(spec: AnalysisSpec, name: str) -> str:
    for item in (*spec.outcomes, *spec.predictors, *spec.describe):
        if item.name == name and item.label:
            return item.label
    return name


def flow_table(result: AnalysisResult) -> Table:
    rows = tuple((s.step, style_count(s.n)) for s in result.flow)
    return Table("flow", "Sample flow", ("Step", "n"), rows,
                 ("Screening flags listed in the spec exclude rows; other flags are only counted.",))


def prevalence_table(result: AnalysisResult) -> Table:
    rows = []
    for p in result.prevalence:
        ci = p.interval()
        group = "All" if p.group is None else f"{p.group_column} = {p.group}"
        rows.append((_label(result.spec, p.outcome), group, f"{style_count(p.events)} / {style_count(p.denominator)}",
                     f"{style_percent(100 * p.proportion)} ({style_percent(100 * ci.low)}–{style_percent(100 * ci.high)})"))
    method = "Wilson" if result.spec.proportion_ci == "wilson" else "Clopper-Pearson (exact)"
    return Table("prevalence", "Prevalence of each outcome", ("Outcome", "Group", "n / N", "% (95% CI)"),
                 tuple(rows), (f"CI: {method} 95% interval. N = respondents with a valid answer.",))


def table1(spec: AnalysisSpec, outcome: str, results: list[BivariateResult]) -> Table:
    positive = next(o for o in spec.outcomes if o.name == outcome).positive
    header = ("Characteristic", "Overall", f"{outcome} = {'/'.join(positive)}", f"{outcome}: other", "p")
    rows: list[tuple[str, ...]] = []
    labels = set()
    tests = set()
    for b in results:
        labels.add(len(rows))
        tests.add(b.test)
        if b.kind == "numeric":
            r = b.rows[0]
            rows.append((f"{_label(spec, b.variable)}, median (Q1, Q3)", "", r.summaries[0], r.summaries[1],
                         style_pvalue(b.p)))
            continue
        rows.append((_label(spec, b.variable), "", "", "", style_pvalue(b.p)))
        total = sum(b.group_sizes)
        for r in b.rows:
            overall = sum(r.counts)
            rows.append((r.level, f"{style_count(overall)} ({style_percent(100 * overall / total)})",
                         *(f"{style_count(c)} ({style_percent(p)})" for c, p in zip(r.counts, r.percents)), ""))
    notes = ("n (%) of respondents with a valid answer to both the characteristic and the outcome (column %).",
             "Tests: " + "; ".join(TESTS[t] for t in sorted(tests)) + " (Fisher when an expected count is below 5; "
             "chi-square without continuity correction).")
    return Table(f"table1_{outcome}", f"Table 1. Characteristics by {_label(spec, outcome)}", header,
                 tuple(rows), notes, frozenset(labels))


def missingness_table(result: AnalysisResult) -> Table:
    rows = tuple((_label(result.spec, m.variable), style_count(m.n_missing),
                  style_percent(100 * m.n_missing / m.n if m.n else math.nan)) for m in result.missingness)
    return Table("missingness", "Missing answers per variable (analysed rows)", ("Variable", "Missing, n", "%"),
                 rows, (f"Of {style_count(result.missingness[0].n)} analysed rows; values listed in "
                        f"treat_as_missing ({', '.join(result.spec.treat_as_missing) or 'none'}) count as missing.",))


def _or_cell(term: Term | None) -> tuple[str, str]:
    if term is None:
        return "", ""
    low, high = exp_or_inf(term.ci_low), exp_or_inf(term.ci_high)
    return f"{style_ratio(term.odds_ratio)} ({style_ratio(low)}–{style_ratio(high)})", style_pvalue(term.p)


def table2(result: AnalysisResult, outcome: str, models: list[LogisticResult], missing: str) -> Table:
    spec = result.spec
    uni = {m.terms[0].variable: m for m in models if m.kind == "univariable" and m.terms}
    multi = next((m for m in models if m.kind == "multivariable"), None)
    adjusted = spec.adjust_p != "none"
    header = ["Characteristic", "N", "Events, n (%)", "OR (95% CI)", "p"]
    header += [f"p ({spec.adjust_p.upper() if spec.adjust_p == 'bh' else 'Holm'})"] if adjusted else []
    header += ["aOR (95% CI)", "p"] + ([header[5]] if adjusted else [])
    counts = {b.variable: b for o, b in result.table1 if o == outcome}
    rows: list[tuple[str, ...]] = []
    labels = set()
    for p in spec.predictors:
        u = uni.get(p.name)
        if p.type == "numeric":
            rows.append(_numeric_row(p.name, _label(spec, p.name), u, multi, adjusted))
            continue
        labels.add(len(rows))
        n = style_count(u.n) if u else ""
        factor = lambda m: style_pvalue(m.factor_p[p.name]) + "ᵇ" if m and p.name in m.factor_p else ""  # noqa: E731
        rows.append((_label(spec, p.name), n, "", "", factor(u), *([""] if adjusted else []), "", factor(multi),
                     *([""] if adjusted else [])))
        for level_row in counts[p.name].rows if p.name in counts else ():
            rows.append(_level_row(p.name, level_row.level, level_row.counts, u, multi, adjusted))
    return Table(f"table2_{outcome}" + ("_mice" if missing == "mice" else ""),
                 f"Factors associated with {_label(spec, outcome)}"
                 + (" (multiple imputation)" if missing == "mice" else ""),
                 tuple(header), tuple(rows), _table2_notes(result, models, multi), frozenset(labels))


def _numeric_row(name: str, label: str, u: LogisticResult | None, multi: LogisticResult | None,
                 adjusted: bool) -> tuple[str, ...]:
    ut = u.term(name) if u else None
    mt = multi.term(name) if multi else None
    uor, up = _or_cell(ut)
    mor, mp = _or_cell(mt)
    extra = lambda t: [style_pvalue(t.p_adjusted) if t and t.p_adjusted is not None else ""] if adjusted else []  # noqa: E731
    return (label, style_count(u.n) if u else "", "", uor, up, *extra(ut), mor, mp, *extra(mt))


def _level_row(name: str, level: str, counts: tuple[int, ...], u: LogisticResult | None,
               multi: LogisticResult | None, adjusted: bool) -> tuple[str, ...]:
    events, total = counts[0], sum(counts)
    share = f"{style_count(events)} ({style_percent(100 * events / total if total else math.nan)})"
    reference = (u or multi).terms[0].reference if (u or multi) and (u or multi).terms else None

    def side(m: LogisticResult | None) -> list[str]:
        if m is None:
            return ["", ""] + ([""] if adjusted else [])
        term = next((t for t in m.terms if t.variable == name and t.level == level), None)
        if term is None:
            ref = next((t.reference for t in m.terms if t.variable == name), None)
            return ["1.00 (reference)" if ref == level else "—", ""] + ([""] if adjusted else [])
        cell, p = _or_cell(term)
        return [cell, p] + ([style_pvalue(term.p_adjusted) if term.p_adjusted is not None else ""] if adjusted else [])

    del reference
    return (level, style_count(total), share, *side(u), *side(multi))


def _table2_notes(result: AnalysisResult, models: list[LogisticResult], multi: LogisticResult | None) -> tuple[str, ...]:
    spec = result.spec
    methods = sorted({CI_NAMES.get(m.ci_method, m.ci_method) for m in models})
    refs = ", ".join(f"{p.name}: {p.reference or '(first level)'}" for p in spec.predictors if p.type == "categorical")
    notes = ["OR = odds ratio; aOR = adjusted odds ratio (multivariable model with all characteristics in the table); "
             f"CI = 95% confidence interval ({'; '.join(methods)})."]
    if multi is not None:
        notes.append(f"Multivariable model: n = {style_count(multi.n)} analysed, {style_count(multi.events)} events "
                     f"({multi.missing} {'cases' if multi.missing == 'complete' else ''}).".replace(" )", ")"))
    notes.append("N = respondents in each univariable model (complete cases); reference levels: " + (refs or "none") + ".")
    if any(m.factor_p for m in models):
        notes.append("ᵇ Likelihood-ratio test of the whole factor (penalised likelihood under Firth).")
    if any(m.method == "firth" for m in models):
        firth = [m.kind if m.kind == "multivariable" else f"univariable ({m.terms[0].variable})" for m in models if m.method == "firth"]
        notes.append("Firth's penalised likelihood (firthmodels) was used for: " + ", ".join(firth)
                     + "; p-values are penalised likelihood-ratio tests.")
    if spec.adjust_p != "none":
        notes.append(f"Adjusted p: {'Holm' if spec.adjust_p == 'holm' else 'Benjamini-Hochberg'}, within each "
                     "outcome and model kind.")
    notes += [f"Note: {m.kind} model: {w}." for m in models for w in m.warnings]
    return tuple(notes)


def diagnostics_table(result: AnalysisResult) -> Table:
    rows = []
    for m in result.models:
        d = m.diagnostics
        if d is None:
            continue
        name = m.kind if m.kind == "multivariable" else f"univariable: {m.terms[0].variable if m.terms else ''}"
        rows.append((m.outcome, name, m.method, style_count(d.n), style_count(d.events), f"{d.epv:.1f}",
                     f"{d.auc:.3f}", _hl(d.hosmer_lemeshow_chi2, d.hosmer_lemeshow_df, d.hosmer_lemeshow_p),
                     f"{d.nagelkerke_r2:.3f}", "" if d.max_vif is None else f"{d.max_vif:.2f}",
                     "yes" if m.converged else "NO"))
    header = ("Outcome", "Model", "Method", "n", "Events", "EPV", "AUC", "Hosmer-Lemeshow χ² (df), p",
              "Nagelkerke R²", "Largest VIF", "Converged")
    return Table("diagnostics", "Model diagnostics", header, tuple(rows),
                 ("EPV = events (rarer outcome class) per model column. Hosmer-Lemeshow: groups cut at the deciles of "
                  "predicted risk, ties kept together (as R ResourceSelection::hoslem.test); — when fewer than 3 "
                  "groups exist. VIF (multivariable only) from the correlation of the model columns.",))


def _hl(chi2: float, df: int, p: float) -> str:
    return "—" if not np.isfinite(chi2) else f"{chi2:.2f} ({df}), {style_pvalue(p)}"


def description_table(result: AnalysisResult) -> Table:
    rows: list[tuple[str, ...]] = []
    labels = set()
    for d in result.descriptions:
        labels.add(len(rows))
        if d.kind == "numeric":
            s = dict(d.statistics)
            rows.append((_label(result.spec, d.variable), style_count(d.n),
                         f"median {s['median']:.4g} ({s['q1']:.4g}, {s['q3']:.4g})"))
            continue
        rows.append((_label(result.spec, d.variable) + (" (select all that apply)" if d.kind == "multiple" else ""),
                     style_count(d.n), ""))
        for s in d.shares:
            rows.append((s.level, f"{style_count(s.count)} / {style_count(s.denominator)}",
                         f"{style_percent(s.percent)} ({style_percent(100 * s.ci_low)}–{style_percent(100 * s.ci_high)})"))
    method = "Wilson" if result.spec.proportion_ci == "wilson" else "Clopper-Pearson"
    return Table("describe", "Description of the sample", ("Characteristic", "n / N", "% (95% CI)"), tuple(rows),
                 (f"% of respondents who answered the item; 95% CI: {method}. Each option of a "
                  "select-all-that-apply item is its own share.",), frozenset(labels))


def comparison_table(result: AnalysisResult) -> Table:
    c = result.comparison
    assert c is not None  # only called when a comparison exists
    header = ("Characteristic", f"{c.groups[0]} (n = {style_count(c.sizes[0])})",
              f"{c.groups[1]} (n = {style_count(c.sizes[1])})", "p", "Test")
    rows: list[tuple[str, ...]] = []
    labels = set()
    for b in c.items:
        if b.kind == "numeric":
            rows.append((b.variable, *b.rows[0].summaries, style_pvalue(b.p), TESTS[b.test]))
            continue
        selected = [r for r in b.rows if r.level == "selected"]
        if ": " in b.variable and len(b.rows) <= 2 and {r.level for r in b.rows} <= {"selected", "not selected"}:
            r = selected[0] if selected else None
            cells = [f"{style_count(n)} ({style_percent(p)})" for n, p in zip(r.counts, r.percents)] if r else ["0", "0"]
            rows.append((b.variable, *cells, style_pvalue(b.p), TESTS[b.test]))
            continue
        labels.add(len(rows))
        rows.append((_label(result.spec, b.variable), "", "", style_pvalue(b.p), TESTS[b.test]))
        rows += [(r.level, *(f"{style_count(n)} ({style_percent(p)})" for n, p in zip(r.counts, r.percents)), "", "")
                 for r in b.rows]
    return Table("comparison", f"{c.groups[0]} compared with {c.groups[1]}", header, tuple(rows),
                 ("n (%) of respondents in each group who answered the item; select-all-that-apply options "
                  "show those who selected the option.",), frozenset(labels))
