"""The optional sections: Table 1, the descriptive second sample, the side-by-side comparison and the
invite funnel. Each is shown only when results.json (or funnel.json) holds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from helpseek.report.figures import Figure, rate_figure
from helpseek.report.formatting import humanise
from helpseek.report.labels import Labels
from helpseek.report.tables import Table, records_table


def _record_lists(value: object) -> list[tuple[str, Sequence[Mapping[str, Any]]]]:
    """A list of records, or a mapping of name -> list of records, as (name, records) pairs."""
    if isinstance(value, list):
        return [("", [r for r in value if isinstance(r, Mapping)])]
    if isinstance(value, Mapping):
        pairs = []
        for key, records in value.items():
            if isinstance(records, list):
                pairs.append((str(key), [r for r in records if isinstance(r, Mapping)]))
        return pairs
    return []


def _tables(
    prefix: str, title: str, value: object, labels: Labels
) -> list[Table]:
    tables = []
    for name, records in _record_lists(value):
        if not records:
            continue
        suffix = f" — {labels.variable(name)}" if name else ""
        table_id = f"{prefix}-{name}" if name else prefix
        tables.append(records_table(table_id, title + suffix, records))
    return tables


def table1_tables(content: Mapping[str, Any], labels: Labels) -> list[Table]:
    """Table 1: each predictor by each outcome (n, %), with its test and missingness."""
    return _tables("table1", "Table 1", content.get("table1"), labels)


def descriptive_tables(content: Mapping[str, Any], labels: Labels) -> list[Table]:
    """The descriptive analysis (e.g. the programme participants, the study's second sample)."""
    return _tables("descriptive", "Descriptive results", content.get("descriptive"), labels)


def comparison_tables(content: Mapping[str, Any], labels: Labels) -> list[Table]:
    """Two samples side by side on their shared items, with tests of difference."""
    return _tables("comparison", "Comparison of samples", content.get("comparison"), labels)


def funnel_tables(funnel: Mapping[str, Any]) -> list[Table]:
    """The invite funnel per message variant."""
    tables = []
    for key, value in funnel.items():
        if key == "schema":
            continue
        for name, records in _record_lists(value):
            if records:
                title = "Invitation funnel — " + humanise(key) + (f", {name}" if name else "")
                tables.append(records_table(f"funnel-{key}", title, records))
    return tables


def funnel_figure(funnel: Mapping[str, Any]) -> Figure | None:
    """Click-through per variant with CIs: every `<x>_rate` that has `<x>_ci_low`/`<x>_ci_high`."""
    variants = funnel.get("variants")
    if not isinstance(variants, list) or not variants:
        return None
    rates = [
        key[: -len("_rate")]
        for key in variants[0]
        if key.endswith("_rate") and f"{key[:-5]}_ci_low" in variants[0]
    ]
    if not rates:
        return None
    return rate_figure(
        "funnel-figure",
        "Click-through per message variant (95% CI)",
        [str(v.get("variant", "")) for v in variants],
        {humanise(rate): [(v[f"{rate}_rate"], v[f"{rate}_ci_low"], v[f"{rate}_ci_high"])
                          for v in variants] for rate in rates},
    )
