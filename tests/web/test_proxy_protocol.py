"""Tor's PROXY line in front of HTTP, on loopback with hand-written lines: the real app behind
uvicorn with ProxyLineProtocol throttles per circuit, and plain HTTP works as before."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from helpseek.web import create_app
from helpseek.web.i18n import load_catalogue
from helpseek.web.proxy_protocol import (
    ProxyLineError,
    ProxyLineProtocol,
    circuit_id_from_proxy_line,
)

from .conftest import Clock
from .live import ThreadServer

TOR_LINE = b"PROXY TCP6 fc00:dead:beef:4dad::%x:%x ::1 %d 80\r\n"
BURST = 3


def tor_line(circuit_id: int) -> bytes:
    return TOR_LINE % (circuit_id >> 16, circuit_id & 0xFFFF, circuit_id & 0xFFFF)


def request(path: str = "/?lang=de") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x.onion\r\nConnection: close\r\n\r\n".encode()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b"PROXY TCP6 fc00:dead:beef:4dad::0:1d ::1 29 80", 29),
        (b"PROXY TCP6 fc00:dead:beef:4dad::1:2 ::1 2 80", 0x10002),
        (b"PROXY TCP6 2001:db8::1 ::1 1234 80", None),  # a real address: never kept
        (b"PROXY TCP4 192.0.2.1 127.0.0.1 1234 80", None),
        (b"PROXY UNKNOWN", None),
    ],
)
def test_circuit_id__from_proxy_line(line: bytes, expected: int | None) -> None:
    assert circuit_id_from_proxy_line(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        b"PROXY TCP6 fc00:dead:beef:4dad::0:1d ::1 29",
        b"PROXY TCP5 fc00:dead:beef:4dad::0:1d ::1 29 80",
        b"PROXY TCP4 fc00:dead:beef:4dad::0:1d ::1 29 80",
        b"PROXY TCP6 fc00:dead:beef:4dad::0:1d ::1 29 99999",
        b"PROXY TCP6 not-an-address ::1 29 80",
    ],
)
def test_circuit_id__malformed_line__is_refused(line: bytes) -> None:
    with pytest.raises(ProxyLineError):
        circuit_id_from_proxy_line(line)


class ProxyServer(ThreadServer):
    """The real survey app under uvicorn with ProxyLineProtocol, in a thread on 127.0.0.1."""

    def __init__(self, app: object) -> None:
        super().__init__(app, http=ProxyLineProtocol, lifespan="off")

    def exchange(self, *chunks: bytes) -> bytes:
        """Send `chunks` one by one on a new connection; everything the server sent back.

        A server that closes the connection while a later chunk is still on its way makes the
        kernel answer that chunk with a reset: the connection then ends in ConnectionResetError
        instead of a clean end of stream (seen under load for the overlong PROXY line), and what
        was received before it is the reply.
        """
        reply = b""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            try:
                for chunk in chunks:
                    sock.sendall(chunk)
                while data := sock.recv(65536):
                    reply += data
            except ConnectionResetError:
                pass
        return reply


@pytest.fixture()
def proxy_server(settings, clock: Clock) -> Iterator[ProxyServer]:
    # The clock stands still, so no token comes back during a test.
    limited = replace(settings, circuit_requests_per_minute=1, circuit_burst=BURST)
    app = create_app(limited, clock=clock)
    with ProxyServer(app) as server:
        yield server
    app.state.survey.store.close()


def status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def test_no_proxy_line__plain_http__is_never_throttled(proxy_server: ProxyServer) -> None:
    statuses = [status(proxy_server.exchange(request())) for _ in range(BURST + 3)]
    assert statuses == [200] * (BURST + 3)


def test_one_circuit_over_its_burst__gets_a_calm_429_in_its_language__others_do_not(
    proxy_server: ProxyServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # Given a circuit that has used its burst
    for _ in range(BURST):
        assert status(proxy_server.exchange(tor_line(29), request())) == 200
    # When it asks once more
    reply = proxy_server.exchange(tor_line(29), request("/?lang=de"))
    # Then it gets the 429 page in German with a Retry-After, and the security headers
    head, _, body = reply.partition(b"\r\n\r\n")
    assert status(reply) == 429
    assert load_catalogue().text("de", "msg_too_many") in body.decode()
    assert b"retry-after: 60" in head.lower() and b"content-security-policy" in head.lower()
    # And another circuit, and plain loopback, are still served
    assert status(proxy_server.exchange(tor_line(30), request())) == 200
    assert status(proxy_server.exchange(request())) == 200
    # And no log line names a circuit
    assert "fc00" not in caplog.text and "29" not in caplog.text


def test_proxy_line_split_into_single_bytes__still_parsed(proxy_server: ProxyServer) -> None:
    line = tor_line(0x10002)
    for _ in range(BURST):
        assert (
            status(proxy_server.exchange(*[line[i : i + 1] for i in range(len(line))], request()))
            == 200
        )
    assert status(proxy_server.exchange(line + request())) == 429


def test_keep_alive__requests_on_one_connection__count_for_its_circuit(
    proxy_server: ProxyServer,
) -> None:
    keep = request().replace(b"Connection: close", b"Connection: keep-alive")
    reply = proxy_server.exchange(tor_line(41) + keep * BURST + request())
    assert reply.count(b"HTTP/1.1 200") == BURST and reply.count(b"HTTP/1.1 429") == 1


@pytest.mark.parametrize(
    "opening",
    [
        b"PROXY TCP6 fc00:dead:beef:4dad::0:1d ::1 29\r\n",
        b"PROXY " + b"9" * 200,
    ],
)
def test_malformed_proxy_line__connection_closed_without_reply(
    proxy_server: ProxyServer,
    opening: bytes,
) -> None:
    assert proxy_server.exchange(opening, request()) == b""


def test_tcp4_proxy_line__address_dropped__never_throttled(proxy_server: ProxyServer) -> None:
    line = b"PROXY TCP4 192.0.2.1 127.0.0.1 1234 80\r\n"
    statuses = [status(proxy_server.exchange(line, request())) for _ in range(BURST + 2)]
    assert statuses == [200] * (BURST + 2)


def test_settings_limit_zero__no_throttle_even_with_circuit_ids(
    settings,
    clock: Clock,
    tmp_path: Path,
) -> None:
    app = create_app(replace(settings, circuit_requests_per_minute=0), clock=clock)
    try:
        with ProxyServer(app) as server:
            statuses = [status(server.exchange(tor_line(7), request())) for _ in range(BURST + 2)]
    finally:
        app.state.survey.store.close()
    assert statuses == [200] * (BURST + 2)
