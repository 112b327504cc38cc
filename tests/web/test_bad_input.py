"""Bad input (issue 3 req. 5): each gets a 4xx and a calm page in the respondent's language, never a
500, and nothing invalid is stored."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from helpseek.problems import InputError
from helpseek.web import create_app
from helpseek.web.i18n import load_catalogue
from helpseek.web.tokens import decode_token

from .conftest import Respondent, make_settings, stored_records

UI = load_catalogue()


def _on_first_question(respondent: Respondent, language: str = "es") -> None:
    respondent.start(language, "/survey/tokens")


def _assert_calm(page, status: int, key: str, language: str = "es") -> None:
    assert page.status == status
    assert UI.text(language, key) in page.text()
    assert f'<html lang="{language}"' in page.html
    assert "Traceback" not in page.html


def test_oversized_body__413_and_nothing_stored(respondent, settings, research_key) -> None:
    _on_first_question(respondent)
    page = respondent.send({"age": "30", "agree": "yes", "x" * 10: "y" * 70_000})
    _assert_calm(page, 413, "msg_too_large")
    assert stored_records(settings, research_key) == []


def test_content_length_larger_than_allowed__413_before_reading(respondent) -> None:
    page = respondent.post("/page?lang=es", b"a=1", **{"content-length": "999999999"})
    _assert_calm(page, 413, "msg_too_large")


def test_too_many_fields__413(respondent) -> None:
    _on_first_question(respondent)
    page = respondent.send({f"f{i}": "1" for i in range(300)})
    _assert_calm(page, 413, "msg_too_large")


@pytest.mark.parametrize(
    "body",
    [b"age=%ff%fe&agree=yes", b"\xc3\x28=1", b"age=3%", b"age"],
    ids=["invalid-utf8-escape", "raw-invalid-utf8", "broken-escape", "no-equals-sign"],
)
def test_malformed_form_encoding__400(respondent, body: bytes) -> None:
    _on_first_question(respondent)
    token = respondent.page.hidden["token"]
    page = respondent.post("/page?lang=es", body + b"&action=next&token=" + token.encode())
    _assert_calm(page, 400, "msg_bad_request")


def test_not_a_form__415(respondent) -> None:
    page = respondent.post("/page?lang=es", b'{"age": 30}', content_type="application/json")
    _assert_calm(page, 415, "msg_bad_request")


def test_unknown_field__400_and_nothing_stored(respondent, settings, research_key) -> None:
    _on_first_question(respondent)
    page = respondent.send({"age": "30", "agree": "yes", "email": "tokenalpha"})
    _assert_calm(page, 400, "msg_bad_request")
    assert stored_records(settings, research_key) == []


def test_tampered_token__403(respondent) -> None:
    _on_first_question(respondent)
    token = respondent.page.hidden["token"]
    respondent.page.hidden["token"] = token[:20] + ("A" if token[20] != "A" else "B") + token[21:]
    _assert_calm(respondent.send({"age": "30", "agree": "yes"}), 403, "msg_invalid_token")


def test_missing_token__400(respondent) -> None:
    page = respondent.post("/page?lang=es", b"age=30&agree=yes&action=next")
    _assert_calm(page, 400, "msg_bad_request")


def test_expired_token__410(respondent, clock) -> None:
    _on_first_question(respondent)
    clock.now += 25 * 3600
    _assert_calm(respondent.send({"age": "30", "agree": "yes"}), 410, "msg_expired")


def test_token_of_a_session_the_store_no_longer_has__410(respondent, app, settings, clock) -> None:
    _on_first_question(respondent)
    secret = settings.secret_key_file.read_bytes()
    token = decode_token(respondent.page.hidden["token"], secret, int(clock()), 3600)
    app.state.survey.store.delete_session(token.session_name)  # e.g. purged after expiry
    _assert_calm(respondent.send({"age": "30", "agree": "yes"}), 410, "msg_expired")


def test_replayed_post__stores_once_and_shows_the_next_page(
    respondent, settings, research_key
) -> None:
    # Given a respondent who sent the first page
    _on_first_question(respondent, "en")
    first = respondent.page
    respondent.send({"age": "30", "agree": "yes"})
    # When the same POST arrives again (a double click, a retry after a lost reply)
    respondent.page = first
    page = respondent.send({"age": "30", "agree": "yes"})
    # Then the next page is shown again and the first page is stored exactly once
    assert page.status == 200 and page.names == ("words",)
    assert [r.seq for r in stored_records(settings, research_key)] == [1]


def test_old_page_sent_out_of_order__409_current_page_nothing_stored(
    respondent, settings, research_key
) -> None:
    # Given a respondent two pages in
    _on_first_question(respondent, "en")
    first = respondent.page
    respondent.send({"age": "30", "agree": "yes"})
    respondent.send({"words": "tokenalpha"}, action="back")
    # When the first page's old form is sent again (not the last one sent)
    respondent.page = first
    page = respondent.send({"age": "31", "agree": "no"})
    # Then they get the page where they are now, with a calm notice, and nothing new is stored
    assert page.status == 409
    assert UI.text("en", "msg_out_of_order") in page.text()
    assert [r.answers for r in stored_records(settings, research_key)] == [
        {"age": 30, "agree": "yes"}
    ]


def test_get_on_a_post_route__405_calm_page(respondent) -> None:
    _assert_calm(respondent.open("/page?lang=es"), 405, "msg_method")


def test_unknown_path__404_calm_page(respondent) -> None:
    _assert_calm(respondent.open("/admin?lang=es"), 404, "msg_not_found")


def test_start_with_unknown_questionnaire__404(respondent) -> None:
    _assert_calm(respondent.post("/start?lang=es", b"instrument=nope"), 404, "msg_not_found")


def test_database_broken_mid_survey__calm_500_and_log_without_request_data(
    respondent, settings, caplog
) -> None:
    # Given a respondent on a page, and then the database file is destroyed under the running
    # server (its store stays open, as a live server's does: the POST's first store call, the
    # commit when the process holds the session's state, meets the broken file)
    _on_first_question(respondent, "en")
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            path.write_bytes(b"not a database" * 100)
    # When they send the page
    with caplog.at_level(logging.ERROR, logger="helpseek.web"):
        page = respondent.send({"age": "30", "agree": "yes"})
    # Then they get a calm 500 page, and the log names only the error type
    assert page.status == 500
    assert UI.text("en", "msg_server_error") in page.text()
    assert [r.getMessage() for r in caplog.records] == [
        "internal error while handling a request: DatabaseError"
    ]


def test_startup__missing_public_key__refuses_to_build(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, tmp_path / "absent.key")
    with pytest.raises(InputError) as caught:
        create_app(settings)
    assert caught.value.problems[0].code == "CLI-001"


def test_startup__malformed_public_key__refuses_to_build(tmp_path: Path) -> None:
    key = tmp_path / "public.key"
    key.write_text("age1notakey\n")
    with pytest.raises(InputError) as caught:
        create_app(make_settings(tmp_path, key))
    assert caught.value.problems[0].code == "KEYS-001"


def test_startup__damaged_server_secret__refuses_to_build(tmp_path: Path, public_key_file) -> None:
    settings = make_settings(tmp_path, public_key_file)
    settings.secret_key_file.write_bytes(b"short")
    with pytest.raises(InputError) as caught:
        create_app(settings)
    assert caught.value.problems[0].code == "WEB-002"
