"""A publication table (title, header, rows, footnotes) and its renderings: CSV, Markdown, HTML, LaTeX.

Number styles follow gtsummary: `style_ratio` (2 significant figures below 1, 3 at or above) and
`style_pvalue` (">0.9", "<0.001"), so tables look like the ones researchers already publish.
"""

from __future__ import annotations

import csv
import html
import io
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path


@dataclass(frozen=True)
class Table:
    """A rectangular table of text; `label_rows` are the bold variable-name rows."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footnotes: tuple[str, ...] = ()
    label_rows: frozenset[int] = field(default_factory=frozenset)

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buffer.getvalue()

    def to_markdown(self) -> str:
        def cell(text: str) -> str:
            return text.replace("|", "\\|")

        lines = [
            f"**{self.title}**",
            "",
            "| " + " | ".join(cell(h) for h in self.header) + " |",
            "|" + "|".join("---" for _ in self.header) + "|",
        ]
        for i, row in enumerate(self.rows):
            cells = [cell(c) for c in row]
            if i in self.label_rows and cells[0]:
                cells[0] = f"**{cells[0]}**"
            lines.append("| " + " | ".join(cells) + " |")
        lines += [""] + [f"{note}  " for note in self.footnotes]
        return "\n".join(lines).rstrip() + "\n"

    def to_html(self) -> str:
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in self.header)
        body = []
        for i, row in enumerate(self.rows):
            cells = [f"<td>{e(c)}</td>" for c in row]
            if i in self.label_rows:
                cells[0] = f'<th scope="row">{e(row[0])}</th>'
            body.append("<tr>" + "".join(cells) + "</tr>")
        notes = "".join(f"<li>{e(n)}</li>" for n in self.footnotes)
        return (
            f"<table>\n<caption>{e(self.title)}</caption>\n<thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n"
            + "\n".join(body)
            + "\n</tbody>\n</table>\n"
            + (f'<ul class="footnotes">{notes}</ul>\n' if notes else "")
        )

    def to_latex(self) -> str:
        columns = "l" + "r" * (len(self.header) - 1)
        lines = [
            "\\begin{table}[ht]",
            "\\centering",
            f"\\caption{{{latex_escape(self.title)}}}",
            f"\\begin{{tabular}}{{{columns}}}",
            "\\hline",
            " & ".join(latex_escape(h) for h in self.header) + " \\\\",
            "\\hline",
        ]
        for i, row in enumerate(self.rows):
            cells = [latex_escape(c) for c in row]
            if i in self.label_rows and cells[0]:
                cells[0] = f"\\textbf{{{cells[0]}}}"
            lines.append(" & ".join(cells) + " \\\\")
        lines += ["\\hline", "\\end{tabular}"]
        lines += [f"\\par\\footnotesize {latex_escape(n)}" for n in self.footnotes]
        lines.append("\\end{table}")
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> list[Path]:
        """Write <name>.csv/.md/.html/.tex into `folder`; returns the paths."""
        folder.mkdir(parents=True, exist_ok=True)
        outputs = {
            ".csv": self.to_csv(),
            ".md": self.to_markdown(),
            ".html": self.to_html(),
            ".tex": self.to_latex(),
        }
        paths = []
        for suffix, text in outputs.items():
            path = folder / f"{self.name}{suffix}"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        return paths


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


def _round_half_up(value: float, digits: int) -> str:
    quantum = Decimal(1).scaleb(-digits)
    return str(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def style_ratio(value: float) -> str:
    """gtsummary's style_ratio: 2 significant figures below 1, 3 at or above (half away from zero).

    >>> [style_ratio(v) for v in (0.9123, 1.0, 2.345, 12.34, 123.4)]
    ['0.91', '1.00', '2.35', '12.3', '123']
    """
    if math.isnan(value):
        return "—"
    if math.isinf(value):
        return "∞" if value > 0 else "0"
    if value < 1:
        digits = 2 - 1 - math.floor(math.log10(abs(value))) if value > 0 else 2
        text = _round_half_up(value, digits)
        return "1.00" if text in ("1.0", "1") else text
    digits = max(3 - 1 - math.floor(math.log10(value)), 0)
    return _round_half_up(value, digits)


def style_pvalue(p: float) -> str:
    """gtsummary's style_pvalue(digits = 1): 1 decimal if that rounds to >= 0.2, 2 if to >= 0.1, else 3.

    >>> [style_pvalue(p) for p in (0.95, 0.46, 0.156, 0.14, 0.0996, 0.0123, 0.0004)]
    ['>0.9', '0.5', '0.2', '0.14', '0.10', '0.012', '<0.001']
    """
    if p is None or math.isnan(p):
        return ""
    if p > 0.9:
        return ">0.9"
    if float(_round_half_up(p, 1)) >= 0.2:
        return _round_half_up(p, 1)
    if float(_round_half_up(p, 2)) >= 0.1:
        return _round_half_up(p, 2)
    if p >= 0.001:
        return _round_half_up(p, 3)
    return "<0.001"


def style_percent(value: float) -> str:
    """One decimal, as in the study's tables: 55.0."""
    return "—" if math.isnan(value) else _round_half_up(value, 1)


def style_count(n: int) -> str:
    """Thousands separated by commas: 4,493."""
    return f"{n:,}"
