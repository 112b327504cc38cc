"""Table 2 shows exactly the numbers of results.json, in the gtsummary layout (issue 4 req. 6)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

OR_CI = re.compile(r"^(?P<or>[\d,]+\.\d{2}) \((?P<low>[\d,]+\.\d{2})–(?P<high>[\d,]+\.\d{2})\)$")


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _assert_or_ci_matches(cell: str, term: Mapping[str, Any]) -> None:
    match = OR_CI.match(cell)
    assert match, f"not an 'OR (low–high)' cell: {cell!r}"
    for group, key in (("or", "or"), ("low", "ci_low"), ("high", "ci_high")):
        assert _number(match[group]) == pytest.approx(term[key], abs=0.005 + 1e-12)


def _assert_p_matches(cell: str, p: float) -> None:
    if cell == "<0.001":
        assert p < 0.001
    else:
        assert p >= 0.001
        assert float(cell) == pytest.approx(p, abs=0.0005 + 1e-12)


def _term(models: list[Mapping[str, Any]], outcome: str, kind: str, variable: str,
          level: str | None) -> Mapping[str, Any]:
    found = [
        t
        for m in models
        if m["outcome"] == outcome and m["kind"] == kind
        for t in m["terms"]
        if t["variable"] == variable and t["level"] == level
    ]
    assert len(found) == 1, (outcome, kind, variable, level)
    return found[0]


def test_table2__every_or_ci_and_p_equals_results_json(
    report_tree: Any, schema_example: Mapping[str, Any]
) -> None:
    models = schema_example["models"]
    checked = 0
    for table in report_tree.xpath("//table[starts-with(@id, 'table2-')]"):
        outcome = table.get("id").removeprefix("table2-")
        for row in table.xpath(".//tbody/tr[@class='level']"):
            cells = [c.text_content().strip() for c in row.xpath("./th|./td")]
            variable, level = row.get("data-variable"), row.get("data-level")
            for kind, (or_cell, p_cell) in (
                ("univariable", cells[2:4]),
                ("multivariable", cells[4:6]),
            ):
                term = _term(models, outcome, kind, variable, level)
                _assert_or_ci_matches(or_cell, term)
                _assert_p_matches(p_cell, term["p"])
                checked += 1
    # every term of every model was shown once
    assert checked == sum(len(m["terms"]) for m in models)


def test_table2__reference_rows_are_marked_with_the_reference_level(
    report_tree: Any, schema_example: Mapping[str, Any]
) -> None:
    table = report_tree.get_element_by_id("table2-want_stop")
    references = {
        row.get("data-variable"): row.get("data-level")
        for row in table.xpath(".//tbody/tr[@class='reference']")
    }
    assert references == {"daily_life_difficulty": "no", "age_first_exposure": "18_plus"}
    row = table.xpath(".//tr[@class='reference'][@data-variable='daily_life_difficulty']")[0]
    assert [c.text_content() for c in row.xpath("./td")] == ["", "Reference", "", "Reference", ""]


def test_table2__footnotes_give_n_ci_method_references_and_firth(report_tree: Any) -> None:
    # Given the schema example, where the accessed-help model was fitted with Firth
    firth = report_tree.get_element_by_id("table2-accessed_help_any")
    plain = report_tree.get_element_by_id("table2-want_stop")
    firth_notes = firth.xpath(".//tfoot")[0].text_content()
    plain_notes = plain.xpath(".//tfoot")[0].text_content()
    # Then the footnotes name n analysed, the CI, the reference levels, and Firth only where used
    assert "n analysed = 3,870" in plain_notes
    assert "95% confidence interval" in plain_notes
    assert "Reference levels: Daily life difficulty = No; Age first exposure = 18 plus." in (
        plain_notes
    )
    assert "Firth" in firth_notes
    assert "Firth" not in plain_notes


def test_table2__univariable_n_per_characteristic_comes_from_its_model(
    report_tree: Any, schema_example: Mapping[str, Any]
) -> None:
    table = report_tree.get_element_by_id("table2-sought_help")
    group = table.xpath(".//tr[@class='group'][@data-variable='age_first_exposure']")[0]
    model = next(
        m for m in schema_example["models"]
        if m["outcome"] == "sought_help" and m["kind"] == "univariable"
        and m["terms"][0]["variable"] == "age_first_exposure"
    )
    assert group.xpath("./td")[0].text_content() == f"{model['n']:,}"
