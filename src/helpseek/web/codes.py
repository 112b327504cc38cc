"""Continue later and withdraw: the glue between the code pages, `helpseek.codes` and the store
(issue 14; the design is docs/decisions/0005-respondent-codes.md).

A resume code is shown once and never stored: the store keeps only what argon2id derives from it
(a lookup, and a key sealing the paused session's id and key). A withdrawal code's check value is
in the response's last sealed page; withdrawing stores a sealed tombstone carrying it, and the
code's argon2id lookup, so that it is not used twice. Nothing the server keeps links either code
to a response's records without the research private key.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import random
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from helpseek.codes import Code, CodeKind, code_parts, new_code, read_code, uses_words
from helpseek.collect import FormError
from helpseek.instrument.model import Instrument
from helpseek.store import (
    ResumeRow,
    SessionStateError,
    StoredRecord,
    Tombstone,
    derive_code_keys,
    new_record_id,
    open_session_state,
    seal_page,
    seal_session_state,
)
from helpseek.web.code_budget import SharedBudget, budget_path
from helpseek.web.sessions import Saved
from helpseek.web.steps import (
    ShowCode,
    ShowCodeEntry,
    ShowMessage,
    ShowWithdrawConfirm,
    ShowWithdrawn,
    Step,
)
from helpseek.web.tokens import (
    Confirmation,
    Token,
    TokenError,
    TokenExpiredError,
    decode_confirmation,
    encode_confirmation,
)

if TYPE_CHECKING:
    from helpseek.web.survey import Survey

#: How long after it stopped working a code is still recognised, so that the respondent reads
#: "expired" rather than "not right" (the check tries every date in between: ~1 ms).
RECOGNISED_DAYS = 366


class CodeDesk:
    """Pause, resume, show a withdrawal code, withdraw: one method per step, each returning what
    to show. Built by `Survey`, whose sessions, store and clock it uses."""

    def __init__(self, survey: Survey, secret: bytes, rng: random.Random) -> None:
        self.survey = survey
        self._secret = secret
        self._rng = rng
        #: Keys for the codes' 22-bit check and argon2id's salt, derived from the server secret:
        #: a copy of the database without the secret file gives nothing to test a guess against.
        self.check_key = _derive(secret, b"helpseek/code-check/1")
        self._salt = _derive(secret, b"helpseek/code-kdf-salt/1")[:16]
        #: Typed codes that pass their check (each costs an argon2id derivation), per minute over
        #: every worker of this server: a file next to the server secret.
        settings = survey.settings
        self.budget = SharedBudget(
            budget_path(settings.secret_key_file), settings.code_attempts_per_minute, survey.now
        )

    def pause(self, saved: Saved, token: Token, fields: dict[str, list[str]]) -> Step:
        """ "Continue later" on a questionnaire page: store the resume row, sealed with the code's
        key, holding the session's id and key, the nonce it was paused at and what the page held;
        show the code once. The session's own row is not written (every session state already
        lives as long as a code), so nothing in the database says which session was paused."""
        survey, session = self.survey, saved.session
        try:
            draft = session.keep_draft(fields)
        except FormError:
            return ShowMessage(400, "msg_bad_request")
        today = survey.today()
        code = new_code("resume", today, self.check_key, session.language, self._rng)
        keys = derive_code_keys(code.kdf_input(), self._salt)
        until = today + timedelta(days=survey.settings.resume_days)
        pointer = {
            "session": token.session_id.hex(),
            "key": token.session_key.hex(),
            "paused": saved.expect.hex(),
            "draft": {name: list(values) for name, values in draft.items()},
        }
        survey.store.insert_resume(ResumeRow(keys.lookup, _seal(keys.key, pointer), until))
        return self._show(code, until, session.instrument, session.language)

    def resume(self, text: str) -> Step:
        """A code typed on the start page: the paused page again, with its answers and draft."""
        survey, today = self.survey, self.survey.today()
        days = survey.settings.resume_days
        code = read_code(text, self.check_key, today, today - timedelta(days + RECOGNISED_DAYS))
        refused = _refusal(
            "resume", code, today, None if code is None else code.issued_on + timedelta(days)
        )
        if refused is not None or code is None:
            return refused or ShowCodeEntry("resume", "code_wrong", 422)
        if not self.budget.take():
            return ShowCodeEntry("resume", "code_too_many", 429)
        keys = derive_code_keys(code.kdf_input(), self._salt)
        for _ in range(2):  # again after losing the race to mark it used (a double click)
            blob = survey.store.get_resume(keys.lookup)
            pointer = _open(keys.key, blob)
            if pointer is None:
                return ShowCodeEntry("resume", "code_used", 410)
            token = Token(bytes.fromhex(pointer["session"]), bytes.fromhex(pointer["key"]), b"", 0)
            saved = survey.load(token)
            if isinstance(saved, ShowMessage) or saved.session.is_finished:
                return ShowCodeEntry("resume", "code_used", 410)
            if pointer.get("paused") == saved.expect.hex():  # nothing was sent since the pause
                saved = replace(saved, draft=_draft(pointer.get("draft")))
            if "used" in pointer:
                # Used once: the same page again only while nothing was sent since (a double
                # click, a lost reply); after that the code is spent.
                if pointer["used"] != saved.expect.hex():
                    return ShowCodeEntry("resume", "code_used", 409)
                return survey.show_saved(saved, token)
            used = ResumeRow(
                keys.lookup, _seal(keys.key, {**pointer, "used": saved.expect.hex()}), today
            )
            if blob is not None and survey.store.swap_resume(blob, used):
                return survey.show_saved(saved, token)
        return ShowCodeEntry("resume", "code_used", 409)

    def withdrawal_code(self, token_text: str) -> Step:
        """The end page's button: show the finished response's withdrawal code (writes nothing)."""
        token = self.survey.read_token(token_text)
        if isinstance(token, ShowMessage):
            return token
        saved = self.survey.load(token)
        if isinstance(saved, ShowMessage):
            return saved
        seed = saved.withdrawal
        if not saved.session.is_finished or seed is None:
            return ShowMessage(400, "msg_bad_request")
        code = Code("withdrawal", seed.secret, seed.issued_on)
        session = saved.session
        return self._show(
            code, self.withdrawal_until(seed.issued_on), session.instrument, session.language
        )

    def check_withdrawal(self, text: str) -> Step:
        """A withdrawal code typed on the withdraw page: ask for confirmation (stores nothing)."""
        survey, today = self.survey, self.survey.today()
        oldest = today - timedelta(survey.settings.withdrawal_days + 31 + RECOGNISED_DAYS)
        code = read_code(text, self.check_key, today, oldest)
        until = None if code is None else self.withdrawal_until(code.issued_on)
        refused = _refusal("withdrawal", code, today, until)
        if refused is not None or code is None or until is None:
            return refused or ShowCodeEntry("withdrawal", "code_wrong", 422)
        if not self.budget.take():
            return ShowCodeEntry("withdrawal", "code_too_many", 429)
        keys = derive_code_keys(code.kdf_input(), self._salt)
        if survey.store.is_withdrawn(keys.lookup):
            return ShowWithdrawn(already=True)
        check = bytes.fromhex(code.withdrawal_check())
        confirmation = Confirmation(keys.lookup, check, int(survey.now()))
        return ShowWithdrawConfirm(encode_confirmation(confirmation, self._secret))

    def withdraw(self, confirm_text: str) -> Step:
        """ "Yes, withdraw my answers": a sealed tombstone and the spent code, in one transaction."""
        survey = self.survey
        try:
            confirmation = decode_confirmation(
                confirm_text, self._secret, int(survey.now()), survey.settings.token_lifetime_s
            )
        except TokenExpiredError:
            return ShowMessage(410, "msg_expired")
        except TokenError:
            return ShowMessage(403, "msg_invalid_token")
        tombstone = Tombstone(confirmation.check.hex(), survey.date_text())
        record = StoredRecord(new_record_id(), seal_page(tombstone.to_json(), survey.recipients))
        # The spent code is kept as long as a code issued today would work: never shorter than
        # the code's own life, and, unlike that, not telling the day the response ended.
        keep_until = self.withdrawal_until(survey.today())
        stored = survey.store.withdraw(confirmation.lookup, record, keep_until)
        return ShowWithdrawn(already=not stored)

    def withdrawal_until(self, issued_on: date) -> date:
        """The last day a withdrawal code works: `withdrawal_days` after the response ended (under
        month precision the issue date is the 1st, so the days count from the month's end)."""
        if self.survey.settings.date_precision == "month":
            last_day = calendar.monthrange(issued_on.year, issued_on.month)[1]
            issued_on = issued_on.replace(day=last_day)
        return issued_on + timedelta(days=self.survey.settings.withdrawal_days)

    def _show(self, code: Code, until: date, instrument: Instrument, language: str) -> ShowCode:
        parts = code_parts(code, self.check_key, language)
        return ShowCode(code.kind, parts, uses_words(language), until, instrument, language)


def _refusal(
    kind: CodeKind, code: Code | None, today: date, until: date | None
) -> ShowCodeEntry | None:
    """Why a typed code is refused before any costly work, or None when it may be used."""
    if code is None:
        return ShowCodeEntry(kind, "code_wrong", 422)
    if code.kind != kind:
        return ShowCodeEntry(kind, "code_other_kind", 422)
    if until is not None and until < today:
        return ShowCodeEntry(kind, "code_expired", 410)
    return None


def _seal(key: bytes, pointer: dict[str, Any]) -> bytes:
    """A resume row's content, padded like a session state (4 KiB at least): its size does not
    tell how much the paused page held."""
    return seal_session_state(key, json.dumps(pointer).encode())


def _draft(raw: object) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(raw, dict):
        return None
    return {str(k): tuple(str(v) for v in values) for k, values in raw.items()}


def _open(key: bytes, blob: bytes | None) -> dict[str, Any] | None:
    if blob is None:
        return None
    try:
        pointer = json.loads(open_session_state(key, blob))
    except (SessionStateError, ValueError):
        return None
    return pointer if isinstance(pointer, dict) and {"session", "key"} <= set(pointer) else None


def _derive(secret: bytes, label: bytes) -> bytes:
    return hmac.new(secret, label, hashlib.sha256).digest()
