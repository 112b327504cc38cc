"""The tables of one results.json, built once: the report shows them (HTML, .docx) and
`helpseek analyze` writes them to results/tables/ (table_files.py), so both show the same cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from helpseek.instrument.model import Instrument
from helpseek.report.labels import Labels, labels_from
from helpseek.report.methods import ci_method_of, spec_of
from helpseek.report.regression import complete_case, imputed, outcomes_of, regression_table
from helpseek.report.samples import (
    comparison_tables,
    descriptive_tables,
    missingness_table,
    table1_tables,
)
from helpseek.report.tables import (
    Table,
    diagnostics_table,
    flow_table,
    outcome_sizes,
    prevalence_table,
)
from helpseek.report.wording import step_words


@dataclass(frozen=True)
class ResultTables:
    """Every table of one analysis by section, and its flow steps in words."""

    steps: tuple[str, ...]
    flow: Table
    prevalence: Table | None
    table1: tuple[Table, ...]
    missingness: Table | None
    table2: tuple[Table, ...]
    sensitivity: tuple[Table, ...]
    diagnostics: Table | None
    descriptive: tuple[Table, ...]
    comparison: tuple[Table, ...]

    @property
    def all(self) -> tuple[Table, ...]:
        """The tables in the order the report shows them."""
        return (
            (self.flow,)
            + ((self.prevalence,) if self.prevalence else ())
            + self.table1
            + ((self.missingness,) if self.missingness else ())
            + self.table2
            + self.sensitivity
            + ((self.diagnostics,) if self.diagnostics else ())
            + self.descriptive
            + self.comparison
        )


def labels_of(content: Mapping[str, Any], instruments: Sequence[Instrument] = ()) -> Labels:
    """The labels of one results.json: those it recorded, the questionnaires', the spec's."""
    return labels_from(list(instruments), spec_of(content), recorded=content.get("labels"))


def result_tables(content: Mapping[str, Any], labels: Labels) -> ResultTables:
    """Build every table of `content` (a loaded results.json) with `labels`."""
    settings = spec_of(content)
    primary = complete_case(content["models"])
    sizes = outcome_sizes(content)
    steps = tuple(step_words(str(s["step"]), settings, labels) for s in content["flow"])
    return ResultTables(
        steps=steps,
        flow=flow_table(content["flow"], steps),
        prevalence=prevalence_table(content["prevalence"], labels)
        if content["prevalence"]
        else None,
        table1=tuple(table1_tables(content, labels)),
        missingness=missingness_table(content, labels),
        table2=_regression_tables(primary, labels, content, "table2", "Table 2", sizes),
        sensitivity=_regression_tables(
            imputed(content["models"]),
            labels,
            content,
            "mi",
            "Sensitivity analysis, multiple imputation",
            sizes,
        ),
        diagnostics=diagnostics_table(primary, labels, sizes) if primary else None,
        descriptive=tuple(descriptive_tables(content, labels)),
        comparison=tuple(comparison_tables(content, labels)),
    )


def _regression_tables(
    models: Sequence[Mapping[str, Any]],
    labels: Labels,
    content: Mapping[str, Any],
    id_prefix: str,
    title: str,
    sizes: Mapping[str, tuple[int, int]],
) -> tuple[Table, ...]:
    return tuple(
        regression_table(
            outcome,
            models,
            labels,
            ci_method_of(content),
            id_prefix=id_prefix,
            title=title,
            size=sizes.get(outcome),
        )
        for outcome in outcomes_of(models)
    )
