"""The running survey: glue between a submitted form, the collect state machine and the sealed store.

Each accepted page is sealed (PageRecord -> seal_page) and appended BEFORE the reply is built, so an
acknowledged page is durable. In-progress state is sealed with the key that only the token carries.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from helpseek.collect import (
    Accepted,
    FormError,
    PageSubmission,
    PageView,
    Session,
    SessionStateError,
)
from helpseek.instrument.model import Instrument
from helpseek.settings import Settings
from helpseek.store import (
    PageRecord,
    Recipients,
    SealedRecord,
    SessionUpdate,
    Store,
    new_session_key,
    open_session_state,
    seal_page,
    seal_session_state,
)
from helpseek.store import SessionStateError as SealedStateError
from helpseek.web.tokens import (
    Token,
    TokenError,
    TokenExpiredError,
    decode_token,
    encode_token,
    new_token,
)


@dataclass(frozen=True)
class ShowPage:
    """Render this page of `session` with `token`; `notice_key` explains a re-render, `status` its code."""

    session: Session
    view: PageView
    token: str
    notice_key: str | None = None
    status: int = 200


@dataclass(frozen=True)
class ShowEnd:
    """The response is complete: thank the respondent and show the help resources."""

    instrument: Instrument
    language: str


@dataclass(frozen=True)
class ShowMessage:
    """A calm message page: `status` and the UI string key that explains it."""

    status: int
    message_key: str


Step = ShowPage | ShowEnd | ShowMessage


@dataclass(frozen=True)
class _Page:
    """An accepted page, sealed, and the nonce of the render it answers (its submission key)."""

    sealed: SealedRecord
    submission_key: bytes


@dataclass(frozen=True)
class _Saved:
    """What the session table holds (sealed): the session, the nonce expected next, the last one used.

    A POST carrying the last used nonce is a retry (double click, lost reply): it re-renders the
    current page and stores nothing. Any other stale nonce is a page out of order (409).
    """

    session: Session
    expect: bytes
    done: tuple[bytes, ...]


class Survey:
    """Everything the respondent routes need, built once at startup by create_app."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        recipients: Recipients,
        secret: bytes,
        instruments: Mapping[str, Instrument],
        clock: Callable[[], float],
        rng: random.Random,
    ) -> None:
        self.settings = settings
        self.store = store
        self.recipients = recipients
        self.instruments = dict(instruments)
        self._by_form = {(i.form_id, i.version): i for i in instruments.values()}
        self._secret = secret
        self._clock = clock
        self._rng = rng

    def start(self, instrument_name: str, language: str) -> Step:
        """A new response after the consent button: its first page (or the end if none is shown)."""
        instrument = self.instruments.get(instrument_name)
        if instrument is None:
            return ShowMessage(404, "msg_not_found")
        session = Session.start(instrument, language, self._rng, today=self._evaluation_date())
        if session.is_finished:
            return ShowEnd(instrument, session.language)
        session_id, key = self._rng.getrandbits(128).to_bytes(16, "big"), new_session_key()
        return self._show(session, Token(session_id, key, b"", 0), ())

    def now(self) -> float:
        """The survey's clock (epoch seconds)."""
        return self._clock()

    def submit(self, fields: dict[str, list[str]], arrived: float | None = None) -> Step:
        """One POST of a questionnaire page: its fields, including `token` and `action`.

        `arrived` is when the POST reached the app (default: now). The page's duration ends
        there, not when a worker thread took the request up: a busy server does not lengthen the
        durations it stores, nor hide a speeder.
        """
        arrived = self._clock() if arrived is None else arrived
        token_text, action = (_single(fields.pop(k, [])) for k in ("token", "action"))
        if token_text is None or action not in ("next", "back"):
            return ShowMessage(400, "msg_bad_request")
        try:
            token = decode_token(
                token_text, self._secret, int(arrived), self.settings.token_lifetime_s
            )
        except TokenExpiredError:
            return ShowMessage(410, "msg_expired")
        except TokenError:
            return ShowMessage(403, "msg_invalid_token")
        saved = self._load(token)
        if isinstance(saved, ShowMessage):
            return saved
        if saved.session.is_finished:  # e.g. the last page sent twice: it was stored once
            return ShowEnd(saved.session.instrument, saved.session.language)
        if token.nonce != saved.expect:  # a retry, a second tab or an old page: store nothing
            key = None if token.nonce in saved.done else "msg_out_of_order"
            return self._show(
                saved.session, token, saved.done, notice_key=key, status=200 if key is None else 409
            )
        if action == "back":
            return self._show(saved.session.back(), token, (token.nonce,))
        return self._apply(saved, token, fields, arrived)

    def _apply(
        self, saved: _Saved, token: Token, fields: dict[str, list[str]], arrived: float
    ) -> Step:
        try:
            outcome = saved.session.submit(fields, today=self._evaluation_date())
        except FormError:
            return ShowMessage(400, "msg_bad_request")
        if not isinstance(outcome, Accepted):
            # Same page again: keep its first render time, so the page duration covers it all.
            return self._show(
                outcome.session,
                token,
                (token.nonce,),
                status=422,
                view=outcome.view,
                issued_at=token.issued_at,
            )
        record = self._record(outcome.session, outcome.submission, token, arrived)
        # Durable before acknowledged: the page and the session's next state commit together,
        # before any reply is built (issue 3).
        page = _Page(seal_page(record.to_json(), self.recipients), token.nonce)
        done = (token.nonce,)
        if outcome.session.is_finished:
            self._save(replace(outcome.session, answers={}), token, token.nonce, done, page)
            return ShowEnd(outcome.session.instrument, outcome.session.language)
        return self._show(outcome.session, token, done, page=page)

    def _show(
        self,
        session: Session,
        token: Token,
        done: tuple[bytes, ...],
        notice_key: str | None = None,
        status: int = 200,
        view: PageView | None = None,
        issued_at: int | None = None,
        page: _Page | None = None,
    ) -> ShowPage:
        """Issue a fresh nonce, save the session expecting it (with the accepted `page`, if any,
        in the same transaction), and show the current page."""
        fresh = new_token(token.session_id, token.session_key, 0)
        self._save(session, fresh, fresh.nonce, done, page)
        # The page's time starts once it is stored and about to leave: a wait for the store's
        # write turn on a busy server is not the respondent's time.
        now = int(self._clock()) if issued_at is None else issued_at
        text = encode_token(replace(fresh, issued_at=now), self._secret)
        page_view = view or session.current_page(today=self._evaluation_date())
        return ShowPage(session, page_view, text, notice_key, status)

    def _save(
        self,
        session: Session,
        token: Token,
        expect: bytes,
        done: tuple[bytes, ...],
        page: _Page | None = None,
    ) -> None:
        envelope = {
            "session": session.to_json().decode("utf-8"),
            "expect": expect.hex(),
            "done": [n.hex() for n in done],
        }
        blob = seal_session_state(token.session_key, json.dumps(envelope).encode("utf-8"))
        expires = self._today() + timedelta(days=math.ceil(self.settings.token_lifetime_s / 86400))
        if page is None:
            self.store.put_session(token.session_name, blob, expires)
        else:
            state = SessionUpdate(token.session_name, blob, expires)
            self.store.append(page.sealed, page.submission_key, session=state)

    def _load(self, token: Token) -> _Saved | ShowMessage:
        blob = self.store.get_session(token.session_name)
        if blob is None:
            return ShowMessage(410, "msg_expired")
        try:
            envelope = json.loads(open_session_state(token.session_key, blob))
            raw_session = envelope["session"].encode("utf-8")
            form = json.loads(raw_session)
            instrument = self._by_form.get((form["form_id"], form["form_version"]))
            if instrument is None:
                return ShowMessage(410, "msg_expired")
            session = Session.from_json(raw_session, instrument)
            done = tuple(bytes.fromhex(n) for n in envelope["done"])
            return _Saved(session, bytes.fromhex(envelope["expect"]), done)
        except (SealedStateError, SessionStateError, ValueError, KeyError):
            return ShowMessage(403, "msg_invalid_token")

    def _record(
        self, session: Session, submission: PageSubmission, token: Token, arrived: float
    ) -> PageRecord:
        seconds = max(0, int(arrived) - token.issued_at)
        step = self.settings.page_seconds_rounding
        rounded = min(
            self.settings.page_seconds_cap, round(seconds / step) * step if step else seconds
        )
        today = self._today()
        submitted_on = (
            today.isoformat() if self.settings.date_precision == "day" else today.strftime("%Y-%m")
        )
        instrument = session.instrument
        return PageRecord(
            session.response_id,
            instrument.form_id,
            instrument.version,
            session.language,
            submission.page_id,
            submission.seq,
            dict(submission.answers),
            submission.shown,
            submitted_on,
            rounded,
            "complete" if submission.is_complete else "partial",
        )

    def _today(self) -> date:
        return datetime.fromtimestamp(self._clock(), tz=UTC).date()

    def _evaluation_date(self) -> date:
        """The date today() gives the form's logic: the date stored with each page, as coarse
        as the survey's date precision (the 1st of the month for "month"), so no calculation
        or condition works with a finer date than the records hold (issue 13)."""
        today = self._today()
        return today if self.settings.date_precision == "day" else today.replace(day=1)


def _single(values: list[str]) -> str | None:
    return values[0] if len(values) == 1 else None
