"""A respondent with JavaScript off over real HTTP (loopback or tor's SOCKS port): reads each page's
form with lxml and answers it (first option of every choice, a placeholder in text fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
import lxml.html

PLACEHOLDER = "tokenalpha"
_FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class Walk:
    """What one respondent sent and what the server acknowledged (a 200 page after each post)."""

    sent: list[dict[str, str | list[str]]] = field(default_factory=list)  # as a PageRecord has them
    acknowledged: int = 0
    finished: bool = False
    last_status: int = 0
    last_html: str = ""


def walk(
    client: httpx.Client,
    instrument: str = "help_us_help_you",
    language: str = "en",
    text: str = PLACEHOLDER,
    max_pages: int = 200,
) -> Walk:
    """Consent, then answer every page until the end page; stops at the first non-200 reply.

    `text` goes into every text field, so a test can find this respondent's pages again.
    """
    result = Walk()
    reply = client.get(f"/survey/{instrument}", params={"lang": language})
    if _stopped(result, reply):
        return result
    reply = client.post("/start", params={"lang": language}, data={"instrument": instrument})
    for _ in range(max_pages):
        if _stopped(result, reply):
            return result
        form = _page_form(reply.text)
        if form is None:
            result.finished = True
            return result
        answers = _answers(form, text)
        result.sent.append(answers)
        fields = [(k, v) for k, value in answers.items() for v in _as_list(value)]
        fields += [(i.name, i.value) for i in form.inputs if getattr(i, "type", "") == "hidden"]
        reply = client.post(
            "/page",
            params={"lang": language},
            headers=_FORM,
            content=urlencode([*fields, ("action", "next")]).encode(),
        )
        if reply.status_code == 200:
            result.acknowledged += 1
    raise AssertionError(f"no end page after {max_pages} pages")


def _stopped(result: Walk, reply: httpx.Response) -> bool:
    result.last_status, result.last_html = reply.status_code, reply.text
    return reply.status_code != 200


def _page_form(html: str) -> lxml.html.FormElement | None:
    forms = [f for f in lxml.html.fromstring(html).forms if (f.action or "").startswith("/page")]
    return forms[0] if forms else None


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]


def _answers(form: lxml.html.FormElement, text: str) -> dict[str, str | list[str]]:
    """The first option of each radio (str) and checkbox (list) group, `text` in text fields."""
    answers: dict[str, str | list[str]] = {}
    for element in form.inputs:
        kind = getattr(element, "type", "") or element.tag
        if not element.name or kind in ("hidden", "submit") or element.tag == "button":
            continue
        if kind == "radio":
            answers.setdefault(element.name, element.get("value"))
        elif kind == "checkbox":
            answers.setdefault(element.name, [element.get("value")])
        else:
            answers[element.name] = text
    return answers
