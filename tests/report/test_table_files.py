"""The tables `helpseek analyze` writes under results/tables/ are the report's tables (issue 11,
defect 6): the same cells (labels, numbers, p format) as the HTML report of the same results.json.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import html as lxml_html
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.instrument import load_instrument
from helpseek.report.table_files import to_csv, to_html, to_latex, to_markdown, write_tables
from helpseek.report.tables import Row, Table

_spec = importlib.util.spec_from_file_location(
    "survey_frame", Path(__file__).parents[1] / "analysis" / "survey_frame.py"
)
assert _spec is not None and _spec.loader is not None
survey_frame = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(survey_frame)


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """`helpseek analyze` with the bundled spec on an export of help_us_help_you, then `helpseek
    report` of its results (without --instrument: the labels come with results.json)."""
    folder = tmp_path_factory.mktemp("tables")
    data = folder / "survey.csv"
    survey_frame.make_survey_frame(800, seed=4).to_csv(data, index=False)
    runner = CliRunner()
    out = folder / "results"
    done = runner.invoke(
        app, ["analyze", "--data", str(data), "--spec", "help_seeking", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    report = folder / "report.html"
    docx = folder / "tables.docx"
    done = runner.invoke(
        app, ["report", "--results", str(out), "--out", str(report), "--docx", str(docx)]
    )
    assert done.exit_code == 0, done.output
    return out, lxml_html.fromstring(report.read_bytes())


def html_cells(table: Any) -> tuple[list[str], list[list[str]]]:
    """The header (spanner and column joined as "Univariable: OR (95% CI)") and the body cells."""
    spanners: list[str] = []
    rows = table.xpath("./thead/tr")
    if len(rows) == 2:
        for th in rows[0].xpath("./th"):
            spanners += [th.text_content()] * int(th.get("colspan", "1"))
    columns = [th.text_content() for th in rows[-1].xpath("./th")]
    if spanners:
        columns = [f"{s}: {c}" if s else c for s, c in zip(spanners, columns, strict=True)]
    body = [[c.text_content() for c in tr.xpath("./th|./td")] for tr in table.xpath("./tbody/tr")]
    return columns, body


def test_table_files__every_table_of_the_report_is_written_with_the_same_cells(
    analysed: tuple[Path, Any],
) -> None:
    out, tree = analysed
    report_tables = tree.xpath(
        "//table[contains(@class, 'results')][not(contains(@class, 'checklist'))]"
    )
    shown = {t.get("id"): t for t in report_tables}
    written = sorted(p.stem for p in (out / "tables").glob("*.csv"))
    # Then every table of the report (bar the checklist) is a file, and nothing else is
    assert written == sorted(shown)
    for name in written:
        header, body = html_cells(shown[name])
        rows = list(csv.reader(io.StringIO((out / "tables" / f"{name}.csv").read_text("utf-8"))))
        # the same header and the same cells, character for character
        assert rows[0] == header, name
        assert rows[1:] == body, name


def test_table_files__come_in_the_docx_order_with_the_docx_titles(
    analysed: tuple[Path, Any], tmp_path: Path
) -> None:
    # Given the tables analyze writes (in the order write_tables writes them) and the .docx that
    # `helpseek report --docx` wrote from the same results.json, read with python-docx
    out, _ = analysed
    written = [p for p in write_tables(out, tmp_path) if p.suffix == ".md"]
    titles = [p.read_text("utf-8").splitlines()[0].strip("*").replace("\\|", "|") for p in written]
    document = docx.Document(str(out.parent / "tables.docx"))
    headed, heading = [], None
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            paragraph = DocxParagraph(block, document)
            heading = paragraph.text if paragraph.style.name == "Heading 2" else heading
        elif block.tag == qn("w:tbl"):
            headed.append(heading)
    # Then the .docx has one table per table file, under the same title, in the same order
    assert len(titles) > 10
    assert headed == titles
    # and each file's header row is the .docx table's (a spanner's columns are named under it)
    for path, word_table in zip(written, document.tables, strict=True):
        header_row = [c.text for c in word_table.rows[-1 - len(_csv_body(path))].cells]
        assert header_row == [h.split(": ", 1)[-1] for h in _csv_header(path)], path.stem


def _csv_header(markdown: Path) -> list[str]:
    return next(csv.reader(io.StringIO(markdown.with_suffix(".csv").read_text("utf-8"))))


def _csv_body(markdown: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(markdown.with_suffix(".csv").read_text("utf-8"))))[1:]


def test_table_files__markdown_html_and_latex_carry_the_same_cells(
    analysed: tuple[Path, Any],
) -> None:
    out, tree = analysed
    header, body = html_cells(tree.get_element_by_id("table2-sought_help"))
    markdown = (out / "tables" / "table2-sought_help.md").read_text("utf-8")
    fragment = lxml_html.fragment_fromstring(
        (out / "tables" / "table2-sought_help.html").read_text("utf-8"), create_parent="div"
    )
    assert html_cells(fragment.xpath(".//table")[0]) == (header, body)
    latex = (out / "tables" / "table2-sought_help.tex").read_text("utf-8")
    for row in body:
        assert "| " + " | ".join(row) + " |" in markdown.replace("**", "")
        for cell in row:
            assert cell.replace("–", "--").replace("<", "\\textless{}") in latex


def test_table_files__show_questionnaire_labels_not_raw_codes(analysed: tuple[Path, Any]) -> None:
    out, _ = analysed
    form = load_instrument("help_us_help_you")
    text = (out / "tables" / "table2-want_stop.csv").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    first_cells = [r[0] for r in rows[1:]]
    # Then the levels read as the questionnaire says them, never as choice names
    for choice in form.question("age_group").choices:
        if choice.name != "prefer_not":
            assert choice.label.get("en") in first_cells
            assert choice.name not in first_cells
    assert "want_stop = yes" not in text and "18_plus" not in text


HOSTILE = Table(
    "t",
    "A & B <test> | 50%",
    ("Characteristic", "OR (95% CI)", "p"),
    (
        Row(("race_x", "", "0.040"), "group"),
        Row(("a|b_c", "Reference", ""), "reference"),
        Row(("<script>", "1.20 (1.00–1.50)", "<0.001"), "level"),
    ),
    ("50% note <x> & y_z",),
    spanners=(("", 1), ("Univariable", 2)),
)


def test_markdown__bold_characteristic_rows_and_escaped_pipes() -> None:
    text = to_markdown(HOSTILE)
    assert text.startswith("**A & B <test> \\| 50%**")
    assert "| Characteristic | Univariable: OR (95% CI) | Univariable: p |" in text
    assert "| **race_x** |  | 0.040 |" in text and "| a\\|b_c | Reference |  |" in text


def test_html__escapes_text_and_has_no_script() -> None:
    text = to_html(HOSTILE)
    assert "<caption>A &amp; B &lt;test&gt; | 50%</caption>" in text
    assert "&lt;script&gt;" in text and "<script" not in text
    assert '<th colspan="2" scope="colgroup">Univariable</th>' in text


def test_latex__escapes_specials_and_spans_the_spanner() -> None:
    text = to_latex(HOSTILE)
    assert "\\caption{A \\& B \\textless{}test\\textgreater{} | 50\\%}" in text
    assert " & \\multicolumn{2}{c}{Univariable} \\\\" in text
    assert "\\textbf{race\\_x} &  & 0.040 \\\\" in text
    assert "\\textless{}script\\textgreater{} & 1.20 (1.00--1.50) & \\textless{}0.001" in text
    assert "50\\% note \\textless{}x\\textgreater{} \\& y\\_z" in text


def test_csv__one_header_row_then_the_cells() -> None:
    assert list(csv.reader(io.StringIO(to_csv(HOSTILE)))) == [
        ["Characteristic", "Univariable: OR (95% CI)", "Univariable: p"],
        ["race_x", "", "0.040"],
        ["a|b_c", "Reference", ""],
        ["<script>", "1.20 (1.00–1.50)", "<0.001"],
    ]


def test_table_files__labels_come_from_the_codebook_when_no_questionnaire_is_known(
    tmp_path: Path,
) -> None:
    from helpseek.data import write_dataset
    from helpseek.synth import draw_respondents, load_truth, to_dataset, walk_all

    # Given an export whose questionnaire helpseek does not know (not bundled, not given), with
    # the codebook written next to it
    form = load_instrument("help_us_help_you")
    draw = draw_respondents(form, load_truth(None, form), 300, 5)
    data = tmp_path / "export.csv"
    write_dataset(to_dataset(walk_all(form, draw), form), data)
    text = data.read_text(encoding="utf-8").replace("help_us_help_you", "our_own_form")
    data.write_text(text, encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "include: \"uses == 'yes'\"\ntreat_as_missing: [prefer_not]\nby: null\nci: wald\n"
        "outcomes: [{name: sought_help, positive: [yes]}]\n"
        "predictors: [{name: age_group, reference: 18_24}]\n",
        encoding="utf-8",
    )
    out = tmp_path / "results"
    done = CliRunner().invoke(
        app, ["analyze", "--data", str(data), "--spec", str(spec), "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    # Then the tables name the answers as the codebook (the questionnaire's words) does
    rows = list(csv.reader(io.StringIO((out / "tables" / "table1-sought_help.csv").read_text())))
    question = form.question("age_group")
    choices = [c for c in question.choices if c.name != "prefer_not"]
    assert [r[0] for r in rows[1:]] == [question.label.get("en")] + [
        c.label.get("en") for c in choices
    ]
