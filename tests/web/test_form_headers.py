"""The form's Content-Type and Content-Length, read from the raw headers (issue 16), on the real
server over loopback: the same acceptances and refusals as through starlette's `request.headers`
(its first header of a name counts; names in any case; parameters after ";")."""

from __future__ import annotations

import socket

import httpx
import pytest

from .live import LiveServer

FORM = "application/x-www-form-urlencoded"


def _consent(server: LiveServer, headers: list[tuple[str, str]]) -> httpx.Response:
    return httpx.post(
        server.url + "/start?lang=en", content=b"instrument=tokens", headers=headers, timeout=10
    )


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Type", FORM)],
        [("CONTENT-TYPE", "Application/X-WWW-Form-Urlencoded ; charset=UTF-8")],
        [("content-type", FORM), ("content-type", "application/json")],
    ],
    ids=["plain", "any-case-with-parameter", "first-of-two"],
)
def test_form_headers__a_form__accepted(live_server: LiveServer, headers) -> None:  # type: ignore[no-untyped-def]
    reply = _consent(live_server, headers)
    assert reply.status_code == 200
    assert 'name="token"' in reply.text  # the first question page


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("content-type", "application/json")],
        [("content-type", "application/json"), ("content-type", FORM)],
        [("content-type", "multipart/form-data; boundary=x")],
    ],
    ids=["none", "json", "first-of-two-not-a-form", "multipart"],
)
def test_form_headers__not_a_form__415(live_server: LiveServer, headers) -> None:  # type: ignore[no-untyped-def]
    if not headers:
        # httpx adds no Content-Type for raw bytes
        reply = httpx.post(live_server.url + "/start?lang=en", content=b"instrument=tokens")
    else:
        reply = _consent(live_server, headers)
    assert reply.status_code == 415
    assert "Traceback" not in reply.text


def test_form_headers__declared_length_too_large__413_before_the_body(
    live_server: LiveServer,
) -> None:
    # The body is never sent: the refusal comes from the declared length alone
    request = (
        "POST /start?lang=en HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        f"Content-Type: {FORM}\r\n"
        "Content-Length: 999999999\r\n"
        "\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as conn:
        conn.sendall(request)
        status_line = conn.makefile("rb").readline()
    assert status_line.split()[1] == b"413"
