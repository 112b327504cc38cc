"""Aggregate counters: one atomic upsert per event, so concurrent writers lose nothing, on SQLite
and PostgreSQL alike."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from helpseek.invite import open_counts
from helpseek.invite.counts import CountStore
from helpseek.problems import InputError

DAY = date(2026, 3, 4)


def _hammer(store: CountStore, workers: int = 6, each: int = 40) -> None:
    def work(n: int) -> None:
        for _ in range(each):
            store.add("impression", DAY, "neutral", "en")
            store.add("click", DAY, "neutral", "en", "helpline", "help")
            if n % 2:
                store.add("click", DAY, "legal_risk", "fi", "survey_a", "survey")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(work, range(workers)))


def _totals(store: CountStore) -> list[tuple[str, str, str, str, int]]:
    return [(r.variant, r.language, r.event, r.target, r.count) for r in store.rows()]


def test_counts__concurrent_writers_on_sqlite__lose_no_count(tmp_path: Path) -> None:
    store = open_counts(f"sqlite:///{tmp_path / 'invite.db'}")
    _hammer(store)
    assert _totals(store) == [
        ("legal_risk", "fi", "click", "survey_a", 3 * 40),
        ("neutral", "en", "click", "helpline", 6 * 40),
        ("neutral", "en", "impression", "", 6 * 40),
    ]


@pytest.mark.postgres
def test_counts__concurrent_writers_on_postgresql__lose_no_count(postgres_url: str) -> None:
    store = open_counts(postgres_url)
    try:
        _hammer(store)
        assert _totals(store) == [
            ("legal_risk", "fi", "click", "survey_a", 3 * 40),
            ("neutral", "en", "click", "helpline", 6 * 40),
            ("neutral", "en", "impression", "", 6 * 40),
        ]
    finally:
        store.close()


def test_counts__plain_postgresql_url__uses_the_installed_psycopg_driver() -> None:
    # No server needed: the engine is built lazily, and the failure names the URL, not a traceback
    with pytest.raises(InputError) as caught:
        open_counts("postgresql://nobody@127.0.0.1:1/none")
    [problem] = caught.value.problems
    assert problem.code == "INVITE-009" and "psycopg2" not in problem.message


@pytest.mark.parametrize(
    "url", ["mysql://u@h/db", "not a url", "sqlite:////nonexistent-dir/x/y.db"]
)
def test_counts__unusable_database_url__is_invite_009(url: str) -> None:
    with pytest.raises(InputError) as caught:
        open_counts(url)
    assert [p.code for p in caught.value.problems] == ["INVITE-009"]
