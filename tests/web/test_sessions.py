"""The sealed session envelope (web/sessions.py) through a real SQLite store: what one POST seals
is what the next one opens, the session sits in the envelope as an object (one JSON text, not a
JSON text inside another, issue 16), and states sealed in the earlier form still open."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from helpseek.collect import Accepted, Session
from helpseek.instrument import load_instrument
from helpseek.store import (
    SessionUpdate,
    new_session_key,
    open_session_state,
    open_store,
    seal_session_state,
)
from helpseek.web.sessions import Saved, Sessions, WithdrawalSeed, _to_envelope
from helpseek.web.steps import ShowMessage


@pytest.fixture()
def sessions(tmp_path: Path):
    store = open_store(f"sqlite:///{tmp_path / 'sessions.db'}")
    instrument = load_instrument("help_us_help_you")
    yield Sessions(store, {(instrument.form_id, instrument.version): instrument}), instrument
    store.close()


def _answered(instrument) -> Session:
    """A session two pages in, with answers of several types and non-ASCII text."""
    session = Session.start(instrument, "es", random.Random(3))
    for _ in range(2):
        outcome = session.submit({})
        if isinstance(outcome, Accepted):
            session = outcome.session
    return Session(
        instrument,
        session.response_id,
        session.language,
        session.seed,
        {**session.answers, "note_text": "¿qué? \u202e ünïcödé", "n": 3, "many": ["a", "b"]},
        session.history,
        session.page_id,
        session.seq,
    )


def test_sessions__sealed_state__opens_as_the_state_sealed(sessions) -> None:
    store_sessions, instrument = sessions
    key = new_session_key()
    session = _answered(instrument)
    state = Saved(
        session,
        b"\x01" * 16,
        (b"\x02" * 16, b"\x03" * 16),
        (7, 8, 9),
        withdrawal=WithdrawalSeed(0xABCDEF, date(2026, 12, 3)),
    )
    assert store_sessions.submit("ab" * 16, key, state, date(2027, 1, 1), replaces=None).result()

    blob = store_sessions.store.get_session("ab" * 16)
    loaded = store_sessions.load("ab" * 16, key)

    expected = Saved(session, state.expect, state.done, state.fillers, blob, None, state.withdrawal)
    assert loaded == expected
    assert loaded.session.answers == session.answers
    # One JSON text: the session is an object in the envelope, not JSON text inside it.
    envelope = json.loads(open_session_state(key, blob))
    assert envelope["session"] == session.to_data()


def test_sessions__state_sealed_with_session_as_text__still_opens(sessions) -> None:
    """States sealed before the change (the session as JSON text inside the envelope) are read:
    respondents in the middle of a response when the server is upgraded keep going."""
    store_sessions, instrument = sessions
    key = new_session_key()
    session = _answered(instrument)
    old = _to_envelope(Saved(session, b"\x04" * 16, (b"\x05" * 16,), (1, 2)))
    old["session"] = json.dumps(session.to_data(), ensure_ascii=False, separators=(",", ":"))
    blob = seal_session_state(key, json.dumps(old).encode("utf-8"))
    update = SessionUpdate("cd" * 16, blob, date(2027, 1, 1), None)
    assert store_sessions.store.submit(update).result()

    loaded = store_sessions.load("cd" * 16, key)

    assert loaded == Saved(session, b"\x04" * 16, (b"\x05" * 16,), (1, 2), blob)


@pytest.mark.parametrize("inner", [[1, 2], "not json", {"schema": "other"}, 7])
def test_sessions__envelope_without_a_session__is_refused_calmly(sessions, inner) -> None:
    store_sessions, _ = sessions
    key = new_session_key()
    envelope = {"session": inner, "expect": "00" * 16, "done": [], "fillers": []}
    blob = seal_session_state(key, json.dumps(envelope).encode("utf-8"))
    update = SessionUpdate("ef" * 16, blob, date(2027, 1, 1), None)
    assert store_sessions.store.submit(update).result()

    assert store_sessions.load("ef" * 16, key) == ShowMessage(403, "msg_invalid_token")


def _sealed_by_json(state: Saved) -> bytes:
    """The envelope's bytes as main wrote them before orjson (cdf08d7), sealing aside."""
    envelope = _to_envelope(state)
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _with_decimals(instrument) -> Session:
    session = _answered(instrument)
    answers = {**session.answers, "dose": 0.00001, "weight": 72.5}
    return Session(
        instrument, session.response_id, session.language, session.seed, answers,
        session.history, session.page_id, session.seq,
    )  # fmt: skip


def test_sessions__state_sealed_by_the_json_of_before__opens(sessions) -> None:
    """A state main sealed (json.dumps) before an upgrade opens with orjson's reader (#16)."""
    store_sessions, instrument = sessions
    key = new_session_key()
    state = Saved(_with_decimals(instrument), b"\x06" * 16, (b"\x07" * 16,), (4, 5))
    blob = seal_session_state(key, _sealed_by_json(state))
    update = SessionUpdate("aa" * 16, blob, date(2027, 1, 1), None)
    assert store_sessions.store.submit(update).result()

    loaded = store_sessions.load("aa" * 16, key)

    assert loaded == replace(state, blob=blob)
    assert loaded.session.answers == state.session.answers


def test_sessions__state_sealed_now__is_the_json_of_before_in_the_same_order(sessions) -> None:
    """What orjson seals is what json.dumps sealed (same bytes: key order, UTF-8 text), read
    back alike by json.loads; only a float under 1e-4 has another notation (0.00001 for 1e-05),
    the same number (#16)."""
    store_sessions, instrument = sessions
    key = new_session_key()
    plain = Saved(_answered(instrument), b"\x08" * 16, (b"\x09" * 16,), (6,))
    decimal = Saved(_with_decimals(instrument), b"\x0a" * 16, (), (7,))
    for name, state in (("bb" * 16, plain), ("cc" * 16, decimal)):
        assert store_sessions.submit(name, key, state, date(2027, 1, 1), replaces=None).result()
    opened = {
        name: open_session_state(key, store_sessions.store.get_session(name))
        for name in ("bb" * 16, "cc" * 16)
    }

    assert opened["bb" * 16] == _sealed_by_json(plain)
    assert json.loads(opened["cc" * 16]) == json.loads(_sealed_by_json(decimal))
    assert list(json.loads(opened["cc" * 16])["session"]) == list(decimal.session.to_data())
    assert b'"dose":0.00001' in opened["cc" * 16]
