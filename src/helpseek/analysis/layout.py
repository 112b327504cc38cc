"""AnalysisResult -> the tables researchers publish (gtsummary layout): flow, prevalence, Table 1,
Table 2 (univariable beside multivariable), diagnostics, descriptions, comparisons.
"""

from __future__ import annotations

import math

import numpy as np

from helpseek.analysis.bivariate import BivariateResult
from helpseek.analysis.regression_table import table2
from helpseek.analysis.run import AnalysisResult
from helpseek.analysis.spec import AnalysisSpec
from helpseek.analysis.tables import Table, style_count, style_percent, style_pvalue

TESTS = {
    "chi-square": "Pearson's chi-square test",
    "fisher": "Fisher's exact test",
    "wilcoxon rank-sum": "Wilcoxon rank-sum test",
    "kruskal-wallis": "Kruskal-Wallis test",
    "none": "no test",
}


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
            models = [
                m
                for m in result.models
                if m.outcome == outcome.name
                and (m.missing == "complete") == (missing == "complete")
            ]
            if models:
                tables.append(table2(result, outcome.name, models, missing))
    if result.models:
        tables.append(diagnostics_table(result))
    if result.descriptions:
        tables.append(description_table(result))
    if result.comparison:
        tables.append(comparison_table(result))
    return tables


def flow_table(result: AnalysisResult) -> Table:
    rows = tuple((s.step, style_count(s.n)) for s in result.flow)
    return Table(
        "flow",
        "Sample flow",
        ("Step", "n"),
        rows,
        ("Screening flags listed in the spec exclude rows; other flags are only counted.",),
    )


def prevalence_table(result: AnalysisResult) -> Table:
    rows = []
    for p in result.prevalence:
        ci = p.interval()
        group = "All" if p.group is None else f"{p.group_column} = {p.group}"
        rows.append(
            (
                result.spec.label(p.outcome),
                group,
                f"{style_count(p.events)} / {style_count(p.denominator)}",
                f"{style_percent(100 * p.proportion)} ({style_percent(100 * ci.low)}–{style_percent(100 * ci.high)})",
            )
        )
    method = "Wilson" if result.spec.proportion_ci == "wilson" else "Clopper-Pearson (exact)"
    return Table(
        "prevalence",
        "Prevalence of each outcome",
        ("Outcome", "Group", "n / N", "% (95% CI)"),
        tuple(rows),
        (f"CI: {method} 95% interval. N = respondents with a valid answer.",),
    )


def table1(spec: AnalysisSpec, outcome: str, results: list[BivariateResult]) -> Table:
    positive = next(o for o in spec.outcomes if o.name == outcome).positive
    header = (
        "Characteristic",
        "Overall",
        f"{outcome} = {'/'.join(positive)}",
        f"{outcome}: other",
        "p",
    )
    rows: list[tuple[str, ...]] = []
    labels = set()
    tests = set()
    for b in results:
        labels.add(len(rows))
        tests.add(b.test)
        if b.kind == "numeric":
            r = b.rows[0]
            rows.append(
                (
                    f"{spec.label(b.variable)}, median (Q1, Q3)",
                    "",
                    r.summaries[0],
                    r.summaries[1],
                    style_pvalue(b.p),
                )
            )
            continue
        rows.append((spec.label(b.variable), "", "", "", style_pvalue(b.p)))
        total = sum(b.group_sizes)
        for r in b.rows:
            overall = sum(r.counts)
            rows.append(
                (
                    r.level,
                    f"{style_count(overall)} ({style_percent(100 * overall / total)})",
                    *(
                        f"{style_count(c)} ({style_percent(p)})"
                        for c, p in zip(r.counts, r.percents)
                    ),
                    "",
                )
            )
    notes = (
        "n (%) of respondents with a valid answer to both the characteristic and the outcome (column %).",
        "Tests: "
        + "; ".join(TESTS[t] for t in sorted(tests))
        + " (Fisher when an expected count is below 5; "
        "chi-square without continuity correction).",
    )
    return Table(
        f"table1_{outcome}",
        f"Table 1. Characteristics by {spec.label(outcome)}",
        header,
        tuple(rows),
        notes,
        frozenset(labels),
    )


def missingness_table(result: AnalysisResult) -> Table:
    rows = tuple(
        (
            result.spec.label(m.variable),
            style_count(m.n_missing),
            style_percent(100 * m.n_missing / m.n if m.n else math.nan),
        )
        for m in result.missingness
    )
    return Table(
        "missingness",
        "Missing answers per variable (analysed rows)",
        ("Variable", "Missing, n", "%"),
        rows,
        (
            (
                f"Of {style_count(result.missingness[0].n)} analysed rows; values listed in "
                f"treat_as_missing ({', '.join(result.spec.treat_as_missing) or 'none'}) count as missing."
            ),
        ),
    )


def diagnostics_table(result: AnalysisResult) -> Table:
    rows = []
    for m in result.models:
        d = m.diagnostics
        if d is None:
            continue
        name = (
            m.kind
            if m.kind == "multivariable"
            else f"univariable: {m.terms[0].variable if m.terms else ''}"
        )
        rows.append(
            (
                m.outcome,
                name,
                m.method,
                style_count(d.n),
                style_count(d.events),
                f"{d.epv:.1f}",
                f"{d.auc:.3f}",
                _hl(d.hosmer_lemeshow_chi2, d.hosmer_lemeshow_df, d.hosmer_lemeshow_p),
                f"{d.nagelkerke_r2:.3f}",
                "" if d.max_vif is None else f"{d.max_vif:.2f}",
                "yes" if m.converged else "NO",
            )
        )
    header = (
        "Outcome",
        "Model",
        "Method",
        "n",
        "Events",
        "EPV",
        "AUC",
        "Hosmer-Lemeshow χ² (df), p",
        "Nagelkerke R²",
        "Largest VIF",
        "Converged",
    )
    return Table(
        "diagnostics",
        "Model diagnostics",
        header,
        tuple(rows),
        (
            (
                "EPV = events (rarer outcome class) per model column. Hosmer-Lemeshow: groups cut at the deciles of "
                "predicted risk, ties kept together (as R ResourceSelection::hoslem.test); — when fewer than 3 "
                "groups exist. VIF (multivariable only) from the correlation of the model columns."
            ),
        ),
    )


def _hl(chi2: float, df: int, p: float) -> str:
    return "—" if not np.isfinite(chi2) else f"{chi2:.2f} ({df}), {style_pvalue(p)}"


def description_table(result: AnalysisResult) -> Table:
    rows: list[tuple[str, ...]] = []
    labels = set()
    for d in result.descriptions:
        labels.add(len(rows))
        if d.kind == "numeric":
            stats = dict(d.statistics)
            rows.append(
                (
                    result.spec.label(d.variable),
                    style_count(d.n),
                    f"median {stats['median']:.4g} ({stats['q1']:.4g}, {stats['q3']:.4g})",
                )
            )
            continue
        rows.append(
            (
                result.spec.label(d.variable)
                + (" (select all that apply)" if d.kind == "multiple" else ""),
                style_count(d.n),
                "",
            )
        )
        for s in d.shares:
            rows.append(
                (
                    s.level,
                    f"{style_count(s.count)} / {style_count(s.denominator)}",
                    f"{style_percent(s.percent)} ({style_percent(100 * s.ci_low)}–{style_percent(100 * s.ci_high)})",
                )
            )
    method = "Wilson" if result.spec.proportion_ci == "wilson" else "Clopper-Pearson"
    return Table(
        "describe",
        "Description of the sample",
        ("Characteristic", "n / N", "% (95% CI)"),
        tuple(rows),
        (
            (
                f"% of respondents who answered the item; 95% CI: {method}. Each option of a "
                "select-all-that-apply item is its own share."
            ),
        ),
        frozenset(labels),
    )


def comparison_table(result: AnalysisResult) -> Table:
    c = result.comparison
    assert c is not None  # only called when a comparison exists
    header = (
        "Characteristic",
        f"{c.groups[0]} (n = {style_count(c.sizes[0])})",
        f"{c.groups[1]} (n = {style_count(c.sizes[1])})",
        "p",
        "Test",
    )
    rows: list[tuple[str, ...]] = []
    labels = set()
    for b in c.items:
        if b.kind == "numeric":
            rows.append((b.variable, *b.rows[0].summaries, style_pvalue(b.p), TESTS[b.test]))
            continue
        selected = [r for r in b.rows if r.level == "selected"]
        if (
            ": " in b.variable
            and len(b.rows) <= 2
            and {r.level for r in b.rows} <= {"selected", "not selected"}
        ):
            r = selected[0] if selected else None
            cells = (
                [f"{style_count(n)} ({style_percent(p)})" for n, p in zip(r.counts, r.percents)]
                if r
                else ["0", "0"]
            )
            rows.append((b.variable, *cells, style_pvalue(b.p), TESTS[b.test]))
            continue
        labels.add(len(rows))
        rows.append((result.spec.label(b.variable), "", "", style_pvalue(b.p), TESTS[b.test]))
        rows += [
            (
                r.level,
                *(f"{style_count(n)} ({style_percent(p)})" for n, p in zip(r.counts, r.percents)),
                "",
                "",
            )
            for r in b.rows
        ]
    return Table(
        "comparison",
        f"{c.groups[0]} compared with {c.groups[1]}",
        header,
        tuple(rows),
        (
            (
                "n (%) of respondents in each group who answered the item; select-all-that-apply options "
                "show those who selected the option."
            ),
        ),
        frozenset(labels),
    )
