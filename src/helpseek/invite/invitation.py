"""The invitation's decisions for one request, independent of WSGI or ASGI.

`Invitation.respond(method, path, query_string)` returns a `Reply` (status, headers, body) for the
requests it owns, or None to let the search engine answer. The middleware only translates.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl

from sqlalchemy.exc import SQLAlchemyError

from helpseek.invite.config import Assignment, InviteConfig
from helpseek.invite.counts import CountStore, Event, open_counts
from helpseek.invite.headers import security_headers
from helpseek.invite.match import QueryTooLongError, TermMatcher
from helpseek.invite.page import build_interstitial, build_notice, render, stylesheet
from helpseek.problems import InputError, problem

_log = logging.getLogger("helpseek.invite")


@dataclass(frozen=True)
class Reply:
    """An HTTP response produced by the invitation itself."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def choose_variant(assignment: Assignment, today: date, rng: random.Random) -> str:
    """The variant for a request on `today`.

    | scheme   | variant                                                      |
    |----------|--------------------------------------------------------------|
    | rotation | variants[(today - anchor).days mod len(variants)] (one a day) |
    | random   | rng.choice(variants), a new draw for every request            |

    >>> a = Assignment("rotation", date(2026, 1, 1), ("neutral", "legal_risk"))
    >>> [choose_variant(a, date(2026, 1, d), random.Random(0)) for d in (1, 2, 3)]
    ['neutral', 'legal_risk', 'neutral']
    """
    if assignment.scheme == "random":
        return rng.choice(assignment.variants)
    return assignment.variants[(today - assignment.anchor).days % len(assignment.variants)]


class Invitation:
    """Term filter + interstitial + redirect endpoint + counters, for one configuration.

    | request                                   | reply                                   | counted     |
    |-------------------------------------------|-----------------------------------------|-------------|
    | GET <search path>?q=<matching query>      | 200 interstitial (variant assigned)      | impression  |
    | GET <search path>?q=<query over the limit> | 400 "search too long" notice            | nothing     |
    | GET <search path>?q=<other query>         | None: the search engine answers         | nothing     |
    | GET <page_path>?v=..&l=..  (language link) | 200 interstitial in that language       | nothing     |
    | GET <redirect_prefix><known id>?v=..&l=.. | 303 to the target's configured URL       | click, if v and l are known |
    | GET <redirect_prefix><anything else>      | 404 "link not available" notice          | nothing     |
    """

    def __init__(
        self,
        config: InviteConfig,
        counts: CountStore,
        *,
        today: Callable[[], date] = date.today,
        rng: random.Random | None = None,
    ):
        self.config = config
        self.counts = counts
        self.matcher = TermMatcher(
            config.terms_file,
            max_query_chars=config.max_query_chars,
            reload_check_s=config.reload_check_s,
        )
        self._today = today
        self._rng = rng or random.SystemRandom()
        self._headers = tuple(security_headers(stylesheet()))

    def respond(self, method: str, path: str, query_string: bytes, root: str = "") -> Reply | None:
        """The reply for a request this invitation owns, or None to pass it through."""
        if method not in ("GET", "HEAD"):
            return None
        params = _parse(query_string)
        if path.startswith(self.config.redirect_prefix):
            target_id = path[len(self.config.redirect_prefix) :]
            return self.follow(target_id, params.get("v", ""), params.get("l", ""), method == "GET")
        if path == self.config.page_path:
            return self._language_switch(params, root)
        values = params.get_all(self.config.query_parameter)
        if values and self._is_search_path(path):
            return self.search(values, params.get("l", ""), root, count=method == "GET")
        return None

    def search(
        self, queries: list[str], language: str, root: str = "", count: bool = True
    ) -> Reply | None:
        """The interstitial if any of the query values matches a term; None otherwise."""
        lang = language if language in self.config.languages else self.config.default_language
        try:
            hits = [self.matcher.match(query) for query in queries]
        except QueryTooLongError:
            return self._notice(400, "too_long", lang)
        if not any(hits):
            return None
        variant = choose_variant(self.config.assignment, self._today(), self._rng)
        if count:
            self._count("impression", variant, lang)
        return self._page(variant, lang, root)

    def follow(self, target_id: str, variant: str, language: str, count: bool = True) -> Reply:
        """303 to an allow-listed target (never a URL from the request), or 404."""
        target = self.config.targets.get(target_id)
        lang = language if language in self.config.languages else self.config.default_language
        if target is None:
            return self._notice(404, "not_found", lang)
        # A link with a variant or language the config does not know was not made by this page
        # (edited by hand): the person still reaches help, but the click is not attributed.
        if count and variant in self.config.assignment.variants and language == lang:
            self._count("click", variant, lang, target.id, target.kind)
        headers = (("location", target.url), *self._headers)
        return Reply(303, headers, b"")

    def _count(self, event: Event, variant: str, language: str, *target: str) -> None:
        # The person must get the page or the redirect even if the database is down: a lost
        # count is logged (without any request detail), never turned into an error page.
        try:
            self.counts.add(event, self._today(), variant, language, *target)
        except SQLAlchemyError as error:
            _log.warning("invite: one %s count was lost: %s", event, type(error).__name__)

    def _language_switch(self, params: _Params, root: str) -> Reply:
        lang = params.get("l", "")
        lang = lang if lang in self.config.languages else self.config.default_language
        variant = params.get("v", "")
        if variant not in self.config.assignment.variants:
            variant = choose_variant(self.config.assignment, self._today(), self._rng)
        return self._page(variant, lang, root)

    def _page(self, variant: str, language: str, root: str) -> Reply:
        html = render(build_interstitial(self.config, variant, language, root))
        return self._html(200, html)

    def _notice(self, status: int, key: str, language: str) -> Reply:
        return self._html(status, render(build_notice(self.config, key, language)))

    def _html(self, status: int, html: str) -> Reply:
        body = html.encode("utf-8")
        headers = (
            ("content-type", "text/html; charset=utf-8"),
            ("content-length", str(len(body))),
            *self._headers,
        )
        return Reply(status, headers, body)

    def _is_search_path(self, path: str) -> bool:
        return not self.config.search_paths or path in self.config.search_paths


class _Params:
    """Query-string fields, decoded as UTF-8 with bad bytes replaced (binary input never crashes)."""

    def __init__(self, pairs: list[tuple[str, str]]):
        self._pairs = pairs

    def get(self, key: str, default: str) -> str:
        return next((v for k, v in self._pairs if k == key), default)

    def get_all(self, key: str) -> list[str]:
        return [v for k, v in self._pairs if k == key]


def _parse(query_string: bytes) -> _Params:
    # No cap on the number of fields: dropping some could hide a matching query from the filter
    # while the search engine still sees it. The server already bounds the URL's length.
    # Raw non-ASCII bytes are percent-encoded first, so that every byte goes through the same
    # UTF-8 decoding (bad sequences become U+FFFD) instead of raising.
    ascii_only = "".join(chr(b) if b < 128 else f"%{b:02X}" for b in query_string)
    return _Params(
        parse_qsl(ascii_only, keep_blank_values=True, encoding="utf-8", errors="replace")
    )


def open_invitation(
    config: InviteConfig,
    db: str | CountStore | None = None,
    *,
    today: Callable[[], date] = date.today,
    rng: random.Random | None = None,
) -> Invitation:
    """An Invitation with its counters at `db` (a URL or a CountStore), else at config.database.

    Raises InputError (INVITE-008) when neither names a database: counting is not optional.
    """
    if isinstance(db, CountStore):
        return Invitation(config, db, today=today, rng=rng)
    url = db or config.database
    if not url:
        raise InputError([problem("INVITE-008")])
    return Invitation(config, open_counts(url), today=today, rng=rng)
