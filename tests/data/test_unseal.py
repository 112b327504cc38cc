"""unseal_all: every sealed record of a real store opened with the research identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpseek.data import unseal_all
from helpseek.problems import InputError, Problem, catalogue
from helpseek.store import (
    PageRecord,
    Recipients,
    ResearchKeypair,
    Store,
    generate_research_keypair,
    open_store,
    seal_page,
)


@pytest.fixture(scope="module")
def key() -> ResearchKeypair:
    return generate_research_keypair()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'responses.db'}")


def record(n: int) -> PageRecord:
    return PageRecord(
        "r1", "study", "1", "en", f"p{n}", n, {"why": f"tokenalpha{n}"}, ("why",), "2026-11-29", 10
    )


def test_unseal_all__sealed_pages__come_back_in_storage_order_with_progress(
    store: Store, key: ResearchKeypair
) -> None:
    for n in (1, 2, 3):
        store.append(seal_page(record(n).to_json(), Recipients((key.public_key,))), bytes([n]))
    seen: list[tuple[int, int]] = []
    records = unseal_all(
        store, key.identity, progress=lambda done, total: seen.append((done, total))
    )
    assert records == [record(1), record(2), record(3)]
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_unseal_all__record_sealed_to_another_key__listed_as_problem_by_position(
    store: Store, key: ResearchKeypair
) -> None:
    other = generate_research_keypair()
    store.append(seal_page(record(1).to_json(), Recipients((key.public_key,))), b"a")
    store.append(seal_page(record(2).to_json(), Recipients((other.public_key,))), b"b")
    store.append(seal_page(b"not json", Recipients((key.public_key,))), b"c")
    with pytest.raises(InputError) as caught:
        unseal_all(store, key.identity)
    message = catalogue["STORE-004"].format
    assert [p.message for p in caught.value.problems] == [
        message(record=2, reason="no matching key"),
        message(record=3, reason="it is not a helpseek page record (JSONDecodeError)"),
    ]


def test_unseal_all__skip_unreadable__warns_and_returns_the_rest(
    store: Store, key: ResearchKeypair
) -> None:
    other = generate_research_keypair()
    store.append(seal_page(record(1).to_json(), Recipients((other.public_key,))), b"a")
    store.append(seal_page(record(2).to_json(), Recipients((key.public_key,))), b"b")
    warnings: list[Problem] = []
    assert unseal_all(store, key.identity, on_unreadable=warnings.append) == [record(2)]
    assert [(w.code, w.severity) for w in warnings] == [("STORE-004", "warning")]
