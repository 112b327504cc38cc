"""From a real analysis run to the report: results.json written by helpseek.analysis on seeded
synthetic answers (see conftest.synthetic_answers), then the HTML and the .docx."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest
from lxml import html as lxml_html

from helpseek.analysis import run_analysis, spec_from_mapping, write_results
from helpseek.report import build_report


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


@pytest.mark.slow
def test_end_to_end__multiple_imputation_models_get_their_own_tables(
    tmp_path: Path, synthetic: tuple[Any, dict[str, Any]]
) -> None:
    # Given an analysis with the multiple-imputation sensitivity analysis (2 imputations: fast)
    answers, raw_spec = synthetic
    spec = spec_from_mapping({**raw_spec, "missing": "mice", "imputations": 2})
    write_results(run_analysis(answers, spec), tmp_path)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    # When the report is built
    report = build_report(tmp_path, tmp_path / "r.html")
    tree = lxml_html.fromstring(report.html_path.read_bytes())
    # Then Table 2 shows the complete-case models and the MI tables the pooled ones
    pooled = [m for m in results["models"] if m["missing"] == "mice"]
    adjusted = next(
        m for m in pooled if m["outcome"] == "want_stop" and m["kind"] == "multivariable"
    )
    table = tree.get_element_by_id("mi-want_stop")
    for term in adjusted["terms"]:
        row = table.xpath(
            f".//tr[@data-variable='{term['variable']}'][@data-level='{term['level']}']"
        )
        low, high = term["ci_low"], term["ci_high"]
        assert row[0].xpath("./td")[3].text_content() == f"{term['or']:.2f} ({low:.2f}–{high:.2f})"
    assert "multiple imputation" in table.xpath("./tfoot")[0].text_content()
    footer = tree.get_element_by_id("reproducibility").text_content()
    assert str(results["seed"]) in footer
