"""Table 1 column sizes are the group sizes of the analysed sample (issue 11, defect 1).

The expected numbers are computed here with pandas from the answers, not read from results.json, and
compared with what the report shows in the HTML and in the .docx; the prevalence table and Table 1
must agree, and each variable's missing answers stay in its Missing column.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import docx
import numpy as np
import pandas as pd
import pytest
from lxml import html as lxml_html

from helpseek.analysis import run_analysis, spec_from_mapping, write_results
from helpseek.report import build_report

SPEC = {
    "title": "Table 1 sizes",
    "by": None,
    "treat_as_missing": ["prefer_not"],
    "ci": "wald",
    "outcomes": [{"name": "want_stop", "positive": ["yes"], "label": "Wants to stop"}],
    "predictors": [
        {"name": "daily_life_difficulty", "reference": "no"},
        {"name": "age_group", "reference": "18_24"},
    ],
}


def answers(n: int = 700, seed: int = 3) -> pd.DataFrame:
    """The first predictor has many missing answers (prefer_not), and so has the outcome."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "daily_life_difficulty": rng.choice(["yes", "no", "prefer_not"], n, p=[0.3, 0.45, 0.25]),
        "age_group": rng.choice(["18_24", "25_34", "prefer_not"], n, p=[0.5, 0.45, 0.05]),
        "want_stop": rng.choice(["yes", "no", "prefer_not", None], n, p=[0.5, 0.35, 0.1, 0.05]),
    })  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Any, Any, Path]:
    folder = tmp_path_factory.mktemp("table1")
    frame = answers()
    write_results(run_analysis(frame, spec_from_mapping(SPEC)), folder)
    report = build_report(folder, folder / "r.html", docx=folder / "r.docx")
    tree = lxml_html.fromstring(report.html_path.read_bytes())
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return frame, results, tree, folder


def header(tree: Any, table_id: str) -> list[str]:
    table = tree.get_element_by_id(table_id)
    return [th.text_content() for th in table.xpath("./thead/tr[last()]/th")]


def test_table1__column_n_is_the_outcome_group_size_of_the_analysed_sample(built: Any) -> None:
    frame, _, tree, _ = built
    # Given the analysed sample's outcome groups, counted with pandas from the answers
    outcome = frame["want_stop"]
    yes, no = int((outcome == "yes").sum()), int((outcome == "no").sum())
    # Then Table 1's columns carry those sizes, not the first variable's non-missing counts
    assert header(tree, "table1-want_stop")[1:3] == [f"Yes (n = {yes:,})", f"No (n = {no:,})"]


def test_table1__agrees_with_the_prevalence_table(built: Any) -> None:
    _, results, tree, _ = built
    (overall,) = [p for p in results["prevalence"] if p.get("group") is None]
    cells = tree.get_element_by_id("prevalence").xpath("./tbody/tr[1]/td")
    events, denominator = (int(c.text_content().replace(",", "")) for c in cells[-3:-1])
    assert (events, denominator) == (overall["n"], overall["denominator"])
    assert header(tree, "table1-want_stop")[1:3] == [
        f"Yes (n = {events:,})",
        f"No (n = {denominator - events:,})",
    ]


def test_table1__missing_answers_stay_in_the_missing_column(built: Any) -> None:
    frame, _, tree, _ = built
    known_outcome = frame["want_stop"].isin(["yes", "no"])
    table = tree.get_element_by_id("table1-want_stop")
    for variable in ("daily_life_difficulty", "age_group"):
        missing = int((known_outcome & (frame[variable] == "prefer_not")).sum())
        row = table.xpath(f"./tbody/tr[@class='group'][@data-variable='{variable}']")[0]
        cells = [c.text_content() for c in row.xpath("./td")]
        assert cells[2] == f"{missing:,}"
        # and each level's column percentage is of those who answered, in that column
        answered_yes = frame[(frame["want_stop"] == "yes") & (frame[variable] != "prefer_not")]
        level = answered_yes[variable].iloc[0]
        count = int((answered_yes[variable] == level).sum())
        level_row = table.xpath(f"./tbody/tr[@data-variable='{variable}'][@data-level='{level}']")
        share = 100 * count / len(answered_yes)
        assert level_row[0].xpath("./td")[0].text_content() == f"{count:,} ({share:.1f})"


def test_table1__docx_header_has_the_same_sizes(built: Any) -> None:
    frame, _, _, folder = built
    yes, no = int((frame["want_stop"] == "yes").sum()), int((frame["want_stop"] == "no").sum())
    document = docx.Document(str(folder / "r.docx"))
    headers = [[c.text for c in t.rows[0].cells] for t in document.tables]
    expected = ["Characteristic", f"Yes (n = {yes:,})", f"No (n = {no:,})", "Missing", "p", "Test"]
    assert expected in headers


def test_comparison__column_n_is_each_sample_size_not_the_first_items_answers(
    tmp_path: Path,
) -> None:
    # Given two samples where the first compared item is often unanswered
    rng = np.random.default_rng(8)
    n = 500
    frame = pd.DataFrame({
        "sample": rng.choice(["a", "b"], n, p=[0.6, 0.4]),
        "gender": rng.choice(["man", "woman", None], n, p=[0.5, 0.2, 0.3]),
        "age_group": rng.choice(["18_24", "25_34"], n),
    })  # fmt: skip
    spec = spec_from_mapping({
        "by": None,
        "compare": {
            "groups": [
                {"label": "Sample A", "include": "sample == 'a'"},
                {"label": "Sample B", "include": "sample == 'b'"},
            ],
            "items": [{"name": "gender"}, {"name": "age_group"}],
        },
    })  # fmt: skip
    write_results(run_analysis(frame, spec), tmp_path)
    report = build_report(tmp_path, tmp_path / "r.html")
    tree = lxml_html.fromstring(report.html_path.read_bytes())
    # Then the columns carry the sizes of the samples, counted with pandas
    sizes = frame["sample"].value_counts()
    assert header(tree, "comparison")[1:3] == [
        f"Sample A (n = {sizes['a']:,})",
        f"Sample B (n = {sizes['b']:,})",
    ]


def test_study_table1__column_n_counted_with_pandas_from_the_exported_data(study: Any) -> None:
    """The demo's study (bundled spec: include rule, screening flags, "prefer not" as missing):
    each outcome's Table 1 columns carry the analysed sample's groups, counted here with pandas
    from the exported CSV and its screening flags, in the HTML and in the .docx."""
    from helpseek.analysis import load_spec
    from helpseek.data import read_table
    from helpseek.instrument import load_instrument
    from helpseek.quality import options_for, screen

    spec = load_spec("help_seeking")
    form = load_instrument("help_us_help_you")
    exported = pd.read_csv(study.data["main"], dtype=str, keep_default_na=False, na_values=[""])
    table = read_table(study.data["main"])
    flags = screen(table, options_for(form, spec.screening_options), form).frame
    assert len(flags) == len(exported)
    # Given the analysed sample: included by the rule, not excluded by the spec's flags
    analysed = (exported["uses"] == "yes").to_numpy().copy()
    for name in spec.screening:
        analysed &= ~flags[f"flag_{name}"].astype(bool).to_numpy()
    assert 0 < analysed.sum() < len(exported)
    sample = exported[analysed]
    headers = [[c.text for c in t.rows[0].cells] for t in docx.Document(str(study.docx)).tables]
    for outcome in ("want_stop", "sought_help", "accessed_help_any"):
        answers = sample[outcome]
        yes = int((answers == "yes").sum())
        other = int((answers.notna() & ~answers.isin(["yes", "prefer_not"])).sum())
        shown = header(study.tree, f"table1-{outcome}")[1:3]
        # Then the HTML columns carry those sizes, and so does the .docx
        assert [re.sub(r"^.*\(n = ", "", h) for h in shown] == [f"{yes:,})", f"{other:,})"]
        assert ["Characteristic", *shown, "Missing", "p", "Test"] in headers, outcome
