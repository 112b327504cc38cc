"""Table 2 shows exactly the numbers of results.json, in the gtsummary layout (issue 4 req. 6).

Every test runs twice (`case`): on the hand-written schema example and on a results.json written by
the real analysis from seeded synthetic answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

OR_CI = re.compile(r"^(?P<or>\S+) \((?P<low>[^–]+)–(?P<high>[^)]+)\)$")


def assert_shows(printed: str, value: float) -> None:
    """`printed` is `value` at the report's precision: 2 decimals, 2 significant digits below 0.01."""
    number = float(printed.replace(",", ""))
    if abs(value) >= 0.01:
        assert number == pytest.approx(value, abs=0.005 + 1e-12), (printed, value)
    else:
        assert number == pytest.approx(value, rel=0.05), (printed, value)


def assert_or_ci(cell: str, term: Mapping[str, Any]) -> None:
    match = OR_CI.match(cell)
    assert match, f"not an 'OR (low–high)' cell: {cell!r}"
    for group, key in (("or", "or"), ("low", "ci_low"), ("high", "ci_high")):
        assert_shows(match[group], term[key])


def assert_p(cell: str, p: float) -> None:
    if cell == "<0.001":
        assert p < 0.001
    else:
        assert p >= 0.001
        assert float(cell) == pytest.approx(p, abs=0.0005 + 1e-12)


def primary_models(results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [m for m in results["models"] if m.get("missing", "complete") == "complete"]


def only_term(
    models: list[Mapping[str, Any]], outcome: str, kind: str, variable: str, level: str | None
) -> Mapping[str, Any]:
    found = [
        t
        for m in models
        if m["outcome"] == outcome and m["kind"] == kind
        for t in m["terms"]
        if t["variable"] == variable and t["level"] == level
    ]
    assert len(found) == 1, (outcome, kind, variable, level)
    return found[0]


def test_table2__every_or_ci_and_p_equals_results_json(case: Any) -> None:
    models = primary_models(case.results)
    checked = 0
    for table in case.tree.xpath("//table[starts-with(@id, 'table2-')]"):
        outcome = table.get("id").removeprefix("table2-")
        for row in table.xpath(".//tbody/tr[@class='level']"):
            cells = [c.text_content().strip() for c in row.xpath("./th|./td")]
            variable, level = row.get("data-variable"), row.get("data-level")
            for kind, (or_cell, p_cell) in (
                ("univariable", cells[2:4]),
                ("multivariable", cells[4:6]),
            ):
                term = only_term(models, outcome, kind, variable, level)
                assert_or_ci(or_cell, term)
                assert_p(p_cell, term["p"])
                checked += 1
    # every term of every model was shown once
    assert checked == sum(len(m["terms"]) for m in models)


def test_table2__reference_rows_are_marked_with_the_reference_level(case: Any) -> None:
    table = case.tree.get_element_by_id("table2-want_stop")
    references = {
        row.get("data-variable"): row.get("data-level")
        for row in table.xpath(".//tbody/tr[@class='reference']")
    }
    assert references["daily_life_difficulty"] == "no"
    assert references["age_first_exposure"] == "18_plus"
    row = table.xpath(".//tr[@class='reference'][@data-variable='daily_life_difficulty']")[0]
    assert [c.text_content() for c in row.xpath("./td")] == ["", "Reference", "", "Reference", ""]


def test_table2__footnotes_give_n_ci_method_references_and_firth(case: Any) -> None:
    # Given a report where the accessed-help model was fitted with Firth (separation)
    firth = case.tree.get_element_by_id("table2-accessed_help_any")
    plain = case.tree.get_element_by_id("table2-want_stop")
    firth_notes = firth.xpath(".//tfoot")[0].text_content()
    plain_notes = plain.xpath(".//tfoot")[0].text_content()
    adjusted = next(
        m
        for m in primary_models(case.results)
        if m["outcome"] == "want_stop" and m["kind"] == "multivariable"
    )
    # Then the footnotes name n analysed, the CI, the reference levels, and Firth only where used
    assert f"n analysed = {adjusted['n']:,}, events = {adjusted['events']:,}" in plain_notes
    assert "95% confidence interval (" in plain_notes
    assert "Reference levels: " in plain_notes
    assert "Firth" in firth_notes
    assert "Firth" not in plain_notes


def test_table2__univariable_n_per_characteristic_comes_from_its_model(case: Any) -> None:
    table = case.tree.get_element_by_id("table2-want_stop")
    group = table.xpath(".//tr[@class='group'][@data-variable='age_first_exposure']")[0]
    model = next(
        m
        for m in primary_models(case.results)
        if m["outcome"] == "want_stop"
        and m["kind"] == "univariable"
        and m["terms"][0]["variable"] == "age_first_exposure"
    )
    assert group.xpath("./td")[0].text_content() == f"{model['n']:,}"


def test_prevalence__every_row_equals_results_json(case: Any) -> None:
    rows = case.tree.get_element_by_id("prevalence").xpath("./tbody/tr")
    assert len(rows) == len(case.results["prevalence"])
    for row, record in zip(rows, case.results["prevalence"], strict=True):
        cells = [c.text_content() for c in row.xpath("./th|./td")]
        assert cells[-3:-1] == [f"{record['n']:,}", f"{record['denominator']:,}"]
        percent, low, high = re.match(r"^(\S+) \((\S+)–(\S+)\)$", cells[-1]).groups()
        for printed, value in ((percent, "proportion"), (low, "ci_low"), (high, "ci_high")):
            assert float(printed) == pytest.approx(100 * record[value], abs=0.05 + 1e-9)


def test_methods__firth_models_name_the_tests_of_their_p_values(real_case: Any) -> None:
    # Given a real analysis where a model was fitted with Firth (separation), with factors
    firth = [m for m in real_case.results["models"] if m["method"] == "firth"]
    assert firth and any(m["factor_p"] for m in firth)
    assert all(m["ci_method"] == "profile penalised" for m in firth)
    # Then the methods say how their p-values were found: logistf's default tests, the factors'
    # with all their levels held at 0 under the full model's penalty
    methods = " ".join(real_case.tree.get_element_by_id("methods").text_content().split())
    assert (
        "Firth's penalised likelihood was used instead (marked in the tables), with penalised "
        "likelihood-ratio p-values that keep the full model's penalty (the default of R's "
        "logistf); a characteristic with several levels was tested by holding all its levels at "
        "0 under the full model's penalty (logistf's anova and drop1)."
    ) in methods
