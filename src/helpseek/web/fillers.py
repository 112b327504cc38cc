"""Filler records sealed ahead, from CPU the server leaves idle (issue 16).

Each consent stores `Survey.records_per_response` filler records (FILLER_JSON sealed to the research
keys). Sealing is X25519 work that cannot be made cheaper, so each worker process starts one child,
at the lowest CPU priority (SCHED_IDLE, else nice 19), that seals fillers ahead of time into a
bounded pipe: `FillerPool.take` takes what the pipe holds without waiting and seals the rest
inline. A consent never waits for the child and never fails because of it; a dead child only
means inline seals.

The child holds no secret: it gets the research PUBLIC keys on its command line and an empty
environment (no database URL, no server secret), and only writes sealed fillers. Each filler is
its own `seal_page(FILLER_JSON, recipients)` call (same padding, fresh ephemeral key), exactly
what an inline seal makes, so a stored filler does not show where it was sealed.

Run as `python -m helpseek.web.fillers KEY...` by the pool; not a command for people.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import struct
import subprocess
import sys
import threading

from helpseek.store import FILLER_JSON, Recipients, SealedRecord, seal_page

#: The pipe's size, the bound of the pool: ~200 fillers of one research key (~1.2 KB each).
POOL_BYTES = 256 * 1024
_LENGTH = struct.Struct(">I")  # each sealed filler is written as its length, then its bytes
_READ_BYTES = 64 * 1024
_STOP_S = 5.0

log = logging.getLogger("helpseek.web")


class FillerPool:
    """The fillers one worker process stores: from its child's pipe, else sealed inline."""

    def __init__(self, recipients: Recipients) -> None:
        self._recipients = recipients
        self._lock = threading.Lock()  # the step threads take fillers concurrently
        self._child: subprocess.Popen[bytes] | None = None
        self._pending = bytearray()  # read from the pipe, not yet taken (at most one read)
        #: Fillers taken from the child / sealed inline, since start (counts only).
        self.pooled = 0
        self.inline = 0

    def start(self) -> None:
        """Start the child; if it cannot start, every filler is sealed inline (logged)."""
        env = {k: v for k, v in os.environ.items() if k == "PYTHONPATH"}  # no secret
        try:
            child = subprocess.Popen(
                [sys.executable, "-m", __name__, *self._recipients.keys],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError as error:
            log.warning(
                "fillers: no child to seal ahead (%s); every filler is sealed inline", error
            )
            return
        lowest_priority(child.pid)  # before the child's imports; the child does it again
        assert child.stdout is not None
        with contextlib.suppress(OSError):  # Linux only; else the pipe's default 64 KB
            fcntl.fcntl(child.stdout.fileno(), fcntl.F_SETPIPE_SZ, POOL_BYTES)
        os.set_blocking(child.stdout.fileno(), False)
        self._child = child

    def take(self, count: int) -> list[SealedRecord]:
        """`count` sealed fillers: what the pool holds, without waiting, the rest sealed here."""
        with self._lock:
            sealed = self._take_pooled(count)
            self.pooled += len(sealed)
            self.inline += count - len(sealed)
        sealed += [seal_page(FILLER_JSON, self._recipients) for _ in range(count - len(sealed))]
        return sealed

    def stop(self) -> None:
        """Stop the child (at the worker's shutdown); later fillers are sealed inline."""
        with self._lock:
            self._close()

    def summary(self) -> str:
        """One line of counts for the worker's shutdown log."""
        return f"fillers: {self.pooled} sealed ahead, {self.inline} sealed inline"

    def _take_pooled(self, count: int) -> list[SealedRecord]:
        sealed: list[SealedRecord] = []
        while len(sealed) < count and (record := self._next()) is not None:
            sealed.append(record)
        return sealed

    def _next(self) -> SealedRecord | None:
        """The next whole sealed filler the pipe holds, or None (none ready, or no child)."""
        while self._child is not None:
            pending = self._pending
            if len(pending) >= _LENGTH.size:
                end = _LENGTH.size + _LENGTH.unpack_from(pending)[0]
                if len(pending) >= end:
                    data = bytes(pending[_LENGTH.size : end])
                    del pending[:end]
                    try:
                        return SealedRecord(data)
                    except ValueError:  # not an age file: never store it; stop using the child
                        log.warning("fillers: the child wrote a malformed record; stopped it")
                        self._close()
                        return None
            assert self._child.stdout is not None
            try:
                chunk = os.read(self._child.stdout.fileno(), _READ_BYTES)
            except BlockingIOError:
                return None  # nothing ready: the caller seals inline
            if not chunk:  # the child is gone (a part of a record it left is dropped)
                self._close()
                return None
            pending += chunk
        return None

    def _close(self) -> None:
        child, self._child = self._child, None
        self._pending.clear()
        if child is None:
            return
        child.terminate()
        try:
            child.wait(_STOP_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        assert child.stdout is not None
        child.stdout.close()


def lowest_priority(pid: int = 0) -> None:
    """Run process `pid` (0: this one) only on CPU nothing else wants: SCHED_IDLE, else nice 19."""
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # not Linux, or refused
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)


def _seal_ahead(keys: list[str]) -> None:
    """The child: seal fillers to `keys` and write them to stdout until the worker is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl+C stops the worker, which stops us
    lowest_priority()
    recipients = Recipients(tuple(keys))
    out = sys.stdout.fileno()
    with contextlib.suppress(BrokenPipeError):  # the worker closed the pipe: done
        while True:
            sealed = seal_page(FILLER_JSON, recipients).data
            frame = memoryview(_LENGTH.pack(len(sealed)) + sealed)
            while frame:  # blocks while the pool is full
                frame = frame[os.write(out, frame) :]


if __name__ == "__main__":
    _seal_ahead(sys.argv[1:])
