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
from helpseek.report.contents import ResultTables, labels_of, result_tables
from helpseek.report.figures import Figure, flow_figure, prevalence_figure
from helpseek.report.forest import forest_figure
from helpseek.report.funnel import funnel_figure, funnel_tables
from helpseek.report.labels import Labels
from helpseek.report.languages import languages_paragraph
from helpseek.report.load import LoadedFile, load_funnel, load_results
from helpseek.report.methods import FooterItem, footer_items, methods_paragraphs
from helpseek.report.regression import complete_case
from helpseek.report.supplement import SupplementSection, supplement_section
from helpseek.report.tables import Table


@dataclass(frozen=True)
class ReportPage:
    """Everything the report template shows, already formatted."""

    title: str
    flow_figure: Figure
    results: ResultTables
    prevalence_figure: Figure | None
    forest: tuple[Figure, ...]
    analysis_notes: tuple[str, ...]
    supplements: tuple[SupplementSection, ...]
    funnel: tuple[Table, ...]
    funnel_figure: Figure | None
    methods: tuple[str, ...]
    cherries: tuple[ChecklistItem, ...]
    footer: tuple[FooterItem, ...]

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table in the order the report shows them (for the .docx): the main analysis's
        in the order `helpseek analyze` writes them (ResultTables.all), then the further analyses'
        and the funnel's."""
        return self.results.all + tuple(t for s in self.supplements for t in s.tables) + self.funnel


@dataclass(frozen=True)
class ReportResult:
    """What `build_report` wrote."""

    html_path: Path
    docx_path: Path | None
    page: ReportPage


def build_page(
    results: LoadedFile,
    funnel: LoadedFile | None = None,
    instrument: Instrument | Sequence[Instrument] | None = None,
    further: Sequence[LoadedFile] = (),
) -> ReportPage:
    """The report's content from loaded inputs (no file is written); `further` are extra analyses
    (e.g. the second sample) shown after the main one; `instrument` is the questionnaire (or the
    questionnaires) the data came from, for labels and the CHERRIES items (about the first)."""
    instruments = _as_list(instrument)
    content = results.content
    labels = labels_of(content, instruments)
    tables = result_tables(content, labels)
    primary = complete_case(content["models"])
    funnel_content = funnel.content if funnel else None
    overall = [p for p in content["prevalence"] if p.get("group") is None]
    return ReportPage(
        title=_title(content, instruments[0] if instruments else None),
        flow_figure=flow_figure(content["flow"], tables.steps),
        results=tables,
        prevalence_figure=prevalence_figure(overall, labels) if overall else None,
        forest=tuple(forest_figure(m, labels) for m in primary if m["kind"] == "multivariable"),
        analysis_notes=tuple(str(n) for n in content.get("notes") or []),
        supplements=tuple(
            supplement_section(i, extra, instruments) for i, extra in enumerate(further, start=1)
        ),
        funnel=tuple(funnel_tables(funnel_content)) if funnel_content else (),
        funnel_figure=funnel_figure(funnel_content) if funnel_content else None,
        methods=_methods(content, labels, tables.steps, instruments),
        cherries=tuple(cherries(content, funnel_content, instruments[0] if instruments else None)),
        footer=tuple(
            footer_items(
                results, funnel, [f"{i.form_id} version {i.version}" for i in instruments], further
            )
        ),
    )


def _as_list(instrument: Instrument | Sequence[Instrument] | None) -> list[Instrument]:
    if instrument is None:
        return []
    return [instrument] if isinstance(instrument, Instrument) else list(instrument)


def _methods(
    content: Mapping[str, Any],
    labels: Labels,
    steps: Sequence[str],
    instruments: Sequence[Instrument],
) -> tuple[str, ...]:
    """The methods paragraphs, with the languages' review status of every questionnaire after the
    sample (issue 15)."""
    paragraphs = methods_paragraphs(content, labels, steps)
    languages = languages_paragraph(instruments, content)
    if languages:
        paragraphs.insert(1, languages)
    return tuple(paragraphs)


def build_report(
    results: Path | Sequence[Path],
    out: Path,
    *,
    funnel: Path | None = None,
    docx: Path | None = None,
    instrument: Instrument | Sequence[Instrument] | None = None,
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
    return template_environment().get_template("report.html").render(page=page)


def template_environment() -> jinja2.Environment:
    """The report's Jinja2 templates, autoescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("helpseek.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


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
