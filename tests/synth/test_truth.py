"""Truth files: the bundled ones load for every bundled questionnaire; mistakes are all reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpseek.instrument import Instrument, bundled_instruments, load_instrument
from helpseek.problems import InputError, catalogue
from helpseek.synth import bundled_truths, load_truth, truth_from_mapping


@pytest.mark.parametrize("name", bundled_instruments())
def test_load_truth__every_bundled_questionnaire__has_a_bundled_truth_that_checks_clean(
    name: str,
) -> None:
    # Given a bundled questionnaire
    form = load_instrument(name)
    # When its bundled truth is loaded
    truth = load_truth(None, form)
    # Then it names that questionnaire and only its questions
    assert truth.form_id == name and name in bundled_truths()
    assert set(truth.items) <= {q.name for q in form.questions}


def test_load_truth__main_truth__holds_the_study_prevalences(main_truth) -> None:
    prevalences = {o.name: o.prevalence for o in main_truth.outcomes}
    assert prevalences == {"want_stop": 0.55, "sought_help": 0.138, "accessed_help_any": 0.032}
    assert main_truth.outcome("accessed_help_any").within == "sought_help"


def test_load_truth__unquoted_yes_no_and_13_17__stay_choice_names(
    main_form: Instrument, tmp_path: Path
) -> None:
    # Given a truth file written without quotes, as people write YAML
    path = tmp_path / "truth.yaml"
    path.write_text("items:\n  uses: {yes: 0.9, no: 0.1}\n  age_first_exposure: {13_17: 1.0}\n")
    # When it is loaded
    truth = load_truth(path, main_form)
    # Then yes/no and 13_17 are the questionnaire's choice names, not booleans or numbers
    assert dict(truth.items["uses"].shares) == {"yes": 0.9, "no": 0.1}
    assert dict(truth.items["age_first_exposure"].shares) == {"13_17": 1.0}


def test_load_truth__several_mistakes__are_reported_together_with_near_misses(
    main_form: Instrument,
) -> None:
    # Given a truth with a misspelt question, an unknown choice, a share above 1 and an unknown key
    data = {
        "items": {"frequncy": {"daily": 1.0}, "gender": {"mann": 0.5}},
        "missing": 1.5,
        "breakof": 0.1,
    }
    # When it is checked
    with pytest.raises(InputError) as raised:
        truth_from_mapping(data, main_form)
    # Then every problem is listed once, with its code and a suggestion
    codes = sorted(p.code for p in raised.value.problems)
    assert codes == ["SYNTH-003", "SYNTH-004", "SYNTH-005", "SYNTH-006"]
    text = str(raised.value)
    assert 'Did you mean "frequency"?' in text and 'Did you mean "man"?' in text
    assert 'Did you mean "breakoff"?' in text


def test_load_truth__nested_outcome_stronger_than_its_parent__is_refused(
    main_form: Instrument,
) -> None:
    # Given "accessed" planted with an odds ratio that "sought" does not have, at a high prevalence
    data = {
        "population": {"uses": "yes"},
        "outcomes": [
            {"name": "sought_help", "prevalence": 0.2, "positive": "yes"},
            {
                "name": "accessed_help_any",
                "question": "accessed_help",
                "within": "sought_help",
                "prevalence": 0.15,
                "positive": "yes",
                "log_odds_ratios": {"use_difficulty": {"yes": 2.0}},
            },
        ],
    }
    form_truth = truth_from_mapping(data, main_form)
    # When respondents are drawn, the calibration finds P(accessed) > P(sought) for many users
    from helpseek.synth import draw_respondents

    with pytest.raises(InputError) as raised:
        draw_respondents(main_form, form_truth, 10, seed=1)
    # Then the truth is refused with the reason
    assert [p.code for p in raised.value.problems] == ["SYNTH-008"]


def test_load_truth__missing_file_and_bad_yaml__are_clear_problems(
    main_form: Instrument, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as missing:
        load_truth(tmp_path / "nope.yaml", main_form)
    assert [p.code for p in missing.value.problems] == ["CLI-001"]
    broken = tmp_path / "broken.yaml"
    broken.write_text("items: [unclosed\n")
    with pytest.raises(InputError) as bad:
        load_truth(broken, main_form)
    assert [p.code for p in bad.value.problems] == ["SYNTH-002"]
    assert "SYNTH-002" in catalogue
