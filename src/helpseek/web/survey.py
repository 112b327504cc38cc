"""The running survey: glue between a submitted form, the collect state machine and the sealed store.

Each accepted page is sealed (PageRecord -> seal_page) and stored BEFORE the reply is built, so an
acknowledged page is durable. In-progress state is sealed with the key that only the token carries.
Every change of a session is one compare-and-set on the state it was read in (issue 12): of two
submissions of one page (a double click, two tabs) exactly one moves the session and stores its
page; the other stores nothing and shows where the winner left the respondent.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from helpseek.codes import new_code
from helpseek.collect import Accepted, FormError, PageSubmission, PageView, Session
from helpseek.instrument.model import Instrument
from helpseek.settings import Settings
from helpseek.store import (
    PageRecord,
    Recipients,
    Store,
    StoredRecord,
    new_record_id,
    new_session_key,
    seal_page,
)
from helpseek.web.codes import CodeDesk
from helpseek.web.fillers import FillerPool
from helpseek.web.sessions import Saved, Sessions, WithdrawalSeed
from helpseek.web.steps import ShowEnd, ShowMessage, ShowPage, Step
from helpseek.web.tokens import (
    Token,
    TokenError,
    TokenExpiredError,
    decode_token,
    encode_token,
    new_nonce,
)


@dataclass(frozen=True)
class Render:
    """A question page to show once any change is stored: `nonce` is the one it carries."""

    session: Session
    nonce: bytes
    view: PageView | None = None
    status: int = 200
    notice_key: str | None = None
    issued_at: int | None = None  # keep the first render's time (a 422 re-render)
    draft: Mapping[str, tuple[str, ...]] | None = None  # a resumed page, as typed before pausing


@dataclass(frozen=True)
class Storing:
    """A POST whose change was handed to the store: `stored` resolves once it is durable, True
    when the session moved (the reply is `Survey.reply`), False when another submission of the
    page moved it first (the reply is `Survey.current`: where the winner left the respondent)."""

    token: Token
    outcome: Render | Step
    stored: Future[bool]
    today: date  # the POST's date (`Survey.today(arrived)`), for its reply too


@dataclass(frozen=True)
class _Change:
    """The session's next state, and the records to store and delete with it, all or nothing."""

    state: Saved
    add: tuple[StoredRecord, ...] = ()
    drop: tuple[int, ...] = ()


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
        self.sessions = Sessions(store, {(i.form_id, i.version): i for i in instruments.values()})
        self._secret = secret
        self._clock = clock
        self._rng = rng
        self.codes = CodeDesk(self, secret, rng)
        #: Sealed records every response holds from its start: one per page of the longest
        #: questionnaire served. Each accepted page replaces one filler, so the store shows the
        #: same count for every response, whatever its path and wherever it stopped (issue 12).
        self.records_per_response = max(len(i.pages) for i in self.instruments.values())
        #: Where those fillers come from: sealed ahead by a child process the app's lifespan
        #: starts, else sealed inline (web/fillers.py).
        self.fillers = FillerPool(recipients)

    def start(self, instrument_name: str, language: str) -> Step:
        """A new response after the consent button: its first page (or the end if none is shown)."""
        instrument = self.instruments.get(instrument_name)
        if instrument is None:
            return ShowMessage(404, "msg_not_found")
        today = self.today()  # one date for the whole consent, even at midnight
        session = Session.start(instrument, language, self._rng, today=self.evaluation_date(today))
        if session.is_finished:
            return ShowEnd(instrument, session.language)
        token = Token(self._rng.getrandbits(128).to_bytes(16, "big"), new_session_key(), b"", 0)
        fillers = tuple(
            StoredRecord(new_record_id(), sealed)
            for sealed in self.fillers.take(self.records_per_response)
        )
        state = Saved(session, new_nonce(), fillers=tuple(f.record_id for f in fillers))
        if not self._submit(token, _Change(state, add=fillers), None, today).result():
            return ShowMessage(500, "msg_server_error")  # a 128-bit session id was taken
        return self.show(Render(session, state.expect), token, today)

    def now(self) -> float:
        """The survey's clock (epoch seconds)."""
        return self._clock()

    def submit(self, fields: dict[str, list[str]], arrived: float | None = None) -> Step:
        """One POST of a questionnaire page: its fields, including `token` and `action`.

        `arrived` is when the POST reached the app (default: now). The page's duration ends
        there, not when a worker thread took the request up: a busy server does not lengthen the
        durations it stores, nor hide a speeder.
        """
        prepared = self.prepare(fields, arrived)
        if not isinstance(prepared, Storing):
            return prepared
        if prepared.stored.result():
            return self.reply(prepared)
        return self.current(prepared.token, prepared.today)

    def prepare(self, fields: dict[str, list[str]], arrived: float | None = None) -> Step | Storing:
        """`submit` up to the store: the reply when the POST stores nothing, else its change
        handed to the store (Storing), whose future the caller may await without a thread.

        The POST's date is the date it arrived, for all it stores and shows: the logic's today(),
        the page record's date, the state's expiry, the next page (one clock read, issue 16).
        """
        arrived = self._clock() if arrived is None else arrived
        today = self.today(arrived)
        token_text, action = (single(fields.pop(k, [])) for k in ("token", "action"))
        if token_text is None or action not in ("next", "back", "later"):
            return ShowMessage(400, "msg_bad_request")
        token = self.read_token(token_text, arrived)
        if isinstance(token, ShowMessage):
            return token
        # The state this process last stored, if it holds it (issue 16): no read of the store
        # when the POST moves the session, as the compare-and-set refuses a stale one. "Continue
        # later" writes no session state, so it reads the store.
        sessions = self.sessions
        saved = sessions.load(
            token.session_name, token.session_key, recent=action != "later", today=today
        )
        if isinstance(saved, ShowMessage):
            return saved
        if action == "later" and not saved.session.is_finished and token.nonce == saved.expect:
            return self.codes.pause(saved, token, fields)
        outcome, change = self._step(saved, token, action, fields, arrived, today)
        if change is None and saved.recent:
            # Nothing to compare-and-set: what the POST shows (a retry, another tab's nonce, the
            # end, a refused page) comes from the stored state, never from a stale one held here.
            sessions.recent.reread()
            saved = self.load(token)
            if isinstance(saved, ShowMessage):
                return saved
            outcome, change = self._step(saved, token, action, fields, arrived, today)
        if change is None:
            return self.show(outcome, token, today) if isinstance(outcome, Render) else outcome
        return Storing(token, outcome, self._submit(token, change, saved.blob, today), today)

    def reply(self, storing: Storing) -> Step:
        """The reply to a POST whose session moved: no I/O, so the event loop may build it. Had
        another submission moved it first, the reply is `current` (where it left the respondent)
        and this one stored nothing."""
        outcome, token = storing.outcome, storing.token
        return self.show(outcome, token, storing.today) if isinstance(outcome, Render) else outcome

    def read_token(self, text: str, now: float | None = None) -> Token | ShowMessage:
        """A page's token, or the calm page for an expired (410) or altered (403) one."""
        now = self._clock() if now is None else now
        try:
            return decode_token(text, self._secret, int(now), self.settings.token_lifetime_s)
        except TokenExpiredError:
            return ShowMessage(410, "msg_expired")
        except TokenError:
            return ShowMessage(403, "msg_invalid_token")

    def load(self, token: Token) -> Saved | ShowMessage:
        return self.sessions.load(token.session_name, token.session_key)

    def _step(
        self,
        saved: Saved,
        token: Token,
        action: str | None,
        fields: dict[str, list[str]],
        arrived: float,
        today: date,
    ) -> tuple[Render | Step, _Change | None]:
        """What this POST leads to, and the change of the session to commit first (if any)."""
        session = saved.session
        if session.is_finished:  # e.g. the last page sent twice: it was stored once
            return self.end(saved, token), None
        if token.nonce != saved.expect:  # a retry, a second tab or an old page: store nothing
            key = None if token.nonce in saved.done else "msg_out_of_order"
            render = Render(session, saved.expect, notice_key=key, status=409 if key else 200)
            return render, None
        if action == "back":
            moved = Saved(session.back(), new_nonce(), (token.nonce,), saved.fillers)
            return Render(moved.session, moved.expect), _Change(moved)
        try:
            outcome = session.submit(fields, today=self.evaluation_date(today))
        except FormError:
            return ShowMessage(400, "msg_bad_request"), None
        if not isinstance(outcome, Accepted):
            # Same page, same nonce; keep its first render time, so its duration covers it all.
            render = Render(outcome.session, saved.expect, outcome.view, 422, None, token.issued_at)
            return render, None
        record = self._record(outcome.session, outcome.submission, token, arrived, today)
        spent, fillers = saved.fillers[:1], saved.fillers[1:]
        if outcome.session.is_finished:
            # The last page carries the check value of the response's withdrawal code; the code
            # stays in the finished state (sealed) until the end page asks to show it (issue 14).
            seed, check = self._draw_withdrawal(outcome.session.language, today)
            record = replace(record, withdrawal=check)
            page = StoredRecord(new_record_id(), seal_page(record.to_json(), self.recipients))
            ended = replace(outcome.session, answers={})  # the state keeps no answers at the end
            state = Saved(ended, new_nonce(), (token.nonce,), fillers, withdrawal=seed)
            return self.end(state, token), _Change(state, (page,), spent)
        page = StoredRecord(new_record_id(), seal_page(record.to_json(), self.recipients))
        moved = Saved(outcome.session, new_nonce(), (token.nonce,), fillers)
        return Render(moved.session, moved.expect), _Change(moved, (page,), spent)

    def current(self, token: Token, today: date | None = None) -> Step:
        """Where the session is now, as a retry sees it (after losing a compare-and-set);
        `today`: the POST's date (default: now)."""
        saved = self.load(token)
        if isinstance(saved, ShowMessage):
            return saved
        if saved.session.is_finished:
            return self.end(saved, token)
        return self.show(Render(saved.session, saved.expect), token, today)

    def end(self, saved: Saved, token: Token) -> ShowEnd:
        """The end page, with a token for its withdrawal-code button when the response has one."""
        instrument, language = saved.session.instrument, saved.session.language
        if saved.withdrawal is None:
            return ShowEnd(instrument, language)
        fresh = Token(token.session_id, token.session_key, saved.expect, int(self._clock()))
        return ShowEnd(instrument, language, encode_token(fresh, self._secret))

    def show_saved(self, saved: Saved, token: Token) -> ShowPage:
        """A stored state's current page, with what was typed on it before a pause (issue 14)."""
        return self.show(Render(saved.session, saved.expect, draft=saved.draft), token)

    def show(self, render: Render, token: Token, today: date | None = None) -> ShowPage:
        """The page, with a token carrying the state's nonce. Its time starts now, after any store:
        a wait for the store's write turn on a busy server is not the respondent's time. `today`:
        the date of the POST it answers (default: now's)."""
        issued_at = int(self._clock()) if render.issued_at is None else render.issued_at
        fresh = Token(token.session_id, token.session_key, render.nonce, issued_at)
        view = render.view or render.session.current_page(
            today=self.evaluation_date(today), draft=render.draft
        )
        text = encode_token(fresh, self._secret)
        return ShowPage(render.session, view, text, render.notice_key, render.status)

    def session_expiry(self, today: date | None = None) -> date:
        """A session's state lives one day past its page token, and at least as long as a resume
        code: every state, paused or not, gets the same date, so none stands out as paused."""
        token_days = math.ceil(self.settings.token_lifetime_s / 86400)
        today = self.today() if today is None else today
        return today + timedelta(days=max(token_days, self.settings.resume_days))

    def _submit(
        self, token: Token, change: _Change, replaces: bytes | None, today: date
    ) -> Future[bool]:
        return self.sessions.submit(
            token.session_name,
            token.session_key,
            change.state,
            self.session_expiry(today),
            replaces=replaces,
            add=change.add,
            drop=change.drop,
        )

    def _draw_withdrawal(self, language: str, today: date) -> tuple[WithdrawalSeed, str]:
        """A withdrawal code for a finishing response: what its state keeps (sealed) and the
        check value its last page carries. Issued on the survey's coarse date."""
        code = new_code(
            "withdrawal", self.evaluation_date(today), self.codes.check_key, language, self._rng
        )
        return WithdrawalSeed(code.secret, code.issued_on), code.withdrawal_check()

    def _record(
        self,
        session: Session,
        submission: PageSubmission,
        token: Token,
        arrived: float,
        today: date,
    ) -> PageRecord:
        seconds = max(0, int(arrived) - token.issued_at)
        step = self.settings.page_seconds_rounding
        rounded = min(
            self.settings.page_seconds_cap, round(seconds / step) * step if step else seconds
        )
        submitted_on = self.date_text(today)
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

    def today(self, now: float | None = None) -> date:
        """The (UTC) date of `now` (default: the clock's now)."""
        return datetime.fromtimestamp(self._clock() if now is None else now, tz=UTC).date()

    def date_text(self, today: date | None = None) -> str:
        """Today (or `today`) as sealed records carry it: "2026-11-29", or "2026-11" under month
        precision."""
        today = self.today() if today is None else today
        return today.isoformat() if self.settings.date_precision == "day" else f"{today:%Y-%m}"

    def evaluation_date(self, today: date | None = None) -> date:
        """The date today() gives the form's logic: the date stored with each page, as coarse
        as the survey's date precision (the 1st of the month for "month"), so no calculation
        or condition works with a finer date than the records hold (issue 13). `today`: the
        POST's date (default: now's)."""
        today = self.today() if today is None else today
        return today if self.settings.date_precision == "day" else today.replace(day=1)


def single(values: list[str]) -> str | None:
    """The one value of a form field, or None when it was sent zero or several times."""
    return values[0] if len(values) == 1 else None
