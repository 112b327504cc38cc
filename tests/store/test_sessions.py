"""Session steps: a session's next sealed state, the records it adds and the fillers it spends, as
one compare-and-set on the state it was read in (issue 12), on real SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from helpseek.store import (
    Recipients,
    ResearchKeypair,
    SessionUpdate,
    StoredRecord,
    new_record_id,
    open_store,
    seal_page,
)

from .records import DAY, LATER, sealed_record, stored_texts

FAR = date(2099, 1, 1)


def test_save__new_session__stores_state_and_records_together(
    store_url: str, research_key: ResearchKeypair
) -> None:
    fillers = [sealed_record(research_key, f"filler {n}") for n in range(3)]
    with open_store(store_url, today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s1", b"state-0", LATER), add=fillers)
        assert store.get_session("s1") == b"state-0"
        assert stored_texts(store, research_key) == ["filler 0", "filler 1", "filler 2"]


def test_save__new_session_with_a_taken_id__writes_nothing(
    store_url: str, research_key: ResearchKeypair
) -> None:
    with open_store(store_url, today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s1", b"state-0", LATER))
        taken = SessionUpdate("s1", b"other", LATER)
        assert not store.save(taken, add=[sealed_record(research_key, "page")])
        assert (store.get_session("s1"), store.count_records()) == (b"state-0", 0)


def test_save__from_the_state_read__moves_adds_the_page_and_spends_a_filler(
    store_url: str, research_key: ResearchKeypair
) -> None:
    fillers = [sealed_record(research_key, f"filler {n}") for n in range(2)]
    with open_store(store_url, today=lambda: DAY) as store:
        store.save(SessionUpdate("s1", b"state-0", LATER), add=fillers)
        # When the first page is accepted: its record replaces one of the response's fillers
        step = SessionUpdate("s1", b"state-1", LATER, replaces=b"state-0")
        page = sealed_record(research_key, "page 1")
        assert store.save(step, add=[page], drop=[fillers[0].record_id])
        # Then the state moved and the response still holds two records
        assert store.get_session("s1") == b"state-1"
        assert stored_texts(store, research_key) == ["filler 1", "page 1"]


def test_save__from_a_state_that_moved_on__writes_nothing(
    store_url: str, research_key: ResearchKeypair
) -> None:
    fillers = [sealed_record(research_key, f"filler {n}") for n in range(2)]
    with open_store(store_url, today=lambda: DAY) as store:
        store.save(SessionUpdate("s1", b"state-0", LATER), add=fillers)
        store.save(SessionUpdate("s1", b"state-1", LATER, replaces=b"state-0"))
        # When a second submission read in state 0 arrives after the first moved the session
        late = SessionUpdate("s1", b"state-1b", LATER, replaces=b"state-0")
        stored = store.save(
            late, add=[sealed_record(research_key, "page b")], drop=[fillers[0].record_id]
        )
        # Then it stores nothing, deletes nothing and leaves the state as the first left it
        assert not stored
        assert store.get_session("s1") == b"state-1"
        assert stored_texts(store, research_key) == ["filler 0", "filler 1"]


def test_save__session_gone__writes_nothing(store_url: str, research_key: ResearchKeypair) -> None:
    with open_store(store_url, today=lambda: DAY) as store:
        store.save(SessionUpdate("s1", b"state-0", LATER))
        store.delete_session("s1")  # e.g. purged after expiry
        step = SessionUpdate("s1", b"state-1", LATER, replaces=b"state-0")
        assert not store.save(step, add=[sealed_record(research_key, "page")])
        assert (store.get_session("s1"), store.count_records()) == (None, 0)


def test_save__plaintext_bytes__are_refused_by_type(store_url: str) -> None:
    with open_store(store_url) as store, pytest.raises(TypeError):
        store.save(SessionUpdate("s1", b"x", LATER), add=[StoredRecord(1, b"tokenalpha")])  # type: ignore[arg-type]


@pytest.mark.parametrize("threads", [2, 8])
def test_save__many_threads_from_one_state__exactly_one_moves_it(
    store_url: str, research_key: ResearchKeypair, threads: int
) -> None:
    # Given a session in state 0, and several submissions that all read it in state 0
    rounds = 10
    with open_store(store_url, today=lambda: DAY) as store:
        for number in range(rounds):
            session = f"s{number}"
            store.save(SessionUpdate(session, b"state-0", LATER))
            barrier = threading.Barrier(threads)
            won: list[int] = []

            def submit(index: int, session: str = session, barrier=barrier, won=won) -> None:  # type: ignore[no-untyped-def]
                step = SessionUpdate(session, f"state-1-{index}".encode(), LATER, b"state-0")
                page = sealed_record(research_key, f"{session} page from {index}")
                barrier.wait()
                if store.save(step, add=[page]):
                    won.append(index)

            workers = [threading.Thread(target=submit, args=(i,)) for i in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(30)
            # When they all try to move it at once, exactly one does: its page and its state
            assert len(won) == 1, won
            assert store.get_session(session) == f"state-1-{won[0]}".encode()
        texts = stored_texts(store, research_key)
    assert len(texts) == rounds
    assert len({t.split(" page")[0] for t in texts}) == rounds


def _submitter(url: str, public_key: str, worker: int, sessions: int) -> list[str]:
    """Another collector process: try to move every session from state 0; return those it won."""
    won = []
    recipients = Recipients((public_key,))
    with open_store(url) as store:
        for n in range(sessions):
            step = SessionUpdate(f"s{n}", f"state-1 by {worker}".encode(), FAR, b"state-0")
            page = StoredRecord(
                new_record_id(), seal_page(f"s{n} by {worker}".encode(), recipients)
            )
            if store.save(step, add=[page]):
                won.append(f"s{n}")
    return won


@pytest.mark.slow
def test_save__several_collector_processes__each_session_moved_and_its_page_stored_once(
    store_url: str, research_key: ResearchKeypair
) -> None:
    # Given 40 sessions in state 0, and three collector processes that each try to move them all
    import multiprocessing

    with open_store(store_url) as store:
        for n in range(40):
            store.save(SessionUpdate(f"s{n}", b"state-0", FAR))
    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        won = pool.starmap(
            _submitter, [(store_url, research_key.public_key, w, 40) for w in range(3)]
        )
    # Then every session was moved by exactly one process, which stored its page alone
    assert sorted(s for w in won for s in w) == sorted(f"s{n}" for n in range(40))
    with open_store(store_url) as store:
        texts = stored_texts(store, research_key)
        states = {f"s{n}": store.get_session(f"s{n}") for n in range(40)}
    winner = {s: w for w, sessions in enumerate(won) for s in sessions}
    assert texts == sorted(f"{s} by {w}" for s, w in winner.items())
    assert states == {s: f"state-1 by {w}".encode() for s, w in winner.items()}


def test_sessions__past_expiry__are_not_returned_and_are_purged(store_url: str) -> None:
    today = [DAY]
    with open_store(store_url, today=lambda: today[0]) as store:
        store.save(SessionUpdate("old", b"state", DAY))
        assert store.get_session("old") == b"state"  # valid through its expiry day
        # When the next day comes
        today[0] = LATER
        assert store.get_session("old") is None
        store.save(SessionUpdate("new", b"state", date(2026, 12, 1)))
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT session_id FROM session_states")).scalars().all()
    engine.dispose()
    # Then writing a new session purged the expired one
    assert ids == ["new"]
