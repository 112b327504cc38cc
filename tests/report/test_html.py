"""The report is one self-contained, script-free HTML file with every section (issue 5 req. 2)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from helpseek.report import build_report

SECTIONS = (
    "sample-flow",
    "prevalence-section",
    "table1-section",
    "table2-section",
    "forest-section",
    "diagnostics-section",
    "funnel-section",
    "methods",
    "cherries",
    "reproducibility",
)


def test_report__has_no_script_and_no_svg(case: Any) -> None:
    # Given a report (of the schema example, and of a real analysis run)
    text = case.report.html_path.read_text(encoding="utf-8").lower()
    # Then nothing in it can run, and nothing is SVG (blocked by Tor Browser "Safest")
    assert "<script" not in text
    assert "<svg" not in text
    assert "image/svg" not in text
    assert re.search(r"\son[a-z]+\s*=", text) is None


def test_report__loads_no_resource_from_the_network(case: Any) -> None:
    report_tree = case.tree
    # When we collect every attribute that makes a browser fetch something
    fetched = [
        value
        for element in report_tree.iter()
        for name, value in element.attrib.items()
        if name in ("src", "href", "srcset", "data", "poster", "action")
    ]
    # Then each is an in-page anchor or an inline PNG, never a URL
    assert fetched
    assert all(v.startswith(("#", "data:image/png;base64,")) for v in fetched)
    styles = " ".join(s.text_content() for s in report_tree.iter("style"))
    assert "@import" not in styles and "url(" not in styles
    assert report_tree.xpath("//link") == []


def test_report__figures_are_inline_png_with_alt_text(report_tree: Any) -> None:
    images = report_tree.xpath("//img")
    # flow, prevalence, three forest plots, the funnel
    assert len(images) == 6
    for image in images:
        assert image.get("src").startswith("data:image/png;base64,")
        assert image.get("alt")


def test_report__has_every_section(report_tree: Any) -> None:
    ids = set(report_tree.xpath("//section/@id | //footer/@id"))
    assert set(SECTIONS) <= ids


def test_report__has_one_table2_and_one_forest_plot_per_outcome(
    report_tree: Any, schema_example: Any
) -> None:
    outcomes = {m["outcome"] for m in schema_example["models"]}
    assert {t.get("id") for t in report_tree.xpath("//table[starts-with(@id, 'table2-')]")} == {
        f"table2-{o}" for o in outcomes
    }
    assert {f.get("id") for f in report_tree.xpath("//figure[starts-with(@id, 'forest-')]")} == {
        f"forest-{o}" for o in outcomes
    }


def test_report__footer_carries_the_sha256_of_its_inputs(
    report_tree: Any, example_paths: tuple[Path, Path]
) -> None:
    footer = report_tree.get_element_by_id("reproducibility").text_content()
    for path in example_paths:
        assert hashlib.sha256(path.read_bytes()).hexdigest() in footer


def test_report__text_is_escaped(tmp_path: Path, schema_example: Any) -> None:
    # Given a results.json whose step name carries markup
    hostile = dict(schema_example)
    hostile["flow"] = [{"step": "<script>x</script>", "n": 1}]
    (tmp_path / "results.json").write_text(json.dumps(hostile), encoding="utf-8")
    # When the report is built
    result = build_report(tmp_path, tmp_path / "r.html")
    # Then the markup is shown as text, never run
    assert "<script" not in result.html_path.read_text(encoding="utf-8").lower()


def test_report__funnel_shows_each_variant_against_the_reference(
    report_tree: Any, funnel_path: Path
) -> None:
    # Given the funnel written by helpseek invite stats
    funnel = json.loads(funnel_path.read_text(encoding="utf-8"))
    table = report_tree.get_element_by_id("funnel")
    # Then each variant and outcome has a row; the reference row is marked, others carry the OR
    rows = {
        (tr.get("data-variant"), tr.get("data-outcome")): [
            c.text_content() for c in tr.xpath("./th|./td")
        ]
        for tr in table.xpath("./tbody/tr")
    }
    assert len(rows) == len(funnel["variants"]) * len(funnel["outcomes"])
    assert rows[("neutral", "help")][5:] == ["Reference", "Reference", ""]
    harm = next(v for v in funnel["variants"] if v["variant"] == "harm_to_children")
    comparison = harm["comparisons"]["help"]
    low, high = comparison["ci"]
    assert rows[("harm_to_children", "help")][6] == (
        f"{comparison['odds_ratio']:.2f} ({low:.2f}–{high:.2f})"
    )
    assert rows[("harm_to_children", "help")][4] == "15.66 (14.70–16.68)"
