"""From a real analysis run to the report: results.json written by helpseek.analysis on seeded
synthetic answers (see conftest.synthetic_answers), then the HTML and the .docx."""

from __future__ import annotations

from typing import Any

import docx


def test_end_to_end__separation_warnings_of_the_analysis_are_shown(real_case: Any) -> None:
    # Given an analysis that met separation and switched to Firth
    notes = real_case.results["notes"]
    assert any("separation" in note for note in notes)
    # Then every warning it recorded is listed in the report, word for word
    shown = [li.text_content() for li in real_case.tree.xpath("//ul[@id='analysis-notes']/li")]
    assert shown == notes


def test_end_to_end__footer_has_the_inputs_and_the_analysis_software(real_case: Any) -> None:
    footer = real_case.tree.get_element_by_id("reproducibility").text_content()
    assert "synthetic.csv SHA-256" in footer and "ab" * 32 in footer
    software = real_case.results["software"]
    methods = real_case.tree.get_element_by_id("methods").text_content()
    assert "as recorded by the analysis" in methods
    assert f"statsmodels {software['statsmodels']}" in methods


def test_end_to_end__table1_counts_equal_results_json(real_case: Any) -> None:
    table = real_case.tree.get_element_by_id("table1-want_stop")
    for record in (r for r in real_case.results["table1"] if r["outcome"] == "want_stop"):
        for line in record["rows"]:
            row = table.xpath(
                f".//tr[@data-variable='{record['variable']}'][@data-level='{line['level']}']"
            )[0]
            cells = [c.text_content() for c in row.xpath("./td")][: len(line["counts"])]
            assert [c.split(" (")[0] for c in cells] == [f"{n:,}" for n in line["counts"]]


def test_end_to_end__labels_come_from_the_spec(real_case: Any) -> None:
    # The spec labels daily_life_difficulty "Difficulties in daily life"; unlabelled names are
    # made readable
    table = real_case.tree.get_element_by_id("table2-want_stop")
    names = [th.text_content() for th in table.xpath(".//tr[@class='group']/th")]
    assert names[:2] == ["Difficulties in daily life", "Age first exposure"]
    assert "Table 2 — Wants to stop: odds ratios" in table.xpath("./caption")[0].text_content()


def test_end_to_end__descriptive_shares_equal_results_json(real_case: Any) -> None:
    (described,) = real_case.results["descriptions"]
    table = real_case.tree.get_element_by_id("descriptive")
    for share in described["shares"]:
        row = table.xpath(f".//tr[@data-level='{share['level']}']")[0]
        cells = [c.text_content() for c in row.xpath("./td")]
        assert cells[:2] == [f"{share['count']:,}", f"{share['denominator']:,}"]
        assert cells[2].startswith(f"{share['percent']:.1f} (")


def test_end_to_end__docx_has_every_table(real_case: Any) -> None:
    document = docx.Document(str(real_case.report.docx_path))
    assert len(document.tables) == len(real_case.report.page.tables)
