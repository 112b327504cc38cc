"""Open every sealed record of a store with the research identity (offline, on a researcher's machine).

Decryption is spread over worker processes (age decryption holds the GIL, so threads would not
help): records are read in storage order, sent in chunks, and come back in the same order.
Filler records (sealed and padded like pages, so the store shows the same number of records for
every response) are dropped here, after decryption: nothing after this step ever sees them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice

from helpseek.problems import InputError, Problem, problem
from helpseek.store import (
    PageRecord,
    ResearchIdentity,
    SealedRecord,
    Store,
    StoredRecord,
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


def unseal_all(
    store: Store,
    identity: ResearchIdentity,
    progress: Progress | None = None,
    on_unreadable: Callable[[Problem], None] | None = None,
    processes: int | None = None,
) -> list[PageRecord]:
    """Every page record of the store (fillers dropped), in the store's order (which is no order
    in time: record ids are random).

    A record that does not open (sealed to another key, altered) or is neither a page record nor
    a filler is a STORE-004 problem naming its id: all of them are raised together as one
    InputError, unless `on_unreadable` is given, which then receives each one (as a warning) and
    the rest are returned.
    `processes` decrypt at once (default: one per usable core; 1 decrypts in this process); a
    store of fewer than PARALLEL_FROM_RECORDS records is always decrypted here.
    """
    total = store.count_records()
    workers = decrypting_processes(processes, total)
    records: list[PageRecord] = []
    problems: list[Problem] = []
    ids: deque[int] = deque()  # the ids of the records read and not yet back from decryption
    opened = open_in_order(_sealed_noting_ids(store.iter_records(), ids), identity, workers)
    for number, plaintext in enumerate(opened, start=1):
        record_id = ids.popleft()
        try:
            if isinstance(plaintext, UnsealError):
                raise plaintext
            if not is_filler(plaintext):
                records.append(PageRecord.from_json(plaintext))
        except UnsealError as error:
            problems.append(problem("STORE-004", record=record_id, reason=str(error)))
        except (ValueError, TypeError, KeyError, json.JSONDecodeError) as error:
            reason = f"it is not a helpseek page record ({type(error).__name__})"
            problems.append(problem("STORE-004", record=record_id, reason=reason))
        if progress is not None:
            progress(number, max(total, number))
    if problems and on_unreadable is None:
        raise InputError(problems)
    for found in problems:
        if on_unreadable is not None:
            on_unreadable(Problem(found.code, found.message, found.location, "warning"))
    return records


def _sealed_noting_ids(stored: Iterable[StoredRecord], ids: deque[int]) -> Iterator[SealedRecord]:
    """Each record's sealed bytes, its id appended to `ids` as it is read (they come back in order)."""
    for record in stored:
        ids.append(record.record_id)
        yield record.sealed


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
