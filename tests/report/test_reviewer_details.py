"""What a journal reviewer would send back (issue 11, defect 7), checked on the demo's study run
offline (conftest.study: synthetic respondents of both bundled questionnaires, `helpseek analyze`
with the bundled specs, `helpseek report` with both questionnaires).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from lxml import html as lxml_html

from helpseek.analysis import run_analysis, spec_from_mapping, write_results
from helpseek.instrument import load_instrument
from helpseek.report import build_report
from helpseek.report.forest import forest_layout

MAIN = load_instrument("help_us_help_you")
PROGRAMME = load_instrument("program_feedback")


def rows_of(tree: Any, table_id: str, variable: str) -> list[Any]:
    table = tree.get_element_by_id(table_id)
    return table.xpath(f"./tbody/tr[@data-variable='{variable}'][@class!='group']")


def first_cells(rows: list[Any]) -> list[str]:
    return [r.xpath("./th")[0].text_content() for r in rows]


def choice_order(form: Any, question: str) -> list[str]:
    return [c.name for c in form.question(question).choices if c.name != "prefer_not"]


def results_of(study: Any, name: str) -> dict[str, Any]:
    return json.loads((study.results[name] / "results.json").read_text(encoding="utf-8"))


# -- multi-select indicators -------------------------------------------------------------------


def test_choice_flag_predictor__levels_read_no_and_yes(study: Any) -> None:
    variable = "children_age_viewed__infant_toddler"
    for table_id in ("table1-want_stop", "table2-want_stop"):
        assert first_cells(rows_of(study.tree, table_id, variable)) == ["No", "Yes"], table_id


def test_choice_flag_predictor__no_and_yes_without_a_questionnaire(tmp_path: Path) -> None:
    # Given a results.json from a plain table (no questionnaire, no codebook)
    frame = pd.DataFrame({
        "x__a": [0, 1, 0, 1, 1, 0, 0, 1] * 10,
        "y": ["yes", "no", "no", "yes", "yes", "no", "yes", "no"] * 9 + ["yes"] * 8,
    })  # fmt: skip
    spec = {"by": None, "outcomes": [{"name": "y", "positive": ["yes"]}]}
    spec["predictors"] = [{"name": "x__a", "reference": "0"}]
    write_results(run_analysis(frame, spec_from_mapping(spec)), tmp_path)
    tree = lxml_html.fromstring(build_report(tmp_path, tmp_path / "r.html").html_path.read_bytes())
    # Then the 0/1 indicator of an option still reads No/Yes
    assert first_cells(rows_of(tree, "table2-y", "x__a")) == ["No", "Yes"]


def test_table1__outcome_groups_are_named_by_the_answers_they_hold(study: Any) -> None:
    # want_stop is 1 for "Yes" and 0 for "No" or "Not sure" ("Prefer not to say" is missing)
    table = study.tree.get_element_by_id("table1-want_stop")
    columns = [th.text_content() for th in table.xpath("./thead/tr/th")]
    assert columns[1].startswith("Yes (n = ") and columns[2].startswith("No / Not sure (n = ")
    sought = study.tree.get_element_by_id("table1-sought_help")
    assert [th.text_content() for th in sought.xpath("./thead/tr/th")][2].startswith("No (n = ")


# -- level order and the reference ---------------------------------------------------------------


@pytest.mark.parametrize("variable", ["age_group", "frequency", "age_first_exposure"])
def test_levels__follow_the_questionnaire_and_the_reference_is_marked_in_place(
    study: Any, variable: str
) -> None:
    wanted = choice_order(MAIN, variable)
    labels = {c.name: c.label.get("en") for c in MAIN.question(variable).choices}
    settings = results_of(study, "main")["settings"]
    reference = next(p["reference"] for p in settings["predictors"] if p["name"] == variable)
    for table_id in ("table1-want_stop", "table2-want_stop"):
        rows = rows_of(study.tree, table_id, variable)
        assert [r.get("data-level") for r in rows] == wanted, table_id
        assert first_cells(rows) == [labels[w] for w in wanted], table_id
    table2 = rows_of(study.tree, "table2-want_stop", variable)
    marked = [r.get("data-level") for r in table2 if r.get("class") == "reference"]
    assert marked == [reference]
    cells = [c.text_content() for c in table2[wanted.index(reference)].xpath("./td")]
    assert cells[1] == cells[3] == "Reference"


@pytest.mark.parametrize(
    ("variable", "label"),
    [
        ("age_group", "Age group"),
        ("frequency", "Frequency of use"),
        ("age_first_exposure", "Age at first exposure"),
    ],
)
def test_forest_plot__terms_in_the_order_of_table2(study: Any, variable: str, label: str) -> None:
    alt = study.tree.get_element_by_id("forest-want_stop").xpath("./img")[0].get("alt")
    choices = [c for c in MAIN.question(variable).choices if c.name != "prefer_not"]
    shown = [f"{label}: {c.label.get('en')} " for c in choices]
    positions = [alt.index(text) for text in shown if text in alt]
    # every level but the reference is plotted, in the questionnaire's order
    assert positions == sorted(positions) and len(positions) == len(choices) - 1


# -- programme descriptives ----------------------------------------------------------------------


def test_programme_descriptives__labels_in_questionnaire_order_under_the_spec_headings(
    study: Any,
) -> None:
    table = "s1-descriptive"
    for question in ("confidence", "found_programme", "use_change"):
        rows = rows_of(study.tree, table, question)
        levels = [r.get("data-level") for r in rows]
        order = [c.name for c in PROGRAMME.question(question).choices]
        assert levels == [name for name in order if name in levels], question
        labels = {c.name: c.label.get("en") for c in PROGRAMME.question(question).choices}
        assert first_cells(rows) == [labels[name] for name in levels], question
    spec_labels = {
        i["name"]: i["label"] for i in results_of(study, "programme")["settings"]["describe"]
    }
    groups = study.tree.get_element_by_id(table).xpath("./tbody/tr[@class='group']")
    headings = {g.get("data-variable"): g.xpath("./th")[0].text_content() for g in groups}
    assert headings == spec_labels
    assert not any(
        re.fullmatch(r"C\d", c) for c in first_cells(rows_of(study.tree, table, "confidence"))
    )


# -- words, not spec code ----------------------------------------------------------------------


def test_flow_and_methods__say_the_rules_in_words_with_labels(study: Any) -> None:
    flow = study.tree.get_element_by_id("flow")
    texts = [r.xpath("./th")[0].text_content() for r in flow.xpath("./tbody/tr")]
    figure = study.tree.get_element_by_id("flow-figure").xpath("./img")[0].get("alt")
    methods = study.tree.get_element_by_id("methods").text_content()
    for text in [*texts, figure, methods]:
        assert "==" not in text and "'yes'" not in text and "prefer_not" not in text
    assert "Included: respondents who report using such material" in texts
    assert "“Prefer not to say”" in methods
    assert "(1 = yes)" not in methods and "Wants to stop (answer “Yes”)" in methods


# -- events per variable -----------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["study", "real_case"])
def test_table2__warns_when_events_per_variable_is_below_10(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    found = request.getfixturevalue(fixture)
    results = results_of(found, "main") if fixture == "study" else found.results
    models = [m for m in results["models"] if m["kind"] == "multivariable"]
    # the study's small sample has fewer than 10 events per variable, the other more
    assert {m["diagnostics"]["epv"] < 10 for m in models} == {fixture == "study"}
    for model in models:
        table = found.tree.get_element_by_id(f"table2-{model['outcome']}")
        notes = table.xpath("./tfoot")[0].text_content()
        epv = model["diagnostics"]["epv"]
        warned = f"Events per variable in the multivariable model: {epv:.1f}, below 10" in notes
        assert warned == (epv < 10), model["outcome"]
    diagnostics = found.tree.get_element_by_id("diagnostics").text_content()
    assert ("Warning: fewer than 10 events per variable" in diagnostics) == (fixture == "study")


# -- complete-case loss where the n is --------------------------------------------------------------


def test_table2__multivariable_n_and_its_complete_case_loss_in_the_header(study: Any) -> None:
    results = results_of(study, "main")
    for model in (m for m in results["models"] if m["kind"] == "multivariable"):
        (overall,) = [
            p
            for p in results["prevalence"]
            if p["outcome"] == model["outcome"] and p.get("group") is None
        ]
        table = study.tree.get_element_by_id(f"table2-{model['outcome']}")
        spanners = [th.text_content() for th in table.xpath("./thead/tr[1]/th")]
        share = 100 * model["n"] / overall["denominator"]
        assert spanners[-1] == (
            f"Multivariable (n = {model['n']:,} of {overall['denominator']:,}, {share:.0f}%)"
        )


# -- forest plot -----------------------------------------------------------------------------------


def test_forest_layout__one_very_wide_interval_is_cut_at_the_axis_with_an_arrow(
    real_case: Any,
) -> None:
    # Given the Firth model, where one interval reaches far below every other
    model = next(
        m
        for m in real_case.results["models"]
        if m["outcome"] == "accessed_help_any" and m["kind"] == "multivariable"
    )
    assert model["method"] == "firth"
    layout = forest_layout(model["terms"])
    wide = min(model["terms"], key=lambda t: t["ci_low"])
    others = [t for t in model["terms"] if t is not wide]
    # Then the axis ends before the wide interval's bound, which is marked as cut
    assert layout.low > wide["ci_low"]
    assert layout.cut == ((model["terms"].index(wide), "low"),)
    # And every other interval and every estimate fits on the axis
    for term in others:
        assert layout.low <= term["ci_low"] and term["ci_high"] <= layout.high
    assert all(layout.low <= t["or"] <= layout.high for t in model["terms"])
    # And the ratio of the axis ends is a few decades, not the wide interval's
    assert layout.high / layout.low < 100


def test_forest_figure__says_which_intervals_are_cut(real_case: Any) -> None:
    alt = real_case.tree.get_element_by_id("forest-accessed_help_any").xpath("./img")[0].get("alt")
    assert "extends beyond the axis" in alt


# -- reproducibility --------------------------------------------------------------------------------


def test_reproducibility__each_input_once_no_absolute_path_settings_readable(study: Any) -> None:
    footer = study.tree.get_element_by_id("reproducibility")
    text = footer.text_content()
    for path in study.data.values():
        digest = __import__("hashlib").sha256(path.read_bytes()).hexdigest()
        assert text.count(digest) == 1, path.name
        assert path.name in text
    assert str(Path.cwd()) not in text and str(study.report.parent) not in text
    assert not re.search(r"(?<![\w.])/[a-z]+/", text)
    # settings are one per line and wrap between words (only hashes may break anywhere)
    style = " ".join(s.text_content() for s in study.tree.iter("style"))
    assert "break-all" not in style
    values = footer.xpath(".//dd")
    hashes = [dd for dd in values if re.fullmatch(r"[0-9a-f]{64}", dd.text_content())]
    assert hashes and all("hash" in dd.get("class", "") for dd in hashes)
    assert all("hash" not in dd.get("class", "") for dd in values if dd not in hashes)


def test_forest_figure__a_bound_results_json_does_not_give_is_left_out_and_said(
    real_case: Any,
) -> None:
    from helpseek.report.forest import forest_figure
    from helpseek.report.labels import Labels

    # Given a model where one profile bound was not found (null in results.json)
    model = next(
        m
        for m in real_case.results["models"]
        if m["outcome"] == "want_stop" and m["kind"] == "multivariable"
    )
    terms = [dict(t) for t in model["terms"]]
    terms[0]["ci_high"] = None
    # When its forest plot is drawn, then it is drawn, and the text says which bound is missing
    figure = forest_figure({**model, "terms": terms}, Labels())
    assert figure.src.startswith("data:image/png;base64,")
    assert "No interval bound in results.json for: " in figure.alt
    assert forest_layout(terms).cut == ()
