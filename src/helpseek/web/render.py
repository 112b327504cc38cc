"""Page objects -> HTML: the Jinja2 environment (autoescape on) and the Chrome every page carries."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from helpseek.instrument.model import Instrument
from helpseek.languages import is_language_code
from helpseek.settings import Settings
from helpseek.web.i18n import Catalogue, is_rtl
from helpseek.web.page_cache import PageCache
from helpseek.web.pages import (
    Chrome,
    CodeEntryPage,
    CodePage,
    EndPage,
    HelpLink,
    LandingPage,
    LanguageLink,
    MessagePage,
    QuestionPage,
    WithdrawConfirmPage,
    WithdrawnPage,
)

TEMPLATES = Path(__file__).parent / "templates"

Page = (
    LandingPage
    | QuestionPage
    | EndPage
    | MessagePage
    | CodePage
    | CodeEntryPage
    | WithdrawConfirmPage
    | WithdrawnPage
)
#: Chromes and landing pages kept (one per language and questionnaire, and address).
_MAX_KEPT = 256
_TEMPLATE_OF: dict[type, str] = {
    LandingPage: "landing.html",
    QuestionPage: "question.html",
    EndPage: "end.html",
    MessagePage: "message.html",
    CodePage: "code.html",
    CodeEntryPage: "code_entry.html",
    WithdrawConfirmPage: "withdraw_confirm.html",
    WithdrawnPage: "withdrawn.html",
}


class Renderer:
    """Turns page objects into responses; knows the settings, the catalogue and the default instrument."""

    def __init__(self, settings: Settings, catalogue: Catalogue, default: Instrument) -> None:
        self.settings = settings
        self.catalogue = catalogue
        self.default = default
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True, default_for_string=True),
            auto_reload=False,
            trim_blocks=True,
        )
        #: Question pages that carry nothing of a respondent, rendered once per shape (issue 16).
        self.pages = PageCache(self.html)
        # The same for every request of their language and questionnaire: built once each.
        self._chromes: dict[tuple[str, int], Chrome] = {}
        self._landings: dict[tuple[str, str, tuple[LanguageLink, ...]], bytes] = {}

    def language(self, requested: str | None, instrument: Instrument | None = None) -> str:
        """The UI language: the requested one if the survey pages or the questionnaire have it
        (create_app refused any that is incomplete and not allowed), else the default."""
        instrument = instrument or self.default
        is_fielded = requested in instrument.language_codes and is_language_code(requested or "")
        if requested and (self.catalogue.has_language(requested) or is_fielded):
            return requested
        fallback = self.settings.default_language or instrument.default_language
        return fallback if self.catalogue.has_language(fallback) else "en"

    def chrome(self, language: str, instrument: Instrument | None = None) -> Chrome:
        instrument = instrument or self.default
        key = (language, id(instrument))  # the app's questionnaires live as long as it does
        chrome = self._chromes.get(key)
        if chrome is None:
            if len(self._chromes) >= _MAX_KEPT:
                self._chromes.clear()
            chrome = self._chromes[key] = self._new_chrome(language, instrument)
        return chrome

    def _new_chrome(self, language: str, instrument: Instrument) -> Chrome:
        links = tuple(
            HelpLink(
                r.label.get(language, instrument.default_language),
                r.url,
                r.description.get(language, instrument.default_language) if r.description else "",
            )
            for r in instrument.help_resources
        )
        return Chrome(
            language,
            is_rtl(language),
            self.catalogue,
            instrument.default_language,
            links,
            self.settings.help_text,
            self.settings.quick_exit_url,
            f"/?lang={language}",
        )

    def respond(self, page: Page, status: int = 200) -> HTMLResponse:
        if isinstance(page, QuestionPage):
            return HTMLResponse(self.pages.html(page), status_code=status)
        if isinstance(page, LandingPage):  # a function of questionnaire, language and address
            key = (page.instrument_name, page.chrome.language, page.languages)
            body = self._landings.get(key)
            if body is None:
                if len(self._landings) >= _MAX_KEPT:
                    self._landings.clear()
                body = self._landings[key] = self.html(page).encode("utf-8")
            return HTMLResponse(body, status_code=status)
        return HTMLResponse(self.html(page), status_code=status)

    def html(self, page: Page) -> str:
        return self.env.get_template(_TEMPLATE_OF[type(page)]).render(page=page)

    def message(self, status: int, key: str, language: str | None) -> HTMLResponse:
        page = MessagePage(self.chrome(self.language(language)), status, key)
        return self.respond(page, status)
