"""Fixtures for the survey server: a real research key, a real SQLite store, the real app in-process.

`Respondent` reads each page's form like a browser with JavaScript off (lxml), so tests submit
exactly what the rendered form would send.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import lxml.html
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.applications import Starlette

from helpseek.data import unseal_all
from helpseek.settings import Settings
from helpseek.store import (
    PageRecord,
    ResearchKeypair,
    generate_research_keypair,
    open_store,
)
from helpseek.web import create_app

from .live import LiveServer

START = 1_796_000_000.0  # 2026-11-30 (UTC), an arbitrary fixed "now"

TOKEN_FORM = """
| survey |
| | type | name | label::English (en) | label::Español (es) | required | constraint | appearance |
| | begin_group | first | First | Primero | | | field-list |
| | integer | age | Age | Edad | yes | . >= 18 and . <= 99 | |
| | select_one yn | agree | Agree? | ¿De acuerdo? | yes | | |
| | end_group | | | | | | |
| | text | words | Words | Palabras | | | |

| choices |
| | list_name | name | label::English (en) | label::Español (es) |
| | yn | yes | Yes | Sí |
| | yn | no | No | No |

| settings |
| | form_id | version | default_language |
| | tokens | 1 | English (en) |
"""


@dataclass
class Clock:
    """The app's clock, moved by tests (time is a parameter, never patched)."""

    now: float = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def research_key() -> ResearchKeypair:
    return generate_research_keypair()


@pytest.fixture()
def public_key_file(tmp_path: Path, research_key: ResearchKeypair) -> Path:
    path = tmp_path / "public.key"
    path.write_text(research_key.public_key + "\n")
    return path


@pytest.fixture()
def token_form(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.md"
    path.write_text(TOKEN_FORM)
    return path


def make_settings(tmp_path: Path, public_key_file: Path, *names: str, **extra: object) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'responses.db'}",
        public_key_paths=(public_key_file,),
        instrument_names=names or ("help_us_help_you",),
        secret_key_file=tmp_path / "web.secret",
        **extra,  # type: ignore[arg-type]
    )


@dataclass
class Page:
    """A response as a browser with JS off sees it: status, html, and the first form's fields."""

    status: int
    html: str
    action: str | None = None
    hidden: dict[str, str] = field(default_factory=dict)
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, status: int, html: str) -> Page:
        doc = lxml.html.fromstring(html)
        forms = doc.forms
        if not forms:
            return cls(status, html)
        form = forms[0]
        hidden = {i.name: i.value for i in form.inputs if getattr(i, "type", "") == "hidden"}
        names = tuple(
            dict.fromkeys(
                i.name
                for i in form.inputs
                if i.name and getattr(i, "type", "") not in ("hidden",) and i.tag != "button"
            )
        )
        return cls(status, html, form.action, hidden, names)

    def text(self) -> str:
        return lxml.html.fromstring(self.html).text_content()

    @property
    def is_question(self) -> bool:
        """A questionnaire page (its form posts to /page); the end page's only form (the
        withdrawal code, issue 14) does not."""
        return self.action is not None and self.action.startswith("/page")

    def choices(self, name: str) -> list[str]:
        doc = lxml.html.fromstring(self.html)
        return [i.get("value") for i in doc.xpath(f"//input[@name='{name}']")]

    def kind(self, name: str) -> str:
        """ "radio", "checkbox", "text" or "textarea" for a field of the form."""
        element = lxml.html.fromstring(self.html).xpath(f"//*[@name='{name}']")[0]
        return element.get("type") or element.tag

    def quick_answers(self, text: str = "tokenalpha") -> dict[str, str | list[str]]:
        """The first option of every choice question and `text` in text fields."""
        answers: dict[str, str | list[str]] = {}
        for name in self.names:
            kind = self.kind(name)
            if kind == "radio":
                answers[name] = self.choices(name)[0]
            elif kind == "checkbox":
                answers[name] = [self.choices(name)[0]]
            else:
                answers[name] = text
        return answers


class InProcessClient:
    """httpx over ASGITransport (no sockets), driven from sync tests through an anyio portal."""

    def __init__(self, app: Starlette, portal: BlockingPortal) -> None:
        self.app = app
        self._portal = portal
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1"
        )

    def get(self, path: str, **options: object) -> httpx.Response:
        return self._portal.call(lambda: self._client.get(path, **options))  # type: ignore[arg-type]

    def post(self, path: str, **options: object) -> httpx.Response:
        return self._portal.call(lambda: self._client.post(path, **options))  # type: ignore[arg-type]

    def close(self) -> None:
        self._portal.call(self._client.aclose)


class Respondent:
    """One respondent with JavaScript off: opens pages and sends the forms they show."""

    def __init__(self, client: InProcessClient) -> None:
        self.client = client
        self.page: Page | None = None

    def open(self, path: str = "/") -> Page:
        response = self.client.get(path)
        self.page = Page.parse(response.status_code, response.text)
        return self.page

    def send(self, answers: dict[str, str | list[str]] | None = None, action: str = "next") -> Page:
        """Submit the current page's form with `answers` (+ its hidden fields and a button)."""
        assert self.page is not None and self.page.action is not None
        fields: list[tuple[str, str]] = list(self.page.hidden.items())
        for name, value in (answers or {}).items():
            fields += [(name, v) for v in (value if isinstance(value, list) else [value])]
        if "token" in self.page.hidden:
            fields.append(("action", action))
        return self.post(self.page.action, urlencode(fields).encode())

    def post(
        self,
        path: str,
        body: bytes,
        content_type: str = "application/x-www-form-urlencoded",
        **headers: str,
    ) -> Page:
        response = self.client.post(
            path, content=body, headers={"content-type": content_type, **headers}
        )
        self.page = Page.parse(response.status_code, response.text)
        return self.page

    def start(self, language: str = "en", path: str = "/") -> Page:
        self.open(f"{path}?lang={language}")
        return self.send()


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def settings(tmp_path: Path, public_key_file: Path, token_form: Path) -> Settings:
    return make_settings(tmp_path, public_key_file, "help_us_help_you", str(token_form))


@pytest.fixture(scope="session")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as running:
        yield running


@pytest.fixture()
def app(settings: Settings, clock: Clock) -> Iterator[Starlette]:
    application = create_app(settings, clock=clock, rng=random.Random(7))
    yield application
    application.state.survey.store.close()


@pytest.fixture()
def client(app: Starlette, portal: BlockingPortal) -> Iterator[InProcessClient]:
    in_process = InProcessClient(app, portal)
    yield in_process
    in_process.close()


@pytest.fixture()
def respondent(client: InProcessClient) -> Respondent:
    return Respondent(client)


def stored_pages(database_url: str, research_key: ResearchKeypair) -> list[PageRecord]:
    """Every stored page (fillers dropped), unsealed with the research key as export reads them,
    by response and then in the order the respondent sent them (record ids are random, so the
    store itself keeps no order)."""
    store = open_store(database_url)
    try:
        pages = unseal_all(store, research_key.identity)
    finally:
        store.close()
    return sorted(pages, key=lambda page: (page.response_id, page.seq))


def stored_records(settings: Settings, research_key: ResearchKeypair) -> list[PageRecord]:
    """Every stored page of the app's store, unsealed with the research key (what export reads)."""
    return stored_pages(settings.database_url, research_key)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL for an empty store: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'responses.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, research_key: ResearchKeypair
) -> Iterator[LiveServer]:
    """One `helpseek serve` for the whole session (headers, text browsers, Chromium)."""
    folder = tmp_path_factory.mktemp("live")
    key = folder / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = folder / "tokens.md"
    form.write_text(TOKEN_FORM)
    server = LiveServer(folder, key, ("help_us_help_you", str(form)))
    server.start()
    yield server
    server.stop()
