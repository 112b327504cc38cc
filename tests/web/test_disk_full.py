"""SQLite's disk fills up under a real `helpseek serve`, two ways: the database is on a small tmpfs
filled by a ballast file (ENOSPC: SQLite's "database or disk is full"; needs root to mount,
skipped otherwise),
or the server process may not grow any file past a size (RLIMIT_FSIZE set on the running process;
Python ignores SIGXFSZ, so the write fails with EFBIG: SQLite's "disk I/O error"). Pages are
refused with the calm 503 page, never a 500, a stack trace or the next page; once the limit is
lifted the same page sent again succeeds, and the store holds every acknowledged page as sent,
none that was refused, and passes SQLite's integrity check. The log says when the outage started
and, once a page succeeded again, how many pages it refused: two lines, not one a page."""

from __future__ import annotations

import errno
import os
import re
import resource
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from helpseek.web.i18n import load_catalogue

from .conftest import TOKEN_FORM, stored_pages
from .live import LiveServer

FORM = {"content-type": "application/x-www-form-urlencoded"}
MOST_PAGES = 400  # pages sent before the limit must have been met
WAITING = 6  # respondents who send a page when the disk is full
SLACK_BYTES = 256 * 1024  # some pages succeed after the limit is set
TMPFS_BYTES = 4 << 20  # the ballast takes what the database should not have


def _started(client: httpx.Client) -> str:
    """A new response's first page (its html)."""
    reply = client.post("/start?lang=es", data={"instrument": "tokens"}, headers=FORM)
    assert reply.status_code == 200, reply.text[:300]
    return reply.text


def _first_page(html: str, age: str, agree: str) -> dict[str, str]:
    return {"token": _token(html), "action": "next", "age": age, "agree": agree}


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


class SmallFilesystem:
    """The database's folder is a tmpfs of its own; a ballast file takes the space it should not
    have, and deleting the ballast frees it (what an operator does)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ballast = folder.parent / "ballast"  # set in `mount`

    def mount(self) -> None:
        command = ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES},mode=0700", "hstest"]
        subprocess.run([*command, str(self.folder)], check=True, capture_output=True)
        self.ballast = self.folder / "ballast"

    def leave(self, _pid: int, free: int | None) -> None:
        if free is None:
            self.ballast.unlink()
            return
        with self.ballast.open("ab") as ballast:
            while True:
                stat = os.statvfs(self.folder)
                excess = stat.f_bavail * stat.f_frsize - free
                if excess <= 0:
                    return
                try:
                    ballast.write(b"\0" * min(excess, 1 << 20))
                    ballast.flush()
                except OSError as error:  # ENOSPC: full to the last block
                    assert error.errno == errno.ENOSPC
                    return

    def unmount(self) -> None:
        subprocess.run(["umount", str(self.folder)], check=True)


class FileSizeLimit:
    """The server process may grow no file more than `free` bytes past the largest in the
    database's folder (RLIMIT_FSIZE; the server's log is smaller), or as far as it likes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def leave(self, pid: int, free: int | None) -> None:
        _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        largest = max(f.stat().st_size for f in self.folder.iterdir())
        resource.prlimit(
            pid, resource.RLIMIT_FSIZE, (hard if free is None else largest + free, hard)
        )


@pytest.fixture(params=["full-filesystem", "file-size-limit"])
def disk(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[SmallFilesystem | FileSizeLimit]:
    """The database's folder and how its disk fills (`leave(pid, free)`)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if request.param == "file-size-limit":
        yield FileSizeLimit(folder)
        return
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    filesystem = SmallFilesystem(folder)
    filesystem.mount()
    try:
        yield filesystem
    finally:
        filesystem.unmount()


@pytest.mark.slow
def test_sqlite_disk_full__calm_503_then_the_resend_succeeds_and_the_store_is_intact(
    tmp_path: Path, research_key, disk: SmallFilesystem | FileSizeLimit
) -> None:
    # Given a live server on SQLite and respondents answering in Spanish
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "tokens.md"
    form.write_text(TOKEN_FORM)
    database = disk.folder / "responses.db"
    server = LiveServer(tmp_path, key, (str(form),), database_url=f"sqlite:///{database}")
    server.start()
    assert server.process is not None
    client = httpx.Client(base_url=server.url, timeout=60)
    acknowledged: list[dict[str, object]] = []  # the answers of every page the server took
    refused: list[httpx.Response] = []
    try:
        waiting = [_started(client) for _ in range(WAITING)]  # respondents on their first page
        # When the database's disk is nearly full
        disk.leave(server.process.pid, SLACK_BYTES)
        # and respondents send pages until one is refused
        for number in range(MOST_PAGES):
            first = client.post("/start?lang=es", data={"instrument": "tokens"}, headers=FORM)
            if first.status_code != 200:
                refused.append(first)
                break
            page = _first_page(first.text, str(18 + number % 80), "yes")
            reply = client.post("/page?lang=es", data=page, headers=FORM)
            if reply.status_code != 200:
                refused.append(reply)
                break
            acknowledged.append({"age": int(page["age"]), "agree": "yes"})
        assert refused, "no page was refused"
        # and then full, and the waiting respondents send their pages (a page smaller than the
        # refused one may still fit in the WAL's space that the refused one was written to)
        disk.leave(server.process.pid, 0)
        blocked: list[dict[str, str]] = []
        for number, html in enumerate(waiting):
            page = _first_page(html, str(60 + number), "no")
            reply = client.post("/page?lang=es", data=page, headers=FORM)
            if reply.status_code == 200:
                acknowledged.append({"age": 60 + number, "agree": "no"})
            else:
                refused.append(reply)
                blocked.append(page)
        assert len(blocked) >= 2
        # Then every refused page is the calm 503 page in Spanish, never the next page
        server_error = load_catalogue().text("es", "msg_server_error")
        for reply in refused:
            assert reply.status_code == 503, reply.text[:300]
            assert server_error in reply.text and 'lang="es"' in reply.text
            assert "Traceback" not in reply.text and "sqlite" not in reply.text.lower()
        # When space is freed and one of them sends the same page again (the others do not)
        disk.leave(server.process.pid, None)
        again = client.post("/page?lang=es", data=blocked[0], headers=FORM)
        # Then it succeeds: the next page, and the response goes on to its end
        assert again.status_code == 200, again.text[:300]
        assert 'name="words"' in again.text
        acknowledged.append({"age": int(blocked[0]["age"]), "agree": "no"})
        last = {"token": _token(again.text), "action": "next", "words": "tokenalpha-after"}
        end = client.post("/page?lang=es", data=last, headers=FORM)
        assert load_catalogue().text("es", "end_text") in end.text
        acknowledged.append({"words": "tokenalpha-after"})
    finally:
        client.close()
        server.stop()
    log = server.log.read_text()
    assert "Traceback" not in log and "internal error" not in log, log[-3000:]
    # And the log tells each outage in two lines, not one a refused page: when it started and,
    # once a page succeeded again, how many it refused (a page that fitted ended one)
    lines = [line for line in log.splitlines() if line.startswith("the store")]
    began = (
        "the store does not answer (OperationalError): pages get the calm 503 page until it does"
    )
    ended = [
        re.fullmatch(r"the store answers again: (\d+) requests refused with 503 in \d+ s", line)
        for line in lines[1::2]
    ]
    assert lines[::2] == [began] * len(ended) and all(ended), log
    assert sum(int(match[1]) for match in ended if match) == len(refused)
    # And the store holds every acknowledged page as sent, and none that was refused
    stored = [p.answers for p in stored_pages(f"sqlite:///{database}", research_key)]
    assert sorted(map(repr, stored)) == sorted(map(repr, acknowledged))
    assert len(acknowledged) > 3
    # And the database passes SQLite's integrity check
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_sqlite_disk_full_until_shutdown__the_log_sums_the_outage_up_at_shutdown(
    tmp_path: Path, research_key
) -> None:
    # Given a live server on SQLite whose disk is full from the start
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "tokens.md"
    form.write_text(TOKEN_FORM)
    disk = FileSizeLimit(tmp_path / "disk")
    disk.folder.mkdir()
    database_url = f"sqlite:///{disk.folder / 'responses.db'}"
    server = LiveServer(tmp_path, key, (str(form),), database_url=database_url)
    server.start()
    assert server.process is not None
    disk.leave(server.process.pid, 0)
    # When two respondents are refused and the server is stopped before a page succeeds
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for _ in range(2):
            reply = client.post("/start?lang=es", data={"instrument": "tokens"}, headers=FORM)
            assert reply.status_code == 503, reply.text[:300]
    server.stop()
    # Then the log says when the outage began and, at shutdown, what it refused
    log = server.log.read_text()
    lines = [line for line in log.splitlines() if line.startswith("the store")]
    assert len(lines) == 2, log
    assert lines[0].startswith("the store does not answer (OperationalError)")
    assert re.fullmatch(
        r"the store still did not answer at shutdown: 2 requests refused with 503 in \d+ s",
        lines[1],
    ), log
