"""Several analyses in one report: the main one first, then e.g. the second sample side by side."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import docx
from lxml import html as lxml_html

from helpseek.report import build_report
from helpseek.report.formatting import fmt_p


def test_report__further_results_become_their_own_section(
    tmp_path: Path, real_results_dir: Path, comparison_results_dir: Path
) -> None:
    # Given the main analysis and a comparison of two samples
    comparison = json.loads((comparison_results_dir / "results.json").read_text(encoding="utf-8"))
    # When both are passed to the report
    result = build_report(
        [real_results_dir, comparison_results_dir], tmp_path / "r.html", docx=tmp_path / "t.docx"
    )
    tree = lxml_html.fromstring(result.html_path.read_bytes())
    # Then the main Table 2 is still there and the comparison follows in its own section
    assert tree.get_element_by_id("table2-want_stop") is not None
    section = tree.get_element_by_id("supplement-1")
    assert section.xpath("./h2")[0].text_content() == comparison["title"]
    table = section.xpath(".//table[@id='s1-comparison']")[0]
    sizes = comparison["comparison"]["sizes"]
    header = [th.text_content() for th in table.xpath("./thead/tr/th")]
    assert header[1:3] == [f"Sought help (n = {sizes[0]:,})", f"Programme (n = {sizes[1]:,})"]
    # each option of the multiple-choice item is compared with its own test
    shame = next(i for i in comparison["comparison"]["items"] if i["variable"].endswith(": shame"))
    row = table.xpath(f".//tr[@class='group'][@data-variable='{shame['variable']}']")[0]
    assert row.xpath("./td")[-2].text_content() == fmt_p(shame["p"])
    # And its descriptive table and hash are in the report and in the .docx
    assert section.xpath(".//table[@id='s1-descriptive']")
    footer = tree.get_element_by_id("reproducibility").text_content()
    assert f"Further analysis: {comparison['title']}" in footer
    digest = hashlib.sha256((comparison_results_dir / "results.json").read_bytes()).hexdigest()
    assert digest in footer
    assert len(docx.Document(str(tmp_path / "t.docx")).tables) == len(result.page.tables)


def test_report__a_descriptive_analysis_alone_is_a_report_without_models(
    tmp_path: Path, comparison_results_dir: Path
) -> None:
    # Given an analysis with no outcome (descriptions and a comparison only)
    result = build_report(comparison_results_dir, tmp_path / "r.html")
    tree = lxml_html.fromstring(result.html_path.read_bytes())
    # Then the report says so where the outcome sections would be, and shows what exists
    assert tree.xpath("//table[@id='prevalence']") == []
    assert "holds no outcome" in tree.get_element_by_id("prevalence-section").text_content()
    assert "holds no regression models" in tree.get_element_by_id("table2-section").text_content()
    assert tree.xpath("//table[@id='descriptive']") and tree.xpath("//table[@id='comparison']")
