"""The survey's own UI strings exist, non-empty, in every language that has a file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpseek.languages import known_codes
from helpseek.web.i18n import UI_LANGUAGES, load_catalogue

TEMPLATES = Path(__file__).parents[2] / "src" / "helpseek" / "web" / "templates"


def _keys_used_in_code() -> set[str]:
    source = Path(__file__).parents[2] / "src" / "helpseek" / "web"
    text = "\n".join(p.read_text() for p in source.rglob("*") if p.suffix in {".py", ".html"})
    keys = set(re.findall(r"""\bt\(["']([a-z_]+)["']\)""", text))
    keys |= set(re.findall(r"""["']((?:msg|err)_[a-z_]+)["']""", text))
    keys |= {
        f"err_{kind}"
        for kind in ("required", "constraint", "integer", "decimal", "choice", "too_long")
    }
    return keys


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_catalogue__every_ui_string__is_translated_in_every_language(language: str) -> None:
    catalogue = load_catalogue()
    assert catalogue.missing(language) == ()
    assert all(text.strip() for text in catalogue.strings[language].values())


def test_catalogue__has_every_study_language_english_first() -> None:
    assert UI_LANGUAGES[0] == "en"
    assert sorted(UI_LANGUAGES) == sorted(known_codes())
    assert len(UI_LANGUAGES) == 25


def test_catalogue__every_key_the_code_uses__is_in_english() -> None:
    missing = _keys_used_in_code() - set(load_catalogue().strings["en"])
    assert not missing


def test_catalogue__unknown_language__falls_back_to_english() -> None:
    assert load_catalogue().text("xx", "next") == "Next"
