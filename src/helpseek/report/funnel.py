"""The invitation funnel (funnel.json, schema helpseek.funnel/1 from `helpseek invite stats`): one
row per message variant and outcome, each variant against the reference, and a click-through chart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpseek.report.figures import Figure, rate_figure
from helpseek.report.formatting import (
    MISSING,
    fmt_count,
    fmt_or_ci,
    fmt_p,
    fmt_percent,
)
from helpseek.report.regression import REFERENCE
from helpseek.report.tables import Row, Table, ci_method_name


def funnel_tables(funnel: Mapping[str, Any]) -> list[Table]:
    """The invite funnel (helpseek.funnel/1): one row per message variant and outcome."""
    reference = funnel.get("reference")
    rows = []
    notes: list[str] = []
    for entry in funnel.get("variants", []):
        comparisons = entry.get("comparisons") or {}
        for outcome in funnel.get("outcomes", []):
            rate = entry["outcomes"][outcome]
            comparison = comparisons.get(outcome)
            rows.append(_funnel_row(entry, outcome, rate, comparison, reference))
            if rate.get("note"):
                notes.append(f"{entry['variant']}, {outcome}: {rate['note']}.")
            if comparison:
                _collect_methods(notes, comparison)
    if not rows:
        return []
    notes = [_funnel_lead_note(funnel), *dict.fromkeys(notes)]
    columns = (
        "Variant",
        "Outcome",
        "Impressions",
        "Clicks",
        "CTR % (95% CI)",
        "Difference, pp (95% CI)",
        "OR (95% CI)",
        "p",
    )
    return [
        Table("funnel", "Invitation funnel per message variant", columns, tuple(rows), tuple(notes))
    ]


def _funnel_row(
    entry: Mapping[str, Any],
    outcome: str,
    rate: Mapping[str, Any],
    comparison: Mapping[str, Any] | None,
    reference: str | None,
) -> Row:
    ci = rate.get("ci") or [None, None]
    ctr = fmt_percent(rate.get("ctr"), digits=2)
    if ci[0] is not None:
        ctr += f" ({fmt_percent(ci[0], digits=2)}–{fmt_percent(ci[1], digits=2)})"
    if entry["variant"] == reference:
        difference = ratio = REFERENCE
        p_value = ""
    elif comparison:
        low, high = comparison["difference_ci"]
        difference = f"{_pp(comparison['difference'])} ({_pp(low)} to {_pp(high)})"
        ratio = fmt_or_ci(comparison["odds_ratio"], *comparison["ci"])
        p_value = fmt_p(comparison["p"])
    else:
        difference = ratio = p_value = MISSING
    return Row(
        (
            entry["variant"],
            outcome,
            fmt_count(entry["impressions"]),
            fmt_count(rate["clicks"]),
            ctr,
            difference,
            ratio,
            p_value,
        ),
        "reference" if entry["variant"] == reference else "plain",
        {"variant": entry["variant"], "outcome": outcome},
    )


def _pp(difference: float) -> str:
    """A difference of proportions in percentage points, signed: +6.93."""
    return f"{100 * difference:+.2f}"


def _funnel_lead_note(funnel: Mapping[str, Any]) -> str:
    method = ci_method_name(str(funnel.get("ctr_method") or "not recorded"))
    text = f"CTR: clicks / impressions with {method} 95% CI."
    if funnel.get("reference"):
        text += f' Each variant is compared with the reference variant "{funnel["reference"]}".'
    days = funnel.get("days")
    if isinstance(days, Mapping) and days.get("first"):
        text += f" Counted from {days['first']} to {days['last']}."
    return text + " Counts are aggregate: no person is identified or followed."


def _collect_methods(notes: list[str], comparison: Mapping[str, Any]) -> None:
    if comparison.get("difference_ci_method"):
        notes.append(f"Difference: CI by {comparison['difference_ci_method']}.")
    if comparison.get("ci_method"):
        notes.append(f"OR: CI by {comparison['ci_method']}.")
    if comparison.get("p_method"):
        notes.append(f"p: {comparison['p_method']}.")


def funnel_figure(funnel: Mapping[str, Any]) -> Figure | None:
    """Click-through per variant with Wilson CIs, one marker per outcome (help, each survey)."""
    variants = [v for v in funnel.get("variants", []) if isinstance(v, Mapping)]
    outcomes = [
        o
        for o in funnel.get("outcomes", [])
        if all((v["outcomes"][o].get("ci") or None) for v in variants)
    ]
    if not variants or not outcomes:
        return None
    return rate_figure(
        "funnel-figure",
        "Click-through per message variant (95% CI)",
        [str(v["variant"]) for v in variants],
        {
            o: [(v["outcomes"][o]["ctr"], *v["outcomes"][o]["ci"]) for v in variants]
            for o in outcomes
        },
    )
