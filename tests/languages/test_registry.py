"""The language registry agrees with CLDR (Unicode's locale data, through Babel), which nobody here
wrote: each code is a locale CLDR knows, each endonym is CLDR's name of the language in itself
(capitalised for a list), each direction and script is CLDR's."""

from __future__ import annotations

import pytest
from babel import Locale
from babel.core import get_global

from helpseek.languages import LANGUAGES, canonical_code, is_language_code, picker_order
from helpseek.languages.registry import language_info

#: The issue's 25 languages (issue 15): the seed study's 21 plus the search engine's and Estonian.
ISSUE_15 = ("en", "el", "nl", "sv", "de", "es", "fr", "hi", "pt", "fa", "ta", "ja", "zh-Hans",
            "zh-Hant", "fi", "uk", "ne", "it", "ru", "pl", "bs", "sr", "hr", "ar", "et")  # fmt: skip


def test_registry__has_exactly_the_issue_languages_in_code_order() -> None:
    codes = [info.code for info in LANGUAGES]
    assert sorted(codes) == sorted(ISSUE_15)
    assert codes == sorted(codes, key=str.lower)


@pytest.mark.parametrize("info", LANGUAGES, ids=lambda i: i.code)
def test_registry__agrees_with_cldr(info) -> None:  # type: ignore[no-untyped-def]
    locale = Locale.parse(info.code, sep="-")
    cldr_name = locale.get_display_name(locale)
    assert info.endonym == cldr_name[0].upper() + cldr_name[1:]
    assert locale.get_display_name("en").startswith(info.english_name.split(" (")[0])
    expected = "rtl" if locale.character_order == "right-to-left" else "ltr"
    assert info.direction == expected
    likely = get_global("likely_subtags")[info.code.split("-")[0]].split("_")[1]
    assert info.script == (locale.script or likely)


def test_codes__are_canonical_whatever_the_case_or_separator() -> None:
    assert canonical_code("ZH_hant") == "zh-Hant"
    assert language_info("SR").endonym == "Српски"  # type: ignore[union-attr]
    assert canonical_code(" xx ") == "xx"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("el", True), ("zh-Hant", True), ("sr-Latn", True), ("fil", True), ("../el", False),
     ("e", False), ("el/../x", False), ("el.po", False), ("", False)],
)  # fmt: skip
def test_is_language_code__accepts_only_tags_that_can_name_a_file(
    text: str, expected: bool
) -> None:
    assert is_language_code(text) is expected


def test_picker_order__default_first_then_by_code() -> None:
    assert picker_order(("ru", "fa", "en", "el"), "en") == ("en", "el", "fa", "ru")
    assert picker_order(("ru", "fa"), "en") == ("fa", "ru")
