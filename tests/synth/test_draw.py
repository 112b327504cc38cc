"""The draw (before walking): prevalences, planted odds ratios and nesting match the truth at large n."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm

from helpseek.instrument import Instrument
from helpseek.synth import Truth, draw_respondents

N = 40_000


def _users(draw, truth: Truth) -> list:
    return [
        r
        for r in draw.respondents
        if r.kind == "regular" and all(r.answers.get(k) == v for k, v in truth.population.items())
    ]


def test_draw__large_n__outcome_prevalences_match_the_truth(
    main_form: Instrument, main_truth: Truth
) -> None:
    # Given 40,000 respondents drawn from the bundled truth
    draw = draw_respondents(main_form, main_truth, N, seed=11)
    users = _users(draw, main_truth)
    # When each outcome's share of "yes" among users who did not refuse is computed
    for outcome in main_truth.outcomes:
        answers = [r.answers[outcome.question] for r in users]
        if outcome.within is not None:  # asked only of those who sought help: "no" for the rest
            parent = main_truth.outcome(outcome.within)
            answers = [
                a if r.answers[parent.question] == parent.positive else "no"
                for a, r in zip(answers, users, strict=True)
            ]
        known = [a for a in answers if a != "prefer_not"]
        share = sum(a == outcome.positive for a in known) / len(known)
        # Then it is within 4 standard errors of the truth
        se = math.sqrt(outcome.prevalence * (1 - outcome.prevalence) / len(known))
        assert abs(share - outcome.prevalence) < 4 * se, (outcome.name, share)


def test_draw__accessed_help__only_among_those_who_sought_it(
    main_form: Instrument, main_truth: Truth
) -> None:
    # Given 5,000 drawn respondents
    draw = draw_respondents(main_form, main_truth, 5_000, seed=3)
    # Then whoever would say they accessed help sought it (or declines to say whether they did,
    # in which case the questionnaire never asks about access)
    accessed = [r for r in _users(draw, main_truth) if r.answers["accessed_help"] == "yes"]
    assert accessed
    assert {r.answers["sought_help"] for r in accessed} <= {"yes", "prefer_not"}


def test_draw__large_n__planted_odds_ratios_are_recovered_by_a_logistic_fit(
    main_form: Instrument,
    main_truth: Truth,
) -> None:
    # Given 40,000 users and the planted model of wanting to stop
    draw = draw_respondents(main_form, main_truth, N, seed=5)
    outcome = main_truth.outcome("want_stop")
    users = [r for r in _users(draw, main_truth) if r.answers["want_stop"] != "prefer_not"]
    # When want_stop is regressed on the planted terms' indicators (other levels as reference)
    columns = {
        f"{term}={level}": [float(r.answers.get(term) == level) for r in users]
        for term, levels in outcome.log_odds_ratios.items()
        for level in levels
    }
    X = sm.add_constant(pd.DataFrame(columns))
    y = np.array([float(r.answers["want_stop"] == "yes") for r in users])
    fit = sm.Logit(y, X).fit(disp=0)
    # Then every planted log odds ratio is within 4 standard errors of its estimate
    for term, levels in outcome.log_odds_ratios.items():
        for level, planted in levels.items():
            name = f"{term}={level}"
            assert abs(fit.params[name] - planted) < 4 * fit.bse[name], (name, fit.params[name])


def test_draw__same_seed__same_respondents_and_other_seed__others(
    main_form: Instrument, main_truth: Truth
) -> None:
    first = draw_respondents(main_form, main_truth, 200, seed=9)
    again = draw_respondents(main_form, main_truth, 200, seed=9)
    other = draw_respondents(main_form, main_truth, 200, seed=10)
    assert first.respondents == again.respondents
    assert first.respondents != other.respondents


def test_draw__low_quality_kinds__have_the_truth_shares(
    main_form: Instrument, contaminated_truth: Truth
) -> None:
    # Given 1,000 respondents with 10% of each low-quality kind
    draw = draw_respondents(main_form, contaminated_truth, 1_000, seed=2)
    kinds = pd.Series([r.kind for r in draw.respondents]).value_counts()
    # Then each kind has exactly its share, and only regular respondents break off
    assert {
        k: int(kinds[k]) for k in ("speeder", "straightliner", "duplicate", "inconsistent")
    } == {"speeder": 100, "straightliner": 100, "duplicate": 100, "inconsistent": 100}
    regular = [(r.answers, r.blank) for r in draw.respondents if r.kind == "regular"]
    for r in draw.respondents:
        if r.kind != "regular":
            assert r.breakoff_after is None
        # And a duplicate gives exactly the answers (and blanks) of a regular respondent
        if r.kind == "duplicate":
            assert (r.answers, r.blank) in regular
    # And a straight-liner gives one answer down the whole battery
    battery = main_form.batteries["mental_health"]
    for r in draw.respondents:
        if r.kind == "straightliner":
            assert len({r.answers[name] for name in battery}) == 1
