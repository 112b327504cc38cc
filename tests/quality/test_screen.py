"""Screening flags on small hand-made frames: each flag fires for its pattern and says why."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpseek.instrument import evaluate, instrument_from_markdown
from helpseek.problems import InputError, problem
from helpseek.quality import ScreeningOptions, is_gibberish, options_for, redact, screen


def _frame(**columns: list[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "response_id": [f"r{i}" for i in range(n)],
        "duration_s": [300] * n,
        "pages_submitted": [10] * n,
    }
    return pd.DataFrame({**base, **columns})


def test_screen__speeding__relative_to_the_median_seconds_per_page() -> None:
    # Given five respondents at ~30 s per page and one at 5 s per page
    frame = _frame(q=["a", "b", "c", "d", "e", "f"])
    frame["duration_s"] = [300, 310, 290, 305, 50, 60]
    frame["pages_submitted"] = [10, 10, 10, 10, 10, 2]
    result = screen(frame, ScreeningOptions(speeding_ratio=0.3))
    # Then only the fast one is flagged (the partial at 30 s per page is not), with the reason
    assert result.frame["flag_speeding"].tolist() == [False, False, False, False, True, False]
    assert (
        result.frame.loc[4, "flag_reasons"]
        == "speeding: 5.0 s per page is 0.17 × the median 30.0 s"
    )
    assert result.counts["speeding"] == 1


def test_screen__straightlining__same_answer_across_a_whole_battery() -> None:
    frame = _frame(
        m1=["often", "often", "never"], m2=["often", "never", "never"], m3=["often", "often", None]
    )
    result = screen(frame, ScreeningOptions(batteries={"mental_health": ("m1", "m2", "m3")}))
    assert result.frame["flag_straightlining"].tolist() == [True, False, False]
    assert 'all 3 items of "mental_health" are "often"' in result.frame.loc[0, "flag_reasons"]


def test_screen__straightlining__same_rows_as_a_row_by_row_count_of_distinct_answers() -> None:
    # Given random answers, some missing, in a text battery and a numeric one (issue 16: the
    # flag is computed column against column; the reference counts distinct answers row by row)
    rng = np.random.default_rng(16)
    texts = np.array(["never", "sometimes", "often", None], dtype=object)
    frame = _frame(**{f"t{i}": list(texts[rng.integers(0, 4, 400)]) for i in range(3)})
    frame["t1"] = frame["t1"].astype("string")  # as Parquet gives it: missing is pd.NA
    for i in range(3):
        frame[f"n{i}"] = rng.integers(1, 3, 400).astype(float)
    frame.loc[rng.integers(0, 400, 40), "n1"] = np.nan
    batteries = {"t": ("t0", "t1", "t2"), "n": ("n0", "n1", "n2")}
    result = screen(frame, ScreeningOptions(batteries=batteries))
    expected = np.zeros(400, bool)
    for columns in batteries.values():
        block = frame[list(columns)].astype(object)
        expected |= (block.nunique(axis=1) == 1).to_numpy() & block.notna().all(axis=1).to_numpy()
    assert result.frame["flag_straightlining"].to_numpy().tolist() == expected.tolist()
    assert 20 < expected.sum() < 200


def test_screen__duplicates__same_rows_as_hashing_every_answer_as_text() -> None:
    # Given random answers (text, numbers, missing) where many rows repeat (issue 16: answers
    # are coded per column; the reference hashes the text of every cell, as before)
    rng = np.random.default_rng(17)
    answers = {f"q{i}": list(rng.choice(["a", "b", None], 300)) for i in range(4)}
    frame = _frame(**answers)
    frame["x"] = rng.integers(0, 2, 300).astype(float)
    frame.loc[rng.integers(0, 300, 30), "x"] = np.nan
    result = screen(frame, ScreeningOptions(duplicates_min_answered=3))
    columns = ["q0", "q1", "q2", "q3", "x"]
    block = frame[columns].astype(object).where(frame[columns].notna(), None).astype(str)
    keys = pd.util.hash_pandas_object(block, index=False).to_numpy()
    answered = frame[columns].notna().sum(axis=1).to_numpy() >= 3
    seen: set[int] = set()
    expected = []
    for key, enough in zip(keys, answered):
        expected.append(bool(enough and key in seen))
        if enough:
            seen.add(key)
    assert result.frame["flag_duplicates"].tolist() == expected
    assert 20 < sum(expected) < 280


def test_screen__battery_column_missing__names_it_with_near_miss() -> None:
    frame = _frame(mh_guilt=["often"], mh_shame=["often"], mh_anxiety=["often"])
    with pytest.raises(InputError) as error:
        screen(frame, ScreeningOptions(batteries={"mh": ("mh_guilt", "mh_shmae", "mh_anxiety")}))
    assert [str(p) for p in error.value.problems] == [
        str(problem("QUALITY-001", battery="mh", name="mh_shmae", hint=' Did you mean "mh_shame"?'))
    ]


def test_screen__duplicates__later_copies_of_a_full_answer_vector() -> None:
    answers = {f"q{i}": ["x", "x", "y", "x"] for i in range(5)}
    frame = _frame(**answers, language=["en", "de", "en", "en"])
    result = screen(frame, ScreeningOptions(duplicates_min_answered=5))
    # the language is not an answer: r1 and r3 repeat r0; short vectors are not compared
    assert result.frame["flag_duplicates"].tolist() == [False, True, False, True]
    assert result.frame.loc[1, "flag_reasons"] == "duplicates: same answers as r0"
    short = screen(frame, ScreeningOptions(duplicates_min_answered=6))
    assert not short.frame["flag_duplicates"].any()


def test_screen__inconsistent__declared_check_evaluated_with_the_form_logic() -> None:
    frame = _frame(sought_help=["yes", "no", None, "no"], accessed_help=["yes", "yes", "yes", None])
    check = ("accessed_without_seeking", "${accessed_help} = 'yes' and ${sought_help} != 'yes'")
    result = screen(frame, ScreeningOptions(checks=(check,)))
    assert result.frame["flag_inconsistent"].tolist() == [False, True, True, False]
    assert result.frame.loc[1, "flag_reasons"] == "inconsistent: accessed_without_seeking"


def test_screen__inconsistent__once_per_answer_pattern__same_flags_as_row_by_row() -> None:
    # Given 3,000 rows mixing text, numbers, missing answers and a multiple choice
    rng = np.random.default_rng(16)
    n = 3000
    frame = _frame(
        sought_help=list(rng.choice(np.array(["yes", "no", None], dtype=object), n)),
        accessed_help=list(rng.choice(np.array(["yes", "no", None], dtype=object), n)),
        age=list(rng.choice(np.array([17.0, 18.0, 30.5, np.nan]), n)),
        help_wanted=list(rng.choice(np.array(["a b", "b", None], dtype=object), n)),
    )
    checks = (
        ("accessed_without_seeking", "${accessed_help} = 'yes' and ${sought_help} != 'yes'"),
        ("minor_wants_b", "${age} < 18 and contains(${help_wanted}, 'b')"),
        ("always", "1 = 1"),
    )
    # When the checks are screened (each evaluated once per distinct answer pattern)
    result = screen(frame, ScreeningOptions(checks=checks))
    # Then each row is flagged as evaluating its own answers, one row at a time, flags it
    reasons = []
    for i in range(n):
        answers = {
            c: (int(v) if float(v).is_integer() else float(v)) if isinstance(v, float) else v
            for c, v in frame.iloc[i].items()
            if pd.notna(v)
        }
        hits = [name for name, expression in checks if evaluate(expression, answers)]
        reasons.append("inconsistent: " + ", ".join(hits) if hits else "")
    assert result.frame["flag_reasons"].tolist() == reasons
    assert result.frame["flag_inconsistent"].tolist() == [bool(r) for r in reasons]
    assert len(set(reasons)) == 4  # every combination of the first two checks occurs


def test_screen__inconsistent_check_that_does_not_parse__is_a_quality_problem() -> None:
    frame = _frame(a=["yes"])
    with pytest.raises(InputError) as error:
        screen(frame, ScreeningOptions(checks=(("broken", "${a} = = 'yes'"),)))
    assert error.value.problems[0].code == "QUALITY-002"
    assert error.value.problems[0].message.startswith('The inconsistency check "broken"')


def test_screen__identifying_free_text__is_flagged_and_redacted() -> None:
    frame = _frame(
        note=[
            "write me at someone@example.org",
            "see https://example.org/page",
            "call 555 010 9999",
            "abcdefghijklmnopqrstuvwxyzabcdef.onion",
            "tokenalpha helps",
            None,
        ]
    )
    result = screen(frame, ScreeningOptions(text_columns=("note",)))
    assert result.frame["flag_identifying"].tolist() == [True, True, True, True, False, False]
    assert result.frame["note"].tolist()[:5] == [
        "write me at [email removed]",
        "see [link removed]",
        "call [phone number removed]",
        "[onion address removed]",
        "tokenalpha helps",
    ]
    assert "email in note (redacted)" in result.frame.loc[0, "flag_reasons"]
    assert frame.loc[0, "note"] == "write me at someone@example.org"


def test_screen__gibberish_free_text__is_flagged_not_removed() -> None:
    frame = _frame(note=["asdfghjkl", "tokenalpha would help", "zzzzzz", "no"])
    result = screen(frame, ScreeningOptions(text_columns=("note",)))
    assert result.frame["flag_gibberish"].tolist() == [True, False, True, False]
    assert result.frame["note"].tolist() == frame["note"].tolist()


def test_options_for__instrument_declarations__batteries_checks_and_text_questions() -> None:
    form = instrument_from_markdown("""
| survey |
| | type | name | label |
| | select_one yn | a | A |
| | select_one yn | b | B |
| | text | note | Note |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
""")
    options = options_for(
        form, {"speeding_ratio": 0.5, "checks": [{"name": "c", "expression": "${a} = 'yes'"}]}
    )
    assert options.speeding_ratio == 0.5
    assert options.text_columns == ("note",)
    assert options.checks[-1] == ("c", "${a} = 'yes'")


def test_options_for__bad_option__names_it() -> None:
    with pytest.raises(InputError) as error:
        options_for(None, {"speeding_ratio": 3})
    assert [str(p) for p in error.value.problems] == [
        str(
            problem(
                "QUALITY-003",
                option="speeding_ratio",
                value=3,
                expected="a number between 0 and 1, e.g. 0.3",
            )
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("????", True),
        ("qwertyuiop", True),
        ("sdfkjhsdkfj xcvbnm", True),
        ("bcdfghj", True),
        ("tokenalpha would help me", False),
        ("ok", False),
        ("Помощь терапевта", False),
        ("مساعدة", False),
        ("2019", False),
    ],
)
def test_is_gibberish__cases(text: str, expected: bool) -> None:
    assert is_gibberish(text) is expected


def test_redact__several_kinds__all_replaced() -> None:
    result = redact("mail a.b@example.org, web www.example.org, phone +44 20 7946 0958")
    assert result.text == "mail [email removed], web [link removed], phone [phone number removed]"
    assert result.kinds == ("email", "link", "phone number")
