"""The ethics-board export: every text in the source and the translation, side by side (issue 15)."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from typer.testing import CliRunner

from helpseek.cli.main import app
from helpseek.instrument import bundled_instruments, instrument_from_yaml, load_instrument
from helpseek.instrument.bilingual import to_html
from helpseek.instrument.completeness import respondent_texts
from helpseek.languages import is_rtl

FORM = """
settings:
  form_id: shown
  version: "1"
  default_language: en
  languages:
    en: {name: English}
    es: {name: Español, machine_translated: true}
survey:
  - {type: text, name: age, label: {en: "Age?", es: "¿Edad?"}}
  - {type: text, name: why, label: {en: "Why?", es: "¿Por qué?"}}
"""


def rows(html: str) -> list[list[lxml.html.HtmlElement]]:
    doc = lxml.html.fromstring(html)
    return [row.findall("td") for row in doc.iter("tr") if row.findall("td")]


BUNDLED = {name: load_instrument(name) for name in bundled_instruments()}
TRANSLATIONS = [
    (name, code) for name, form in BUNDLED.items() for code in form.language_codes if code != "en"
]


@pytest.mark.parametrize(("name", "language"), TRANSLATIONS)
def test_html__every_respondent_text_is_one_row_source_beside_translation(
    name: str, language: str
) -> None:
    form = BUNDLED[name]
    table = rows(to_html(form, language))
    pairs = [(cells[1].text_content(), cells[2].text_content()) for cells in table]
    # Every text a respondent can see (bar the title, which heads the document) has its row
    expected = [
        (text.by_language["en"], text.by_language[language])
        for where, text in respondent_texts(form)
        if text and where != "title"
    ]
    assert sorted(pairs) == sorted(expected)
    # And each cell says its language and direction (Arabic and Persian right to left)
    direction = "rtl" if is_rtl(language) else "ltr"
    assert {
        (c[1].get("lang"), c[1].get("dir"), c[2].get("lang"), c[2].get("dir")) for c in table
    } == {("en", "ltr", language, direction)}


def test_html__states_the_review_status_and_marks_missing_texts() -> None:
    form = instrument_from_yaml(FORM.replace(', es: "¿Por qué?"', ""))
    html = to_html(form, "es")
    assert "Machine draft: not yet reviewed by a translator." in html
    missing = [c for c in rows(html) if c[2].get("class") == "missing"]
    assert [c[1].text_content() for c in missing] == ["Why?"]


def test_html__is_self_contained() -> None:
    html = to_html(load_instrument("no_need_for_help"), "de")
    doc = lxml.html.fromstring(html)
    assert not doc.xpath("//script | //link | //img | //*[@src] | //@*[starts-with(name(), 'on')]")


def test_cli_show_out__writes_the_html(tmp_path: Path) -> None:
    out = tmp_path / "ethics-fi.html"
    result = CliRunner().invoke(
        app, ["instrument", "show", "program_feedback", "--lang", "fi", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().count('lang="fi"') > 50


def test_cli_show_out__needs_a_translated_language(tmp_path: Path) -> None:
    out = str(tmp_path / "x.html")
    result = CliRunner().invoke(app, ["instrument", "show", "program_feedback", "--out", out])
    assert result.exit_code == 2
