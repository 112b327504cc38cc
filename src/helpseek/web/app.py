"""create_app(settings): the respondent-facing Starlette app. The only constructor; no module globals.

Fails closed: a missing or malformed research public key, an unknown instrument or an unusable
database raise InputError at startup, so the server never runs without a key to seal to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import get_args

from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.types import Scope

from helpseek.instrument import RECENT_SECONDS, Instrument, load_instrument
from helpseek.instrument.completeness import ALL_LANGUAGES, completeness_problems
from helpseek.languages import endonym, is_language_code, language_info
from helpseek.problems import InputError, Location, Problem, near_miss, problem
from helpseek.settings import DatePrecision, Settings
from helpseek.store import is_unavailable, load_public_keys, open_store
from helpseek.web.circuits import CodeAttempts, check_circuit_settings, circuit_middleware
from helpseek.web.connections import (
    COUNTS,
    ConnectionLimits,
    QuietProtocolErrors,
    check_connection_limits,
)
from helpseek.web.failsafe import POOL_LOGGER, FailsafeMiddleware, Outage
from helpseek.web.handlers import http_error
from helpseek.web.headers import SecurityHeadersMiddleware
from helpseek.web.i18n import Catalogue, load_catalogue
from helpseek.web.pages import MessagePage
from helpseek.web.render import Renderer
from helpseek.web.routes import ROUTES
from helpseek.web.survey import Survey
from helpseek.web.tokens import load_or_create_secret
from helpseek.web.upkeep import check_code_settings, purge_held, watch_unpulled

#: Threads for the requests' blocking steps, per process.
STEP_THREADS = 40


def check_settings(settings: Settings, workers: int = 1) -> list[Problem]:
    """Every number of `serve` out of its range, in one list; checked before anything is created.

    WEB-029..031 and 033 (workers, connections, read timeout), WEB-006 (circuit limit),
    WEB-025..027 (codes and upkeep), WEB-032 (date precision). `serve` calls it before it checks
    the port; create_app calls it again.
    """
    limits = ConnectionLimits(settings.read_timeout_s, settings.max_connections)
    return [
        *check_connection_limits(workers, limits),
        *check_circuit_settings(settings),
        *check_code_settings(settings),
        *_check_date_precision(settings.date_precision),
    ]


def _check_date_precision(value: str) -> list[Problem]:
    """WEB-032 for a date precision other than "day" or "month" (with a near miss)."""
    if value in get_args(DatePrecision):
        return []
    suggestion = near_miss(value.lower(), get_args(DatePrecision))
    return [problem("WEB-032", value=value, suggestion=suggestion)]


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    rng: random.Random | None = None,
    states_seconds: float = RECENT_SECONDS,
) -> Starlette:
    """The survey app for `settings`. `clock` (epoch seconds) and `rng` are replaceable in tests;
    so is `states_seconds`, the age past which the process's kept form states and page variants
    are purged (at most `RECENT_SECONDS`: a test uses a fraction of a second)."""
    if not settings.instrument_names:
        raise InputError([problem("WEB-001")])
    if problems := check_settings(settings):
        raise InputError(problems)
    recipients = load_public_keys(settings.public_key_paths, settings.recipients)
    loaded = [load_instrument(name) for name in settings.instrument_names]
    instruments = _by_slug(loaded)
    catalogue = load_catalogue()
    _refuse_incomplete_languages(settings, loaded, catalogue)
    try:
        secret = load_or_create_secret(settings.secret_key_file)
    except (OSError, ValueError) as error:
        path = str(settings.secret_key_file)
        raise InputError([problem("WEB-002", Location(path), path=path, reason=error)]) from None

    def today() -> date:
        return datetime.fromtimestamp(clock(), tz=UTC).date()

    store = open_store(settings.database_url, today=today, date_precision=settings.date_precision)
    survey = Survey(
        settings, store, recipients, secret, instruments, clock, rng or random.SystemRandom()
    )
    renderer = Renderer(settings, catalogue, next(iter(instruments.values())))
    # The threads that run a request's blocking steps (reading the store, argon2id): as many as
    # anyio's default. A page's commit (both stores group the steps of a process) is awaited on
    # the event loop and holds none; 8 threads instead of 40 measured no better (issue 16).
    step_threads = ThreadPoolExecutor(STEP_THREADS, thread_name_prefix="helpseek-step")

    def server_error_page(scope: Scope, error: Exception) -> tuple[int, bytes]:
        """The calm page in the request's language; 503 when the store did not answer, else
        500. After a 503 the page may or may not be stored (a connection cut after PostgreSQL's
        COMMIT but before its reply); sending it again is safe: a stored page is not stored
        twice, its resend shows the next page (web/sessions.py `Saved.done`)."""
        language = renderer.language(QueryParams(scope.get("query_string", b"")).get("lang"))
        status = 503 if is_unavailable(error) else 500
        page = MessagePage(renderer.chrome(language), status, "msg_server_error")
        return status, renderer.html(page).encode("utf-8")

    outage = Outage()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        quiet = QuietProtocolErrors()
        logging.getLogger("uvicorn.error").addFilter(quiet)
        logging.getLogger(POOL_LOGGER).addFilter(outage)
        watch = watch_unpulled(store, settings.warn_unpulled_days, today)
        # Nothing of a respondent kept past its bound, requests or not (issue 16).
        purge = purge_held(states_seconds, renderer.pages.purge)
        survey.fillers.start()  # a child sealing fillers ahead at the lowest priority (issue 16)
        yield
        survey.fillers.stop()
        if watch is not None:
            watch.cancel()
        purge.cancel()
        await asyncio.wait([purge])  # its counts are logged before the lines below
        logging.getLogger("uvicorn.error").removeFilter(quiet)
        logging.getLogger(POOL_LOGGER).removeFilter(outage)
        if COUNTS.any():  # one line per process, never one per client (issue 12)
            logging.getLogger("helpseek.web").warning("%s", COUNTS.summary())
        recent = survey.sessions.recent
        if recent.hits or recent.misses:  # counts only, one line per process (issue 16)
            logging.getLogger("helpseek.web").warning("%s", recent.summary())
        if survey.fillers.pooled or survey.fillers.inline:  # counts only (issue 16)
            logging.getLogger("helpseek.web").warning("%s", survey.fillers.summary())
        outage.close()
        step_threads.shutdown()
        store.close()

    app = Starlette(
        routes=ROUTES,
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            *circuit_middleware(settings, renderer, clock),  # per tor circuit (issue 7)
            Middleware(FailsafeMiddleware, render=server_error_page, outage=outage),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.survey = survey
    app.state.renderer = renderer
    app.state.step_threads = step_threads
    app.state.code_attempts = CodeAttempts(settings.code_attempts_per_circuit_per_hour, clock)
    return app


def _refuse_incomplete_languages(
    settings: Settings, instruments: list[Instrument], catalogue: Catalogue
) -> None:
    """Every language a questionnaire offers has all its texts and all the survey pages' strings,
    unless `allow_incomplete` names it (issue 15); InputError lists every gap otherwise."""
    allowed = set(settings.allow_incomplete)
    problems: list[Problem] = []
    for name, instrument in zip(settings.instrument_names, instruments, strict=True):
        problems += completeness_problems(instrument, allowed, name=name)
    # A form without language codes (a plain `label` column: code "default") is shown with the
    # English page strings, as before; only real language codes need their own.
    names = {
        lang.code: lang.name
        for i in instruments
        for lang in reversed(i.languages)
        if is_language_code(lang.code)
    }
    total = len(catalogue.table.source)
    for code, name in names.items():
        missing = catalogue.missing(code)
        if missing and code not in allowed and ALL_LANGUAGES not in allowed:
            first = catalogue.text("en", missing[0])
            problems.append(
                problem(
                    "WEB-020",
                    language=endonym(code) if language_info(code) else name,
                    lang_code=code,
                    n=len(missing),
                    total=total,
                    first=first if len(first) <= 50 else first[:49] + "…",
                )
            )
    errors = [p for p in problems if p.is_error]
    if errors:
        raise InputError(errors)


def _by_slug(instruments: list[Instrument]) -> dict[str, Instrument]:
    """Instruments keyed by the name in their URL (/survey/<form_id>, or <form_id>-<version>)."""
    form_ids = [i.form_id for i in instruments]
    return {
        (i.form_id if form_ids.count(i.form_id) == 1 else f"{i.form_id}-{i.version}"): i
        for i in instruments
    }
