"""The invitation funnel per message variant: impressions, clicks, click-through with Wilson
intervals, and each variant against the reference one (difference, odds ratio, Fisher p).

Pure computation over aggregate counts; `funnel_files.py` writes it out. Schema: helpseek.funnel/1.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from scipy import stats

from helpseek.invite.counts import CountRow
from helpseek.problems import InputError, near_miss, problem

SCHEMA = "helpseek.funnel/1"
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A confidence interval with its method."""

    low: float
    high: float


def wilson(events: int, n: int, level: float = LEVEL) -> Interval:
    """Wilson score interval for events/n (no continuity correction).

    >>> i = wilson(2471, 4493); (round(i.low, 4), round(i.high, 4))
    (0.5354, 0.5645)
    """
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = events / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def newcombe_difference(k1: int, n1: int, k2: int, n2: int, level: float = LEVEL) -> Interval:
    """Newcombe's hybrid score interval (his method 10) for p1 - p2, built from Wilson intervals."""
    p1, p2 = k1 / n1, k2 / n2
    w1, w2 = wilson(k1, n1, level), wilson(k2, n2, level)
    d = p1 - p2
    return Interval(
        d - math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
        d + math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
    )


def odds_ratio(a: int, b: int, c: int, d: int, level: float = LEVEL) -> dict[str, Any]:
    """Sample odds ratio (a*d)/(b*c) with Woolf's log interval; 0.5 is added to every cell when
    one is zero (Haldane-Anscombe), and the result says so. Fisher's exact test gives p.

    Table: a = variant clicks, b = variant non-clicks, c = reference clicks, d = reference non-clicks.
    """
    corrected = 0 in (a, b, c, d)
    fa, fb, fc, fd = (x + 0.5 for x in (a, b, c, d)) if corrected else (a, b, c, d)
    log_or = math.log(fa * fd / (fb * fc))
    se = math.sqrt(1 / fa + 1 / fb + 1 / fc + 1 / fd)
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = float(stats.fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue)
    return {
        "odds_ratio": math.exp(log_or),
        "ci": [math.exp(log_or - z * se), math.exp(log_or + z * se)],
        "ci_method": "woolf" + (" (haldane-anscombe +0.5)" if corrected else ""),
        "p": p,
        "p_method": "fisher exact, two-sided",
    }


def build_funnel(rows: Iterable[CountRow], reference: str | None = None) -> dict[str, Any]:
    """The funnel as a plain dict (the helpseek.funnel/1 document; see README.md).

    `reference` defaults to "neutral" when that variant has counts; with no reference, the
    comparisons are left out.
    """
    impressions: dict[str, int] = defaultdict(int)
    clicks: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kinds: dict[str, str] = {}
    days: set[str] = set()
    for row in rows:
        days.add(row.day.isoformat())
        if row.event == "impression":
            impressions[row.variant] += row.count
        else:
            clicks[row.variant][row.target] += row.count
            kinds[row.target] = row.target_kind
    variants = sorted(set(impressions) | set(clicks))
    if reference is not None and reference not in variants:
        hint = near_miss(reference, variants)
        raise InputError(
            [problem("INVITE-013", variant=reference, hint=hint, known=", ".join(variants))]
        )
    if reference is None and "neutral" in variants:
        reference = "neutral"
    outcomes = ["help"] + sorted(t for t, k in kinds.items() if k == "survey")
    table = {v: _variant_counts(impressions[v], clicks[v], kinds, outcomes) for v in variants}
    return {
        "schema": SCHEMA,
        "level": LEVEL,
        "ctr_method": "wilson",
        "reference": reference,
        "days": {"first": min(days), "last": max(days)} if days else None,
        "targets": {t: kinds[t] for t in sorted(kinds)},
        "outcomes": outcomes,
        "variants": [
            {"variant": v, **table[v], "comparisons": _compare(table, v, reference, outcomes)}
            for v in variants
        ],
    }


def _variant_counts(
    shown: int, clicked: dict[str, int], kinds: dict[str, str], outcomes: list[str]
) -> dict[str, Any]:
    per_outcome = {
        o: sum(n for t, n in clicked.items() if kinds[t] == "help")
        if o == "help"
        else clicked.get(o, 0)
        for o in outcomes
    }
    return {
        "impressions": shown,
        "clicks": {t: clicked[t] for t in sorted(clicked)},
        "outcomes": {o: _rate(per_outcome[o], shown) for o in outcomes},
    }


def _rate(events: int, n: int) -> dict[str, Any]:
    """Click-through; no interval when it is undefined (no impressions) or not a proportion
    (more clicks than impressions: one person can click twice, and clicks after a language
    switch are not new impressions)."""
    if n == 0 or events > n:
        note = "no impressions" if n == 0 else "more clicks than impressions"
        return {"clicks": events, "ctr": events / n if n else None, "ci": None, "note": note}
    interval = wilson(events, n)
    return {"clicks": events, "ctr": events / n, "ci": [interval.low, interval.high], "note": None}


def _compare(
    table: dict[str, dict[str, Any]], variant: str, reference: str | None, outcomes: list[str]
) -> dict[str, Any] | None:
    if reference is None or variant == reference:
        return None
    out: dict[str, Any] = {}
    for o in outcomes:
        mine, ref = table[variant]["outcomes"][o], table[reference]["outcomes"][o]
        if mine["ci"] is None or ref["ci"] is None:
            out[o] = None
            continue
        n1, n2 = table[variant]["impressions"], table[reference]["impressions"]
        k1, k2 = mine["clicks"], ref["clicks"]
        diff = newcombe_difference(k1, n1, k2, n2)
        out[o] = {
            "difference": k1 / n1 - k2 / n2,
            "difference_ci": [diff.low, diff.high],
            "difference_ci_method": "newcombe hybrid score",
            **odds_ratio(k1, n1 - k1, k2, n2 - k2),
        }
    return out
