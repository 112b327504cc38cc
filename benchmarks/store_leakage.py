"""What someone holding the survey database (no research key) can still learn about responses
(issue 12, item 3), measured against the old store layout in the same run.

    .venv/bin/python benchmarks/store_leakage.py --respondents 120 [--no-postgres]

Synthetic respondents answer the real bundled questionnaire through the real app (in process, no
sockets): each says "yes" to the screening question with probability 0.6, and 30% stop after a
random number of pages. Two days are simulated: quiet days (one respondent a day) and one busy day
(all respondents at once, their pages interleaved). Then the attacker reads the database only:

- record counts per stored date (quiet days): how well they give away the screening answer;
  baseline: one record per page, which is what the store held before (ids in arrival order);
- record order: Kendall's tau between arrival and each order the attacker can read (ids; SQLite's
  position of each record in the file; PostgreSQL's row position `ctid` and writing transaction
  `xmin`), and how often neighbours in that order belong to one response (against chance);
- PostgreSQL transaction batches: records written by one transaction share `xmin`;
- sizes: the age payload length of every record; the sealed session states' lengths by progress.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import shutil
import socket
import struct
import subprocess
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx
import sqlalchemy as sa
from scipy.stats import kendalltau

from helpseek.instrument import load_instrument
from helpseek.settings import Settings
from helpseek.store import generate_research_keypair
from helpseek.synth.http import parse_page
from helpseek.web import create_app

DAY_S = 86_400.0
START_S = 1_796_000_000.0  # 2026-11-30 UTC
FORM = {"content-type": "application/x-www-form-urlencoded"}
#: One filler per page of the questionnaire served, written at consent (web/survey.py).
RECORDS_PER_RESPONSE = len(load_instrument("help_us_help_you").pages)


@dataclass
class Respondent:
    """One synthetic respondent: their screening answer, where they stop, what the store got."""

    number: int
    uses: str
    stop_after: int | None
    pages: int = 0
    records: set[int] = field(default_factory=set)  # ids that appeared while they answered


@dataclass
class Clock:
    now: float = START_S

    def __call__(self) -> float:
        return self.now


class Observer:
    """The benchmark's own view of arrival: which record ids appeared after which request."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url)
        self.seen: set[int] = set()
        self.arrival: dict[int, int] = {}
        self.owner: dict[int, int] = {}
        self.step = 0
        self.wal = b""

    def after(self, respondent: Respondent) -> None:
        with self.engine.connect() as conn:
            ids = set(conn.execute(sa.text("SELECT id FROM sealed_records")).scalars())
        self.step += 1
        for record_id in ids - self.seen:
            self.arrival[record_id] = self.step
            self.owner[record_id] = respondent.number
            respondent.records.add(record_id)
        self.seen = ids


async def _answer(client: httpx.AsyncClient, respondent: Respondent, html: str) -> str | None:
    """Send the page in `html` answered (first choice, "tokenalpha"); None at the end or a stop."""
    page = parse_page(html)
    if page is None or respondent.pages == respondent.stop_after:
        return None
    form: list[tuple[str, str]] = [("token", page.token), ("action", "next")]
    for question in page.questions:
        if question.name == "uses":
            form.append(("uses", respondent.uses))
        elif question.choices:
            form.append((question.name, question.choices[0]))
        else:
            form.append((question.name, "tokenalpha"))
    reply = await client.post("/page?lang=en", content=urlencode(form).encode(), headers=FORM)
    reply.raise_for_status()
    respondent.pages += 1
    return reply.text


async def _run(settings: Settings, respondents: list[Respondent], quiet: int) -> Observer:
    clock = Clock()
    app = create_app(settings, clock=clock, rng=random.SystemRandom())
    observer = Observer(settings.database_url)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:

        async def start(respondent: Respondent) -> str:
            reply = await client.post("/start?lang=en", data={"instrument": "help_us_help_you"})
            observer.after(respondent)
            return reply.text

        # Quiet days: one respondent a day, start to end
        for respondent in respondents[:quiet]:
            html: str | None = await start(respondent)
            while (html := await _answer(client, respondent, html or "")) is not None:
                observer.after(respondent)
            clock.now += DAY_S
        # One busy day: everyone else at once, one page each in turn, in random order
        pending = {r.number: await start(r) for r in respondents[quiet:]}
        by_number = {r.number: r for r in respondents}
        rng = random.Random(7)
        while pending:
            number = rng.choice(sorted(pending))
            html = await _answer(client, by_number[number], pending[number])
            if html is None:
                del pending[number]
            else:
                pending[number] = html
                observer.after(by_number[number])
    if settings.database_url.startswith("sqlite:///"):
        # What a seized running server also holds: the write-ahead log of recent transactions.
        wal = Path(settings.database_url.removeprefix("sqlite:///") + "-wal")
        observer.wal = wal.read_bytes() if wal.exists() else b""
    app.state.survey.store.close()
    return observer


def _best_guess_accuracy(counts: list[int], answers: list[str]) -> float:
    """Accuracy of an attacker who knows, for each count, the answer most respondents gave."""
    by_count: dict[int, Counter[str]] = defaultdict(Counter)
    for count, answer in zip(counts, answers, strict=True):
        by_count[count][answer] += 1
    return sum(c.most_common(1)[0][1] for c in by_count.values()) / len(counts)


def _neighbours(order: list[int], owner: dict[int, int]) -> float:
    pairs = list(itertools.pairwise(order))
    return sum(owner[a] == owner[b] for a, b in pairs) / len(pairs)


def _chance(owner: dict[int, int], ids: list[int]) -> float:
    sizes = Counter(owner[i] for i in ids)
    n = len(ids)
    return sum(s * (s - 1) for s in sizes.values()) / (n * (n - 1))


def _report_order(name: str, keys: dict[str, dict[int, object]], observer: Observer) -> None:
    for label, key in keys.items():
        ids = sorted(key, key=lambda i: (key[i], i))  # type: ignore[index, return-value]
        tau = kendalltau([observer.arrival[i] for i in ids], range(len(ids))).statistic
        together = _neighbours(ids, observer.owner)
        print(
            f"  {name} {label:<22} Kendall tau {tau:+.2f}   neighbours of one response "
            f"{together:5.1%} (chance {_chance(observer.owner, ids):.1%})"
        )


def _sqlite_attack(path: Path, observer: Observer) -> None:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, sealed FROM sealed_records")).all()
    engine.dispose()
    raw = path.read_bytes()
    offsets = {record_id: raw.find(bytes(blob[:64])) for record_id, blob in rows}
    print(f"SQLite ({len(rows)} records):")
    _report_order(
        "SQLite",
        {"id (= rowid)": {i: i for i, _ in rows}, "position in the file": offsets},
        observer,
    )


def _wal_report(wal: bytes, steps: int) -> None:
    """Frames of the SQLite write-ahead log: those of the current log (its salts), the commits
    among them (each one session step), and older frames not yet overwritten."""
    if len(wal) < 32:
        print("  SQLite WAL: empty")
        return
    page_size = struct.unpack(">I", wal[8:12])[0]
    salts = wal[16:24]
    current = commits = stale = 0
    for offset in range(32, len(wal) - 24 - page_size + 1, 24 + page_size):
        header = wal[offset : offset + 24]
        if header[8:16] == salts:
            current += 1
            commits += struct.unpack(">I", header[4:8])[0] != 0
        else:
            stale += 1
    print(
        f"  SQLite WAL at the end ({len(wal) // 1024} KiB): {commits} commits of the last ones "
        f"({commits / steps:.0%} of the {steps} steps of the run) in {current} frames, "
        f"{stale} older frames"
    )


def _postgres_attack(url: str, observer: Observer, respondents: list[Respondent]) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, ctid::text, xmin::text FROM sealed_records")).all()
    engine.dispose()
    ctid = {i: tuple(int(p) for p in c.strip("()").split(",")) for i, c, _ in rows}
    xmin = {i: int(x) for i, _, x in rows}
    print(f"PostgreSQL ({len(rows)} records):")
    _report_order(
        "PostgreSQL", {"id": {i: i for i, _, _ in rows}, "ctid": ctid, "xmin": xmin}, observer
    )
    batches = Counter(xmin.values())
    exact = 0
    for respondent in respondents:
        sizes = {batches[xmin[i]] for i in respondent.records if i in xmin and batches[xmin[i]] > 1}
        start_batch = max(sizes) if sizes else 0
        left = max(0, RECORDS_PER_RESPONSE - respondent.pages)  # the fillers left of its start
        exact += start_batch == left
    print(
        f"  PostgreSQL transaction batches: the fillers left from a response's start share one "
        f"xmin; their number gives its page count for {exact / len(respondents):.0%} of responses"
    )


def _sizes(url: str, respondents: list[Respondent]) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        blobs = conn.execute(sa.text("SELECT sealed FROM sealed_records")).scalars().all()
        states = conn.execute(sa.text("SELECT length(sealed) FROM session_states")).scalars()
        state_lengths = Counter(states)
    engine.dispose()
    payloads = Counter(
        len(b) - bytes(b).index(b"\n", bytes(b).index(b"\n--- ") + 1) - 1 for b in blobs
    )
    print(f"record payload lengths (bytes: records): {dict(payloads)}")
    print(f"sealed session state lengths (bytes: sessions): {dict(state_lengths)}")
    stopped = Counter(r.pages for r in respondents if r.stop_after is not None)
    print(f"  respondents who stopped, by pages sent: {dict(sorted(stopped.items()))}")


def _quiet_days(observer: Observer, respondents: list[Respondent], url: str) -> None:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        per_day = dict(
            conn.execute(
                sa.text("SELECT stored_on, count(*) FROM sealed_records GROUP BY stored_on")
            ).all()
        )
    engine.dispose()
    days = sorted(per_day)[: len(respondents)]
    answers = [r.uses for r in respondents]
    before = _best_guess_accuracy([r.pages for r in respondents], answers)
    now = _best_guess_accuracy([per_day[d] for d in days], answers)
    base = max(Counter(answers).values()) / len(answers)
    print(f"quiet days ({len(respondents)} days, one respondent each): screening answer from")
    print(f"  the day's record count: before {before:.0%}, now {now:.0%} (guessing: {base:.0%})")
    print(f"  records per day now: {dict(Counter(per_day[d] for d in days))}")


@contextlib.contextmanager
def _throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL server on 127.0.0.1 for this run (as tests/conftest.py starts one)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    if not bins:
        raise RuntimeError("PostgreSQL binaries not found (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="hsleak"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    initdb, pg_ctl = str(bins[0] / "initdb"), str(bins[0] / "pg_ctl")
    data = root / "data"
    subprocess.run([*as_postgres, initdb, "-D", str(data), "-U", "app", "--auth=trust"], check=True, capture_output=True)  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root}"
    subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-l", str(root / "log"), "-w", "-o", options, "start"], check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://app@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], check=False, capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _respondents(n: int, seed: int) -> list[Respondent]:
    rng = random.Random(seed)
    return [
        Respondent(
            number,
            "yes" if rng.random() < 0.6 else "no",
            rng.randint(1, 12) if rng.random() < 0.3 else None,
        )
        for number in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=120)
    parser.add_argument("--quiet-days", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        key = Path(folder) / "public.key"
        key.write_text(generate_research_keypair().public_key + "\n")
        stores = [("sqlite", f"sqlite:///{folder}/responses.db")]
        with contextlib.ExitStack() as stack:
            if not args.no_postgres:
                stores.append(("postgres", stack.enter_context(_throwaway_postgres())))
            for name, url in stores:
                respondents = _respondents(args.respondents, args.seed)
                settings = Settings(
                    url, (key,), ("help_us_help_you",), secret_key_file=Path(folder) / "secret"
                )
                observer = asyncio.run(_run(settings, respondents, args.quiet_days))
                print(f"=== {name}: {args.respondents} respondents ===")
                _quiet_days(observer, respondents[: args.quiet_days], url)
                if name == "sqlite":
                    _sqlite_attack(Path(f"{folder}/responses.db"), observer)
                    _wal_report(observer.wal, observer.step)
                else:
                    _postgres_attack(url, observer, respondents)
                _sizes(url, respondents)
                observer.engine.dispose()


if __name__ == "__main__":
    main()
