"""Fixtures for the invitation tests: placeholder term lists, a config file, live servers.

Terms are neutral placeholder tokens ("tokenalpha", "token beta phrase"); helpseek ships no list.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
import uvicorn

from helpseek.invite import InviteConfig, load_config

TERMS = "# placeholder terms for tests\ntokenalpha\ntoken beta phrase\n\nquietgamma  # trailing comment\n"

CONFIG = """\
terms_file: terms.txt
languages: [en, es, ar]
default_language: en
assignment:
  scheme: rotation
  anchor: 2026-01-01
targets:
  helpline:
    url: https://help.example.org/start
    kind: help
    label: {en: Helpline, es: Línea de ayuda, ar: خط المساعدة}
  selfhelp:
    url: http://selfhelpexample.onion/
    kind: help
    label: Self-help programme
  survey_a:
    url: https://survey.example.org/a
    kind: survey
    label: {en: Anonymous survey, es: Encuesta anónima, ar: استبيان مجهول الهوية}
"""

DAY = date(2026, 1, 1)  # rotation anchor: the "neutral" variant is shown on this day


@pytest.fixture
def terms_file(tmp_path: Path) -> Path:
    path = tmp_path / "terms.txt"
    path.write_text(TERMS, encoding="utf-8")
    return path


@pytest.fixture
def config_file(tmp_path: Path, terms_file: Path) -> Path:
    path = tmp_path / "invite.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def config(config_file: Path) -> InviteConfig:
    return load_config(config_file)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'invite.db'}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve_wsgi() -> Iterator[Callable[[Any], str]]:
    """Start a WSGI app with wsgiref (threaded) on 127.0.0.1; returns its base URL."""
    servers: list[WSGIServer] = []

    def start(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, _ThreadingWSGIServer, _QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def serve_asgi() -> Iterator[Callable[[Any], str]]:
    """Start an ASGI app with uvicorn on 127.0.0.1 in a thread; returns its base URL."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any) -> str:
        port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                lifespan="off", access_log=False)  # fmt: skip
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=10)
