"""The running survey: glue between a submitted form, the collect state machine and the sealed store.

Each accepted page is sealed (PageRecord -> seal_page) and stored BEFORE the reply is built, so an
acknowledged page is durable. In-progress state is sealed with the key that only the token carries.
Every change of a session is one compare-and-set on the state it was read in (issue 12): of two
submissions of one page (a double click, two tabs) exactly one moves the session and stores its
page; the other stores nothing and shows where the winner left the respondent.
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
    FILLER_JSON,
    PageRecord,
    Recipients,
    SessionUpdate,
    Store,
    StoredRecord,
    new_record_id,
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
    new_nonce,
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
class _Saved:
    """A session's state as stored (sealed), and the sealed blob it was read from.

    `expect` is the nonce the next POST must carry; every page rendered from this state carries
    it. `done` holds the nonce that moved the session here: a POST carrying it again (a double
    click, a retry after a lost reply, a second tab) shows this state and stores nothing; any other
    old nonce gets 409. `fillers` are the ids of this response's filler records that no page has
    replaced yet. `blob` is None for a session not stored yet.
    """

    session: Session
    expect: bytes
    done: tuple[bytes, ...] = ()
    fillers: tuple[int, ...] = ()
    blob: bytes | None = None


@dataclass(frozen=True)
class _Render:
    """A question page to show once any change is stored: `nonce` is the one it carries."""

    session: Session
    nonce: bytes
    view: PageView | None = None
    status: int = 200
    notice_key: str | None = None
    issued_at: int | None = None  # keep the first render's time (a 422 re-render)


@dataclass(frozen=True)
class _Change:
    """The session's next state, and the records to store and delete with it, all or nothing."""

    state: _Saved
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
        self._by_form = {(i.form_id, i.version): i for i in instruments.values()}
        self._secret = secret
        self._clock = clock
        self._rng = rng
        #: Sealed records every response holds from its start: one per page of the longest
        #: questionnaire served. Each accepted page replaces one filler, so the store shows the
        #: same count for every response, whatever its path and wherever it stopped (issue 12).
        self.records_per_response = max(len(i.pages) for i in self.instruments.values())

    def start(self, instrument_name: str, language: str) -> Step:
        """A new response after the consent button: its first page (or the end if none is shown)."""
        instrument = self.instruments.get(instrument_name)
        if instrument is None:
            return ShowMessage(404, "msg_not_found")
        session = Session.start(instrument, language, self._rng, today=self._evaluation_date())
        if session.is_finished:
            return ShowEnd(instrument, session.language)
        token = Token(self._rng.getrandbits(128).to_bytes(16, "big"), new_session_key(), b"", 0)
        fillers = tuple(
            StoredRecord(new_record_id(), seal_page(FILLER_JSON, self.recipients))
            for _ in range(self.records_per_response)
        )
        state = _Saved(session, new_nonce(), fillers=tuple(f.record_id for f in fillers))
        if not self._commit(token, _Change(state, add=fillers), replaces=None):
            return ShowMessage(500, "msg_server_error")  # a 128-bit session id was taken
        return self._show(_Render(session, state.expect), token)

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
        outcome, change = self._step(saved, token, action, fields, arrived)
        if change is not None and not self._commit(token, change, replaces=saved.blob):
            # Another submission of this page moved the session first: store nothing, and
            # show where it left the respondent (what its own reply shows too).
            return self._current(token)
        return self._show(outcome, token) if isinstance(outcome, _Render) else outcome

    def _step(
        self,
        saved: _Saved,
        token: Token,
        action: str | None,
        fields: dict[str, list[str]],
        arrived: float,
    ) -> tuple[_Render | Step, _Change | None]:
        """What this POST leads to, and the change of the session to commit first (if any)."""
        session = saved.session
        if session.is_finished:  # e.g. the last page sent twice: it was stored once
            return ShowEnd(session.instrument, session.language), None
        if token.nonce != saved.expect:  # a retry, a second tab or an old page: store nothing
            key = None if token.nonce in saved.done else "msg_out_of_order"
            return _Render(session, saved.expect, notice_key=key, status=409 if key else 200), None
        if action == "back":
            moved = _Saved(session.back(), new_nonce(), (token.nonce,), saved.fillers)
            return _Render(moved.session, moved.expect), _Change(moved)
        try:
            outcome = session.submit(fields, today=self._evaluation_date())
        except FormError:
            return ShowMessage(400, "msg_bad_request"), None
        if not isinstance(outcome, Accepted):
            # Same page, same nonce; keep its first render time, so its duration covers it all.
            render = _Render(
                outcome.session, saved.expect, outcome.view, 422, None, token.issued_at
            )
            return render, None
        record = self._record(outcome.session, outcome.submission, token, arrived)
        page = StoredRecord(new_record_id(), seal_page(record.to_json(), self.recipients))
        spent, fillers = saved.fillers[:1], saved.fillers[1:]
        if outcome.session.is_finished:
            ended = replace(outcome.session, answers={})  # the state keeps no answers at the end
            change = _Change(_Saved(ended, new_nonce(), (token.nonce,), fillers), (page,), spent)
            return ShowEnd(ended.instrument, ended.language), change
        moved = _Saved(outcome.session, new_nonce(), (token.nonce,), fillers)
        return _Render(moved.session, moved.expect), _Change(moved, (page,), spent)

    def _current(self, token: Token) -> Step:
        """Where the session is now, as a retry sees it (after losing a compare-and-set)."""
        saved = self._load(token)
        if isinstance(saved, ShowMessage):
            return saved
        if saved.session.is_finished:
            return ShowEnd(saved.session.instrument, saved.session.language)
        return self._show(_Render(saved.session, saved.expect), token)

    def _show(self, render: _Render, token: Token) -> ShowPage:
        """The page, with a token carrying the state's nonce. Its time starts now, after any store:
        a wait for the store's write turn on a busy server is not the respondent's time."""
        issued_at = int(self._clock()) if render.issued_at is None else render.issued_at
        fresh = Token(token.session_id, token.session_key, render.nonce, issued_at)
        view = render.view or render.session.current_page(today=self._evaluation_date())
        text = encode_token(fresh, self._secret)
        return ShowPage(render.session, view, text, render.notice_key, render.status)

    def _commit(self, token: Token, change: _Change, replaces: bytes | None) -> bool:
        state = change.state
        envelope = {
            "session": state.session.to_json().decode("utf-8"),
            "expect": state.expect.hex(),
            "done": [n.hex() for n in state.done],
            "fillers": list(state.fillers),
        }
        blob = seal_session_state(token.session_key, json.dumps(envelope).encode("utf-8"))
        expires = self._today() + timedelta(days=math.ceil(self.settings.token_lifetime_s / 86400))
        update = SessionUpdate(token.session_name, blob, expires, replaces)
        return self.store.save(update, change.add, change.drop)

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
            fillers = tuple(int(f) for f in envelope.get("fillers", ()))
            return _Saved(session, bytes.fromhex(envelope["expect"]), done, fillers, blob)
        except (SealedStateError, SessionStateError, ValueError, KeyError, TypeError):
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
