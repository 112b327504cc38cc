"""Sessions as the store keeps them: each state sealed with the key only the respondent's token (or
resume code) carries, every change one compare-and-set on the sealed state it was read in.

The envelope inside the seal holds the collect Session, the nonce the next POST must carry, the
nonces already used, the ids of the response's unspent fillers (issue 12), and for a finished
response its withdrawal code (issue 14). A paused page's typed values are in its resume row.

Each process keeps the sealed state it last stored for the sessions it moved lately
(`RecentStates`): a respondent's next POST, which keep-alive brings to the same process, need not
read back what this process just wrote (issue 16).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import date

import orjson

from helpseek.collect import Session, SessionStateError
from helpseek.instrument.model import Instrument
from helpseek.store import SessionStateError as SealedStateError
from helpseek.store import (
    SessionUpdate,
    Store,
    StoredRecord,
    open_session_state,
    seal_session_state,
)
from helpseek.web.steps import ShowMessage


@dataclass(frozen=True)
class WithdrawalSeed:
    """A finished response's withdrawal code, kept (sealed) until the respondent asks to see it:
    its secret and issue date; its check value is in the response's last sealed page."""

    secret: int
    issued_on: date

    def __repr__(self) -> str:
        return f"WithdrawalSeed(issued_on={self.issued_on.isoformat()})"


@dataclass(frozen=True)
class Saved:
    """A session's state as stored (sealed), and the sealed blob it was read from.

        `expect` is the nonce the next POST must carry; every page rendered from this state carries
        it. `done` holds the nonce that moved the session here: a POST carrying it again (a double
        click, a retry after a lost reply, a second tab) shows this state and stores nothing; any other
        old nonce gets 409. `fillers` are the ids of this response's filler records that no page has
        replaced yet. `draft` is what the page held when the respondent paused, shown on resume (it is
    kept in the resume row, never in the session's state);
        `withdrawal` the finished response's withdrawal code. `blob` is None for a session not stored
        yet. `recent`: opened from this process's own last write (`RecentStates`), not read from
        the store; it may be stale, so only a compare-and-set (which refuses a stale `blob`) may act
        on it.
    """

    session: Session
    expect: bytes
    done: tuple[bytes, ...] = ()
    fillers: tuple[int, ...] = ()
    blob: bytes | None = None
    draft: Mapping[str, tuple[str, ...]] | None = None
    withdrawal: WithdrawalSeed | None = None
    recent: bool = False


#: How many sessions' states a process keeps (`RecentStates`): ~4 KiB each, so a few MiB.
RECENT_STATES = 2048


class RecentStates:
    """The sealed state this process last stored for each of the sessions it moved lately, with
    its expiry date: session name -> blob, the least recently used dropped past `size`.

    Sealed blobs only, exactly as the store holds them; never a key, never anything opened. An
    entry may be stale (another process or tab moved the session since; the state expired and was
    purged): `Sessions.load(recent=True)` callers act on it only through a compare-and-set, which
    refuses a stale blob. The counts say how often a POST found its session here (`hits`), did not
    (`misses`), or found it but read the store all the same, having no change to compare-and-set
    (`rereads`).
    """

    def __init__(self, size: int = RECENT_STATES) -> None:
        self._states: OrderedDict[str, tuple[bytes, date]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.hits = self.misses = self.rereads = 0

    def get(self, session_name: str, today: date) -> bytes | None:
        """The state this process last stored for the session, unless it has expired."""
        with self._lock:
            held = self._states.get(session_name)
            if held is None or held[1] < today:
                self.misses += 1
                return None
            self._states.move_to_end(session_name)
            self.hits += 1
            return held[0]

    def put(self, session_name: str, blob: bytes, expires_on: date) -> None:
        with self._lock:
            self._states[session_name] = (blob, expires_on)
            self._states.move_to_end(session_name)
            if len(self._states) > self._size:
                self._states.popitem(last=False)

    def drop(self, session_name: str) -> None:
        with self._lock:
            self._states.pop(session_name, None)

    def reread(self) -> None:
        """Count a POST that found its session here and read the store all the same."""
        with self._lock:
            self.rereads += 1

    def summary(self) -> str:
        """One line for the log at shutdown: counts only.

        >>> RecentStates().summary()
        'session states held: 0 pages read none back, 0 read one, 0 read one all the same'
        """
        return (
            f"session states held: {self.hits - self.rereads} pages read none back, "
            f"{self.misses} read one, {self.rereads} read one all the same"
        )


class Sessions:
    """Sealed session states in `store`, for the questionnaires `by_form` knows."""

    def __init__(self, store: Store, by_form: Mapping[tuple[str, str], Instrument]) -> None:
        self.store = store
        self._by_form = dict(by_form)
        self.recent = RecentStates()

    def load(
        self, session_name: str, key: bytes, *, recent: bool = False, today: date | None = None
    ) -> Saved | ShowMessage:
        """The session's state opened with `key`: 410 when it is gone, 403 when it does not open.

        `recent`: the state this process last stored, when it holds one (`Saved.recent`; it may
        be stale), else the store's. `today`: the POST's date, to tell an expired one (default:
        the store's today)."""
        if recent:
            blob = self.recent.get(session_name, self.store.today() if today is None else today)
            if blob is not None:
                saved = self._open(key, blob)
                if isinstance(saved, Saved):
                    return replace(saved, recent=True)
                self.recent.drop(session_name)  # cannot happen; the store's state decides
        blob = self.store.get_session(session_name)
        if blob is None:
            return ShowMessage(410, "msg_expired")
        return self._open(key, blob)

    def _open(self, key: bytes, blob: bytes) -> Saved | ShowMessage:
        try:
            envelope = orjson.loads(open_session_state(key, blob))
            data = envelope["session"]
            if isinstance(data, str):  # sealed before the session was an object of the envelope
                data = orjson.loads(data)
            instrument = self._by_form.get((data["form_id"], data["form_version"]))
            if instrument is None:
                return ShowMessage(410, "msg_expired")
            return _from_envelope(envelope, Session.from_data(data, instrument), blob)
        except (SealedStateError, SessionStateError, ValueError, KeyError, TypeError):
            return ShowMessage(403, "msg_invalid_token")

    def submit(
        self,
        session_name: str,
        key: bytes,
        state: Saved,
        expires_on: date,
        *,
        replaces: bytes | None,
        add: Sequence[StoredRecord] = (),
        drop: Sequence[int] = (),
    ) -> Future[bool]:
        """Seal `state` with `key` and hand it to the store in place of `replaces` (compare-and-set),
        with the records to add and drop, all or nothing: the future says whether the session
        moved, once the change is durable (Store.submit)."""
        # orjson: the bytes json.dumps(..., ensure_ascii=False, separators=(",", ":")) gives in
        # UTF-8, but for floats in [1e-9, 1e-4), written 0.00001 or 4e-9 for
        # 1e-05 or 4e-09 (the same numbers); a quarter of its CPU (issue 16).
        blob = seal_session_state(key, orjson.dumps(_to_envelope(state)))
        update = SessionUpdate(session_name, blob, expires_on, replaces)
        stored = self.store.submit(update, add, drop)
        finished = state.session.is_finished

        def remember(outcome: Future[bool]) -> None:
            """Hold the state once stored; drop what is held on any other outcome, and at the end
            (a finished session's POSTs move nothing: they read the store)."""
            moved = not outcome.cancelled() and outcome.exception() is None and outcome.result()
            if moved and not finished:
                self.recent.put(session_name, blob, expires_on)
            else:
                self.recent.drop(session_name)

        stored.add_done_callback(remember)
        return stored


def _to_envelope(state: Saved) -> dict[str, object]:
    envelope: dict[str, object] = {
        "session": state.session.to_data(),  # an object, not its JSON text inside this JSON
        "expect": state.expect.hex(),
        "done": [n.hex() for n in state.done],
        "fillers": list(state.fillers),
    }
    if state.withdrawal is not None:
        envelope["withdrawal"] = {
            "secret": f"{state.withdrawal.secret:x}",
            "issued_on": state.withdrawal.issued_on.isoformat(),
        }
    return envelope


def _from_envelope(envelope: dict[str, object], session: Session, blob: bytes) -> Saved:
    done = tuple(bytes.fromhex(n) for n in envelope["done"])  # type: ignore[attr-defined]
    fillers = tuple(int(f) for f in envelope.get("fillers", ()))  # type: ignore[attr-defined]
    seed = envelope.get("withdrawal")
    withdrawal = None
    if isinstance(seed, dict):
        withdrawal = WithdrawalSeed(int(seed["secret"], 16), date.fromisoformat(seed["issued_on"]))
    expect = bytes.fromhex(str(envelope["expect"]))
    return Saved(session, expect, done, fillers, blob, None, withdrawal)
