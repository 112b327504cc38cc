"""unseal_all: every sealed record of a real store opened with the research identity; fillers and
withdrawn responses dropped."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from helpseek.data import unseal, unseal_all, unseal_store
from helpseek.data.unseal import decrypting_processes, open_in_order
from helpseek.problems import InputError, Problem, catalogue
from helpseek.store import (
    FILLER_JSON,
    PageRecord,
    Recipients,
    ResearchKeypair,
    SealedRecord,
    Store,
    StoredRecord,
    Tombstone,
    generate_research_keypair,
    new_record_id,
    open_store,
    seal_page,
)


@pytest.fixture(scope="module")
def key() -> ResearchKeypair:
    return generate_research_keypair()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'responses.db'}")


def record(n: int) -> PageRecord:
    return PageRecord(
        "r1", "study", "1", "en", f"p{n}", n, {"why": f"tokenalpha{n}"}, ("why",), "2026-11-29", 10
    )


def _put(store: Store, key: ResearchKeypair, plaintext: bytes) -> int:
    """Store one record sealed to `key`; returns its id."""
    record = StoredRecord(new_record_id(), seal_page(plaintext, Recipients((key.public_key,))))
    store.append([record])
    return record.record_id


def test_unseal_all__pages_and_fillers__only_pages_come_back_with_progress_over_all(
    store: Store, key: ResearchKeypair
) -> None:
    # Given three pages of one response and the two fillers it still holds
    for n in (1, 2, 3):
        _put(store, key, record(n).to_json())
    for _ in range(2):
        _put(store, key, FILLER_JSON)
    seen: list[tuple[int, int]] = []
    # When the store is unsealed
    records = unseal_all(
        store, key.identity, progress=lambda done, total: seen.append((done, total))
    )
    # Then the pages come back, the fillers do not, and progress counted every record
    assert sorted(records, key=lambda r: r.seq) == [record(1), record(2), record(3)]
    assert seen == [(n, 5) for n in range(1, 6)]


def test_unseal_all__record_sealed_to_another_key__listed_as_problem_by_id(
    store: Store, key: ResearchKeypair
) -> None:
    other = generate_research_keypair()
    _put(store, key, record(1).to_json())
    foreign = _put(store, other, record(2).to_json())
    garbage = _put(store, key, b"not json")
    with pytest.raises(InputError) as caught:
        unseal_all(store, key.identity)
    message = catalogue["STORE-004"].format
    assert sorted(p.message for p in caught.value.problems) == sorted(
        [
            message(record=foreign, reason="no matching key"),
            message(record=garbage, reason="it is not a helpseek page record (JSONDecodeError)"),
        ]
    )


def test_unseal_all__skip_unreadable__warns_and_returns_the_rest(
    store: Store, key: ResearchKeypair
) -> None:
    other = generate_research_keypair()
    _put(store, other, record(1).to_json())
    _put(store, key, record(2).to_json())
    warnings: list[Problem] = []
    assert unseal_all(store, key.identity, on_unreadable=warnings.append) == [record(2)]
    assert [(w.code, w.severity) for w in warnings] == [("STORE-004", "warning")]


# --- decryption spread over worker processes (issue 16) ---------------------------------------


class _KillsItsWorker:
    """Unpickled in a worker, it ends that process at once, as the kernel's OOM killer would."""

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return os._exit, (9,)


def test_open_in_order__two_processes__same_plaintexts_and_failures_in_the_same_places(
    key: ResearchKeypair,
) -> None:
    # Given 1,200 records (3 chunks), every 97th sealed to another key and one altered
    other = generate_research_keypair()
    sealed = [
        seal_page(record(n).to_json(), Recipients(((other if n % 97 == 0 else key).public_key,)))
        for n in range(1, 1201)
    ]
    altered = bytearray(sealed[500].data)
    altered[-1] ^= 1
    sealed[500] = SealedRecord(bytes(altered))
    # When they are opened in one process and in two
    alone = list(open_in_order(sealed, key.identity, 1))
    shared = list(open_in_order(sealed, key.identity, 2))
    # Then both give the same records, in order, each failure where its record is
    assert [r if isinstance(r, bytes) else str(r) for r in shared] == [
        r if isinstance(r, bytes) else str(r) for r in alone
    ]
    assert [PageRecord.from_json(r) for r in alone if isinstance(r, bytes)] == [
        record(n) for n in range(1, 1201) if n % 97 and n != 501
    ]
    failures = {n: str(r) for n, r in enumerate(alone, start=1) if not isinstance(r, bytes)}
    assert failures == {97 * k: "no matching key" for k in range(1, 13)} | {
        501: "the record was altered"
    }


def test_unseal_all__several_processes__same_records_problems_and_progress_as_one(
    store: Store, key: ResearchKeypair, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 40 pages (two sealed to another key) and 10 fillers
    other = generate_research_keypair()
    foreign = []
    for n in range(1, 41):
        record_id = _put(store, other if n in (7, 33) else key, record(n).to_json())
        if n in (7, 33):
            foreign.append(record_id)
    for _ in range(10):
        _put(store, key, FILLER_JSON)
    monkeypatch.setattr(unseal, "PARALLEL_FROM_RECORDS", 10)  # a store this small runs in one
    monkeypatch.setattr(unseal, "CHUNK_RECORDS", 6)
    results = []
    # When it is unsealed in one process and in three
    for processes in (1, 3):
        warnings: list[Problem] = []
        seen: list[tuple[int, int]] = []
        records = unseal_all(
            store,
            key.identity,
            progress=lambda done, total: seen.append((done, total)),  # noqa: B023
            on_unreadable=warnings.append,
            processes=processes,
        )
        results.append((records, sorted(w.message for w in warnings), seen))
    # Then both give the same pages in the same order, no filler, each problem by its record's id
    assert results[0] == results[1]
    by_seq = sorted(results[1][0], key=lambda r: r.seq)
    assert by_seq == [record(n) for n in range(1, 41) if n not in (7, 33)]
    message = catalogue["STORE-004"].format
    assert results[1][1] == sorted(message(record=i, reason="no matching key") for i in foreign)
    assert results[1][2] == [(n, 50) for n in range(1, 51)]


def test_decrypting_processes__fewer_than_one__refused_with_data_018() -> None:
    with pytest.raises(InputError) as caught:
        decrypting_processes(0, 100_000)
    assert [p.message for p in caught.value.problems] == [catalogue["DATA-018"].format(processes=0)]


def test_open_in_order__a_worker_killed__data_019_not_a_traceback(key: ResearchKeypair) -> None:
    sealed = [seal_page(record(1).to_json(), Recipients((key.public_key,)))] * 3
    with pytest.raises(InputError) as caught:
        list(open_in_order([*sealed, _KillsItsWorker(), *sealed], key.identity, 2))  # type: ignore[list-item]
    assert [p.code for p in caught.value.problems] == ["DATA-019"]
    assert "--processes 1" in caught.value.problems[0].message


def test_unseal_store__tombstones__withdrawn_responses_dropped_alike_in_one_and_three_processes(
    store: Store, key: ResearchKeypair, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 30 responses of two pages, each last page carrying a check value, 10 fillers, and
    # tombstones for responses 4 and 17 and for one whose pages are not in this store (issue 14)
    recipients = Recipients((key.public_key,))
    for n in range(30):
        _put(store, key, replace(record(1), response_id=f"r{n}").to_json())
        last = replace(record(2), response_id=f"r{n}", status="complete", withdrawal=f"{n:064x}")
        _put(store, key, last.to_json())
    for _ in range(10):
        _put(store, key, FILLER_JSON)
    for check in (f"{4:064x}", f"{17:064x}", "ff" * 32):
        tombstone = seal_page(Tombstone(check, "2026-12-03").to_json(), recipients)
        assert store.withdraw(
            os.urandom(16), StoredRecord(new_record_id(), tombstone), date(2027, 1, 1)
        )
    monkeypatch.setattr(unseal, "PARALLEL_FROM_RECORDS", 10)
    monkeypatch.setattr(unseal, "CHUNK_RECORDS", 7)
    # When it is unsealed in one process and in three
    opened = [unseal_store(store, key.identity, processes=p) for p in (1, 3)]
    # Then both drop every page of the two withdrawn responses and count the stray tombstone
    assert opened[0] == opened[1]
    assert (opened[1].withdrawn, opened[1].unmatched_tombstones) == (2, 1)
    assert sorted({p.response_id for p in opened[1].pages}) == sorted(
        f"r{n}" for n in range(30) if n not in (4, 17)
    )
    assert len(opened[1].pages) == 56
