"""Every page of the app, reached through web.routes.ROUTES: security headers, no script, no event
handler attributes, no external resource, a submit button in every form."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode, urlparse

import lxml.html
import pytest

from helpseek.web.headers import SECURITY_HEADERS
from helpseek.web.routes import ROUTES

from .conftest import Page, Respondent, stored_records

EXPECTED_HEADERS = {name.decode(): value.decode() for name, value in SECURITY_HEADERS}


def _pages_of_every_route(respondent: Respondent) -> dict[str, list]:
    """One response per route (both outcomes for the POST routes), keyed by route path."""
    seen: dict[str, list] = {}
    seen["/"] = [respondent.client.get("/?lang=ar"), respondent.client.get("/")]
    seen["/survey/{name}"] = [respondent.client.get("/survey/tokens?lang=es")]
    seen["/start"] = [
        respondent.client.post(
            "/start?lang=en",
            content=b"instrument=tokens",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
    ]
    respondent.start("en", "/survey/tokens")
    errors = respondent.client.post(
        "/page?lang=en",
        content=b"action=next&token=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    seen["/page"] = [errors]
    seen.update(_code_pages(respondent))
    seen["/static"] = [respondent.client.get("/static/style.css")]
    return seen


def _code_pages(respondent: Respondent) -> dict[str, list]:
    """Continue later, resume, the withdrawal code, withdraw and confirm (issue 14)."""
    form = {"content-type": "application/x-www-form-urlencoded"}

    def post(path: str, **fields: str):  # type: ignore[no-untyped-def]
        return respondent.client.post(path, content=urlencode(fields).encode(), headers=form)

    page = respondent.start("en", "/survey/tokens")
    paused = post("/page?lang=en", token=page.hidden["token"], action="later", age="3")
    code = " ".join(lxml.html.fromstring(paused.text).xpath("//ol[@class='code']/li/text()"))
    resumed = post("/resume?lang=en", code=code)
    ended = Page.parse(
        200,
        post("/page?lang=en", token=Page.parse(200, resumed.text).hidden["token"],
             action="next", age="30", agree="yes").text,
    )  # fmt: skip
    ended = Page.parse(200, post("/page?lang=en", token=ended.hidden["token"], action="next").text)
    shown = post("/withdrawal-code?lang=ar", token=ended.hidden["token"])
    withdrawal = lxml.html.fromstring(shown.text).xpath("//ol[@class='code']/li/text()")
    confirm = post("/withdraw?lang=en", code=" ".join(withdrawal))
    done = post(
        "/withdraw/confirm?lang=en", confirm=Page.parse(200, confirm.text).hidden["confirm"]
    )
    return {
        "/page#later": [paused],
        "/resume": [respondent.client.get("/resume?lang=ar"), post("/resume", code="x"), resumed],
        "/withdrawal-code": [shown, post("/withdrawal-code", token="x")],
        "/withdraw": [
            respondent.client.get("/withdraw?lang=fa"),
            post("/withdraw", code="y"),
            confirm,
        ],
        "/withdraw/confirm": [done, post("/withdraw/confirm", confirm="z")],
    }


def test_routes__every_route_is_exercised_here(respondent: Respondent) -> None:
    paths = {getattr(route, "path", "") for route in ROUTES}
    assert paths == {p.split("#")[0] for p in _pages_of_every_route(respondent)}


def test_routes__every_response__has_the_security_headers_and_no_banner(
    respondent: Respondent,
) -> None:
    for path, responses in _pages_of_every_route(respondent).items():
        for response in responses:
            for name, value in EXPECTED_HEADERS.items():
                assert response.headers.get(name) == value, (path, name)
            for banned in ("server", "date", "set-cookie", "etag", "last-modified"):
                assert banned not in response.headers, (path, banned)


def test_routes__content_security_policy__allows_no_script() -> None:
    policy = EXPECTED_HEADERS["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


def test_routes__every_html_page__no_script_no_handlers_no_external_resources(
    respondent: Respondent,
) -> None:
    for path, responses in _pages_of_every_route(respondent).items():
        for response in responses:
            if not response.headers["content-type"].startswith("text/html"):
                continue
            _assert_safe_html(response.text, path)


def test_every_question_page_of_the_bundled_questionnaire__is_safe_html(
    respondent: Respondent,
) -> None:
    page = respondent.start("ar")
    while page.is_question:
        _assert_safe_html(page.html, page.action)
        page = respondent.send(page.quick_answers())
    _assert_safe_html(page.html, "end")


def _assert_safe_html(html: str, where: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered and "<svg" not in lowered, where
    assert "@font-face" not in lowered and "<iframe" not in lowered, where
    doc = lxml.html.fromstring(html)
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        handlers = [a for a in element.attrib if a.lower().startswith("on")]
        assert not handlers, (where, element.tag, handlers)
        for attribute in ("src", "srcset", "action", "formaction", "data", "poster", "style"):
            value = element.get(attribute)
            if value is not None and attribute != "style":
                assert not urlparse(value).netloc, (where, element.tag, value)
        if element.tag == "link":
            assert not urlparse(element.get("href", "")).netloc, (where, "link")
        if element.tag == "a" and urlparse(element.get("href", "")).netloc:
            # links out (help services, quick exit) never send a referrer
            assert "noreferrer" in element.get("rel", ""), (where, element.get("href"))
    assert not re.search(r"javascript:", lowered), where
    for form in doc.forms:
        assert form.method.lower() == "post", where
        buttons = form.xpath(".//button[@type='submit'] | .//input[@type='submit']")
        assert buttons, (where, "form without a submit button")


def test_stylesheet__has_no_web_fonts_or_external_urls() -> None:
    css = (Path(__file__).parents[2] / "src/helpseek/web/static/style.css").read_text()
    assert "@font-face" not in css and "url(" not in css and "@import" not in css


def test_client_metadata__never_stored_or_logged(
    respondent: Respondent, settings, research_key, caplog
) -> None:
    # Given a browser that sends distinctive identifying headers
    marks = {
        "user-agent": "UAtokenbeta",
        "referer": "http://tokengamma.example/",
        "accept-language": "fi",
        "x-forwarded-for": "203.0.113.77",
        "cookie": "c=tokendelta",
    }
    respondent.open("/survey/tokens?lang=en")
    for name, value in marks.items():
        respondent.client._client.headers[name] = value
    # When they answer two pages
    respondent.send()
    respondent.send({"age": "30", "agree": "yes"})
    respondent.send({"words": "tokenalpha"})
    # Then no stored page, database byte or log line carries any of them
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    raw = b"".join(
        Path(f"{database}{s}").read_bytes()
        for s in ("", "-wal", "-shm")
        if Path(f"{database}{s}").exists()
    )
    records = stored_records(settings, research_key)
    plain = "".join(r.to_json().decode() for r in records)
    log = caplog.text
    for value in ("UAtokenbeta", "tokengamma", "203.0.113.77", "tokendelta"):
        assert value.encode() not in raw and value not in plain and value not in log
    assert all(r.language == "en" for r in records)


@pytest.mark.parametrize("answer", ["tokenalpha-uniq-7f3", "tokenalpha-ÄÖ-arabic-مرحبا"])
def test_database_and_wal__never_contain_a_submitted_answer(
    respondent: Respondent, settings, answer: str
) -> None:
    respondent.start("en", "/survey/tokens")
    respondent.send({"age": "42", "agree": "yes"})
    respondent.send({"words": answer})
    database = Path(settings.database_url.removeprefix("sqlite:///"))
    files = [Path(f"{database}{s}") for s in ("", "-wal", "-shm")]
    assert files[1].exists(), "WAL mode: the -wal file holds the latest pages"
    for path in files:
        if path.exists():
            data = path.read_bytes()
            for encoded in (answer.encode("utf-8"), answer.encode("utf-16-le"), b'"age":42'):
                assert encoded not in data, path
