"""What the server benchmarks share: the server's CPU read from /proc, a load timed with the server's,
the driver's and the whole machine's CPU, and the static-page load (`post_bench.py`,
`demo_bench.py`, `export_bench.py`).

A server started as the leader of its own process group (`scaling_bench.serving`,
`helpseek.cli.demo_server.running_server`) is measured with all its workers by its group id.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from rows import busy_cores

T = TypeVar("T")


@dataclass(frozen=True)
class Cpu:
    """Wall seconds of a load, and the CPU seconds of the server's processes, of the PostgreSQL
    server's (0 when none was measured), of this driver and of every process on the machine (from
    /proc/stat; they include the others)."""

    wall: float
    server: float
    driver: float
    machine: float
    database: float = 0.0

    @property
    def rest_cores(self) -> float:
        """What the rest of the machine used meanwhile, in cores."""
        rest = self.machine - self.server - self.database - self.driver
        return max(0.0, rest) / self.wall

    def cores(self) -> str:
        """What the load kept busy, in cores: the server, PostgreSQL, the driver, the rest."""
        database = f"+ PostgreSQL {self.database / self.wall:.2f} " if self.database else ""
        return (
            f"server {self.server / self.wall:.2f} {database}+ driver "
            f"{self.driver / self.wall:.2f} + rest {self.rest_cores:.2f} cores"
        )


@dataclass(frozen=True)
class Reading:
    """CPU seconds of a server's process group, of a PostgreSQL server (its postmaster's pid, or
    0 for none), of this driver and of the machine, then the time."""

    group: int
    postmaster: int
    server: float
    database: float
    driver: float
    machine: float
    at: float

    @classmethod
    def now(cls, group: int, postmaster: int = 0) -> Reading:
        """Read (the clock last: a load starts after)."""
        database = children_cpu(postmaster) if postmaster else 0.0
        server, driver, machine = group_cpu(group), time.process_time(), machine_cpu()
        return cls(group, postmaster, server, database, driver, machine, time.perf_counter())

    def since(self) -> Cpu:
        """What the load since this reading cost (the clock first: the load ended before)."""
        at = time.perf_counter()
        database = children_cpu(self.postmaster) - self.database if self.postmaster else 0.0
        return Cpu(
            at - self.at,
            group_cpu(self.group) - self.server,
            time.process_time() - self.driver,
            machine_cpu() - self.machine,
            database,
        )


def process_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields of /proc/pid/stat after the command name) of every live process: fields[1] is
    the parent's pid, fields[2] the process group, fields[11] and fields[12] utime and stime."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                yield int(pid), stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue


def cpu_seconds(fields: list[str]) -> float:
    """User + system CPU seconds in a process's /proc stat fields (from `process_stats`)."""
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def group_cpu(group: int) -> float:
    """User + system CPU seconds of every live process in the process group."""
    return sum(cpu_seconds(fields) for _, fields in process_stats() if int(fields[2]) == group)


def children_cpu(parent: int) -> float:
    """User + system CPU seconds of a live process and its live children (a PostgreSQL server:
    each of its processes is a child of the postmaster, in a session of its own)."""
    return sum(
        cpu_seconds(fields) for pid, fields in process_stats() if parent in (pid, int(fields[1]))
    )


def postmaster(url: str) -> int:
    """The pid of the PostgreSQL server listening on the port of `url` (from its command line)."""
    pid = _listening(url, lambda command: command[0].endswith(b"/postgres"))
    if pid is None:
        raise RuntimeError(f"no PostgreSQL server for {url}")
    return pid


def machine_cpu() -> float:
    """CPU seconds every process on the machine has used since boot (from /proc/stat)."""
    return busy_cores()[0] / os.sysconf("SC_CLK_TCK")


def server_group(url: str) -> int:
    """The process group of the `helpseek serve` listening at `url` (started as a group leader)."""
    pid = _listening(url, lambda command: b"serve" in command)
    if pid is None:
        raise RuntimeError(f"no server process for {url}")
    return os.getpgid(pid)


def _listening(url: str, matches: Callable[[list[bytes]], bool]) -> int | None:
    """The first live process whose command line names the port of `url` and `matches`."""
    port = url.rsplit(":", 1)[1].split("/")[0].encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if port in command and matches(command):
                return int(pid)
    return None


def timed(group: int, work: Coroutine[Any, Any, T]) -> tuple[T, Cpu]:
    """Run `work` (a load on the server of process group `group`); its value and what it cost."""
    before = Reading.now(group)
    value = asyncio.run(work)
    return value, before.since()


async def static_load(url: str, clients: int, seconds: float) -> int:
    """GET /static/style.css from `clients` connections at once for `seconds`: responses read."""
    stop = time.monotonic() + seconds
    counts = [0] * clients

    async def one(slot: int) -> None:
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(url, connector=connector) as client:
            while time.monotonic() < stop:
                async with client.get("/static/style.css") as response:
                    await response.read()
                    response.raise_for_status()
                counts[slot] += 1

    await asyncio.gather(*(one(k) for k in range(clients)))
    return sum(counts)
