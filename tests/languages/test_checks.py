"""Checks of a translation against its source texts: each problem names its entry; nothing crashes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpseek.languages import Entry, Review, SourceEntry, TranslationFile, check_translation
from helpseek.languages.checks import length_bounds
from helpseek.problems import Problem

SOURCES = (
    SourceEntry("survey/age/label", "You said you are ${age}. Is that right?", "Question age"),
    SourceEntry("survey/age/hint", "See <b>www.example.org/help</b> or **ask**.", "Hint"),
    SourceEntry("choices/yn/yes/label", "Yes", group="choices/yn"),
    SourceEntry("choices/yn/no/label", "No", group="choices/yn"),
    SourceEntry("choices/yn/unsure/label", "Not sure", group="choices/yn"),
    SourceEntry("survey/limit/constraint_message", "Use 2,000 characters or fewer."),
    SourceEntry("checks/odd/message", "For analysts.", is_optional=True),
)
GOOD = {
    "survey/age/label": "Είπατε ότι είστε ${age}. Σωστά;",
    "survey/age/hint": "Δείτε <b>www.example.org/help</b> ή **ρωτήστε**.",
    "choices/yn/yes/label": "Ναι",
    "choices/yn/no/label": "Όχι",
    "choices/yn/unsure/label": "Δεν είμαι σίγουρος/η",
    "survey/limit/constraint_message": "Χρησιμοποιήστε έως 2.000 χαρακτήρες.",
}


def translation(
    texts: dict[str, str], review: Review | None = None, fuzzy_list: str = ""
) -> TranslationFile:
    """The texts as a file, entries from line 10; the choices of `fuzzy_list` marked fuzzy."""
    by_key = {s.key: s.text for s in SOURCES}
    fuzzy = f"choices/{fuzzy_list}/" if fuzzy_list else None
    entries = tuple(
        Entry(
            key,
            by_key.get(key, "?"),
            text,
            line=10 + i,
            is_fuzzy=bool(fuzzy and key.startswith(fuzzy)),
        )
        for i, (key, text) in enumerate(texts.items())
    )
    return TranslationFile("el", "instrument t", review or Review(), entries, file="el.po")


def found(problems: list[Problem]) -> list[tuple[str, str | None, str]]:
    return [(p.code, p.location.entry, p.severity) for p in problems]


def test_check__a_good_translation__has_no_problem() -> None:
    assert check_translation(SOURCES, translation(GOOD)) == []


def test_check__missing_and_empty_entries__named_each_optional_one_not() -> None:
    texts = {**GOOD, "choices/yn/no/label": "  "}
    del texts["survey/age/hint"]
    problems = check_translation(SOURCES, translation(texts))
    assert found(problems) == [
        ("TRANSLATE-010", "survey/age/hint", "error"),
        ("TRANSLATE-010", "choices/yn/no/label", "error"),
    ]
    assert str(problems[1]).startswith('el.po, line 12, entry "choices/yn/no/label": ')


def test_check__an_entry_for_a_choice_the_list_lacks__named_with_the_near_miss() -> None:
    problems = check_translation(SOURCES, translation({**GOOD, "choices/yn/yess/label": "Ναι!"}))
    assert found(problems) == [("TRANSLATE-012", "choices/yn/yess/label", "error")]
    assert 'Did you mean "choices/yn/yes/label"?' in problems[0].message


def test_check__stored_file_with_an_entry_the_form_no_longer_has__is_a_warning() -> None:
    problems = check_translation(
        SOURCES, translation({**GOOD, "survey/gone/label": "x"}), for_import=False
    )
    assert found(problems) == [("TRANSLATE-012", "survey/gone/label", "warning")]


def test_check__a_repeated_entry__named_with_the_first_line() -> None:
    file = translation(GOOD)
    doubled = TranslationFile(
        "el", "instrument t", Review(), file.entries + file.entries[:1], file="el.po"
    )
    problems = check_translation(SOURCES, doubled)
    assert found(problems) == [("TRANSLATE-013", "survey/age/label", "error")]
    assert "line 10" in problems[0].message


@pytest.mark.parametrize(
    ("key", "text", "lost", "added"),
    [
        ("survey/age/label", "Είπατε ότι είστε ${agee}. Σωστά;", '"${age}"', '"${agee}"'),
        ("survey/age/label", "Είπατε την ηλικία σας. Σωστά;", '"${age}"', "none"),
        ("survey/age/hint", "Δείτε www.example.org/help ή **ρωτήστε**.", '"</b>", "<b>"', "none"),
        ("survey/age/hint", "Δείτε <b>www.example.com</b> ή **ρωτήστε**.",
         '"www.example.org/help"', '"www.example.com"'),
        ("survey/age/hint", "Δείτε <b>www.example.org/help</b> ή ρωτήστε.", '"**", "**"', "none"),
    ],
)  # fmt: skip
def test_check__a_lost_placeholder_tag_or_address__named_with_what_was_lost(
    key: str, text: str, lost: str, added: str
) -> None:
    problems = check_translation(SOURCES, translation({**GOOD, key: text}))
    assert found(problems) == [("TRANSLATE-014", key, "error")]
    assert f"lost {lost}, added {added}" in problems[0].message


def test_check__bidi_override_characters__refused_but_persian_joiners_and_marks_kept() -> None:
    spoofed = {**GOOD, "choices/yn/yes/label": "Ναι\u202e"}
    assert found(check_translation(SOURCES, translation(spoofed))) == [
        ("TRANSLATE-015", "choices/yn/yes/label", "error")
    ]
    fine = {**GOOD, "choices/yn/yes/label": "می\u200cخواهم\u200f"}
    assert check_translation(SOURCES, translation(fine)) == []


def test_check__a_translation_far_longer_than_its_source__refused() -> None:
    pasted = {**GOOD, "choices/yn/yes/label": "Ναι. Είπατε ότι είστε αυτής της ηλικίας. Σωστά;"}
    problems = check_translation(SOURCES, translation(pasted))
    assert found(problems) == [("TRANSLATE-016", "choices/yn/yes/label", "error")]


def test_check__two_choices_that_read_the_same__refused_naming_both() -> None:
    same = {**GOOD, "choices/yn/unsure/label": " όχι "}
    problems = check_translation(SOURCES, translation(same))
    assert found(problems) == [("TRANSLATE-017", "choices/yn/unsure/label", "error")]
    assert '"choices/yn/no/label"' in problems[0].message


def test_check__warnings_for_an_older_source_different_numbers_and_fuzzy_in_reviewed() -> None:
    texts = {**GOOD, "survey/limit/constraint_message": "Χρησιμοποιήστε έως 200 χαρακτήρες."}
    file = translation(texts, Review("reviewed", date(2026, 11, 30)), fuzzy_list="yn")
    stale = Entry("survey/age/label", "Your age is ${age}?", GOOD["survey/age/label"], line=10)
    file = TranslationFile(
        "el", "instrument t", file.review, (stale, *file.entries[1:]), file="el.po"
    )
    assert found(check_translation(SOURCES, file)) == [
        ("TRANSLATE-019", "survey/age/label", "warning"),
        ("TRANSLATE-020", "survey/limit/constraint_message", "warning"),
        ("TRANSLATE-021", "choices/yn/yes/label", "warning"),
    ]


def test_numbers__in_other_digits_and_groupings__are_the_same_numbers() -> None:
    persian = {**GOOD, "survey/limit/constraint_message": "حداکثر ۲٬۰۰۰ نویسه."}
    devanagari = {**GOOD, "survey/limit/constraint_message": "अधिकतम २,००० अक्षर।"}
    for texts in (persian, devanagari):
        assert check_translation(SOURCES, translation(texts)) == []


def test_length_bounds__denser_scripts_may_be_much_shorter() -> None:
    assert length_bounds(200, "de") == (38, 712)
    assert length_bounds(200, "zh-Hant") == (8, 712)


@given(st.dictionaries(st.sampled_from([s.key for s in SOURCES] + ["x/y", ""]), st.text()))
def test_check__any_translation__gives_problems_each_naming_an_entry_never_a_crash(
    texts: dict[str, str],
) -> None:
    problems = check_translation(SOURCES, translation(texts))
    assert all(p.code.startswith("TRANSLATE-") and p.location.entry is not None for p in problems)
