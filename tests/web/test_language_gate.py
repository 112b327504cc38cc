"""The survey server fields a language only when every text is there (issue 15), unless told to."""

from __future__ import annotations

import random
from pathlib import Path

import lxml.html
import pytest
from anyio.from_thread import BlockingPortal
from typer.testing import CliRunner

from helpseek.cli.main import app as cli
from helpseek.problems import InputError
from helpseek.web import create_app
from helpseek.web.i18n import load_catalogue

from .conftest import START, Clock, InProcessClient, Respondent, make_settings

SWAHILI = """
| survey |
| | type | name | label::English (en) | label::Kiswahili (sw) |
| | integer | age | Age? | Umri? |

| settings |
| | form_id | version | default_language | form_title | form_title_sw |
| | kiswahili | 1 | English (en) | A survey | Utafiti |
"""


def form(tmp_path: Path, text: str) -> str:
    path = tmp_path / "form.md"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_create_app__incomplete_questionnaire_language__refused(
    tmp_path: Path, public_key_file: Path
) -> None:
    text = SWAHILI.replace("| Age? | Umri? |", "| Age? | |")
    with pytest.raises(InputError) as error:
        create_app(make_settings(tmp_path, public_key_file, form(tmp_path, text)))
    assert [p.code for p in error.value.problems] == ["INSTRUMENT-052", "WEB-020"]
    assert not (tmp_path / "responses.db").exists()


def test_create_app__language_without_survey_page_strings__refused_naming_them(
    tmp_path: Path, public_key_file: Path
) -> None:
    with pytest.raises(InputError) as error:
        create_app(make_settings(tmp_path, public_key_file, form(tmp_path, SWAHILI)))
    (found,) = error.value.problems
    total = len(load_catalogue().table.source)
    assert found.code == "WEB-020"
    assert f"no Kiswahili (sw) text for {total} of their {total} strings" in found.message


def test_allowed_incomplete_language__is_offered_with_english_page_strings(
    tmp_path: Path, public_key_file: Path, portal: BlockingPortal
) -> None:
    settings = make_settings(
        tmp_path, public_key_file, form(tmp_path, SWAHILI), allow_incomplete=("sw",)
    )
    application = create_app(settings, clock=Clock(START), rng=random.Random(3))
    client = InProcessClient(application, portal)
    try:
        respondent = Respondent(client)
        landing = respondent.open("/?lang=sw")
        assert '<html lang="sw" dir="ltr">' in landing.html
        assert "<h1>Utafiti</h1>" in landing.html
        (current,) = lxml.html.fromstring(landing.html).xpath('//nav//*[@lang="sw"]')
        assert (current.get("dir"), current.text_content()) == ("ltr", "Kiswahili")
        assert load_catalogue().text("en", "consent_button") in landing.html
        first = respondent.send()
        assert "Umri?" in first.text()
    finally:
        client.close()
        application.state.survey.store.close()


def test_serve_cli__incomplete_language__exit_1_with_the_fix(
    tmp_path: Path, public_key_file: Path
) -> None:
    args = ["serve", "--instrument", form(tmp_path, SWAHILI), "--db", f"sqlite:///{tmp_path / 'r.db'}",
            "--public-key", str(public_key_file), "--secret-file", str(tmp_path / "s"), "--port", "1"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert "--allow-incomplete sw" in result.output and "[WEB-020]" in result.output
    assert not (tmp_path / "r.db").exists()


PLAIN = """
| survey |
| | type | name | label |
| | integer | age | Age? |
"""


def test_form_naming_no_language__served_with_english_page_strings(
    tmp_path: Path, public_key_file: Path, portal: BlockingPortal
) -> None:
    # Regression: a form with a plain `label` column (language "default") was refused (WEB-020)
    application = create_app(
        make_settings(tmp_path, public_key_file, form(tmp_path, PLAIN)), clock=Clock(START)
    )
    client = InProcessClient(application, portal)
    try:
        landing = Respondent(client).open("/?lang=default")
        assert '<html lang="en" dir="ltr">' in landing.html
        assert 'lang="default"' not in landing.html
    finally:
        client.close()
        application.state.survey.store.close()
