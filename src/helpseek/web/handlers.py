"""The request handlers: parse the form, call the survey, pick the page object, respond. Nothing more.

Reads no client metadata: no IP, User-Agent, Referer, Accept-Language, cookies. The language comes
from the `lang` query parameter of our own links and form actions.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import parse_qsl

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from helpseek.codes import CodeKind
from helpseek.instrument import Instrument
from helpseek.languages import is_language_code, language_info
from helpseek.web.forms import FormRejected, read_form
from helpseek.web.pages import (
    CodeEntryPage,
    CodePage,
    EndPage,
    LandingPage,
    LanguageLink,
    QuestionPage,
    WithdrawConfirmPage,
    WithdrawnPage,
)
from helpseek.web.render import Renderer
from helpseek.web.steps import (
    ShowCode,
    ShowCodeEntry,
    ShowEnd,
    ShowMessage,
    ShowPage,
    ShowWithdrawConfirm,
    ShowWithdrawn,
    Step,
)
from helpseek.web.survey import Storing, Survey, single

_P = ParamSpec("_P")
_T = TypeVar("_T")


async def landing(request: Request) -> Response:
    """GET / or /survey/{name}: purpose, anonymity, advice, consent, language picker."""
    survey, renderer = _parts(request)
    name = request.path_params.get("name", next(iter(survey.instruments)))
    instrument = survey.instruments.get(name)
    if instrument is None:
        return renderer.message(404, "msg_not_found", lang_param(request))
    language = renderer.language(lang_param(request), instrument)
    links = _language_links(instrument, request.url.path, language)
    is_machine = language in instrument.language_codes and (
        instrument.language(language).is_machine_translated
    )
    chrome = renderer.chrome(language, instrument)
    title = chrome.title(instrument.title)
    return renderer.respond(LandingPage(chrome, title, name, links, is_machine))


async def start(request: Request) -> Response:
    """POST /start (the consent button): a new response and its first page."""
    chosen = _parts(request)[1].language(lang_param(request))
    return await _one_field(request, "instrument", lambda survey, name: survey.start(name, chosen))


async def submit_page(request: Request) -> Response:
    """POST /page: one page of answers (or Back); stored sealed before the next page is sent."""
    survey, renderer = _parts(request)
    arrived = survey.now()  # the page's time ends here, not after a wait for a worker thread
    language = lang_param(request)
    try:
        fields = await _form(request, survey)
    except FormRejected as rejected:
        return renderer.message(rejected.status, rejected.message_key, language)
    prepared = await _in_thread(request, survey.prepare, fields, arrived)
    if not isinstance(prepared, Storing):
        return _respond(renderer, prepared, language)
    # No thread waits for the commit: the loop awaits it, and the reply is decided after it.
    if await asyncio.wrap_future(prepared.stored):
        return _respond(renderer, survey.reply(prepared), language)
    current = await _in_thread(request, survey.current, prepared.token, prepared.today)
    return _respond(renderer, current, language)


async def resume(request: Request) -> Response:
    """GET /resume: the form for a code to continue; POST: the paused page, with its answers."""
    return await _code_form(request, "resume", lambda survey, code: survey.codes.resume(code))


async def withdraw(request: Request) -> Response:
    """GET /withdraw: the form for a withdrawal code; POST: "Withdraw all your answers?"."""
    return await _code_form(
        request, "withdrawal", lambda survey, code: survey.codes.check_withdrawal(code)
    )


async def withdraw_confirm(request: Request) -> Response:
    """POST /withdraw/confirm ("Yes, withdraw my answers"): the sealed tombstone is stored."""
    return await _one_field(request, "confirm", lambda survey, text: survey.codes.withdraw(text))


async def withdrawal_code(request: Request) -> Response:
    """POST /withdrawal-code (the end page's button): the response's withdrawal code, once asked."""
    return await _one_field(
        request, "token", lambda survey, text: survey.codes.withdrawal_code(text)
    )


async def _code_form(
    request: Request, kind: CodeKind, act: Callable[[Survey, str], Step]
) -> Response:
    """A code form: shown on GET; on POST the code is checked, within the per-circuit limit that
    `CodeAttempts` keeps (the whole server's budget is taken by `CodeDesk` before argon2id)."""
    _, renderer = _parts(request)
    language = lang_param(request)
    if request.method == "GET":
        return _respond(renderer, ShowCodeEntry(kind), language)
    if not request.app.state.code_attempts.allow(request.scope):
        return _respond(renderer, ShowCodeEntry(kind, "code_too_many", 429), language)
    return await _one_field(request, "code", act)


async def _one_field(request: Request, name: str, act: Callable[[Survey, str], Step]) -> Response:
    survey, renderer = _parts(request)
    language = lang_param(request)
    try:
        fields = await _form(request, survey)
    except FormRejected as rejected:
        return renderer.message(rejected.status, rejected.message_key, language)
    value = single(fields.get(name, []))
    if value is None or set(fields) != {name}:
        return renderer.message(400, "msg_bad_request", language)
    step = await _in_thread(request, act, survey, value)
    return _respond(renderer, step, language)


async def http_error(request: Request, exc: Exception) -> Response:
    """404/405 and other HTTP errors as calm pages (Starlette's default is plain English text)."""
    _, renderer = _parts(request)
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    key = {404: "msg_not_found", 405: "msg_method"}.get(status, "msg_bad_request")
    return renderer.message(status, key, lang_param(request))


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
        return renderer.respond(EndPage(chrome, chrome.title(step.instrument.title), step.token))
    if isinstance(step, ShowCode):
        chrome = renderer.chrome(step.language, step.instrument)
        title = chrome.title(step.instrument.title)
        page = CodePage(chrome, title, step.kind, step.parts, step.is_words, step.valid_until)
        return renderer.respond(page)
    if isinstance(step, ShowMessage):
        return renderer.message(step.status, step.message_key, language)
    chrome = renderer.chrome(renderer.language(language))
    if isinstance(step, ShowCodeEntry):
        return renderer.respond(CodeEntryPage(chrome, step.kind, step.error_key), step.status)
    if isinstance(step, ShowWithdrawConfirm):
        return renderer.respond(WithdrawConfirmPage(chrome, step.confirm))
    if isinstance(step, ShowWithdrawn):
        return renderer.respond(WithdrawnPage(chrome, step.already))
    raise TypeError(f"no page for {step!r}")


async def _form(request: Request, survey: Survey) -> dict[str, list[str]]:
    settings = survey.settings
    return await read_form(request, settings.max_body_bytes, settings.max_fields)


async def _in_thread(
    request: Request, call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T:
    """`call` on one of the app's step threads (it blocks on the store), awaited on the loop.

    A plain executor: the hop costs half the CPU of starlette's run_in_threadpool, whose anyio
    capacity limiter, cancel scope and queue wake-ups cost ~70 us a hop (issue 16).
    """
    loop = asyncio.get_running_loop()
    step = functools.partial(call, *args, **kwargs)
    return await loop.run_in_executor(request.app.state.step_threads, step)


def lang_param(request: Request) -> str | None:
    """The `lang` query parameter, as `request.query_params.get("lang")` gives it (the last one),
    from the raw query string: starlette's QueryParams, built for this one name, cost ~2% of a
    POST's server CPU under load (issue 16).

    >>> lang_param(Request({"type": "http", "query_string": b"lang=de&x=1&lang=fa"}))
    'fa'
    """
    query = request.scope["query_string"]
    if not query:
        return None
    return dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True)).get("lang")


def _parts(request: Request) -> tuple[Survey, Renderer]:
    return request.app.state.survey, request.app.state.renderer
