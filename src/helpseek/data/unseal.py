"""Open every sealed record of a store with the research identity (offline, on a researcher's machine).

Decryption is spread over worker processes (age decryption holds the GIL, so threads would not
help): records are read in storage order, sent in chunks, and come back in the same order.
Filler records (sealed and padded like pages, so the store shows the same number of records for
every response) are dropped here, after decryption: nothing after this step ever sees them. So are
withdrawn responses: every page of a response whose last page carries the check value a tombstone
carries (issue 14); only their count goes on.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import islice

from helpseek.problems import InputError, Problem, problem
from helpseek.store import (
    PageRecord,
    ResearchIdentity,
    SealedRecord,
    Store,
    StoredRecord,
    Tombstone,
    UnsealError,
    is_filler,
    unseal_record,
    unseal_records,
)

#: Called after each record with (records done, records in the store).
Progress = Callable[[int, int], None]
#: Records per task sent to a worker: ~0.1 s of work, so pickling and queueing cost next to nothing.
CHUNK_RECORDS = 500
#: Below this many records one process is as fast: each worker spends ~0.7 s of CPU starting and
#: importing the store and the caller's main module (benchmarks/export_bench.py, 12,000 records: 1.3x).
PARALLEL_FROM_RECORDS = 20_000


@dataclass(frozen=True)
class Unsealed:
    """A store opened: its pages (fillers and withdrawn responses dropped), how many responses
    were withdrawn, and how many tombstones matched no response of this store (a tombstone whose
    pages are in another store, or a withdrawal from before the pages were copied here)."""

    pages: list[PageRecord]
    withdrawn: int = 0
    unmatched_tombstones: int = 0


def unseal_all(
    store: Store,
    identity: ResearchIdentity,
    progress: Progress | None = None,
    on_unreadable: Callable[[Problem], None] | None = None,
    processes: int | None = None,
) -> list[PageRecord]:
    """Every page record of the store, fillers and withdrawn responses dropped (`unseal_store`)."""
    return unseal_store(store, identity, progress, on_unreadable, processes).pages


def unseal_store(
    store: Store,
    identity: ResearchIdentity,
    progress: Progress | None = None,
    on_unreadable: Callable[[Problem], None] | None = None,
    processes: int | None = None,
) -> Unsealed:
    """Every page record of the store in the store's order (which is no order in time: record
    ids are random), without fillers and without the responses a tombstone withdraws.

    A record that does not open (sealed to another key, altered) or is neither a page record, a
    filler nor a tombstone is a STORE-004 problem naming its id: all of them are raised together
    as one InputError, unless `on_unreadable` is given, which then receives each one (as a
    warning) and the rest are returned.
    `processes` decrypt at once (default: one per usable core; 1 decrypts in this process); a
    store of fewer than PARALLEL_FROM_RECORDS records is always decrypted here.
    """
    total = store.count_records() + store.count_tombstones()
    workers = decrypting_processes(processes, total)
    records: list[PageRecord] = []
    checks: set[str] = set()
    problems: list[Problem] = []
    read: deque[tuple[int, bool]] = deque()  # (id, is a tombstone) of records not yet back
    opened = open_in_order(_sealed_noting_ids(_everything(store), read), identity, workers)
    for number, plaintext in enumerate(opened, start=1):
        record_id, is_tombstone = read.popleft()
        try:
            if isinstance(plaintext, UnsealError):
                raise plaintext
            if is_tombstone:
                checks.add(Tombstone.from_json(plaintext).withdrawal)
            elif not is_filler(plaintext):
                records.append(PageRecord.from_json(plaintext))
        except UnsealError as error:
            problems.append(problem("STORE-004", record=record_id, reason=str(error)))
        except (ValueError, TypeError, KeyError, json.JSONDecodeError) as error:
            kind = "tombstone" if is_tombstone else "page record"
            reason = f"it is not a helpseek {kind} ({type(error).__name__})"
            problems.append(problem("STORE-004", record=record_id, reason=reason))
        if progress is not None:
            progress(number, max(total, number))
    if problems and on_unreadable is None:
        raise InputError(problems)
    for found in problems:
        if on_unreadable is not None:
            on_unreadable(Problem(found.code, found.message, found.location, "warning"))
    return _without_withdrawn(records, checks)


def _everything(store: Store) -> Iterator[tuple[StoredRecord, bool]]:
    """Every sealed record, then every tombstone (True), streamed."""
    for stored in store.iter_records():
        yield stored, False
    for stored in store.iter_tombstones():
        yield stored, True


def _sealed_noting_ids(
    stored: Iterable[tuple[StoredRecord, bool]], read: deque[tuple[int, bool]]
) -> Iterator[SealedRecord]:
    """Each record's sealed bytes, its id and kind appended to `read` as it is read (they come
    back from decryption in that order)."""
    for record, is_tombstone in stored:
        read.append((record.record_id, is_tombstone))
        yield record.sealed


def _without_withdrawn(records: list[PageRecord], checks: set[str]) -> Unsealed:
    """Drop every page of each response whose last page carries a tombstone's check value."""
    carried = {r.withdrawal: r.response_id for r in records if r.withdrawal is not None}
    withdrawn = {carried[c] for c in checks if c in carried}
    kept = [r for r in records if r.response_id not in withdrawn]
    return Unsealed(kept, len(withdrawn), len(checks - carried.keys()))


def decrypting_processes(requested: int | None, records: int) -> int:
    """How many processes decrypt `records` records: `requested`, else one per usable core.

    >>> decrypting_processes(4, 100_000), decrypting_processes(4, 10), decrypting_processes(1, 10**6)
    (4, 1, 1)
    """
    if requested is not None and requested < 1:
        raise InputError([problem("DATA-018", processes=requested)])
    if records < PARALLEL_FROM_RECORDS:
        return 1
    return requested or len(os.sched_getaffinity(0))


def open_in_order(
    sealed: Iterable[SealedRecord], identity: ResearchIdentity, processes: int
) -> Iterator[bytes | UnsealError]:
    """The plaintext of each record (or the UnsealError it raised), in the order of `sealed`.

    With several processes at most two chunks per process are in flight, so memory stays flat
    however large the store is.
    """
    if processes <= 1:
        for record in sealed:
            try:
                yield unseal_record(record, identity)
            except UnsealError as error:
                yield error
        return
    # spawn, not fork: the parent may run threads (rich's progress bar), and a fork copies their locks.
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            pending: deque[Future[list[bytes | UnsealError]]] = deque()
            records = iter(sealed)
            while chunk := list(islice(records, CHUNK_RECORDS)):
                pending.append(pool.submit(unseal_records, chunk, identity))
                if len(pending) >= 2 * processes:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
    except BrokenProcessPool as error:
        reason = str(error) or type(error).__name__
        raise InputError([problem("DATA-019", processes=processes, reason=reason)]) from None
