"""Run `pull(purge=True)` in this process and SIGKILL it at one exact point (tests/store/test_pull.py).

    python pull_killed_at.py COLLECTOR_URL ARCHIVE_URL POINT NTH BATCH

POINT is `<step>:before` or `<step>:after`, where step is one of pull's steps (`_read_batch`,
`_copy`, `_verify`, `_let_go`), or `commit:archive` / `commit:collector`: just before the NTH
COMMIT that engine sends (inside the transaction, after its statements). The pull's own code
runs unchanged; the process only dies, as under `kill -9`, the NTH time it reaches that point.
When the point is never reached the pull finishes and the process exits 0.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import Any

import sqlalchemy as sa

from helpseek.store import open_store

# The module, not the function `helpseek.store.pull` that the package exports under that name.
pull_module = importlib.import_module("helpseek.store.pull")


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def kill_around(name: str, when: str, nth: int) -> None:
    real = getattr(pull_module, name)
    calls = 0

    def step(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth and when == "before":
            die()
        result = real(*args, **kwargs)
        if calls == nth and when == "after":
            die()
        return result

    setattr(pull_module, name, step)


def kill_before_commit(engine: sa.Engine, nth: int) -> None:
    commits = 0

    def on_commit(conn: sa.Connection) -> None:
        nonlocal commits
        commits += 1
        if commits == nth:
            die()

    sa.event.listen(engine, "commit", on_commit)


def main(collector_url: str, archive_url: str, point: str, nth: str, batch: str) -> None:
    collector = open_store(collector_url, must_exist=True)
    archive = open_store(archive_url)
    kind, where = point.split(":")
    if kind == "commit":
        kill_before_commit((archive if where == "archive" else collector)._engine, int(nth))
    else:
        kill_around(kind, where, int(nth))
    pull_module.pull(collector, archive, purge=True, batch_size=int(batch))


if __name__ == "__main__":
    main(*sys.argv[1:])
