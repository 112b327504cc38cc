"""Connection hygiene inside uvicorn's h11 protocol: a deadline for reading each request, a cap on
open connections, and the security headers on the 400 that uvicorn writes itself (issue 12).

uvicorn 0.54 has neither a header/body read timeout nor a connection cap (its limit_concurrency
answers 503 only once a whole request has arrived, so a client that never finishes its headers is
never counted): 1,000 connections sending a byte every 10 s stayed open until the process ran out
of file descriptors. See benchmarks/slow_clients.py for the measurement.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.protocols.utils import ClientDisconnected

from helpseek.problems import Problem, problem
from helpseek.web.headers import SECURITY_HEADERS
from helpseek.web.proxy_protocol import ProxyLineProtocol

log = logging.getLogger("helpseek.web")

# uvicorn logs each request h11 cannot parse at WARNING; one per bad request lets anyone fill the
# log. Counted by QuietProtocolErrors instead.
_UVICORN_BAD_REQUEST = "Invalid HTTP request received."


@dataclass(frozen=True)
class ConnectionLimits:
    """How long a client may take to send one whole request, and how many may be connected.

    Both are per server process (`serve --workers N` allows N x max_connections in total).
    """

    # 30 s for headers and body together: a page is at most 64 KiB, which even a slow Tor circuit
    # (a few KiB/s) sends in well under that; a client that trickles bytes is cut off.
    read_timeout_s: float = 30.0
    # Below the usual 1,024 file descriptors a process gets, with room for the database and logs.
    # Over it, the connection waiting longest for its request is closed to make room.
    max_connections: int = 512


#: The most --workers per usable CPU core. A worker is a whole process (~130 MB resident, its own
#: pools: up to 50 PostgreSQL connections); a POST is CPU work, so workers past the cores only
#: take turns. Twice the cores leaves room for the waits on the store (3 workers on 2 cores
#: served 1.5-1.9x the pages of 1, docs/performance.md) and still refuses a typo such as 40.
WORKERS_PER_CORE = 2
#: Files a worker process holds open besides its clients' connections and the store's: the
#: listening socket, the event loop's (epoll, eventfd, pipes), stdio and the log, the code budget
#: file, and room for what it opens for a moment. An idle worker held 15 (2026-12-02).
OWN_FILES = 64

#: The longest --read-timeout accepted: a whole page (64 KiB at most) arrives in well under a
#: minute even over a slow Tor circuit; longer lets slow clients hold connections for good.
MAX_READ_TIMEOUT_S = 3600.0


def check_connection_limits(
    workers: int, limits: ConnectionLimits, cores: int | None = None
) -> list[Problem]:
    """Every process or connection number out of range (WEB-029..WEB-031, WEB-033); [] when all
    are fine. `cores`: the CPU cores this process may use (None: as many as it is allowed).

    | option              | allowed                     | out of range means                  |
    |---------------------|-----------------------------|-------------------------------------|
    | `--workers`         | 1 to 2 x the usable cores   | no server process, or processes     |
    |                     |                             | that only take turns on the cores   |
    | `--max-connections` | 1 or more                   | every connection closed as it opens |
    | `--read-timeout`    | above 0, at most 3600       | every request cut off, or none ever |

    >>> [p.code for p in check_connection_limits(0, ConnectionLimits(float("nan"), 512))]
    ['WEB-029', 'WEB-031']
    >>> [p.code for p in check_connection_limits(5, ConnectionLimits(), cores=2)]
    ['WEB-033']
    """
    problems = []
    cores = cores or usable_cores()
    if workers < 1:
        problems.append(problem("WEB-029", value=workers))
    elif workers > WORKERS_PER_CORE * cores:
        most = WORKERS_PER_CORE * cores
        problems.append(problem("WEB-033", value=workers, cores=cores, most=most))
    if limits.max_connections < 1:
        problems.append(problem("WEB-030", value=limits.max_connections))
    timeout = limits.read_timeout_s
    # math.isfinite first: NaN compares False with everything and would pass the range check.
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_READ_TIMEOUT_S):
        problems.append(problem("WEB-031", value=timeout))
    return problems


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def open_files_needed(max_connections: int, store_files: int) -> int:
    """The most files one worker process may hold open: its clients, its store, its own."""
    return max_connections + store_files + OWN_FILES


def check_open_files(max_connections: int, store_files: int, limit: int) -> list[Problem]:
    """WEB-034 when `limit` (the hard open-file limit; resource.RLIM_INFINITY for none) is below
    what `--max-connections` needs with the store's files and the worker's own; else [].

    >>> check_open_files(512, 50, 1024)
    []
    >>> [p.code for p in check_open_files(100_000, 50, 65536)]
    ['WEB-034']
    """
    needed = open_files_needed(max_connections, store_files)
    if limit < 0 or needed <= limit:  # RLIM_INFINITY is -1
        return []
    fields = {"value": max_connections, "needed": needed, "store": store_files, "own": OWN_FILES}
    most = max(1, limit - store_files - OWN_FILES)
    return [problem("WEB-034", limit=limit, most=most, **fields)]


@dataclass
class ConnectionCounts:
    """What the guard did, per process (in memory only; nothing about any client)."""

    disconnects: int = 0  # clients that hung up before their request was read (FailsafeMiddleware)
    refused: int = 0  # connections closed to stay within the cap (the longest waiting first)
    timed_out: int = 0  # requests not complete within the read timeout
    bad_requests: int = 0  # requests h11 could not parse (answered 400)

    def any(self) -> bool:
        return any((self.disconnects, self.refused, self.timed_out, self.bad_requests))

    def summary(self) -> str:
        """One line for the log at shutdown.

        >>> ConnectionCounts(disconnects=2).summary()
        'connections: 2 hung up mid-request, 0 too slow, 0 over the cap, 0 unparseable'
        """
        return (
            f"connections: {self.disconnects} hung up mid-request, {self.timed_out} too slow, "
            f"{self.refused} over the cap, {self.bad_requests} unparseable"
        )


#: This process's counts; the protocol instances of one uvicorn server share it.
COUNTS = ConnectionCounts()


class GuardedProtocol(ProxyLineProtocol):
    """ProxyLineProtocol plus the read deadline, the connection cap and headers on uvicorn's 400.

    Pass it to uvicorn as `http=functools.partial(GuardedProtocol, limits=ConnectionLimits(...))`
    (a partial of a module-level class pickles, so it also reaches `--workers` processes).

    | state when the deadline passes           | what happens                       |
    |------------------------------------------|------------------------------------|
    | request line, headers or body incomplete | connection closed, counted         |
    | request complete, app still working      | nothing: the answer is sent        |
    | idle between two requests                | uvicorn's keep-alive timeout (5 s) |

    Over the cap, the connection that has waited longest for its request's bytes is closed (a
    slow client, or an idle keep-alive); the newcomer is refused only if all are being served.
    """

    def __init__(self, *args: Any, limits: ConnectionLimits | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits or ConnectionLimits()
        self._read_deadline: asyncio.TimerHandle | None = None
        self._waiting_since = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._waiting_since = self.loop.time()
        if len(self.connections) > self.limits.max_connections and not self._evict_one():
            COUNTS.refused += 1
            self._is_rejected = True
            transport.abort()
            return
        self._arm_read_deadline()

    def _evict_one(self) -> bool:
        """Make room by closing the connection that has waited longest for its request's bytes.

        A respondent's request arrives whole in moments, so the longest waiters are the slow
        clients holding the cap; a newcomer is refused only if every connection is being served.
        """
        waiting = [
            other
            for other in self.connections
            if isinstance(other, GuardedProtocol) and other is not self and other._is_waiting()
        ]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda other: other._waiting_since)
        COUNTS.refused += 1
        oldest._cancel_read_deadline()
        oldest.transport.abort()
        return True

    def _is_waiting(self) -> bool:
        """Still receiving a request (or idle between two), and not closing."""
        return not self.transport.is_closing() and self.conn.their_state in (
            h11.IDLE,
            h11.SEND_BODY,
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_read_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._waiting_since = self.loop.time()
            self._arm_read_deadline()  # the next request on this connection gets its own time

    def send_400_response(self, msg: str) -> None:
        """uvicorn's own 400 for unparseable requests, with the same security headers as the app."""
        COUNTS.bad_requests += 1
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"connection", b"close"),
            *SECURITY_HEADERS,
        ]
        try:
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=msg.encode("ascii")),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event) or b"")
        except (h11.LocalProtocolError, ClientDisconnected):
            pass
        self.transport.close()

    def _arm_read_deadline(self) -> None:
        self._cancel_read_deadline()
        self._read_deadline = self.loop.call_later(
            self.limits.read_timeout_s, self._on_read_deadline
        )

    def _cancel_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _on_read_deadline(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self._is_idle_keep_alive():
            COUNTS.timed_out += 1
            self.transport.abort()

    def _is_idle_keep_alive(self) -> bool:
        """Between two requests with nothing received yet: uvicorn's keep-alive timer decides."""
        return self.timeout_keep_alive_task is not None


class QuietProtocolErrors(logging.Filter):
    """Drops uvicorn's per-request "Invalid HTTP request received." line (COUNTS has the number)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _UVICORN_BAD_REQUEST
