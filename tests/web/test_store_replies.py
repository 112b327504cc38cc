"""A page's step meets a PostgreSQL that does not answer as it should: the reply to a COMMIT is
lost (the connection is cut after the server committed), or the statement waits on a lock held
by another connection. The respondent gets the calm 503 page in their language, never a hang;
the same page sent again shows the next page, and the store holds it exactly once, as sent."""

from __future__ import annotations

import re
import socket
import threading
from pathlib import Path

import httpx
import psycopg
import pytest

from helpseek.store.engine import STATEMENT_TIMEOUT_S
from helpseek.web.i18n import load_catalogue

from .conftest import TOKEN_FORM, stored_pages
from .live import LiveServer

FORM = {"content-type": "application/x-www-form-urlencoded"}
# PostgreSQL's ReadyForQuery message ('Z', length 5): the server sends it after the COMMIT of a
# statement run in autocommit (extended protocol: at Sync), so the step is durable by then.
READY_FOR_QUERY = b"Z\x00\x00\x00\x05"


class CuttingProxy:
    """A TCP relay on loopback between the server and PostgreSQL that, once armed with a piece of
    SQL, lets the statement that carries it through, waits for PostgreSQL's whole reply (the
    statement ran and committed), drops that reply and closes both sides: what a network cut or a
    killed connection does to a COMMIT whose answer is on its way."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed: bytes | None = None
        self.cuts = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, sql: bytes) -> None:
        with self._lock:
            self.armed = sql

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            cut = threading.Event()
            threading.Thread(
                target=self._to_server, args=(client, server, cut), daemon=True
            ).start()
            threading.Thread(
                target=self._to_client, args=(server, client, cut), daemon=True
            ).start()

    def _to_server(
        self, client: socket.socket, server: socket.socket, cut: threading.Event
    ) -> None:
        while data := _recv(client):
            with self._lock:
                if self.armed is not None and self.armed in data:
                    self.armed = None  # one cut
                    cut.set()
            try:
                server.sendall(data)
            except OSError:
                return
        _close(server)

    def _to_client(
        self, server: socket.socket, client: socket.socket, cut: threading.Event
    ) -> None:
        held = b""
        while data := _recv(server):
            if cut.is_set():
                held += data
                if READY_FOR_QUERY in held:  # the statement's whole reply: committed
                    with self._lock:
                        self.cuts += 1
                    client.shutdown(socket.SHUT_RDWR)
                    _close(client)
                    _close(server)
                    return
                continue
            try:
                client.sendall(data)
            except OSError:
                return
        _close(client)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def _server(tmp_path: Path, research_key, database_url: str) -> LiveServer:  # type: ignore[no-untyped-def]
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "tokens.md"
    form.write_text(TOKEN_FORM)
    server = LiveServer(tmp_path, key, (str(form),), database_url=database_url)
    server.start()
    return server


def _assert_calm_503(reply: httpx.Response) -> None:
    assert reply.status_code == 503, reply.text[:300]
    assert load_catalogue().text("es", "msg_server_error") in reply.text
    assert 'lang="es"' in reply.text
    assert "Traceback" not in reply.text and "psycopg" not in reply.text


@pytest.mark.slow
@pytest.mark.postgres
def test_reply_to_a_commit_lost__the_resend_shows_the_next_page_and_stores_it_once(
    tmp_path: Path, research_key, postgres_url: str
) -> None:
    # Given a live server whose PostgreSQL connections pass through a relay that can cut them
    port = int(postgres_url.rsplit(":", 1)[1].split("/", 1)[0])
    proxy = CuttingProxy(port)
    database_url = postgres_url.replace(f":{port}/", f":{proxy.port}/")
    server = _server(tmp_path, research_key, database_url)
    client = httpx.Client(base_url=server.url, timeout=60)
    try:
        first = client.post("/start?lang=es", data={"instrument": "tokens"}, headers=FORM)
        page = {"token": _token(first.text), "action": "next", "age": "42", "agree": "yes"}
        # When the page's step commits but its connection is cut before the reply arrives
        proxy.arm(b"UPDATE session_states")
        cut = client.post("/page?lang=es", data=page, headers=FORM)
        assert proxy.cuts == 1
        # Then the respondent gets the calm 503 page in Spanish
        _assert_calm_503(cut)
        # though the page is stored (what the 503 page and the docs must not deny)
        stored = stored_pages(postgres_url, research_key)
        assert [(p.seq, p.answers) for p in stored] == [(1, {"age": 42, "agree": "yes"})]
        # And the very same page sent again shows the next page
        again = client.post("/page?lang=es", data=page, headers=FORM)
        assert again.status_code == 200, again.text[:300]
        assert 'name="words"' in again.text
        # And the respondent goes on to the end from there
        last = {"token": _token(again.text), "action": "next", "words": "tokenalpha-cut"}
        end = client.post("/page?lang=es", data=last, headers=FORM)
        assert load_catalogue().text("es", "end_text") in end.text
    finally:
        client.close()
        server.stop()
        proxy.close()
    assert "Traceback" not in server.log.read_text()
    # And the store holds the page once, as sent (the step committed before the cut)
    pages = stored_pages(postgres_url, research_key)
    assert [(p.seq, p.answers) for p in pages] == [
        (1, {"age": 42, "agree": "yes"}),
        (2, {"words": "tokenalpha-cut"}),
    ]


@pytest.mark.slow
@pytest.mark.postgres
def test_step_blocked_by_a_lock__calm_503_within_the_bound_then_the_resend_succeeds(
    tmp_path: Path, research_key, postgres_url: str
) -> None:
    # Given a live server on PostgreSQL and a respondent on the first page
    server = _server(tmp_path, research_key, postgres_url)
    # (without a statement timeout the step would wait for the lock as long as it is held, and
    # this client would give up: the bound is the statement timeout and the reply's way back)
    client = httpx.Client(base_url=server.url, timeout=STATEMENT_TIMEOUT_S * 3)
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    try:
        first = client.post("/start?lang=es", data={"instrument": "tokens"}, headers=FORM)
        page = {"token": _token(first.text), "action": "next", "age": "42", "agree": "yes"}
        # When another connection holds the session's row (an open transaction, FOR UPDATE)
        with psycopg.connect(dsn) as holder:
            held = holder.execute("SELECT session_id FROM session_states FOR UPDATE").fetchall()
            assert len(held) == 1
            # Then the page is refused with the calm 503 page in Spanish, not left hanging
            blocked = client.post("/page?lang=es", data=page, headers=FORM)
            _assert_calm_503(blocked)
            # And nothing of it is stored while the lock is held
            assert stored_pages(postgres_url, research_key) == []
            holder.rollback()
        # When the lock is released and the same page is sent again, it succeeds
        again = client.post("/page?lang=es", data=page, headers=FORM)
        assert again.status_code == 200, again.text[:300]
        assert 'name="words"' in again.text
    finally:
        client.close()
        server.stop()
    assert "Traceback" not in server.log.read_text()
    # And the store holds the page once, as sent
    pages = stored_pages(postgres_url, research_key)
    assert [(p.seq, p.answers) for p in pages] == [(1, {"age": 42, "agree": "yes"})]
