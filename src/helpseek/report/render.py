"""Compose the report: results.json (+ funnel.json, + questionnaire) -> one self-contained HTML file.

The page context is one frozen ReportPage; the Jinja2 template (autoescaped) gets that and nothing
else. Output files are written to a temporary name and renamed, so a failed run leaves no half file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from helpseek.instrument.model import Instrument
from helpseek.problems import InputError, Location, problem
from helpseek.report.checklist import ChecklistItem, cherries
from helpseek.report.figures import Figure, flow_figure, forest_figure, prevalence_figure
from helpseek.report.funnel import funnel_figure, funnel_tables
from helpseek.report.labels import Labels, labels_from
from helpseek.report.load import LoadedFile, load_funnel, load_results
from helpseek.report.methods import (
    FooterItem,
    ci_method_of,
    footer_items,
    methods_paragraphs,
    spec_of,
)
from helpseek.report.regression import complete_case, imputed, outcomes_of, regression_table
from helpseek.report.samples import (
    comparison_tables,
    descriptive_tables,
    missingness_table,
    table1_tables,
)
from helpseek.report.supplement import SupplementSection, supplement_section
from helpseek.report.tables import Table, diagnostics_table, flow_table, prevalence_table


@dataclass(frozen=True)
class ReportPage:
    """Everything the report template shows, already formatted."""

    title: str
    flow_figure: Figure
    flow_table: Table
    prevalence_table: Table | None
    prevalence_figure: Figure | None
    table1: tuple[Table, ...]
    missingness: Table | None
    table2: tuple[Table, ...]
    forest: tuple[Figure, ...]
    sensitivity: tuple[Table, ...]
    diagnostics: Table | None
    analysis_notes: tuple[str, ...]
    descriptive: tuple[Table, ...]
    comparison: tuple[Table, ...]
    supplements: tuple[SupplementSection, ...]
    funnel: tuple[Table, ...]
    funnel_figure: Figure | None
    methods: tuple[str, ...]
    cherries: tuple[ChecklistItem, ...]
    footer: tuple[FooterItem, ...]

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table in the order the report shows them (for the .docx)."""
        return (
            (self.flow_table,)
            + ((self.prevalence_table,) if self.prevalence_table else ())
            + self.table1
            + ((self.missingness,) if self.missingness else ())
            + self.table2
            + self.sensitivity
            + ((self.diagnostics,) if self.diagnostics else ())
            + self.descriptive
            + self.comparison
            + tuple(t for s in self.supplements for t in s.tables)
            + self.funnel
        )


@dataclass(frozen=True)
class ReportResult:
    """What `build_report` wrote."""

    html_path: Path
    docx_path: Path | None
    page: ReportPage


def build_page(
    results: LoadedFile,
    funnel: LoadedFile | None = None,
    instrument: Instrument | None = None,
    further: Sequence[LoadedFile] = (),
) -> ReportPage:
    """The report's content from loaded inputs (no file is written); `further` are extra analyses
    (e.g. the second sample) shown after the main one."""
    content = results.content
    labels = labels_from(instrument, spec_of(content))
    primary = complete_case(content["models"])
    sensitivity = imputed(content["models"])
    funnel_content = funnel.content if funnel else None
    overall = [p for p in content["prevalence"] if p.get("group") is None]
    return ReportPage(
        title=_title(content, instrument),
        flow_figure=flow_figure(content["flow"]),
        flow_table=flow_table(content["flow"]),
        prevalence_table=prevalence_table(content["prevalence"], labels)
        if content["prevalence"]
        else None,
        prevalence_figure=prevalence_figure(overall, labels) if overall else None,
        table1=tuple(table1_tables(content, labels)),
        missingness=missingness_table(content, labels),
        table2=_regression_tables(primary, labels, content, "table2", "Table 2"),
        forest=tuple(forest_figure(m, labels) for m in primary if m["kind"] == "multivariable"),
        sensitivity=_regression_tables(
            sensitivity, labels, content, "mi", "Sensitivity analysis, multiple imputation"
        ),
        diagnostics=diagnostics_table(primary, labels) if primary else None,
        analysis_notes=tuple(str(n) for n in content.get("notes") or []),
        descriptive=tuple(descriptive_tables(content, labels)),
        comparison=tuple(comparison_tables(content, labels)),
        supplements=tuple(
            supplement_section(i, extra, instrument) for i, extra in enumerate(further, start=1)
        ),
        funnel=tuple(funnel_tables(funnel_content)) if funnel_content else (),
        funnel_figure=funnel_figure(funnel_content) if funnel_content else None,
        methods=tuple(methods_paragraphs(content, labels)),
        cherries=tuple(cherries(content, funnel_content, instrument)),
        footer=tuple(
            footer_items(results, funnel, instrument.source if instrument else None, further)
        ),
    )


def _regression_tables(
    models: Sequence[Mapping[str, Any]],
    labels: Labels,
    content: Mapping[str, Any],
    id_prefix: str,
    title: str,
) -> tuple[Table, ...]:
    return tuple(
        regression_table(
            outcome, models, labels, ci_method_of(content), id_prefix=id_prefix, title=title
        )
        for outcome in outcomes_of(models)
    )


def build_report(
    results: Path | Sequence[Path],
    out: Path,
    *,
    funnel: Path | None = None,
    docx: Path | None = None,
    instrument: Instrument | None = None,
) -> ReportResult:
    """Read the inputs, write the HTML report to `out` (and the tables to `docx` when given).

    `results` is one results folder (or file), or several: the first is the main analysis, the
    others (a second sample, a comparison) follow it as further sections.
    """
    paths = [results] if isinstance(results, Path) else list(results)
    if not paths:
        raise ValueError("build_report needs at least one results path")
    loaded = [load_results(path) for path in paths]
    loaded_funnel = load_funnel(funnel) if funnel is not None else None
    page = build_page(loaded[0], loaded_funnel, instrument, loaded[1:])
    _write_atomically(out, render_html(page).encode("utf-8"))
    if docx is not None:
        from helpseek.report.word import to_docx_bytes

        _write_atomically(docx, to_docx_bytes(page))
    return ReportResult(out, docx, page)


def render_html(page: ReportPage) -> str:
    """The report as one HTML document (no script, no external resource)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("helpseek.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html").render(page=page)


def _title(content: Mapping[str, Any], instrument: Instrument | None) -> str:
    if instrument is not None:
        return f"Report — {instrument.title.get(instrument.default_language) or instrument.form_id}"
    name = content.get("title") or spec_name(content)
    return f"Report — {name}" if name else "Report"


def spec_name(content: Mapping[str, Any]) -> str | None:
    spec = content.get("spec")
    if isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
        return str(spec["name"])
    return None


def _write_atomically(path: Path, data: bytes) -> None:
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise InputError(
            [
                problem(
                    "REPORT-006",
                    Location(str(path)),
                    path=path,
                    reason=error.strerror or str(error),
                )
            ]
        ) from None


__all__ = ["Labels", "ReportPage", "ReportResult", "build_page", "build_report", "render_html"]
