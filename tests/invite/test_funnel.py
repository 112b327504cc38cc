"""The funnel statistics, checked against statsmodels and a direct hypergeometric sum, and the
`helpseek invite stats` files."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import Table2x2
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.invite import open_counts
from helpseek.invite.counts import CountRow
from helpseek.invite.funnel import SCHEMA, build_funnel, wilson
from helpseek.problems import catalogue

D1, D2 = date(2026, 1, 1), date(2026, 1, 2)


def _rows() -> list[CountRow]:
    """neutral 1000 shown / 87 to help (60 + 27) / 30 to the survey; harm 950 / 149 / 41;
    legal_risk 10 / 0 / 0 (a zero cell); combined 5 shown but 7 help clicks (not a proportion)."""

    def imp(day: date, variant: str, n: int) -> CountRow:
        return CountRow(day, variant, "en", "impression", "", "", n)

    def clk(day: date, variant: str, target: str, kind: str, n: int) -> CountRow:
        return CountRow(day, variant, "en", "click", target, kind, n)

    return [
        imp(D1, "neutral", 600), imp(D2, "neutral", 400),
        clk(D1, "neutral", "helpline", "help", 60), clk(D2, "neutral", "selfhelp", "help", 27),
        clk(D1, "neutral", "survey_a", "survey", 30),
        imp(D1, "harm_to_children", 950), clk(D1, "harm_to_children", "helpline", "help", 149),
        clk(D2, "harm_to_children", "survey_a", "survey", 41),
        imp(D1, "legal_risk", 10),
        imp(D2, "combined", 5), clk(D2, "combined", "helpline", "help", 7),
    ]  # fmt: skip


def _variant(funnel: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(v for v in funnel["variants"] if v["variant"] == name)


def test_wilson__matches_statsmodels_and_the_golden_value() -> None:
    for k, n in [(2471, 4493), (620, 4493), (144, 4493), (0, 10), (10, 10), (1, 1)]:
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        interval = wilson(k, n)
        assert (interval.low, interval.high) == pytest.approx((low, high), abs=1e-12)
    golden = wilson(2471, 4493)
    assert (round(100 * golden.low, 2), round(100 * golden.high, 2)) == (53.54, 56.45)


def test_funnel__rates_and_comparisons__match_statsmodels_and_scipy() -> None:
    funnel = build_funnel(_rows())
    assert funnel["schema"] == SCHEMA and funnel["reference"] == "neutral"
    assert funnel["outcomes"] == ["help", "survey_a"]
    assert funnel["days"] == {"first": "2026-01-01", "last": "2026-01-02"}
    neutral, harm = _variant(funnel, "neutral"), _variant(funnel, "harm_to_children")
    assert neutral["impressions"] == 1000 and neutral["clicks"] == {
        "helpline": 60,
        "selfhelp": 27,
        "survey_a": 30,
    }
    assert neutral["outcomes"]["help"]["ctr"] == 0.087
    assert neutral["outcomes"]["help"]["ci"] == pytest.approx(
        proportion_confint(87, 1000, method="wilson")
    )
    assert neutral["comparisons"] is None

    help_vs = harm["comparisons"]["help"]
    table = np.array([[149, 950 - 149], [87, 1000 - 87]])
    assert help_vs["odds_ratio"] == pytest.approx(Table2x2(table).oddsratio)
    assert help_vs["ci"] == pytest.approx(Table2x2(table).oddsratio_confint(alpha=0.05))
    assert help_vs["difference"] == pytest.approx(149 / 950 - 0.087)
    newcombe = confint_proportions_2indep(149, 950, 87, 1000, method="newcomb", compare="diff")
    assert help_vs["difference_ci"] == pytest.approx(newcombe)
    assert help_vs["p"] == pytest.approx(_fisher_by_hypergeometric_sum(table), rel=1e-9)


def test_funnel__zero_cell__uses_the_haldane_correction_and_says_so() -> None:
    legal = _variant(build_funnel(_rows()), "legal_risk")["comparisons"]["help"]
    # Haldane-Anscombe adds 0.5 to every cell (statsmodels' shift_zeros shifts only the zero cell)
    table = Table2x2(np.array([[0.5, 10.5], [87.5, 913.5]]))
    assert legal["odds_ratio"] == pytest.approx(table.oddsratio)
    assert legal["ci"] == pytest.approx(table.oddsratio_confint(alpha=0.05))
    assert legal["ci_method"] == "woolf (haldane-anscombe +0.5)"
    assert legal["p"] == pytest.approx(
        _fisher_by_hypergeometric_sum(np.array([[0, 10], [87, 913]]))
    )


def test_funnel__more_clicks_than_impressions__gets_no_interval_and_no_comparison() -> None:
    combined = _variant(build_funnel(_rows()), "combined")
    assert combined["outcomes"]["help"] == {
        "clicks": 7,
        "ctr": 1.4,
        "ci": None,
        "note": "more clicks than impressions",
    }
    assert combined["comparisons"]["help"] is None


def test_funnel__unknown_reference__suggests_the_near_miss() -> None:
    from helpseek.problems import InputError

    with pytest.raises(InputError) as caught:
        build_funnel(_rows(), reference="nuetral")
    [problem] = caught.value.problems
    assert problem.message == catalogue["INVITE-013"].format(
        variant="nuetral", hint=' Did you mean "neutral"?',
        known="combined, harm_to_children, legal_risk, neutral",
    )  # fmt: skip


def test_stats_command__writes_json_csv_markdown_and_png(tmp_path: Path) -> None:
    # Given a counts database (filled through the real counters)
    url = f"sqlite:///{tmp_path / 'invite.db'}"
    store = open_counts(url)
    for _ in range(40):
        store.add("impression", D1, "neutral", "en")
    for _ in range(3):
        store.add("click", D1, "neutral", "en", "helpline", "help")
    for _ in range(30):
        store.add("impression", D1, "legal_risk", "es")
    for _ in range(6):
        store.add("click", D1, "legal_risk", "es", "helpline", "help")
    # When the operator runs the stats command
    out = tmp_path / "funnel"
    result = CliRunner().invoke(app, ["invite", "stats", "--db", url, "--out", str(out)])
    # Then it lists four files, and they agree with the counts
    assert result.exit_code == 0, result.output
    names = ["funnel.json", "funnel.csv", "funnel.md", "funnel.png"]
    assert result.output.split() == [str(out / name) for name in names]
    funnel = json.loads((out / "funnel.json").read_text())
    assert _variant(funnel, "legal_risk")["outcomes"]["help"]["ctr"] == 0.2
    rows = list(csv.DictReader((out / "funnel.csv").read_text().splitlines()))
    assert [(r["variant"], r["outcome"], r["clicks"]) for r in rows] == [
        ("legal_risk", "help", "6"),
        ("neutral", "help", "3"),
    ]
    markdown = (out / "funnel.md").read_text()
    assert (
        "| neutral | help | 40 | 3 | 7.50 (" in markdown
        and "Reference variant: neutral" in markdown
    )
    assert (out / "funnel.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stats_command__empty_database__is_invite_012(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_counts(url).close()
    result = CliRunner().invoke(app, ["invite", "stats", "--db", url, "--out", str(tmp_path / "f")])
    assert result.exit_code == 1
    assert catalogue["INVITE-012"].format(url=url) in result.output


def _fisher_by_hypergeometric_sum(table: np.ndarray) -> float:  # type: ignore[type-arg]
    """Two-sided Fisher p: the probability of every table at most as likely as the observed one."""
    (a, b), (c, d) = table
    rows1, cols1, total = a + b, a + c, a + b + c + d
    dist = stats.hypergeom(total, cols1, rows1)
    observed = dist.pmf(a)
    support = range(max(0, rows1 + cols1 - total), min(rows1, cols1) + 1)
    return float(
        min(1.0, sum(dist.pmf(x) for x in support if dist.pmf(x) <= observed * (1 + 1e-7)))
    )
