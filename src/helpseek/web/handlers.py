"""The request handlers: parse the form, call the survey, pick the page object, respond. Nothing more.

Reads no client metadata: no IP, User-Agent, Referer, Accept-Language, cookies. The language comes
from the `lang` query parameter of our own links and form actions.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from helpseek.instrument import Instrument
from helpseek.languages import is_language_code, language_info
from helpseek.web.forms import FormRejected, read_form
from helpseek.web.pages import EndPage, LandingPage, LanguageLink, QuestionPage
from helpseek.web.render import Renderer
from helpseek.web.survey import ShowEnd, ShowPage, Step, Survey


async def landing(request: Request) -> Response:
    """GET / or /survey/{name}: purpose, anonymity, advice, consent, language picker."""
    survey, renderer = _parts(request)
    name = request.path_params.get("name", next(iter(survey.instruments)))
    instrument = survey.instruments.get(name)
    if instrument is None:
        return renderer.message(404, "msg_not_found", request.query_params.get("lang"))
    language = renderer.language(request.query_params.get("lang"), instrument)
    links = _language_links(instrument, request.url.path, language)
    is_machine = language in instrument.language_codes and (
        instrument.language(language).is_machine_translated
    )
    chrome = renderer.chrome(language, instrument)
    title = chrome.title(instrument.title)
    return renderer.respond(LandingPage(chrome, title, name, links, is_machine))


async def start(request: Request) -> Response:
    """POST /start (the consent button): a new response and its first page."""
    survey, renderer = _parts(request)
    language = request.query_params.get("lang")
    try:
        fields = await _form(request, survey)
    except FormRejected as rejected:
        return renderer.message(rejected.status, rejected.message_key, language)
    names = fields.get("instrument", [])
    if len(names) != 1 or set(fields) != {"instrument"}:
        return renderer.message(400, "msg_bad_request", language)
    step = await run_in_threadpool(survey.start, names[0], renderer.language(language))
    return _respond(renderer, step, language)


async def submit_page(request: Request) -> Response:
    """POST /page: one page of answers (or Back); stored sealed before the next page is sent."""
    survey, renderer = _parts(request)
    arrived = survey.now()  # the page's time ends here, not after a wait for a worker thread
    language = request.query_params.get("lang")
    try:
        fields = await _form(request, survey)
    except FormRejected as rejected:
        return renderer.message(rejected.status, rejected.message_key, language)
    step = await run_in_threadpool(survey.submit, fields, arrived)
    return _respond(renderer, step, language)


async def http_error(request: Request, exc: Exception) -> Response:
    """404/405 and other HTTP errors as calm pages (Starlette's default is plain English text)."""
    _, renderer = _parts(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    key = {404: "msg_not_found", 405: "msg_method"}.get(status, "msg_bad_request")
    return renderer.message(status, key, request.query_params.get("lang"))


def _language_links(instrument: Instrument, base: str, current: str) -> tuple[LanguageLink, ...]:
    """Every language of the questionnaire by its own name (the registry's endonym, else the
    form's name for it), each a plain link with its own lang and dir."""
    return tuple(
        LanguageLink(
            lang.code,
            info.endonym if (info := language_info(lang.code)) else lang.name,
            f"{base}?lang={lang.code}",
            lang.code == current,
            "rtl" if lang.is_rtl else "ltr",
        )
        for lang in instrument.languages
        if is_language_code(lang.code)  # not the "default" of a form that names no language
    )


def _respond(renderer: Renderer, step: Step, language: str | None) -> Response:
    if isinstance(step, ShowPage):
        instrument = step.session.instrument
        chrome = renderer.chrome(step.session.language, instrument)
        page = QuestionPage(
            chrome, chrome.title(instrument.title), step.view, step.token, step.notice_key
        )
        return renderer.respond(page, step.status)
    if isinstance(step, ShowEnd):
        chrome = renderer.chrome(step.language, step.instrument)
        return renderer.respond(EndPage(chrome, chrome.title(step.instrument.title)))
    return renderer.message(step.status, step.message_key, language)


async def _form(request: Request, survey: Survey) -> dict[str, list[str]]:
    settings = survey.settings
    return await read_form(request, settings.max_body_bytes, settings.max_fields)


def _parts(request: Request) -> tuple[Survey, Renderer]:
    return request.app.state.survey, request.app.state.renderer
