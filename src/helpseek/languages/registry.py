"""The languages helpseek knows: BCP 47 code, endonym, English name, writing direction and script.

One table for the questionnaires, the survey pages and the invitation, so a language reads the same
everywhere: its name in its own script (the language picker), right-to-left for Arabic and Persian.
A questionnaire may carry other languages too (`label::Name (code)` columns); those are shown by the
name the form gives and are left-to-right unless the form's `rtl` setting says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Direction = Literal["ltr", "rtl"]


@dataclass(frozen=True)
class LanguageInfo:
    """One language: `code` (BCP 47), `endonym` (its own name), `english_name`, `direction`, and
    `script` (ISO 15924: the font family a page in it needs)."""

    code: str
    endonym: str
    english_name: str
    direction: Direction
    script: str

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"


# Codes follow BCP 47 as CLDR uses them: a bare language subtag where its script is the likely one
# (sr = Serbian in Cyrillic, CLDR's default), a script subtag where one language has two
# (zh-Hans, zh-Hant). Ordered by code: the language picker's order after the default language.
LANGUAGES: tuple[LanguageInfo, ...] = (
    LanguageInfo("ar", "العربية", "Arabic", "rtl", "Arab"),
    LanguageInfo("bs", "Bosanski", "Bosnian", "ltr", "Latn"),
    LanguageInfo("de", "Deutsch", "German", "ltr", "Latn"),
    LanguageInfo("el", "Ελληνικά", "Greek", "ltr", "Grek"),
    LanguageInfo("en", "English", "English", "ltr", "Latn"),
    LanguageInfo("es", "Español", "Spanish", "ltr", "Latn"),
    LanguageInfo("et", "Eesti", "Estonian", "ltr", "Latn"),
    LanguageInfo("fa", "فارسی", "Persian", "rtl", "Arab"),
    LanguageInfo("fi", "Suomi", "Finnish", "ltr", "Latn"),
    LanguageInfo("fr", "Français", "French", "ltr", "Latn"),
    LanguageInfo("hi", "हिन्दी", "Hindi", "ltr", "Deva"),
    LanguageInfo("hr", "Hrvatski", "Croatian", "ltr", "Latn"),
    LanguageInfo("it", "Italiano", "Italian", "ltr", "Latn"),
    LanguageInfo("ja", "日本語", "Japanese", "ltr", "Jpan"),
    LanguageInfo("ne", "नेपाली", "Nepali", "ltr", "Deva"),
    LanguageInfo("nl", "Nederlands", "Dutch", "ltr", "Latn"),
    LanguageInfo("pl", "Polski", "Polish", "ltr", "Latn"),
    LanguageInfo("pt", "Português", "Portuguese", "ltr", "Latn"),
    LanguageInfo("ru", "Русский", "Russian", "ltr", "Cyrl"),
    LanguageInfo("sr", "Српски", "Serbian", "ltr", "Cyrl"),
    LanguageInfo("sv", "Svenska", "Swedish", "ltr", "Latn"),
    LanguageInfo("ta", "தமிழ்", "Tamil", "ltr", "Taml"),
    LanguageInfo("uk", "Українська", "Ukrainian", "ltr", "Cyrl"),
    LanguageInfo("zh-Hans", "中文 (简体)", "Chinese (Simplified)", "ltr", "Hans"),
    LanguageInfo("zh-Hant", "中文 (繁體)", "Chinese (Traditional)", "ltr", "Hant"),
)
_BY_CODE = {info.code.lower(): info for info in LANGUAGES}
#: Scripts whose text is much shorter than English for the same meaning (length checks).
DENSE_SCRIPTS = frozenset({"Jpan", "Hans", "Hant"})


def language_info(code: str) -> LanguageInfo | None:
    """The registry entry for `code` (case and `_`/`-` do not matter), or None.

    >>> language_info("zh_hans").code
    'zh-Hans'
    >>> language_info("xx") is None
    True
    """
    return _BY_CODE.get(code.strip().replace("_", "-").lower())


_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def is_language_code(text: str) -> bool:
    """True for text shaped like a BCP 47 tag (`el`, `zh-Hant`, `sr-Latn`); nothing else may name a
    translation file.

    >>> is_language_code("zh-Hant"), is_language_code("../x")
    (True, False)
    """
    return bool(_CODE.match(text.strip()))


def canonical_code(code: str) -> str:
    """`zh_hans` -> `zh-Hans`; a code helpseek does not know is returned stripped, as given."""
    info = language_info(code)
    return info.code if info else code.strip()


def known_codes() -> tuple[str, ...]:
    return tuple(info.code for info in LANGUAGES)


def is_rtl(code: str) -> bool:
    """True for the right-to-left languages of the registry (Arabic, Persian)."""
    info = language_info(code)
    return bool(info and info.is_rtl)


def endonym(code: str) -> str:
    """The language's own name ("Ελληνικά"); the code itself for a language helpseek does not know."""
    info = language_info(code)
    return info.endonym if info else code


def picker_order(codes: tuple[str, ...] | list[str], first: str) -> tuple[str, ...]:
    """`first` (the default language), then the others by code: the language picker's order.

    >>> picker_order(["ru", "en", "ar", "zh-Hans"], "en")
    ('en', 'ar', 'ru', 'zh-Hans')
    """
    rest = sorted((c for c in dict.fromkeys(codes) if c != first), key=str.lower)
    return ((first,) if first in codes else ()) + tuple(rest)
