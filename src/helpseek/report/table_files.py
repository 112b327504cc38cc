"""The report's tables as files: CSV, Markdown, an HTML fragment and LaTeX, one set per table.

`helpseek analyze` writes them to results/tables/ from the results.json it has just written, so they
are the report's tables cell for cell (issue 11): the same labels, numbers and p format.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

from helpseek.instrument.model import Instrument
from helpseek.report.contents import labels_of, result_tables
from helpseek.report.load import load_results
from helpseek.report.render import template_environment
from helpseek.report.tables import Table

SUFFIXES = (".csv", ".md", ".html", ".tex")


def write_tables(
    results: Path, folder: Path | None = None, instruments: Sequence[Instrument] = ()
) -> list[Path]:
    """Write every table of `results` (a results folder or its results.json) as <id>.csv, .md,
    .html and .tex into `folder` (default: tables/ beside results.json); returns the paths."""
    loaded = load_results(results)
    tables = result_tables(loaded.content, labels_of(loaded.content, instruments)).all
    target = folder or loaded.path.parent / "tables"
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        for suffix, text in zip(SUFFIXES, _renderings(table), strict=True):
            path = target / f"{table.id}{suffix}"
            temporary = path.with_name(f".{path.name}.partial")
            temporary.write_text(text, encoding="utf-8")
            os.replace(temporary, path)
            written.append(path)
    return written


def _renderings(table: Table) -> tuple[str, str, str, str]:
    return to_csv(table), to_markdown(table), to_html(table), to_latex(table)


def header(table: Table) -> list[str]:
    """One header row: a column under a spanner is named "Spanner: column".

    >>> header(Table("t", "T", ("Characteristic", "p"), (), spanners=(("", 1), ("Model", 1))))
    ['Characteristic', 'Model: p']
    """
    names: list[str] = []
    for label, width in table.spanners or (("", len(table.columns)),):
        names += [label] * width
    return [
        f"{span}: {column}" if span else column
        for span, column in zip(names, table.columns, strict=True)
    ]


def to_csv(table: Table) -> str:
    """The header and the cells, nothing else (for reading back into a spreadsheet)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(table))
    writer.writerows(row.cells for row in table.rows)
    return buffer.getvalue()


def to_markdown(table: Table) -> str:
    """A pipe table with the title above it and the footnotes below; a characteristic's row is
    bold."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        f"**{cell(table.title)}**",
        "",
        "| " + " | ".join(cell(h) for h in header(table)) + " |",
        "|" + "|".join("---" for _ in table.columns) + "|",
    ]
    for row in table.rows:
        cells = [cell(c) for c in row.cells]
        if row.kind == "group" and cells[0]:
            cells[0] = f"**{cells[0]}**"
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""] + [f"{cell(note)}  " for note in table.footnotes]
    return "\n".join(lines).rstrip() + "\n"


def to_html(table: Table) -> str:
    """The table as the report renders it (the same template macro), without the page around."""
    macro = template_environment().get_template("_macros.html").module.table  # type: ignore[attr-defined]
    return str(macro(table)).strip() + "\n"


def to_latex(table: Table) -> str:
    """A `table` float with a `tabular`: spanners as \\multicolumn, bold characteristic rows, the
    footnotes under it."""
    lines = [
        "\\begin{table}[ht]",
        "\\centering",
        f"\\caption{{{latex_escape(table.title)}}}",
        f"\\begin{{tabular}}{{l{'r' * (len(table.columns) - 1)}}}",
        "\\hline",
    ]
    if table.spanners:
        spans = [
            f"\\multicolumn{{{width}}}{{c}}{{{latex_escape(label)}}}"
            if width > 1
            else latex_escape(label)
            for label, width in table.spanners
        ]
        lines.append(" & ".join(spans) + " \\\\")
    lines += [" & ".join(latex_escape(c) for c in table.columns) + " \\\\", "\\hline"]
    for row in table.rows:
        cells = [latex_escape(c) for c in row.cells]
        if row.kind == "group" and cells[0]:
            cells[0] = f"\\textbf{{{cells[0]}}}"
        lines.append(" & ".join(cells) + " \\\\")
    lines += ["\\hline", "\\end{tabular}"]
    lines += [f"\\par\\footnotesize {latex_escape(n)}" for n in table.footnotes]
    lines.append("\\end{table}")
    return "\n".join(lines) + "\n"


_LATEX = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "—": "---",
    "–": "--",
}


def latex_escape(text: str) -> str:
    """Escape LaTeX specials: latex_escape("50% of a_b") -> '50\\% of a\\_b'."""
    return "".join(_LATEX.get(ch, ch) for ch in text)
