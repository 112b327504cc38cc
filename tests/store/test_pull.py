"""`pull`: sealed records and tombstones move from a collector into an archive, verified, and with
purge leave the collector; killed (SIGKILL) at every step of a batch, on SQLite and PostgreSQL,
nothing is lost or doubled, and running again finishes the job (issue 14)."""

from __future__ import annotations

import itertools
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from helpseek.problems import InputError
from helpseek.store import (
    FILLER_JSON,
    PageRecord,
    ResearchKeypair,
    StoredRecord,
    TableCount,
    Tombstone,
    new_record_id,
    open_store,
    parse_public_keys,
    pull,
    seal_page,
)

KILLER = Path(__file__).with_name("pull_killed_at.py")
TABLES = ("sealed_records", "tombstones")
Contents = dict[str, dict[int, bytes]]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def two_stores(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """A collector URL and an archive URL: two SQLite files, or two fresh PostgreSQL databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'collector.db'}", f"sqlite:///{tmp_path / 'archive.db'}"
    server = str(request.getfixturevalue("postgres_server"))
    return _new_database(server), _new_database(server)


def _new_database(server: str) -> str:
    import psycopg

    name = f"pull_{uuid.uuid4().hex[:12]}"
    dsn = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


def fill(url: str, key: ResearchKeypair, pages: int, withdrawals: int, day: date) -> Contents:
    """Store real sealed pages and fillers, and tombstones, dated `day`; returns what was stored."""
    recipients = parse_public_keys(key.public_key)
    with open_store(url, today=lambda: day) as store:
        records = [
            StoredRecord(new_record_id(), seal_page(_plaintext(n, day), recipients))
            for n in range(pages)
        ]
        assert store.append(records) == pages
        for n in range(withdrawals):
            tombstone = Tombstone(f"{n:064x}", day.isoformat()).to_json()
            stored = StoredRecord(new_record_id(), seal_page(tombstone, recipients))
            assert store.withdraw(uuid.uuid4().bytes, stored, date(2027, 1, 1))
    return contents(url)


def _plaintext(n: int, day: date) -> bytes:
    if n % 3 == 2:
        return FILLER_JSON
    page = PageRecord(f"r{n // 3}", "f", "1", "en", f"p{n % 3}", n % 3 + 1, {"age": n}, ("age",),
                      day.isoformat(), 5)  # fmt: skip
    return page.to_json()


def contents(url: str) -> Contents:
    """Every row of both tables: id -> sealed bytes (the store's own tables, read directly)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: {
                    int(i): bytes(s)
                    for i, s in conn.execute(sa.text(f"SELECT id, sealed FROM {table}"))
                }
                for table in TABLES
            }
    finally:
        engine.dispose()


def assert_nothing_lost_or_changed(original: Contents, collector: Contents, archive: Contents):
    for table in TABLES:
        # Every archived row is an exact copy of an original row...
        assert {i: original[table].get(i) for i in archive[table]} == archive[table], table
        # ... every original row is still on the collector or in the archive (or both)...
        assert set(collector[table]) | set(archive[table]) == set(original[table]), table
        # ... and the collector holds nothing else and nothing altered.
        assert {i: original[table].get(i) for i in collector[table]} == collector[table], table


POINTS = ["commit:archive", "commit:collector"] + [
    f"{step}:{when}"
    for step, when in itertools.product(("_read_batch", "_copy", "_verify", "_let_go"), ("before", "after"))
]  # fmt: skip


def _killed_runs(collector: str, archive: str, batch: int) -> Iterator[tuple[str, int, int]]:
    """Run the pull again and again, each time killed at the next point (the 1st, then the 2nd
    time it is reached), until a run is never killed; yields (point, nth, exit status) per run."""
    for point, nth in itertools.cycle([(p, n) for n in (1, 2) for p in POINTS]):
        run = subprocess.run(
            [sys.executable, str(KILLER), collector, archive, point, str(nth), str(batch)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode in (0, -signal.SIGKILL), run.stderr
        yield point, nth, run.returncode
        if run.returncode == 0:
            return


@pytest.mark.slow
def test_pull_with_purge__killed_at_every_step__nothing_lost_or_doubled__rerun_finishes(
    two_stores: tuple[str, str], research_key: ResearchKeypair
) -> None:
    collector, archive = two_stores
    # Given a collector with 100 sealed records (pages and fillers) and 4 tombstones
    original = fill(collector, research_key, 100, 4, date(2026, 12, 1))
    with open_store(archive):
        pass
    # When pulls with purge are killed (SIGKILL) before and after every step of a batch and just
    # before each side's commits, again and again
    kills = set()
    for point, nth, status in _killed_runs(collector, archive, batch=7):
        if status != 0:
            kills.add(point)
        # Then after every kill no row is lost, altered or doubled (ids are primary keys)
        assert_nothing_lost_or_changed(original, contents(collector), contents(archive))
    assert kills == set(POINTS)  # every point was reached and killed at least once
    # And the run that was not killed finished the job: all in the archive, none on the collector
    assert contents(archive) == original
    assert contents(collector) == {table: {} for table in TABLES}


def test_pull_without_purge__marks_pulled__a_later_purge_removes_only_what_was_verified(
    two_stores: tuple[str, str], research_key: ResearchKeypair
) -> None:
    collector, archive = two_stores
    first = fill(collector, research_key, 9, 1, date(2026, 12, 1))
    with open_store(collector) as store_c, open_store(archive) as store_a:
        kept = pull(store_c, store_a, purge=False, batch_size=4)
        assert (kept.records.read, kept.records.copied, kept.records.removed) == (9, 9, 9)
        assert contents(collector) == first == contents(archive)
        # Pulled again at once: nothing is read, nothing copied (the pull is incremental)
        progress: list[tuple[int, int]] = []
        again = pull(
            store_c, store_a, purge=False, batch_size=4, progress=lambda *d: progress.append(d)
        )
        assert (again.records, again.tombstones) == (TableCount(), TableCount()) and not progress
        # New records arrive; a pull without purge reads and copies only those
        second = fill(collector, research_key, 6, 1, date(2026, 12, 2))
        new = pull(store_c, store_a, purge=False, batch_size=4)
        assert new.records == TableCount(read=6, copied=6, verified=6, removed=6)
        assert new.tombstones == TableCount(read=1, copied=1, verified=1, removed=1)
        assert contents(collector) == second == contents(archive)
        # Then a pull with purge verifies everything again and purges it
        purged = pull(store_c, store_a, purge=True, batch_size=4)
    assert (purged.records.read, purged.records.copied, purged.records.already) == (15, 0, 15)
    assert (purged.tombstones.copied, purged.tombstones.already, purged.tombstones.removed) == (
        0,
        2,
        2,
    )
    assert contents(archive) == second and contents(collector) == {t: {} for t in TABLES}


def test_pull__a_differing_copy_in_the_archive__pull_002__nothing_purged(
    tmp_path: Path, research_key: ResearchKeypair
) -> None:
    collector, archive = (f"sqlite:///{tmp_path / n}" for n in ("c.db", "a.db"))
    original = fill(collector, research_key, 5, 0, date(2026, 12, 1))
    # An archive that holds another row under one of the collector's ids
    some_id = sorted(original["sealed_records"])[2]
    with open_store(archive):
        pass
    engine = sa.create_engine(archive)
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO sealed_records (id, sealed, stored_on) VALUES (:i, :s, :d)"),
            {"i": some_id, "s": b"not the same bytes", "d": date(2026, 12, 1)},
        )
    engine.dispose()
    with open_store(collector) as store_c, open_store(archive) as store_a:
        with pytest.raises(InputError) as refused:
            pull(store_c, store_a, purge=True, batch_size=2)
        assert refused.value.problems[0].code == "PULL-002"
        assert str(some_id) in refused.value.problems[0].message
    # The batch with that id and everything after it are still on the collector
    ids = sorted(original["sealed_records"])
    assert contents(collector)["sealed_records"] == {
        i: original["sealed_records"][i] for i in ids[2:]
    }
    assert contents(archive)["sealed_records"][some_id] == b"not the same bytes"


def test_pull__same_store_or_no_batch__refused_before_anything_moves(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    with open_store(url) as a, open_store(f"sqlite:///{tmp_path}/./c.db") as b:
        with pytest.raises(InputError) as same:
            pull(a, b, purge=True)
        assert same.value.problems[0].code == "PULL-001"
        with (
            open_store(f"sqlite:///{tmp_path / 'a.db'}") as other,
            pytest.raises(InputError) as empty_batch,
        ):
            pull(a, other, purge=True, batch_size=0)
        assert empty_batch.value.problems[0].code == "PULL-003"
