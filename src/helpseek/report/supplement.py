"""Further analyses shown after the main one: each extra results.json (for example the programme
participants described by the program_feedback spec, or two samples compared side by side) becomes
one section with its own flow, prevalence, Table 1, Table 2, descriptions and comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from helpseek.instrument.model import Instrument
from helpseek.report.labels import labels_from
from helpseek.report.load import LoadedFile
from helpseek.report.methods import ci_method_of, spec_of
from helpseek.report.regression import complete_case, outcomes_of, regression_table
from helpseek.report.samples import comparison_tables, descriptive_tables, table1_tables
from helpseek.report.tables import Table, flow_table, prevalence_table


@dataclass(frozen=True)
class SupplementSection:
    """One further analysis: a title, the file it came from, and its tables."""

    id: str
    title: str
    source: str
    tables: tuple[Table, ...]


def supplement_section(
    index: int, loaded: LoadedFile, instrument: Instrument | None = None
) -> SupplementSection:
    """The section of the `index`-th extra results.json (ids prefixed "s<index>-")."""
    content = loaded.content
    labels = labels_from(instrument, spec_of(content))
    models = complete_case(content["models"])
    tables: list[Table] = [flow_table(content["flow"])]
    if content["prevalence"]:
        tables.append(prevalence_table(content["prevalence"], labels))
    tables += table1_tables(content, labels)
    tables += [
        regression_table(outcome, models, labels, ci_method_of(content))
        for outcome in outcomes_of(models)
    ]
    tables += descriptive_tables(content, labels)
    tables += comparison_tables(content, labels)
    prefix = f"s{index}-"
    title = str(content.get("title") or f"Further analysis {index}")
    return SupplementSection(
        f"supplement-{index}",
        title,
        loaded.path.name if loaded.path.name != "results.json" else str(loaded.path),
        tuple(replace(t, id=prefix + t.id, title=f"{t.title} ({title})") for t in tables),
    )
