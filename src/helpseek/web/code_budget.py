"""The whole server's budget of code checks: one token bucket that every worker process of one
`helpseek serve` shares through a small file next to the server secret (issue 14).

What it counts: typed codes that pass the 22-bit check, i.e. the ones that cost an argon2id
derivation (85 ms, 64 MiB) and are tried against the store. A code that fails the check costs
about a millisecond of HMACs, can never match a live code, and does not take from this budget, so
someone typing made-up codes cannot use up the budget real respondents need (they are limited per
tor circuit, `circuits.CodeAttempts`). See docs/decisions/0005-respondent-codes.md.

The file holds two numbers: the tokens left and the time of the last change (seconds). Each
`take` locks it (`fcntl.flock`), refills, takes one token and writes it back: about 20 us. Workers
of one server share the secret file's folder; servers on several hosts would each have their own
budget (helpseek runs one host per onion service).
"""

from __future__ import annotations

import fcntl
import os
import struct
from collections.abc import Callable
from pathlib import Path

from helpseek.problems import InputError, Location, problem

_STATE = struct.Struct(">dd")  # tokens left, time of the last change (clock seconds)


def budget_path(secret_file: Path) -> Path:
    """Where the budget of the server whose secret is `secret_file` lives."""
    return secret_file.with_name(secret_file.name + ".code-budget")


class SharedBudget:
    """`per_minute` code checks a minute (and at most that many at once) over every process that
    opens `path`; `per_minute` 0 turns the budget off. `clock` gives epoch seconds (the app's).

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> a = SharedBudget(folder / "b", per_minute=2, clock=lambda: 100.0)
    >>> b = SharedBudget(folder / "b", per_minute=2, clock=lambda: 100.0)  # another worker
    >>> [a.take(), b.take(), a.take(), b.take()]
    [True, True, False, False]
    """

    def __init__(self, path: Path, per_minute: int, clock: Callable[[], float]) -> None:
        self.path = path
        self.per_minute = per_minute
        self._clock = clock
        if per_minute > 0:
            try:
                os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            except OSError as error:
                raise InputError(
                    [problem("WEB-028", Location(str(path)), path=str(path), reason=error)]
                ) from None

    def take(self) -> bool:
        """Take one check from the budget; False when it is used up (refuse with a calm 429)."""
        if self.per_minute <= 0:
            return True
        burst = float(self.per_minute)
        now = self._clock()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            raw = os.pread(fd, _STATE.size, 0)
            tokens, at = _STATE.unpack(raw) if len(raw) == _STATE.size else (burst, now)
            tokens = min(burst, tokens + max(0.0, now - at) * self.per_minute / 60.0)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            os.pwrite(fd, _STATE.pack(tokens, now), 0)
            return allowed
        finally:
            os.close(fd)  # closing the descriptor releases the lock
