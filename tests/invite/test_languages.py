"""The invitation page in every language it has a file for: every text there, its own name in the
language list, the right lang and dir (issue 15)."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from helpseek.invite.config import build_config, bundled_table
from helpseek.invite.page import build_interstitial, render
from helpseek.languages import endonym, is_rtl

LANGUAGES = bundled_table().languages


@pytest.mark.parametrize("language", LANGUAGES)
def test_bundled_texts__every_language_has_every_text(language: str) -> None:
    assert bundled_table().missing(language) == ()


def test_interstitial__every_language__own_name_lang_and_dir(tmp_path: Path) -> None:
    config = build_config(
        {
            "terms_file": "terms.txt",
            "languages": list(LANGUAGES),
            "targets": {"help": {"url": "https://help.example.org/", "label": "Help"}},
        },
        base=tmp_path,
    )
    for language in LANGUAGES:
        doc = lxml.html.fromstring(render(build_interstitial(config, "neutral", language)))
        direction = "rtl" if is_rtl(language) else "ltr"
        assert (doc.get("lang"), doc.get("dir")) == (language, direction)
        assert doc.findtext(".//h1") == bundled_table().text(language, "ui/title")
        links = [(a.get("lang"), a.get("dir"), a.text) for a in doc.iter("a") if a.get("hreflang")]
        assert links == [
            (code, "rtl" if is_rtl(code) else "ltr", endonym(code)) for code in LANGUAGES
        ]
