"""Describing samples: Table 1 (each predictor by outcome), missingness, the descriptive results
(e.g. the programme participants, the study's second sample) and two samples side by side.

Reads the results.json sections `table1`, `missingness`, `descriptions` and `comparison` written by
helpseek analyze; each is shown only when present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpseek.report.formatting import (
    MISSING,
    fmt_count,
    fmt_number,
    fmt_p,
    fmt_percent,
    fmt_percent_ci,
)
from helpseek.report.labels import Labels
from helpseek.report.methods import spec_of
from helpseek.report.tables import Row, Table, ci_method_name, outcome_sizes

Record = Mapping[str, Any]

#: Short test names for the table cells, and their full names for the footnote.
_TEST_NAMES = {
    "chi-square": ("χ²", "χ²: Pearson's chi-square test without continuity correction"),
    "fisher": ("Fisher", "Fisher: Fisher's exact test (used when an expected count is below 5)"),
    "fisher (monte carlo)": (
        "Fisher (MC)",
        (
            "Fisher (MC): Fisher's test with a Monte Carlo p from 99,999 tables, fixed seed "
            "(where the exact p was not feasible)"
        ),
    ),
    "wilcoxon rank-sum": ("Wilcoxon", "Wilcoxon: Wilcoxon rank-sum (Mann–Whitney) test"),
    "kruskal-wallis": ("Kruskal–Wallis", "Kruskal–Wallis: Kruskal–Wallis rank test"),
    "none": ("—", "—: no test (one level or one group only)"),
}
_DICHOTOMY = ("selected", "not selected")


def table1_tables(content: Mapping[str, Any], labels: Labels) -> list[Table]:
    """Table 1 per outcome: n (%) of each level among those with and without the outcome.

    The column sizes are the outcome groups of the analysed sample (the prevalence rows), not
    the answers to any one characteristic: those missing it are in its Missing column.
    """
    records = [r for r in content.get("table1") or [] if isinstance(r, Mapping)]
    outcomes: list[str] = []
    for record in records:
        if record.get("outcome") not in outcomes:
            outcomes.append(record["outcome"])
    sizes = outcome_sizes(content)
    tables = []
    for outcome in outcomes:
        mine = [r for r in records if r["outcome"] == outcome]
        names = outcome_groups(outcome, spec_of(content), labels)
        size = sizes.get(outcome)
        groups = {"1": size[0], "0": size[1] - size[0]} if size else None
        tables.append(
            bivariate_table(
                f"table1-{outcome}",
                f"Table 1 — characteristics by {labels.variable(outcome).lower()}",
                mine,
                labels,
                names,
                groups,
            )
        )
    return tables


def outcome_groups(outcome: str, settings: Mapping[str, Any], labels: Labels) -> dict[str, str]:
    """Names of an outcome's two groups as the respondents answered: {"1": "Yes", "0": "No / Not
    sure"} when the questionnaire lists the answers, else Yes / No.

    >>> outcome_groups("w", {"outcomes": [{"name": "w", "positive": ["yes"]}],
    ...     "treat_as_missing": ["prefer_not"]},
    ...     Labels(levels={("w", "no"): "No", ("w", "unsure"): "Not sure"},
    ...            orders={"w": ("yes", "no", "unsure", "prefer_not")}))
    {'1': 'Yes', '0': 'No / Not sure'}
    """
    spec = next(
        (
            o
            for o in settings.get("outcomes") or []
            if isinstance(o, Mapping) and o.get("name") == outcome
        ),
        {},
    )
    positive = [str(p) for p in spec.get("positive") or []]
    missing = {str(m) for m in settings.get("treat_as_missing") or []}
    others = [
        level
        for level in labels.orders.get(outcome, ())
        if level not in positive and level not in missing
    ]
    yes = " / ".join(labels.level(outcome, p) for p in positive) or "Yes"
    no = " / ".join(labels.level(outcome, o) for o in others) or "No"
    return {"1": yes, "0": no}


def comparison_tables(content: Mapping[str, Any], labels: Labels) -> list[Table]:
    """Two samples side by side on their shared items, with a test of difference per item."""
    comparison = content.get("comparison")
    if not isinstance(comparison, Mapping) or not comparison.get("items"):
        return []
    groups = [str(g) for g in comparison.get("groups", [])]
    sizes = comparison.get("sizes")
    known = None
    if isinstance(sizes, list) and len(sizes) == len(groups):
        known = {g: int(n) for g, n in zip(groups, sizes, strict=True) if isinstance(n, int)}
    title = "Comparison of samples: " + " vs ".join(groups)
    return [bivariate_table("comparison", title, comparison["items"], labels, {}, known)]


def bivariate_table(
    table_id: str,
    title: str,
    records: Sequence[Record],
    labels: Labels,
    group_names: Mapping[str, str],
    group_sizes: Mapping[str, int] | None,
) -> Table:
    """Rows per variable (label row with p and test, one row per level); a column per group.

    `group_sizes` are the sizes of the samples the columns describe; without them the header
    says no n rather than a number that is not the group's size.
    """
    first = records[0]
    columns = (
        ("Characteristic",)
        + tuple(_group_header(str(g), group_names, group_sizes) for g in first["groups"])
        + ("Missing", "p", "Test")
    )
    width = len(first["groups"])
    rows: list[Row] = []
    tests: list[str] = []
    for record in records:
        variable = str(record["variable"])
        short, full = _TEST_NAMES.get(str(record.get("test")), (str(record.get("test")),) * 2)
        tests.append(full)
        lines = list(record.get("rows", []))
        # An option of a multiple-choice item: one row with the "selected" counts, as gtsummary
        # shows a dichotomous variable.
        selected = [r for r in lines if r["level"] == _DICHOTOMY[0]]
        is_dichotomy = {str(r["level"]) for r in lines} <= set(_DICHOTOMY) and selected
        group_cells = _group_cells(selected[0], width) if is_dichotomy else ("",) * width
        rows.append(
            Row(
                (_bivariate_label(variable, labels),)
                + group_cells
                + (fmt_count(record.get("n_missing")), fmt_p(record.get("p")), short),
                "group",
                {"variable": variable},
            )
        )
        by_level = {str(line["level"]): line for line in lines}
        for level in [] if is_dichotomy else labels.ordered(variable, list(by_level)):
            rows.append(
                Row(
                    (_level_label(variable, level, labels),)
                    + _group_cells(by_level[level], width)
                    + ("", "", ""),
                    "level",
                    {"variable": variable, "level": level},
                )
            )
    notes = [
        (
            "n: respondents in each column. n (%) of each answer among those in the column who "
            "answered the question (for an option of a multiple-choice question: those who "
            "selected it); numbers: median (Q1, Q3). Missing: respondents with no answer, left out "
            "of the percentages and the test."
        ),
        "Tests: " + "; ".join(dict.fromkeys(tests)) + ".",
    ]
    return Table(table_id, title, columns, tuple(rows), tuple(notes))


def _group_header(group: str, names: Mapping[str, str], sizes: Mapping[str, int] | None) -> str:
    name = names.get(group, group)
    if sizes is None or group not in sizes:
        return name
    return f"{name} (n = {fmt_count(sizes[group])})"


def _bivariate_label(variable: str, labels: Labels) -> str:
    if ": " in variable:  # an option of a select_multiple, "name: option"
        name, option = variable.split(": ", 1)
        return f"{labels.variable(name)}: {labels.level(name, option)}"
    return labels.variable(variable)


def _level_label(variable: str, level: str, labels: Labels) -> str:
    if ": " in variable or level in (*_DICHOTOMY, "median (Q1, Q3)"):
        return level
    return labels.level(variable, level)


def _group_cells(line: Record, width: int) -> tuple[str, ...]:
    summaries = line.get("summaries") or []
    if summaries:
        return tuple(str(s) for s in summaries)
    counts, percents = line.get("counts") or [], line.get("percents") or []
    cells = []
    for index in range(width):
        count = counts[index] if index < len(counts) else None
        percent = percents[index] if index < len(percents) else None
        share = None if percent is None else percent / 100
        cells.append(MISSING if count is None else f"{fmt_count(count)} ({fmt_percent(share)})")
    return tuple(cells)


def missingness_table(content: Mapping[str, Any], labels: Labels) -> Table | None:
    """Global missingness per variable in the analysed sample (STROBE 14b)."""
    records = [r for r in content.get("missingness") or [] if isinstance(r, Mapping)]
    if not records:
        return None
    rows = tuple(
        Row(
            (
                labels.variable(str(r["variable"])),
                fmt_count(r.get("n_missing")),
                fmt_count(r.get("n")),
                fmt_percent(_share(r.get("percent"))),
            ),
            attrs={"variable": str(r["variable"])},
        )
        for r in records
    )
    return Table(
        "missingness",
        "Missing answers per variable (analysed sample)",
        ("Variable", "Missing", "Of", "%"),
        rows,
    )


def descriptive_tables(content: Mapping[str, Any], labels: Labels) -> list[Table]:
    """Shares with CIs per category or option, medians for numbers: one table for all items."""
    records = [r for r in content.get("descriptions") or [] if isinstance(r, Mapping)]
    if not records:
        return []
    rows: list[Row] = []
    methods = set()
    for record in records:
        variable = str(record["variable"])
        kind = "; several options could be chosen" if record.get("kind") == "multiple" else ""
        answered = (
            f"answered {fmt_count(record.get('n'))}, missing "
            f"{fmt_count(record.get('n_missing'))}{kind}"
        )
        rows.append(
            Row((labels.variable(variable), "", "", answered), "group", {"variable": variable})
        )
        shares = {str(share["level"]): share for share in record.get("shares", [])}
        for share in (shares[level] for level in labels.ordered(variable, list(shares))):
            methods.add(ci_method_name(str(record.get("ci_method"))))
            rows.append(
                Row(
                    (
                        labels.level(variable, str(share["level"])),
                        fmt_count(share["count"]),
                        fmt_count(share["denominator"]),
                        fmt_percent_ci(_share(share["percent"]), share["ci_low"], share["ci_high"]),
                    ),
                    "level",
                    {"variable": variable, "level": str(share["level"])},
                )
            )
        rows += _statistics_rows(variable, record.get("statistics") or {})
    notes = (
        (
            "For the options of a multiple-choice question the denominator is those who answered "
            "it, so the shares can add up to more than 100%."
        ),
        f"95% CI: {', '.join(sorted(methods)) or 'not recorded'}.",
    )
    return [
        Table(
            "descriptive",
            "Descriptive results",
            ("Characteristic", "n", "Of", "% (95% CI)"),
            tuple(rows),
            notes,
        )
    ]


def _statistics_rows(variable: str, statistics: Mapping[str, Any]) -> list[Row]:
    if not statistics:
        return []

    def get(key: str) -> str:
        return fmt_number(statistics.get(key), digits=2)

    lines = [
        ("Median (Q1, Q3)", f"{get('median')} ({get('q1')}, {get('q3')})"),
        ("Mean (SD)", f"{get('mean')} ({get('sd')})"),
        ("Range", f"{get('min')}–{get('max')}"),
    ]
    return [
        Row((name, "", "", value), "level", {"variable": variable, "level": name})
        for name, value in lines
    ]


def _share(percent: object) -> float | None:
    """results.json gives descriptive and missingness percentages on the 0–100 scale."""
    return percent / 100 if isinstance(percent, int | float) else None
