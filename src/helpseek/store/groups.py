"""Groups of a process's queued requests to the database, run together by one thread: SQLite's
group commit of session steps, PostgreSQL's steps and session reads (issue 16).

Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Generic, TypeVar

_Item = TypeVar("_Item")
_Outcome = TypeVar("_Outcome")

#: How a store runs one group: each item's outcome, or the error that item alone met, in the
#: items' order. It raises when the whole group failed (a lost connection, a failed commit):
#: then every item of the group gets that error.
RunGroup = Callable[[Sequence[_Item]], list[_Outcome | Exception]]


class Groups(Generic[_Item, _Outcome]):
    """The requests of this process's threads, run in groups by one thread of its own.

    `submit` queues an item and returns at once with a future; the group thread takes every item
    queued so far, runs them with `run_group` (one transaction, one statement or one round trip
    for the group) and only then resolves the group's futures, each with its own outcome or
    error: nothing is acknowledged before the group's commit returned. A caller need not hold a
    thread while it waits (the web shell awaits the future on its event loop), and no convoy of
    waiting threads wakes one after another to learn that its item was done.

    >>> doubled = Groups(lambda items: [2 * n for n in items], "doubling")
    >>> doubled.submit(21).result(), doubled.run([1, 2])
    (42, [2, 4])
    >>> doubled.close()
    """

    def __init__(self, run_group: RunGroup[_Item, _Outcome], name: str) -> None:
        self._run_group = run_group
        self._name = name
        self._queued: list[tuple[_Item, Future[_Outcome]]] = []
        self._wake = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._is_closed = False
        #: Groups and items run so far (for benchmarks and tests).
        self.groups = 0
        self.items = 0

    def submit(self, item: _Item) -> Future[_Outcome]:
        """Queue `item` for the next group; the future gives its outcome once the group that
        holds it is done, or raises what that item or its group met."""
        future: Future[_Outcome] = Future()
        future.set_running_or_notify_cancel()  # a caller that stops waiting cannot cancel it
        with self._wake:
            if self._is_closed:
                raise RuntimeError("the store is closed")
            self._queued.append((item, future))
            if self._thread is None:  # started on first use: after any fork of `serve`
                self._thread = threading.Thread(target=self._run_queued, name=self._name)
                self._thread.daemon = True
                self._thread.start()
            self._wake.notify()
        return future

    def run(self, items: Sequence[_Item]) -> list[_Outcome | Exception]:
        """Run `items` as one group now, in this thread: each one's outcome, or its own error."""
        group: list[tuple[_Item, Future[_Outcome]]] = [(item, Future()) for item in items]
        try:
            self._run(group)
        except Exception:  # noqa: BLE001, S110 - every future holds it
            pass
        return [
            error if isinstance(error := future.exception(), Exception) else future.result()
            for _, future in group
        ]

    def close(self) -> None:
        """Run what is queued, then stop the group thread."""
        with self._wake:
            self._is_closed = True
            self._wake.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run_queued(self) -> None:
        while True:
            with self._wake:
                while not self._queued and not self._is_closed:
                    self._wake.wait()
                if not self._queued:
                    return
                group, self._queued = self._queued, []
            try:
                self._run(group)
            except Exception:  # noqa: BLE001, S112 - handed to every item's caller; go on
                continue

    def _run(self, group: list[tuple[_Item, Future[_Outcome]]]) -> None:
        try:
            outcomes = self._run_group([item for item, _ in group])
        except BaseException as error:
            for _, future in group:  # the group failed: none of it is done
                future.set_exception(error)
            raise
        self.groups += 1
        self.items += len(group)
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
